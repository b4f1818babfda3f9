"""MCNet (Huynh-The, Hua, Pham and Kim, IEEE Commun. Lett. 2020, paper ref. [43])."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .base import BaselineConfig, BaselineForSequenceClassification, as_iq_image

# Halvings of the time axis from the input to the classifier: stem convolution and pooling,
# pre-block, and the three down-sampling M-blocks (the first one halves twice).
_TIME_HALVINGS = 7


def _conv(in_channels: int, out_channels: int, kernel: tuple[int, int], stride: int = 1) -> nn.Conv2d:
    """ReLU-activated convolutions of MCNet use "same" padding; stride halves the time axis (ceil)."""
    padding = (kernel[0] // 2, kernel[1] // 2)
    return nn.Conv2d(in_channels, out_channels, kernel, stride=(1, stride), padding=padding)


def _time_pool(hidden: torch.Tensor, kind: str = "max") -> torch.Tensor:
    """1x3 pooling with stride 2 along time, output ceil(W / 2) as in Keras "same"."""
    if kind == "max":
        return F.max_pool2d(hidden, (1, 3), stride=(1, 2), padding=(0, 1))
    return F.avg_pool2d(hidden, (1, 3), stride=(1, 2), padding=(0, 1), count_include_pad=False)


class MCNetConfig(BaselineConfig):
    """Configuration of :class:`MCNetForSequenceClassification`.

    Args:
        stem_filters (`int`, defaults to 64): filters of the 3x7 stem convolution.
        squeeze_filters (`int`, defaults to 32): the 1x1 convolution opening each M-block, and
            its 1x1 path.
        branch_filters (`int`, defaults to 48): filters of each M-block's 3x1 and 1x3 paths
            (doubled in the last block).
        dropout (`float`, defaults to 0.5): dropout before the classifier.
    """

    model_type = "spectrumfm-baseline-mcnet"

    def __init__(self, stem_filters: int = 64, squeeze_filters: int = 32, branch_filters: int = 48,
                 dropout: float = 0.5, **kwargs):
        self.stem_filters = stem_filters
        self.squeeze_filters = squeeze_filters
        self.branch_filters = branch_filters
        self.dropout = dropout
        super().__init__(**kwargs)


class MCNetBlock(nn.Module):
    """An M-block: a 1x1 squeeze, then 3x1 (across I/Q), 1x3 (along time) and 1x1 paths, concatenated.

    With ``downsample`` the three paths halve the time axis (pooling or stride 2); with
    ``pre_pool`` the block's input is max-pooled first (the first M-block).
    """

    def __init__(
        self, in_channels: int, squeeze: int, branch: int, skip: int, downsample: bool, pre_pool: bool = False
    ):
        super().__init__()
        self.downsample = downsample
        self.pre_pool = pre_pool
        stride = 2 if downsample else 1
        self.squeeze = _conv(in_channels, squeeze, (1, 1))
        self.spatial = _conv(squeeze, branch, (3, 1))
        self.temporal = _conv(squeeze, branch, (1, 3), stride=stride)
        self.pointwise = _conv(squeeze, skip, (1, 1), stride=stride)
        self.out_channels = skip + 2 * branch

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        if self.pre_pool:
            hidden = _time_pool(hidden)
        hidden = torch.relu(self.squeeze(hidden))
        spatial = torch.relu(self.spatial(hidden))
        if self.downsample:
            spatial = _time_pool(spatial)
        temporal = torch.relu(self.temporal(hidden))
        pointwise = torch.relu(self.pointwise(hidden))
        return torch.cat([pointwise, spatial, temporal], dim=1)


class MCNetForSequenceClassification(BaselineForSequenceClassification):
    """MCNet: asymmetric-kernel M-blocks with skip connections on the 2 x N I/Q image.

    Layer sizes from the letter as reimplemented in the AMR-Benchmark (Zhang et al.,
    github.com/Richardzhangxx/AMR-Benchmark, ``RML201610a/MCNET``): stem Conv (3x7, 64,
    stride 2) + max-pool; pre-block of Conv (3x1, 32) + average-pool beside Conv (1x3, 32,
    stride 2); six M-blocks (squeeze 32, paths 48/48/32; 96/96/64 in the last), the first,
    third and fifth down-sampling, each added to a shortcut (a strided 1x1 convolution and
    max-pool for the first, 2x2 max-pools for the third and fifth, identity otherwise); the
    last block's output concatenated with its input, 2x1 average-pool, dropout 0.5, Dense.
    """

    config_class = MCNetConfig

    def __init__(self, config: MCNetConfig):
        super().__init__(config)
        squeeze, branch = config.squeeze_filters, config.branch_filters
        block_channels = squeeze + 2 * branch
        self.stem = _conv(1, config.stem_filters, (3, 7), stride=2)
        self.pre_spatial = _conv(config.stem_filters, squeeze, (3, 1))
        self.pre_temporal = _conv(config.stem_filters, squeeze, (1, 3), stride=2)
        self.shortcut = _conv(2 * squeeze, block_channels, (1, 1), stride=2)
        self.blocks = nn.ModuleList(
            [
                MCNetBlock(2 * squeeze, squeeze, branch, squeeze, downsample=True, pre_pool=True),
                MCNetBlock(block_channels, squeeze, branch, squeeze, downsample=False),
                MCNetBlock(block_channels, squeeze, branch, squeeze, downsample=True),
                MCNetBlock(block_channels, squeeze, branch, squeeze, downsample=False),
                MCNetBlock(block_channels, squeeze, branch, squeeze, downsample=True),
                MCNetBlock(block_channels, squeeze, 2 * branch, 2 * squeeze, downsample=False),
            ]
        )
        final_time = config.num_samples
        for _ in range(_TIME_HALVINGS):
            final_time = -(-final_time // 2)
        self.dropout = nn.Dropout(config.dropout)
        classifier_inputs = (self.blocks[-1].out_channels + block_channels) * final_time
        self.classifier = nn.Linear(classifier_inputs, config.num_labels)
        self.post_init()

    def compute_logits(self, input_values: torch.Tensor) -> torch.Tensor:
        hidden = _time_pool(torch.relu(self.stem(as_iq_image(input_values))))
        spatial = _time_pool(torch.relu(self.pre_spatial(hidden)), "avg")
        hidden = torch.cat([spatial, torch.relu(self.pre_temporal(hidden))], dim=1)
        hidden = self.blocks[0](hidden) + _time_pool(torch.relu(self.shortcut(hidden)))
        for block in self.blocks[1:5]:
            if block.downsample:
                # 2x2 max-pool, stride 2 along time only: pad one row so the I/Q axis keeps 2 rows.
                padded = F.pad(hidden, (0, 0, 0, 1), value=float("-inf"))
                shortcut = F.max_pool2d(padded, (2, 2), stride=(1, 2), ceil_mode=True)
            else:
                shortcut = hidden
            hidden = block(hidden) + shortcut
        hidden = torch.cat([self.blocks[5](hidden), hidden], dim=1)
        hidden = F.avg_pool2d(hidden, (2, 1))
        return self.classifier(self.dropout(hidden.flatten(1)))
