"""Small data sets of raw IQ for training tests."""

import numpy as np
from datasets import Dataset

from spectrumfm_hf import SpectrumFMFeatureExtractor

WINDOW = 32


def feature_extractor(**options) -> SpectrumFMFeatureExtractor:
    """A feature extractor for the tiny configuration's 32-symbol windows."""
    return SpectrumFMFeatureExtractor(window_length=WINDOW, **options)


def iq_rows(num_rows: int, num_samples: int = WINDOW, num_classes: int = 3, seed: int = 0) -> Dataset:
    """Rows with a random ``iq`` column, cycling labels and two SNRs, in numpy format."""
    rng = np.random.default_rng(seed)
    iq = rng.standard_normal((num_rows, num_samples, 2)).astype(np.float32)
    labels = np.arange(num_rows) % num_classes
    snr_db = np.where((np.arange(num_rows) // num_classes) % 2 == 0, 0.0, 10.0).astype(np.float32)
    return Dataset.from_dict({"iq": iq, "label": labels, "snr_db": snr_db}).with_format("numpy")
