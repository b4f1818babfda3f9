"""Wireless technology classification (WTC): which technology transmitted the capture.

Every example is one technology transmitter of :mod:`~spectrumfm_hf.data.transmitters.technologies`
(LTE, 5G NR, Wi-Fi, DVB-T, Bluetooth, LoRa, ZigBee) at the common 20 MHz sample rate,
passed through the same channel impairments as the modulation data sets.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ..base import SpectrumDataError, check_num_samples, check_snr_grid
from ..impairments import default_impairments
from ..labels import TECHNOLOGY_CLASSES
from ..transmitters import COMMON_SAMPLE_RATE_HZ, TECHNOLOGY_TRANSMITTERS
from .base import RML2018_SNR_GRID_DB, TaskGenerator, resolve_transmitters

__all__ = ["DEFAULT_SNR_GRID_DB", "WTCGenerator"]

DEFAULT_SNR_GRID_DB: tuple[float, ...] = RML2018_SNR_GRID_DB
"""SNR grid of the technology data set, dB: that of RML2018.01A, -20..30 in steps of 2."""


class WTCGenerator(TaskGenerator):
    """Wireless-technology-classification examples, balanced over technologies and SNRs.

    As in :class:`~spectrumfm_hf.data.tasks.amc.AMCGenerator`, example ``index`` has label
    ``index % num_classes`` and SNR ``snr_db_grid[(index // num_classes) % len(snr_db_grid)]``,
    so every contiguous block of ``num_classes * len(snr_db_grid)`` indices holds each
    (technology, SNR) pair once; everything else is drawn from ``example_rng(seed, index)``:
    the transmission, then the channel. Captures are scaled to unit mean power.

    Args:
        num_samples: IQ samples per example at the common 20 MHz rate.
        technologies: technologies to include, in label order (default: all of
            :data:`~spectrumfm_hf.data.transmitters.technologies.TECHNOLOGY_TRANSMITTERS`).
        transmitters: technology name -> transmitter overriding its default configuration.
        snr_db_grid: SNRs, dB in the signal's band; :data:`DEFAULT_SNR_GRID_DB` by default.
        channel: impairments applied to each example, ``channel(iq, rng, params)``; the
            default AMC chain when None.
    """

    name = "wtc"
    card_template = "generator_wtc.md"

    def __init__(
        self,
        num_samples: int = 1024,
        technologies: Sequence[str] | None = None,
        transmitters: dict[str, Any] | None = None,
        snr_db_grid: Sequence[float] = DEFAULT_SNR_GRID_DB,
        channel=None,
    ):
        self.num_samples = check_num_samples(num_samples)
        self.snr_db_grid = check_snr_grid(snr_db_grid)
        names = list(TECHNOLOGY_CLASSES) if technologies is None else list(technologies)
        unknown = [name for name in names if name not in TECHNOLOGY_TRANSMITTERS]
        if unknown or not names or len(set(names)) != len(names):
            raise SpectrumDataError(
                f"technologies must be distinct names from {list(TECHNOLOGY_TRANSMITTERS)}, "
                f"got {technologies!r}"
            )
        self.transmitters = resolve_transmitters(
            "technologies", names, transmitters, lambda name: TECHNOLOGY_TRANSMITTERS[name]()
        )
        self.class_names = names
        self.channel = default_impairments() if channel is None else channel

    def card_fields(self) -> dict[str, Any]:
        return {"generator": self, "common_sample_rate_mhz": COMMON_SAMPLE_RATE_HZ / 1e6}

    def _generate(self, seed: int, indices: np.ndarray) -> dict[str, np.ndarray]:
        return self.generate_balanced(seed, indices, self.transmitters, self.snr_db_grid, self.channel)
