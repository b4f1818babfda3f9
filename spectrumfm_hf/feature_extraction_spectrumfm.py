"""Feature extractor for SpectrumFM: complex IQ captures -> normalised amplitude/phase windows.

Implements the paper's pre-processing (eq. 2-7): cut each capture into windows of N symbols,
convert IQ to amplitude and phase, and min-max normalise each window's channels on their own.
Windows are gathered and normalised a chunk at a time straight into the output, so that
memory stays near the input plus the output whatever the hop.
"""

from __future__ import annotations

from numbers import Number

import numpy as np
from transformers.feature_extraction_sequence_utils import SequenceFeatureExtractor
from transformers.feature_extraction_utils import BatchFeature

from .configuration_spectrumfm import OptionChecker, SpectrumFMInputError, SpectrumFMInputTypeError, describe_value

LAST_WINDOW_MODES = ("pad", "drop")
CONSTANT_WINDOW_MODES = ("fill", "error")
REPRESENTATIONS = ("amplitude-phase", "iq", "iq-unit-power")
"""Window representations: the paper's amplitude and phase (eq. 4-7), the I and Q rails scaled
into [0, 1] by the window's peak, or the I and Q rails at unit mean power."""
RETURN_TENSOR_TYPES = ("np", "pt")
PADDING_SIDES = ("right",)
"""Where a short last window's padding goes: after its real symbols, the only layout the models
take (their ``attention_mask`` rows are ones, then zeros: the classifier and the next-slot head
read each window's last real symbol)."""
# Longest window accepted, in symbols (the paper's N is 128): one padded window of it is 12 MiB
# of output, where an unbounded length would try to allocate whatever a config file asks for.
MAX_WINDOW_LENGTH = 2**20
# Symbols normalised per step: keeps the float64 temporaries to a few MiB whatever the input
# size or hop, instead of several copies of every (overlapping) window at once.
CHUNK_SYMBOLS = 2**15
# (captures, samples, I/Q): no accepted input nests lists deeper.
MAX_LIST_NESTING = 3
# Torch dtypes numpy cannot hold that are widened without loss; float8 and complex32 are refused.
WIDENED_TORCH_DTYPES = ("torch.bfloat16",)


# ---------------------------------------------------------------- input coercion


def tensor_to_numpy(value, name: str):
    """A dense CPU torch tensor as a numpy array (bfloat16 widened to float32); other values unchanged."""
    if not (hasattr(value, "detach") and hasattr(value, "layout")):  # not a torch tensor; torch is not imported
        return value
    dtype = str(value.dtype)
    if str(value.layout) != "torch.strided" or getattr(value, "is_quantized", False):
        raise SpectrumFMInputTypeError(
            f"{name} must be a dense tensor of IQ samples, got {describe_value(value)}; "
            "convert it first (tensor.to_dense() or tensor.dequantize())"
        )
    if str(value.device) == "meta":
        raise SpectrumFMInputTypeError(f"{name} is a meta tensor, which holds no samples: got {describe_value(value)}")
    if dtype.startswith("torch.float8") or dtype == "torch.complex32":
        raise SpectrumFMInputTypeError(
            f"{name} has dtype {dtype}, which numpy cannot hold; expected float16/32/64, bfloat16, "
            "complex64/128 or signed integers (widen it first with tensor.float() or tensor.cfloat())"
        )
    value = value.detach().cpu()
    return value.float().numpy() if dtype in WIDENED_TORCH_DTYPES else value.numpy()


def check_list_nesting(value, name: str) -> None:
    """Refuse lists nested deeper than (captures, samples, I/Q) before numpy walks them.

    Walks level by level, so a 100,000-deep list or one that holds itself twice per level costs
    a few steps, where ``np.asarray`` would recurse or visit 2**depth items.
    """
    level = [value]
    for _ in range(MAX_LIST_NESTING):
        level = [item for container in level for item in container if isinstance(item, (list, tuple))]
        if not level:
            return
    raise SpectrumFMInputError(
        f"{name} nests lists more than {MAX_LIST_NESTING} deep, got {describe_value(value)}; "
        "expected captures of samples, each sample complex or an (I, Q) pair"
    )


