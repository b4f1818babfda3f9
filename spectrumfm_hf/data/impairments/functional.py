"""Channel and receiver impairments as pure functions of ``(iq, parameters)``.

Each function impairs a batch ``(batch, num_samples)`` of complex baseband with one value of
each parameter per row (arrays ``(batch,)``), draws nothing and records nothing: drawing the
parameters from an example's random numbers is the job of the classes in :mod:`.transforms`.
"""

from __future__ import annotations

import numpy as np

from ..dsp import mean_power

__all__ = [
    "add_noise",
    "apply_phase_noise",
    "carrier_offset",
    "dc_offset",
    "iq_imbalance",
    "lagrange_resample",
    "power_amplifier",
    "quantize",
    "tapped_delay_line",
]


def power_amplifier(
    iq: np.ndarray, input_backoff_db: np.ndarray, smoothness: np.ndarray, am_pm_rad: np.ndarray
) -> np.ndarray:
    """Rapp AM/AM compression with a Saleh-form AM/PM, saturation ``input_backoff_db`` above the input RMS.

    Args:
        iq: complex ``(batch, num_samples)``.
        input_backoff_db: saturation level above each row's RMS, dB.
        smoothness: Rapp smoothness ``p`` (large: hard limiter).
        am_pm_rad: AM/PM phase shift at saturation, radians.
    """
    p = smoothness[:, None]
    saturation = np.sqrt(mean_power(iq)) * 10.0 ** (input_backoff_db[:, None] / 20.0)
    ratio = np.abs(iq) / np.where(saturation > 0, saturation, 1.0)
    gain = (1.0 + ratio ** (2.0 * p)) ** (-1.0 / (2.0 * p))
    ratio_squared = ratio * ratio
    return iq * gain * np.exp(1j * am_pm_rad[:, None] * ratio_squared / (1.0 + ratio_squared))


def tapped_delay_line(iq: np.ndarray, gains: np.ndarray) -> np.ndarray:
    """``y[n] = sum_l gains[l, n] x[n - l]``: time-varying taps at delays of whole samples.

    Input before the first sample counts as zero.

    Args:
        iq: complex ``(batch, num_samples)``.
        gains: complex ``(batch, num_taps, num_samples)``; tap ``l`` delays by ``l`` samples.
    """
    num_samples = iq.shape[1]
    out = gains[:, 0, :] * iq
    for delay in range(1, min(gains.shape[1], num_samples)):
        out[:, delay:] += gains[:, delay, delay:] * iq[:, :-delay]
    return out


# Sixth-order Lagrange interpolation: nodes -2 .. 3 around the instant's integer part.
_LAGRANGE_NODES = np.arange(-2, 4)


def lagrange_resample(iq: np.ndarray, instants: np.ndarray, lookback: int) -> np.ndarray:
    """``iq`` read at fractional sample ``instants`` by sixth-order Lagrange interpolation.

    Flat to 0.1 dB up to 0.15 cycles per sample. Input before the first sample counts as zero.

    Args:
        iq: complex ``(batch, num_samples)``.
        instants: ``(batch, num_samples)`` times to read, samples; none later than its index and
            none more than ``lookback - 3`` samples before the first sample.
        lookback: zeros prepended to each row so every interpolation point exists, samples.
    """
    batch, num_samples = iq.shape
    base = np.floor(instants)
    mu = instants - base
    # Zeros before the capture stand for the unknown past; one flat gather per tap.
    padded = np.concatenate([np.zeros((batch, lookback), dtype=iq.dtype), iq], axis=1).ravel()
    start = (base.astype(np.intp) + lookback) + (np.arange(batch) * (num_samples + lookback))[:, None]
    nodes = _LAGRANGE_NODES
    # Lagrange basis l_k(mu) = prod_{i != k} (mu - i) / (k - i) via prefix/suffix products.
    factors = [mu - node for node in nodes]
    prefix = [None, factors[0]]
    for factor in factors[1:-1]:
        prefix.append(prefix[-1] * factor)
    suffix = [None, factors[-1]]
    for factor in factors[-2:0:-1]:
        suffix.append(suffix[-1] * factor)
    suffix = suffix[::-1]
    out = np.zeros_like(iq)
    for k, node in enumerate(nodes):
        denominator = float(np.prod([node - other for other in nodes if other != node]))
        if k == 0:
            weight = suffix[0] / denominator
        elif k == nodes.size - 1:
            weight = prefix[k] / denominator
        else:
            weight = prefix[k] * suffix[k] / denominator
        out += np.take(padded, start + node) * weight
    return out


