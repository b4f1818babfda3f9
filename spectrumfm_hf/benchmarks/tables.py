"""The paper's tables from the stored cells: Markdown for reading, one long CSV for analysis.

Every figure is the mean ± sample standard deviation over seeds, in percent (AUCs too).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

from .store import aggregate, aggregate_cells


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A Markdown table of ``header`` and ``rows`` (every row as long as the header)."""
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def _in_order(names, preferred: Sequence[str]) -> list[str]:
    names = set(names)
    return [name for name in preferred if name in names] + sorted(names - set(preferred))


def _cells(records, task: str, label_fraction: float = 1.0) -> list[Mapping[str, Any]]:
    return [
        record
        for record in records
        if record["key"]["task"] == task and float(record["key"]["label_fraction"]) == label_fraction
    ]


def _metric_table(records, task: str, metrics: Sequence[tuple[str, str]], model_order: Sequence[str]) -> str:
    """Rows: models; columns: each data set's ``metrics`` (result key, column name)."""
    cells = _cells(records, task)
    if not cells:
        return ""
    data_sets = _in_order({record["key"]["data_set"] for record in cells}, ())
    models = _in_order({record["key"]["model"] for record in cells}, model_order)
    aggregates = {metric: aggregate_cells(cells, metric) for metric, _ in metrics}
    header = ["model"] + [f"{data_set} {column}" for data_set in data_sets for _, column in metrics]
    rows = []
    for model in models:
        row = [model]
        for data_set in data_sets:
            for metric, _ in metrics:
                found = aggregates[metric].get((task, data_set, model, 1.0))
                row.append(found.format() if found else "–")
        rows.append(row)
    return markdown_table(header, rows)


def few_shot_table(records, model_order: Sequence[str]) -> str:
    """Test accuracy (%) per label fraction (Fig. 6's numbers), per AMC data set and model."""
    cells = [record for record in records if record["key"]["task"] == "amc"]
    by_group = aggregate_cells(cells, "accuracy")
    fractions = sorted({group[3] for group in by_group})
    few_shot_models = {group[2] for group in by_group if group[3] < 1.0}
    if not few_shot_models:
        return ""
    rows = []
    for data_set in _in_order({group[1] for group in by_group if group[3] < 1.0}, ()):
        for model in _in_order(few_shot_models, model_order):
            row = [data_set, model]
            for fraction in fractions:
                found = by_group.get(("amc", data_set, model, fraction))
                row.append(found.format() if found else "–")
            rows.append(row)
    return markdown_table(
        ["data set", "model"] + [f"{round(100 * fraction)} % labels" for fraction in fractions], rows
    )


def anomaly_table(records, model_order: Sequence[str]) -> str:
    """AUC (%) per interference type and ISR (Fig. 11's numbers), per model."""
    cells = _cells(records, "ad")
    if not cells:
        return ""
    columns = sorted(
        {
            (kind, isr)
            for record in cells
            for kind, per_isr in record["result"]["auc_per_interference_isr"].items()
            for isr in per_isr
        },
        # Stored ISRs are strings (JSON keys): order them by value.
        key=lambda column: (column[0], float(column[1])),
    )
    rows = []
    for model in _in_order({record["key"]["model"] for record in cells}, model_order):
        mine = [record["result"] for record in cells if record["key"]["model"] == model]
        row = [model, aggregate(result["auc"] for result in mine).format()]
        for kind, isr in columns:
            found = aggregate(result["auc_per_interference_isr"].get(kind, {}).get(isr) for result in mine)
            row.append(found.format() if found.count else "–")
        rows.append(row)
    return markdown_table(
        ["model", "AUC all"] + [f"{kind} ISR {float(isr):g} dB" for kind, isr in columns], rows
    )


TABLES: dict[str, tuple[str, Callable[[Sequence[Mapping[str, Any]], Sequence[str]], str]]] = {
    "table2_amc": (
        "Table II: AMC weighted precision / recall / F1 (%)",
        lambda records, order: _metric_table(
            records, "amc", (("precision", "P"), ("recall", "R"), ("f1", "F1")), order
        ),
    ),
    "table3_wtc": (
        "Table III: wireless-technology classification (%)",
        lambda records, order: _metric_table(
            records,
            "wtc",
            (("accuracy", "accuracy"), ("precision", "P"), ("recall", "R"), ("f1", "F1")),
            order,
        ),
    ),
    "few_shot": ("Fig. 6: AMC test accuracy with a share of the training labels (%)", few_shot_table),
    "sensing": (
        "Fig. 9: spectrum sensing, accuracy and AUC at -4 dB with noise-power uncertainty (%)",
        lambda records, order: _metric_table(
            records, "ss", (("accuracy", "accuracy"), ("auc_at_roc_snr", "AUC at -4 dB")), order
        ),
    ),
    "anomaly": ("Fig. 11: anomaly detection AUC per interference type and ISR (%)", anomaly_table),
}
"""Each table: file stem -> (title, builder of its Markdown from the records and the model order)."""


def write_tables(
    records: Sequence[Mapping[str, Any]], folder: Path, model_order: Sequence[str]
) -> list[Path]:
    """Write every table with cells as ``<stem>.md``, all of them in ``tables.md``, and ``results.csv``.

    Returns the files written.
    """
    folder.mkdir(parents=True, exist_ok=True)
    written, combined = [], []
    for stem, (title, build) in TABLES.items():
        text = build(records, model_order)
        if not text:
            continue
        path = folder / f"{stem}.md"
        path.write_text(f"## {title}\n\n{text}", encoding="utf-8")
        written.append(path)
        combined.append(f"## {title}\n\n{text}")
    (folder / "tables.md").write_text("\n".join(combined), encoding="utf-8")
    csv_path = folder / "results.csv"
    csv_path.write_text(results_csv(records), encoding="utf-8")
    return [*written, folder / "tables.md", csv_path]


SCALAR_METRICS = (
    "accuracy",
    "precision",
    "recall",
    "f1",
    "auc_at_roc_snr",
    "auc",
    "false_alarm_rate",
    "detection_rate",
    "epochs_run",
    "trainable_parameters",
)
"""Result keys aggregated into ``results.csv``."""


def results_csv(records: Sequence[Mapping[str, Any]]) -> str:
    """One row per (task, data set, model, label fraction, metric): mean, std and number of seeds."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["task", "data_set", "model", "label_fraction", "metric", "mean", "std", "seeds"])
    for metric in SCALAR_METRICS:
        for (task, data_set, model, fraction), found in sorted(aggregate_cells(records, metric).items()):
            if found.count:
                writer.writerow(
                    [
                        task,
                        data_set,
                        model,
                        fraction,
                        metric,
                        f"{found.mean:.6g}",
                        f"{found.std:.6g}",
                        found.count,
                    ]
                )
    return buffer.getvalue()
