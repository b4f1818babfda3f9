"""VGG-style 1-D CNN (O'Shea, Roy and Clancy, IEEE JSTSP 2018, paper ref. [39])."""

from __future__ import annotations

import torch
from torch import nn

from .base import BaselineConfig, BaselineForSequenceClassification


class VGGConfig(BaselineConfig):
    """Configuration of :class:`VGGForSequenceClassification`.

    Args:
        num_conv_layers (`int`, defaults to 7): convolution + max-pool stages.
        num_filters (`int`, defaults to 64): filters of every convolution.
        kernel_size (`int`, defaults to 3): convolution length, samples.
        dense_size (`int`, defaults to 128): width of the two SELU fully connected layers.
        dropout (`float`, defaults to 0.0): dropout before each fully connected layer.
    """

    model_type = "spectrumfm-baseline-vgg"

    def __init__(
        self,
        num_conv_layers: int = 7,
        num_filters: int = 64,
        kernel_size: int = 3,
        dense_size: int = 128,
        dropout: float = 0.0,
        **kwargs,
    ):
        self.num_conv_layers = num_conv_layers
        self.num_filters = num_filters
        self.kernel_size = kernel_size
        self.dense_size = dense_size
        self.dropout = dropout
        super().__init__(**kwargs)

    @property
    def min_num_samples(self) -> int:
        return 2**self.num_conv_layers  # every pooling halves the time axis


class VGGForSequenceClassification(BaselineForSequenceClassification):
    """O'Shea et al.'s VGG-like network (their Table I): I and Q as two channels of a 1-D signal.

    Sizes from the paper: seven Conv1D (64 filters, length 3) + ReLU + MaxPool 2 stages,
    then two Dense 128 + SELU and a Dense to the classes. Each pooling halves the time axis
    (floor), so 128 samples leave one.
    """

    config_class = VGGConfig

    def __init__(self, config: VGGConfig):
        super().__init__(config)
        layers = []
        in_channels, time = 2, config.num_samples
        for _ in range(config.num_conv_layers):
            layers += [
                nn.Conv1d(in_channels, config.num_filters, config.kernel_size, padding="same"),
                nn.ReLU(),
                nn.MaxPool1d(2),
            ]
            in_channels, time = config.num_filters, time // 2
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Sequential(
            nn.Dropout(config.dropout), nn.Linear(config.num_filters * time, config.dense_size), nn.SELU(),
            nn.Dropout(config.dropout), nn.Linear(config.dense_size, config.dense_size), nn.SELU(),
            nn.Linear(config.dense_size, config.num_labels),
        )
        self.post_init()

    def compute_logits(self, input_values: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(input_values.transpose(1, 2)).flatten(1))
