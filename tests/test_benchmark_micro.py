"""The ``micro`` profile end to end: every experiment trains, is scored and lands in tables, CSV and figures."""

import csv
import hashlib
import json

import numpy as np
import pytest
from PIL import Image

from scipy.stats import gamma

from spectrumfm_hf.benchmarks import harness
from spectrumfm_hf.benchmarks.data import task_splits
from spectrumfm_hf.benchmarks.harness import run_benchmark
from spectrumfm_hf.benchmarks.profiles import get_profile
from spectrumfm_hf.benchmarks.store import CellKey, CellStore
from spectrumfm_hf.data.tasks.sensing import NOMINAL_NOISE_POWER

EXPECTED_FIGURES = [
    "fig3_accuracy_vs_snr_rml2016.10a.png",
    "fig3_accuracy_vs_snr_rml2016.10b.png",
    "fig3_accuracy_vs_snr_rml2016.04c.png",
    "fig4_confusion_rml2016.10a_-4db.png",
    "fig4_confusion_rml2016.10a_0db.png",
    "fig4_confusion_rml2016.10a_4db.png",
    "fig5_tsne_rml2016.10a_spectrumfm.png",
    "fig5_tsne_rml2016.10a_spectrumfm-random.png",
    "fig6_few_shot_rml2016.10a.png",
    "fig7_accuracy_per_epoch_rml2016.10a.png",
    "fig7_accuracy_per_epoch_wtc.png",
    "fig8_wtc_accuracy_vs_snr_wtc.png",
    "fig9_sensing_accuracy_vs_snr.png",
    "fig9_sensing_roc.png",
    "fig11_anomaly_roc_spectrumfm.png",
    "fig11_anomaly_roc_aae.png",
]


@pytest.fixture(scope="module")
def micro_run(tmp_path_factory):
    output = tmp_path_factory.mktemp("micro")
    manifest = run_benchmark(
        "micro", output, command_line=["spectrumfm", "benchmark", "--profile", "micro"], log=lambda line: None
    )
    return output, manifest


def test_micro_pretrains_its_encoder_once_as_a_cell_of_its_own(micro_run):
    output, manifest = micro_run
    assert (output / "encoder" / "config.json").is_file()
    weights = (output / "encoder" / "model.safetensors").read_bytes()
    assert manifest["encoder"] == {"name": "pre-trained in this folder", "weights_sha256": hashlib.sha256(weights).hexdigest()}
    assert json.loads((output / harness.ENCODER_RECORD).read_text()) == manifest["encoder"]
    record = CellStore(output).get(harness.PRETRAINING_KEY)
    assert record["result"]["validation_losses"]


def test_micro_writes_table_two_with_precision_recall_and_f1_on_the_three_amc_sets(micro_run):
    output, _ = micro_run
    table = (output / "tables" / "table2_amc.md").read_text()
    for data_set in ("rml2016.10a", "rml2016.10b", "rml2016.04c"):
        for column in ("P", "R", "F1"):
            assert f"{data_set} {column}" in table
    for model in ("spectrumfm", "spectrumfm-random", "cnn2"):
        assert f"| {model} |" in table


def test_micro_writes_every_table(micro_run):
    output, _ = micro_run
    names = {path.name for path in (output / "tables").iterdir()}
    assert {
        "table2_amc.md",
        "table3_wtc.md",
        "few_shot.md",
        "sensing.md",
        "anomaly.md",
        "tables.md",
        "results.csv",
    } <= names


def test_micro_csv_holds_a_mean_for_every_cell_configuration(micro_run):
    output, _ = micro_run
    with open(output / "tables" / "results.csv", newline="") as stream:
        rows = list(csv.DictReader(stream))
    accuracy = {
        (row["task"], row["data_set"], row["model"], float(row["label_fraction"]))
        for row in rows
        if row["metric"] == "accuracy"
    }
    assert ("amc", "rml2016.10a", "spectrumfm", 0.3) in accuracy
    assert ("ss", "ss", "energy-detector", 1.0) in accuracy
    assert {row["metric"] for row in rows if row["task"] == "ad"} >= {"auc"}
    assert all(0.0 <= float(row["mean"]) <= 1.0 for row in rows if row["metric"] in ("accuracy", "f1", "auc"))


