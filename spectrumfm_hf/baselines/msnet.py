"""MSNet: multi-scale feature extraction and fusion (Zhang, Zhou, Wu, Wu and Hu, IEEE TCCN 2022,
paper ref. [40])."""

from __future__ import annotations

import torch
from torch import nn

from .base import BaselineConfig, BaselineForSequenceClassification


class MSNetConfig(BaselineConfig):
    """Configuration of :class:`MSNetForSequenceClassification`.

    Args:
        block_channels (`list[int]`, defaults to `[32, 64, 128]`): output channels of each multi-scale block.
        kernel_sizes (`list[int]`, defaults to `[3, 5, 7]`): lengths of the parallel convolutions, samples.
        dropout (`float`, defaults to 0.5): dropout before the classifier.
    """

    model_type = "spectrumfm-baseline-msnet"

    def __init__(self, block_channels: list[int] | None = None, kernel_sizes: list[int] | None = None,
                 dropout: float = 0.5, **kwargs):
        self.block_channels = list(block_channels) if block_channels is not None else [32, 64, 128]
        self.kernel_sizes = list(kernel_sizes) if kernel_sizes is not None else [3, 5, 7]
        self.dropout = dropout
        super().__init__(**kwargs)


class MultiScaleBlock(nn.Module):
    """Parallel convolutions of several lengths (extraction), concatenated and mixed by a 1x1
    convolution (fusion), added to a 1x1 projection of the input, then a max-pool halving time."""

    def __init__(self, in_channels: int, out_channels: int, kernel_sizes: list[int]):
        super().__init__()
        self.branches = nn.ModuleList(
            nn.Sequential(
                nn.Conv1d(in_channels, out_channels, kernel_size, padding="same"),
                nn.BatchNorm1d(out_channels),
                nn.ReLU(),
            )
            for kernel_size in kernel_sizes
        )
        self.fusion = nn.Sequential(
            nn.Conv1d(len(kernel_sizes) * out_channels, out_channels, 1), nn.BatchNorm1d(out_channels)
        )
        self.shortcut = nn.Conv1d(in_channels, out_channels, 1)
        self.pool = nn.MaxPool1d(2, ceil_mode=True)

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        scales = torch.cat([branch(hidden) for branch in self.branches], dim=1)
        return self.pool(torch.relu(self.fusion(scales) + self.shortcut(hidden)))


class MSNetForSequenceClassification(BaselineForSequenceClassification):
    """Zhang et al.'s scheme: multi-scale blocks over I and Q (two channels of a 1-D signal),
    global average pooling over time, dropout and a Dense to the classes.

    The paper's principle (parallel receptive fields of several sizes, fused, with residual
    connections) is followed; the sizes (three blocks of 32, 64, 128 channels, kernels 3, 5
    and 7) are ours, chosen for 128-sample windows.
    """

    config_class = MSNetConfig

    def __init__(self, config: MSNetConfig):
        super().__init__(config)
        channels = [2, *config.block_channels]  # I and Q in
        self.blocks = nn.Sequential(
            *(MultiScaleBlock(width_in, width_out, config.kernel_sizes)
              for width_in, width_out in zip(channels, channels[1:]))
        )
        self.dropout = nn.Dropout(config.dropout)
        self.classifier = nn.Linear(channels[-1], config.num_labels)
        self.post_init()

    def compute_logits(self, input_values: torch.Tensor) -> torch.Tensor:
        hidden = self.blocks(input_values.transpose(1, 2)).mean(dim=-1)
        return self.classifier(self.dropout(hidden))