def as_numeric_array(value, name: str) -> np.ndarray:
    """Any array-like as a plain ndarray of numbers; masked, object and nested inputs are refused."""
    value = tensor_to_numpy(value, name)
    if isinstance(value, np.ma.MaskedArray):
        masked = int(np.ma.count_masked(value))
        if masked:  # masked samples have no value to window; guessing one would invent signal
            raise SpectrumFMInputError(
                f"{name} is a masked array with {masked} masked samples; fill them (np.ma.filled) or cut them "
                "out, then pass a plain array"
            )
        value = np.ma.getdata(value)
    if isinstance(value, (list, tuple)):
        check_list_nesting(value, name)
    try:
        array = np.asarray(value)  # also turns np.matrix into a plain ndarray
    except (TypeError, ValueError, OverflowError) as error:
        raise SpectrumFMInputTypeError(
            f"{name} must be an array of IQ samples (complex, or real with a trailing I/Q axis of 2), "
            f"got {describe_value(value)}"
        ) from error
    if array.dtype == object:
        raise SpectrumFMInputTypeError(
            f"{name} must be a numeric array of IQ samples, got {describe_value(value)} of mixed, ragged or "
            "non-numeric items"
        )
    return array


def capture_rows(array: np.ndarray, name: str, batched: bool) -> tuple[np.ndarray, np.ndarray]:
    """Check captures and return their I and Q as (captures, samples) views, without copying.

    ``batched``: the leading axis counts captures (``(captures, n)`` complex or
    ``(captures, n, 2)`` real); otherwise ``array`` is one capture.
    """
    kind = array.dtype.kind
    if kind not in "fci":
        raise SpectrumFMInputTypeError(
            f"{name}: IQ samples must be complex, floating point or signed integers, got dtype {array.dtype}"
            + ("; convert unsigned (e.g. cu8) samples with spectrumfm_hf.data's raw loader" if kind == "u" else "")
        )
    if array.dtype.itemsize > (16 if kind == "c" else 8):  # long double: narrow once, then check for overflow
        with np.errstate(over="ignore"):
            array = array.astype(np.complex128 if kind == "c" else np.float64)
    rows = array if batched else array[None]
    if kind == "c":
        if rows.ndim != 2:
            raise SpectrumFMInputError(f"{name}: a complex capture must be 1-D (samples,), got shape {array.shape}")
        real, imag = rows.real, rows.imag
    else:
        if rows.ndim != 3 or rows.shape[-1] != 2:
            raise SpectrumFMInputError(
                f"{name}: a real capture must have shape (samples, 2) with I and Q in the last axis, "
                f"got shape {array.shape}; pass complex samples for 1-D input"
            )
        real, imag = rows[..., 0], rows[..., 1]
    if real.shape[1] == 0:
        raise SpectrumFMInputError(f"{name}: the capture is empty; expected at least one IQ sample")
    return real, imag


def iq_sources(iq) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """Any accepted input form -> ``(name, I, Q)`` groups of equal-length captures, I and Q (captures, samples)."""
    if isinstance(iq, (list, tuple)):
        if len(iq) == 0:
            raise SpectrumFMInputError("iq is an empty list; expected one or more IQ captures")
        if all(isinstance(item, Number) and not isinstance(item, bool) for item in iq):
            return [("iq", *capture_rows(as_numeric_array(iq, "iq"), "iq", batched=False))]
        check_list_nesting(iq, "iq")
        sources = [
            (f"iq[{position}]", *capture_rows(as_numeric_array(item, f"iq[{position}]"), f"iq[{position}]", False))
            for position, item in enumerate(iq)
        ]
        if len({(real.shape, real.dtype) for _, real, _ in sources}) == 1:
            # Captures of one length (a batch of records) are windowed as one array, not one by one.
            real, imag = (np.concatenate([source[part] for source in sources]) for part in (1, 2))
            return [("iq", real, imag)]
        return sources
    array = as_numeric_array(iq, "iq")
    batched = array.ndim == (2 if np.iscomplexobj(array) else 3)
    real, imag = capture_rows(array, "iq", batched)
    if real.shape[0] == 0:
        raise SpectrumFMInputError("iq holds no capture (a batch axis of length 0); expected at least one")
    return [("iq", real, imag)]


