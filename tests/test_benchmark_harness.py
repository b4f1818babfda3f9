"""The benchmark harness plans cells, stores each as it finishes and, rerun, skips what is stored."""

import dataclasses
import hashlib

import pytest

from spectrumfm_hf.benchmarks import harness
from spectrumfm_hf.benchmarks.harness import (
    BenchmarkArgumentError,
    check_filters,
    matches,
    plan_cells,
    run_benchmark,
)
from spectrumfm_hf.benchmarks.profiles import AMC_DATA_SETS, PROFILES, BenchmarkProfileError, get_profile
from spectrumfm_hf.benchmarks.store import CellKey, CellStore


class CountingCells:
    """Stands in for the cell computation: counts calls and can fail at the n-th, like an interrupted run."""

    def __init__(self, fail_at: int | None = None):
        self.computed: list[str] = []
        self.fail_at = fail_at

    def __call__(self, key, context):
        if self.fail_at is not None and len(self.computed) == self.fail_at:
            raise KeyboardInterrupt("stopped mid-run")
        self.computed.append(key.name)
        return {"accuracy": 0.5}


@pytest.fixture
def no_training(monkeypatch):
    """The harness loop alone: no encoder, tables or figures (the micro test covers those)."""
    monkeypatch.setattr(harness, "ensure_encoder", lambda context, store: None)
    monkeypatch.setattr(harness, "write_tables", lambda records, folder, order: [])
    monkeypatch.setattr(harness, "write_figures", lambda records, folder, order: [])


def test_micro_plan_holds_every_experiment_kind_on_every_amc_set():
    cells = plan_cells(get_profile("micro"), [0])
    assert {key.task for key in cells} == {"amc", "wtc", "ss", "ad"}
    assert {key.data_set for key in cells if key.task == "amc"} == set(AMC_DATA_SETS)
    assert any(key.label_fraction < 1 for key in cells)
    assert len(set(cells)) == len(cells)


@pytest.mark.parametrize("name", ["cpu", "paper"])
def test_full_profiles_run_every_configuration_on_at_least_three_seeds(name):
    profile = PROFILES[name]
    assert len(profile.seeds) >= 3
    cells = plan_cells(profile, profile.seeds)
    per_configuration = {}
    for key in cells:
        per_configuration.setdefault((key.task, key.data_set, key.model, key.label_fraction), set()).add(
            key.seed
        )
    assert all(len(seeds) >= 3 for seeds in per_configuration.values())
    assert {"spectrumfm", "spectrumfm-random"} <= {key.model for key in cells if key.task == "amc"}


def test_unknown_profile_names_the_choices():
    with pytest.raises(
        BenchmarkProfileError, match=r"profile must be one of \['cpu', 'micro', 'paper'\], got 'big'"
    ):
        get_profile("big")


@pytest.mark.parametrize(
    "only, expected",
    [
        (["amc"], True),
        (["ss"], False),
        (["amc/cnn2"], True),
        (["amc/spectrumfm*"], False),
        (["amc/rml2016.10b/cnn2"], True),
        (["amc/rml2016.10a/*"], False),
        (["wtc", "*/cnn2"], True),
    ],
)
def test_only_filters_match_task_model_and_data_set(only, expected):
    assert matches(CellKey("amc", "rml2016.10b", "cnn2"), only) is expected


@pytest.mark.parametrize("text", ["", "amc//cnn2", "a/b/c/d"])
def test_malformed_only_filter_is_refused_naming_the_forms(text):
    with pytest.raises(BenchmarkArgumentError, match="--only takes TASK, TASK/MODEL or TASK/DATA_SET/MODEL"):
        check_filters([text])


def test_each_cell_is_stored_as_it_finishes_and_a_rerun_computes_only_the_rest(
    tmp_path, monkeypatch, no_training
):
    expected = [key.name for key in plan_cells(get_profile("micro"), [0])]
    interrupted = CountingCells(fail_at=3)
    monkeypatch.setattr(harness, "compute_cell", interrupted)
    with pytest.raises(KeyboardInterrupt):
        run_benchmark("micro", tmp_path, log=lambda line: None)
    stored = [CellKey(**record["key"]).name for record in CellStore(tmp_path).records()]
    assert interrupted.computed == expected[:3] and sorted(stored) == sorted(expected[:3])
    finished = {
        name: (tmp_path / "cells" / f"{name}.json").stat().st_mtime_ns for name in interrupted.computed
    }

    resumed = CountingCells()
    monkeypatch.setattr(harness, "compute_cell", resumed)
    manifest = run_benchmark("micro", tmp_path, log=lambda line: None)
    assert resumed.computed == expected[3:]
    assert sorted(manifest["cells_skipped_as_stored"]) == sorted(expected[:3])
    assert {name: (tmp_path / "cells" / f"{name}.json").stat().st_mtime_ns for name in finished} == finished


