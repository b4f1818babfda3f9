"""Few-shot training sets: a seeded share of the training labels, stratified by class and SNR."""

from __future__ import annotations

from datasets import Dataset

from spectrumfm_hf.data import stratified_split

FEW_SHOT_FRACTIONS = (0.1, 0.2, 0.3, 1.0)
"""The label budgets of the paper's few-shot curves: 10, 20, 30 and 100 % of the training set."""


class FewShotError(ValueError):
    """A label fraction outside (0, 1]."""


def few_shot_subset(train_dataset: Dataset, fraction: float, seed: int) -> Dataset:
    """``fraction`` of ``train_dataset``, the same share of every (label, SNR) stratum, chosen with ``seed``.

    Built on :func:`spectrumfm_hf.data.stratified_split` (the part it would hold out is
    dropped), so class and SNR proportions match the full set to within one example per
    stratum; ``fraction=1`` returns the whole set.

    Args:
        train_dataset: training rows with ``label`` and ``snr_db`` columns.
        fraction: share of the examples to keep, in (0, 1].
        seed: seed of the choice.
    """
    if isinstance(fraction, bool) or not isinstance(fraction, (int, float)) or not 0.0 < float(fraction) <= 1.0:
        raise FewShotError(f"fraction must lie in (0, 1], got {fraction!r}")
    if float(fraction) == 1.0:
        return train_dataset
    return stratified_split(train_dataset, test_size=1.0 - float(fraction), validation_size=0.0, seed=seed)["train"]
