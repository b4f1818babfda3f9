"""Few-shot subsets keep a seeded share of every (class, SNR) stratum."""

import numpy as np
import pytest

from spectrumfm_hf.training.few_shot import FewShotError, few_shot_subset

from .helpers import iq_rows


def test_ten_percent_subset_keeps_a_tenth_of_every_class_and_snr():
    rows = iq_rows(600)
    subset = few_shot_subset(rows, 0.1, seed=0)
    labels, snrs = np.asarray(subset["label"]), np.asarray(subset["snr_db"])
    assert len(subset) == 60
    for label in range(3):
        for snr in (0.0, 10.0):
            assert np.sum((labels == label) & (snrs == snr)) == 10


def test_subset_is_the_same_for_the_same_seed_and_differs_for_another():
    rows = iq_rows(300).with_format(None)
    rows = rows.add_column("row", list(range(300)))
    first = few_shot_subset(rows, 0.2, seed=1)["row"]
    assert few_shot_subset(rows, 0.2, seed=1)["row"] == first
    assert few_shot_subset(rows, 0.2, seed=2)["row"] != first


def test_full_fraction_returns_every_example():
    rows = iq_rows(30)
    assert len(few_shot_subset(rows, 1.0, seed=0)) == 30


def test_fraction_of_zero_is_rejected():
    with pytest.raises(FewShotError, match="fraction must lie in \\(0, 1\\], got 0"):
        few_shot_subset(iq_rows(30), 0, seed=0)
