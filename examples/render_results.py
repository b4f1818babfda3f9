"""Render the measured figures of the README, the docs and the shipped cards from committed result files.

Every measured figure (accuracy, loss, AUC, timing, throughput) in ``README.md``, ``docs/*.md``
and ``examples/benchmarks/README.md`` sits in a generated region that one named renderer below
writes from committed files:

    <!-- results: quickstart -->
    ... text written by the renderer "quickstart" ...
    <!-- /results -->

The files name the command that wrote them, its seed, scale, CPU and precision:
``examples/results/<name>/<name>.json`` (written by ``--record``),
``examples/results/pretraining_benefit/`` (``examples/pretraining_benefit.py``),
``examples/benchmarks/results/cpu/`` (``spectrumfm benchmark --profile cpu``) and the shipped
``spectrumfm_hf/pretrained/*/run_metrics.json`` (``examples/ship_pretrained.py``). The shipped
cards (``spectrumfm_hf/pretrained/*/README.md``) are rendered from their ``run_metrics.json``
through ``hub_cards/`` as ``examples/ship_pretrained.py`` installs them.

    python examples/render_results.py             # rewrite every region and card from the files
    python examples/render_results.py --check     # exit 1 naming each region or card that disagrees
    OMP_NUM_THREADS=1 python examples/render_results.py --record quickstart   # rerun a cheap command

``--record NAME`` runs one of :data:`RECORDINGS` (each takes a few minutes at most on one core)
in a scratch folder and writes ``examples/results/NAME/NAME.json`` from the command's own
outputs; run the renderer afterwards. Figures whose command takes much longer (the benchmark,
the shipped weights) come from the files those commands commit.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import dataclasses
import json
import math
import os
import re
import shlex
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "examples" / "results"
BENCHMARK = ROOT / "examples" / "benchmarks" / "results" / "cpu"
PRETRAINED = ROOT / "spectrumfm_hf" / "pretrained"
BENEFIT = RESULTS / "pretraining_benefit" / "pretraining_benefit.json"

DOCUMENTS = ("README.md", "docs/training.md", "docs/performance.md", "docs/data_realism.md",
             "examples/benchmarks/README.md")
"""The markdown files whose generated regions this script renders, relative to the repository root."""

REGION = re.compile(
    r"<!-- results: (?P<name>[a-z0-9-]+) -->\n(?P<body>.*?)(?P<indent>[ \t]*)<!-- /results -->", re.DOTALL)
"""A generated region; indented markers keep it inside a list item."""
UNRECORDED = "not yet recorded in a result file"
"""The phrase that marks figures in the docs that no committed file holds yet (with their command)."""


class ResultsError(ValueError):
    """A result file or a generated region is missing or malformed."""


# -- reading result files ---------------------------------------------------------------------


def read_json(path: Path) -> Any:
    if not path.is_file():
        raise ResultsError(f"result file {path.relative_to(ROOT)} does not exist")
    return json.loads(path.read_text(encoding="utf-8"))


def record_path(name: str) -> Path:
    return RESULTS / name / f"{name}.json"


def read_record(name: str) -> dict[str, Any]:
    """The result file ``--record name`` wrote."""
    return read_json(record_path(name))


def read_markdown_table(path: Path) -> list[dict[str, str]]:
    """The rows of the first markdown table in ``path``, each a {column header: cell text} mapping."""
    if not path.is_file():
        raise ResultsError(f"result file {path.relative_to(ROOT)} does not exist")
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.startswith("|")]
    if len(lines) < 3:
        raise ResultsError(f"{path.relative_to(ROOT)} holds no markdown table")

    def cells(line: str) -> list[str]:
        return [cell.strip() for cell in line.strip().strip("|").split("|")]

    header = cells(lines[0])
    return [dict(zip(header, cells(line))) for line in lines[2:]]


def benchmark_table(name: str) -> dict[str, dict[str, str]]:
    """``tables/<name>.md`` of the committed cpu benchmark, rows keyed by model."""
    return {row["model"]: row for row in read_markdown_table(BENCHMARK / "tables" / f"{name}.md")}


def mean_of(cell: str) -> float:
    """The mean of a ``"mean ± std"`` cell."""
    return float(cell.split("±")[0])


def benchmark_manifest() -> dict[str, Any]:
    return read_json(BENCHMARK / "manifest.json")


def shipped_run(name: str) -> dict[str, Any]:
    return read_json(PRETRAINED / name / "run_metrics.json")


def shipped_metric(run: dict[str, Any], name: str, config: str | None = None) -> float:
    for metric in run["metrics"]:
        if metric["name"] == name and metric.get("config") == config:
            return metric["value"]
    raise ResultsError(f"no metric {name!r} ({config}) in the run of {run['training']['command']!r}")


@contextlib.contextmanager
def _examples_on_path() -> Iterator[None]:
    """Let the example scripts beside this one import each other, as they do when run."""
    sys.path.insert(0, str(ROOT / "examples"))
    try:
        yield
    finally:
        sys.path.remove(str(ROOT / "examples"))


# -- formatting -------------------------------------------------------------------------------


def percent(fraction: float) -> str:
    return f"{100 * fraction:.1f} %"


def share(fraction: float) -> str:
    """A setting's share as the docs write it: ``0.1`` is ``"10 %"``."""
    return f"{100 * fraction:g} %"


def duration(seconds: float) -> str:
    """``"67 s"`` below two minutes, ``"2 min 46 s"`` from there."""
    whole = round(seconds)
    return f"{whole} s" if whole < 120 else f"{whole // 60} min {whole % 60} s"


def count(value: float) -> str:
    return f"{value:,.0f}"


def machine(record: dict[str, Any]) -> str:
    """Where a ``--record`` file was measured: threads, cores, CPU, precision."""
    threads = record["threads"]
    return (f"{threads} thread{'s' if threads != 1 else ''} on a {record['cpu_cores_usable']}-core "
            f"{record['cpu']}, {record['precision']}")


