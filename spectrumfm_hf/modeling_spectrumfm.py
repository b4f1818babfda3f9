"""PyTorch SpectrumFM: the encoder of the paper (eq. 8-19) and its task heads (eq. 20-29).

Read top to bottom: input checks, positions, the four modules of an encoder layer
(feed-forward, self-attention, convolution, feed-forward), the layer and the encoder, then
``SpectrumFMPreTrainedModel``, the base model and the heads for pre-training,
classification (modulation, technology, spectrum sensing) and anomaly detection.

Shapes: ``B`` windows, ``N`` symbols per window, ``C`` input channels (amplitude, phase),
``d`` hidden size, ``H`` heads.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn
from transformers import PreTrainedModel
from transformers.activations import ACT2FN
from transformers.modeling_outputs import BaseModelOutput, SequenceClassifierOutput
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


# --------------------------------------------------------------------------------------
# Input checks: raised where bad values enter, never deep inside a matmul.
# --------------------------------------------------------------------------------------


# Slack on the [0, 1] input range for rounding (bf16 inputs, user-side noise).
INPUT_RANGE_TOLERANCE = 1e-2


def _is_compiling() -> bool:
    return hasattr(torch, "compiler") and torch.compiler.is_compiling()


def check_input_values(input_values, config: SpectrumFMConfig) -> None:
    """Validate a batch of windows ``(B, N, C)``; raise a SpectrumFM input error naming the problem."""
    if not isinstance(input_values, torch.Tensor):
        raise SpectrumFMInputTypeError(
            f"input_values must be a torch.Tensor of shape (batch, symbols, {config.num_input_channels}), "
            f"got {type(input_values).__name__}; use SpectrumFMFeatureExtractor(..., return_tensors='pt')"
        )
    if not torch.is_floating_point(input_values):
        raise SpectrumFMInputTypeError(f"input_values must be a floating-point tensor, got dtype {input_values.dtype}")
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
    if config.validate_input_range:
        low, high = float(input_values.min()), float(input_values.max())
        if low < -INPUT_RANGE_TOLERANCE or high > 1.0 + INPUT_RANGE_TOLERANCE:
            raise SpectrumFMInputError(
                f"input_values must be min-max normalised to [0, 1] (eq. 7), got values in [{low:.4g}, {high:.4g}]; "
                "prepare IQ with SpectrumFMFeatureExtractor, or set config.validate_input_range=False for "
                "another normalisation"
            )


def _check_symbol_mask(mask, name: str, shape: tuple[int, int]) -> torch.Tensor | None:
    """Validate a (B, N) 0/1 mask and return it as bool, or None."""
    if mask is None:
        return None
    if not isinstance(mask, torch.Tensor):
        raise SpectrumFMInputTypeError(f"{name} must be a torch.Tensor of shape {shape}, got {type(mask).__name__}")
    if tuple(mask.shape) != tuple(shape):
        raise SpectrumFMInputError(f"{name} must have shape {tuple(shape)} (batch, symbols), got {tuple(mask.shape)}")
    if mask.dtype == torch.bool:
        return mask
    if not (torch.is_floating_point(mask) or mask.dtype in (torch.int8, torch.int16, torch.int32, torch.int64, torch.uint8)):
        raise SpectrumFMInputTypeError(f"{name} must be bool or integer 0/1, got dtype {mask.dtype}")
    if not _is_compiling() and not ((mask == 0) | (mask == 1)).all():
        raise SpectrumFMInputError(f"{name} must contain only 0 and 1")
    return mask != 0


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
        self.dropout = nn.Dropout(config.hidden_dropout_prob)

    def forward(self, input_values: torch.Tensor) -> torch.Tensor:
        hidden_states = self.projection(input_values)
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


class SpectrumFMSelfAttention(nn.Module):
    """Eq. 12-14 (and 21 with a mask): multi-head self-attention without projection biases.

    The attention itself runs through ``torch.nn.functional.scaled_dot_product_attention``;
    the eager path is taken only when the weights are asked for.
    """

    def __init__(self, config: SpectrumFMConfig):
        super().__init__()
        self.config = config
        self.num_heads = config.num_attention_heads
        self.head_dim = config.head_dim
        self.query = nn.Linear(config.hidden_size, config.hidden_size, bias=False)
        self.key = nn.Linear(config.hidden_size, config.hidden_size, bias=False)
        self.value = nn.Linear(config.hidden_size, config.hidden_size, bias=False)
        self.output = nn.Linear(config.hidden_size, config.hidden_size, bias=False)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)
        if config.position_embedding_type == "relative":
            # One learned scalar per head and per offset j - i in [-(N-1), N-1].
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
        dropout_p = self.config.attention_probs_dropout_prob if self.training else 0.0

        if output_attentions or getattr(self.config, "_attn_implementation", None) == "eager":
            scores = torch.matmul(query, key.transpose(-1, -2)) / math.sqrt(self.head_dim)
            if bias is not None:
                scores = scores + bias
            weights = F.dropout(torch.softmax(scores, dim=-1), p=dropout_p, training=self.training)
            context = torch.matmul(weights, value)
        else:
            weights = None
            context = F.scaled_dot_product_attention(query, key, value, attn_mask=bias, dropout_p=dropout_p)
        context = context.transpose(1, 2).reshape(batch_size, num_symbols, hidden_size)
        return self.dropout(self.output(context)), (weights if output_attentions else None)


class SpectrumFMConvolutionModule(nn.Module):
    """Eq. 15-17 without the residual: pointwise d -> 2d + GLU, depthwise k + swish, pointwise d -> d.

    The two pointwise (kernel-1) convolutions are held as ``nn.Linear`` layers: the same map,
    applied to (B, N, d) without transposes, several times faster on CPU than a kernel-1
    ``Conv1d`` and a plain target for LoRA. Only the depthwise convolution needs (B, d, N).
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
        self.batch_norm = nn.BatchNorm1d(d) if config.conv_norm == "batch_norm" else None
        self.activation = nn.SiLU()  # swish
        self.pointwise_conv2 = nn.Linear(d, d, bias=False)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)

    def forward(self, hidden_states: torch.Tensor, padding_mask: torch.Tensor | None = None) -> torch.Tensor:
        hidden_states = self.glu(self.pointwise_conv1(hidden_states))
        if padding_mask is not None:
            # Padded symbols must not leak into their valid neighbours through the kernel.
            hidden_states = hidden_states * padding_mask[..., None].to(hidden_states.dtype)
        hidden_states = self.depthwise_conv(hidden_states.transpose(1, 2))
        if self.batch_norm is not None:
            hidden_states = self.batch_norm(hidden_states)
        hidden_states = self.activation(hidden_states.transpose(1, 2))
        return self.dropout(self.pointwise_conv2(hidden_states))


