"""SpectrumFM model configuration.

This file, ``modeling_spectrumfm.py`` and ``feature_extraction_spectrumfm.py`` import only
from each other, transformers, torch and numpy, so that a saved checkpoint carries them and
loads with ``trust_remote_code=True`` where this package is not installed.
"""

from __future__ import annotations

import math
import reprlib
from numbers import Integral, Real

import numpy as np

from transformers import PretrainedConfig
from transformers.activations import ACT2FN


class SpectrumFMInputError(ValueError):
    """Invalid input to a SpectrumFM model or feature extractor: wrong shape, non-finite values, bad option."""


class SpectrumFMInputTypeError(TypeError):
    """Input of the wrong type or dtype for a SpectrumFM model or feature extractor."""


class SpectrumFMConfigError(ValueError):
    """An invalid SpectrumFM configuration value, or a checkpoint that does not match its configuration."""


class _BoundedRepr(reprlib.Repr):
    """``reprlib`` limits depth and items per level, so a deeply nested or self-multiplying
    container prints in bounded time; integers too long to print get their size instead."""

    def __init__(self):
        super().__init__()
        self.maxlevel, self.maxlist, self.maxtuple, self.maxdict, self.maxset = 3, 4, 4, 4, 4
        self.maxstring, self.maxother = 60, 60

    def repr_int(self, value, level):
        if value.bit_length() > 256:  # str() of a huge int is quadratic, and refused past 4300 digits
            return f"<int of about {int(value.bit_length() * math.log10(2))} digits>"
        return super().repr_int(value, level)


_BOUNDED_REPR = _BoundedRepr()


def describe_value(value, limit: int = 80) -> str:
    """A short description of any value for an error message: its type, its shape and dtype when
    it has them (never its elements), otherwise a repr truncated to ``limit`` characters.

    Safe on hostile values: 100,000-deep nesting, containers that repeat themselves, huge
    integers and objects whose ``repr`` raises all give a bounded string at once.
    """
    type_name = type(value).__name__
    shape, dtype = getattr(value, "shape", None), getattr(value, "dtype", None)
    if shape is not None and dtype is not None and not isinstance(value, Real):
        try:
            shape = tuple(int(size) for size in shape)
        except (TypeError, ValueError):
            shape = "unknown"
        extra = "".join(
            f", {name} {getattr(value, name)}"
            for name, usual in (("layout", "torch.strided"), ("device", "cpu"))
            if hasattr(value, name) and str(getattr(value, name)) != usual
        )
        return f"{type_name} of shape {shape} and dtype {dtype}{extra}"[: max(limit, 20)]
    text = _BOUNDED_REPR.repr(value)
    if len(text) > limit:
        text = text[: max(limit - 3, 1)] + "..."
    return text if type_name in ("str", "int", "float", "bool", "NoneType") else f"{text} ({type_name})"


class OptionChecker:
    """Checks named option values where they enter, returning them as plain Python values.

    A bad value raises ``value_error``, a value of the wrong type ``type_error``, each naming
    the option, what it got (through :func:`describe_value`) and what was expected.
    """

    def __init__(self, value_error: type[Exception], type_error: type[Exception], owner: str = ""):
        self.value_error, self.type_error, self.owner = value_error, type_error, owner

    def fail(self, name: str, value, expected: str, wrong_type: bool = False) -> None:
        error = self.type_error if wrong_type else self.value_error
        raise error(f"{self.owner}{name} must be {expected}, got {describe_value(value)}")

    def integer(self, name: str, value, high: int) -> int:
        """An integer in [1, high]; numpy integers become ints."""
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, Integral):
            self.fail(name, value, f"an integer in [1, {high}]", wrong_type=True)
        if not 1 <= value <= high:
            self.fail(name, value, f"an integer in [1, {high}]")
        return int(value)

    def real(self, name: str, value, low: float, high: float, low_open: bool = False, high_open: bool = False,
             optional: bool = False) -> float | None:
        """A finite number in the interval from ``low`` to ``high`` (or None when ``optional``), as a float."""
        if value is None and optional:
            return None
        interval = f"{'(' if low_open else '['}{low}, {high}{')' if high_open else ']'}"
        expected = f"a finite number in {interval}" + (" or None" if optional else "")
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, Real):
            self.fail(name, value, expected, wrong_type=True)
        try:
            number = float(value)
        except OverflowError:  # an int beyond float range
            number = math.inf
        inside = (low < number if low_open else low <= number) and (number < high if high_open else number <= high)
        if not (math.isfinite(number) and inside):
            self.fail(name, value, expected)
        return number

    def flag(self, name: str, value) -> bool:
        """A real bool: ``"false"`` or 0 would otherwise be read as true or false by accident."""
        if not isinstance(value, bool):
            self.fail(name, value, "True or False (a bool, not a string or number)", wrong_type=True)
        return value

    def choice(self, name: str, value, choices) -> str:
        """One of the strings ``choices``."""
        if not isinstance(value, str) or value not in choices:
            self.fail(name, value, f"one of {tuple(choices)}")
        return value


