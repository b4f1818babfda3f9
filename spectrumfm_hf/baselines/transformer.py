"""Transformer encoder classifier (Vaswani et al., NeurIPS 2017, paper ref. [35])."""

from __future__ import annotations

import torch
from torch import nn

from ..configuration_spectrumfm import SpectrumFMConfigError
from ..modeling_spectrumfm import sinusoidal_position_encoding
from .base import BaselineConfig, BaselineForSequenceClassification


class TransformerConfig(BaselineConfig):
    """Configuration of :class:`TransformerForSequenceClassification`.

    Args:
        patch_size (`int`, defaults to 1): consecutive samples per token (must divide ``num_samples``).
        hidden_size (`int`, defaults to 64): model width d.
        num_hidden_layers (`int`, defaults to 2): encoder layers.
        num_attention_heads (`int`, defaults to 4): attention heads; must divide ``hidden_size``.
        intermediate_size (`int`, defaults to 128): feed-forward width.
        dropout (`float`, defaults to 0.1): dropout in every sub-layer, as in the original.
    """

    model_type = "spectrumfm-baseline-transformer"

    def __init__(self, patch_size: int = 1, hidden_size: int = 64, num_hidden_layers: int = 2,
                 num_attention_heads: int = 4, intermediate_size: int = 128, dropout: float = 0.1, **kwargs):
        self.patch_size = patch_size
        self.hidden_size = hidden_size
        self.num_hidden_layers = num_hidden_layers
        self.num_attention_heads = num_attention_heads
        self.intermediate_size = intermediate_size
        self.dropout = dropout
        super().__init__(**kwargs)
        if self.num_samples % patch_size:
            raise SpectrumFMConfigError(
                f"patch_size must divide num_samples={self.num_samples}, got {patch_size!r}"
            )
        if hidden_size % num_attention_heads:
            raise SpectrumFMConfigError(
                f"num_attention_heads must divide hidden_size={hidden_size}, got {num_attention_heads!r}"
            )


class TransformerForSequenceClassification(BaselineForSequenceClassification):
    """The original post-norm Transformer encoder over the window's samples.

    Each token is ``patch_size`` consecutive (I, Q) samples projected linearly to d, plus
    the sinusoidal position encoding of the original paper; the encoder's outputs are
    averaged over tokens and a Dense maps them to the classes. The sizes (d=64, 2 layers,
    4 heads, feed-forward 128) are ours, scaled to 128-sample windows: the SpectrumFM paper
    cites only the architecture. Attention runs through PyTorch's scaled-dot-product kernel.
    """

    config_class = TransformerConfig

    def __init__(self, config: TransformerConfig):
        super().__init__(config)
        self.embedding = nn.Linear(2 * config.patch_size, config.hidden_size)
        layer = nn.TransformerEncoderLayer(
            config.hidden_size,
            config.num_attention_heads,
            config.intermediate_size,
            config.dropout,
            batch_first=True,
        )
        self.encoder = nn.TransformerEncoder(layer, config.num_hidden_layers, enable_nested_tensor=False)
        self.dropout = nn.Dropout(config.dropout)
        self.classifier = nn.Linear(config.hidden_size, config.num_labels)
        self.post_init()

    def compute_logits(self, input_values: torch.Tensor) -> torch.Tensor:
        tokens = input_values.reshape(input_values.shape[0], -1, 2 * self.config.patch_size)
        # Computed per call (microseconds), so never stored in nor expected from a checkpoint.
        positions = sinusoidal_position_encoding(
            tokens.shape[1], self.config.hidden_size, tokens.device, tokens.dtype
        )
        hidden = self.dropout(self.embedding(tokens) + positions)
        return self.classifier(self.encoder(hidden).mean(dim=1))