def capture_peaks(real: np.ndarray, imag: np.ndarray, name: str) -> np.ndarray:
    """Largest |I| or |Q| of each capture (rows), 1.0 for an all-zero one; NaN or Inf is refused.

    Reductions instead of ``abs`` over the samples: no temporary the size of the input.
    """
    extremes = np.stack([part.max(axis=1) for part in (real, imag)] + [part.min(axis=1) for part in (real, imag)])
    peaks = np.abs(extremes.astype(np.float64)).max(axis=0)
    bad_rows = np.flatnonzero(~np.isfinite(peaks))
    if bad_rows.size:
        row = int(bad_rows[0])
        sample = int(np.flatnonzero(~(np.isfinite(real[row]) & np.isfinite(imag[row])))[0])
        where = f"{name}[{row}]" if real.shape[0] > 1 else name
        raise SpectrumFMInputError(f"{where}: the capture contains NaN or Inf (first at sample {sample})")
    return np.where(peaks > 0, peaks, 1.0)


# ---------------------------------------------------------------- windowing


def window_starts(num_samples: int, window_length: int, hop_length: int, last_window: str) -> np.ndarray:
    """First sample of each window of ``window_length`` taken every ``hop_length`` from ``num_samples``.

    With ``last_window="pad"`` a trailing partial window is kept (its missing samples are
    padding), and a capture shorter than one window gives one padded window.
    """
    if num_samples >= window_length:
        starts = np.arange(0, num_samples - window_length + 1, hop_length, dtype=np.int64)
        last = int(starts[-1])
        if last_window == "pad" and last + window_length < num_samples and last + hop_length < num_samples:
            starts = np.append(starts, last + hop_length)
        return starts
    return np.zeros(1 if last_window == "pad" else 0, dtype=np.int64)


# ---------------------------------------------------------------- eq. 4-7


def amplitude_phase(real: np.ndarray, imag: np.ndarray, shift: np.ndarray, log_amplitude: bool,
                    log_amplitude_floor: float) -> tuple[np.ndarray, np.ndarray]:
    """Eq. 4-6 on (W, N) I and Q -> amplitude (or log amplitude) and phase in radians.

    ``shift`` (W, 1) is minus the binary exponent of each window's capture peak: scaling by
    that power of two first (exact, and safe for subnormal or near-overflow values) makes the
    log floor relative to the peak and leaves eq. 7's result unchanged, since min-max
    normalisation does not see a positive scale (nor, for log amplitude, an offset).
    """
    real, imag = np.ldexp(real, shift), np.ldexp(imag, shift)
    amplitude = np.hypot(real, imag)
    if log_amplitude:
        amplitude = np.log(np.maximum(amplitude, log_amplitude_floor))
    return amplitude, np.arctan2(imag, real)


def min_max_normalise(channel: np.ndarray, valid: np.ndarray, tolerance: float) -> tuple[np.ndarray, np.ndarray]:
    """Eq. 7 on one (W, N) channel over each window's real symbols -> (normalised, constant (W, 1)).

    A window whose spread is within ``tolerance`` of its magnitude is constant: its values are
    left to the caller, since min-max normalisation cannot scale it.
    """
    low = np.where(valid, channel, np.inf).min(axis=1, keepdims=True)
    high = np.where(valid, channel, -np.inf).max(axis=1, keepdims=True)
    spread = high - low
    constant = spread <= tolerance * np.maximum(np.abs(high), np.abs(low))
    return (channel - low) / np.where(constant, 1.0, spread), constant


def rails_normalise(real: np.ndarray, imag: np.ndarray, shift: np.ndarray,
                    valid: np.ndarray) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """(W, N) I and Q -> ((I, zero power), (Q, zero power)), both scaled by the window's largest
    rail magnitude over its real symbols and mapped to [0, 1]; zero power is (W, 1)."""
    real, imag = np.ldexp(real, shift), np.ldexp(imag, shift)
    peak = np.where(valid, np.maximum(np.abs(real), np.abs(imag)), 0.0).max(axis=1, keepdims=True)
    silent = peak == 0.0
    scale = np.where(silent, 1.0, peak)
    return ((real / scale + 1.0) / 2.0, silent), ((imag / scale + 1.0) / 2.0, silent)


def unit_power_normalise(real: np.ndarray, imag: np.ndarray, shift: np.ndarray,
                         valid: np.ndarray) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """(W, N) I and Q -> ((I, zero power), (Q, zero power)), divided by the window's RMS magnitude
    over its real symbols, so that each window has unit mean power; zero power is (W, 1).

    Unlike min-max or peak scaling, the envelope's spread survives: a constant-envelope signal
    stays on the unit circle while a QAM or noise window keeps its peak-to-average ratio.
    """
    real, imag = np.ldexp(real, shift), np.ldexp(imag, shift)
    power = np.where(valid, real * real + imag * imag, 0.0).sum(axis=1, keepdims=True)
    power /= np.maximum(valid.sum(axis=1, keepdims=True), 1)
    silent = power == 0.0
    scale = np.sqrt(np.where(silent, 1.0, power))
    return (real / scale, silent), (imag / scale, silent)