POSITION_EMBEDDING_TYPES = ("sinusoidal", "relative")
NORM_PLACEMENTS = ("post", "pre")
CONV_NORMS = ("none", "batch_norm")
RNN_TYPES = ("lstm", "gru")
CLASSIFIER_POOLINGS = ("rnn", "mean", "attention")
INPUT_NORMALISATIONS = ("min-max", "unit-power")
ANOMALY_SCORES = ("reconstruction", "mahalanobis")
"""Anomaly scores: eq. 29's reconstruction MSE, or the Mahalanobis distance of a window's
pooled embedding from the normal windows' (fitted after training)."""
# Upper bounds on architecture sizes, far above the paper's (d=256, d_feed=512, H=4, L=16,
# N=128): a config.json asking for more is corrupt or hostile, and building its model would
# allocate gigabytes before any weight could be checked against it.
ARCHITECTURE_LIMITS = {
    "num_input_channels": 64,
    "hidden_size": 16384,
    "num_hidden_layers": 1024,
    "num_attention_heads": 1024,
    "intermediate_size": 65536,
    "max_position_embeddings": 65536,
    "conv_kernel_size": 1023,
    "classifier_hidden_size": 16384,
}


class SpectrumFMConfig(PretrainedConfig):
    r"""Configuration of a SpectrumFM encoder and its task heads.

    Defaults reproduce the paper's model (section III and IV-A: d=256, d_feed=512, H=4, L=16,
    N=128, r=0.15, depthwise kernel 3). Choices seen in the authors' released code are
    options beside them; :meth:`authors_variant` sets them all at once.

    Every value is checked for type and range when the configuration is built, from arguments
    or from a ``config.json``: integers must be ints (architecture sizes at most
    ``ARCHITECTURE_LIMITS``), floats finite numbers, flags real bools; the first bad value
    raises :class:`SpectrumFMConfigError` naming its key.

    Args:
        num_input_channels (`int`, defaults to 2):
            Channels per symbol: amplitude and phase (eq. 5).
        hidden_size (`int`, defaults to 256):
            Latent dimension d.
        num_hidden_layers (`int`, defaults to 16):
            Number of encoder layers L (eq. 19).
        num_attention_heads (`int`, defaults to 4):
            Attention heads H; must divide ``hidden_size``.
        intermediate_size (`int`, defaults to 512):
            Feed-forward dimension d_feed (eq. 11, 18).
        hidden_act (`str`, defaults to `"gelu"`):
            Activation of the feed-forward modules: a name in transformers' ``ACT2FN``.
        hidden_dropout_prob (`float`, defaults to 0.0):
            Dropout on each module's output before its residual add. The paper specifies
            none; 0.1 is the usual Conformer value.
        attention_probs_dropout_prob (`float`, defaults to 0.0):
            Dropout on attention weights.
        max_position_embeddings (`int`, defaults to 128):
            Symbols per window N; the longest window the model takes.
        position_embedding_type (`str`, defaults to `"sinusoidal"`):
            `"sinusoidal"`: absolute encoding added after the projection (eq. 9-10).
            `"relative"`: a learned attention bias per head and offset, no absolute encoding
            (the authors' code).
        conv_kernel_size (`int`, defaults to 3):
            Kernel of the depthwise convolution (eq. 16); odd, so that outputs stay aligned.
        norm_placement (`str`, defaults to `"post"`):
            `"post"`: LayerNorm after each residual add, ``x = LN(x + f(x))`` (the paper's "RN"
            and the authors' code). `"pre"`: ``x = x + f(LN(x))`` with a final LayerNorm,
            which trains deep stacks with less warm-up.
        feed_forward_residual_weight (`float`, defaults to 1.0):
            Weight of each feed-forward module's output in its residual add: 1.0 in the paper,
            0.5 (the half-step "macaron" residual) in the authors' code.
        conv_norm (`str`, defaults to `"none"`):
            Normalisation after the depthwise convolution: `"none"` (eq. 16) or `"batch_norm"`
            (the authors' code).
        layer_norm_eps (`float`, defaults to 1e-5):
            Epsilon of every LayerNorm, in (0, 1].
        initializer_range (`float`, defaults to 0.02):
            Standard deviation of the normal initialisation of linear and convolution weights.
        mask_ratio (`float`, defaults to 0.15):
            Pre-training mask ratio r (eq. 20): each symbol is masked with probability r.
            The authors' code uses 0.3.
        input_normalisation (`str`, defaults to `"min-max"`):
            How the windows the model takes are scaled: `"min-max"`, each channel into [0, 1]
            (eq. 7; the feature extractor's `"amplitude-phase"` and `"iq"` representations), or
            `"unit-power"`, I and Q at unit mean power per window (its `"iq-unit-power"`).
        validate_input_range (`bool`, defaults to `True`):
            Refuse ``input_values`` outside the range of ``input_normalisation``: [0, 1] (give or
            take 0.01) for min-max windows; magnitudes above sqrt(N), which no window of unit
            mean power over N symbols reaches, for unit-power windows. Un-normalised IQ (ADC
            counts, say) would otherwise pass silently or overflow. Turn off to train on another
            normalisation.
        input_noise_std (`float`, defaults to 0.0):
            Standard deviation of Gaussian noise added to the normalised input while training
            (1e-3 in the authors' code).
        reconstruction_loss_weight (`float`, defaults to 1.0):
            alpha in ``L = alpha * L_recon + beta * L_pred`` (Algorithm 1, line 12).
        next_slot_loss_weight (`float`, defaults to 1.0):
            beta in the same sum.
        pretraining_single_pass (`bool`, defaults to `True`):
            Serve both pre-training losses from one encoder pass in which the last slot is
            hidden as well as the masked ones. `False` runs a second pass over the unmasked
            first N-1 slots for the next-slot loss, as eq. 24 is written, at twice the cost.
        next_slot_rnn_type (`str`, defaults to `"lstm"`):
            Recurrent layer of the next-slot head (eq. 24): `"lstm"` or `"gru"` (authors).
        classifier_rnn_type (`str`, defaults to `"lstm"`):
            Recurrent layer of the classification head (eq. 26): `"lstm"` or `"gru"`.
        classifier_bidirectional (`bool`, defaults to `False`):
            Bidirectional classifier RNN (the authors' code uses a bidirectional GRU).
        classifier_hidden_size (`int`, *optional*):
            Hidden size of the classifier RNN; defaults to ``hidden_size`` (W_f is d x C in eq. 26).
        classifier_pooling (`str`, defaults to `"rnn"`):
            How the classification head summarises the latent sequence: `"rnn"`, the final state
            of the RNN above over the real symbols (eq. 26); `"mean"`, the mean of the latent
            over the real symbols; `"attention"`, a softmax-weighted mean with one learned score
            per symbol. `"mean"` and `"attention"` build no RNN.
        classifier_dropout (`float`, defaults to 0.1):
            Dropout before the classifier's linear layer.
        anomaly_threshold (`float`, *optional*):
            Anomaly-score threshold, set by calibration on held-out normal data; windows whose
            score exceeds it are flagged.
        anomaly_false_alarm_rate (`float`, *optional*):
            The false-alarm rate the threshold was calibrated for (recorded, not used).
        anomaly_score (`str`, defaults to `"reconstruction"`):
            What the anomaly detector scores: ``"reconstruction"``, the per-window MSE of eq. 29,
            or ``"mahalanobis"``, the Mahalanobis distance of the window's pooled embedding
            (mean and standard deviation over symbols of the last hidden state) from those of
            normal windows, whose mean and precision are fitted after training.
        num_labels, id2label, label2id:
            Classification labels, as everywhere in transformers.
    """

    model_type = "spectrumfm"

    def __init__(
        self,
        num_input_channels: int = 2,
        hidden_size: int = 256,
        num_hidden_layers: int = 16,
        num_attention_heads: int = 4,
        intermediate_size: int = 512,
        hidden_act: str = "gelu",
        hidden_dropout_prob: float = 0.0,
        attention_probs_dropout_prob: float = 0.0,
        max_position_embeddings: int = 128,
        position_embedding_type: str = "sinusoidal",
        conv_kernel_size: int = 3,
        norm_placement: str = "post",
        feed_forward_residual_weight: float = 1.0,
        conv_norm: str = "none",
        layer_norm_eps: float = 1e-5,
        initializer_range: float = 0.02,
        mask_ratio: float = 0.15,
        validate_input_range: bool = True,
        input_normalisation: str = "min-max",
        input_noise_std: float = 0.0,
        reconstruction_loss_weight: float = 1.0,
        next_slot_loss_weight: float = 1.0,
        pretraining_single_pass: bool = True,
        next_slot_rnn_type: str = "lstm",
        classifier_rnn_type: str = "lstm",
        classifier_bidirectional: bool = False,
        classifier_hidden_size: int | None = None,
        classifier_dropout: float = 0.1,
        classifier_pooling: str = "rnn",
        anomaly_threshold: float | None = None,
        anomaly_false_alarm_rate: float | None = None,
        anomaly_score: str = "reconstruction",
        **kwargs,
    ):
        self.num_input_channels = num_input_channels
        self.hidden_size = hidden_size
        self.num_hidden_layers = num_hidden_layers
        self.num_attention_heads = num_attention_heads
        self.intermediate_size = intermediate_size
        self.hidden_act = hidden_act
        self.hidden_dropout_prob = hidden_dropout_prob
        self.attention_probs_dropout_prob = attention_probs_dropout_prob
        self.max_position_embeddings = max_position_embeddings
        self.position_embedding_type = position_embedding_type
        self.conv_kernel_size = conv_kernel_size
        self.norm_placement = norm_placement
        self.feed_forward_residual_weight = feed_forward_residual_weight
        self.conv_norm = conv_norm
        self.layer_norm_eps = layer_norm_eps
        self.initializer_range = initializer_range
        self.mask_ratio = mask_ratio
        self.validate_input_range = validate_input_range
        self.input_normalisation = input_normalisation
        self.input_noise_std = input_noise_std
        self.reconstruction_loss_weight = reconstruction_loss_weight
        self.next_slot_loss_weight = next_slot_loss_weight
        self.pretraining_single_pass = pretraining_single_pass
        self.next_slot_rnn_type = next_slot_rnn_type
        self.classifier_rnn_type = classifier_rnn_type
        self.classifier_bidirectional = classifier_bidirectional
        self.classifier_hidden_size = classifier_hidden_size if classifier_hidden_size is not None else hidden_size
        self.classifier_dropout = classifier_dropout
        self.classifier_pooling = classifier_pooling
        self.anomaly_threshold = anomaly_threshold
        self.anomaly_false_alarm_rate = anomaly_false_alarm_rate
        self.anomaly_score = anomaly_score
        # Checked before the base class runs its own validators, which compute head_dim.
        self.validate_spectrumfm()
        super().__init__(**kwargs)

    def validate_spectrumfm(self) -> None:
        """Raise :class:`SpectrumFMConfigError` naming the first invalid argument, its value and what is expected.

        Every value is checked for its type as well as its range, since ``config.json`` can
        hold anything: ``"1e-5"`` for a float, ``"false"`` for a bool, NaN for a weight.
        """

        check = OptionChecker(SpectrumFMConfigError, SpectrumFMConfigError, owner="SpectrumFMConfig: ")
        for name, limit in ARCHITECTURE_LIMITS.items():
            setattr(self, name, check.integer(name, getattr(self, name), limit))
        if self.hidden_size % self.num_attention_heads:
            raise SpectrumFMConfigError(
                f"SpectrumFMConfig: hidden_size={self.hidden_size} must be divisible by "
                f"num_attention_heads={self.num_attention_heads}"
            )
        if self.conv_kernel_size % 2 == 0:
            check.fail("conv_kernel_size", self.conv_kernel_size,
                       "an odd integer, so that the depthwise convolution keeps positions aligned")
        real_ranges = {  # name: (low, high, low_open, high_open, optional)
            "mask_ratio": (0.0, 1.0, True, True, False),
            "hidden_dropout_prob": (0.0, 1.0, False, True, False),
            "attention_probs_dropout_prob": (0.0, 1.0, False, True, False),
            "classifier_dropout": (0.0, 1.0, False, True, False),
            "input_noise_std": (0.0, math.inf, False, True, False),
            "reconstruction_loss_weight": (0.0, math.inf, False, True, False),
            "next_slot_loss_weight": (0.0, math.inf, False, True, False),
            "feed_forward_residual_weight": (0.0, 1.0, True, False, False),
            "layer_norm_eps": (0.0, 1.0, True, False, False),
            "initializer_range": (0.0, math.inf, False, True, False),
            "anomaly_threshold": (-math.inf, math.inf, True, True, True),
            "anomaly_false_alarm_rate": (0.0, 1.0, True, True, True),
        }
        for name, bounds in real_ranges.items():
            setattr(self, name, check.real(name, getattr(self, name), *bounds))
        choices = {
            "hidden_act": tuple(ACT2FN.keys()),
            "position_embedding_type": POSITION_EMBEDDING_TYPES,
            "norm_placement": NORM_PLACEMENTS,
            "conv_norm": CONV_NORMS,
            "next_slot_rnn_type": RNN_TYPES,
            "classifier_rnn_type": RNN_TYPES,
            "anomaly_score": ANOMALY_SCORES,
            "classifier_pooling": CLASSIFIER_POOLINGS,
            "input_normalisation": INPUT_NORMALISATIONS,
        }
        for name, allowed in choices.items():
            check.choice(name, getattr(self, name), allowed)
        for name in ("validate_input_range", "pretraining_single_pass", "classifier_bidirectional"):
            check.flag(name, getattr(self, name))

    @property
    def head_dim(self) -> int:
        """Dimension of each attention head, d / H."""
        return self.hidden_size // self.num_attention_heads

    @classmethod
    def authors_variant(cls, **kwargs) -> "SpectrumFMConfig":
        """The architecture of the authors' released code: macaron half-step FFN residuals,
        post-norm, BatchNorm after the depthwise convolution, a learned relative-position bias
        instead of the sinusoidal encoding, GRU heads (bidirectional in the classifier), input
        noise 1e-3 and mask ratio 0.3. Keyword arguments override any of these."""
        settings = dict(
            feed_forward_residual_weight=0.5,
            norm_placement="post",
            conv_norm="batch_norm",
            position_embedding_type="relative",
            next_slot_rnn_type="gru",
            classifier_rnn_type="gru",
            classifier_bidirectional=True,
            input_noise_std=1e-3,
            mask_ratio=0.3,
        )
        settings.update(kwargs)
        return cls(**settings)


SpectrumFMConfig.register_for_auto_class()