class SpectrumFMEncoderLayer(nn.Module):
    """One encoder layer (eq. 11-18): FFN -> MHSA -> convolution -> FFN, each with residual and norm.

    Norm placement: the paper's "RN" is a residual add followed by LayerNorm (post-norm), and
    its text gives every module one, the last FFN included although eq. 18 omits it; the
    authors' code is post-norm too. That is the default. ``norm_placement="pre"`` normalises
    each module's input instead (``x + f(LN(x))``), which keeps a 16-layer stack trainable at
    higher learning rates without warm-up. ``feed_forward_residual_weight`` scales both FFN
    outputs (0.5 gives the authors' half-step macaron residuals).
    """

    def __init__(self, config: SpectrumFMConfig):
        super().__init__()
        self.pre_norm = config.norm_placement == "pre"
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
        self.gradient_checkpointing = False

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
            if self.gradient_checkpointing and self.training:
                hidden_states, attn_weights = self._gradient_checkpointing_func(
                    layer.__call__, hidden_states, key_padding_bias, padding_mask, output_attentions
                )
            else:
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
        symbol_mask: (B, N) bool, True where the symbol was visible, False where masked (m in eq. 20).
        last_hidden_state: (B, N, d) encoder output of the masked input.
        hidden_states: per-layer outputs when ``output_hidden_states=True``.
        attentions: per-layer attention weights when ``output_attentions=True``.
    """

    loss: torch.FloatTensor | None = None
    reconstruction_loss: torch.FloatTensor | None = None
    next_slot_loss: torch.FloatTensor | None = None
    reconstruction: torch.FloatTensor | None = None
    next_slot_prediction: torch.FloatTensor | None = None
    symbol_mask: torch.BoolTensor | None = None
    last_hidden_state: torch.FloatTensor | None = None
    hidden_states: tuple[torch.FloatTensor, ...] | None = None
    attentions: tuple[torch.FloatTensor, ...] | None = None


@dataclass
class SpectrumFMAnomalyDetectionOutput(ModelOutput):
    """Output of :class:`SpectrumFMForAnomalyDetection`.

    Args:
        loss: mean anomaly score over the batch (eq. 29), the training loss on normal windows.
        anomaly_score: (B,) per-window reconstruction MSE; higher means more anomalous.
        reconstruction: (B, N, C) ``tanh`` reconstruction of the input (eq. 28).
        is_anomaly: (B,) bool, ``anomaly_score > config.anomaly_threshold``; None until calibrated.
        last_hidden_state, hidden_states, attentions: as in the base model.
    """

    loss: torch.FloatTensor | None = None
    anomaly_score: torch.FloatTensor | None = None
    reconstruction: torch.FloatTensor | None = None
    is_anomaly: torch.BoolTensor | None = None
    last_hidden_state: torch.FloatTensor | None = None
    hidden_states: tuple[torch.FloatTensor, ...] | None = None
    attentions: tuple[torch.FloatTensor, ...] | None = None


# --------------------------------------------------------------------------------------
# Pre-trained model base
# --------------------------------------------------------------------------------------

# Where each class lives in a saved folder, so that a checkpoint of any head loads through the
# Auto classes with ``trust_remote_code=True`` on a machine without this package.
AUTO_MAP = {
    "AutoConfig": "configuration_spectrumfm.SpectrumFMConfig",
    "AutoModel": "modeling_spectrumfm.SpectrumFMModel",
    "AutoModelForPreTraining": "modeling_spectrumfm.SpectrumFMForPretraining",
    "AutoModelForSequenceClassification": "modeling_spectrumfm.SpectrumFMForSequenceClassification",
}


class SpectrumFMPreTrainedModel(PreTrainedModel):
    """Weight initialisation, loading and the conventions every SpectrumFM class shares."""

    config_class = SpectrumFMConfig
    base_model_prefix = "spectrumfm"
    main_input_name = "input_values"
    supports_gradient_checkpointing = True
    _no_split_modules = ["SpectrumFMEncoderLayer"]
    _supports_sdpa = True

    @torch.no_grad()
    def _init_weights(self, module: nn.Module) -> None:
        std = self.config.initializer_range
        if isinstance(module, (nn.Linear, nn.Conv1d)):
            _init.normal_(module.weight, mean=0.0, std=std)
            if module.bias is not None:
                _init.zeros_(module.bias)
        elif isinstance(module, (nn.LayerNorm, nn.BatchNorm1d)):
            _init.ones_(module.weight)
            _init.zeros_(module.bias)
            if isinstance(module, nn.BatchNorm1d):
                _init.zeros_(module.running_mean)
                _init.ones_(module.running_var)
                _init.zeros_(module.num_batches_tracked)
        elif isinstance(module, (nn.LSTM, nn.GRU)):
            for name, param in module.named_parameters():
                if "weight" in name:
                    _init.xavier_uniform_(param)
                else:
                    _init.zeros_(param)
        elif isinstance(module, SpectrumFMSelfAttention) and module.relative_position_bias is not None:
            _init.zeros_(module.relative_position_bias)

    def save_pretrained(self, save_directory, *args, **kwargs):
        """Save weights (safetensors), config and, for the Hub, the code that defines them."""
        self.config.auto_map = dict(AUTO_MAP)
        return super().save_pretrained(save_directory, *args, **kwargs)

    @classmethod
    def from_pretrained(cls, pretrained_model_name_or_path, *args, **kwargs):
        """Load a checkpoint; one whose tensors do not fit the requested configuration raises
        :class:`SpectrumFMConfigError` naming the configuration values that differ."""
        try:
            return super().from_pretrained(pretrained_model_name_or_path, *args, **kwargs)
        except RuntimeError as error:
            if "mismatch" not in str(error):
                raise
            differences = _config_differences(pretrained_model_name_or_path, kwargs)
            raise SpectrumFMConfigError(
                f"the checkpoint at {pretrained_model_name_or_path!r} does not fit the configuration requested for "
                f"{cls.__name__}: {differences or 'tensor shapes differ'}. Load it with its own config.json, or "
                "pass ignore_mismatched_sizes=True to re-initialise the differing tensors on purpose."
            ) from error


# Configuration values that decide tensor shapes.
_SHAPE_FIELDS = (
    "num_input_channels", "hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size",
    "max_position_embeddings", "position_embedding_type", "conv_kernel_size", "conv_norm", "norm_placement",
    "next_slot_rnn_type", "classifier_rnn_type", "classifier_bidirectional", "classifier_hidden_size", "num_labels",
)


def _config_differences(path, kwargs) -> str:
    """'name: checkpoint X, requested Y' for each shape-deciding value that differs."""
    try:
        saved = SpectrumFMConfig.from_pretrained(path)
    except (OSError, ValueError):
        return ""
    requested = kwargs.get("config")
    if not isinstance(requested, SpectrumFMConfig):
        requested = SpectrumFMConfig.from_dict({**saved.to_dict(), **{k: v for k, v in kwargs.items() if k in _SHAPE_FIELDS}})
    return ", ".join(
        f"{name}: checkpoint {getattr(saved, name)!r}, requested {getattr(requested, name)!r}"
        for name in _SHAPE_FIELDS
        if getattr(saved, name, None) != getattr(requested, name, None)
    )


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

    def forward(
        self,
        input_values: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        symbol_mask: torch.Tensor | None = None,
        capture_index: torch.Tensor | None = None,
        window_start: torch.Tensor | None = None,
        output_attentions: bool | None = None,
        output_hidden_states: bool | None = None,
        return_dict: bool | None = None,
    ) -> BaseModelOutput | tuple:
        r"""
        Args:
            input_values: (B, N, C) min-max normalised amplitude/phase windows (eq. 7), as
                returned by :class:`SpectrumFMFeatureExtractor`.
            attention_mask: (B, N), 1 for real symbols, 0 for padding.
            symbol_mask: (B, N), 1 for visible symbols, 0 for symbols masked out (m in eq. 20):
                masked symbols are zeroed in the input and hidden as attention keys (eq. 21).
            capture_index, window_start: which capture and sample each window comes from, as the
                feature extractor returns them; not used by the encoder, accepted so that
                ``model(**features)`` works.
        """
        output_attentions = output_attentions if output_attentions is not None else self.config.output_attentions
        output_hidden_states = (
            output_hidden_states if output_hidden_states is not None else self.config.output_hidden_states
        )
        return_dict = return_dict if return_dict is not None else self.config.return_dict
        check_input_values(input_values, self.config)
        shape = tuple(input_values.shape[:2])
        attention_mask = _check_symbol_mask(attention_mask, "attention_mask", shape)
        symbol_mask = _check_symbol_mask(symbol_mask, "symbol_mask", shape)
        if attention_mask is not None and not _is_compiling() and bool(attention_mask.all()):
            attention_mask = None  # nothing padded: let attention take its unmasked fast path

        keep = attention_mask
        if symbol_mask is not None:
            keep = symbol_mask if keep is None else keep & symbol_mask
        hidden_input = input_values.to(self.embeddings.projection.weight.dtype)
        if self.training and self.config.input_noise_std > 0:
            hidden_input = hidden_input + self.config.input_noise_std * torch.randn_like(hidden_input)
        if keep is not None:
            hidden_input = hidden_input * keep[..., None].to(hidden_input.dtype)  # eq. 20

        hidden_states = self.embeddings(hidden_input)
        encoder_outputs = self.encoder(
            hidden_states,
            key_padding_bias=_key_padding_bias(keep, hidden_states.dtype),
            padding_mask=attention_mask,
            output_attentions=output_attentions,
            output_hidden_states=output_hidden_states,
        )
        if not return_dict:
            return tuple(v for v in encoder_outputs.to_tuple() if v is not None)
        return encoder_outputs


def _make_rnn(kind: str, input_size: int, hidden_size: int, bidirectional: bool = False) -> nn.RNNBase:
    rnn_class = nn.LSTM if kind == "lstm" else nn.GRU
    return rnn_class(input_size, hidden_size, batch_first=True, bidirectional=bidirectional)


def _last_valid_index(attention_mask: torch.Tensor | None, batch_size: int, num_symbols: int, device) -> torch.Tensor:
    """Index of each window's last real symbol, (B,) long."""
    if attention_mask is None:
        return torch.full((batch_size,), num_symbols - 1, dtype=torch.long, device=device)
    return (attention_mask.long().sum(dim=1) - 1).clamp(min=0)


