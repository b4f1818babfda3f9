"""SpectrumFM for Hugging Face Transformers.

Importing the package registers the ``"spectrumfm"`` model type with transformers' Auto
classes (``AutoConfig``, ``AutoModel``, ``AutoModelForPreTraining``,
``AutoModelForSequenceClassification``, ``AutoFeatureExtractor``).
"""

from transformers import (
    AutoConfig,
    AutoFeatureExtractor,
    AutoModel,
    AutoModelForPreTraining,
    AutoModelForSequenceClassification,
)

from .configuration_spectrumfm import (
    SpectrumFMConfig,
    SpectrumFMConfigError,
    SpectrumFMInputError,
    SpectrumFMInputTypeError,
)
from .feature_extraction_spectrumfm import SpectrumFMFeatureExtractor
from .modeling_spectrumfm import (
    SpectrumFMAnomalyDetectionOutput,
    SpectrumFMForAnomalyDetection,
    SpectrumFMForPretraining,
    SpectrumFMForPretrainingOutput,
    SpectrumFMForSequenceClassification,
    SpectrumFMModel,
    SpectrumFMPreTrainedModel,
)

__version__ = "0.1.0"

# Exceptions a caller can expect from bad input to the feature extractor or a model.
INPUT_ERRORS = (SpectrumFMInputError, SpectrumFMInputTypeError)


def _register_auto_classes() -> None:
    # exist_ok: importing twice (or reloading) must not fail.
    AutoConfig.register(SpectrumFMConfig.model_type, SpectrumFMConfig, exist_ok=True)
    AutoModel.register(SpectrumFMConfig, SpectrumFMModel, exist_ok=True)
    AutoModelForPreTraining.register(SpectrumFMConfig, SpectrumFMForPretraining, exist_ok=True)
    AutoModelForSequenceClassification.register(SpectrumFMConfig, SpectrumFMForSequenceClassification, exist_ok=True)
    AutoFeatureExtractor.register(SpectrumFMConfig, SpectrumFMFeatureExtractor, exist_ok=True)


_register_auto_classes()

__all__ = [
    "INPUT_ERRORS",
    "SpectrumFMAnomalyDetectionOutput",
    "SpectrumFMConfig",
    "SpectrumFMConfigError",
    "SpectrumFMFeatureExtractor",
    "SpectrumFMForAnomalyDetection",
    "SpectrumFMForPretraining",
    "SpectrumFMForPretrainingOutput",
    "SpectrumFMForSequenceClassification",
    "SpectrumFMInputError",
    "SpectrumFMInputTypeError",
    "SpectrumFMModel",
    "SpectrumFMPreTrainedModel",
]
