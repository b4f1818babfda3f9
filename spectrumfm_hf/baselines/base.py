"""What every trainable baseline shares: its configuration fields, input checks, weight
initialisation and the classification ``forward`` that ``Trainer`` drives.

Every baseline takes ``input_values`` of shape ``(B, N, 2)``: either raw I/Q (I then Q, as
the data package writes it) or the amplitude/phase features of
:class:`~spectrumfm_hf.SpectrumFMFeatureExtractor`. The configuration's
``input_representation`` records which of the two a model is trained on (each model's
default follows its own paper); the network itself is the same for both, so the harness
reads the field to prepare the matching inputs.
"""

from __future__ import annotations

import inspect
import math

import torch
import torch.nn.functional as F
from torch import nn
from transformers import PretrainedConfig, PreTrainedModel
from transformers.modeling_outputs import SequenceClassifierOutput

from ..configuration_spectrumfm import SpectrumFMConfigError, SpectrumFMInputError, SpectrumFMInputTypeError

try:  # transformers >= 5: initialisers that leave weights loaded from a checkpoint alone
    from transformers import initialization as _init
except ImportError:  # transformers 4.x
    _init = nn.init

INPUT_REPRESENTATIONS = ("iq", "amplitude_phase")
"""What ``input_values`` hold: raw I/Q, or the SpectrumFM amplitude/phase features."""