def _resolve_return_dict(model: PreTrainedModel, return_dict: bool | None) -> bool:
    return return_dict if return_dict is not None else model.config.return_dict


# --------------------------------------------------------------------------------------
# Heads
# --------------------------------------------------------------------------------------


class SpectrumFMForPretraining(SpectrumFMPreTrainedModel):
    """Masked reconstruction (eq. 20-23) and next-slot prediction (eq. 24-25) in one forward.

    By default one encoder pass serves both: the last slot is hidden from the encoder
    together with the masked symbols (zeroed input, masked key), so the next-slot head cannot
    see its target. ``config.pretraining_single_pass=False`` runs eq. 24 literally, on a
    second pass over the unmasked first N-1 slots.
    """

    def __init__(self, config: SpectrumFMConfig):
        super().__init__(config)
        self.spectrumfm = SpectrumFMModel(config)
        self.reconstruction_head = nn.Linear(config.hidden_size, config.num_input_channels)  # eq. 22
        self.next_slot_rnn = _make_rnn(config.next_slot_rnn_type, config.hidden_size, config.hidden_size)
        self.next_slot_head = nn.Linear(config.hidden_size, config.num_input_channels)  # eq. 24
        self.post_init()

    def make_symbol_mask(
        self, batch_size: int, num_symbols: int, generator: torch.Generator | None = None, device=None
    ) -> torch.Tensor:
        """Draw m ~ Bernoulli(1 - r) per symbol, (B, N) bool, True = visible (eq. 20)."""
        device = device if device is not None else self.device
        draws = torch.rand((batch_size, num_symbols), generator=generator, device=device)
        return draws >= self.config.mask_ratio

    def _next_slot(self, latent: torch.Tensor, last_index: torch.Tensor) -> torch.Tensor:
        """Eq. 24: RNN over the latent of slots 0..last-1, its state at last-1, linear + sigmoid."""
        outputs, _ = self.next_slot_rnn(latent[:, :-1])
        batch = torch.arange(latent.shape[0], device=latent.device)
        return torch.sigmoid(self.next_slot_head(outputs[batch, last_index - 1]))

    def forward(
        self,
        input_values: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        symbol_mask: torch.Tensor | None = None,
        generator: torch.Generator | None = None,
        capture_index: torch.Tensor | None = None,
        window_start: torch.Tensor | None = None,
        output_attentions: bool | None = None,
        output_hidden_states: bool | None = None,
        return_dict: bool | None = None,
    ) -> SpectrumFMForPretrainingOutput | tuple:
        r"""
        Args:
            input_values: (B, N, C) normalised windows; N >= 2.
            attention_mask: (B, N), 1 for real symbols, 0 for padding; each window needs two real symbols.
            symbol_mask: (B, N), 1 visible, 0 masked (m in eq. 20). Drawn with ratio
                ``config.mask_ratio`` from ``generator`` when not given.
            generator: random generator for the mask, for reproducible masking.
        """
        return_dict = _resolve_return_dict(self, return_dict)
        check_input_values(input_values, self.config)
        batch_size, num_symbols, _ = input_values.shape
        if num_symbols < 2:
            raise SpectrumFMInputError(f"pre-training needs windows of at least 2 symbols, got {num_symbols}")
        attention_mask = _check_symbol_mask(attention_mask, "attention_mask", (batch_size, num_symbols))
        symbol_mask = _check_symbol_mask(symbol_mask, "symbol_mask", (batch_size, num_symbols))
        if symbol_mask is None:
            symbol_mask = self.make_symbol_mask(batch_size, num_symbols, generator, input_values.device)
        last_index = _last_valid_index(attention_mask, batch_size, num_symbols, input_values.device)
        if attention_mask is not None and not _is_compiling() and bool((last_index < 1).any()):
            raise SpectrumFMInputError("pre-training needs at least 2 real (unpadded) symbols in every window")

        positions = torch.arange(num_symbols, device=input_values.device)
        not_last = positions[None, :] != last_index[:, None]
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
        scored = scored.to(latent.dtype)
        squared_error = (reconstruction.float() - targets.float()).pow(2).mean(dim=-1)
        reconstruction_loss = (squared_error * scored).sum() / scored.sum().clamp(min=1.0)

        # Eq. 24-25: predict the last real slot from the ones before it.
        if self.config.pretraining_single_pass:
            prediction_latent = latent
        else:
            prediction_latent = self.spectrumfm(
                input_values, attention_mask=attention_mask, symbol_mask=not_last, return_dict=True
            ).last_hidden_state
        next_slot_prediction = self._next_slot(prediction_latent, last_index)
        batch = torch.arange(batch_size, device=input_values.device)
        next_slot_loss = (next_slot_prediction.float() - targets[batch, last_index].float()).pow(2).mean()

        loss = (
            self.config.reconstruction_loss_weight * reconstruction_loss
            + self.config.next_slot_loss_weight * next_slot_loss
        )
        output = SpectrumFMForPretrainingOutput(
            loss=loss,
            reconstruction_loss=reconstruction_loss,
            next_slot_loss=next_slot_loss,
            reconstruction=reconstruction,
            next_slot_prediction=next_slot_prediction,
            symbol_mask=symbol_mask,
            last_hidden_state=latent,
            hidden_states=outputs.hidden_states,
            attentions=outputs.attentions,
        )
        return output if return_dict else output.to_tuple()


