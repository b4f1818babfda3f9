# Copyright 2026 The spectrumfm_hf authors. All rights reserved.
#
# Licensed under the Apache License, Version 2.0 (the "License");
# you may not use this file except in compliance with the License.
# You may obtain a copy of the License at
#
#     http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS,
# WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
# See the License for the specific language governing permissions and
# limitations under the License.
"""PyTorch SpectrumFM: the encoder of the paper (eq. 8-19) and its task heads (eq. 20-29).

Read top to bottom: input checks, positions, the four modules of an encoder layer
(feed-forward, self-attention, convolution, feed-forward), the layer and the encoder, the
symbol masking, the task heads' layers, then ``SpectrumFMPreTrainedModel`` (initialisation and
checkpoint checks), the base model and the models for pre-training, classification
(modulation, technology, spectrum sensing) and anomaly detection.

Shapes: ``B`` windows, ``N`` symbols per window, ``C`` input channels (amplitude, phase),
``d`` hidden size, ``H`` heads.

Where a configuration switch chooses between the paper's behaviour and the authors' released
code, the branch is marked ``# CODEPATH:``.
"""

from __future__ import annotations

import copy
import json
import math
import os
import re
from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from safetensors import SafetensorError, safe_open
from torch import nn
from transformers import PreTrainedModel
from transformers.activations import ACT2FN
from transformers.modeling_layers import GradientCheckpointingLayer
from transformers.modeling_outputs import BaseModelOutput, SequenceClassifierOutput
from transformers.modeling_utils import ALL_ATTENTION_FUNCTIONS
from transformers.utils import ModelOutput

from .configuration_spectrumfm import (
    SpectrumFMConfig,
    SpectrumFMConfigError,
    SpectrumFMInputError,
    SpectrumFMInputTypeError,
)

try:  # transformers >= 5: initialisers that leave weights loaded from a checkpoint alone
    from transformers import initialization as _init
except ImportError:  # transformers 4.x
    _init = nn.init

try:
    from transformers.utils.generic import can_return_tuple
except ImportError:  # transformers < 4.50

    def can_return_tuple(forward):
        """Return ``output.to_tuple()`` when ``return_dict=False`` is passed or configured."""

        def wrapper(self, *args, **kwargs):
            return_dict = kwargs.pop("return_dict", None)
            return_dict = return_dict if return_dict is not None else self.config.return_dict
            output = forward(self, *args, **kwargs)
            return output if return_dict or isinstance(output, tuple) else output.to_tuple()

        return wrapper


class SpectrumFMCheckpointError(SpectrumFMConfigError, RuntimeError):
    """A checkpoint that does not fit its configuration, or cannot be read.

    Also a ``RuntimeError``, which is what transformers raises for mismatched sizes, so that
    callers catching that keep working (and may retry with ``ignore_mismatched_sizes=True``).
    """


# --------------------------------------------------------------------------------------
# Input checks: raised where bad values enter, never deep inside a matmul.
# --------------------------------------------------------------------------------------


# Slack on the [0, 1] input range for rounding (bf16 inputs, user-side noise).
INPUT_RANGE_TOLERANCE = 1e-2
# Floating dtypes the model computes in; float8 and complex types have no LayerNorm or GEMM here.
INPUT_DTYPES = (torch.float16, torch.bfloat16, torch.float32, torch.float64)
MASK_DTYPES = (torch.bool, torch.uint8, torch.int8, torch.int16, torch.int32, torch.int64, *INPUT_DTYPES)


def _is_compiling() -> bool:
    """True while dynamo or ``torch.export`` traces: value checks would be data-dependent branches."""
    compiler = getattr(torch, "compiler", None)
    if compiler is None:
        return False
    return compiler.is_compiling() or (hasattr(compiler, "is_exporting") and compiler.is_exporting())


def _check_tensor(value, name: str, expected: str, dtypes: tuple[torch.dtype, ...]) -> None:
    """Refuse non-tensors, sparse or meta tensors and unsupported dtypes, naming ``expected``."""
    if not isinstance(value, torch.Tensor):
        raise SpectrumFMInputTypeError(f"{name} must be a torch.Tensor ({expected}), got {type(value).__name__}")
    if value.layout != torch.strided:
        raise SpectrumFMInputTypeError(f"{name} must be a dense (strided) tensor ({expected}), got layout {value.layout}")
    if value.device.type == "meta":
        raise SpectrumFMInputTypeError(f"{name} must hold data ({expected}), got a tensor on the meta device")
    if value.dtype not in dtypes:
        allowed = ", ".join(str(dtype).removeprefix("torch.") for dtype in dtypes)
        raise SpectrumFMInputTypeError(f"{name} must have dtype {allowed} ({expected}), got dtype {value.dtype}")


def check_input_values(input_values, config: SpectrumFMConfig) -> None:
    """Validate a batch of windows ``(B, N, C)``; raise a SpectrumFM input error naming the problem."""
    expected = f"floating point, shape (batch, symbols, {config.num_input_channels})"
    if not isinstance(input_values, torch.Tensor):
        raise SpectrumFMInputTypeError(
            f"input_values must be a torch.Tensor of shape (batch, symbols, {config.num_input_channels}), "
            f"got {type(input_values).__name__}; use SpectrumFMFeatureExtractor(..., return_tensors='pt')"
        )
    _check_tensor(input_values, "input_values", expected, INPUT_DTYPES)
    if input_values.ndim != 3 or input_values.shape[-1] != config.num_input_channels:
        raise SpectrumFMInputError(
            f"input_values must have shape (batch, symbols, {config.num_input_channels}), got {tuple(input_values.shape)}"
        )
    batch_size, num_symbols, _ = input_values.shape
    if batch_size == 0 or num_symbols == 0:
        raise SpectrumFMInputError(f"input_values must hold at least one window of one symbol, got {tuple(input_values.shape)}")
    if num_symbols > config.max_position_embeddings:
        raise SpectrumFMInputError(
            f"input_values has {num_symbols} symbols per window, more than max_position_embeddings="
            f"{config.max_position_embeddings}; window long captures with SpectrumFMFeatureExtractor"
        )
    if _is_compiling():
        return
    if not torch.isfinite(input_values).all():
        raise SpectrumFMInputError("input_values contains NaN or Inf")
    if config.validate_input_range and config.input_normalisation == "unit-power":
        # Mean power 1 over N symbols bounds every magnitude by sqrt(N).
        peak, bound = float(input_values.abs().max()), math.sqrt(num_symbols) + INPUT_RANGE_TOLERANCE
        if peak > bound:
            raise SpectrumFMInputError(
                f"input_values must be I/Q windows at unit mean power (input_normalisation='unit-power'), whose "
                f"magnitudes stay below sqrt({num_symbols}) = {bound:.3g}, got a value of magnitude {peak:.4g}; "
                "prepare IQ with SpectrumFMFeatureExtractor(representation='iq-unit-power')"
            )
    elif config.validate_input_range:
        low, high = float(input_values.min()), float(input_values.max())
        if low < -INPUT_RANGE_TOLERANCE or high > 1.0 + INPUT_RANGE_TOLERANCE:
            raise SpectrumFMInputError(
                f"input_values must be min-max normalised to [0, 1] (eq. 7), got values in [{low:.4g}, {high:.4g}]; "
                "prepare IQ with SpectrumFMFeatureExtractor, or set config.validate_input_range=False for "
                "another normalisation"
            )


def _check_symbol_mask(mask, name: str, shape: tuple[int, int], prefix: bool = False) -> torch.Tensor | None:
    """Validate a (B, N) 0/1 mask and return it as bool, or None.

    Args:
        prefix: require each row to be ones then zeros (real symbols, then padding): the
            next-slot target and the classifier's pooled state are the last real symbol.
    """
    if mask is None:
        return None
    _check_tensor(mask, name, f"0/1 of shape {tuple(shape)}", MASK_DTYPES)
    if tuple(mask.shape) != tuple(shape):
        raise SpectrumFMInputError(f"{name} must have shape {tuple(shape)} (batch, symbols), got {tuple(mask.shape)}")
    if mask.dtype != torch.bool:
        if not _is_compiling() and not ((mask == 0) | (mask == 1)).all():
            raise SpectrumFMInputError(f"{name} must contain only 0 and 1")
        mask = mask != 0
    if prefix and not _is_compiling() and bool((mask[:, 1:] & ~mask[:, :-1]).any()):
        rows = torch.nonzero((mask[:, 1:] & ~mask[:, :-1]).any(dim=1)).flatten()[:5].tolist()
        raise SpectrumFMInputError(
            f"{name} must mark real symbols as a prefix (ones, then zeros for padding at the end), got a 1 after "
            f"a 0 in rows {rows}; put the padding after the real symbols"
        )
    return mask


# --------------------------------------------------------------------------------------
# Positions
# --------------------------------------------------------------------------------------