class BaselineConfig(PretrainedConfig):
    """Fields every baseline configuration has.

    Args:
        num_samples (`int`, defaults to 128):
            IQ samples per window N; layers that flatten the time axis are sized from it.
        input_representation (`str`, defaults to the model's own paper):
            `"iq"` or `"amplitude_phase"`: what ``input_values`` hold (see the module docstring).
        num_labels, id2label, label2id:
            Classification labels, as everywhere in transformers.
    """

    default_input_representation = "iq"

    def __init__(self, num_samples: int = 128, input_representation: str | None = None, **kwargs):
        self.num_samples = num_samples
        self.input_representation = input_representation or self.default_input_representation
        super().__init__(**kwargs)
        self._check_architecture_values()
        minimum = self.min_num_samples
        if isinstance(num_samples, bool) or not isinstance(num_samples, int) or num_samples < minimum:
            raise SpectrumFMConfigError(
                f"num_samples must be an integer >= {minimum} for {type(self).__name__}, got {num_samples!r}"
            )
        if self.input_representation not in INPUT_REPRESENTATIONS:
            raise SpectrumFMConfigError(
                f"input_representation must be one of {INPUT_REPRESENTATIONS}, "
                f"got {self.input_representation!r}"
            )

    # The shortest window the architecture's valid convolutions and pooling leave non-empty.
    min_num_samples = 1

    def _check_architecture_values(self) -> None:
        """Check every argument the subclasses' ``__init__`` declare, by kind: sizes (integer
        defaults, lists) positive integers, dropouts in [0, 1), weights (float defaults) finite >= 0."""
        for config_class in type(self).__mro__:
            if not (isinstance(config_class, type) and issubclass(config_class, BaselineConfig)):
                continue
            for name, parameter in inspect.signature(config_class.__init__).parameters.items():
                if name in ("self", "kwargs", "num_samples", "input_representation"):
                    continue
                value, default = getattr(self, name), parameter.default
                if "dropout" in name:
                    if not _is_number(value) or not 0.0 <= value < 1.0:
                        raise SpectrumFMConfigError(f"{name} must be a number in [0, 1), got {value!r}")
                elif isinstance(default, float):
                    if not _is_number(value) or not (math.isfinite(value) and value >= 0.0):
                        raise SpectrumFMConfigError(f"{name} must be a finite number >= 0, got {value!r}")
                elif isinstance(default, int) and not isinstance(default, bool):
                    if not _is_positive_integer(value):
                        raise SpectrumFMConfigError(f"{name} must be a positive integer, got {value!r}")
                elif isinstance(value, list):
                    if not value or not all(_is_positive_integer(item) for item in value):
                        raise SpectrumFMConfigError(
                            f"{name} must be a non-empty list of positive integers, got {value!r}"
                        )


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_positive_integer(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def check_input_values(input_values, num_samples: int) -> None:
    """Raise a SpectrumFM input error unless ``input_values`` is a finite float tensor (B, num_samples, 2)."""
    if not isinstance(input_values, torch.Tensor):
        raise SpectrumFMInputTypeError(
            f"input_values must be a torch.Tensor of shape (batch, {num_samples}, 2), "
            f"got {type(input_values).__name__}"
        )
    if not torch.is_floating_point(input_values):
        raise SpectrumFMInputTypeError(
            f"input_values must be a floating-point tensor, got dtype {input_values.dtype}"
        )
    if input_values.ndim != 3 or input_values.shape[1:] != (num_samples, 2) or input_values.shape[0] == 0:
        raise SpectrumFMInputError(
            f"input_values must have shape (batch >= 1, {num_samples}, 2), got {tuple(input_values.shape)}"
        )
    if not torch.isfinite(input_values).all():
        raise SpectrumFMInputError("input_values contains NaN or Inf")


def check_labels(labels, batch_size: int, num_labels: int) -> torch.Tensor:
    """Return ``labels`` as int64 after checking they are (batch_size,) class indices in [0, num_labels)."""
    if not isinstance(labels, torch.Tensor):
        raise SpectrumFMInputTypeError(
            f"labels must be a torch.Tensor of shape ({batch_size},), got {type(labels).__name__}"
        )
    if labels.dtype.is_floating_point or labels.dtype == torch.bool or labels.is_complex():
        raise SpectrumFMInputTypeError(f"labels must be integer class indices, got dtype {labels.dtype}")
    if tuple(labels.shape) != (batch_size,):
        raise SpectrumFMInputError(f"labels must have shape ({batch_size},), got {tuple(labels.shape)}")
    if bool(((labels < 0) | (labels >= num_labels)).any()):
        raise SpectrumFMInputError(
            f"labels must lie in [0, {num_labels}), got values {labels.unique().tolist()}"
        )
    return labels.long()


def as_iq_image(input_values: torch.Tensor) -> torch.Tensor:
    """(B, N, 2) -> (B, 1, 2, N): the one-channel "2 x N image" the 2-D convolutional AMC networks read."""
    return input_values.transpose(1, 2).unsqueeze(1)


def same_padding(kernel: tuple[int, int]) -> tuple[int, int, int, int]:
    """``F.pad`` widths (left, right, top, bottom) of a stride-1 "same" 2-D convolution, the odd
    one out after the data (Keras's convention, which the reference implementations follow)."""
    rows, columns = kernel
    return (columns - 1) // 2, columns // 2, (rows - 1) // 2, rows // 2


class GaussianDropout(nn.Module):
    """Multiplicative N(1, p / (1 - p)) noise while training (Keras ``GaussianDropout``), identity in eval."""

    def __init__(self, rate: float):
        super().__init__()
        self.rate = rate

    def forward(self, hidden_states: torch.Tensor) -> torch.Tensor:
        if not self.training or self.rate == 0.0:
            return hidden_states
        std = (self.rate / (1.0 - self.rate)) ** 0.5
        return hidden_states * (1.0 + std * torch.randn_like(hidden_states))


class BaselinePreTrainedModel(PreTrainedModel):
    """Glorot-uniform initialisation (the Keras default the reference implementations train with)."""

    config_class = BaselineConfig
    base_model_prefix = "baseline"
    main_input_name = "input_values"

    @torch.no_grad()
    def _init_weights(self, module: nn.Module) -> None:
        if isinstance(module, (nn.Linear, nn.Conv1d, nn.Conv2d)):
            _init.xavier_uniform_(module.weight)
            if module.bias is not None:
                _init.zeros_(module.bias)
        elif isinstance(module, (nn.LayerNorm, nn.BatchNorm1d, nn.BatchNorm2d)):
            _init.ones_(module.weight)
            _init.zeros_(module.bias)
        elif isinstance(module, nn.RNNBase):
            for name, parameter in module.named_parameters():
                if "weight" in name:
                    _init.xavier_uniform_(parameter)
                else:
                    _init.zeros_(parameter)


class BaselineForSequenceClassification(BaselinePreTrainedModel):
    """``forward(input_values, attention_mask=None, labels=None)`` -> ``SequenceClassifierOutput``.

    Subclasses implement :meth:`compute_logits`; a model with a training loss of its own
    beside the cross-entropy (the DAE's reconstruction) overrides :meth:`logits_and_auxiliary_loss`.
    ``attention_mask`` is accepted so that one collator serves every model, and ignored:
    the baselines read whole windows of ``num_samples`` samples.
    """

    def compute_logits(self, input_values: torch.Tensor) -> torch.Tensor:
        """(B, N, 2) windows -> (B, num_labels) logits."""
        raise NotImplementedError(f"{type(self).__name__} must implement compute_logits")

    def logits_and_auxiliary_loss(
        self, input_values: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Logits and a loss added to the cross-entropy (None when the model has none)."""
        return self.compute_logits(input_values), None

    def forward(
        self,
        input_values: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        labels: torch.Tensor | None = None,
        return_dict: bool | None = None,
    ) -> SequenceClassifierOutput | tuple:
        r"""
        Args:
            input_values: (B, N, 2) windows in the configuration's ``input_representation``.
            attention_mask: ignored (whole windows); accepted for a collator shared with SpectrumFM.
            labels: (B,) class indices in ``[0, num_labels)``; when given, the loss is returned.
        """
        check_input_values(input_values, self.config.num_samples)
        logits, auxiliary_loss = self.logits_and_auxiliary_loss(input_values)
        loss = None
        if labels is not None:
            labels = check_labels(labels, input_values.shape[0], self.config.num_labels)
            loss = F.cross_entropy(logits.float(), labels)
            if auxiliary_loss is not None:
                loss = loss + auxiliary_loss
        return_dict = return_dict if return_dict is not None else self.config.return_dict
        if not return_dict:
            return (loss, logits) if loss is not None else (logits,)
        return SequenceClassifierOutput(loss=loss, logits=logits)