_CHECK = OptionChecker(SpectrumFMInputError, SpectrumFMInputTypeError)


class SpectrumFMFeatureExtractor(SequenceFeatureExtractor):
    r"""Turns complex IQ captures of any length into the windows a SpectrumFM model takes.

    Input forms (one capture or several):

    * a complex array (``complex64``/``complex128``) of shape ``(n,)``, or ``(captures, n)``;
    * a real array with a trailing I/Q axis: ``(n, 2)`` or ``(captures, n, 2)``; signed
      integers (raw ADC counts) are accepted and converted;
    * a list of such captures, of different lengths;
    * torch tensors of the same forms (dense; bfloat16 is widened, float8 and complex32 refused);
    * masked arrays only with nothing masked: masked samples are refused, not filled or dropped.

    Each capture is cut into windows of ``window_length`` symbols every ``hop_length`` samples.
    Each window becomes amplitude and phase (eq. 5-6; phase in radians, ``[-pi, pi]``), or log
    amplitude when ``log_amplitude=True`` (the authors' variant), and each channel is min-max
    normalised over the window's real symbols (eq. 7), so values lie in [0, 1]. Every option is
    checked for type and range here; bad input raises :class:`SpectrumFMInputError` (bad value)
    or :class:`SpectrumFMInputTypeError` (bad type).

    Args:
        window_length (`int`, defaults to 128):
            Symbols per window N, at most ``MAX_WINDOW_LENGTH``.
        hop_length (`int`, *optional*):
            Samples between window starts; defaults to ``window_length`` (no overlap).
        last_window (`str`, defaults to `"pad"`):
            `"pad"`: a last, partial window is padded and its padding marked 0 in
            ``attention_mask``; `"drop"`: samples that do not fill a window are discarded.
        log_amplitude (`bool`, defaults to `False`):
            Normalise ``log(amplitude)`` instead of the amplitude.
        log_amplitude_floor (`float`, defaults to 1e-8):
            Amplitudes below this fraction (in (0, 1)) of the capture's peak are raised to it
            before the logarithm, so that zeros give a finite value.
        representation (`str`, defaults to `"amplitude-phase"`):
            `"amplitude-phase"`: the paper's channels, each min-max normalised on its own.
            `"iq"`: the I and Q rails, both divided by the window's largest rail magnitude and
            mapped to [0, 1] as ``(x / peak + 1) / 2``, so that the constellation keeps its shape
            (no per-rail scaling) and a phase wrap is no jump. The model takes either, since
            both are two channels in [0, 1]; a model must be used with the one it was trained on.
            `"iq-unit-power"`: the I and Q rails divided by the window's RMS magnitude, so that
            every window has unit mean power and keeps its envelope's spread (min-max and peak
            scaling discard it). Values are not bounded to [0, 1]: a model for it has
            ``input_normalisation="unit-power"``. A silent window becomes zeros.
        constant_window (`str`, defaults to `"fill"`):
            What a window channel without variation (max == min, e.g. a zero-power window or a
            constant envelope) becomes: `"fill"` gives every real symbol of that channel the
            value ``constant_fill_value``; `"error"` raises :class:`SpectrumFMInputError`.
        constant_fill_value (`float`, defaults to 0.5):
            The fill value, in [0, 1]: mid-range, so that a featureless window differs from
            masked symbols (which are zero).
        constant_tolerance (`float`, defaults to 1e-6):
            A channel counts as constant when ``max - min <= constant_tolerance * max(|max|, |min|)``:
            float rounding of a constant envelope is not stretched into [0, 1]. In [0, 1).
        sampling_rate (`float`, *optional*):
            Sample rate of the captures in Hz, recorded for users; when set, calls passing a
            different ``sampling_rate`` are refused.
        padding_value (`float`, defaults to 0.0):
            Feature value of padded symbols, in [0, 1] like the features.
        padding_side (`str`, defaults to `"right"`):
            Where a short last window is padded: `"right"`, after its real symbols, the only
            layout the models take; any other value is refused.
    """

    model_input_names = ["input_values", "attention_mask"]

    def __init__(
        self,
        window_length: int = 128,
        hop_length: int | None = None,
        last_window: str = "pad",
        log_amplitude: bool = False,
        log_amplitude_floor: float = 1e-8,
        constant_window: str = "fill",
        constant_fill_value: float = 0.5,
        representation: str = "amplitude-phase",
        constant_tolerance: float = 1e-6,
        sampling_rate: float | None = None,
        padding_value: float = 0.0,
        padding_side: str = "right",
        return_attention_mask: bool = True,
        **kwargs,
    ):
        kwargs.pop("feature_size", None)  # always 2 (amplitude, phase); saved by the base class
        if not isinstance(padding_side, str) or padding_side not in PADDING_SIDES:
            expected = "'right' (the models take padding after a window's real symbols, not before them)"
            _CHECK.fail("padding_side", padding_side, expected, wrong_type=not isinstance(padding_side, str))
        super().__init__(
            feature_size=2,
            sampling_rate=_CHECK.real("sampling_rate", sampling_rate, 0.0, np.inf, True, True, optional=True),
            padding_value=_CHECK.real("padding_value", padding_value, 0.0, 1.0),
            return_attention_mask=_CHECK.flag("return_attention_mask", return_attention_mask),
            padding_side=padding_side,
            **kwargs,
        )
        self.window_length = _CHECK.integer("window_length", window_length, MAX_WINDOW_LENGTH)
        # Any hop is cheap: the number of windows never exceeds the number of samples.
        self.hop_length = self.window_length if hop_length is None else _CHECK.integer("hop_length", hop_length, 2**62)
        self.last_window = _CHECK.choice("last_window", last_window, LAST_WINDOW_MODES)
        self.log_amplitude = _CHECK.flag("log_amplitude", log_amplitude)
        self.log_amplitude_floor = _CHECK.real("log_amplitude_floor", log_amplitude_floor, 0.0, 1.0, True, True)
        self.constant_window = _CHECK.choice("constant_window", constant_window, CONSTANT_WINDOW_MODES)
        self.representation = _CHECK.choice("representation", representation, REPRESENTATIONS)
        self.constant_fill_value = _CHECK.real("constant_fill_value", constant_fill_value, 0.0, 1.0)
        self.constant_tolerance = _CHECK.real("constant_tolerance", constant_tolerance, 0.0, 1.0, high_open=True)

    def _normalise_chunk(self, real, imag, capture, offsets, shift, first_window, out_values, out_mask):
        """Gather windows of captures ``capture`` (W,) at sample ``offsets`` (W, N) from I and Q
        (captures, samples), normalise them and write them into ``out_values`` and ``out_mask``."""
        num_samples = real.shape[1]
        valid = offsets < num_samples
        np.minimum(offsets, num_samples - 1, out=offsets)  # padded symbols read a real sample, then get masked
        window_real = real[capture[:, None], offsets].astype(np.float64, copy=False)
        window_imag = imag[capture[:, None], offsets].astype(np.float64, copy=False)
        if self.representation == "iq":
            channels = rails_normalise(window_real, window_imag, shift, valid)
            names = ("I", "Q")
        elif self.representation == "iq-unit-power":
            channels = unit_power_normalise(window_real, window_imag, shift, valid)
            names = ("I", "Q")
        else:
            channels = (
                min_max_normalise(values, valid, self.constant_tolerance)
                for values in amplitude_phase(window_real, window_imag, shift, self.log_amplitude,
                                              self.log_amplitude_floor)
            )
            names = ("amplitude", "phase")
        for channel, (normalised, constant) in enumerate(channels):
            if self.constant_window == "error" and constant.any():
                window = first_window + int(np.flatnonzero(constant)[0])
                raise SpectrumFMInputError(
                    f"window {window} has a constant {names[channel]} "
                    "(max == min, e.g. zero power), which normalisation cannot scale; "
                    "use constant_window='fill' to give it a defined value"
                )
            # A silent window has no power to scale: peak and min-max scaling give it the fill
            # value, unit power gives it zeros (its value for a silent window).
            fill = 0.0 if self.representation == "iq-unit-power" else self.constant_fill_value
            normalised = np.where(constant, fill, normalised)
            out_values[:, :, channel] = np.where(valid, normalised, self.padding_value)
        out_mask[...] = valid

    def __call__(self, iq, return_tensors: str | None = None, sampling_rate: float | None = None,
                 return_window_positions: bool = False, **kwargs) -> BatchFeature:
        """Window and normalise IQ captures.

        Args:
            iq: one capture or several (see the class docstring for the accepted forms).
            return_tensors: ``"pt"``, ``"np"`` or None (numpy).
            sampling_rate: sample rate of ``iq`` in Hz; checked against the extractor's own.
            return_window_positions: also return ``capture_index`` (W,) int64 (which capture
                each window came from) and ``window_start`` (W,) int64 (its first sample there).
                The models accept and ignore both, so the whole output can be passed to them.

        Returns:
            BatchFeature with ``input_values`` (W, N, 2) float32 and, unless the extractor was
            made with ``return_attention_mask=False``, ``attention_mask`` (W, N) int32
            (1 = real symbol); the window positions when asked for.
        """
        if kwargs:
            raise SpectrumFMInputError(f"unexpected arguments {describe_value(sorted(kwargs))}")
        if return_tensors is not None:
            _CHECK.choice("return_tensors", return_tensors, RETURN_TENSOR_TYPES)
        return_window_positions = _CHECK.flag("return_window_positions", return_window_positions)
        sampling_rate = _CHECK.real("sampling_rate", sampling_rate, 0.0, np.inf, True, True, optional=True)
        if sampling_rate is not None:
            if self.sampling_rate is not None and sampling_rate != float(self.sampling_rate):
                raise SpectrumFMInputError(
                    f"iq was sampled at {sampling_rate} Hz but this feature extractor expects {self.sampling_rate} Hz; "
                    "resample the capture first"
                )
        sources = iq_sources(iq)
        window_length = self.window_length
        starts = [window_starts(real.shape[1], window_length, self.hop_length, self.last_window)
                  for _, real, _ in sources]
        num_windows = sum(real.shape[0] * source_starts.size for (_, real, _), source_starts in zip(sources, starts))
        if num_windows == 0:
            raise SpectrumFMInputError(
                f"no window of {window_length} samples fits in the captures (longest has "
                f"{max(real.shape[1] for _, real, _ in sources)} samples) with last_window='drop'; "
                "use last_window='pad'"
            )
        try:
            input_values = np.empty((num_windows, window_length, 2), np.float32)
            attention_mask = np.empty((num_windows, window_length), np.int32)
        except MemoryError:
            output_gib = num_windows * window_length * 12 / 2**30  # 2 float32 features + 1 int32 mask per symbol
            raise SpectrumFMInputError(
                f"iq gives {num_windows} windows of {window_length} symbols ({output_gib:.1f} GiB of features), more "
                "than this machine can hold; pass fewer or shorter captures, a larger hop_length or a shorter "
                "window_length"
            ) from None
        chunk_windows = max(1, CHUNK_SYMBOLS // window_length)
        symbol_offsets = np.arange(window_length, dtype=np.int64)
        first = 0
        for (name, real, imag), source_starts in zip(sources, starts):
            _, exponent = np.frexp(capture_peaks(real, imag, name))
            per_capture = source_starts.size
            for begin in range(0, real.shape[0] * per_capture, chunk_windows):
                end = min(begin + chunk_windows, real.shape[0] * per_capture)
                window = np.arange(begin, end)
                capture, position = np.divmod(window, per_capture)
                offsets = source_starts[position][:, None] + symbol_offsets
                written = slice(first + begin, first + end)
                self._normalise_chunk(real, imag, capture, offsets, -exponent[capture][:, None], written.start,
                                      input_values[written], attention_mask[written])
            first += real.shape[0] * per_capture
        data = {"input_values": input_values}
        if self.return_attention_mask:
            data["attention_mask"] = attention_mask
        if return_window_positions:
            captures_before = np.cumsum([0] + [real.shape[0] for _, real, _ in sources])
            data["capture_index"] = np.concatenate(
                [np.repeat(np.arange(real.shape[0]) + before, source_starts.size)
                 for (_, real, _), source_starts, before in zip(sources, starts, captures_before)]
            )
            data["window_start"] = np.concatenate(
                [np.tile(source_starts, real.shape[0]) for (_, real, _), source_starts in zip(sources, starts)]
            )
        return BatchFeature(data, tensor_type=return_tensors)


SpectrumFMFeatureExtractor.register_for_auto_class("AutoFeatureExtractor")
