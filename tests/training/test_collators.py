"""Raw IQ rows become model batches: windows, labels per window and the pre-training mask."""

import numpy as np
import pytest
import torch
from datasets import IterableDataset

from spectrumfm_hf.training import (
    IQFeatureTransform,
    SpectrumFMDataCollator,
    SpectrumFMPretrainingCollator,
    TrainingDataError,
    split_stream_for_process,
    window_rows,
)

from .helpers import WINDOW, feature_extractor, iq_rows


def test_collator_windows_each_capture_and_repeats_its_label_per_window():
    rows = iq_rows(3, num_samples=4 * WINDOW)
    batch = SpectrumFMDataCollator(feature_extractor())([rows[i] for i in range(3)])
    assert batch["input_values"].shape == (12, WINDOW, 2)
    assert batch["attention_mask"].shape == (12, WINDOW)
    assert batch["labels"].tolist() == [0] * 4 + [1] * 4 + [2] * 4


def test_collator_returns_only_model_inputs_and_labels():
    rows = iq_rows(2)
    batch = SpectrumFMDataCollator(feature_extractor())([rows[i] for i in range(2)])
    assert sorted(batch) == ["attention_mask", "input_values", "labels"]


def test_with_transform_rows_collate_to_the_same_batch_as_raw_rows():
    rows = iq_rows(4, num_samples=2 * WINDOW)
    extractor = feature_extractor()
    transformed = rows.with_format(None).with_transform(IQFeatureTransform(extractor))
    collator = SpectrumFMDataCollator(extractor)
    from_raw = collator([rows[i] for i in range(4)])
    from_transform = collator([transformed[i] for i in range(4)])
    assert transformed[0]["input_values"].shape == (2, WINDOW, 2)
    for name in from_raw:
        assert torch.equal(from_raw[name], from_transform[name])


def test_transform_keeps_captures_of_different_lengths_apart():
    extractor = feature_extractor()
    iq = [np.ones((WINDOW, 2), np.float32), np.random.default_rng(0).standard_normal((3 * WINDOW, 2))]
    output = IQFeatureTransform(extractor)({"iq": iq, "label": [0, 1]})
    assert [values.shape[0] for values in output["input_values"]] == [1, 3]
    assert output["label"] == [0, 1]


def test_collator_rejects_iq_without_an_iq_axis():
    collator = SpectrumFMDataCollator(feature_extractor(), label_column=None)
    with pytest.raises(TrainingDataError, match=r"iq\[0\] must have shape \(num_samples, 2\)"):
        collator([{"iq": np.zeros(WINDOW, np.float32)}])


def test_pretraining_mask_hides_symbols_at_the_configured_rate():
    rows = iq_rows(256)
    mask_ratio = 0.15
    batch = SpectrumFMPretrainingCollator(feature_extractor(), mask_ratio=mask_ratio, seed=3)([rows[i] for i in range(256)])
    # The last symbol is the next-slot target and never masked: count the others.
    hidden = 1.0 - batch["symbol_mask"][:, :-1].numpy()
    draws = hidden.size
    sigma = np.sqrt(mask_ratio * (1 - mask_ratio) / draws)
    assert abs(hidden.mean() - mask_ratio) < 3 * sigma


def test_pretraining_mask_never_hides_the_next_slot_target():
    extractor = feature_extractor()
    # 1.5 windows: the second window is padded and its last real symbol is index 15.
    rows = iq_rows(64, num_samples=WINDOW + WINDOW // 2)
    batch = SpectrumFMPretrainingCollator(extractor, mask_ratio=0.9, seed=0)([rows[i] for i in range(64)])
    mask = batch["symbol_mask"]
    assert torch.all(mask[0::2, WINDOW - 1] == 1)
    assert torch.all(mask[1::2, WINDOW // 2 - 1] == 1)


def test_pretraining_mask_is_a_function_of_seed_and_batch():
    rows = iq_rows(8)
    examples = [rows[i] for i in range(8)]
    first = SpectrumFMPretrainingCollator(feature_extractor(), seed=1)(examples)["symbol_mask"]
    again = SpectrumFMPretrainingCollator(feature_extractor(), seed=1)(examples)["symbol_mask"]
    other_seed = SpectrumFMPretrainingCollator(feature_extractor(), seed=2)(examples)["symbol_mask"]
    assert torch.equal(first, again)
    assert not torch.equal(first, other_seed)


def test_pretraining_collator_rejects_a_mask_ratio_outside_the_open_unit_interval():
    with pytest.raises(TrainingDataError, match="mask_ratio must lie in \\(0, 1\\), got 1.0"):
        SpectrumFMPretrainingCollator(feature_extractor(), mask_ratio=1.0)


def test_streaming_split_gives_each_rank_different_examples():
    rows = iq_rows(16).with_format(None)
    stream = rows.add_column("row", list(range(16))).to_iterable_dataset(num_shards=4)
    seen = [[example["row"] for example in split_stream_for_process(stream, rank, 2)] for rank in range(2)]
    assert sorted(seen[0] + seen[1]) == list(range(16))
    assert not set(seen[0]) & set(seen[1])


def test_collator_reads_rows_of_a_stream():
    stream = iq_rows(4).with_format(None).to_iterable_dataset()
    assert isinstance(stream, IterableDataset)
    batch = SpectrumFMPretrainingCollator(feature_extractor())(list(stream))
    assert batch["input_values"].shape == (4, WINDOW, 2)


def test_window_rows_give_each_window_a_row_with_its_captures_label_and_snr():
    rows = iq_rows(3, num_samples=2 * WINDOW)
    windows = window_rows(rows.with_format(None), feature_extractor())
    assert len(windows) == 6
    assert windows["label"] == [0, 0, 1, 1, 2, 2]
    assert windows["snr_db"] == [0.0] * 6


def test_window_rows_collate_to_the_same_batch_as_their_captures():
    rows = iq_rows(3, num_samples=2 * WINDOW)
    extractor = feature_extractor()
    windows = window_rows(rows.with_format(None), extractor).with_format("numpy")
    collator = SpectrumFMDataCollator(extractor)
    from_captures = collator([rows[i] for i in range(3)])
    from_windows = collator([windows[i] for i in range(6)])
    for name in from_captures:
        assert torch.equal(from_captures[name], from_windows[name])
