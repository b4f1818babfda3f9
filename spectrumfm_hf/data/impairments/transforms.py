"""Channel and receiver impairments: thin classes that draw their parameters and apply :mod:`.functional`.

An impairment does not know which signal it carries. Like a transmitter, each one consumes
a fixed number of uniform numbers in [0, 1) and standard normal numbers per example, so a
batch is impaired with array operations while each example's randomness still comes from
its own generator:

* :meth:`Impairment.num_uniforms`, :meth:`Impairment.num_normals`: what one example consumes,
* :meth:`Impairment.apply`: impairs a ``(batch, num_samples)`` block given those numbers and
  writes what it drew into generation-parameter columns,
* :meth:`Impairment.__call__`: the :class:`~spectrumfm_hf.data.base.ChannelTransform` form,
  one example drawn from a ``numpy.random.Generator``.

Transforms with memory (multipath, timing) report :meth:`Impairment.history_samples`: the
first samples of their output depend on input before the capture started. Called on their
own they treat that input as zero (``"same"``-length filtering); inside an
:class:`~.chain.ImpairmentChain` the chain asks the transmitter for that many extra samples and
drops them, so generated captures carry no start-up transient.

**SNR.** :class:`AdditiveNoise` sets the ratio of the signal power to the noise power in one
of two conventions (its ``snr_convention``; each record states its own in ``snr_convention``):

* ``"in-band"``: noise counted *in the signal's occupied band*. With the signal's two-sided
  bandwidth ``B`` (normalised to the sample rate, from the ``bandwidth`` parameter the
  transmitter recorded; the whole band, ``B = 1``, when none was recorded) and white complex
  noise of variance ``sigma**2`` per sample, the in-band noise power is ``sigma**2 * B`` and
  ``SNR = P_signal / (sigma**2 * B)``. TorchSig labels its SNR this way.
* ``"per-sample"``: noise counted over the whole sampled band, ``SNR = P_signal / sigma**2``,
  as the public RML data sets (GNU Radio's channel model sets a noise amplitude per sample)
  label theirs. At the same label a signal of bandwidth ``B`` is ``-10 log10(B)`` dB cleaner
  in-band than in the in-band convention: 7.6 dB for RRC 0.35 at 8 samples per symbol.

``P_signal`` is the mean power per sample of the received (faded, distorted) signal in the
capture itself, so every capture has exactly the SNR it is labelled with.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import math
from dataclasses import dataclass, fields
from typing import Any, Callable

import numpy as np

from ..base import GENERATION_PARAMETERS, SpectrumDataError, check_positive_integer, check_range, python_scalar, scale_uniform
from . import functional as F

__all__ = [
    "Impairment",
    "PowerAmplifier",
    "MultipathFading",
    "TimingOffset",
    "CarrierOffset",
    "AdditiveNoise",
    "PhaseNoise",
    "IQImbalance",
    "DCOffset",
    "Quantizer",
    "FADING_TYPES",
    "SNR_CONVENTIONS",
]

FADING_TYPES: tuple[str, ...] = ("none", "rayleigh", "rician")
SNR_CONVENTIONS: tuple[str, ...] = ("in-band", "per-sample")
"""How :class:`AdditiveNoise` counts the noise of an SNR (module docstring)."""

def _column(columns: dict[str, np.ndarray], name: str, batch: int) -> np.ndarray:
    """A float column of the batch, NaN where absent."""
    if name in columns:
        return np.asarray(columns[name], dtype=np.float64).reshape(batch)
    return np.full(batch, np.nan)


class Impairment(ABC):
    """Base of the channel and receiver transforms (see the module docstring)."""

    def num_uniforms(self, num_samples: int) -> int:
        """Uniform numbers in [0, 1) one example of ``num_samples`` input samples consumes."""
        return 0

    def num_normals(self, num_samples: int) -> int:
        """Standard normal numbers one example of ``num_samples`` input samples consumes."""
        return 0

    def history_samples(self, num_samples: int) -> int:
        """Leading output samples that depend on input before the capture, for ``num_samples`` valid outputs."""
        return 0

    @abstractmethod
    def apply(
        self, iq: np.ndarray, uniforms: np.ndarray, normals: np.ndarray, columns: dict[str, np.ndarray]
    ) -> np.ndarray:
        """Impair a batch.

        Args:
            iq: complex ``(batch, num_samples)``.
            uniforms: ``(batch, num_uniforms(num_samples))`` numbers in [0, 1).
            normals: ``(batch, num_normals(num_samples))`` standard normal numbers.
            columns: generation-parameter columns of the batch, each ``(batch,)``; read for
                what earlier stages recorded and updated with what this one draws.

        Returns:
            complex128 ``(batch, num_samples)``.
        """

    def __call__(self, iq: np.ndarray, rng: np.random.Generator, params: dict[str, Any]) -> np.ndarray:
        """Impair one capture, drawing from ``rng`` and recording what was drawn in ``params``."""

        def impair(row, uniforms, normals, columns):
            return self.apply(row.astype(np.complex128), uniforms, normals, columns)

        return impair_one_capture(self, iq, rng, params, impair)


def impair_one_capture(
    transform: Any,
    iq: np.ndarray,
    rng: np.random.Generator,
    params: dict[str, Any],
    impair_batch: Callable[..., np.ndarray],
) -> np.ndarray:
    """One capture through a batch transform as a batch of one (the ``ChannelTransform`` form).

    Args:
        transform: an :class:`Impairment` or :class:`~.chain.ImpairmentChain`; says how many numbers
            a capture of ``iq.size`` output samples draws from ``rng``.
        iq: complex ``(num_samples,)``.
        rng: the example's generator: uniforms first, then normals.
        params: the example's generation parameters; what the transform draws is recorded here.
        impair_batch: ``impair_batch(iq, uniforms, normals, columns)`` on a ``(1, num_samples)`` batch.

    Returns:
        complex64 ``(num_samples,)``.
    """
    iq = np.asarray(iq)
    if iq.ndim != 1 or iq.size == 0:
        raise SpectrumDataError(f"iq must be a non-empty 1-D complex array, got shape {iq.shape}")
    num_samples = iq.size
    uniforms = rng.random(transform.num_uniforms(num_samples))[None, :]
    normals = rng.standard_normal(transform.num_normals(num_samples))[None, :]
    columns = _single_row_columns(params)
    out = impair_batch(iq[None, :], uniforms, normals, columns)
    _record(params, columns)
    return out[0].astype(np.complex64)


def _single_row_columns(params: dict[str, Any]) -> dict[str, np.ndarray]:
    """The generation parameters of one example as columns of a batch of one (text as object arrays)."""
    return {
        key: np.asarray([value], dtype=object if GENERATION_PARAMETERS[key][0] == "string" else None)
        for key, value in params.items()
        if key in GENERATION_PARAMETERS
    }


def _record(params: dict[str, Any], columns: dict[str, np.ndarray]) -> None:
    """Copy the single row of ``columns`` into ``params`` as Python scalars."""
    for key, column in columns.items():
        params[key] = python_scalar(np.asarray(column)[0])


def _validated(instance: Any, limits: dict[str, tuple[float, float]]) -> None:
    for spec in fields(instance):
        if spec.name in limits:
            low, high = limits[spec.name]
            object.__setattr__(instance, spec.name, check_range(spec.name, getattr(instance, spec.name), low, high))


@dataclass(frozen=True)
class PowerAmplifier(Impairment):
    """Transmitter power-amplifier compression: Rapp AM/AM with a Saleh-form AM/PM.

    With ``A`` the saturation amplitude, set ``input_backoff_db`` above the input RMS:
    ``|y| = |x| / (1 + (|x| / A) ** (2 p)) ** (1 / (2 p))`` and a phase shift of
    ``am_pm_deg * r**2 / (1 + r**2)`` degrees with ``r = |x| / A``.

    Args:
        input_backoff_db: saturation level above the input RMS, dB (small: strong compression).
        smoothness: Rapp smoothness ``p`` (large: hard limiter).
        am_pm_deg: AM/PM conversion at saturation, degrees.
    """

    input_backoff_db: tuple[float, float] = (3.0, 20.0)
    smoothness: tuple[float, float] = (1.0, 3.0)
    am_pm_deg: tuple[float, float] = (0.0, 10.0)

    def __post_init__(self) -> None:
        _validated(self, {"input_backoff_db": (-20.0, 60.0), "smoothness": (0.1, 100.0), "am_pm_deg": (-180.0, 180.0)})

    def num_uniforms(self, num_samples: int) -> int:
        return 3

    def apply(self, iq, uniforms, normals, columns):
        backoff_db = scale_uniform(uniforms[:, 0], self.input_backoff_db)
        smoothness = scale_uniform(uniforms[:, 1], self.smoothness)
        am_pm_rad = np.deg2rad(scale_uniform(uniforms[:, 2], self.am_pm_deg))
        columns["pa_input_backoff_db"] = backoff_db
        return F.power_amplifier(iq, backoff_db, smoothness, am_pm_rad)


@dataclass(frozen=True)
class MultipathFading(Impairment):
    """Time-varying multipath: a tapped delay line whose taps fade within the capture.

    Taps sit at delays ``0 .. num_taps - 1`` samples with an exponential power-delay
    profile ``P_l ~ exp(-l / decay)`` (``decay`` drawn from ``delay_decay``; the recorded
    ``delay_spread`` is the profile's RMS delay spread in samples) normalised to unit total
    power. Each tap is a sum of ``num_sinusoids`` complex sinusoids with random angles of
    arrival and phases (a sum-of-sinusoids model whose Doppler spectrum approaches Jakes'
    U-shape), so the taps change over the capture at the drawn maximum Doppler shift and
    are static at zero Doppler. Rician fading adds a line-of-sight component of K-factor
    ``K`` to the first tap; ``"none"`` passes the signal unchanged.

    Args:
        fading_weights: probabilities of ``("none", "rayleigh", "rician")``.
        k_factor_db: Rician K-factor range, dB.
        doppler: maximum Doppler shift range, cycles per sample.
        delay_decay: decay constant range of the power-delay profile, samples (0: flat fading).
        num_taps: taps of the delay line (maximum delay + 1), samples.
        num_sinusoids: sinusoids per tap.
    """

    fading_weights: tuple[float, float, float] = (0.2, 0.4, 0.4)
    k_factor_db: tuple[float, float] = (0.0, 15.0)
    doppler: tuple[float, float] = (0.0, 0.005)
    delay_decay: tuple[float, float] = (0.0, 1.5)
    num_taps: int = 4
    num_sinusoids: int = 8

    def __post_init__(self) -> None:
        weights = np.asarray(self.fading_weights, dtype=float)
        if weights.shape != (3,) or not np.all(np.isfinite(weights)) or np.any(weights < 0) or weights.sum() <= 0:
            raise SpectrumDataError(
                f"fading_weights must be three non-negative weights for {FADING_TYPES}, got {self.fading_weights!r}"
            )
        object.__setattr__(self, "fading_weights", tuple(float(w) for w in weights / weights.sum()))
        _validated(self, {"k_factor_db": (-40.0, 60.0), "doppler": (0.0, 0.1), "delay_decay": (0.0, 1e3)})
        for argument in ("num_taps", "num_sinusoids"):
            value = check_positive_integer(argument, getattr(self, argument))
            if value > 64:
                raise SpectrumDataError(f"{argument} must be an integer in [1, 64], got {value!r}")
            object.__setattr__(self, argument, value)

    @property
    def update_interval(self) -> int:
        """Samples between exact tap evaluations (linearly interpolated in between).

        Chosen so the fastest sinusoid turns by at most 0.04 cycles per interval, where
        linear interpolation of the tap is accurate to about 1 % in amplitude.
        """
        fastest = self.doppler[1]
        return int(np.clip(math.floor(0.04 / fastest), 1, 32)) if fastest > 0 else 32

    def num_uniforms(self, num_samples: int) -> int:
        # type, K, Doppler, decay, line-of-sight angle and phase, then per tap and sinusoid
        # an angle of arrival and a phase.
        return 6 + 2 * self.num_taps * self.num_sinusoids

    def history_samples(self, num_samples: int) -> int:
        return self.num_taps - 1

    def taps(self, uniforms: np.ndarray, num_samples: int, columns: dict[str, np.ndarray] | None = None) -> np.ndarray:
        """Complex tap gains ``(batch, num_taps, num_samples)`` of a batch (index = delay in samples)."""
        batch, taps, sinusoids = uniforms.shape[0], self.num_taps, self.num_sinusoids
        kind = np.searchsorted(np.cumsum(self.fading_weights)[:-1], uniforms[:, 0], side="right")
        k_db = scale_uniform(uniforms[:, 1], self.k_factor_db)
        doppler = scale_uniform(uniforms[:, 2], self.doppler)
        decay = scale_uniform(uniforms[:, 3], self.delay_decay)
        delays = np.arange(taps)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            profile = np.where(decay[:, None] > 0, np.exp(-delays / decay[:, None]), (delays == 0) * 1.0)
        profile /= profile.sum(axis=1, keepdims=True)

        interval = self.update_interval
        knots = -(-(num_samples - 1) // interval) + 1
        angles = 2 * np.pi * uniforms[:, 6:].reshape(batch, taps, sinusoids, 2)
        # Each sinusoid advances by a fixed rotation per knot: powers by running product.
        rotation = np.exp(2j * np.pi * doppler[:, None, None] * interval * np.cos(angles[..., 0]))
        rotations = np.repeat(rotation[..., None], knots, axis=-1)
        rotations[..., 0] = np.exp(1j * angles[..., 1])
        scatter = np.sum(np.cumprod(rotations, axis=-1), axis=2) / np.sqrt(sinusoids)

        k_linear = np.where(kind == 2, 10.0 ** (k_db / 10.0), 0.0)
        los_frequency = doppler * np.cos(2 * np.pi * uniforms[:, 4])
        knot_time = np.arange(knots) * interval
        line_of_sight = np.exp(1j * (2 * np.pi * (los_frequency[:, None] * knot_time + uniforms[:, 5:6])))
        scatter[:, 0, :] = (
            np.sqrt(k_linear / (k_linear + 1.0))[:, None] * line_of_sight
            + np.sqrt(1.0 / (k_linear + 1.0))[:, None] * scatter[:, 0, :]
        )
        knot_taps = np.sqrt(profile)[..., None] * scatter
        knot_taps[kind == 0] = (delays == 0)[:, None] * 1.0

        # Knots are evenly spaced: interpolate each interval by broadcasting, then flatten.
        fraction = np.arange(interval) / interval
        steps = np.diff(knot_taps, axis=-1, append=knot_taps[..., -1:])
        gains = knot_taps[..., None] + steps[..., None] * fraction
        gains = gains.reshape(batch, taps, knots * interval)[..., :num_samples]

        if columns is not None:
            mean_delay = np.sum(profile * delays, axis=1)
            spread = np.sqrt(np.maximum(np.sum(profile * delays**2, axis=1) - mean_delay**2, 0.0))
            columns["fading"] = np.asarray(FADING_TYPES)[kind]
            columns["k_factor_db"] = np.where(kind == 2, k_db, np.nan)
            columns["doppler"] = np.where(kind == 0, np.nan, doppler)
            columns["delay_spread"] = np.where(kind == 0, 0.0, spread)
        return gains

    def apply(self, iq, uniforms, normals, columns):
        num_samples = iq.shape[1]
        return F.tapped_delay_line(iq, self.taps(uniforms, num_samples, columns))


@dataclass(frozen=True)
class TimingOffset(Impairment):
    """Receiver sampling error: a fractional delay and a sample-rate offset.

    The output is the input resampled at instants ``n - d - delay - ppm * 1e-6 * (N - 1 - n)``
    (input samples; ``d`` a fixed bulk delay that keeps every instant in the past) with
    sixth-order Lagrange interpolation (flat to 0.1 dB up to 0.15 cycles per sample).

    Args:
        delay: fractional delay range, samples.
        sample_rate_offset_ppm: sample-clock offset range, parts per million.
    """

    delay: tuple[float, float] = (0.0, 1.0)
    sample_rate_offset_ppm: tuple[float, float] = (-100.0, 100.0)

    def __post_init__(self) -> None:
        _validated(self, {"delay": (0.0, 64.0), "sample_rate_offset_ppm": (-1e4, 1e4)})

    def num_uniforms(self, num_samples: int) -> int:
        return 2

    def _drift_samples(self, num_samples: int) -> int:
        largest = max(abs(v) for v in self.sample_rate_offset_ppm) * 1e-6
        return int(math.ceil(largest * num_samples))

    def _bulk_delay(self, num_samples: int) -> int:
        # The newest point used is floor(t) + 3, which must not be after the current sample.
        return 3 + self._drift_samples(num_samples)

    def _lookback(self, num_samples: int) -> int:
        """How far before the current sample the oldest interpolation point can lie."""
        return self._bulk_delay(num_samples) + int(math.ceil(self.delay[1])) + self._drift_samples(num_samples) + 3

    def history_samples(self, num_samples: int) -> int:
        history = 0
        for _ in range(8):
            needed = self._lookback(num_samples + history)
            if needed == history:
                break
            history = needed
        return history

    def apply(self, iq, uniforms, normals, columns):
        batch, num_samples = iq.shape
        delay = scale_uniform(uniforms[:, 0], self.delay)
        ppm = scale_uniform(uniforms[:, 1], self.sample_rate_offset_ppm)
        n = np.arange(num_samples)
        instants = n - self._bulk_delay(num_samples) - delay[:, None] - ppm[:, None] * 1e-6 * (num_samples - 1 - n)
        out = F.lagrange_resample(iq, instants, self._lookback(num_samples))
        columns["timing_offset"] = delay
        columns["sample_rate_offset_ppm"] = ppm
        return out


@dataclass(frozen=True)
class CarrierOffset(Impairment):
    """Carrier-frequency offset with linear drift and a carrier phase offset.

    ``y[n] = x[n] exp(j (2 pi (cfo n + drift n**2 / 2) + phase))``, ``n`` counted from the
    first sample of the capture.

    Receivers that lock to a carrier (an AM or FM receiver tracks the carrier it demodulates)
    leave a much smaller residual offset than a blind digital receiver: rows whose
    ``modulation`` column is one of ``carrier_locked_modulations`` draw their offset from
    ``carrier_locked_cfo`` instead, without drift.

    Args:
        cfo: frequency offset range, cycles per sample.
        drift: frequency drift range, cycles per sample per sample.
        phase_offset_rad: carrier phase range, radians.
        carrier_locked_modulations: class names received by a carrier-locked receiver.
        carrier_locked_cfo: their residual offset range, cycles per sample.
    """

    cfo: tuple[float, float] = (-0.01, 0.01)
    drift: tuple[float, float] = (-2e-6, 2e-6)
    phase_offset_rad: tuple[float, float] = (-math.pi, math.pi)
    carrier_locked_modulations: tuple[str, ...] = ()
    carrier_locked_cfo: tuple[float, float] = (0.0, 0.0)

    def __post_init__(self) -> None:
        _validated(
            self,
            {
                "cfo": (-0.5, 0.5),
                "drift": (-1e-2, 1e-2),
                "phase_offset_rad": (-2 * math.pi, 2 * math.pi),
                "carrier_locked_cfo": (-0.5, 0.5),
            },
        )
        names = self.carrier_locked_modulations
        if isinstance(names, str) or not all(isinstance(name, str) for name in names):
            raise SpectrumDataError(f"carrier_locked_modulations must be a sequence of class names, got {names!r}")
        object.__setattr__(self, "carrier_locked_modulations", tuple(names))

    def num_uniforms(self, num_samples: int) -> int:
        return 3

    def apply(self, iq, uniforms, normals, columns):
        cfo = scale_uniform(uniforms[:, 0], self.cfo)
        drift = scale_uniform(uniforms[:, 1], self.drift)
        if self.carrier_locked_modulations and "transmitter" in columns:
            locked = np.isin(np.asarray(columns["transmitter"], dtype=object), self.carrier_locked_modulations)
            cfo = np.where(locked, scale_uniform(uniforms[:, 0], self.carrier_locked_cfo), cfo)
            drift = np.where(locked, 0.0, drift)
        phase = scale_uniform(uniforms[:, 2], self.phase_offset_rad)
        columns["cfo"] = cfo
        columns["cfo_drift"] = drift
        columns["phase_offset_rad"] = phase
        return F.carrier_offset(iq, cfo, drift, phase)


@dataclass(frozen=True)
class AdditiveNoise(Impairment):
    """White Gaussian noise at a calibrated SNR, in-band or per-sample (module docstring).

    The SNR is the ``snr_db`` column when an earlier stage or the task generator set it,
    otherwise drawn from ``snr_db``. In the in-band convention the band is the ``bandwidth``
    column (two-sided, normalised; the full band when absent). The convention is recorded
    in the ``snr_convention`` column.

    Args:
        snr_db: SNR range used when none is given, dB.
        snr_convention: ``"in-band"`` or ``"per-sample"`` (:data:`SNR_CONVENTIONS`).
    """

    snr_db: tuple[float, float] = (-20.0, 30.0)
    snr_convention: str = "in-band"

    def __post_init__(self) -> None:
        _validated(self, {"snr_db": (-100.0, 200.0)})
        if self.snr_convention not in SNR_CONVENTIONS:
            raise SpectrumDataError(f"snr_convention must be one of {list(SNR_CONVENTIONS)}, got {self.snr_convention!r}")

    def num_uniforms(self, num_samples: int) -> int:
        return 1

    def num_normals(self, num_samples: int) -> int:
        return 2 * num_samples

    def apply(self, iq, uniforms, normals, columns):
        batch, num_samples = iq.shape
        given = _column(columns, "snr_db", batch)
        snr_db = np.where(np.isnan(given), scale_uniform(uniforms[:, 0], self.snr_db), given)
        if self.snr_convention == "per-sample":
            bandwidth = np.ones(batch)
        else:
            bandwidth = _column(columns, "bandwidth", batch)
            bandwidth = np.where(np.isnan(bandwidth) | (bandwidth <= 0), 1.0, np.minimum(bandwidth, 1.0))
        columns["snr_db"] = snr_db
        columns["snr_convention"] = np.full(batch, self.snr_convention, dtype=object)
        return F.add_noise(iq, snr_db, bandwidth, normals)


@dataclass(frozen=True)
class PhaseNoise(Impairment):
    """Oscillator phase noise as a Wiener process (random-walk phase).

    Args:
        std_rad: range of the standard deviation of the phase increment per sample, radians.
    """

    std_rad: tuple[float, float] = (0.0, 0.02)

    def __post_init__(self) -> None:
        _validated(self, {"std_rad": (0.0, math.pi)})

    def num_uniforms(self, num_samples: int) -> int:
        return 1

    def num_normals(self, num_samples: int) -> int:
        return num_samples

    def apply(self, iq, uniforms, normals, columns):
        std = scale_uniform(uniforms[:, 0], self.std_rad)
        columns["phase_noise_std_rad"] = std
        return F.apply_phase_noise(iq, std, normals)


@dataclass(frozen=True)
class IQImbalance(Impairment):
    """Receiver IQ gain and phase imbalance.

    ``g`` the Q/I amplitude ratio and ``phi`` the quadrature error: the Q rail becomes
    ``g (Q cos phi - I sin phi)`` (:func:`~.functional.iq_imbalance`).

    Args:
        gain_db: Q/I amplitude ratio range, dB.
        phase_deg: quadrature phase error range, degrees.
    """

    gain_db: tuple[float, float] = (-1.0, 1.0)
    phase_deg: tuple[float, float] = (-5.0, 5.0)

    def __post_init__(self) -> None:
        _validated(self, {"gain_db": (-20.0, 20.0), "phase_deg": (-45.0, 45.0)})

    def num_uniforms(self, num_samples: int) -> int:
        return 2

    def apply(self, iq, uniforms, normals, columns):
        gain_db = scale_uniform(uniforms[:, 0], self.gain_db)
        phase_deg = scale_uniform(uniforms[:, 1], self.phase_deg)
        columns["iq_gain_imbalance_db"] = gain_db
        columns["iq_phase_imbalance_deg"] = phase_deg
        return F.iq_imbalance(iq, gain_db, phase_deg)


@dataclass(frozen=True)
class DCOffset(Impairment):
    """A constant complex offset (LO leakage), its level relative to the capture's RMS.

    Args:
        level_db: offset power relative to the mean capture power, dB.
    """

    level_db: tuple[float, float] = (-40.0, -15.0)

    def __post_init__(self) -> None:
        _validated(self, {"level_db": (-200.0, 40.0)})

    def num_uniforms(self, num_samples: int) -> int:
        return 2

    def apply(self, iq, uniforms, normals, columns):
        level_db = scale_uniform(uniforms[:, 0], self.level_db)
        columns["dc_offset_db"] = level_db
        return F.dc_offset(iq, level_db, uniforms[:, 1])


@dataclass(frozen=True)
class Quantizer(Impairment):
    """Analog-to-digital conversion: clipping at full scale and uniform mid-rise quantisation.

    Each rail is clipped to ``±F`` with ``F`` set ``headroom_db`` above the rail's RMS
    (small headroom clips peaks), then quantised to ``2**bits`` levels.

    Args:
        bits: resolution range, bits (integers, inclusive).
        headroom_db: full scale above the per-rail RMS, dB.
    """

    bits: tuple[int, int] = (6, 12)
    headroom_db: tuple[float, float] = (3.0, 15.0)

    def __post_init__(self) -> None:
        _validated(self, {"bits": (1, 24), "headroom_db": (-20.0, 60.0)})
        lo, hi = self.bits
        if lo != int(lo) or hi != int(hi):
            raise SpectrumDataError(f"bits must be a (min, max) pair of integers, got {self.bits!r}")
        object.__setattr__(self, "bits", (int(lo), int(hi)))

    def num_uniforms(self, num_samples: int) -> int:
        return 2

    def apply(self, iq, uniforms, normals, columns):
        lo, hi = self.bits
        bits = np.minimum(lo + np.floor(uniforms[:, 0] * (hi - lo + 1)), hi)
        headroom_db = scale_uniform(uniforms[:, 1], self.headroom_db)
        columns["adc_bits"] = bits.astype(np.int64)
        columns["adc_headroom_db"] = headroom_db
        return F.quantize(iq, bits, headroom_db)
