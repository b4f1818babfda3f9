"""The models SpectrumFM is compared against (paper section IV), by name.

* Modulation and wireless-technology classification, in the order of the paper's Table II:
  ``"resnet"``, ``"mcnet"``, ``"vgg"``, ``"cnn2"``, ``"gru2"``, ``"dae"``, ``"cgdnn"`` (and its
  variant ``"pet-cgdnn"``), ``"transformer"``, ``"msnet"``, ``"amc-net"``.
* Spectrum sensing: ``"energy-detector"`` (not trainable), ``"lstm-detector"``, ``"resnet-detector"``.
* Anomaly detection: ``"aae"``.

Each trainable baseline is a ``PreTrainedModel`` with its own configuration, driven like
SpectrumFM: ``model(input_values=(B, N, 2), labels=(B,))`` returns a ``SequenceClassifierOutput``
with the cross-entropy ``loss`` (the AAE returns its loss and an ``anomaly_score`` per window),
so ``Trainer``, the metrics and the plots serve them all. Modules are imported on first use::

    from spectrumfm_hf.baselines import build_baseline
    model = build_baseline("mcnet", num_labels=11)

:func:`register_auto_classes` makes saved baselines loadable through the Auto classes.
"""

from __future__ import annotations

import importlib
from typing import Any

from ..configuration_spectrumfm import SpectrumFMInputError

# name -> (module, configuration class, model class); configuration None: not a PreTrainedModel.
BASELINES: dict[str, tuple[str, str | None, str]] = {
    "resnet": (".resnet", "ResNetConfig", "ResNetForSequenceClassification"),
    "mcnet": (".mcnet", "MCNetConfig", "MCNetForSequenceClassification"),
    "vgg": (".vgg", "VGGConfig", "VGGForSequenceClassification"),
    "cnn2": (".cnn2", "CNN2Config", "CNN2ForSequenceClassification"),
    "gru2": (".gru2", "GRU2Config", "GRU2ForSequenceClassification"),
    "dae": (".dae", "DAEConfig", "DAEForSequenceClassification"),
    "cgdnn": (".cgdnn", "CGDNNConfig", "CGDNNForSequenceClassification"),
    "pet-cgdnn": (".pet_cgdnn", "PETCGDNNConfig", "PETCGDNNForSequenceClassification"),
    "transformer": (".transformer", "TransformerConfig", "TransformerForSequenceClassification"),
    "msnet": (".msnet", "MSNetConfig", "MSNetForSequenceClassification"),
    "amc-net": (".amc_net", "AMCNetConfig", "AMCNetForSequenceClassification"),
    "energy-detector": (".energy_detector", None, "EnergyDetector"),
    "lstm-detector": (".lstm_detector", "LSTMDetectorConfig", "LSTMDetector"),
    "resnet-detector": (".resnet_detector", "ResNetDetectorConfig", "ResNetDetector"),
    "aae": (".aae", "AdversarialAutoencoderConfig", "AdversarialAutoencoder"),
}
"""Every baseline by name: where it lives and its classes."""

CLASSIFICATION_BASELINES = tuple(list(BASELINES)[:11])
"""The modulation / technology classifiers, in the paper's order (PET-CGDNN beside CGDNN)."""

SENSING_BASELINES = ("energy-detector", "lstm-detector", "resnet-detector")
"""The spectrum-sensing detectors."""

ANOMALY_DETECTION_BASELINES = ("aae",)
"""The anomaly detectors."""


def _check_name(name: str) -> tuple[str, str | None, str]:
    if name not in BASELINES:
        raise SpectrumFMInputError(f"name must be one of {sorted(BASELINES)}, got {name!r}")
    return BASELINES[name]


def baseline_classes(name: str) -> tuple[type | None, type]:
    """(configuration class or None, model class) of the baseline ``name``, importing its module."""
    module_name, config_name, model_name = _check_name(name)
    module = importlib.import_module(module_name, __name__)
    return (getattr(module, config_name) if config_name else None), getattr(module, model_name)


def build_baseline(name: str, num_labels: int | None = None, **config: Any):
    """A freshly initialised baseline.

    Args:
        name: a key of :data:`BASELINES`.
        num_labels: classes of a classifier (the configuration's default when None); the
            energy detector accepts only None or 2, the anomaly detector (no classes) only None.
        config: configuration arguments (``num_samples``, ``input_representation``, layer
            sizes...), or for the energy detector its constructor's.
    """
    config_class, model_class = baseline_classes(name)
    if name == "energy-detector" and num_labels not in (None, 2):
        raise SpectrumFMInputError(f"num_labels for 'energy-detector' must be 2 or None, got {num_labels!r}")
    if name in ANOMALY_DETECTION_BASELINES and num_labels is not None:
        raise SpectrumFMInputError(
            f"num_labels for {name!r} must be None (an anomaly detector has no classes), got {num_labels!r}"
        )
    if config_class is None:
        return model_class(**config)
    if num_labels is not None:
        config["num_labels"] = num_labels
    return model_class(config_class(**config))


def register_auto_classes() -> None:
    """Register every trainable baseline with transformers' Auto classes, so that a saved one
    loads by its folder alone: ``AutoModelForSequenceClassification.from_pretrained(folder)``
    for the classifiers and detectors, ``AutoModel`` for the anomaly detector."""
    from transformers import AutoConfig, AutoModel, AutoModelForSequenceClassification

    for name in BASELINES:
        config_class, model_class = baseline_classes(name)
        if config_class is None:
            continue
        AutoConfig.register(config_class.model_type, config_class, exist_ok=True)
        auto_class = AutoModel if name in ANOMALY_DETECTION_BASELINES else AutoModelForSequenceClassification
        auto_class.register(config_class, model_class, exist_ok=True)


def __getattr__(name: str) -> Any:
    # Classes by name (``from spectrumfm_hf.baselines import MCNetConfig``), imported on first use.
    for module_name, config_name, model_name in BASELINES.values():
        if name in (config_name, model_name):
            value = getattr(importlib.import_module(module_name, __name__), name)
            globals()[name] = value
            return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