def source(*paths: Path) -> str:
    return ", ".join(f"`{path.relative_to(ROOT)}`" for path in paths)


# -- renderers --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Renderer:
    """Writes one generated region from the files it names."""

    name: str
    sources: tuple[str, ...]
    render: Callable[[], str]


RENDERERS: dict[str, Renderer] = {}


def renderer(name: str, *sources: str) -> Callable[[Callable[[], str]], Callable[[], str]]:
    """Register ``function`` as the renderer of the regions named ``name``, reading ``sources``."""

    def register(function: Callable[[], str]) -> Callable[[], str]:
        RENDERERS[name] = Renderer(name, sources, function)
        return function

    return register


def not_recorded(*names: str) -> str:
    """What a region says while the result files of ``names`` are not committed yet."""
    records = " ".join(f"--record {name}" for name in names)
    return f"{UNRECORDED}; `OMP_NUM_THREADS=1 python examples/render_results.py {records}` records it"


def load(record: dict[str, Any]) -> str:
    """The machine's load while a ``--record`` file was measured, which its wall times depend on."""
    before, after = record["load_average_before"][0], record["load_average_after"][0]
    return f"load average {before:.1f} at the start and {after:.1f} at the end"


@renderer("quickstart", "examples/results/quickstart/quickstart.json",
          "examples/results/quickstart-from-scratch/quickstart-from-scratch.json")
def render_quickstart() -> str:
    shipped = read_record("quickstart")
    results = shipped["results"]
    text = (
        f"**What it reaches** (`{shipped['command']}`, {machine(shipped)}, recorded in "
        f"{source(record_path('quickstart'))}): the adapter reached **{percent(results['test_accuracy_snr_ge_10db'])} "
        f"test accuracy at SNR >= 10 dB** (chance {percent(1 / results['num_classes'])}; "
        f"{percent(results['test_accuracy'])} over all SNRs), and the quick start took {duration(shipped['wall_s'])} "
        f"({load(shipped)}). "
    )
    if not record_path("quickstart-from-scratch").is_file():
        return text + (f"`{shipped['command']} --from-scratch` pre-trains its own small encoder first instead of "
                       f"using the shipped one ({not_recorded('quickstart-from-scratch')}).\n")
    scratch = read_record("quickstart-from-scratch")
    budget = scratch["scale"]
    losses = scratch["results"]["pretraining"]["validation_losses"]
    return text + (
        f"`{scratch['command']}` pre-trains its own small encoder first "
        f"({count(budget['pretraining_examples'])} captures, {budget['pretraining_epochs']} epochs; validation loss "
        f"{losses[0]:.3f} → {min(losses):.3f}) instead of using the shipped one and reaches "
        f"{percent(scratch['results']['test_accuracy_snr_ge_10db'])} at SNR >= 10 dB "
        f"({percent(scratch['results']['test_accuracy'])} over all SNRs) in {duration(scratch['wall_s'])} "
        f"({machine(scratch)}, {load(scratch)}; {source(record_path('quickstart-from-scratch'))}).\n"
    )


@renderer("quickstart-representation", "examples/results/quickstart-from-scratch/quickstart-from-scratch.json",
          "examples/results/quickstart-iq/quickstart-iq.json")
def render_quickstart_representation() -> str:
    names = ("quickstart-from-scratch", "quickstart-iq")
    if not all(record_path(name).is_file() for name in names):
        return (f"  At the quick start's from-scratch budget an I/Q encoder's pre-training loss fell further than the "
                f"paper's representation's, but its AMC accuracy was lower ({not_recorded(*names)}).\n")
    paper, iq = (read_record(name) for name in names)

    def losses(record: dict[str, Any]) -> str:
        values = record["results"]["pretraining"]["validation_losses"]
        return f"{values[0]:.3f} → {min(values):.3f}"

    return (
        f"  At the quick start's from-scratch budget (`{iq['command']}`, {machine(iq)}, "
        f"{source(record_path('quickstart-iq'))}, against {source(record_path('quickstart-from-scratch'))}) the I/Q "
        f"encoder's pre-training validation loss falls {losses(iq)}, against {losses(paper)} for amplitude and "
        f"phase, and its AMC accuracy at SNR ≥ 10 dB is {percent(iq['results']['test_accuracy_snr_ge_10db'])} "
        f"against {percent(paper['results']['test_accuracy_snr_ge_10db'])}.\n"
    )


SHIPPED_WHAT = {
    "spectrumfm-small": "the encoder, pre-trained on the generated mixture",
    "spectrumfm-small-amc-rml2016": "LoRA + head, AMC on RML2016.10a's 11 classes (the `broad` default)",
    "spectrumfm-small-amc-rml2018": "LoRA + head, AMC on RML2018.01A's 24 classes",
    "spectrumfm-small-wtc": "LoRA + head, 7 wireless technologies",
    "spectrumfm-small-ss": "LoRA + head, spectrum sensing (vacant / occupied)",
    "spectrumfm-small-ad": "LoRA + reconstruction decoder + normal-embedding statistics, anomaly detection on the "
                           "static laboratory link",
}


def _safetensors_parameters(path: Path) -> int:
    """Parameters stored in a safetensors file, from the shapes in its header."""
    from safetensors import safe_open

    with safe_open(path, "numpy") as handle:
        return sum(math.prod(handle.get_slice(name).get_shape()) for name in handle.keys())


def _epochs(command: str) -> str:
    words = shlex.split(command)
    return words[words.index("--num_train_epochs") + 1]


