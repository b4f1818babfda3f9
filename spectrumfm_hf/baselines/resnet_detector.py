"""ResNet spectrum-sensing detector: the ResNet AMC baseline with two classes (occupied / vacant)."""

from __future__ import annotations

from .lstm_detector import SENSING_LABELS
from .resnet import ResNetConfig, ResNetForSequenceClassification


class ResNetDetectorConfig(ResNetConfig):
    """Configuration of :class:`ResNetDetector`; every :class:`ResNetConfig` argument, with
    ``num_labels`` defaulting to 2 (vacant, occupied)."""

    model_type = "spectrumfm-baseline-resnet-detector"

    def __init__(self, **kwargs):
        if "num_labels" not in kwargs and "id2label" not in kwargs:
            kwargs["id2label"] = dict(SENSING_LABELS)
        super().__init__(**kwargs)


class ResNetDetector(ResNetForSequenceClassification):
    """Occupied / vacant classifier with the architecture of :class:`ResNetForSequenceClassification`."""

    config_class = ResNetDetectorConfig
