"""Automatic modulation classification (AMC): a seeded generator of RML-style examples.

Each example is one transmitter of a class set (RML2016.10a's 11 or RML2018.01A's 24
modulations, with the parameters real transmitters vary) through the full impairment chain
(power amplifier, time-varying multipath with Doppler, timing and sample-rate offset,
carrier offset, AWGN at an SNR from a grid, phase noise, IQ imbalance, DC offset, ADC).
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ..base import SpectrumDataError, check_num_samples, check_snr_grid
from ..impairments import ImpairmentChain, default_impairments
from ..labels import RML2016_10A_CLASSES, RML2018_01A_CLASSES
from ..transmitters import TransmitterRanges, make_transmitter
from .base import RML2016_SNR_GRID_DB, RML2018_SNR_GRID_DB, TaskGenerator, balanced_labels_and_snrs

__all__ = ["AMCGenerator", "CLASS_SETS", "DEFAULT_SNR_GRIDS_DB", "RML2016_10A_CLASSES", "RML2018_01A_CLASSES"]

CLASS_SETS: dict[str, tuple[str, ...]] = {
    "rml2016.10a": RML2016_10A_CLASSES,
    "rml2018.01a": RML2018_01A_CLASSES,
}
"""Label order of each class set (the order of the published data sets' labels)."""

DEFAULT_SNR_GRIDS_DB: dict[str, tuple[float, ...]] = {
    "rml2016.10a": RML2016_SNR_GRID_DB,
    "rml2018.01a": RML2018_SNR_GRID_DB,
}
"""SNR grids of the published data sets, dB: -20..18 and -20..30 in steps of 2."""


class AMCGenerator(TaskGenerator):
    """Seeded, reproducible AMC examples: ``generator(seed, index) -> record``.

    Example ``index`` has label ``index % num_classes`` and SNR
    ``snr_db_grid[(index // num_classes) % len(snr_db_grid)]``, so every block of
    ``num_classes * len(snr_db_grid)`` consecutive indices holds each (class, SNR) pair
    exactly once: any contiguous range of indices is balanced, and a stratified split is a
    split of index ranges. Everything random is drawn from
    ``base.example_rng(seed, index)``, in this order: the transmitter's uniforms, the
    impairment chain's uniforms, then its normals (:meth:`TaskGenerator.transmit`); the
    example is therefore the same whichever process makes it and whatever batch it is made in.

    Each capture is finally scaled to unit mean power (an ideal AGC); the SNR is defined
    in the signal's occupied band (see :mod:`spectrumfm_hf.data.impairments.transforms`).

    Args:
        class_set: ``"rml2016.10a"`` (11 classes) or ``"rml2018.01a"`` (24 classes).
        num_samples: samples per example.
        snr_db_grid: SNR values, dB; defaults to the class set's published grid.
        transmitter_ranges: what the transmitters vary; defaults to :class:`TransmitterRanges()`.
        impairments: the channel and receiver chain; defaults to
            :func:`~spectrumfm_hf.data.impairments.default_impairments`. Its
            :class:`~spectrumfm_hf.data.impairments.AdditiveNoise` stage takes the SNR from the grid.
    """

    card_template = "generator_amc.md"

    def __init__(
        self,
        class_set: str = "rml2016.10a",
        num_samples: int = 128,
        snr_db_grid: Sequence[float] | None = None,
        transmitter_ranges: TransmitterRanges | None = None,
        impairments: ImpairmentChain | None = None,
    ):
        if not isinstance(class_set, str) or class_set.lower() not in CLASS_SETS:
            raise SpectrumDataError(f"class_set must be one of {sorted(CLASS_SETS)}, got {class_set!r}")
        self.class_set = class_set.lower()
        self.num_samples = check_num_samples(num_samples)
        grid = DEFAULT_SNR_GRIDS_DB[self.class_set] if snr_db_grid is None else snr_db_grid
        self.snr_db_grid = np.asarray(check_snr_grid(grid), dtype=np.float64)
        self.transmitter_ranges = TransmitterRanges() if transmitter_ranges is None else transmitter_ranges
        if not isinstance(self.transmitter_ranges, TransmitterRanges):
            raise SpectrumDataError(
                f"transmitter_ranges must be a TransmitterRanges, got {type(transmitter_ranges).__name__}"
            )
        self.impairments = default_impairments() if impairments is None else impairments
        if not isinstance(self.impairments, ImpairmentChain):
            raise SpectrumDataError(f"impairments must be an ImpairmentChain, got {type(impairments).__name__}")
        self.class_names: list[str] = list(CLASS_SETS[self.class_set])
        self.transmitters = [make_transmitter(name, self.transmitter_ranges) for name in self.class_names]
        self.name = f"amc-{self.class_set}"

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    def card_fields(self) -> dict[str, Any]:
        stages = ", ".join(type(stage).__name__ for stage in self.impairments.transforms) or "none"
        return {"generator": self, "stages": stages}

    def labels_and_snrs(self, indices: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
        """Label and SNR (dB) of each example index, without generating it."""
        return balanced_labels_and_snrs(indices, self.num_classes, self.snr_db_grid)

    def _generate(self, seed: int, indices: np.ndarray) -> dict[str, np.ndarray]:
        return self.generate_balanced(seed, indices, self.transmitters, self.snr_db_grid, self.impairments)