def _shipped_measured(run: dict[str, Any]) -> str:
    """The figures a shipped artefact's evaluation recorded, in the README's words."""
    if not run["metrics"] or run["task"]["type"] == "feature-extraction":
        return f"validation loss {run['training']['final_losses']['validation']:.3f}"
    if run["task"]["type"] == "iq-anomaly-detection":
        overall = shipped_metric(run, "Test AUC (anomalous vs normal windows)")
        per_isr: dict[str, list[float]] = {}
        for metric in run["metrics"]:
            if metric.get("config", "").startswith("isr_db = "):
                per_isr.setdefault(metric["config"].removeprefix("isr_db = "), []).append(metric["value"])
        spans = "; ".join(f"{min(values):.2f}-{max(values):.2f} per interference type at {isr} dB ISR"
                          for isr, values in sorted(per_isr.items(), key=lambda item: -float(item[0])))
        return f"test AUC {overall:.3f} over ISR {'/'.join(sorted(per_isr, key=float))} dB; {spans}"
    text = (f"test accuracy {percent(shipped_metric(run, 'Test accuracy', 'snr_db >= 10'))} at SNR ≥ 10 dB, "
            f"{percent(shipped_metric(run, 'Test accuracy (all SNRs)'))} over all SNRs")
    auc = [metric["value"] for metric in run["metrics"] if metric["type"] == "roc_auc"]
    return text + (f", ROC AUC {auc[0]:.3f}" if auc else "")


@renderer("shipped-artefacts", "spectrumfm_hf/pretrained/*/run_metrics.json",
          "spectrumfm_hf/pretrained/*/*.safetensors")
def render_shipped_artefacts() -> str:
    from spectrumfm_hf.pretrained import available_pretrained

    rows = ["| artefact | what | data and budget (its run) | measured | wall, where |", "|---|---|---|---|---|"]
    for name in available_pretrained():
        folder = PRETRAINED / name
        run = shipped_run(name)
        training = run["training"]
        weights = sorted(folder.glob("*.safetensors"))
        size = sum(path.stat().st_size for path in weights)
        what = SHIPPED_WHAT.get(name, name)
        if (folder / "model.safetensors").is_file():
            config = read_json(folder / "config.json")
            what += (f": d={config['hidden_size']}, {config['num_hidden_layers']} layers, "
                     f"{count(_safetensors_parameters(folder / 'model.safetensors'))} parameters")
        budget = (f"{training['data']}; {_epochs(training['command'])} epochs ({count(training['steps'])} steps); "
                  f"{size / 1e3:,.0f} kB")
        where = f"{training['wall_time_s']:,.0f} s, {training['hardware']}, {training['precision']}"
        rows.append(f"| `{name}` | {what} | {budget} | {_shipped_measured(run)} | {where} |")
    return "\n".join(rows) + "\n"


@renderer("pretraining-benefit", "examples/results/pretraining_benefit/pretraining_benefit.json")
def render_pretraining_benefit() -> str:
    benefit = read_json(BENEFIT)
    arms = benefit["per_arm"]
    return (
        f"Pre-trained against random encoder at {share(benefit['label_fraction'])} of the AMC labels, seeds "
        f"{', '.join(map(str, benefit['seeds']))} (`examples/pretraining_benefit.py`, {source(BENEFIT)}, "
        f"{_benefit_machine(benefit)}): **{_arm(arms, 'pretrained')} against {_arm(arms, 'random')}** at SNR ≥ 10 dB.\n"
    )


def _arm(arms: dict[str, Any], name: str) -> str:
    """One arm of the pre-training benefit study as ``"mean ± std %"``."""
    return f"{arms[name]['mean']:.1f} ± {arms[name]['std']:.1f} %"


def _benefit_machine(benefit: dict[str, Any]) -> str:
    with _examples_on_path():
        from pretraining_benefit import measured_on

    return measured_on(benefit)


def _factor(real_time_factor: float) -> str:
    """Seconds of computing per second of signal: one decimal below 10, whole numbers above."""
    return f"{real_time_factor:.1f}" if real_time_factor < 10 else f"{real_time_factor:,.0f}"


@renderer("realtime", "examples/results/realtime/realtime.json")
def render_realtime() -> str:
    if not record_path("realtime").is_file():
        return (f"on a d=128, 4-layer model and at the paper configuration, each on one thread with 64-window "
                f"blocks ({not_recorded('realtime')}).\n")
    record = read_record("realtime")
    lines = record["results"]["lines"]
    configs = list(dict.fromkeys(line["config"] for line in lines))

    def line_of(config: str, rate: str) -> dict[str, Any]:
        return next(line for line in lines if line["config"] == config and line["sdr_rate"] == rate)

    rates = list(dict.fromkeys(line["sdr_rate"] for line in lines))
    shapes = {config: line_of(config, rates[0]) for config in configs}
    sustained = " and ".join(
        f"{count(shapes[config]['sustained_samples_per_second'])} samples/s for a d={shapes[config]['hidden_size']}, "
        f"{shapes[config]['num_hidden_layers']}-layer model" for config in configs)
    keeps_up = [config for config in configs if line_of(config, rates[-1])["keeps_up"]]
    factors = "; ".join(
        " and ".join(_factor(line_of(config, rate)["real_time_factor"]) for config in configs) + f" at {rate}"
        for rate in (rates[0], rates[-1]))
    verdict = ("so neither keeps up with an SDR" if not any(line_of(config, rates[0])["keeps_up"] for config in configs)
               else f"{', '.join(keeps_up) or 'none'} keep{'s' if len(keeps_up) == 1 else ''} up at {rates[-1]}")
    return (
        f"`{record['command']}` ({machine(record)}, {shapes[configs[0]]['block_windows']}-window blocks, seed "
        f"{record['seed']}, {load(record)}, "
        f"{source(record_path('realtime'))}): {sustained}, {verdict} (real-time factors {factors}).\n"
    )


# -- the cpu benchmark ------------------------------------------------------------------------

