"""IQ data for SpectrumFM: a seeded generator for every task, loaders for real formats, HF Datasets."""

from .base import (
    GENERATION_PARAMETERS,
    SpectrumDataError,
    Transmission,
    example_rng,
    example_seed_sequence,
    fill_parameters,
    iq_to_real,
    real_to_iq,
)