class SpectrumFMForSequenceClassification(SpectrumFMPreTrainedModel):
    """Eq. 26-27: RNN over the latent sequence, its last state, linear -> ``num_labels`` logits.

    Serves modulation classification, wireless-technology classification and spectrum sensing
    (vacant / occupied).
    """

    def __init__(self, config: SpectrumFMConfig):
        super().__init__(config)
        self.num_labels = config.num_labels
        self.spectrumfm = SpectrumFMModel(config)
        self.classifier_rnn = _make_rnn(
            config.classifier_rnn_type, config.hidden_size, config.classifier_hidden_size,
            bidirectional=config.classifier_bidirectional,
        )
        self.dropout = nn.Dropout(config.classifier_dropout)
        directions = 2 if config.classifier_bidirectional else 1
        self.classifier = nn.Linear(directions * config.classifier_hidden_size, config.num_labels)
        self.post_init()

    def pool(self, latent: torch.Tensor, attention_mask: torch.Tensor | None) -> torch.Tensor:
        """The RNN's final state over each window's real symbols, (B, directions * hidden)."""
        batch_size, num_symbols, _ = latent.shape
        if self.config.classifier_bidirectional:
            if attention_mask is not None:
                lengths = attention_mask.long().sum(dim=1).clamp(min=1).cpu()
                latent = nn.utils.rnn.pack_padded_sequence(latent, lengths, batch_first=True, enforce_sorted=False)
            _, state = self.classifier_rnn(latent)
            state = state[0] if isinstance(state, tuple) else state  # LSTM returns (h, c)
            return torch.cat([state[-2], state[-1]], dim=-1)
        outputs, _ = self.classifier_rnn(latent)
        last_index = _last_valid_index(attention_mask, batch_size, num_symbols, latent.device)
        return outputs[torch.arange(batch_size, device=latent.device), last_index]

    def forward(
        self,
        input_values: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        labels: torch.Tensor | None = None,
        capture_index: torch.Tensor | None = None,
        window_start: torch.Tensor | None = None,
        output_attentions: bool | None = None,
        output_hidden_states: bool | None = None,
        return_dict: bool | None = None,
    ) -> SequenceClassifierOutput | tuple:
        r"""
        Args:
            labels: (B,) class indices in ``[0, num_labels)``; when given, the cross-entropy loss
                (eq. 27) is returned.
        """
        return_dict = _resolve_return_dict(self, return_dict)
        outputs = self.spectrumfm(
            input_values,
            attention_mask=attention_mask,
            output_attentions=output_attentions,
            output_hidden_states=output_hidden_states,
            return_dict=True,
        )
        mask = _check_symbol_mask(attention_mask, "attention_mask", tuple(input_values.shape[:2]))
        pooled = self.pool(outputs.last_hidden_state, mask)
        logits = self.classifier(self.dropout(pooled))
        loss = None
        if labels is not None:
            labels = _check_labels(labels, input_values.shape[0], self.num_labels)
            loss = F.cross_entropy(logits.float(), labels)
        if not return_dict:
            output = (logits,) + tuple(v for v in (outputs.hidden_states, outputs.attentions) if v is not None)
            return ((loss,) + output) if loss is not None else output
        return SequenceClassifierOutput(
            loss=loss, logits=logits, hidden_states=outputs.hidden_states, attentions=outputs.attentions
        )