DATA_SETS = {"rml2016.10a": "10A-shaped", "rml2016.10b": "10B-shaped", "rml2016.04c": "04C-shaped"}
MODEL_NAMES = {
    "spectrumfm": "SpectrumFM + LoRA", "spectrumfm-random": "SpectrumFM from a random encoder",
    "spectrumfm-reconstruction": "SpectrumFM scored by reconstruction error", "resnet": "ResNet", "mcnet": "MCNet",
    "vgg": "VGG", "cnn2": "CNN2", "gru2": "GRU2", "dae": "DAE", "cgdnn": "CGDNN", "pet-cgdnn": "PET-CGDNN",
    "transformer": "Transformer", "msnet": "MSNet", "amc-net": "AMC-Net", "energy-detector": "energy detector",
    "lstm-detector": "LSTM detector", "resnet-detector": "ResNet detector", "aae": "adversarial autoencoder",
}
ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth",
            "eleventh", "twelfth", "thirteenth")


def _amc_f1() -> dict[str, dict[str, str]]:
    """{model: {data set: "mean ± std"}} of Table II's weighted F1."""
    table = benchmark_table("table2_amc")
    return {model: {data_set: row[f"{data_set} F1"] for data_set in DATA_SETS} for model, row in table.items()}


def _benchmark_where() -> str:
    manifest = benchmark_manifest()
    hardware = manifest["hardware"]
    return (f"seeds {', '.join(map(str, manifest['seeds']))}, {hardware['CPU cores usable']}-core {hardware['CPU']}, "
            f"{hardware['precision']['precision']}")


@renderer("benchmark-time", "examples/benchmarks/results/cpu/manifest.json")
def render_benchmark_time() -> str:
    manifest = benchmark_manifest()
    hardware = manifest["hardware"]
    return (
        f"The cells took {count(manifest['cells_wall_s_total'])} s in all on a {hardware['CPU cores usable']}-core "
        f"{hardware['CPU']} ({hardware['precision']['precision']}, {hardware['torch threads']} torch thread per "
        f"process; `manifest.json`).\n"
    )


@renderer("benchmark-amc", "examples/benchmarks/results/cpu/tables/table2_amc.md")
def render_benchmark_amc() -> str:
    f1 = _amc_f1()
    best = {data_set: max(f1, key=lambda model: mean_of(f1[model][data_set])) for data_set in DATA_SETS}
    order = sorted(f1, key=lambda model: -sum(mean_of(f1[model][data_set]) for data_set in DATA_SETS))
    rows = [f"Weighted F1 (%), mean ± std over seeds ({_benchmark_where()}; `tables/table2_amc.md` has precision "
            "and recall), every model of the profile, by mean F1 over the three sets:", "",
            "| model | " + " | ".join(DATA_SETS.values()) + " |", "|---|" + "---|" * len(DATA_SETS)]
    for model in order:
        cells = [f"**{f1[model][data_set]}**" if best[data_set] == model else f1[model][data_set]
                 for data_set in DATA_SETS]
        rows.append(f"| {MODEL_NAMES.get(model, model)} | " + " | ".join(cells) + " |")
    return "\n".join(rows) + "\n"


def _rank(f1: dict[str, dict[str, str]], model: str, data_set: str) -> str:
    ranked = sorted(f1, key=lambda other: -mean_of(f1[other][data_set]))
    return ORDINALS[ranked.index(model)]


def _span(values: Iterable[float], digits: int = 0) -> str:
    values = list(values)
    low, high = min(values), max(values)
    return f"{low:.{digits}f}-{high:.{digits}f}" if f"{low:.{digits}f}" != f"{high:.{digits}f}" else f"{low:.{digits}f}"


def _compare(ours: str, theirs: str) -> str:
    """``"above"``, ``"below"`` or ``"within the spread of"``: our mean against theirs, by their standard deviations."""
    (mean, std), (other_mean, other_std) = ([float(part) for part in cell.split("±")] for cell in (ours, theirs))
    if abs(mean - other_mean) <= max(std, other_std):
        return "within the spread of"
    return "above" if mean > other_mean else "below"


