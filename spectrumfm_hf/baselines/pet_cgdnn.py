"""PET-CGDNN: parameter estimation and transformation before a CNN-GRU classifier (F. Zhang et
al., "An efficient deep learning model for automatic modulation recognition based on parameter
estimation and transformation", IEEE Commun. Lett. 2021), the CGDNet variant (paper ref. [41])
that the RML benchmarks also report."""

from __future__ import annotations

import torch
from torch import nn

from .base import BaselineConfig, BaselineForSequenceClassification


class PETCGDNNConfig(BaselineConfig):
    """Configuration of :class:`PETCGDNNForSequenceClassification`.

    Args:
        spatial_filters (`int`, defaults to 75): filters of the 8x2 convolution across I and Q.
        temporal_filters (`int`, defaults to 25): filters of the 5x1 convolution along time.
        gru_size (`int`, defaults to 128): GRU units.
    """

    model_type = "spectrumfm-baseline-pet-cgdnn"
    min_num_samples = 12  # the 8- and 5-sample valid convolutions

    def __init__(self, spatial_filters: int = 75, temporal_filters: int = 25, gru_size: int = 128, **kwargs):
        self.spatial_filters = spatial_filters
        self.temporal_filters = temporal_filters
        self.gru_size = gru_size
        super().__init__(**kwargs)


class PETCGDNNForSequenceClassification(BaselineForSequenceClassification):
    """Estimates one phase offset per window (a Dense from the flattened window to one angle),
    de-rotates the I/Q samples by it, then Conv (8x2, 75) + ReLU across I and Q, Conv (5x1, 25)
    + ReLU along time, a GRU of 128 units over the remaining samples, and a Dense to the classes.

    Sizes from the letter as reimplemented in the AMR-Benchmark (Zhang et al.,
    github.com/Richardzhangxx/AMR-Benchmark, ``RML201610a/PET-CGDNN``).
    """

    config_class = PETCGDNNConfig

    def __init__(self, config: PETCGDNNConfig):
        super().__init__(config)
        self.phase_estimator = nn.Linear(2 * config.num_samples, 1)
        self.spatial = nn.Conv2d(1, config.spatial_filters, (8, 2))
        self.temporal = nn.Conv2d(config.spatial_filters, config.temporal_filters, (5, 1))
        self.gru = nn.GRU(config.temporal_filters, config.gru_size, batch_first=True)
        self.classifier = nn.Linear(config.gru_size, config.num_labels)
        self.post_init()

    def compute_logits(self, input_values: torch.Tensor) -> torch.Tensor:
        phase = self.phase_estimator(input_values.flatten(1))  # (B, 1), radians
        in_phase, quadrature = input_values[..., 0], input_values[..., 1]
        cos, sin = torch.cos(phase), torch.sin(phase)
        derotated = torch.stack(
            [in_phase * cos + quadrature * sin, quadrature * cos - in_phase * sin], dim=-1
        )
        hidden = torch.relu(self.spatial(derotated.unsqueeze(1)))  # (B, filters, N - 7, 1)
        hidden = torch.relu(self.temporal(hidden)).squeeze(-1).transpose(1, 2)  # (B, N - 11, filters)
        _, last_state = self.gru(hidden)
        return self.classifier(last_state[-1])
