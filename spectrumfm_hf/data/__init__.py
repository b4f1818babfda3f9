"""IQ data for SpectrumFM: a seeded generator for every task, loaders for real formats, HF Datasets.

The package is built in layers, each importing only from those below it:

1. :mod:`.base`, :mod:`.labels`: the record schema and its batch/record conversions, seeding,
   validators, class names.
2. :mod:`.dsp`: pulses, OFDM, resampling, unit-power normalisation, windowing.
3. :mod:`.transmitters`: modulations, wireless technologies, interferers.
4. :mod:`.impairments`: impairment maths (``functional``), the classes that draw their
   parameters (``transforms``) and the chain.
5. :mod:`.tasks`: one module per task generator (``generator(seed, index) -> record``,
   ``generator.generate(seed, indices) -> batch``): :class:`AMCGenerator`, :class:`WTCGenerator`,
   :class:`SpectrumSensingGenerator`, :class:`AnomalyDetectionGenerator`; above them
   :mod:`.pretraining`, the mixture of them all (:class:`PretrainingCorpusGenerator`).
6. :mod:`.formats` (RML2016 pickles through a restricted unpickler, RML2018 HDF5, SigMF, raw
   binary and ``.npy``) and :mod:`.hf` (features, ``Dataset``/``IterableDataset`` builders,
   stratified splits, dataset cards).

:mod:`.registry` names the generators without importing any of them.
"""

import importlib

# Public name -> the module defining it. Names are imported on first use (PEP 562), so that
# importing one submodule (e.g. the registry, for a command line's help) loads only what it needs.
_EXPORTS: dict[str, str] = {
    "AMCGenerator": ".tasks",
    "AnomalyDetectionGenerator": ".tasks",
    "dataset_card": ".hf",
    "default_impairments": ".impairments",
    "energy_detector": ".tasks",
    "example_rng": ".base",
    "example_seed_sequence": ".base",
    "fill_parameters": ".base",
    "GENERATION_PARAMETERS": ".base",
    "GENERATOR_NAMES": ".registry",
    "ImpairmentChain": ".impairments",
    "iq_features": ".hf",
    "iq_to_real": ".base",
    "load_raw": ".hf",
    "load_rml2016": ".hf",
    "load_rml2018": ".hf",
    "load_sigmf": ".hf",
    "make_batch": ".base",
    "make_generator": ".registry",
    "make_transmitter": ".transmitters",
    "PretrainingCorpusGenerator": ".pretraining",
    "real_to_iq": ".base",
    "record_from_batch": ".base",
    "records_from_batch": ".base",
    "RML2016_10A_CLASSES": ".labels",
    "RML2018_01A_CLASSES": ".labels",
    "save_dataset": ".hf",
    "SpectrumDataError": ".base",
    "SpectrumSensingGenerator": ".tasks",
    "stratified_split": ".hf",
    "to_dataset": ".hf",
    "to_iterable_dataset": ".hf",
    "Transmission": ".base",
    "TransmitterRanges": ".transmitters",
    "WTCGenerator": ".tasks",
}

__all__ = sorted(_EXPORTS, key=str.lower)


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_EXPORTS[name], __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