@renderer("benchmark-findings", "examples/benchmarks/results/cpu/tables/*.md")
def render_benchmark_findings() -> str:
    f1 = _amc_f1()
    few_shot = {row["model"]: row for row in read_markdown_table(BENCHMARK / "tables" / "few_shot.md")}
    wtc, sensing, anomaly = benchmark_table("table3_wtc"), benchmark_table("sensing"), benchmark_table("anomaly")
    ranks = ", ".join(f"{_rank(f1, 'spectrumfm', data_set)} on the {label} set"
                      for data_set, label in DATA_SETS.items())
    fractions = [column for column in few_shot["spectrumfm"]
                 if column.endswith("labels") and not column.startswith("100")]
    beats = all(mean_of(few_shot["spectrumfm"][column]) > mean_of(few_shot["mcnet"][column]) for column in fractions)
    leaders = {data_set: sorted(f1, key=lambda model: -mean_of(f1[model][data_set]))[:2] for data_set in DATA_SETS}
    top = {pair[0] for pair in leaders.values()}
    lead = [mean_of(f1[first][data_set]) - mean_of(f1[second][data_set])
            for data_set, (first, second) in leaders.items()]
    leader_text = (f"{MODEL_NAMES[top.pop()]} leads every AMC set by {_span(lead)} points of F1" if len(top) == 1
                   else "The AMC sets have different leaders (see the table)")
    wtc_rivals = sorted((model for model in wtc if not model.startswith("spectrumfm")),
                        key=lambda model: -mean_of(wtc[model]["wtc accuracy"]))[:2]
    wtc_text = " and ".join(
        f"{_compare(wtc['spectrumfm']['wtc accuracy'], wtc[model]['wtc accuracy'])} {MODEL_NAMES[model]}'s "
        f"{wtc[model]['wtc accuracy']} %" for model in wtc_rivals)
    auc_column = next(column for column in sensing["spectrumfm"] if "AUC" in column)
    ss_ours, ss_energy = sensing["spectrumfm"][auc_column], sensing["energy-detector"][auc_column]
    at_zero = [column for column in anomaly["spectrumfm"] if column.endswith("ISR 0 dB")]
    random_f1 = [mean_of(cell) for cell in f1["spectrumfm-random"].values()]
    return "\n".join([
        f"* **Pre-training.** The same fine-tuning from a random encoder stays near chance (F1 {_span(random_f1)} %), "
        f"while the pre-trained one ranks {ranks} (of {len(f1)} models). With few labels it "
        f"{'beats MCNet at every share' if beats else 'does not beat MCNet at every share'}: "
        f"{few_shot['spectrumfm'][fractions[0]]} % accuracy at {fractions[0].removesuffix(' labels')} of the labels "
        f"against MCNet's {few_shot['mcnet'][fractions[0]]} %.",
        f"* **AMC leaders.** {leader_text}. On wireless technologies (Table III) SpectrumFM's "
        f"{wtc['spectrumfm']['wtc accuracy']} % accuracy is {wtc_text}.",
        f"* **Spectrum sensing** ({auc_column.split('AUC ')[-1]} with noise-power uncertainty): SpectrumFM's AUC is "
        f"{ss_ours} %, {_compare(ss_ours, ss_energy)} the energy detector's {ss_energy} %.",
        f"* **Anomaly detection** on the static laboratory link: scored by the Mahalanobis distance of its embedding, "
        f"SpectrumFM reaches an AUC of {anomaly['spectrumfm']['AUC all']} % overall and "
        f"{_span((mean_of(anomaly['spectrumfm'][column]) for column in at_zero), 1)} % per interference type at 0 dB "
        f"ISR. Scored by the paper's reconstruction error, the same adapter reaches "
        f"{anomaly['spectrumfm-reconstruction']['AUC all']} % "
        f"({_span((mean_of(anomaly['spectrumfm-reconstruction'][column]) for column in at_zero), 1)} % at 0 dB ISR). "
        f"The adversarial autoencoder reaches {anomaly['aae']['AUC all']} %.",
    ]) + "\n"


INTERFERENCE_NAMES = {"single_tone": "single tone", "multi_tone": "multi-tone",
                      "aliased_10mhz": "aliased QPSK, 10 MHz", "aliased_30mhz": "aliased QPSK, 30 MHz"}


@renderer("benchmark-anomaly-scores", "examples/benchmarks/results/cpu/tables/anomaly.md",
          "examples/benchmarks/results/cpu/manifest.json")
def render_benchmark_anomaly_scores() -> str:
    anomaly = benchmark_table("anomaly")
    profile = benchmark_manifest()["profile"]
    rows = [f"On the benchmark's anomaly scene (`spectrumfm benchmark --profile cpu`, committed in "
            f"`examples/benchmarks/results/cpu/tables/anomaly.md`: SNR {profile['ad_snr_db']:g} dB, ISR "
            f"{'/'.join(f'{isr:g}' for isr in profile['ad_isr_db_grid'])} dB, {count(profile['ad_normal_examples'])} "
            f"normal captures (a fifth of them held out for the threshold), the shipped "
            f"`{profile['shipped_encoder']}` base with a LoRA adapter; "
            f"{_benchmark_where()}), the AUC at 0 dB ISR, mean ± std:", "",
            "| interference | Mahalanobis | reconstruction (eq. 29) |", "|---|---|---|"]
    for column in (column for column in anomaly["spectrumfm"] if column.endswith("ISR 0 dB")):
        interference = column.removesuffix(" ISR 0 dB")
        interference = INTERFERENCE_NAMES.get(interference, interference)
        rows.append(f"| {interference} | {anomaly['spectrumfm'][column]} % | "
                    f"{anomaly['spectrumfm-reconstruction'][column]} % |")
    return "\n".join(rows) + "\n"


@renderer("benchmark-cpu-profile", "examples/benchmarks/results/cpu/manifest.json")
def render_benchmark_cpu_profile() -> str:
    manifest = benchmark_manifest()
    return "\n".join(f"* {line}" for line in manifest["scaled_down"]) + "\n"


@renderer("benchmark-cpu-time", "examples/benchmarks/results/cpu/manifest.json")
def render_benchmark_cpu_time() -> str:
    manifest = benchmark_manifest()
    hardware = manifest["hardware"]
    per_task: dict[str, float] = {}
    for cell, seconds in manifest["cell_wall_s"].items():
        per_task[cell.split("/")[0]] = per_task.get(cell.split("/")[0], 0.0) + seconds
    slowest = sorted(manifest["cell_wall_s"].items(), key=lambda item: -item[1])[:3]
    tasks = ", ".join(f"{task.upper()} {count(seconds)} s"
                      for task, seconds in sorted(per_task.items(), key=lambda item: -item[1]))
    return (
        f"**Time.** The committed run's cells took {count(manifest['cells_wall_s_total'])} s in all ({tasks}) "
        f"over seeds {', '.join(map(str, manifest['seeds']))} on a {hardware['CPU cores usable']}-core "
        f"{hardware['CPU']} with {hardware['torch threads']} torch thread per process, as `manifest.json` records "
        f"them; the slowest cells "
        f"were {', '.join(f'`{cell}` ({count(seconds)} s)' for cell, seconds in slowest)}. Other jobs shared the "
        f"machine, so a cell's time says little about its model's cost; early stopping can only shorten a cell.\n"
    )


@renderer("benchmark-scale", "examples/benchmarks/results/cpu/tables/results.csv",
          "examples/benchmarks/results/cpu/cells/amc/rml2016.10b/")
