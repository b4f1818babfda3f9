"""The benchmark's data sets: the AMC stand-ins, windows cut after the split, raw I/Q features, cached splits."""

import numpy as np
import pytest
from datasets import Array2D, ClassLabel, Dataset, Features, Value

from spectrumfm_hf.benchmarks.data import (
    AMC_DATA_SET_SHAPES,
    BenchmarkDataError,
    data_seeds,
    task_splits,
    window_captures,
)
from spectrumfm_hf.benchmarks.models import BenchmarkModelError, RawIQFeatures
from spectrumfm_hf.benchmarks.profiles import AMC_DATA_SETS, get_profile
from spectrumfm_hf.data import RML2016_10A_CLASSES


def test_the_three_amc_stand_ins_are_the_profiles_data_sets():
    assert tuple(AMC_DATA_SET_SHAPES) == AMC_DATA_SETS


def test_rml2016_10b_stand_in_has_ten_classes_without_am_ssb_renumbered_in_order(tmp_path):
    splits = task_splits("amc", "rml2016.10b", get_profile("micro"), 0, tmp_path)
    expected = [name for name in RML2016_10A_CLASSES if name != "AM-SSB"]
    assert splits.class_names == expected
    labels = np.concatenate(
        [np.asarray(split["label"]) for split in (splits.train, splits.validation, splits.test)]
    )
    assert sorted(np.unique(labels)) == list(range(10))
    # 2 examples per (class, SNR) on 3 SNRs, for each of the 10 classes kept.
    assert labels.size == 2 * 3 * 10


def test_splits_are_seventy_ten_twenty_by_class_and_snr(tmp_path):
    splits = task_splits("amc", "rml2016.10a", get_profile("micro"), 0, tmp_path)
    sizes = [len(splits.train), len(splits.validation), len(splits.test)]
    assert sum(sizes) == 66 and sizes == [46, 7, 13]


def test_splits_are_stored_once_and_read_back_unchanged(tmp_path):
    first = task_splits("ss", "ss", get_profile("micro"), 1, tmp_path)
    folder = tmp_path / "data" / "ss" / "ss" / "seed-1"
    stamp = (folder / "dataset_dict.json").stat().st_mtime_ns
    second = task_splits("ss", "ss", get_profile("micro"), 1, tmp_path)
    assert (folder / "dataset_dict.json").stat().st_mtime_ns == stamp
    assert np.array_equal(first.test["iq"], second.test["iq"])


def test_technology_captures_are_cut_into_eight_windows_that_keep_their_label_and_snr(tmp_path):
    splits = task_splits("wtc", "wtc", get_profile("micro"), 0, tmp_path)
    assert splits.train[0]["iq"].shape == (128, 2)
    assert len(splits.train) % 8 == 0
    labels = np.asarray(splits.train["label"]).reshape(-1, 8)
    assert (labels == labels[:, :1]).all()


def test_anomaly_test_set_uses_a_seed_of_its_own_for_every_cell_seed():
    seeds = [data_seeds(seed) for seed in range(5)]
    assert len({seed for pair in seeds for seed in pair}) == 10


def test_anomaly_detectors_train_on_normal_captures_only(tmp_path):
    splits = task_splits("ad", "ad", get_profile("micro"), 0, tmp_path)
    assert set(np.asarray(splits.train["label"]).tolist()) == {0}
    assert set(np.asarray(splits.validation["label"]).tolist()) == {0}
    assert len(set(np.asarray(splits.test["label"]).tolist())) > 1


def test_window_captures_repeats_the_other_columns_per_window():
    features = Features(
        {
            "iq": Array2D((256, 2), "float32"),
            "label": ClassLabel(names=["a", "b"]),
            "snr_db": Value("float32"),
        }
    )
    iq = np.arange(2 * 256 * 2, dtype=np.float32).reshape(2, 256, 2)
    dataset = Dataset.from_dict(
        {"iq": iq, "label": [0, 1], "snr_db": [-4.0, 6.0]}, features=features
    ).with_format("numpy")
    windows = window_captures(dataset, 128)
    assert len(windows) == 4
    assert np.array_equal(windows["iq"][1], iq[0, 128:])
    assert np.asarray(windows["label"]).tolist() == [0, 0, 1, 1]
    assert np.asarray(windows["snr_db"]).tolist() == [-4.0, -4.0, 6.0, 6.0]


def test_window_captures_refuses_a_length_that_does_not_cut_into_windows():
    dataset = Dataset.from_dict(
        {"iq": np.zeros((1, 200, 2), np.float32)}, features=Features({"iq": Array2D((200, 2), "float32")})
    )
    with pytest.raises(BenchmarkDataError, match="captures of 200 samples do not cut into windows of 128"):
        window_captures(dataset, 128)


def test_raw_iq_features_keep_i_and_q_and_cut_windows():
    iq = (np.arange(256) + 1j * -np.arange(256)).reshape(1, 256)
    features = RawIQFeatures(128)(iq)
    assert features["input_values"].shape == (2, 128, 2) and features["input_values"].dtype == np.float32
    assert features["input_values"][1, 0].tolist() == [128.0, -128.0]
    assert features["attention_mask"].shape == (2, 128) and features["attention_mask"].all()


def test_raw_iq_features_refuse_captures_that_are_not_whole_windows():
    with pytest.raises(BenchmarkModelError, match=r"samples a multiple of 128, got shape \(1, 100\)"):
        RawIQFeatures(128)(np.zeros((1, 100), np.complex64))
