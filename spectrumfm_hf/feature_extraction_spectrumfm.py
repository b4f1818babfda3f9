"""Feature extractor for SpectrumFM: complex IQ captures -> normalised amplitude/phase windows.

Implements the paper's pre-processing (eq. 2-7): cut each capture into windows of N symbols,
convert IQ to amplitude and phase, and min-max normalise each window's channels on their own.
"""

from __future__ import annotations

from numbers import Number

import numpy as np
from transformers.feature_extraction_sequence_utils import SequenceFeatureExtractor
from transformers.feature_extraction_utils import BatchFeature

from .configuration_spectrumfm import SpectrumFMInputError, SpectrumFMInputTypeError

LAST_WINDOW_MODES = ("pad", "drop")
CONSTANT_WINDOW_MODES = ("fill", "error")


class SpectrumFMFeatureExtractor(SequenceFeatureExtractor):
    r"""Turns complex IQ captures of any length into the windows a SpectrumFM model takes.

    Input forms (one capture or several):

    * a complex array (``complex64``/``complex128``) of shape ``(n,)``, or ``(captures, n)``;
    * a real array with a trailing I/Q axis: ``(n, 2)`` or ``(captures, n, 2)``; signed
      integers (raw ADC counts) are accepted and converted;
    * a list of such captures, of different lengths;
    * torch tensors of the same forms.

    Each capture is cut into windows of ``window_length`` symbols every ``hop_length`` samples.
    Each window becomes amplitude and phase (eq. 5-6; phase in radians, ``[-pi, pi]``), or log
    amplitude when ``log_amplitude=True`` (the authors' variant), and each channel is min-max
    normalised over the window's real symbols (eq. 7), so values lie in [0, 1].

    Args:
        window_length (`int`, defaults to 128):
            Symbols per window N.
        hop_length (`int`, *optional*):
            Samples between window starts; defaults to ``window_length`` (no overlap).
        last_window (`str`, defaults to `"pad"`):
            `"pad"`: a last, partial window is zero-padded and its padding marked 0 in
            ``attention_mask``; `"drop"`: samples that do not fill a window are discarded.
        log_amplitude (`bool`, defaults to `False`):
            Normalise ``log(amplitude)`` instead of the amplitude.
        log_amplitude_floor (`float`, defaults to 1e-8):
            Amplitudes below this fraction of the capture's peak are raised to it before the
            logarithm, so that zeros give a finite value.
        constant_window (`str`, defaults to `"fill"`):
            What a window channel without variation (max == min, e.g. a zero-power window or a
            constant envelope) becomes: `"fill"` gives every real symbol of that channel the
            value ``constant_fill_value``; `"error"` raises :class:`SpectrumFMInputError`.
        constant_fill_value (`float`, defaults to 0.5):
            The fill value: mid-range, so that a featureless window differs from masked
            symbols (which are zero).
        constant_tolerance (`float`, defaults to 1e-6):
            A channel counts as constant when ``max - min <= constant_tolerance * max(|max|, |min|)``:
            float rounding of a constant envelope is not stretched into [0, 1].
        sampling_rate (`float`, *optional*):
            Sample rate of the captures in Hz, recorded for users; when set, calls passing a
            different ``sampling_rate`` are refused.
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
        constant_tolerance: float = 1e-6,
        sampling_rate: float | None = None,
        padding_value: float = 0.0,
        return_attention_mask: bool = True,
        **kwargs,
    ):
        kwargs.pop("feature_size", None)  # always 2 (amplitude, phase); saved by the base class
        super().__init__(
            feature_size=2,
            sampling_rate=sampling_rate,
            padding_value=padding_value,
            return_attention_mask=return_attention_mask,
            **kwargs,
        )
        self.window_length = window_length
        self.hop_length = hop_length if hop_length is not None else window_length
        self.last_window = last_window
        self.log_amplitude = log_amplitude
        self.log_amplitude_floor = log_amplitude_floor
        self.constant_window = constant_window
        self.constant_fill_value = constant_fill_value
        self.constant_tolerance = constant_tolerance
        self._validate_options()

    def _validate_options(self) -> None:
        for name in ("window_length", "hop_length"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise SpectrumFMInputError(f"{name} must be a positive integer, got {value!r}")
        if self.last_window not in LAST_WINDOW_MODES:
            raise SpectrumFMInputError(f"last_window must be one of {LAST_WINDOW_MODES}, got {self.last_window!r}")
        if self.constant_window not in CONSTANT_WINDOW_MODES:
            raise SpectrumFMInputError(
                f"constant_window must be one of {CONSTANT_WINDOW_MODES}, got {self.constant_window!r}"
            )
        if not 0.0 < float(self.log_amplitude_floor) < 1.0:
            raise SpectrumFMInputError(f"log_amplitude_floor must lie in (0, 1), got {self.log_amplitude_floor!r}")
        if float(self.constant_tolerance) < 0.0:
            raise SpectrumFMInputError(f"constant_tolerance must be >= 0, got {self.constant_tolerance!r}")

    # ---------------------------------------------------------------- input forms

    @staticmethod
    def _to_numpy(value):
        if hasattr(value, "detach") and hasattr(value, "cpu"):  # a torch tensor, without importing torch
            value = value.detach().cpu()
            if getattr(value, "dtype", None) is not None and str(value.dtype) == "torch.bfloat16":
                value = value.float()
            return value.numpy()
        return value

    def _as_captures(self, iq) -> list[np.ndarray]:
        """Any accepted input form -> non-empty list of complex128 1-D captures."""
        captures = self._collect_captures(iq)
        if not captures:
            raise SpectrumFMInputError("iq holds no capture (a batch axis of length 0); expected at least one")
        return captures

    def _collect_captures(self, iq) -> list[np.ndarray]:
        iq = self._to_numpy(iq)
        if isinstance(iq, (list, tuple)):
            if len(iq) == 0:
                raise SpectrumFMInputError("iq is an empty list; expected one or more IQ captures")
            if all(isinstance(item, Number) and not isinstance(item, bool) for item in iq):
                return [self._one_capture(np.asarray(iq), "iq")]
            captures = []
            for position, item in enumerate(iq):
                array = self._to_numpy(item)
                if not isinstance(array, np.ndarray):
                    array = self._as_array(array, f"iq[{position}]")
                captures.append(self._one_capture(array, f"iq[{position}]"))
            return captures
        array = self._as_array(iq, "iq")
        if np.iscomplexobj(array):
            if array.ndim == 2:
                return [self._one_capture(row, f"iq[{i}]") for i, row in enumerate(array)]
        elif array.ndim == 3:
            return [self._one_capture(row, f"iq[{i}]") for i, row in enumerate(array)]
        return [self._one_capture(array, "iq")]

    @staticmethod
    def _as_array(value, name: str) -> np.ndarray:
        if isinstance(value, np.ndarray):
            return value
        try:
            array = np.asarray(value)
        except (TypeError, ValueError) as error:
            raise SpectrumFMInputTypeError(
                f"{name} must be an array of IQ samples (complex, or real with a trailing I/Q axis of 2), "
                f"got {type(value).__name__}"
            ) from error
        if array.dtype == object:
            raise SpectrumFMInputTypeError(
                f"{name} must be a numeric array of IQ samples, got {type(value).__name__} of mixed or ragged items"
            )
        return array

    @staticmethod
    def _one_capture(array: np.ndarray, name: str) -> np.ndarray:
        """Check one capture and return it as complex128 of shape (n,)."""
        kind = array.dtype.kind
        if kind in "fc" and not np.isfinite(array).all():
            bad = np.argwhere(~np.isfinite(array))[0]
            raise SpectrumFMInputError(f"{name}: the capture contains NaN or Inf (first at index {tuple(int(i) for i in bad)})")
        if kind == "c":
            if array.ndim != 1:
                raise SpectrumFMInputError(f"{name}: a complex capture must be 1-D (samples,), got shape {array.shape}")
            capture = array.astype(np.complex128, copy=False)
        elif kind in "fi":
            if array.ndim != 2 or array.shape[-1] != 2:
                raise SpectrumFMInputError(
                    f"{name}: a real capture must have shape (samples, 2) with I and Q in the last axis, "
                    f"got shape {array.shape}; pass complex samples for 1-D input"
                )
            real = array.astype(np.float64, copy=False)
            capture = real[:, 0] + 1j * real[:, 1]
        else:
            raise SpectrumFMInputTypeError(
                f"{name}: IQ samples must be complex, floating point or signed integers, got dtype {array.dtype}"
                + ("; convert unsigned (e.g. cu8) samples with spectrumfm_hf.data's raw loader" if kind == "u" else "")
            )
        if capture.shape[0] == 0:
            raise SpectrumFMInputError(f"{name}: the capture is empty; expected at least one IQ sample")
        return capture

    # ---------------------------------------------------------------- windowing

    def _window_starts(self, num_samples: int) -> np.ndarray:
        n, hop = self.window_length, self.hop_length
        if num_samples >= n:
            full = np.arange(0, num_samples - n + 1, hop)
            if self.last_window == "pad" and full[-1] + n < num_samples and full[-1] + hop < num_samples:
                full = np.append(full, full[-1] + hop)
            return full
        return np.zeros(1, dtype=np.int64) if self.last_window == "pad" else np.zeros(0, dtype=np.int64)

    def _windows(self, capture: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(windows (W, N) complex, valid (W, N) bool, starts (W,))."""
        n = self.window_length
        starts = self._window_starts(capture.shape[0])
        if starts.size == 0:
            return np.zeros((0, n), np.complex128), np.zeros((0, n), bool), starts
        needed = int(starts[-1]) + n
        padded = np.zeros(max(needed, capture.shape[0]), np.complex128)
        padded[: capture.shape[0]] = capture
        valid = np.zeros(padded.shape[0], bool)
        valid[: capture.shape[0]] = True
        view = np.lib.stride_tricks.sliding_window_view(padded, n)[starts]
        valid_view = np.lib.stride_tricks.sliding_window_view(valid, n)[starts]
        return view, valid_view, starts

    # ---------------------------------------------------------------- eq. 4-7

    def amplitude_phase(self, windows: np.ndarray, peak: np.ndarray) -> np.ndarray:
        """Eq. 4-6 on (W, N) complex windows -> (W, N, 2) amplitude (or log amplitude) and phase.

        ``peak`` (W,) is the capture's largest |I| or |Q| per window; scaling by the power of two
        nearest to it first (exact, and safe for subnormal or near-overflow values) keeps ``abs``
        from overflowing and leaves eq. 7's result unchanged, since min-max normalisation does
        not see a positive scale (nor, for log amplitude, an offset).
        """
        _, exponent = np.frexp(peak)
        shift = -exponent[:, None]
        real, imag = np.ldexp(windows.real, shift), np.ldexp(windows.imag, shift)
        amplitude = np.hypot(real, imag)
        if self.log_amplitude:
            amplitude = np.log(np.maximum(amplitude, self.log_amplitude_floor))
        return np.stack([amplitude, np.arctan2(imag, real)], axis=-1)

    def min_max_normalise(self, features: np.ndarray, valid: np.ndarray) -> np.ndarray:
        """Eq. 7 per window and channel over real symbols; padding stays at ``padding_value``."""
        valid3 = valid[..., None]
        low = np.where(valid3, features, np.inf).min(axis=1, keepdims=True)
        high = np.where(valid3, features, -np.inf).max(axis=1, keepdims=True)
        spread = high - low
        scale = np.maximum(np.abs(high), np.abs(low))
        constant = spread <= self.constant_tolerance * scale
        if constant.any() and self.constant_window == "error":
            window, _, channel = np.argwhere(constant)[0]
            raise SpectrumFMInputError(
                f"window {int(window)} has a constant {'amplitude' if channel == 0 else 'phase'} "
                "(max == min, e.g. zero power), which min-max normalisation cannot scale; "
                "use constant_window='fill' to give it a defined value"
            )
        normalised = (features - low) / np.where(constant, 1.0, spread)
        normalised = np.where(constant, self.constant_fill_value, normalised)
        return np.where(valid3, normalised, self.padding_value)

    def __call__(self, iq, return_tensors: str | None = None, sampling_rate: float | None = None, **kwargs) -> BatchFeature:
        """Window and normalise IQ captures.

        Args:
            iq: one capture or several (see the class docstring for the accepted forms).
            return_tensors: ``"pt"``, ``"np"`` or None (numpy).
            sampling_rate: sample rate of ``iq`` in Hz; checked against the extractor's own.

        Returns:
            BatchFeature with ``input_values`` (W, N, 2) float32, ``attention_mask`` (W, N)
            int32 (1 = real symbol), ``capture_index`` (W,) int64 (which capture each window
            came from) and ``window_start`` (W,) int64 (its first sample in that capture).
        """
        if kwargs:
            raise SpectrumFMInputError(f"unexpected arguments {sorted(kwargs)}")
        if sampling_rate is not None and self.sampling_rate is not None and float(sampling_rate) != float(self.sampling_rate):
            raise SpectrumFMInputError(
                f"iq was sampled at {sampling_rate} Hz but this feature extractor expects {self.sampling_rate} Hz; "
                "resample the capture first"
            )
        captures = self._as_captures(iq)
        windows, valid, starts, owners, peaks = [], [], [], [], []
        for index, capture in enumerate(captures):
            capture_windows, capture_valid, capture_starts = self._windows(capture)
            peak = max(float(np.max(np.abs(capture.real))), float(np.max(np.abs(capture.imag))))
            windows.append(capture_windows)
            valid.append(capture_valid)
            starts.append(capture_starts)
            owners.append(np.full(capture_starts.shape[0], index, dtype=np.int64))
            peaks.append(np.full(capture_starts.shape[0], peak if peak > 0 else 1.0))
        windows = np.concatenate(windows)
        if windows.shape[0] == 0:
            raise SpectrumFMInputError(
                f"no window of {self.window_length} samples fits in the captures (longest has "
                f"{max(c.shape[0] for c in captures)} samples) with last_window='drop'; use last_window='pad'"
            )
        valid = np.concatenate(valid)
        features = self.amplitude_phase(windows, np.concatenate(peaks))
        input_values = self.min_max_normalise(features, valid).astype(np.float32)
        data = {"input_values": input_values}
        if self.return_attention_mask:
            data["attention_mask"] = valid.astype(np.int32)
        data["capture_index"] = np.concatenate(owners)
        data["window_start"] = np.concatenate(starts).astype(np.int64)
        return BatchFeature(data, tensor_type=return_tensors)


SpectrumFMFeatureExtractor.register_for_auto_class("AutoFeatureExtractor")