def render_benchmark_scale() -> str:
    with (BENCHMARK / "tables" / "results.csv").open(encoding="utf-8") as stream:
        rows = [row for row in csv.DictReader(stream)
                if row["task"] == "amc" and row["data_set"] == "rml2016.10b" and row["metric"] == "accuracy"
                and float(row["label_fraction"]) == 1.0]
    rows.sort(key=lambda row: -float(row["mean"]))
    cell = next((BENCHMARK / "cells" / "amc" / "rml2016.10b").glob("*/seed-*.json"))
    classes = len(read_json(cell)["result"]["class_names"])
    return (
        f"On the 10B-shaped set ({classes} classes, chance {percent(1 / classes)}) the test accuracy over all SNRs, "
        "mean ± std over "
        f"{rows[0]['seeds']} seeds (`tables/results.csv`), is "
        + ", ".join(f"{MODEL_NAMES.get(row['model'], row['model'])} {100 * float(row['mean']):.1f} ± "
                    f"{100 * float(row['std']):.1f} %" for row in rows) + ".\n"
    )


HEADLINE_ROWS = {
    "spectrumfm-small-amc-rml2016": "LoRA on the `broad` default, pre-trained encoder (the shipped adapter)",
}


@renderer("headline-shipped", "spectrumfm_hf/pretrained/spectrumfm-small/run_metrics.json",
          "spectrumfm_hf/pretrained/spectrumfm-small-amc-rml2016/run_metrics.json")
def render_headline_shipped() -> str:
    base = shipped_run("spectrumfm-small")
    rows = ["| run | command | result | wall, where |", "|---|---|---|---|",
            f"| pre-training (the shipped base) | `{base['training']['command']}` | final validation loss "
            f"{base['training']['final_losses']['validation']:.3f} | {base['training']['wall_time_s']:,.0f} s, "
            f"{base['training']['hardware']}, {base['training']['precision']} |"]
    for name, label in HEADLINE_ROWS.items():
        run = shipped_run(name)
        rows.append(
            f"| {label} | `{run['training']['command']}` | "
            f"{percent(shipped_metric(run, 'Test accuracy', 'snr_db >= 10'))} at SNR ≥ 10 dB "
            f"({percent(shipped_metric(run, 'Test accuracy (all SNRs)'))} over all SNRs) | "
            f"{run['training']['wall_time_s']:,.0f} s, {run['training']['hardware']}, {run['training']['precision']} |")
    return "\n".join(rows) + "\n"


@renderer("headline-benefit", "examples/results/pretraining_benefit/pretraining_benefit.json")
def render_headline_benefit() -> str:
    benefit = read_json(BENEFIT)
    arms = benefit["per_arm"]
    return (
        f"With {share(benefit['label_fraction'])} of the labels (`examples/pretraining_benefit.py`, seeds "
        f"{', '.join(map(str, benefit['seeds']))}, `broad`, {_benefit_machine(benefit)}, {source(BENEFIT)}) the "
        f"shipped base gives {_arm(arms, 'pretrained')} at SNR ≥ 10 dB against {_arm(arms, 'random')} from a random "
        f"encoder.\n"
    )


@renderer("shipped-adapter-fit", "spectrumfm_hf/pretrained/spectrumfm-small-amc-rml2016/run_metrics.json",
          "spectrumfm_hf/pretrained/spectrumfm-small-amc-rml2016/config.json")
def render_shipped_adapter_fit() -> str:
    name = "spectrumfm-small-amc-rml2016"
    losses = shipped_run(name)["training"]["final_losses"]
    classes = len(read_json(PRETRAINED / name / "config.json")["id2label"])
    return (
        f"* **Under-fitting, not over-fitting.** The shipped adapter's training loss ends at {losses['train']:.2f} "
        f"against a validation loss of {losses['validation']:.2f} (ln {classes} = {math.log(classes):.2f}; its "
        f"`run_metrics.json`): the LoRA-adapted encoder does not fit its own training data. The classifier does fit "
        f"a few windows exactly (`tests/test_modeling.py::test_classification_head_overfits_a_few_windows`), so "
        f"nothing is broken; it learns general features of sample-level tokens slowly.\n"
    )


ABLATION = ROOT / "examples" / "results" / "ablation_amc"


@renderer("ablation-amc", "examples/results/ablation_amc/*.json")
def render_ablation_amc() -> str:
    with _examples_on_path():
        from ablation_amc import load_results, summary_table

    results = load_results(ABLATION)
    if not results:
        return f"{UNRECORDED}; `python examples/ablation_amc.py --rungs ...` writes it\n"
    first = results[0]
    scale = first["scale"]
    machines = sorted({f"{result['machine']['threads']} thread, {result['machine']['cpu']}" for result in results})
    return (
        f"From a random initialisation, fully supervised, on {scale['examples_per_pair']} training windows per (class, "
        f"SNR) at {scale['snr_db'][0]:g} to {scale['snr_db'][-1]:g} dB in 4 dB steps ({scale['classes']} classes, "
        f"{scale['window']} samples), {scale['validation_examples_per_pair']} per (class, SNR) for validation (which "
        f"selects the epoch) and {scale['test_examples_per_pair']} for test, {scale['epochs']} epochs unless the rung "
        f"says otherwise; {'; '.join(machines)}, fp32. Each row's command is `python examples/ablation_amc.py --rungs "
        f"RUNG --presets PRESET --seeds SEED` (the files in {source(ABLATION)}; `--report` draws "
        f"`accuracy_vs_snr.png` beside them).\n\n" + summary_table(results) + "\n"
    )


# -- regions ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Disagreement:
    """A generated region (or card) whose text differs from what its files render."""

    document: str
    region: str
    sources: tuple[str, ...]

    def __str__(self) -> str:
        return (f"{self.document}: region '{self.region}' disagrees with {', '.join(self.sources)}; "
                "run python examples/render_results.py")