@pytest.mark.parametrize("name", EXPECTED_FIGURES)
def test_micro_draws_each_figure_as_a_non_blank_png(micro_run, name):
    output, manifest = micro_run
    assert f"figures/{name}" in manifest["figures"]
    with Image.open(output / "figures" / name) as image:
        pixels = np.asarray(image.convert("L"))
    assert pixels.shape[0] > 100 and pixels.shape[1] > 100
    assert pixels.min() < 128 < pixels.max()


def test_micro_scores_the_anomaly_detectors_per_interference_type(micro_run):
    output, _ = micro_run
    result = CellStore(output).get(CellKey("ad", "ad", "aae"))["result"]
    assert set(result["auc_per_interference"]) == {
        "single_tone",
        "multi_tone",
        "aliased_10mhz",
        "aliased_30mhz",
    }
    assert len(result["roc"]["scores"]) == len(result["roc"]["references"])


def test_micro_energy_detector_reports_its_false_alarm_rate_at_the_nominal_noise_threshold(micro_run):
    output, _ = micro_run
    result = CellStore(output).get(CellKey("ss", "ss", "energy-detector"))["result"]
    assert result["false_alarm_probability_target"] == 0.1 and result["train_windows"] == 0
    # The threshold on the mean power of N noise samples of the nominal power: the upper 10 %
    # point of Gamma(N, power / N), learnt from no data.
    test = task_splits("ss", "ss", get_profile("micro"), 0, output).test
    iq = np.asarray(test["iq"], dtype=np.float64)
    vacant = iq[np.asarray(test["label"]) == 0]
    num_samples = iq.shape[1]
    threshold = gamma.isf(0.1, a=num_samples, scale=NOMINAL_NOISE_POWER / num_samples)
    mean_power = (vacant**2).sum(axis=-1).mean(axis=-1)
    assert len(vacant) > 0
    assert result["false_alarm_rate"] == pytest.approx(np.mean(mean_power > threshold))


def test_micro_classifiers_select_on_validation_and_record_accuracy_per_epoch(micro_run):
    output, _ = micro_run
    result = CellStore(output).get(CellKey("amc", "rml2016.10a", "cnn2"))["result"]
    assert result["validation_accuracy_per_epoch"]["epoch"] == [1.0]
    assert result["best_validation_loss"] is not None
    assert sum(result["accuracy_per_snr"]["count"]) > 0
    assert set(result["confusion_at_snr"]) == {"-4", "0", "4"}


def test_micro_manifest_lists_every_cell_with_its_wall_time(micro_run):
    output, manifest = micro_run
    on_disk = json.loads((output / "manifest.json").read_text())
    assert on_disk["cell_wall_s"] == manifest["cell_wall_s"]
    assert len(manifest["cell_wall_s"]) == len(manifest["cells_computed_this_run"])
    assert all(seconds > 0 for seconds in manifest["cell_wall_s"].values())


def test_micro_rerun_after_losing_one_cell_recomputes_only_that_cell(micro_run, monkeypatch):
    output, _ = micro_run
    lost = CellKey("ss", "ss", "lstm-detector")
    CellStore(output).path(lost).unlink()
    before = {path: path.stat().st_mtime_ns for path in (output / "cells").rglob("*.json")}
    computed = []
    real_compute = harness.compute_cell

    def counting(key, context):
        computed.append(key.name)
        return real_compute(key, context)

    monkeypatch.setattr(harness, "compute_cell", counting)
    manifest = run_benchmark("micro", output, log=lambda line: None)
    assert computed == [lost.name] and manifest["cells_computed_this_run"] == [lost.name]
    assert {path: path.stat().st_mtime_ns for path in before} == before
    assert CellStore(output).has(lost)
