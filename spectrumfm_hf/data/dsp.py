"""Signal-processing helpers shared by transmitters, impairments, readers and the feature extractor.

Written once here: symbol pulses (root-raised cosine, Gaussian-filtered rectangle and its phase
integral), OFDM modulation, rational resampling of a window, mean power and unit-power
normalisation, and cutting a stream into windows. Everything is vectorised over leading axes.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Sequence

import numpy as np
from scipy.signal import resample_poly
from scipy.special import erfc

from .base import SpectrumDataError

__all__ = [
    "RESAMPLE_MARGIN",
    "gaussian_nrz_pulse",
    "gaussian_phase_pulse",
    "mean_power",
    "native_span",
    "ofdm_modulate",
    "padded_windows",
    "resample_ratio",
    "resample_window",
    "rrc_pulse",
    "unit_power",
    "window_starts",
    "windows",
]

# Native samples kept on each side of a resampled window so that the polyphase filter's
# start-up transient (about 10 * max(up, down) / up input samples) stays outside the window.
RESAMPLE_MARGIN = 40


# ----------------------------------------------------------------------------- power


def mean_power(iq: np.ndarray) -> np.ndarray:
    """Mean power per sample ``|x|**2`` of each row (last axis), keeping that axis (size 1)."""
    return np.mean(iq.real * iq.real + iq.imag * iq.imag, axis=-1, keepdims=True)


def unit_power(iq: np.ndarray) -> np.ndarray:
    """Each row (last axis) of ``iq`` scaled to unit mean power; rows of zero power stay zero."""
    power = mean_power(iq)
    return iq / np.sqrt(np.where(power > 0, power, 1.0))


# ----------------------------------------------------------------------------- pulses


def rrc_pulse(time_symbols: np.ndarray, rolloff: np.ndarray | float) -> np.ndarray:
    """Root-raised-cosine pulse (unit symbol period, peak at 0) evaluated at arbitrary times.

    Args:
        time_symbols: times in symbol periods.
        rolloff: roll-off factor in [0, 1], broadcast against ``time_symbols``.
    """
    u = np.asarray(time_symbols, dtype=np.float64)
    a = np.broadcast_to(np.asarray(rolloff, dtype=np.float64), u.shape)
    four_au = 4.0 * a * u
    denominator = np.pi * u * (1.0 - four_au * four_au)
    singular = np.abs(denominator) < 1e-9
    safe_den = np.where(singular, 1.0, denominator)
    value = (np.sin(np.pi * u * (1.0 - a)) + four_au * np.cos(np.pi * u * (1.0 + a))) / safe_den
    at_zero = 1.0 - a + 4.0 * a / np.pi
    # At |t| = 1/(4 rolloff) numerator and denominator both vanish; this is the limit.
    quarter = np.pi / (4.0 * np.maximum(a, 1e-12))
    at_quarter = a / np.sqrt(2.0) * ((1.0 + 2.0 / np.pi) * np.sin(quarter) + (1.0 - 2.0 / np.pi) * np.cos(quarter))
    return np.where(singular, np.where(np.abs(u) < 1e-6, at_zero, at_quarter), value)


def _gaussian_q(x: np.ndarray) -> np.ndarray:
    return 0.5 * erfc(x / np.sqrt(2.0))


def _gaussian_rate(bt: np.ndarray) -> np.ndarray:
    """Scale of the Gaussian filter's impulse response in 1/symbol for a given BT."""
    return 2.0 * np.pi * bt / np.sqrt(np.log(2.0))


def gaussian_nrz_pulse(time_symbols: np.ndarray, bt: np.ndarray | float) -> np.ndarray:
    """A one-symbol rectangle through a Gaussian filter of bandwidth-time product ``bt``.

    The frequency pulse of GFSK/GMSK (up to a factor 1/2) and the "gaussian" symbol pulse of
    linear modulations. Copies one symbol apart sum to 1.

    Args:
        time_symbols: times in symbol periods (the rectangle spans [-1/2, 1/2]).
        bt: 3 dB bandwidth times symbol duration, broadcast against ``time_symbols``.
    """
    a = _gaussian_rate(np.asarray(bt, dtype=np.float64))
    u = np.asarray(time_symbols, dtype=np.float64)
    return _gaussian_q(a * (u - 0.5)) - _gaussian_q(a * (u + 0.5))


def gaussian_phase_pulse(time_symbols: np.ndarray, bt: np.ndarray | float) -> np.ndarray:
    """Integral of the GMSK frequency pulse, rising from 0 to 1/2 (closed form).

    The frequency pulse is ``gaussian_nrz_pulse / 2``; with ``G(v) = v Q(a v) - phi(a v) / a``
    an antiderivative of ``Q(a v)``, the integral is ``1/2 + (G(t - 1/2) - G(t + 1/2)) / 2``.

    Args:
        time_symbols: times in symbol periods.
        bt: 3 dB bandwidth times symbol duration.
    """
    a = _gaussian_rate(np.asarray(bt, dtype=np.float64))
    u = np.asarray(time_symbols, dtype=np.float64)

    def antiderivative(v: np.ndarray) -> np.ndarray:
        av = a * v
        return v * _gaussian_q(av) - np.exp(-0.5 * av * av) / (np.sqrt(2.0 * np.pi) * a)

    return 0.5 + 0.5 * (antiderivative(u - 0.5) - antiderivative(u + 0.5))