def sinusoidal_position_encoding(num_positions: int, hidden_size: int, device=None, dtype=torch.float32) -> torch.Tensor:
    """Eq. 9: ``PE[p, 2i] = sin(p / 10000^(2i/d))``, ``PE[p, 2i+1] = cos(p / 10000^(2i/d))``, shape (N, d).

    Computed on the fly (a few microseconds) rather than stored, so that it is never saved in,
    nor expected from, a checkpoint.
    """
    position = torch.arange(num_positions, device=device, dtype=torch.float32).unsqueeze(1)
    even_dims = torch.arange(0, hidden_size, 2, device=device, dtype=torch.float32)
    angle = position / torch.pow(10000.0, even_dims / hidden_size)
    encoding = torch.zeros(num_positions, hidden_size, device=device, dtype=torch.float32)
    encoding[:, 0::2] = torch.sin(angle)
    encoding[:, 1::2] = torch.cos(angle[:, : hidden_size // 2])
    return encoding.to(dtype)


class SpectrumFMEmbeddings(nn.Module):
    """Eq. 8-10: kernel-1 convolution C -> d, plus the sinusoidal encoding when configured."""

    def __init__(self, config: SpectrumFMConfig):
        super().__init__()
        self.config = config
        # Eq. 8 is a kernel-1 convolution without bias, i.e. the same map at every position:
        # held as a Linear layer, it runs on (B, N, C) without transposes.
        self.projection = nn.Linear(config.num_input_channels, config.hidden_size, bias=False)
        self.projection.fan_in_init = True  # see SpectrumFMPreTrainedModel._init_weights
        self.dropout = nn.Dropout(config.hidden_dropout_prob)

    def forward(self, input_values: torch.Tensor) -> torch.Tensor:
        hidden_states = self.projection(input_values)
        # CODEPATH: "sinusoidal" adds eq. 9-10's absolute encoding (paper); "relative" adds
        # nothing here and biases attention instead (authors' code).
        if self.config.position_embedding_type == "sinusoidal":
            hidden_states = hidden_states + sinusoidal_position_encoding(
                hidden_states.shape[1], self.config.hidden_size, hidden_states.device, hidden_states.dtype
            )
        return self.dropout(hidden_states)


# --------------------------------------------------------------------------------------
# The four modules of an encoder layer
# --------------------------------------------------------------------------------------


class SpectrumFMFeedForward(nn.Module):
    """Eq. 11 / 18 without the residual: ``GELU(x W1 + b1) W2 + b2``."""

    def __init__(self, config: SpectrumFMConfig):
        super().__init__()
        self.fc1 = nn.Linear(config.hidden_size, config.intermediate_size)
        self.activation = ACT2FN[config.hidden_act]
        self.fc2 = nn.Linear(config.intermediate_size, config.hidden_size)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)

    def forward(self, hidden_states: torch.Tensor) -> torch.Tensor:
        return self.dropout(self.fc2(self.activation(self.fc1(hidden_states))))


def eager_attention_forward(
    module: nn.Module,
    query: torch.Tensor,
    key: torch.Tensor,
    value: torch.Tensor,
    attention_mask: torch.Tensor | None,
    scaling: float,
    dropout: float = 0.0,
    **kwargs,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Eq. 13: ``softmax(Q K^T * scaling + bias) V`` per head, written out so that the weights are returned.

    Args:
        query, key, value: (B, H, N, d/H).
        attention_mask: additive bias broadcastable to (B, H, N, N), or None.
        scaling: factor on the scores, ``1 / sqrt(d/H)``.
        dropout: dropout probability on the attention weights.

    Returns the context (B, N, H, d/H) and the weights (B, H, N, N).
    """
    scores = torch.matmul(query, key.transpose(2, 3)) * scaling
    if attention_mask is not None:
        scores = scores + attention_mask
    # Softmax in fp32 so that bf16/fp16 rows still sum to one.
    weights = torch.softmax(scores, dim=-1, dtype=torch.float32).to(query.dtype)
    weights = F.dropout(weights, p=dropout, training=module.training)
    context = torch.matmul(weights, value).transpose(1, 2).contiguous()
    return context, weights


class SpectrumFMSelfAttention(nn.Module):
    """Eq. 12-14 (and 21 with a mask): multi-head self-attention without projection biases.

    The attention function comes from ``ALL_ATTENTION_FUNCTIONS`` under
    ``config._attn_implementation`` ("sdpa" by default), so ``model.set_attn_implementation()``
    switches it; :func:`eager_attention_forward` serves "eager" and any request for the weights.
    """

    def __init__(self, config: SpectrumFMConfig):
        super().__init__()
        self.config = config
        self.num_heads = config.num_attention_heads
        self.head_dim = config.head_dim
        self.scaling = self.head_dim**-0.5
        self.is_causal = False  # every symbol attends to the whole window
        self.query = nn.Linear(config.hidden_size, config.hidden_size, bias=False)
        self.key = nn.Linear(config.hidden_size, config.hidden_size, bias=False)
        self.value = nn.Linear(config.hidden_size, config.hidden_size, bias=False)
        self.output = nn.Linear(config.hidden_size, config.hidden_size, bias=False)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)
        # CODEPATH: "relative" learns one scalar per head and offset j - i in [-(N-1), N-1]
        # (authors' code); the paper's "sinusoidal" path has no attention bias.
        if config.position_embedding_type == "relative":
            self.relative_position_bias = nn.Parameter(
                torch.zeros(config.num_attention_heads, 2 * config.max_position_embeddings - 1)
            )
        else:
            self.relative_position_bias = None

    def position_bias(self, num_symbols: int, dtype: torch.dtype) -> torch.Tensor | None:
        """(1, H, N, N) additive bias from the relative-position table, or None."""
        if self.relative_position_bias is None:
            return None
        positions = torch.arange(num_symbols, device=self.relative_position_bias.device)
        offsets = positions[None, :] - positions[:, None] + (self.config.max_position_embeddings - 1)
        return self.relative_position_bias[:, offsets].unsqueeze(0).to(dtype)

    def forward(
        self,
        hidden_states: torch.Tensor,
        key_padding_bias: torch.Tensor | None = None,
        output_attentions: bool = False,
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        batch_size, num_symbols, hidden_size = hidden_states.shape
        heads = (batch_size, num_symbols, self.num_heads, self.head_dim)
        query = self.query(hidden_states).view(heads).transpose(1, 2)
        key = self.key(hidden_states).view(heads).transpose(1, 2)
        value = self.value(hidden_states).view(heads).transpose(1, 2)

        bias = self.position_bias(num_symbols, query.dtype)
        if key_padding_bias is not None:
            key_padding_bias = key_padding_bias.to(query.dtype)
            bias = key_padding_bias if bias is None else bias + key_padding_bias

        # Fused kernels do not return the weights: asking for them takes the eager path.
        implementation = "eager" if output_attentions else self.config._attn_implementation
        attention_interface: Callable = ALL_ATTENTION_FUNCTIONS.get_interface(implementation, eager_attention_forward)
        context, weights = attention_interface(
            self,
            query,
            key,
            value,
            bias,
            dropout=self.config.attention_probs_dropout_prob if self.training else 0.0,
            scaling=self.scaling,
            is_causal=False,
        )
        context = context.reshape(batch_size, num_symbols, hidden_size)
        return self.dropout(self.output(context)), (weights if output_attentions else None)


class SpectrumFMConvolutionModule(nn.Module):
    """Eq. 15-17 without the residual: pointwise d -> 2d + GLU, depthwise k + swish, pointwise d -> d.

    The two pointwise (kernel-1) convolutions are held as ``nn.Linear`` layers: the same map,
    applied to (B, N, d) without transposes, several times faster on CPU than a kernel-1
    ``Conv1d`` and a plain target for LoRA. The depthwise convolution keeps its ``Conv1d``
    parameters but runs as a 1 x k ``conv2d`` on a channels-last view of the (B, N, d)
    activations: no transposed copies in or out, and oneDNN's channels-last depthwise kernel,
    which forward and backward took 0.8 ms against 86 ms for ``conv1d`` on transposed input
    (B=16, N=128, d=256, 2 threads, measured side by side).
    """

    def __init__(self, config: SpectrumFMConfig):
        super().__init__()
        d = config.hidden_size
        # Eq. 15 and 17 have no bias; eq. 16 has b_k2.
        self.pointwise_conv1 = nn.Linear(d, 2 * d, bias=False)
        self.glu = nn.GLU(dim=-1)
        self.depthwise_conv = nn.Conv1d(
            d, d, kernel_size=config.conv_kernel_size, padding=config.conv_kernel_size // 2, groups=d, bias=True
        )
        # CODEPATH: "none" follows eq. 16 (paper); "batch_norm" normalises the depthwise output (authors' code).
        self.batch_norm = nn.BatchNorm1d(d) if config.conv_norm == "batch_norm" else None
        self.activation = nn.SiLU()  # swish
        self.pointwise_conv2 = nn.Linear(d, d, bias=False)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)

    def forward(self, hidden_states: torch.Tensor, padding_mask: torch.Tensor | None = None) -> torch.Tensor:
        hidden_states = self.glu(self.pointwise_conv1(hidden_states))
        if padding_mask is not None:
            # Padded symbols must not leak into their valid neighbours through the kernel.
            hidden_states = hidden_states * padding_mask[..., None].to(hidden_states.dtype)
        # (B, N, d) memory is the channels-last layout of a (B, d, 1, N) image: a view, not a copy.
        image = hidden_states.transpose(1, 2).unsqueeze(2)
        conv = self.depthwise_conv
        image = F.conv2d(image, conv.weight.unsqueeze(2), conv.bias, padding=(0, conv.padding[0]), groups=conv.groups)
        if self.batch_norm is not None:
            image = self.batch_norm(image.squeeze(2)).unsqueeze(2)
        hidden_states = self.activation(image.squeeze(2).transpose(1, 2))
        return self.dropout(self.pointwise_conv2(hidden_states))


class SpectrumFMEncoderLayer(GradientCheckpointingLayer):
    """One encoder layer (eq. 11-18): FFN -> MHSA -> convolution -> FFN, each with residual and norm.

    Norm placement: the paper's "RN" is a residual add followed by LayerNorm (post-norm), and
    its text gives every module one, the last FFN included although eq. 18 omits it; the
    authors' code is post-norm too. That is the default. ``norm_placement="pre"`` normalises
    each module's input instead (``x + f(LN(x))``), which keeps a 16-layer stack trainable at
    higher learning rates without warm-up. ``feed_forward_residual_weight`` scales both FFN
    outputs (0.5 gives the authors' half-step macaron residuals).

    As a ``GradientCheckpointingLayer``, it is recomputed in the backward pass when
    ``model.activation_checkpointing_enable(every_n_layers=...)`` selects it.
    """

    def __init__(self, config: SpectrumFMConfig):
        super().__init__()
        # CODEPATH: "post" is the paper's RN and the authors' code; "pre" is this package's option.
        self.pre_norm = config.norm_placement == "pre"
        # CODEPATH: 1.0 in the paper, 0.5 (macaron half step) in the authors' code.
        self.ffn_weight = config.feed_forward_residual_weight
        self.ffn1 = SpectrumFMFeedForward(config)
        self.ffn1_layer_norm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.self_attn = SpectrumFMSelfAttention(config)
        self.self_attn_layer_norm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.conv_module = SpectrumFMConvolutionModule(config)
        self.conv_layer_norm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.ffn2 = SpectrumFMFeedForward(config)
        self.ffn2_layer_norm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)

    def _residual(self, hidden_states, norm, module, weight=1.0, **kwargs):
        """Residual connection and normalisation ("RN") around ``module``; returns (states, attention)."""
        out = module(norm(hidden_states) if self.pre_norm else hidden_states, **kwargs)
        attn = None
        if isinstance(out, tuple):
            out, attn = out
        if weight != 1.0:
            out = weight * out
        return (hidden_states + out, attn) if self.pre_norm else (norm(hidden_states + out), attn)

    def forward(
        self,
        hidden_states: torch.Tensor,
        key_padding_bias: torch.Tensor | None = None,
        padding_mask: torch.Tensor | None = None,
        output_attentions: bool = False,
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        hidden_states, _ = self._residual(hidden_states, self.ffn1_layer_norm, self.ffn1, self.ffn_weight)  # eq. 11
        hidden_states, attn_weights = self._residual(  # eq. 12-14
            hidden_states, self.self_attn_layer_norm, self.self_attn,
            key_padding_bias=key_padding_bias, output_attentions=output_attentions,
        )
        hidden_states, _ = self._residual(  # eq. 15-17
            hidden_states, self.conv_layer_norm, self.conv_module, padding_mask=padding_mask
        )
        hidden_states, _ = self._residual(hidden_states, self.ffn2_layer_norm, self.ffn2, self.ffn_weight)  # eq. 18
        return hidden_states, attn_weights


class SpectrumFMEncoder(nn.Module):
    """Eq. 19: L encoder layers, with a final LayerNorm in the pre-norm placement."""

    def __init__(self, config: SpectrumFMConfig):
        super().__init__()
        self.layers = nn.ModuleList([SpectrumFMEncoderLayer(config) for _ in range(config.num_hidden_layers)])
        self.final_layer_norm = (
            nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps) if config.norm_placement == "pre" else None
        )

    def forward(
        self,
        hidden_states: torch.Tensor,
        key_padding_bias: torch.Tensor | None = None,
        padding_mask: torch.Tensor | None = None,
        output_attentions: bool = False,
        output_hidden_states: bool = False,
    ) -> BaseModelOutput:
        all_hidden_states = (hidden_states,) if output_hidden_states else None
        all_attentions = () if output_attentions else None
        for layer in self.layers:
            # Positional, so that a checkpointed layer receives the hidden states as a tensor argument.
            hidden_states, attn_weights = layer(hidden_states, key_padding_bias, padding_mask, output_attentions)
            if output_hidden_states:
                all_hidden_states = all_hidden_states + (hidden_states,)
            if output_attentions:
                all_attentions = all_attentions + (attn_weights,)
        if self.final_layer_norm is not None:
            hidden_states = self.final_layer_norm(hidden_states)
            if output_hidden_states:
                all_hidden_states = all_hidden_states[:-1] + (hidden_states,)
        return BaseModelOutput(
            last_hidden_state=hidden_states, hidden_states=all_hidden_states, attentions=all_attentions
        )


# --------------------------------------------------------------------------------------
# Masking and the task heads' layers
# --------------------------------------------------------------------------------------


class SpectrumFMMasking(nn.Module):
    """Eq. 20: the symbol mask m ~ Bernoulli(1 - r), True where a symbol stays visible.

    The mask only says which symbols are hidden; the encoder zeroes them in the input and
    hides them as attention keys (eq. 21).
    """

    def __init__(self, config: SpectrumFMConfig):
        super().__init__()
        self.mask_ratio = config.mask_ratio

    def forward(self, input_values: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        """Draw a (B, N) bool mask for ``input_values`` (B, N, C) from ``generator`` (the global one if None)."""
        batch_size, num_symbols = input_values.shape[:2]
        return self.draw(batch_size, num_symbols, generator, input_values.device)

    def draw(self, batch_size: int, num_symbols: int, generator: torch.Generator | None = None, device=None) -> torch.Tensor:
        """Draw a (batch_size, num_symbols) bool mask, True = visible."""
        # torch.export cannot trace an explicit generator=None, so it is passed only when given.
        random = {"generator": generator} if generator is not None else {}
        draws = torch.rand((batch_size, num_symbols), device=device, **random)
        return draws >= self.mask_ratio


def _make_rnn(kind: str, input_size: int, hidden_size: int, bidirectional: bool = False) -> nn.RNNBase:
    # CODEPATH: "lstm" is the paper's (eq. 24, 26); "gru" is the authors' code.
    rnn_class = nn.LSTM if kind == "lstm" else nn.GRU
    return rnn_class(input_size, hidden_size, batch_first=True, bidirectional=bidirectional)


def _last_valid_index(attention_mask: torch.Tensor | None, batch_size: int, num_symbols: int, device) -> torch.Tensor:
    """Index of each window's last real symbol, (B,) long; ``attention_mask`` is a checked prefix mask."""
    if attention_mask is None:
        return torch.full((batch_size,), num_symbols - 1, dtype=torch.long, device=device)
    return (attention_mask.long().sum(dim=1) - 1).clamp(min=0)


class SpectrumFMNextSlotHead(nn.Module):
    """Eq. 24: an RNN over the latent of slots 0..last-1, its state at last-1, linear d -> C, sigmoid."""

    def __init__(self, config: SpectrumFMConfig):
        super().__init__()
        self.rnn = _make_rnn(config.next_slot_rnn_type, config.hidden_size, config.hidden_size)
        self.linear = nn.Linear(config.hidden_size, config.num_input_channels)

    def forward(self, latent: torch.Tensor, last_index: torch.Tensor) -> torch.Tensor:
        """(B, N, d) latent and (B,) index of the slot to predict -> (B, C) prediction in (0, 1)."""
        outputs, _ = self.rnn(latent[:, :-1])
        batch = torch.arange(latent.shape[0], device=latent.device)
        return torch.sigmoid(self.linear(outputs[batch, last_index - 1]))


class SpectrumFMClassificationHead(nn.Module):
    """Eq. 26: an RNN over the latent sequence, its final state over the real symbols, dropout, linear -> logits.

    ``config.classifier_pooling`` replaces the RNN's final state by the mean (`"mean"`) or a
    learned softmax-weighted mean (`"attention"`) of the latent over the real symbols.
    """

    def __init__(self, config: SpectrumFMConfig):
        super().__init__()
        self.pooling = config.classifier_pooling
        self.bidirectional = config.classifier_bidirectional
        # CODEPATH: "rnn" is the paper's eq. 26; "mean" and "attention" pool the latent directly.
        if self.pooling == "rnn":
            self.rnn = _make_rnn(
                config.classifier_rnn_type, config.hidden_size, config.classifier_hidden_size,
                bidirectional=config.classifier_bidirectional,
            )
            directions = 2 if config.classifier_bidirectional else 1
            pooled_size = directions * config.classifier_hidden_size
        else:
            self.rnn = None
            pooled_size = config.hidden_size
        self.attention_score = nn.Linear(config.hidden_size, 1) if self.pooling == "attention" else None
        self.dropout = nn.Dropout(config.classifier_dropout)
        self.linear = nn.Linear(pooled_size, config.num_labels)

    def pool(self, latent: torch.Tensor, attention_mask: torch.Tensor | None) -> torch.Tensor:
        """The summary of each window's real symbols, (B, pooled size)."""
        batch_size, num_symbols, _ = latent.shape
        if self.pooling != "rnn":
            if self.pooling == "attention":
                scores = self.attention_score(latent).squeeze(-1)
                if attention_mask is not None:
                    scores = scores.masked_fill(~attention_mask, torch.finfo(scores.dtype).min)
                weights = torch.softmax(scores, dim=-1, dtype=torch.float32).to(latent.dtype)
            else:
                weights = (
                    torch.full((batch_size, num_symbols), 1.0 / num_symbols, dtype=latent.dtype, device=latent.device)
                    if attention_mask is None
                    else attention_mask.to(latent.dtype) / attention_mask.sum(dim=1, keepdim=True).clamp(min=1)
                )
            return torch.einsum("bn,bnd->bd", weights, latent)
        if self.bidirectional:
            if attention_mask is not None:
                lengths = attention_mask.long().sum(dim=1).clamp(min=1).cpu()
                latent = nn.utils.rnn.pack_padded_sequence(latent, lengths, batch_first=True, enforce_sorted=False)
            _, state = self.rnn(latent)
            state = state[0] if isinstance(state, tuple) else state  # LSTM returns (h, c)
            return torch.cat([state[-2], state[-1]], dim=-1)
        outputs, _ = self.rnn(latent)
        last_index = _last_valid_index(attention_mask, batch_size, num_symbols, latent.device)
        return outputs[torch.arange(batch_size, device=latent.device), last_index]

    def forward(self, latent: torch.Tensor, attention_mask: torch.Tensor | None = None) -> torch.Tensor:
        """(B, N, d) latent and (B, N) bool prefix mask or None -> (B, num_labels) logits."""
        return self.linear(self.dropout(self.pool(latent, attention_mask)))


# --------------------------------------------------------------------------------------
# Outputs
# --------------------------------------------------------------------------------------


@dataclass
class SpectrumFMForPretrainingOutput(ModelOutput):
    """Output of :class:`SpectrumFMForPretraining`.

    Args:
        loss: ``alpha * reconstruction_loss + beta * next_slot_loss`` (Algorithm 1, line 12).
        reconstruction_loss: MSE over masked symbols only (eq. 23).
        next_slot_loss: MSE of the predicted last slot (eq. 25).
        reconstruction: (B, N, C) decoder output for every symbol (eq. 22).
        next_slot_prediction: (B, C) predicted last slot, in [0, 1] (eq. 24).
        symbol_mask: (B, N) float, 1.0 where the symbol was visible, 0.0 where masked (m in eq. 20);
            it can be passed back as ``symbol_mask``.
        last_hidden_state: (B, N, d) encoder output of the masked input.
        hidden_states: per-layer outputs when ``output_hidden_states=True``.
        attentions: per-layer attention weights when ``output_attentions=True``.
    """

    loss: torch.FloatTensor | None = None
    reconstruction_loss: torch.FloatTensor | None = None
    next_slot_loss: torch.FloatTensor | None = None
    reconstruction: torch.FloatTensor | None = None
    next_slot_prediction: torch.FloatTensor | None = None
    symbol_mask: torch.FloatTensor | None = None
    last_hidden_state: torch.FloatTensor | None = None
    hidden_states: tuple[torch.FloatTensor, ...] | None = None
    attentions: tuple[torch.FloatTensor, ...] | None = None


@dataclass
class SpectrumFMAnomalyDetectionOutput(ModelOutput):
    """Output of :class:`SpectrumFMForAnomalyDetection`.

    Args:
        loss: mean anomaly score over the batch (eq. 29), the training loss on normal windows.
        anomaly_score: (B,) per-window score, higher meaning more anomalous: the reconstruction
            MSE (eq. 29) or the Mahalanobis distance of ``pooled_embedding``, as
            ``config.anomaly_score`` says.
        reconstruction: (B, N, C) ``tanh`` reconstruction of the input (eq. 28).
        pooled_embedding: (B, 2d) mean and standard deviation over real symbols of the last
            hidden state, what the Mahalanobis score measures.
        is_anomaly: (B,) bool, ``anomaly_score > config.anomaly_threshold``; None until calibrated.
        last_hidden_state, hidden_states, attentions: as in the base model.
    """

    loss: torch.FloatTensor | None = None
    anomaly_score: torch.FloatTensor | None = None
    reconstruction: torch.FloatTensor | None = None
    pooled_embedding: torch.FloatTensor | None = None
    is_anomaly: torch.BoolTensor | None = None
    last_hidden_state: torch.FloatTensor | None = None
    hidden_states: tuple[torch.FloatTensor, ...] | None = None
    attentions: tuple[torch.FloatTensor, ...] | None = None


# --------------------------------------------------------------------------------------
# Checkpoint checks: a config.json and the tensors beside it must describe the same model
# --------------------------------------------------------------------------------------

# Configuration values that decide tensor shapes.
_SHAPE_FIELDS = (
    "num_input_channels", "hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size",
    "max_position_embeddings", "position_embedding_type", "conv_kernel_size", "conv_norm", "norm_placement",
    "next_slot_rnn_type", "classifier_rnn_type", "classifier_bidirectional", "classifier_hidden_size", "num_labels",
)
_LAYER_KEY = re.compile(r"^(?P<stem>(?:.*\.)?encoder\.layers\.)(?P<index>\d+)\.(?P<rest>.+)$")
# Most tensor names an error message lists before it says "and N more".
_LISTED_TENSORS = 6


def _config_differences(saved: SpectrumFMConfig | None, requested: SpectrumFMConfig) -> str:
    """'name: checkpoint X, requested Y' for each shape-deciding value that differs."""
    if saved is None:
        return ""
    return ", ".join(
        f"{name}: checkpoint {getattr(saved, name)!r}, requested {getattr(requested, name)!r}"
        for name in _SHAPE_FIELDS
        if getattr(saved, name, None) != getattr(requested, name, None)
    )


def _read_config_json(folder: str) -> dict | None:
    """The folder's config.json as a dict (None when absent); refuse unreadable JSON and other model types."""
    path = os.path.join(folder, "config.json")
    if not os.path.isfile(path):
        return None
    try:
        with open(path, encoding="utf-8") as handle:
            config_dict = json.load(handle)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise SpectrumFMCheckpointError(f"{path} is not a readable JSON configuration: {error}") from error
    if not isinstance(config_dict, dict):
        raise SpectrumFMCheckpointError(f"{path} must hold a JSON object, got {type(config_dict).__name__}")
    model_type = config_dict.get("model_type")
    if model_type != SpectrumFMConfig.model_type:
        raise SpectrumFMCheckpointError(
            f"{path} declares model_type={str(model_type)[:80]!r}, expected {SpectrumFMConfig.model_type!r}: this "
            "folder holds another kind of model"
        )
    return config_dict


def _safetensors_shapes(folder: str) -> tuple[dict[str, tuple[int, ...]], str] | None:
    """Tensor name -> shape from the safetensors headers only (no tensor is read), and the file name(s)."""
    single = os.path.join(folder, "model.safetensors")
    index = os.path.join(folder, "model.safetensors.index.json")
    if os.path.isfile(single):
        files = [single]
    elif os.path.isfile(index):
        try:
            with open(index, encoding="utf-8") as handle:
                weight_map = json.load(handle)["weight_map"]
            files = sorted({os.path.join(folder, name) for name in weight_map.values()})
        except (OSError, KeyError, TypeError, AttributeError, json.JSONDecodeError) as error:
            raise SpectrumFMCheckpointError(f"{index} is not a readable safetensors index: {error}") from error
    else:
        return None
    shapes = {}
    for path in files:
        try:
            with safe_open(path, framework="pt") as reader:
                for name in reader.keys():
                    shapes[name] = tuple(reader.get_slice(name).get_shape())
        except (SafetensorError, OSError, ValueError, RuntimeError) as error:
            raise SpectrumFMCheckpointError(
                f"{path} is not a readable safetensors file ({str(error)[:200]}); it may be truncated or corrupt"
            ) from error
    return shapes, ", ".join(os.path.basename(path) for path in files)


def _split_layers(shapes: dict[str, tuple]) -> tuple[dict[str, tuple], dict[int, dict[str, tuple]]]:
    """Separate per-layer tensors, {index: {name with the index as '*': shape}}, from the others."""
    others, layers = {}, {}
    for name, shape in shapes.items():
        match = _LAYER_KEY.match(name)
        if match is None:
            others[name] = shape
        else:
            layers.setdefault(int(match["index"]), {})[f"{match['stem']}*.{match['rest']}"] = shape
    return others, layers


def _listed(names) -> str:
    names = sorted(names)
    shown = ", ".join(names[:_LISTED_TENSORS])
    return shown + (f" and {len(names) - _LISTED_TENSORS} more" if len(names) > _LISTED_TENSORS else "")


# --------------------------------------------------------------------------------------
# Pre-trained model base
# --------------------------------------------------------------------------------------


class SpectrumFMPreTrainedModel(PreTrainedModel):
    """Weight initialisation, checked loading and the conventions every SpectrumFM class shares."""

    config_class = SpectrumFMConfig
    base_model_prefix = "spectrumfm"
    main_input_name = "input_values"
    supports_gradient_checkpointing = True
    _no_split_modules = ["SpectrumFMEncoderLayer"]
    _supports_sdpa = True

    @torch.no_grad()
    def _init_weights(self, module: nn.Module) -> None:
        # transformers initialises Linear, Conv1d, LSTM, LayerNorm and BatchNorm from
        # config.initializer_range; GRU and the relative-position table are ours.
        super()._init_weights(module)
        if isinstance(module, nn.GRU):
            for name, param in module.named_parameters():
                if "weight" in name:
                    _init.xavier_uniform_(param)
                else:
                    _init.zeros_(param)
        elif isinstance(module, SpectrumFMSelfAttention) and module.relative_position_bias is not None:
            _init.zeros_(module.relative_position_bias)
        elif isinstance(module, SpectrumFMNormalStatistics):
            _init.zeros_(module.mean)
            _init.eye_(module.precision)
            _init.zeros_(module.num_windows)
        elif isinstance(module, nn.Linear) and getattr(module, "fan_in_init", False):
            # Eq. 8 maps only C=2 channels: at initializer_range (0.02) its output would be ~70x
            # smaller than the unit-scale sinusoidal encoding, every window would look the same to
            # the encoder and classification would sit at chance for thousands of steps. A fan-in
            # scale (as PyTorch's own default for a convolution) keeps signal and position comparable.
            _init.normal_(module.weight, mean=0.0, std=module.in_features**-0.5)

    def save_pretrained(self, save_directory, *args, **kwargs):
        """Save weights (safetensors), config and the code that defines them.

        The ``auto_map`` written lists every class of the family under the Auto class it was
        registered for, so that any of them loads from any checkpoint with
        ``trust_remote_code=True`` (the base encoder from a fine-tuned classifier, say).
        """
        self.config.auto_map = {
            "AutoConfig": f"configuration_spectrumfm.{SpectrumFMConfig.__name__}",
            **{model_class._auto_class: f"modeling_spectrumfm.{model_class.__name__}" for model_class in _AUTO_CLASSES},
        }
        return super().save_pretrained(save_directory, *args, **kwargs)

    @classmethod
    def from_pretrained(cls, pretrained_model_name_or_path, *model_args, strict: bool = True, **kwargs):
        """Load a checkpoint, after checking its config.json against its tensors.

        A local folder's tensor names and shapes (read from the safetensors header alone, before
        any model is built) must match the configuration: encoder tensors missing from the file
        or left over in it, and tensors of the wrong shape, raise
        :class:`SpectrumFMCheckpointError` naming them and the configuration values that differ.
        A task head's tensors may be missing (a new head, initialised with transformers' usual
        warning), and another head's may be present (dropped).

        Args:
            strict: ``False`` accepts missing and unexpected encoder tensors, re-initialising
                the missing ones, as ``torch.nn.Module.load_state_dict(strict=False)`` does.
            ignore_mismatched_sizes: re-initialise tensors whose shape differs instead of raising.
            Other arguments: as ``transformers.PreTrainedModel.from_pretrained``.
        """
        folder = os.path.join(str(pretrained_model_name_or_path), kwargs.get("subfolder", "") or "")
        saved_config = None
        if os.path.isdir(folder) and kwargs.get("use_safetensors") is not False:
            saved_config = cls._check_checkpoint(folder, strict=strict, **kwargs)
        try:
            return super().from_pretrained(pretrained_model_name_or_path, *model_args, **kwargs)
        except RuntimeError as error:
            if isinstance(error, SpectrumFMCheckpointError) or "mismatch" not in str(error):
                raise
            requested = kwargs.get("config") if isinstance(kwargs.get("config"), SpectrumFMConfig) else None
            differences = _config_differences(saved_config, requested) if requested is not None else ""
            raise SpectrumFMCheckpointError(
                f"the checkpoint at {pretrained_model_name_or_path!r} does not fit the configuration requested for "
                f"{cls.__name__}: {differences or str(error)[:500]}. Load it with its own config.json, or pass "
                "ignore_mismatched_sizes=True to re-initialise the differing tensors on purpose."
            ) from error

    @classmethod
    def _requested_config(cls, folder: str, config_dict: dict, **kwargs) -> SpectrumFMConfig:
        """The configuration ``from_pretrained`` will build: config.json with keyword overrides, or ``config=``."""
        path = os.path.join(folder, "config.json")
        given = kwargs.pop("config", None)
        if isinstance(given, SpectrumFMConfig):
            return given
        try:
            config, _ = cls.config_class.from_dict(dict(config_dict), return_unused_kwargs=True, **kwargs)
        except SpectrumFMConfigError as error:
            raise type(error)(f"{path}: {error}") from error
        except Exception as error:  # noqa: BLE001 -- any failure to build from untrusted JSON is a config error
            raise SpectrumFMConfigError(f"{path} holds an invalid configuration: {str(error)[:300]}") from error
        return config

    @classmethod
    def _check_checkpoint(cls, folder: str, strict: bool = True, **kwargs) -> SpectrumFMConfig | None:
        """Compare the configuration with the safetensors header in ``folder``; return config.json's configuration."""
        given = kwargs.get("config")
        if given is not None and not isinstance(given, SpectrumFMConfig):
            return None  # a configuration from elsewhere: transformers resolves and checks it
        config_dict = _read_config_json(folder)
        checkpoint = _safetensors_shapes(folder)
        if config_dict is None or checkpoint is None:
            return None  # transformers names the missing file
        checkpoint_shapes, file_names = checkpoint
        ignore_mismatched_sizes = bool(kwargs.get("ignore_mismatched_sizes", False))
        requested = cls._requested_config(folder, config_dict, **kwargs)
        try:
            saved = SpectrumFMConfig.from_dict(dict(config_dict))
        except Exception:  # noqa: BLE001 -- only used to name differences; the requested config was built
            saved = None

        # One layer on the meta device gives every tensor's name and shape without allocating.
        probe_config = copy.deepcopy(requested)
        probe_config.num_hidden_layers = 1
        try:
            with torch.device("meta"):
                probe = cls(probe_config)
        except Exception as error:  # noqa: BLE001 -- e.g. an unknown hidden_act is a KeyError in ACT2FN
            raise SpectrumFMConfigError(
                f"{os.path.join(folder, 'config.json')} holds an invalid configuration: {str(error)[:300]}"
            ) from error
        expected_shapes = {name: tuple(tensor.shape) for name, tensor in probe.state_dict().items()}

        prefix = cls.base_model_prefix + "."
        is_head = hasattr(probe, cls.base_model_prefix)
        has_prefix = any(name.startswith(prefix) for name in checkpoint_shapes)
        if is_head and not has_prefix:  # an encoder saved on its own, loaded under a head
            checkpoint_shapes = {prefix + name: shape for name, shape in checkpoint_shapes.items()}
        elif not is_head and has_prefix:  # a head's checkpoint loaded as the encoder: its head is dropped
            checkpoint_shapes = {
                name[len(prefix):]: shape for name, shape in checkpoint_shapes.items() if name.startswith(prefix)
            }

        def in_encoder(name: str) -> bool:
            return name.startswith(prefix) or not is_head

        expected_others, expected_layers = _split_layers(expected_shapes)
        checkpoint_others, checkpoint_layers = _split_layers(checkpoint_shapes)
        layer_template = expected_layers.get(0, {})
        problems = []
        if strict and set(checkpoint_layers) != set(range(requested.num_hidden_layers)):
            held = sorted(checkpoint_layers)
            held_text = f"{len(held)} encoder layers (indices {held[0]}-{held[-1]})" if held else "no encoder layers"
            problems.append(f"the configuration has num_hidden_layers={requested.num_hidden_layers} but {file_names} "
                            f"holds {held_text}")
        missing = [name for name in expected_others if name not in checkpoint_others and in_encoder(name)]
        unexpected = [name for name in checkpoint_others if name not in expected_others and in_encoder(name)]
        mismatched = [
            f"{name} {checkpoint_others[name]} in the file, {shape} expected"
            for name, shape in expected_others.items()
            if name in checkpoint_others and checkpoint_others[name] != shape
        ]
        for index, layer in sorted(checkpoint_layers.items()):
            missing += [name.replace("*", str(index)) for name in layer_template if name not in layer]
            unexpected += [name.replace("*", str(index)) for name in layer if name not in layer_template]
            mismatched += [
                f"{name.replace('*', str(index))} {layer[name]} in the file, {shape} expected"
                for name, shape in layer_template.items()
                if name in layer and layer[name] != shape
            ]
        if strict and missing:
            problems.append(f"tensors missing from {file_names}: {_listed(missing)}")
        if strict and unexpected:
            problems.append(f"unexpected tensors in {file_names}: {_listed(unexpected)}")
        if mismatched and not ignore_mismatched_sizes:
            problems.append(f"tensors of another shape: {_listed(mismatched)}")
        if problems:
            differences = _config_differences(saved, requested)
            raise SpectrumFMCheckpointError(
                f"the checkpoint in {folder!r} does not fit the configuration requested for {cls.__name__}"
                + (f" ({differences})" if differences else "")
                + ": " + "; ".join(problems)
                + ". Fix config.json or load with the checkpoint's own configuration; pass strict=False to accept "
                "missing or unexpected encoder tensors, ignore_mismatched_sizes=True to re-initialise tensors of "
                "another shape."
            )
        return saved


def _key_padding_bias(keep: torch.Tensor | None, dtype: torch.dtype) -> torch.Tensor | None:
    """(B, 1, 1, N) additive attention bias: 0 for attended keys, the dtype's minimum otherwise.

    A finite minimum rather than -inf keeps a row whose keys are all hidden finite (it then
    attends uniformly) instead of turning it into NaN.
    """
    if keep is None:
        return None
    bias = torch.zeros(keep.shape, dtype=dtype, device=keep.device)
    bias = bias.masked_fill(~keep, torch.finfo(dtype).min)
    return bias[:, None, None, :]


class SpectrumFMModel(SpectrumFMPreTrainedModel):
    """The SpectrumFM encoder (eq. 8-19): normalised amplitude/phase windows in, latent sequence out."""

    def __init__(self, config: SpectrumFMConfig):
        super().__init__(config)
        self.embeddings = SpectrumFMEmbeddings(config)
        self.encoder = SpectrumFMEncoder(config)
        self.post_init()

    def get_input_embeddings(self) -> nn.Module:
        """The input projection (eq. 8), the counterpart of a token embedding."""
        return self.embeddings.projection

    def set_input_embeddings(self, value: nn.Module) -> None:
        self.embeddings.projection = value

    @can_return_tuple
    def forward(
        self,
        input_values: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        symbol_mask: torch.Tensor | None = None,
        output_attentions: bool | None = None,
        output_hidden_states: bool | None = None,
        capture_index: torch.Tensor | None = None,
        window_start: torch.Tensor | None = None,
    ) -> BaseModelOutput:
        r"""
        Args:
            input_values: (B, N, C) min-max normalised amplitude/phase windows (eq. 7), as
                returned by :class:`SpectrumFMFeatureExtractor`.
            attention_mask: (B, N), 1 for real symbols, 0 for padding after them.
            symbol_mask: (B, N), 1 for visible symbols, 0 for symbols masked out (m in eq. 20):
                masked symbols are zeroed in the input and hidden as attention keys (eq. 21).
            return_dict: ``False`` returns a tuple of the non-None fields.
            capture_index, window_start: the window positions the feature extractor returns with
                ``return_window_positions=True``; accepted so that its output can be passed whole,
                and not used.
        """
        output_attentions = output_attentions if output_attentions is not None else self.config.output_attentions
        output_hidden_states = (
            output_hidden_states if output_hidden_states is not None else self.config.output_hidden_states
        )
        check_input_values(input_values, self.config)
        shape = tuple(input_values.shape[:2])
        attention_mask = _check_symbol_mask(attention_mask, "attention_mask", shape, prefix=True)
        symbol_mask = _check_symbol_mask(symbol_mask, "symbol_mask", shape)
        if (
            self.training and self.config.conv_norm == "batch_norm" and not _is_compiling()
            and shape[0] * shape[1] == 1
        ):
            raise SpectrumFMInputError(
                "training with conv_norm='batch_norm' needs more than one symbol in the batch to estimate its "
                f"statistics, got input_values of shape {tuple(input_values.shape)}; train on longer windows or "
                "larger batches, or call model.eval()"
            )
        if attention_mask is not None and not _is_compiling() and bool(attention_mask.all()):
            attention_mask = None  # nothing padded: let attention take its unmasked fast path

        keep = attention_mask
        if symbol_mask is not None:
            keep = symbol_mask if keep is None else keep & symbol_mask
        hidden_input = input_values.to(self.embeddings.projection.weight.dtype)
        if self.training and self.config.input_noise_std > 0:
            # CODEPATH: 0 in the paper; the authors' code adds 1e-3 Gaussian noise while training.
            hidden_input = hidden_input + self.config.input_noise_std * torch.randn_like(hidden_input)
        if keep is not None:
            hidden_input = hidden_input * keep[..., None].to(hidden_input.dtype)  # eq. 20

        hidden_states = self.embeddings(hidden_input)
        return self.encoder(
            hidden_states,
            key_padding_bias=_key_padding_bias(keep, hidden_states.dtype),
            padding_mask=attention_mask,
            output_attentions=output_attentions,
            output_hidden_states=output_hidden_states,
        )


# --------------------------------------------------------------------------------------
# Task models
# --------------------------------------------------------------------------------------


class SpectrumFMForPretraining(SpectrumFMPreTrainedModel):
    """Masked reconstruction (eq. 20-23) and next-slot prediction (eq. 24-25) in one forward.

    By default one encoder pass serves both: the last slot is hidden from the encoder
    together with the masked symbols (zeroed input, masked key), so the next-slot head cannot
    see its target. ``config.pretraining_single_pass=False`` runs eq. 24 literally, on a
    second pass over the unmasked first N-1 slots.

    Task layers (PEFT ``modules_to_save`` names): ``reconstruction_head`` (linear d -> C,
    eq. 22) and ``next_slot_head`` (its RNN and linear, eq. 24). ``masking`` draws the mask.
    """

    def __init__(self, config: SpectrumFMConfig):
        super().__init__(config)
        self.spectrumfm = SpectrumFMModel(config)
        self.masking = SpectrumFMMasking(config)
        self.reconstruction_head = nn.Linear(config.hidden_size, config.num_input_channels)  # eq. 22
        self.next_slot_head = SpectrumFMNextSlotHead(config)
        self.post_init()

    def make_symbol_mask(
        self, batch_size: int, num_symbols: int, generator: torch.Generator | None = None, device=None
    ) -> torch.Tensor:
        """Draw m ~ Bernoulli(1 - r) per symbol, (B, N) bool, True = visible (eq. 20), on the model's device."""
        return self.masking.draw(batch_size, num_symbols, generator, device if device is not None else self.device)

    @can_return_tuple
    def forward(
        self,
        input_values: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        symbol_mask: torch.Tensor | None = None,
        generator: torch.Generator | None = None,
        output_attentions: bool | None = None,
        output_hidden_states: bool | None = None,
        capture_index: torch.Tensor | None = None,
        window_start: torch.Tensor | None = None,
    ) -> SpectrumFMForPretrainingOutput:
        r"""
        Args:
            input_values: (B, N, C) normalised windows; N >= 2.
            attention_mask: (B, N), 1 for real symbols, 0 for padding after them; each window
                needs two real symbols.
            symbol_mask: (B, N), 1 visible, 0 masked (m in eq. 20), as a training collator
                passes it. Drawn by ``self.masking`` with ratio ``config.mask_ratio`` when not given.
            generator: random generator for the drawn mask, for reproducible masking.
            return_dict: ``False`` returns a tuple of the non-None fields.
            capture_index, window_start: the window positions the feature extractor returns with
                ``return_window_positions=True``; accepted so that its output can be passed whole,
                and not used.
        """
        check_input_values(input_values, self.config)
        batch_size, num_symbols, _ = input_values.shape
        if num_symbols < 2:
            raise SpectrumFMInputError(f"pre-training needs windows of at least 2 symbols, got {num_symbols}")
        attention_mask = _check_symbol_mask(attention_mask, "attention_mask", (batch_size, num_symbols), prefix=True)
        symbol_mask = _check_symbol_mask(symbol_mask, "symbol_mask", (batch_size, num_symbols))
        if symbol_mask is None:
            symbol_mask = self.masking(input_values, generator)
        last_index = _last_valid_index(attention_mask, batch_size, num_symbols, input_values.device)
        if attention_mask is not None and not _is_compiling() and bool((last_index < 1).any()):
            raise SpectrumFMInputError("pre-training needs at least 2 real (unpadded) symbols in every window")

        positions = torch.arange(num_symbols, device=input_values.device)
        not_last = positions[None, :] != last_index[:, None]
        # CODEPATH: one pass hiding the last slot (this package's default) or eq. 24's second pass.
        encoder_visible = symbol_mask & not_last if self.config.pretraining_single_pass else symbol_mask
        outputs = self.spectrumfm(
            input_values,
            attention_mask=attention_mask,
            symbol_mask=encoder_visible,
            output_attentions=output_attentions,
            output_hidden_states=output_hidden_states,
            return_dict=True,
        )
        latent = outputs.last_hidden_state
        targets = input_values.to(latent.dtype)

        # Eq. 22-23: reconstruct every symbol, score only the masked real ones.
        reconstruction = self.reconstruction_head(latent)
        scored = ~symbol_mask if attention_mask is None else (~symbol_mask & attention_mask)
        scored = scored.to(torch.float32)
        squared_error = (reconstruction.float() - targets.float()).pow(2).mean(dim=-1)
        reconstruction_loss = (squared_error * scored).sum() / scored.sum().clamp(min=1.0)

        # Eq. 24-25: predict the last real slot from the ones before it.
        if self.config.pretraining_single_pass:
            prediction_latent = latent
        else:
            prediction_latent = self.spectrumfm(
                input_values, attention_mask=attention_mask, symbol_mask=not_last, return_dict=True
            ).last_hidden_state
        next_slot_prediction = self.next_slot_head(prediction_latent, last_index)
        batch = torch.arange(batch_size, device=input_values.device)
        next_slot_loss = (next_slot_prediction.float() - targets[batch, last_index].float()).pow(2).mean()

        loss = (
            self.config.reconstruction_loss_weight * reconstruction_loss
            + self.config.next_slot_loss_weight * next_slot_loss
        )
        return SpectrumFMForPretrainingOutput(
            loss=loss,
            reconstruction_loss=reconstruction_loss,
            next_slot_loss=next_slot_loss,
            reconstruction=reconstruction,
            next_slot_prediction=next_slot_prediction,
            symbol_mask=symbol_mask.to(latent.dtype),
            last_hidden_state=latent,
            hidden_states=outputs.hidden_states,
            attentions=outputs.attentions,
        )


PROBLEM_TYPES = ("regression", "single_label_classification", "multi_label_classification")


def _check_labels(labels, problem_type: str, batch_size: int, num_labels: int) -> torch.Tensor:
    """Validate ``labels`` for ``problem_type`` and return them in the dtype its loss takes."""
    _check_tensor(labels, "labels", f"{problem_type} targets for a batch of {batch_size}", MASK_DTYPES)
    if problem_type == "single_label_classification":
        if labels.dtype.is_floating_point or labels.dtype == torch.bool:
            raise SpectrumFMInputTypeError(
                f"labels must be integer class indices for single_label_classification, got dtype {labels.dtype}"
            )
        if tuple(labels.shape) != (batch_size,):
            raise SpectrumFMInputError(f"labels must have shape ({batch_size},), got {tuple(labels.shape)}")
        if not _is_compiling() and bool(((labels < 0) | (labels >= num_labels)).any()):
            raise SpectrumFMInputError(f"labels must lie in [0, {num_labels}), got values {labels.unique().tolist()[:10]}")
        return labels.long()
    if problem_type == "multi_label_classification":
        if tuple(labels.shape) != (batch_size, num_labels):
            raise SpectrumFMInputError(
                f"labels must have shape ({batch_size}, {num_labels}) (one 0/1 target per class) for "
                f"multi_label_classification, got {tuple(labels.shape)}"
            )
        if not _is_compiling() and not ((labels == 0) | (labels == 1)).all():
            raise SpectrumFMInputError("labels must contain only 0 and 1 for multi_label_classification")
        return labels.float()
    shapes = [(batch_size, num_labels)] + ([(batch_size,)] if num_labels == 1 else [])
    if tuple(labels.shape) not in shapes:
        raise SpectrumFMInputError(
            f"labels must have shape {' or '.join(map(str, shapes))} for regression, got {tuple(labels.shape)}"
        )
    if not _is_compiling() and not torch.isfinite(labels.float()).all():
        raise SpectrumFMInputError("labels contain NaN or Inf")
    return labels.float()


class SpectrumFMForSequenceClassification(SpectrumFMPreTrainedModel):
    """Eq. 26-27: RNN over the latent sequence, its last state, linear -> ``num_labels`` outputs.

    Serves modulation classification, wireless-technology classification and spectrum sensing
    (vacant / occupied). The loss follows ``config.problem_type`` as in every transformers
    classification head: cross-entropy (eq. 27) for ``"single_label_classification"``,
    per-class binary cross-entropy for ``"multi_label_classification"``, MSE for
    ``"regression"``; when unset it is inferred from the first labels (one label: regression;
    integer labels: single-label; otherwise multi-label) and stored in the config.

    Task layers (PEFT ``modules_to_save`` name): ``classifier`` (its RNN, dropout and linear).
    """

    def __init__(self, config: SpectrumFMConfig):
        super().__init__(config)
        self.num_labels = config.num_labels
        self.spectrumfm = SpectrumFMModel(config)
        self.classifier = SpectrumFMClassificationHead(config)
        self.post_init()

    @can_return_tuple
    def forward(
        self,
        input_values: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        labels: torch.Tensor | None = None,
        output_attentions: bool | None = None,
        output_hidden_states: bool | None = None,
        capture_index: torch.Tensor | None = None,
        window_start: torch.Tensor | None = None,
    ) -> SequenceClassifierOutput:
        r"""
        Args:
            labels: (B,) class indices in ``[0, num_labels)`` (single-label), (B, num_labels)
                0/1 targets (multi-label) or (B, num_labels) values (regression; (B,) too when
                ``num_labels == 1``); when given, the loss is returned.
            return_dict: ``False`` returns a tuple of the non-None fields.
            capture_index, window_start: the window positions the feature extractor returns with
                ``return_window_positions=True``; accepted so that its output can be passed whole,
                and not used.
        """
        outputs = self.spectrumfm(
            input_values,
            attention_mask=attention_mask,
            output_attentions=output_attentions,
            output_hidden_states=output_hidden_states,
            return_dict=True,
        )
        mask = _check_symbol_mask(attention_mask, "attention_mask", tuple(input_values.shape[:2]), prefix=True)
        logits = self.classifier(outputs.last_hidden_state, mask)
        loss = None
        if labels is not None:
            loss = self._loss(logits, labels)
        return SequenceClassifierOutput(
            loss=loss, logits=logits, hidden_states=outputs.hidden_states, attentions=outputs.attentions
        )

    def _loss(self, logits: torch.Tensor, labels) -> torch.Tensor:
        problem_type = self.config.problem_type
        if problem_type is None:
            _check_tensor(labels, "labels", "class indices or targets", MASK_DTYPES)
            if self.num_labels == 1:
                problem_type = "regression"
            elif labels.dtype in (torch.long, torch.int, torch.int16, torch.int8, torch.uint8):
                problem_type = "single_label_classification"
            else:
                problem_type = "multi_label_classification"
        elif problem_type not in PROBLEM_TYPES:
            raise SpectrumFMConfigError(f"config.problem_type={problem_type!r} is invalid; expected one of {PROBLEM_TYPES}")
        labels = _check_labels(labels, problem_type, logits.shape[0], self.num_labels)
        self.config.problem_type = problem_type
        logits = logits.float()
        if problem_type == "single_label_classification":
            return F.cross_entropy(logits, labels)
        if problem_type == "multi_label_classification":
            return F.binary_cross_entropy_with_logits(logits, labels)
        return F.mse_loss(logits.squeeze(-1), labels.squeeze(-1)) if self.num_labels == 1 else F.mse_loss(logits, labels)


class SpectrumFMNormalStatistics(nn.Module):
    """Mean and precision (inverse covariance) of normal windows' pooled embeddings.

    Scores a pooled embedding ``e`` by its squared Mahalanobis distance
    ``(e - mean)^T precision (e - mean)`` from the normal windows'. The tensors are buffers, so
    they are saved with the model and, under PEFT, with the anomaly adapter
    (``modules_to_save``); ``num_windows`` is how many normal windows they were fitted on, 0
    until :meth:`SpectrumFMForAnomalyDetection.set_normal_statistics` is called.
    """

    def __init__(self, embedding_size: int):
        super().__init__()
        self.register_buffer("mean", torch.zeros(embedding_size))
        self.register_buffer("precision", torch.eye(embedding_size))
        self.register_buffer("num_windows", torch.zeros(()))

    def forward(self, pooled_embedding: torch.Tensor) -> torch.Tensor:
        if not self.num_windows > 0:
            raise SpectrumFMConfigError(
                "config.anomaly_score='mahalanobis' needs the normal windows' embedding statistics; fit them "
                "with spectrumfm_hf.training.fit_normal_statistics (or model.set_normal_statistics) after training"
            )
        centred = pooled_embedding.float() - self.mean.float()
        return ((centred @ self.precision.float()) * centred).sum(dim=-1)


def _pooled_embedding(hidden_state: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
    """(B, 2d): mean and standard deviation over the real symbols of each window's hidden states."""
    hidden_state = hidden_state.float()
    if mask is None:
        return torch.cat([hidden_state.mean(dim=1), hidden_state.std(dim=1, unbiased=False)], dim=-1)
    weights = mask.to(hidden_state.dtype).unsqueeze(-1)
    count = weights.sum(dim=1).clamp(min=1.0)
    mean = (hidden_state * weights).sum(dim=1) / count
    variance = ((hidden_state - mean.unsqueeze(1)).pow(2) * weights).sum(dim=1) / count
    return torch.cat([mean, variance.sqrt()], dim=-1)


class SpectrumFMForAnomalyDetection(SpectrumFMPreTrainedModel):
    """Eq. 28-29: ``tanh`` reconstruction of the input, trained on normal windows only.

    Train on normal windows (the loss is the mean reconstruction MSE), then call
    :meth:`calibrate_threshold` on held-out normal windows' scores to store a threshold for
    a chosen false-alarm rate in the config. The score is the paper's reconstruction MSE by
    default; with ``config.anomaly_score="mahalanobis"`` it is the Mahalanobis distance of the
    window's pooled embedding from the normal windows' (:meth:`set_normal_statistics`), which
    does not reward an encoder for reconstructing an interferer as faithfully as the signal.

    Task layers (PEFT ``modules_to_save`` names): ``reconstruction_head`` (linear d -> C) and
    ``normal_statistics`` (the normal embeddings' mean and precision).
    """

    def __init__(self, config: SpectrumFMConfig):
        super().__init__(config)
        self.spectrumfm = SpectrumFMModel(config)
        self.reconstruction_head = nn.Linear(config.hidden_size, config.num_input_channels)
        self.normal_statistics = SpectrumFMNormalStatistics(2 * config.hidden_size)
        self.post_init()

    @can_return_tuple
    def forward(
        self,
        input_values: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        output_attentions: bool | None = None,
        output_hidden_states: bool | None = None,
        capture_index: torch.Tensor | None = None,
        window_start: torch.Tensor | None = None,
    ) -> SpectrumFMAnomalyDetectionOutput:
        r"""
        Args:
            input_values: (B, N, C) normalised windows.
            attention_mask: (B, N), 1 for real symbols, 0 for padding after them; padding is not scored.
            return_dict: ``False`` returns a tuple of the non-None fields.
            capture_index, window_start: the window positions the feature extractor returns with
                ``return_window_positions=True``; accepted so that its output can be passed whole,
                and not used.
        """
        outputs = self.spectrumfm(
            input_values,
            attention_mask=attention_mask,
            output_attentions=output_attentions,
            output_hidden_states=output_hidden_states,
            return_dict=True,
        )
        latent = outputs.last_hidden_state
        reconstruction = torch.tanh(self.reconstruction_head(latent))
        squared_error = (reconstruction.float() - input_values.float()).pow(2).mean(dim=-1)
        mask = _check_symbol_mask(attention_mask, "attention_mask", tuple(input_values.shape[:2]), prefix=True)
        if mask is None:
            reconstruction_error = squared_error.mean(dim=1)
        else:
            weights = mask.to(squared_error.dtype)
            reconstruction_error = (squared_error * weights).sum(dim=1) / weights.sum(dim=1).clamp(min=1.0)
        pooled_embedding = _pooled_embedding(latent, mask)
        if self.config.anomaly_score == "mahalanobis":
            anomaly_score = self.normal_statistics(pooled_embedding)
        else:
            anomaly_score = reconstruction_error
        is_anomaly = None
        if self.config.anomaly_threshold is not None:
            is_anomaly = anomaly_score > self.config.anomaly_threshold
        return SpectrumFMAnomalyDetectionOutput(
            # The training objective is eq. 29 whatever the score: the statistics are fitted afterwards.
            loss=reconstruction_error.mean(),
            anomaly_score=anomaly_score,
            reconstruction=reconstruction,
            pooled_embedding=pooled_embedding,
            is_anomaly=is_anomaly,
            last_hidden_state=latent,
            hidden_states=outputs.hidden_states,
            attentions=outputs.attentions,
        )

    def _normal_statistics_modules(self) -> list[SpectrumFMNormalStatistics]:
        """The statistics the forward pass reads: under PEFT, the active adapters' copies."""
        statistics = self.normal_statistics
        copies = getattr(statistics, "modules_to_save", None)  # PEFT's ModulesToSaveWrapper
        if copies is None:
            return [statistics]
        active = getattr(statistics, "active_adapters", None) or [statistics.active_adapter]
        return [copies[name] for name in active if name in copies]

    def set_normal_statistics(self, mean, precision, num_windows: int) -> None:
        """Store the normal windows' pooled-embedding mean (2d,) and precision (2d, 2d), and score with them.

        Sets ``config.anomaly_score = "mahalanobis"``; recalibrate the threshold afterwards,
        since it was set for the previous score.

        Args:
            mean: mean of the normal windows' ``pooled_embedding``.
            precision: inverse of their (regularised) covariance, symmetric positive definite.
            num_windows: how many normal windows they were estimated from (recorded).
        """
        size = 2 * self.config.hidden_size
        mean = torch.as_tensor(mean, dtype=torch.float32)
        precision = torch.as_tensor(precision, dtype=torch.float32)
        if tuple(mean.shape) != (size,) or not torch.isfinite(mean).all():
            raise SpectrumFMInputError(f"mean must be a finite ({size},) vector, got shape {tuple(mean.shape)}")
        if tuple(precision.shape) != (size, size) or not torch.isfinite(precision).all():
            raise SpectrumFMInputError(
                f"precision must be a finite ({size}, {size}) matrix, got shape {tuple(precision.shape)}"
            )
        if not torch.allclose(precision, precision.T, rtol=1e-4, atol=1e-6 * float(precision.abs().max())):
            raise SpectrumFMInputError("precision must be symmetric (the inverse of a covariance matrix)")
        if isinstance(num_windows, bool) or not isinstance(num_windows, int) or num_windows < 2:
            raise SpectrumFMInputError(f"num_windows must be an integer >= 2, got {num_windows!r}")
        for statistics in self._normal_statistics_modules():
            with torch.no_grad():
                statistics.mean.copy_(mean)
                statistics.precision.copy_(precision)
                statistics.num_windows.fill_(float(num_windows))
        self.config.anomaly_score = "mahalanobis"
        self.config.anomaly_threshold = None
        self.config.anomaly_false_alarm_rate = None

    def calibrate_threshold(self, normal_scores, false_alarm_rate: float = 0.01) -> float:
        """Set ``config.anomaly_threshold`` so that a fraction ``false_alarm_rate`` of the given
        scores of held-out *normal* windows would be flagged; return the threshold.

        Args:
            normal_scores: 1-D real anomaly scores of normal windows not used for training.
            false_alarm_rate: wanted probability of flagging a normal window, in (0, 1).
        """
        if isinstance(false_alarm_rate, bool) or not isinstance(false_alarm_rate, (int, float)):
            raise SpectrumFMInputTypeError(
                f"false_alarm_rate must be a real number in (0, 1), got {type(false_alarm_rate).__name__}"
            )
        if not 0.0 < float(false_alarm_rate) < 1.0:  # NaN fails this too
            raise SpectrumFMInputError(f"false_alarm_rate must lie in (0, 1), got {false_alarm_rate}")
        try:
            # Python numbers are float64; float32 would turn scores beyond 3.4e38 into inf.
            scores = normal_scores if isinstance(normal_scores, torch.Tensor) else torch.as_tensor(
                normal_scores, dtype=None if hasattr(normal_scores, "dtype") else torch.float64
            )
        except (TypeError, ValueError, RuntimeError) as error:
            raise SpectrumFMInputTypeError(
                f"normal_scores must be a 1-D array of real anomaly scores, got {type(normal_scores).__name__}"
            ) from error
        if scores.layout != torch.strided or scores.dtype not in INPUT_DTYPES + MASK_DTYPES[1:]:
            raise SpectrumFMInputTypeError(
                f"normal_scores must be a dense array of real anomaly scores, got dtype {scores.dtype}"
            )
        scores = scores.to(torch.float64).flatten()
        if scores.numel() == 0 or not torch.isfinite(scores).all():
            raise SpectrumFMInputError("normal_scores must be a non-empty array of finite anomaly scores")
        # Linear interpolation between order statistics, written as a weighted mean so that
        # scores near the float64 limits cannot overflow (torch.quantile computes hi - lo).
        ordered = torch.sort(scores).values
        position = (1.0 - float(false_alarm_rate)) * (ordered.numel() - 1)
        below = int(math.floor(position))
        above = min(below + 1, ordered.numel() - 1)
        fraction = position - below
        threshold = float(ordered[below]) * (1.0 - fraction) + float(ordered[above]) * fraction
        self.config.anomaly_threshold = threshold
        self.config.anomaly_false_alarm_rate = float(false_alarm_rate)
        return threshold


# The Auto class each model is registered for. Saving any of them copies this file and the
# configuration's beside the weights, and writes them all into config.json's auto_map, so the
# checkpoint loads with trust_remote_code=True where this package is not installed.
SpectrumFMModel.register_for_auto_class("AutoModel")
SpectrumFMForPretraining.register_for_auto_class("AutoModelForPreTraining")
SpectrumFMForSequenceClassification.register_for_auto_class("AutoModelForSequenceClassification")
# transformers has no Auto class for anomaly detection (register_for_auto_class would refuse
# the name); this key only records where the class lives, for
# transformers.dynamic_module_utils.get_class_from_dynamic_module.
SpectrumFMForAnomalyDetection._auto_class = "AutoModelForAnomalyDetection"
_AUTO_CLASSES = (SpectrumFMModel, SpectrumFMForPretraining, SpectrumFMForSequenceClassification, SpectrumFMForAnomalyDetection)
