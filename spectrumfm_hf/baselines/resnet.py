"""ResNet for modulation classification (Liu, Yang and El Gamal, Asilomar 2017, paper ref. [44])."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .base import BaselineConfig, BaselineForSequenceClassification, as_iq_image, same_padding


class ResNetConfig(BaselineConfig):
    """Configuration of :class:`ResNetForSequenceClassification`.

    Args:
        num_filters (`int`, defaults to 256): filters of the two convolutions the shortcut spans.
        reduced_filters (`int`, defaults to 80): filters of the two convolutions after the shortcut.
        dense_size (`int`, defaults to 128): width of the fully connected layer.
        dropout (`float`, defaults to 0.6): dropout before each fully connected layer.
    """

    model_type = "spectrumfm-baseline-resnet"

    def __init__(
        self,
        num_filters: int = 256,
        reduced_filters: int = 80,
        dense_size: int = 128,
        dropout: float = 0.6,
        **kwargs,
    ):
        self.num_filters = num_filters
        self.reduced_filters = reduced_filters
        self.dense_size = dense_size
        self.dropout = dropout
        super().__init__(**kwargs)


class ResNetForSequenceClassification(BaselineForSequenceClassification):
    """Liu et al.'s residual network on the 2 x N I/Q image.

    Layer sizes from the paper as reimplemented in the AMR-Benchmark (Zhang et al.,
    github.com/Richardzhangxx/AMR-Benchmark, ``RML201610a/ResNet``): Conv (1x3, 256) + ReLU,
    Conv (2x3, 256), the input added back (the shortcut), ReLU, two Conv (1x3, 80) + ReLU,
    dropout 0.6, Dense 128 + ReLU, dropout 0.6, Dense to the classes; "same" padding throughout.
    The one-channel input is broadcast over the 256 channels it is added to.
    """

    config_class = ResNetConfig

    def __init__(self, config: ResNetConfig):
        super().__init__(config)
        self.conv1 = nn.Conv2d(1, config.num_filters, (1, 3), padding="same")
        self.conv2 = nn.Conv2d(config.num_filters, config.num_filters, (2, 3))
        self.conv3 = nn.Conv2d(config.num_filters, config.reduced_filters, (1, 3), padding="same")
        self.conv4 = nn.Conv2d(config.reduced_filters, config.reduced_filters, (1, 3), padding="same")
        self.dropout = nn.Dropout(config.dropout)
        self.dense = nn.Linear(config.reduced_filters * 2 * config.num_samples, config.dense_size)
        self.classifier = nn.Linear(config.dense_size, config.num_labels)
        self.post_init()

    def compute_logits(self, input_values: torch.Tensor) -> torch.Tensor:
        image = as_iq_image(input_values)
        hidden = self.conv2(F.pad(torch.relu(self.conv1(image)), same_padding((2, 3))))
        hidden = torch.relu(hidden + image)
        hidden = torch.relu(self.conv4(torch.relu(self.conv3(hidden))))
        hidden = torch.relu(self.dense(self.dropout(hidden.flatten(1))))
        return self.classifier(self.dropout(hidden))