# ----------------------------------------------------------------------------- OFDM


def ofdm_modulate(grid: np.ndarray, cp_lengths: Sequence[int] | np.ndarray) -> np.ndarray:
    """OFDM symbols with cyclic prefixes, concatenated.

    Args:
        grid: ``(num_symbols, fft_size)`` subcarrier values, centred (bin ``fft_size // 2`` is DC).
        cp_lengths: ``(num_symbols,)`` cyclic-prefix length of each symbol, samples.
    """
    fft_size = grid.shape[-1]
    # Unitary scaling keeps the time-domain power equal to the mean subcarrier power.
    useful = np.fft.ifft(np.fft.ifftshift(grid, axes=-1), axis=-1) * np.sqrt(fft_size)
    columns = np.concatenate([np.arange(fft_size - cp, 2 * fft_size) % fft_size for cp in cp_lengths])
    rows = np.repeat(np.arange(len(cp_lengths)), np.asarray(cp_lengths) + fft_size)
    return useful[rows, columns]


# ----------------------------------------------------------------------------- resampling


def resample_ratio(native_rate_hz: float, target_rate_hz: float) -> tuple[int, int]:
    """``(up, down)``: the rational factor taking ``native_rate_hz`` to ``target_rate_hz``."""
    ratio = Fraction(target_rate_hz / native_rate_hz).limit_denominator(10_000)
    return ratio.numerator, ratio.denominator


def native_span(num_samples: int, native_rate_hz: float, target_rate_hz: float) -> int:
    """Native samples needed around a window of ``num_samples`` target-rate samples, margins included."""
    up, down = resample_ratio(native_rate_hz, target_rate_hz)
    return int(np.ceil(num_samples * down / up)) + 2 * RESAMPLE_MARGIN + 1


def resample_window(
    native_iq: np.ndarray, native_rate_hz: float, target_rate_hz: float, start: int, num_samples: int
) -> np.ndarray:
    """Resample ``native_iq`` to ``target_rate_hz`` and cut ``num_samples`` from native sample ``start``.

    Uses :func:`scipy.signal.resample_poly` with the exact rational ratio on just the span the
    window needs.

    Args:
        native_iq: complex baseband at ``native_rate_hz``; it must hold :data:`RESAMPLE_MARGIN`
            samples before ``start`` and enough after it (see :func:`native_span`).
        native_rate_hz: sample rate of ``native_iq``, Hz.
        target_rate_hz: sample rate of the window, Hz.
        start: native sample index of the window's first sample.
        num_samples: window length at the target rate, samples.
    """
    up, down = resample_ratio(native_rate_hz, target_rate_hz)
    if up == down:
        return native_iq[start : start + num_samples]
    if start < RESAMPLE_MARGIN:
        raise SpectrumDataError(f"start must leave {RESAMPLE_MARGIN} native samples before it, got {start}")
    span = native_span(num_samples, native_rate_hz, target_rate_hz)
    chunk = native_iq[start - RESAMPLE_MARGIN : start - RESAMPLE_MARGIN + span]
    if chunk.size < span:
        raise SpectrumDataError(f"native_iq is too short for a {num_samples}-sample window at start={start}")
    resampled = resample_poly(chunk, up, down)
    first = int(np.ceil(RESAMPLE_MARGIN * up / down))
    return resampled[first : first + num_samples]


# ----------------------------------------------------------------------------- windowing


def window_starts(length: int, num_samples: int, stride: int, partial_last: bool = False) -> np.ndarray:
    """Start offsets of windows of ``num_samples`` taken every ``stride`` from ``length`` samples.

    Args:
        length: samples in the stream.
        num_samples: samples per window.
        stride: samples between window starts.
        partial_last: also start a last window over the samples the whole windows leave out
            (to be zero-padded, see :func:`padded_windows`); a stream shorter than one window
            then gives the single start 0.
    """
    if length < num_samples:
        return np.zeros(1 if partial_last else 0, dtype=np.int64)
    starts = np.arange(0, length - num_samples + 1, stride, dtype=np.int64)
    last = int(starts[-1])
    if partial_last and last + num_samples < length and last + stride < length:
        starts = np.append(starts, last + stride)
    return starts


def windows(stream: np.ndarray, starts: Sequence[int] | np.ndarray, num_samples: int) -> np.ndarray:
    """Gather windows ``stream[start:start + num_samples]`` along the first axis, stacked."""
    offsets = np.asarray(starts, dtype=np.int64)[:, None] + np.arange(num_samples)
    return np.asarray(stream)[offsets]


def padded_windows(
    stream: np.ndarray, starts: Sequence[int] | np.ndarray, num_samples: int
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`windows` of a 1-D stream zero-padded past its end, and which samples are real.

    Returns:
        ``(windows, valid)``: ``(len(starts), num_samples)`` samples, and a boolean mask of the
        same shape, False where a window reaches past the stream.
    """
    stream = np.asarray(stream)
    starts = np.asarray(starts, dtype=np.int64)
    needed = int(starts.max()) + num_samples if starts.size else 0
    padded = np.zeros(max(needed, stream.shape[0]), stream.dtype)
    padded[: stream.shape[0]] = stream
    valid = np.zeros(padded.shape[0], bool)
    valid[: stream.shape[0]] = True
    return windows(padded, starts, num_samples), windows(valid, starts, num_samples)