def render_regions(text: str, document: str) -> tuple[str, list[Disagreement]]:
    """``text`` with every generated region rewritten, and the regions whose text changed."""
    changed: list[Disagreement] = []

    def replace(match: re.Match[str]) -> str:
        name = match.group("name")
        if name not in RENDERERS:
            raise ResultsError(f"{document}: region '{name}' has no renderer; known: {', '.join(sorted(RENDERERS))}")
        body = RENDERERS[name].render()
        if body != match.group("body"):
            changed.append(Disagreement(document, name, RENDERERS[name].sources))
        return f"<!-- results: {name} -->\n{body}{match.group('indent')}<!-- /results -->"

    return REGION.sub(replace, text), changed


# -- shipped cards ----------------------------------------------------------------------------

def render_card(name: str) -> str:
    """The shipped card of ``name`` as ``examples/ship_pretrained.py`` installs it, from its ``run_metrics.json``."""
    from spectrumfm_hf.hub import RunMetrics, adapter_card, model_card

    with _examples_on_path():
        import ship_pretrained

    run = RunMetrics.from_dict(shipped_run(name))
    repo_id = f"{ship_pretrained.HUB_NAMESPACE}/{name}"
    if name == ship_pretrained.BASE_NAME:
        card = model_card(run, model_name=repo_id, description=ship_pretrained.DESCRIPTIONS["base"])
    else:
        suffix = name.removeprefix(f"{ship_pretrained.BASE_NAME}-")
        task = ship_pretrained.ADAPTERS[suffix][0]
        card = adapter_card(run, model_name=repo_id, description=ship_pretrained.DESCRIPTIONS[task],
                            base_model=f"{ship_pretrained.HUB_NAMESPACE}/{ship_pretrained.BASE_NAME}")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "README.md"
        card.save(path)
        if name == ship_pretrained.BASE_NAME and BENEFIT.is_file():
            with _examples_on_path():
                ship_pretrained.add_benefit_section(path, BENEFIT.parent)
        return path.read_text(encoding="utf-8")


def shipped_cards() -> list[str]:
    from spectrumfm_hf.pretrained import available_pretrained

    return [name for name in available_pretrained() if (PRETRAINED / name / "run_metrics.json").is_file()]


# -- rendering and checking -------------------------------------------------------------------


def render_all(check: bool, documents: Iterable[str] | None = None, cards: bool = True) -> list[Disagreement]:
    """Rewrite (or, with ``check``, only compare) every generated region and shipped card.

    Args:
        check: compare only, writing nothing.
        documents: markdown files, relative to the repository root or absolute; :data:`DOCUMENTS` when None.
        cards: also render the shipped cards from their ``run_metrics.json``.
    """
    disagreements: list[Disagreement] = []
    for document in DOCUMENTS if documents is None else documents:
        path = ROOT / document
        text = path.read_text(encoding="utf-8")
        rendered, changed = render_regions(text, document)
        disagreements += changed
        if changed and not check:
            path.write_text(rendered, encoding="utf-8")
    for name in shipped_cards() if cards else ():
        path = PRETRAINED / name / "README.md"
        rendered = render_card(name)
        if rendered != path.read_text(encoding="utf-8"):
            disagreements.append(Disagreement(str(path.relative_to(ROOT)), "card",
                                              (f"spectrumfm_hf/pretrained/{name}/run_metrics.json",)))
            if not check:
                path.write_text(rendered, encoding="utf-8")
    return disagreements


# -- recording cheap commands -----------------------------------------------------------------


@dataclass(frozen=True)
class Recording:
    """A command cheap enough to rerun here, and how its outputs become a result file.

    Attributes:
        name: the result file is ``examples/results/<name>/<name>.json``.
        commands: the commands as a reader types them, run in order; ``{output}`` is a scratch folder.
        seed: the seed the commands pass.
        scale: the recorded figures -> what the commands generated and trained (their budget).
        collect: (scratch folder, standard output) -> the figures to record.
    """

    name: str
    commands: tuple[tuple[str, ...], ...]
    seed: int
    scale: Callable[[dict[str, Any]], dict[str, Any]]
    collect: Callable[[Path, str], dict[str, Any]]


def _quickstart_scale(**extra: Any) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def scale(results: dict[str, Any]) -> dict[str, Any]:
        from spectrumfm_hf.commands.quickstart import QUICKSTART_BUDGET

        return {**dataclasses.asdict(QUICKSTART_BUDGET), **extra}

    return scale


def _finetuning_results(run: Path) -> dict[str, Any]:
    summary = read_json(run / "finetuning_summary.json")
    config = read_json(run / "adapter" / "config.json")
    return {"test_accuracy_snr_ge_10db": summary["test"]["test_accuracy_snr_ge_10db"],
            "test_accuracy": summary["test"]["test_accuracy"], "num_classes": len(config["id2label"]),
            "num_train_examples": summary["num_train_examples"], "finetuning_wall_s": summary["wall_s"],
            "precision": summary["precision"]["precision"]}


def _pretraining_results(run: Path) -> dict[str, Any]:
    summary = read_json(run / "pretraining_summary.json")
    return {"validation_losses": summary["validation_losses"], "parameters": summary["parameters"],
            "wall_s": summary["wall_s"], "precision": summary["precision"]["precision"]}


def _quickstart_results(output: Path, stdout: str) -> dict[str, Any]:
    results = _finetuning_results(output / "quickstart" / "amc-lora")
    if (output / "quickstart" / "pretrain" / "pretraining_summary.json").is_file():
        results["pretraining"] = _pretraining_results(output / "quickstart" / "pretrain")
    return results


def _iq_results(output: Path, stdout: str) -> dict[str, Any]:
    return {**_finetuning_results(output / "amc"), "pretraining": _pretraining_results(output / "pretrain")}


def _json_lines(output: Path, stdout: str) -> dict[str, Any]:
    return {"lines": [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]}


def _realtime_scale(results: dict[str, Any]) -> dict[str, Any]:
    lines = results["lines"]
    return {"models": {line["config"]: {key: line[key] for key in ("hidden_size", "num_hidden_layers", "timed_blocks")}
                       for line in lines},
            "block_windows": lines[0]["block_windows"]}


