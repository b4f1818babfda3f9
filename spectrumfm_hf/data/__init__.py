"""IQ data for SpectrumFM: a seeded generator for every task, loaders for real formats, HF Datasets.

* Task generators (each ``generator(seed, index) -> record`` and ``generator.generate(seed, indices)``):
  :class:`AMCGenerator`, :class:`WTCGenerator`, :class:`SpectrumSensingGenerator`,
  :class:`AnomalyDetectionGenerator`, :class:`PretrainingCorpusGenerator`.
* Transmitters (:mod:`.modulators`, :mod:`.technologies`) apart from the channel (:mod:`.channel`).
* Real formats (:mod:`.formats`): RML2016 pickles (restricted unpickler), RML2018 HDF5, SigMF,
  raw binary and ``.npy``.
* HF Datasets (:mod:`.hf`): features, ``Dataset``/``IterableDataset`` builders, stratified
  splits and dataset cards.
"""

from .amc import AMCGenerator
from .anomaly import AnomalyDetectionGenerator
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
from .channel import ImpairmentChain, default_impairments
from .hf import (
    dataset_card,
    iq_features,
    load_raw,
    load_rml2016,
    load_rml2018,
    load_sigmf,
    save_dataset,
    stratified_split,
    to_dataset,
    to_iterable_dataset,
)
from .modulators import RML2016_10A_CLASSES, RML2018_01A_CLASSES, TransmitterRanges, make_transmitter
from .pretraining import PretrainingCorpusGenerator
from .sensing import SpectrumSensingGenerator, energy_detector
from .wtc import WTCGenerator

__all__ = [
    "AMCGenerator",
    "AnomalyDetectionGenerator",
    "GENERATION_PARAMETERS",
    "ImpairmentChain",
    "PretrainingCorpusGenerator",
    "RML2016_10A_CLASSES",
    "RML2018_01A_CLASSES",
    "SpectrumDataError",
    "SpectrumSensingGenerator",
    "Transmission",
    "TransmitterRanges",
    "WTCGenerator",
    "dataset_card",
    "default_impairments",
    "energy_detector",
    "example_rng",
    "example_seed_sequence",
    "fill_parameters",
    "iq_features",
    "iq_to_real",
    "load_raw",
    "load_rml2016",
    "load_rml2018",
    "load_sigmf",
    "make_transmitter",
    "real_to_iq",
    "save_dataset",
    "stratified_split",
    "to_dataset",
    "to_iterable_dataset",
]
