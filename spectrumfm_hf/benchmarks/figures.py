"""The paper's figures from the stored cells, drawn with :mod:`spectrumfm_hf.plots`.

Curves are means over seeds (accuracy per SNR, per epoch, per label fraction); confusion
counts are summed over seeds; ROC curves and the t-SNE map come from the lowest seed's cell
(scores of differently seeded models do not share a scale, so they are not pooled).
A figure whose cells were not run (filtered out) is skipped.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from spectrumfm_hf import plots

from .profiles import CONFUSION_SNRS_DB, ROC_SNR_DB, SPECTRUMFM, SPECTRUMFM_MODELS

Records = Sequence[Mapping[str, Any]]


def _select(records: Records, task: str, data_set: str | None = None, label_fraction: float = 1.0) -> list:
    return [
        record
        for record in records
        if record["key"]["task"] == task
        and (data_set is None or record["key"]["data_set"] == data_set)
        and float(record["key"]["label_fraction"]) == label_fraction
    ]


def _by_model(records: Records, model_order: Sequence[str]) -> dict[str, list]:
    grouped: dict[str, list] = {}
    for record in records:
        grouped.setdefault(record["key"]["model"], []).append(record)
    order = [model for model in model_order if model in grouped] + sorted(set(grouped) - set(model_order))
    return {model: sorted(grouped[model], key=lambda record: record["key"]["seed"]) for model in order}


def _mean_curve(
    curves: Sequence[Mapping[str, Sequence[float]]], x: str, y: str
) -> tuple[list[float], list[float]]:
    """Mean of ``y`` at each ``x`` over the curves (x values any curve has)."""
    sums: dict[float, list[float]] = {}
    for curve in curves:
        for position, value in zip(curve[x], curve[y]):
            # Real recordings without a stated SNR carry NaN: they have no place on the axis.
            if not np.isnan(float(position)):
                sums.setdefault(float(position), []).append(float(value))
    positions = sorted(sums)
    return positions, [float(np.mean(sums[position])) for position in positions]


def plot_accuracy_per_epoch(
    accuracy_by_model: Mapping[str, tuple[Sequence[float], Sequence[float]]], path: Path, title: str
) -> Path:
    """One line per model: validation accuracy (%) after each training epoch (Fig. 7).

    Args:
        accuracy_by_model: model name -> ``(epochs, accuracy)``, accuracy as a fraction in [0, 1].
        path: the PNG to write.
        title: the figure title.
    """
    figure = plots._figure(7.0, 4.5)
    axes = figure.add_subplot()
    for index, (model, (epochs, accuracy)) in enumerate(accuracy_by_model.items()):
        axes.plot(
            epochs, 100 * np.asarray(accuracy), marker="o", markersize=4, label=model, **plots._style(index)
        )
    axes.set_ylim(0, 100)
    axes.set_xlabel("epoch")
    axes.set_ylabel("validation accuracy (%)")
    axes.set_title(title)
    axes.grid(alpha=0.3)
    axes.legend(loc="lower right", fontsize="small")
    return plots._save(figure, path)


def _accuracy_vs_snr(records: Records, model_order, path: Path, title: str) -> list[Path]:
    by_model = _by_model(records, model_order)
    curves = {
        model: _mean_curve([record["result"]["accuracy_per_snr"] for record in cells], "snr_db", "accuracy")
        for model, cells in by_model.items()
    }
    curves = {model: curve for model, curve in curves.items() if curve[0]}
    if not curves:
        return []
    classes = len(next(iter(by_model.values()))[0]["result"]["class_names"])
    return [plots.plot_accuracy_vs_snr(curves, path, title=title, chance_accuracy=1.0 / classes)]


def _confusion_matrices(cells: list, path_stem: Path, title: str) -> list[Path]:
    written = []
    names = cells[0]["result"]["class_names"]
    for snr in CONFUSION_SNRS_DB:
        matrices = [record["result"]["confusion_at_snr"].get(f"{snr:g}") for record in cells]
        matrices = [matrix for matrix in matrices if matrix is not None]
        if matrices:
            path = path_stem.with_name(f"{path_stem.name}_{snr:g}db.png")
            written.append(
                plots.plot_confusion_matrix(
                    np.sum(matrices, axis=0), names, path, title=f"{title} at {snr:g} dB"
                )
            )
    return written


def _roc(cells_by_model: Mapping[str, list], path: Path, title: str) -> list[Path]:
    curves = {}
    for model, cells in cells_by_model.items():
        roc = cells[0]["result"].get("roc_at_snr")
        if roc and len(set(roc["references"])) == 2:
            curves[model] = (roc["references"], roc["scores"])
    return [plots.plot_roc_curves(curves, path, title=title)] if curves else []


def _anomaly_roc(cells: list, path: Path, title: str) -> list[Path]:
    roc = cells[0]["result"]["roc"]
    references = np.asarray(roc["references"])
    scores = np.asarray(roc["scores"])
    kinds = np.asarray(roc["interference"], dtype=object)
    isrs = np.asarray(roc["isr_db"], dtype=np.float64)
    curves = {}
    for kind in sorted(set(kinds[references == 1])):
        for isr in sorted(set(isrs[(references == 1) & (kinds == kind)])):
            chosen = (references == 0) | ((kinds == kind) & np.isclose(isrs, isr))
            if len(set(references[chosen])) == 2:
                curves[(kind, f"ISR {isr:g} dB")] = (references[chosen], scores[chosen])
    return [plots.plot_roc_curves(curves, path, title=title)] if curves else []


def _accuracy_per_epoch(by_model: Mapping[str, list], path: Path, title: str) -> list[Path]:
    curves = {
        model: _mean_curve(
            [record["result"]["validation_accuracy_per_epoch"] for record in cells], "epoch", "accuracy"
        )
        for model, cells in by_model.items()
    }
    curves = {model: curve for model, curve in curves.items() if curve[0]}
    return [plot_accuracy_per_epoch(curves, path, title)] if curves else []


def write_figures(records: Records, folder: Path, model_order: Sequence[str]) -> list[Path]:
    """Draw every figure whose cells are stored into ``folder``; return the PNGs written."""
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for data_set in sorted({record["key"]["data_set"] for record in _select(records, "amc")}):
        cells = _select(records, "amc", data_set)
        written += _accuracy_vs_snr(
            cells,
            model_order,
            folder / f"fig3_accuracy_vs_snr_{data_set}.png",
            f"AMC accuracy vs SNR, {data_set}",
        )
        by_model = _by_model(cells, model_order)
        if SPECTRUMFM in by_model:
            written += _confusion_matrices(
                by_model[SPECTRUMFM], folder / f"fig4_confusion_{data_set}", f"SpectrumFM on {data_set}"
            )
        for model in (model for model in SPECTRUMFM_MODELS if model in by_model):
            embedded = by_model[model][0]["result"].get("embeddings_at_tsne_snr") or {}
            if embedded:
                written.append(
                    plots.plot_tsne(
                        embedded["vectors"],
                        np.asarray(embedded["labels"], dtype=np.int64),
                        by_model[model][0]["result"]["class_names"],
                        folder / f"fig5_tsne_{data_set}_{model}.png",
                        title=f"{model} encoder on {data_set} at 0 dB",
                        max_points=max(4, len(embedded["labels"])),
                    )
                )
        written += _accuracy_per_epoch(
            by_model,
            folder / f"fig7_accuracy_per_epoch_{data_set}.png",
            f"AMC validation accuracy per epoch, {data_set}",
        )
        few_shot = {}
        for record in (
            record
            for record in records
            if record["key"]["task"] == "amc" and record["key"]["data_set"] == data_set
        ):
            few_shot.setdefault(record["key"]["model"], {}).setdefault(
                float(record["key"]["label_fraction"]), []
            ).append(record["result"]["accuracy"])
        few_shot = {
            model: {fraction: float(np.mean(values)) for fraction, values in fractions.items()}
            for model, fractions in few_shot.items()
            if len(fractions) > 1
        }
        if few_shot:
            written.append(
                plots.plot_few_shot(
                    few_shot,
                    folder / f"fig6_few_shot_{data_set}.png",
                    title=f"AMC few-shot accuracy, {data_set}",
                )
            )
    for data_set in sorted({record["key"]["data_set"] for record in _select(records, "wtc")}):
        cells = _select(records, "wtc", data_set)
        written += _accuracy_vs_snr(
            cells,
            model_order,
            folder / f"fig8_wtc_accuracy_vs_snr_{data_set}.png",
            f"Technology classification accuracy vs SNR, {data_set}",
        )
        by_model = _by_model(cells, model_order)
        written += _accuracy_per_epoch(
            by_model,
            folder / f"fig7_accuracy_per_epoch_{data_set}.png",
            f"Technology classification validation accuracy per epoch, {data_set}",
        )
        if SPECTRUMFM in by_model:
            written += _confusion_matrices(
                by_model[SPECTRUMFM],
                folder / f"fig8_wtc_confusion_{data_set}",
                f"SpectrumFM technology classification, {data_set}",
            )
    sensing = _select(records, "ss")
    if sensing:
        written += _accuracy_vs_snr(
            sensing,
            model_order,
            folder / "fig9_sensing_accuracy_vs_snr.png",
            "Spectrum sensing accuracy vs SNR (noise-power uncertainty)",
        )
        written += _roc(
            _by_model(sensing, model_order),
            folder / "fig9_sensing_roc.png",
            f"Spectrum sensing ROC at {ROC_SNR_DB:g} dB (noise-power uncertainty)",
        )
    for model, cells in _by_model(_select(records, "ad"), model_order).items():
        written += _anomaly_roc(
            cells,
            folder / f"fig11_anomaly_roc_{model}.png",
            f"Anomaly detection ROC per interference and ISR, {model}",
        )
    return written
