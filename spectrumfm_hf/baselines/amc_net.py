"""AMC-Net: frequency-domain denoising, multi-scale convolution, attention fusion (Zhang, Wang,
Feng and Yang, ICASSP 2023, paper ref. [17])."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ..configuration_spectrumfm import SpectrumFMConfigError
from .base import BaselineConfig, BaselineForSequenceClassification, as_iq_image


class AMCNetConfig(BaselineConfig):
    """Configuration of :class:`AMCNetForSequenceClassification`.

    Args:
        multi_scale_channels (`int`, defaults to 36): channels out of the multi-scale module
            (split evenly over its three kernels; must be a multiple of 3).
        stem_channels (`list[int]`, defaults to `[64, 128, 256]`): channels of the convolution stem.
        num_attention_heads (`int`, defaults to 2): heads of the fusion module; must divide ``num_samples``.
        classifier_size (`int`, defaults to 512): hidden width of the classifier.
        dropout (`float`, defaults to 0.5): dropout on the attention weights and in the classifier.
    """

    model_type = "spectrumfm-baseline-amc-net"

    def __init__(self, multi_scale_channels: int = 36, stem_channels: list[int] | None = None,
                 num_attention_heads: int = 2, classifier_size: int = 512, dropout: float = 0.5, **kwargs):
        self.multi_scale_channels = multi_scale_channels
        self.stem_channels = list(stem_channels) if stem_channels is not None else [64, 128, 256]
        self.num_attention_heads = num_attention_heads
        self.classifier_size = classifier_size
        self.dropout = dropout
        super().__init__(**kwargs)
        if multi_scale_channels % 3:
            raise SpectrumFMConfigError(
                f"multi_scale_channels must be a multiple of 3, got {multi_scale_channels!r}"
            )
        if self.num_samples % num_attention_heads:
            raise SpectrumFMConfigError(
                f"num_attention_heads must divide num_samples={self.num_samples}, got {num_attention_heads!r}"
            )

    min_num_samples = 4  # the correction MLP's bottleneck is num_samples // 4 wide


class AdaptiveCorrection(nn.Module):
    """Denoising in the frequency domain: the spectrum of each of I and Q along time, its real
    and imaginary parts each scaled by a tanh MLP of themselves (N -> N/4 -> N), transformed
    back, and added to the input."""

    def __init__(self, num_samples: int):
        super().__init__()
        self.real_gain = nn.Sequential(nn.Linear(num_samples, num_samples // 4), nn.ReLU(),
                                       nn.Linear(num_samples // 4, num_samples), nn.Tanh())
        self.imaginary_gain = nn.Sequential(nn.Linear(num_samples, num_samples // 4), nn.ReLU(),
                                            nn.Linear(num_samples // 4, num_samples), nn.Tanh())

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        spectrum = torch.fft.fft(image.float(), dim=-1)
        corrected = torch.complex(self.real_gain(spectrum.real) * spectrum.real,
                                  self.imaginary_gain(spectrum.imag) * spectrum.imag)
        return image + torch.fft.ifft(corrected, dim=-1).real.to(image.dtype)


def _conv_block(in_channels: int, out_channels: int, kernel: tuple[int, int]) -> nn.Sequential:
    """Convolution ("same" along time), ReLU, then batch normalisation, as AMC-Net orders them."""
    return nn.Sequential(nn.Conv2d(in_channels, out_channels, kernel, padding=(0, kernel[1] // 2)), nn.ReLU(),
                         nn.BatchNorm2d(out_channels))


class AttentionFusion(nn.Module):
    """Multi-head self-attention across feature channels: each channel's time series is a
    token, projected N -> N for query, key and value; heads are stacked as channels."""

    def __init__(self, num_samples: int, num_heads: int, dropout: float):
        super().__init__()
        self.num_heads = num_heads
        self.dropout = dropout
        self.query = nn.Linear(num_samples, num_samples)
        self.key = nn.Linear(num_samples, num_samples)
        self.value = nn.Linear(num_samples, num_samples)

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        batch, channels, time = hidden.shape
        head_size = time // self.num_heads

        def heads(projection: nn.Linear) -> torch.Tensor:
            return projection(hidden).view(batch, channels, self.num_heads, head_size).transpose(1, 2)

        dropout = self.dropout if self.training else 0.0
        context = F.scaled_dot_product_attention(
            heads(self.query), heads(self.key), heads(self.value), dropout_p=dropout
        )
        return context.reshape(batch, self.num_heads * channels, head_size)


class AMCNetForSequenceClassification(BaselineForSequenceClassification):
    """AMC-Net on the 2 x N I/Q image.

    Sizes from the authors' released code (``models/model.py``, as read in public PyTorch
    and Keras ports of it): adaptive correction module; each window scaled to unit L2 norm
    along time; multi-scale module of three Conv (2 x k, 12 filters) for k = 3, 5, 7, each
    ReLU + BatchNorm, concatenated (36 channels); a stem of Conv (1x3) + ReLU + BatchNorm to
    64, 128, 256 channels; 2-head attention fusion across channels; global average pooling
    over time; Dense 512, dropout 0.5, PReLU, Dense to the classes.
    """

    config_class = AMCNetConfig

    def __init__(self, config: AMCNetConfig):
        super().__init__(config)
        self.correction = AdaptiveCorrection(config.num_samples)
        branch_channels = config.multi_scale_channels // 3
        self.multi_scale = nn.ModuleList(_conv_block(1, branch_channels, (2, k)) for k in (3, 5, 7))
        channels = [config.multi_scale_channels, *config.stem_channels]
        self.stem = nn.Sequential(
            *(_conv_block(c_in, c_out, (1, 3)) for c_in, c_out in zip(channels, channels[1:]))
        )
        self.fusion = AttentionFusion(config.num_samples, config.num_attention_heads, config.dropout)
        self.classifier = nn.Sequential(
            nn.Linear(config.num_attention_heads * channels[-1], config.classifier_size),
            nn.Dropout(config.dropout),
            nn.PReLU(),
            nn.Linear(config.classifier_size, config.num_labels),
        )
        self.post_init()

    def compute_logits(self, input_values: torch.Tensor) -> torch.Tensor:
        image = self.correction(as_iq_image(input_values))
        image = image / image.norm(dim=-1, keepdim=True).clamp_min(torch.finfo(image.dtype).tiny)
        hidden = torch.cat([branch(image) for branch in self.multi_scale], dim=1)
        hidden = self.stem(hidden).squeeze(2)  # (B, channels, N): the 2-row kernels left one row
        return self.classifier(self.fusion(hidden).mean(dim=-1))
