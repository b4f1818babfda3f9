"""``--data-dir``: the benchmark on real files in their own layouts (written here, small)."""

import pickle

import numpy as np
import pytest

from spectrumfm_hf.benchmarks.data import BenchmarkDataError, discover_real_data, task_splits
from spectrumfm_hf.benchmarks.harness import plan_cells, run_benchmark
from spectrumfm_hf.benchmarks.profiles import get_profile
from spectrumfm_hf.benchmarks.store import CellKey, CellStore
from spectrumfm_hf.data.formats import RML2016_10A_CLASSES, write_sigmf

from .data.test_formats import write_rml2018


@pytest.fixture
def data_dir(tmp_path):
    folder = tmp_path / "real"
    folder.mkdir()
    rng = np.random.default_rng(0)
    contents = {
        (modulation, snr_db): rng.standard_normal((5, 2, 128)).astype(np.float32)
        for modulation in RML2016_10A_CLASSES
        for snr_db in (-4, 0, 4)
    }
    (folder / "RML2016.10a_dict.pkl").write_bytes(pickle.dumps(contents, protocol=2))
    write_rml2018(folder / "GOLD_XYZ_OSC.0001_1024.hdf5", num_frames=4)
    records = [
        {"iq": rng.standard_normal((256, 2)).astype(np.float32), "label": index % 2, "snr_db": 10.0}
        for index in range(10)
    ]
    write_sigmf(folder / "lab_capture", records, ["lte", "wifi"])
    (folder / "notes.txt").write_text("not a data file")
    return folder


def test_real_files_are_matched_to_their_task_and_data_set_by_name(data_dir):
    found = {(real.task, real.data_set): real.path.name for real in discover_real_data(data_dir)}
    assert found == {
        ("amc", "rml2016.10a"): "RML2016.10a_dict.pkl",
        ("amc", "rml2018.01a"): "GOLD_XYZ_OSC.0001_1024.hdf5",
        ("wtc", "sigmf-lab_capture"): "lab_capture.sigmf-meta",
    }


def test_a_real_amc_file_replaces_the_generated_set_of_its_name_and_others_add_sets(data_dir):
    cells = plan_cells(get_profile("micro"), [0], discover_real_data(data_dir))
    assert {key.data_set for key in cells if key.task == "amc"} == {
        "rml2016.10a",
        "rml2016.10b",
        "rml2016.04c",
        "rml2018.01a",
    }
    assert {key.data_set for key in cells if key.task == "wtc"} == {"wtc", "sigmf-lab_capture"}


def test_a_folder_without_known_files_names_what_it_looks_for(tmp_path):
    with pytest.raises(
        BenchmarkDataError, match=r"holds no RML2016 pickle .* RML2018 HDF5 .* SigMF recording"
    ):
        discover_real_data(tmp_path)


def test_a_missing_data_dir_is_refused(tmp_path):
    with pytest.raises(BenchmarkDataError, match="data_dir must be an existing folder"):
        discover_real_data(tmp_path / "absent")


@pytest.mark.parametrize(
    "data_set, classes, windows",
    [
        # 11 classes x 3 SNRs x 5 captures of 128 samples; 4 frames of 1024 samples cut in 8;
        # 10 recordings of 256 samples cut in 2.
        ("rml2016.10a", 11, 165),
        ("rml2018.01a", 24, 32),
        ("sigmf-lab_capture", 2, 20),
    ],
)
def test_real_files_are_split_into_model_windows_with_their_own_class_names(
    data_dir, tmp_path, data_set, classes, windows
):
    real = next(found for found in discover_real_data(data_dir) if found.data_set == data_set)
    splits = task_splits(real.task, data_set, get_profile("micro"), 0, tmp_path / "out", real)
    assert splits.source == str(real.path) and len(splits.class_names) == classes
    assert len(splits.train) + len(splits.validation) + len(splits.test) == windows
    assert {np.asarray(split["iq"]).shape[1:] for split in (splits.train, splits.validation, splits.test)} == {(128, 2)}


def test_benchmark_on_a_real_rml2016_pickle_trains_and_scores_it(data_dir, tmp_path):
    output = tmp_path / "out"
    manifest = run_benchmark(
        "micro", output, only=["amc/rml2016.10a/cnn2"], data_dir=data_dir, log=lambda line: None
    )
    result = CellStore(output).get(CellKey("amc", "rml2016.10a", "cnn2"))["result"]
    assert result["source"] == str(data_dir / "RML2016.10a_dict.pkl")
    assert result["class_names"] == list(RML2016_10A_CLASSES)
    assert sorted(result["accuracy_per_snr"]["snr_db"]) == [-4.0, 0.0, 4.0]
    assert {entry["data_set"] for entry in manifest["real_data"]} == {
        "rml2016.10a",
        "rml2018.01a",
        "sigmf-lab_capture",
    }


def test_a_recording_without_snr_is_benchmarked_and_left_off_the_snr_axis(tmp_path):
    folder = tmp_path / "real"
    folder.mkdir()
    rng = np.random.default_rng(1)
    records = [
        {"iq": rng.standard_normal((128, 2)).astype(np.float32), "label": index % 2} for index in range(20)
    ]
    write_sigmf(folder / "unrated", records, ["lte", "wifi"])
    output = tmp_path / "out"
    manifest = run_benchmark(
        "micro", output, only=["wtc/sigmf-unrated/cnn2"], data_dir=folder, log=lambda line: None
    )
    result = CellStore(output).get(CellKey("wtc", "sigmf-unrated", "cnn2"))["result"]
    # Benchmarked: trained on 70 % of the 20 windows and scored on the 20 % held out.
    assert result["train_windows"] == 14 and result["class_names"] == ["lte", "wifi"]
    (test_windows,) = result["accuracy_per_snr"]["count"]
    assert test_windows == 4 and result["accuracy"] * test_windows == pytest.approx(round(result["accuracy"] * test_windows))
    # Off the SNR axis: its windows have no SNR, no confusion at -4/0/4 dB and no accuracy-vs-SNR figure.
    assert np.isnan(result["accuracy_per_snr"]["snr_db"]).all()
    assert result["accuracy_per_snr"]["accuracy"] == [result["accuracy"]]
    assert result["confusion_at_snr"] == {}
    assert "figures/fig8_wtc_accuracy_vs_snr_sigmf-unrated.png" not in manifest["figures"]
    assert "figures/fig7_accuracy_per_epoch_sigmf-unrated.png" in manifest["figures"]