def test_a_complete_rerun_computes_nothing(tmp_path, monkeypatch, no_training):
    monkeypatch.setattr(harness, "compute_cell", CountingCells())
    run_benchmark("micro", tmp_path, log=lambda line: None)
    again = CountingCells()
    monkeypatch.setattr(harness, "compute_cell", again)
    manifest = run_benchmark("micro", tmp_path, log=lambda line: None)
    assert again.computed == [] and manifest["cells_computed_this_run"] == []


def test_only_runs_the_matching_cells_and_a_later_full_run_adds_the_others(
    tmp_path, monkeypatch, no_training
):
    first = CountingCells()
    monkeypatch.setattr(harness, "compute_cell", first)
    run_benchmark("micro", tmp_path, only=["ss"], log=lambda line: None)
    assert first.computed and all(name.startswith("ss/") for name in first.computed)
    rest = CountingCells()
    monkeypatch.setattr(harness, "compute_cell", rest)
    run_benchmark("micro", tmp_path, log=lambda line: None)
    assert not set(rest.computed) & set(first.computed)
    assert len(rest.computed) + len(first.computed) == len(plan_cells(get_profile("micro"), [0]))


def test_manifest_records_the_command_seeds_version_hardware_and_wall_times(
    tmp_path, monkeypatch, no_training
):
    monkeypatch.setattr(harness, "compute_cell", CountingCells())
    manifest = run_benchmark(
        "micro",
        tmp_path,
        seeds=[4, 5],
        only=["ad"],
        command_line=["spectrumfm", "benchmark"],
        log=lambda line: None,
    )
    assert manifest["command_line"] == ["spectrumfm", "benchmark"]
    assert manifest["seeds"] == [4, 5] and manifest["profile"]["name"] == "micro"
    assert any(
        line.startswith("AMC examples per (class, SNR): rml2016.10a 2,") for line in manifest["scaled_down"]
    )
    assert {
        "CPU",
        "AMX (amx_bf16)",
        "AVX512-BF16 (avx512_bf16)",
        "cpu_flags",
        "precision",
        "spectrumfm_hf version",
    } <= set(manifest["hardware"])
    assert set(manifest["cell_wall_s"]) == {
        "ad/ad/spectrumfm/seed-4_labels-100",
        "ad/ad/aae/seed-4_labels-100",
        "ad/ad/spectrumfm/seed-5_labels-100",
        "ad/ad/aae/seed-5_labels-100",
    }
    assert manifest["this_run_wall_s"] > 0 and (tmp_path / "manifest.json").is_file()


def test_a_folder_of_another_profile_is_not_resumed(tmp_path, monkeypatch, no_training):
    monkeypatch.setattr(harness, "compute_cell", CountingCells())
    run_benchmark("micro", tmp_path, only=["ad"], log=lambda line: None)
    with pytest.raises(
        BenchmarkArgumentError,
        match="holds results of profile 'micro' with other settings than profile 'cpu'",
    ):
        run_benchmark("cpu", tmp_path, only=["ad"], log=lambda line: None)


def test_a_folder_whose_profile_settings_changed_since_is_not_resumed(tmp_path, monkeypatch, no_training):
    monkeypatch.setattr(harness, "compute_cell", CountingCells())
    run_benchmark("micro", tmp_path, only=["ad"], log=lambda line: None)
    edited = dataclasses.replace(PROFILES["micro"], epochs=2)
    monkeypatch.setitem(PROFILES, "micro", edited)
    with pytest.raises(BenchmarkArgumentError, match=r"other settings .*\(differing: epochs\)"):
        run_benchmark("micro", tmp_path, only=["ad"], log=lambda line: None)


def test_filters_matching_no_cell_are_refused(tmp_path, no_training):
    with pytest.raises(
        BenchmarkArgumentError, match="--only amc/no-such-model matches no cell of profile 'micro'"
    ):
        run_benchmark("micro", tmp_path, only=["amc/no-such-model"], log=lambda line: None)


@pytest.mark.parametrize("seeds", [[], [1, 1], [-1]])
def test_seed_lists_must_be_distinct_non_negative_integers(tmp_path, seeds, no_training):
    with pytest.raises(BenchmarkArgumentError, match="seeds must be distinct non-negative integers"):
        run_benchmark("micro", tmp_path, seeds=seeds, log=lambda line: None)


def test_resuming_with_another_encoder_is_refused(tmp_path):
    encoder = tmp_path / "encoder"
    encoder.mkdir()
    (encoder / "model.safetensors").write_bytes(b"first weights")
    first = harness.encoder_record(encoder, "spectrumfm-small")
    assert first == {"name": "spectrumfm-small", "weights_sha256": hashlib.sha256(b"first weights").hexdigest()}
    harness._check_same_encoder(tmp_path, first)
    harness._check_same_encoder(tmp_path, first)  # the same encoder resumes
    (encoder / "model.safetensors").write_bytes(b"rebuilt weights")
    with pytest.raises(BenchmarkArgumentError, match="holds SpectrumFM cells of encoder 'spectrumfm-small' with weights"):
        harness._check_same_encoder(tmp_path, harness.encoder_record(encoder, "spectrumfm-small"))
