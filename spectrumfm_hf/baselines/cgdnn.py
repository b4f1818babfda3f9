"""CGDNet: a shallow CNN, a GRU and a DNN (Njoku, Morocho-Cayamela and Lim, IEEE Netw. Lett.
2021, paper ref. [41])."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .base import BaselineConfig, BaselineForSequenceClassification, GaussianDropout, as_iq_image


class CGDNNConfig(BaselineConfig):
    """Configuration of :class:`CGDNNForSequenceClassification`.

    Args:
        num_filters (`int`, defaults to 50): filters of each of the three convolutions.
        kernel_length (`int`, defaults to 6): convolution length along time, samples.
        gru_size (`int`, defaults to 50): GRU units.
        dense_size (`int`, defaults to 256): width of the fully connected layer.
        dropout (`float`, defaults to 0.2): Gaussian-dropout rate after every stage.
    """

    model_type = "spectrumfm-baseline-cgdnn"

    def __init__(
        self,
        num_filters: int = 50,
        kernel_length: int = 6,
        gru_size: int = 50,
        dense_size: int = 256,
        dropout: float = 0.2,
        **kwargs,
    ):
        self.num_filters = num_filters
        self.kernel_length = kernel_length
        self.gru_size = gru_size
        self.dense_size = dense_size
        self.dropout = dropout
        super().__init__(**kwargs)

    @property
    def min_num_samples(self) -> int:
        return 3 * (self.kernel_length - 1) + 1  # three valid convolutions along time


class CGDNNForSequenceClassification(BaselineForSequenceClassification):
    """CGDNet on the 2 x N I/Q image.

    Sizes from the letter as reimplemented in the AMR-Benchmark (Zhang et al.,
    github.com/Richardzhangxx/AMR-Benchmark, ``RML201610a/CGDNet``): three Conv (1x6, 50,
    valid) + ReLU, each followed by a 2x2 stride-1 "same" max-pool and Gaussian dropout 0.2;
    the first and third stages' maps concatenated along time; a GRU of 50 units that reads
    the 50 filter maps as its sequence (each map flattened to one step's features); Dense
    256 + ReLU; Dense to the classes.
    """

    config_class = CGDNNConfig

    def __init__(self, config: CGDNNConfig):
        super().__init__(config)
        kernel = (1, config.kernel_length)
        self.conv1 = nn.Conv2d(1, config.num_filters, kernel)
        self.conv2 = nn.Conv2d(config.num_filters, config.num_filters, kernel)
        self.conv3 = nn.Conv2d(config.num_filters, config.num_filters, kernel)
        self.dropout = GaussianDropout(config.dropout)
        shrink = config.kernel_length - 1
        concatenated_time = (config.num_samples - shrink) + (config.num_samples - 3 * shrink)
        self.gru = nn.GRU(2 * concatenated_time, config.gru_size, batch_first=True)
        self.dense = nn.Linear(config.gru_size, config.dense_size)
        self.classifier = nn.Linear(config.dense_size, config.num_labels)
        self.post_init()

    def _stage(self, conv: nn.Conv2d, hidden: torch.Tensor) -> torch.Tensor:
        hidden = torch.relu(conv(hidden))
        # Keras "same" 2x2 stride-1 pooling pads one row and column after the map.
        hidden = F.max_pool2d(F.pad(hidden, (0, 1, 0, 1), value=float("-inf")), 2, stride=1)
        return self.dropout(hidden)

    def compute_logits(self, input_values: torch.Tensor) -> torch.Tensor:
        first = self._stage(self.conv1, as_iq_image(input_values))
        third = self._stage(self.conv3, self._stage(self.conv2, first))
        maps = torch.cat([first, third], dim=-1).flatten(2)  # (B, filters, 2 * concatenated time)
        _, last_state = self.gru(maps)
        hidden = self.dropout(torch.relu(self.dense(self.dropout(last_state[-1]))))
        return self.classifier(hidden)