def _check_labels(labels, batch_size: int, num_labels: int) -> torch.Tensor:
    if not isinstance(labels, torch.Tensor):
        raise SpectrumFMInputTypeError(f"labels must be a torch.Tensor of shape ({batch_size},), got {type(labels).__name__}")
    if labels.dtype.is_floating_point or labels.dtype == torch.bool or labels.is_complex():
        raise SpectrumFMInputTypeError(f"labels must be integer class indices, got dtype {labels.dtype}")
    if tuple(labels.shape) != (batch_size,):
        raise SpectrumFMInputError(f"labels must have shape ({batch_size},), got {tuple(labels.shape)}")
    if not _is_compiling() and bool(((labels < 0) | (labels >= num_labels)).any()):
        raise SpectrumFMInputError(f"labels must lie in [0, {num_labels}), got values {labels.unique().tolist()}")
    return labels.long()


class SpectrumFMForAnomalyDetection(SpectrumFMPreTrainedModel):
    """Eq. 28-29: ``tanh`` reconstruction of the input; the per-window MSE is the anomaly score.

    Train on normal windows only (the loss is the mean score), then call
    :meth:`calibrate_threshold` on held-out normal windows' scores to store a threshold for
    a chosen false-alarm rate in the config.
    """

    def __init__(self, config: SpectrumFMConfig):
        super().__init__(config)
        self.spectrumfm = SpectrumFMModel(config)
        self.reconstruction_head = nn.Linear(config.hidden_size, config.num_input_channels)
        self.post_init()

    def forward(
        self,
        input_values: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        capture_index: torch.Tensor | None = None,
        window_start: torch.Tensor | None = None,
        output_attentions: bool | None = None,
        output_hidden_states: bool | None = None,
        return_dict: bool | None = None,
    ) -> SpectrumFMAnomalyDetectionOutput | tuple:
        return_dict = _resolve_return_dict(self, return_dict)
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
        mask = _check_symbol_mask(attention_mask, "attention_mask", tuple(input_values.shape[:2]))
        if mask is None:
            anomaly_score = squared_error.mean(dim=1)
        else:
            weights = mask.to(squared_error.dtype)
            anomaly_score = (squared_error * weights).sum(dim=1) / weights.sum(dim=1).clamp(min=1.0)
        loss = anomaly_score.mean()
        is_anomaly = None
        if self.config.anomaly_threshold is not None:
            is_anomaly = anomaly_score > self.config.anomaly_threshold
        output = SpectrumFMAnomalyDetectionOutput(
            loss=loss,
            anomaly_score=anomaly_score,
            reconstruction=reconstruction,
            is_anomaly=is_anomaly,
            last_hidden_state=latent,
            hidden_states=outputs.hidden_states,
            attentions=outputs.attentions,
        )
        return output if return_dict else output.to_tuple()

    def calibrate_threshold(self, normal_scores, false_alarm_rate: float = 0.01) -> float:
        """Set ``config.anomaly_threshold`` so that a fraction ``false_alarm_rate`` of the given
        scores of held-out *normal* windows would be flagged; return the threshold.

        Args:
            normal_scores: 1-D anomaly scores of normal windows not used for training.
            false_alarm_rate: wanted probability of flagging a normal window, in (0, 1).
        """
        scores = torch.as_tensor(normal_scores, dtype=torch.float64).flatten()
        if scores.numel() == 0 or not torch.isfinite(scores).all():
            raise SpectrumFMInputError("normal_scores must be a non-empty array of finite anomaly scores")
        if not 0.0 < float(false_alarm_rate) < 1.0:
            raise SpectrumFMInputError(f"false_alarm_rate must lie in (0, 1), got {false_alarm_rate}")
        threshold = float(torch.quantile(scores, 1.0 - float(false_alarm_rate)))
        self.config.anomaly_threshold = threshold
        self.config.anomaly_false_alarm_rate = float(false_alarm_rate)
        return threshold


# Saving any of these classes also saves this file and the configuration's, so the checkpoint
# loads with trust_remote_code=True where the package is not installed (see AUTO_MAP).
SpectrumFMModel.register_for_auto_class("AutoModel")
SpectrumFMForPretraining.register_for_auto_class("AutoModelForPreTraining")
SpectrumFMForSequenceClassification.register_for_auto_class("AutoModelForSequenceClassification")
# transformers has no Auto class for anomaly detection; this key only records where the class
# lives (load it with transformers.dynamic_module_utils.get_class_from_dynamic_module).
SpectrumFMForAnomalyDetection._auto_class = "AutoModelForAnomalyDetection"
