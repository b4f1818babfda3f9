"""CNN2 (the four-layer CNN of the RML benchmarks, after O'Shea, Roy and Clancy, paper ref. [39])."""

from __future__ import annotations

import torch
from torch import nn

from .base import BaselineConfig, BaselineForSequenceClassification, as_iq_image, same_padding


class CNN2Config(BaselineConfig):
    """Configuration of :class:`CNN2ForSequenceClassification`.

    Args:
        conv_filters (`list[int]`, defaults to `[256, 128, 64, 64]`): filters per convolution.
        kernel_size (`list[int]`, defaults to `[2, 8]`): (I/Q rows, samples) of every convolution.
        dense_size (`int`, defaults to 128): width of the fully connected layer.
        dropout (`float`, defaults to 0.5): dropout after each convolution stage.
    """

    model_type = "spectrumfm-baseline-cnn2"

    def __init__(self, conv_filters: list[int] | None = None, kernel_size: list[int] | None = None,
                 dense_size: int = 128, dropout: float = 0.5, **kwargs):
        self.conv_filters = list(conv_filters) if conv_filters is not None else [256, 128, 64, 64]
        self.kernel_size = list(kernel_size) if kernel_size is not None else [2, 8]
        self.dense_size = dense_size
        self.dropout = dropout
        super().__init__(**kwargs)

    @property
    def min_num_samples(self) -> int:
        return 2 ** len(self.conv_filters)  # every pooling halves the time axis


class CNN2ForSequenceClassification(BaselineForSequenceClassification):
    """Four Conv2D (2x8, "same") + ReLU + MaxPool (1x2) + dropout stages on the 2 x N I/Q image.

    Sizes from the AMR-Benchmark (Zhang et al., github.com/Richardzhangxx/AMR-Benchmark,
    ``RML201610a/CNN2``): filters 256, 128, 64, 64, dropout 0.5, Dense 128 + ReLU, Dense to
    the classes.
    """

    config_class = CNN2Config

    def __init__(self, config: CNN2Config):
        super().__init__(config)
        layers = []
        in_channels, time = 1, config.num_samples
        for filters in config.conv_filters:
            layers += [
                nn.ZeroPad2d(same_padding(config.kernel_size)),
                nn.Conv2d(in_channels, filters, tuple(config.kernel_size)),
                nn.ReLU(),
                nn.MaxPool2d((1, 2)),
                nn.Dropout(config.dropout),
            ]
            in_channels, time = filters, time // 2
        self.features = nn.Sequential(*layers)
        self.dense = nn.Linear(in_channels * 2 * time, config.dense_size)
        self.classifier = nn.Linear(config.dense_size, config.num_labels)
        self.post_init()

    def compute_logits(self, input_values: torch.Tensor) -> torch.Tensor:
        hidden = self.features(as_iq_image(input_values)).flatten(1)
        return self.classifier(torch.relu(self.dense(hidden)))
