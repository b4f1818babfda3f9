"""Interferers: signals that do not belong in a band, for anomaly detection.

A swept tone or a comb of them (a jammer or a radar sweeping across the band); a second QPSK
transmitter, misconfigured in rate or frequency, is a :class:`~.modulations.LinearModulator`
shifted in frequency by the task that places it.
"""

from __future__ import annotations

import numpy as np

__all__ = ["sweeping_tones"]


def sweeping_tones(
    num_samples: int,
    num_tones: int,
    band: tuple[float, float],
    sweep_period_samples: float,
    sweep_start: float,
    phases_rad: np.ndarray,
) -> np.ndarray:
    """Equal-power tones sweeping together, sawtooth-fashion, across a band, with unit total power.

    Tone ``m`` sits at fraction ``(sweep_start + n / sweep_period_samples + m / num_tones) mod 1``
    of the band at sample ``n``, so the comb keeps its spacing ``band width / num_tones`` and
    each tone wraps from the top of the band to the bottom.

    Args:
        num_samples: samples.
        num_tones: tones in the comb.
        band: (low, high) frequencies the tones sweep over, cycles per sample.
        sweep_period_samples: time one tone takes to cross the band, samples.
        sweep_start: position of tone 0 in the sweep at sample 0, fraction of the band.
        phases_rad: ``(num_tones,)`` phase of each tone at sample 0, radians.
    """
    low, high = band
    position = sweep_start + np.arange(num_samples)[None, :] / sweep_period_samples
    position = np.mod(position + np.arange(num_tones)[:, None] / num_tones, 1.0)
    frequency = low + (high - low) * position
    phase = 2.0 * np.pi * np.cumsum(frequency, axis=-1) + phases_rad[:, None]
    return np.exp(1j * phase).sum(axis=0) / np.sqrt(num_tones)