QUICKSTART = ("spectrumfm", "quickstart", "--seed", "0", "--output-dir", "{output}/quickstart")

RECORDINGS: dict[str, Recording] = {
    "quickstart": Recording("quickstart", (QUICKSTART,), 0, _quickstart_scale(from_scratch=False), _quickstart_results),
    "quickstart-from-scratch": Recording(
        "quickstart-from-scratch", ((*QUICKSTART, "--from-scratch"),), 0, _quickstart_scale(from_scratch=True),
        _quickstart_results),
    # The quick start's from-scratch budget, pre-trained on the I and Q rails instead of amplitude and phase.
    "quickstart-iq": Recording(
        "quickstart-iq",
        (("spectrumfm", "pretrain", "--representation", "iq", "--num-train-examples", "4096",
          "--num-validation-examples", "512", "--num_train_epochs", "3", "--eval_on_start", "true", "--seed", "0",
          "--disable_tqdm", "true", "--output-dir", "{output}/pretrain"),
         ("spectrumfm", "finetune", "--task", "amc", "--pretrained-model", "{output}/pretrain",
          "--num-examples", "6600", "--num_train_epochs", "4", "--seed", "0", "--disable_tqdm", "true",
          "--output-dir", "{output}/amc")),
        0, _quickstart_scale(from_scratch=True, representation="iq"), _iq_results),
    "realtime": Recording(
        "realtime", (("python", "examples/benchmark_realtime.py", "--threads", "1", "--seed", "0"),), 0,
        _realtime_scale, _json_lines),
}


def _executable(command: tuple[str, ...], output: Path) -> list[str]:
    words = [word.replace("{output}", str(output)) for word in command]
    if words[0] == "spectrumfm":
        return [sys.executable, "-m", "spectrumfm_hf.commands.spectrumfm_cli", *words[1:]]
    if words[0] == "python":
        return [sys.executable, *words[1:]]
    return words


def _shown(command: tuple[str, ...], commands: tuple[tuple[str, ...], ...]) -> str:
    """``command`` as the result file and the docs name it.

    An ``--output-dir`` in the scratch folder that no other command reads is left out (the
    command's default folder serves a reader as well); one that another command reads becomes
    ``runs/...``.
    """
    words = list(command)
    if "--output-dir" in words:
        index = words.index("--output-dir")
        readers = [word for other in commands if other is not command for word in other]
        if words[index + 1] not in readers:
            del words[index:index + 2]
    return shlex.join(word.replace("{output}", "runs") for word in words)


def _code_version() -> dict[str, Any]:
    """The commit the figures were measured on, and whether the working tree differed from it."""
    def git(*arguments: str) -> str:
        return subprocess.run(["git", *arguments], cwd=ROOT, capture_output=True, text=True).stdout.strip()

    return {"commit": git("rev-parse", "HEAD") or None,
            "uncommitted_changes": bool(git("status", "--porcelain", "--untracked-files=no"))}


def record(name: str, threads: int = 1) -> Path:
    """Run the recording ``name`` in a scratch folder and write its result file; returns the file."""
    from spectrumfm_hf.commands.env import environment_info

    recording = RECORDINGS[name]
    environment = {**os.environ, "OMP_NUM_THREADS": str(threads), "PYTHONPATH": os.pathsep.join(
        filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    load_average = list(os.getloadavg())
    stdout = ""
    with tempfile.TemporaryDirectory(prefix=f"render-results-{name}-") as scratch:
        start = time.perf_counter()
        for command in recording.commands:
            print("$ " + shlex.join(command).replace("{output}", scratch), flush=True)
            completed = subprocess.run(_executable(command, Path(scratch)), cwd=ROOT, env=environment, check=True,
                                       stdout=subprocess.PIPE, text=True)
            stdout += completed.stdout
            print(completed.stdout, end="", flush=True)
        wall_s = time.perf_counter() - start
        results = recording.collect(Path(scratch), stdout)
    info = environment_info()
    # Each command reports the precision it ran in: the fine-tuning summary, or every JSON line.
    precision = results.get("precision") or ", ".join(sorted({line["precision"] for line in results["lines"]}))
    result = {
        "name": name,
        "command": " && ".join(_shown(command, recording.commands) for command in recording.commands),
        "written_by": f"OMP_NUM_THREADS={threads} python examples/render_results.py --record {name}",
        "seed": recording.seed,
        "scale": recording.scale(results),
        "cpu": info["CPU"],
        "cpu_cores_usable": info["CPU cores usable"],
        "threads": threads,
        "precision": precision,
        "load_average_before": [round(value, 2) for value in load_average],
        "load_average_after": [round(value, 2) for value in os.getloadavg()],
        "wall_s": round(wall_s, 1),
        "date": time.strftime("%Y-%m-%d"),
        "versions": {key: value for key, value in info.items() if key.endswith(" version")},
        "code": _code_version(),
        "results": results,
    }
    path = record_path(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="change nothing; exit 1 naming every region or card that disagrees with its files")
    parser.add_argument("--record", choices=sorted(RECORDINGS), action="append", default=[],
                        help="rerun this cheap command and write its result file, rendering nothing (repeatable)")
    parser.add_argument("--threads", type=int, default=1, help="OMP_NUM_THREADS of the recorded commands")
    args = parser.parse_args(argv)
    if args.check and args.record:
        parser.error("--check changes nothing; --record writes result files: give one of them")
    if args.record:
        for name in args.record:
            print(f"wrote {record(name, args.threads).relative_to(ROOT)}", flush=True)
        return 0
    disagreements = render_all(check=args.check)
    for disagreement in disagreements:
        print(disagreement if args.check else f"rewrote {disagreement.document}: {disagreement.region}")
    return 1 if args.check and disagreements else 0


if __name__ == "__main__":
    sys.exit(main())
