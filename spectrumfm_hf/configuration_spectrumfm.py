"""SpectrumFM model configuration.

This file, ``modeling_spectrumfm.py`` and ``feature_extraction_spectrumfm.py`` import only
from each other, transformers, torch and numpy, so that a saved checkpoint carries them and
loads with ``trust_remote_code=True`` where this package is not installed.
"""

from __future__ import annotations

from transformers import PretrainedConfig


class SpectrumFMInputError(ValueError):
    """Invalid input to a SpectrumFM model or feature extractor: wrong shape, non-finite values, bad option."""


class SpectrumFMInputTypeError(TypeError):
    """Input of the wrong type or dtype for a SpectrumFM model or feature extractor."""


class SpectrumFMConfigError(ValueError):
    """An invalid SpectrumFM configuration value, or a checkpoint that does not match its configuration."""


POSITION_EMBEDDING_TYPES = ("sinusoidal", "relative")
NORM_PLACEMENTS = ("post", "pre")
CONV_NORMS = ("none", "batch_norm")
RNN_TYPES = ("lstm", "gru")


class SpectrumFMConfig(PretrainedConfig):
    r"""Configuration of a SpectrumFM encoder and its task heads.

    Defaults reproduce the paper's model (section III and IV-A: d=256, d_feed=512, H=4, L=16,
    N=128, r=0.15, depthwise kernel 3). Choices seen in the authors' released code are
    options beside them; :meth:`authors_variant` sets them all at once.

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
            Activation of the feed-forward modules.
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
            Epsilon of every LayerNorm.
        initializer_range (`float`, defaults to 0.02):
            Standard deviation of the normal initialisation of linear and convolution weights.
        mask_ratio (`float`, defaults to 0.15):
            Pre-training mask ratio r (eq. 20): each symbol is masked with probability r.
            The authors' code uses 0.3.
        validate_input_range (`bool`, defaults to `True`):
            Refuse ``input_values`` outside [0, 1] (give or take 0.01): the model is defined on
            min-max normalised windows (eq. 7), and un-normalised IQ would otherwise pass
            silently (or overflow). Turn off to train on another normalisation.
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
        classifier_dropout (`float`, defaults to 0.1):
            Dropout before the classifier's linear layer.
        anomaly_threshold (`float`, *optional*):
            Anomaly-score threshold, set by calibration on held-out normal data; windows whose
            score exceeds it are flagged.
        anomaly_false_alarm_rate (`float`, *optional*):
            The false-alarm rate the threshold was calibrated for (recorded, not used).
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
        input_noise_std: float = 0.0,
        reconstruction_loss_weight: float = 1.0,
        next_slot_loss_weight: float = 1.0,
        pretraining_single_pass: bool = True,
        next_slot_rnn_type: str = "lstm",
        classifier_rnn_type: str = "lstm",
        classifier_bidirectional: bool = False,
        classifier_hidden_size: int | None = None,
        classifier_dropout: float = 0.1,
        anomaly_threshold: float | None = None,
        anomaly_false_alarm_rate: float | None = None,
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
        self.input_noise_std = input_noise_std
        self.reconstruction_loss_weight = reconstruction_loss_weight
        self.next_slot_loss_weight = next_slot_loss_weight
        self.pretraining_single_pass = pretraining_single_pass
        self.next_slot_rnn_type = next_slot_rnn_type
        self.classifier_rnn_type = classifier_rnn_type
        self.classifier_bidirectional = classifier_bidirectional
        self.classifier_hidden_size = classifier_hidden_size if classifier_hidden_size is not None else hidden_size
        self.classifier_dropout = classifier_dropout
        self.anomaly_threshold = anomaly_threshold
        self.anomaly_false_alarm_rate = anomaly_false_alarm_rate
        super().__init__(**kwargs)
        self.validate_spectrumfm()

    def validate_spectrumfm(self) -> None:
        """Raise :class:`SpectrumFMConfigError` naming the first invalid argument."""

        def fail(name: str, expected: str) -> None:
            raise SpectrumFMConfigError(f"SpectrumFMConfig: {name}={getattr(self, name)!r} is invalid; expected {expected}")

        for name in ("num_input_channels", "hidden_size", "num_hidden_layers", "num_attention_heads",
                     "intermediate_size", "max_position_embeddings", "conv_kernel_size", "classifier_hidden_size"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                fail(name, "a positive integer")
        if self.hidden_size % self.num_attention_heads:
            raise SpectrumFMConfigError(
                f"SpectrumFMConfig: hidden_size={self.hidden_size} must be divisible by "
                f"num_attention_heads={self.num_attention_heads}"
            )
        if self.conv_kernel_size % 2 == 0:
            fail("conv_kernel_size", "an odd integer, so that the depthwise convolution keeps positions aligned")
        if not 0.0 < float(self.mask_ratio) < 1.0:
            fail("mask_ratio", "a float in the open interval (0, 1)")
        for name in ("hidden_dropout_prob", "attention_probs_dropout_prob", "classifier_dropout"):
            if not 0.0 <= float(getattr(self, name)) < 1.0:
                fail(name, "a probability in [0, 1)")
        for name in ("input_noise_std", "reconstruction_loss_weight", "next_slot_loss_weight"):
            if float(getattr(self, name)) < 0.0:
                fail(name, "a non-negative float")
        if not 0.0 < float(self.feed_forward_residual_weight) <= 1.0:
            fail("feed_forward_residual_weight", "a float in (0, 1] (1.0 paper, 0.5 macaron)")
        if float(self.layer_norm_eps) <= 0.0:
            fail("layer_norm_eps", "a positive float")
        if self.position_embedding_type not in POSITION_EMBEDDING_TYPES:
            fail("position_embedding_type", f"one of {POSITION_EMBEDDING_TYPES}")
        if self.norm_placement not in NORM_PLACEMENTS:
            fail("norm_placement", f"one of {NORM_PLACEMENTS}")
        if self.conv_norm not in CONV_NORMS:
            fail("conv_norm", f"one of {CONV_NORMS}")
        for name in ("next_slot_rnn_type", "classifier_rnn_type"):
            if getattr(self, name) not in RNN_TYPES:
                fail(name, f"one of {RNN_TYPES}")
        if self.anomaly_false_alarm_rate is not None and not 0.0 < float(self.anomaly_false_alarm_rate) < 1.0:
            fail("anomaly_false_alarm_rate", "a float in (0, 1) or None")

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