def carrier_offset(iq: np.ndarray, cfo: np.ndarray, drift: np.ndarray, phase_rad: np.ndarray) -> np.ndarray:
    """``y[n] = x[n] exp(j (2 pi (cfo n + drift n**2 / 2) + phase))``, ``n`` from the first sample.

    Args:
        iq: complex ``(batch, num_samples)``.
        cfo: frequency offset, cycles per sample.
        drift: frequency drift, cycles per sample per sample.
        phase_rad: carrier phase offset, radians.
    """
    n = np.arange(iq.shape[1])
    cfo, drift = cfo[:, None], drift[:, None]
    return iq * np.exp(1j * (2 * np.pi * (cfo * n + 0.5 * drift * n * n) + phase_rad[:, None]))


def add_noise(iq: np.ndarray, snr_db: np.ndarray, bandwidth: np.ndarray, normals: np.ndarray) -> np.ndarray:
    """Complex white Gaussian noise at ``snr_db`` in the signal's band of two-sided width ``bandwidth``.

    The noise variance is ``P_signal / (10 ** (snr_db / 10) * bandwidth)`` per complex sample, with
    ``P_signal`` each row's own mean power, so every row has exactly its SNR.

    Args:
        iq: complex ``(batch, num_samples)``.
        snr_db: SNR in the signal's band, dB.
        bandwidth: occupied bandwidth, normalised to the sample rate, in (0, 1].
        normals: ``(batch, 2 * num_samples)`` standard normal numbers: the I rails, then the Q rails.
    """
    num_samples = iq.shape[1]
    noise_variance = mean_power(iq)[:, 0] / (10.0 ** (snr_db / 10.0) * bandwidth)
    scale = np.sqrt(noise_variance / 2.0)[:, None]
    noise = normals[:, :num_samples] + 1j * normals[:, num_samples:]
    return iq + scale * noise


def apply_phase_noise(iq: np.ndarray, std_rad: np.ndarray, normals: np.ndarray) -> np.ndarray:
    """Wiener phase noise: the phase walks by ``std_rad * normals`` per sample.

    Args:
        iq: complex ``(batch, num_samples)``.
        std_rad: standard deviation of the phase increment per sample, radians.
        normals: ``(batch, >= num_samples)`` standard normal numbers.
    """
    phase = np.cumsum(std_rad[:, None] * normals[:, : iq.shape[1]], axis=-1)
    return iq * np.exp(1j * phase)


def iq_imbalance(iq: np.ndarray, gain_db: np.ndarray, phase_deg: np.ndarray) -> np.ndarray:
    """``y = direct x + image conj(x)``: the Q rail becomes ``g (Q cos phi - I sin phi)``.

    ``direct = (1 + g exp(-j phi)) / 2`` and ``image = (1 - g exp(j phi)) / 2``.

    Args:
        iq: complex ``(batch, num_samples)``.
        gain_db: Q/I amplitude ratio ``g``, dB.
        phase_deg: quadrature phase error ``phi``, degrees.
    """
    ratio = 10.0 ** (gain_db / 20.0)
    phi = np.deg2rad(phase_deg)
    direct_gain = ((1.0 + ratio * np.exp(-1j * phi)) / 2.0)[:, None]
    image_gain = ((1.0 - ratio * np.exp(1j * phi)) / 2.0)[:, None]
    return direct_gain * iq + image_gain * np.conj(iq)


def dc_offset(iq: np.ndarray, level_db: np.ndarray, angle_turns: np.ndarray) -> np.ndarray:
    """A constant complex offset of power ``level_db`` relative to each row's mean power.

    Args:
        iq: complex ``(batch, num_samples)``.
        level_db: offset power relative to the row's mean power, dB.
        angle_turns: the offset's angle, turns (1 = 2 pi radians).
    """
    amplitude = np.sqrt(mean_power(iq)[:, 0] * 10.0 ** (level_db / 10.0))
    offset = amplitude * np.exp(2j * np.pi * angle_turns)
    return iq + offset[:, None]


def quantize(iq: np.ndarray, bits: np.ndarray, headroom_db: np.ndarray) -> np.ndarray:
    """Clip each rail at ``±F``, ``F`` set ``headroom_db`` above the rail's RMS, then quantise to ``2**bits`` levels.

    Args:
        iq: complex ``(batch, num_samples)``.
        bits: resolution, bits.
        headroom_db: full scale above the per-rail RMS, dB.
    """
    full_scale = np.sqrt(mean_power(iq)[:, 0] / 2.0) * 10.0 ** (headroom_db / 20.0)
    full_scale = np.where(full_scale > 0, full_scale, 1.0)[:, None]
    step = 2.0 * full_scale / 2.0 ** bits[:, None]
    top = full_scale - step / 2.0

    def rail(values: np.ndarray) -> np.ndarray:
        return np.clip((np.floor(values / step) + 0.5) * step, -top, top)

    return rail(iq.real) + 1j * rail(iq.imag)
