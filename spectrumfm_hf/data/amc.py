"""Automatic modulation classification (AMC): a seeded generator of RML-style examples.

Each example is one transmitter of a class set (RML2016.10a's 11 or RML2018.01A's 24
modulations, with the parameters real transmitters vary) through the full impairment chain
(power amplifier, time-varying multipath with Doppler, timing and sample-rate offset,
carrier offset, AWGN at an SNR from a grid, phase noise, IQ imbalance, DC offset, ADC).
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from .base import (
    GENERATION_PARAMETERS,
    SpectrumDataError,
    check_generate_arguments,
    check_num_samples,
    check_snr_grid,
    example_rng,
    iq_to_real,
)
from .channel import CHUNK_EXAMPLES, ImpairmentChain, default_impairments
from .modulators import (
    RML2016_10A_CLASSES,
    RML2018_01A_CLASSES,
    TransmitterRanges,
    compatible_groups,
    make_transmitter,
    render_together,
)

__all__ = ["AMCGenerator", "CLASS_SETS", "DEFAULT_SNR_GRIDS_DB", "RML2016_10A_CLASSES", "RML2018_01A_CLASSES"]

CLASS_SETS: dict[str, tuple[str, ...]] = {
    "rml2016.10a": RML2016_10A_CLASSES,
    "rml2018.01a": RML2018_01A_CLASSES,
}
"""Label order of each class set (the order of the published data sets' labels)."""

DEFAULT_SNR_GRIDS_DB: dict[str, tuple[float, ...]] = {
    "rml2016.10a": tuple(float(v) for v in range(-20, 19, 2)),
    "rml2018.01a": tuple(float(v) for v in range(-20, 31, 2)),
}
"""SNR grids of the published data sets, dB: -20..18 and -20..30 in steps of 2."""

# Examples whose random numbers are drawn before synthesis (about 5 kB each).
BLOCK_EXAMPLES = 4096


class AMCGenerator:
    """Seeded, reproducible AMC examples: ``generator(seed, index) -> record``.

    Example ``index`` has label ``index % num_classes`` and SNR
    ``snr_db_grid[(index // num_classes) % len(snr_db_grid)]``, so every block of
    ``num_classes * len(snr_db_grid)`` consecutive indices holds each (class, SNR) pair
    exactly once: any contiguous range of indices is balanced, and a stratified split is a
    split of index ranges. Everything random is drawn from
    ``base.example_rng(seed, index)``, in this order: the transmitter's uniforms, the
    impairment chain's uniforms, then its normals; the example is therefore the same
    whichever process makes it and whatever batch it is made in.

    Each capture is finally scaled to unit mean power (an ideal AGC); the SNR is defined
    in the signal's occupied band (see :mod:`spectrumfm_hf.data.channel`).

    Args:
        class_set: ``"rml2016.10a"`` (11 classes) or ``"rml2018.01a"`` (24 classes).
        num_samples: samples per example.
        snr_db_grid: SNR values, dB; defaults to the class set's published grid.
        transmitter_ranges: what the transmitters vary; defaults to :class:`TransmitterRanges()`.
        impairments: the channel and receiver chain; defaults to
            :func:`~spectrumfm_hf.data.channel.default_impairments`. Its
            :class:`~spectrumfm_hf.data.channel.AdditiveNoise` stage takes the SNR from the grid.
    """

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
        self._history = self.impairments.history_samples(self.num_samples)
        # Classes rendered in one pass (linear modulations differing only in constellation).
        self._groups = compatible_groups(self.transmitters)
        self._group_of_label = np.empty(self.num_classes, dtype=np.intp)
        self._position_in_group = np.empty(self.num_classes, dtype=np.intp)
        for group, labels in enumerate(self._groups):
            self._group_of_label[labels] = group
            self._position_in_group[labels] = np.arange(len(labels))
        transmit_length = self.num_samples + self._history
        self._group_widths = [self.transmitters[labels[0]].num_uniforms(transmit_length) for labels in self._groups]

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    @property
    def description(self) -> str:
        """How the data are made, for a dataset card."""
        ranges = self.transmitter_ranges
        stages = ", ".join(type(stage).__name__ for stage in self.impairments.transforms) or "none"
        return (
            f"Synthetic automatic-modulation-classification data with the {len(self.class_names)} classes of "
            f"{self.class_set.upper()} ({', '.join(self.class_names)}), {self.num_samples} complex baseband "
            f"samples per example stored as float32 (I, Q). Linear modulations are pulse-shaped with a "
            f"root-raised cosine (random roll-off {ranges.rolloff[0]:g}-{ranges.rolloff[1]:g}), rectangular or "
            f"Gaussian pulse at {ranges.samples_per_symbol[0]:g}-{ranges.samples_per_symbol[1]:g} samples per "
            f"symbol (fractional rates evaluated exactly, random symbol-clock phase); FSK classes are "
            f"continuous-phase with random modulation index and BT; AM and FM carry a random band-limited "
            f"speech/music-like message with random depth, carrier, sideband and deviation. Every example "
            f"then passes the impairment chain ({stages}) with parameters drawn per example; noise is added "
            f"at an SNR from the grid {self.snr_db_grid.min():g} to {self.snr_db_grid.max():g} dB, defined as "
            f"signal power over noise power in the signal's occupied bandwidth. Labels cycle with the index "
            f"(label = index mod {len(self.class_names)}) and SNRs cycle over the grid, so every contiguous "
            f"block of {len(self.class_names) * self.snr_db_grid.size} examples holds each (class, SNR) pair "
            f"once. Each example is reproducible from (seed, index) alone, and every generation parameter "
            f"is recorded in its own column. Captures are scaled to unit mean power."
        )

    def labels_and_snrs(self, indices: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
        """Label and SNR (dB) of each example index, without generating it."""
        indices = np.asarray(indices, dtype=np.int64)
        labels = indices % self.num_classes
        snr_db = self.snr_db_grid[(indices // self.num_classes) % self.snr_db_grid.size]
        return labels, snr_db

    def generate(self, seed: int, indices: Sequence[int]) -> dict[str, np.ndarray]:
        """Examples ``indices`` of the data set seeded with ``seed``, stacked.

        Returns:
            ``"iq"`` float32 ``(batch, num_samples, 2)``, ``"label"`` int64 ``(batch,)`` and one
            ``(batch,)`` array per key of ``GENERATION_PARAMETERS`` (float32, int64 or str).
        """
        indices = check_generate_arguments(seed, indices, allow_empty=True)
        if indices.size <= BLOCK_EXAMPLES:
            return self._generate_block(int(seed), indices)
        blocks = [
            self._generate_block(int(seed), indices[start : start + BLOCK_EXAMPLES])
            for start in range(0, indices.size, BLOCK_EXAMPLES)
        ]
        return {key: np.concatenate([block[key] for block in blocks]) for key in blocks[0]}

    def _generate_block(self, seed: int, indices: np.ndarray) -> dict[str, np.ndarray]:
        batch, num_samples = indices.size, self.num_samples
        transmit_length = num_samples + self._history
        labels, snr_db = self.labels_and_snrs(indices)
        group_of_row = self._group_of_label[labels]

        chain = self.impairments
        channel_uniforms = np.empty((batch, chain.num_uniforms(num_samples)))
        channel_normals = np.empty((batch, chain.num_normals(num_samples)))
        transmit_uniforms = {
            group: np.empty((int(np.count_nonzero(group_of_row == group)), self._group_widths[group]))
            for group in np.unique(group_of_row).tolist()
        }
        filled = dict.fromkeys(transmit_uniforms, 0)
        for row, (index, group) in enumerate(zip(indices.tolist(), group_of_row.tolist())):
            rng = example_rng(seed, index)
            rng.random(out=transmit_uniforms[group][filled[group]])
            filled[group] += 1
            rng.random(out=channel_uniforms[row])
            rng.standard_normal(out=channel_normals[row])

        columns: dict[str, np.ndarray] = {
            key: np.full(batch, default, dtype=object if kind == "string" else np.float64)
            for key, (kind, default) in GENERATION_PARAMETERS.items()
        }
        transmitted = np.empty((batch, transmit_length), dtype=np.complex128)
        for group, uniforms in transmit_uniforms.items():
            # Rows of a group appear in row order, as their uniforms were filled.
            group_rows = np.flatnonzero(group_of_row == group)
            members = [self.transmitters[label] for label in self._groups[group]]
            # Bounded passes, as the impairment chain makes them, keep the working set in cache.
            for start in range(0, group_rows.size, CHUNK_EXAMPLES):
                part = slice(start, start + CHUNK_EXAMPLES)
                rows = group_rows[part]
                which = self._position_in_group[labels[rows]]
                iq, group_columns = render_together(members, which, uniforms[part], transmit_length)
                transmitted[rows] = iq
                for key, values in group_columns.items():
                    columns[key][rows] = values
        columns["snr_db"] = snr_db.astype(np.float64)

        received, updated = chain.apply_in_chunks(
            transmitted, channel_uniforms, channel_normals, columns, num_samples
        )
        for key, values in updated.items():
            # Cast into the schema's float64 and object columns; a key outside the schema has no column.
            if key in columns:
                columns[key][:] = values
        power = np.mean(received.real**2 + received.imag**2, axis=-1, keepdims=True)
        received = received / np.sqrt(np.where(power > 0, power, 1.0))

        columns["source"] = np.full(batch, "synthetic/" + self.name, dtype=object)
        columns["seed"] = np.full(batch, seed)
        columns["index"] = indices
        columns["modulation"] = np.asarray(self.class_names, dtype=object)[labels]
        record: dict[str, np.ndarray] = {"iq": iq_to_real(received), "label": labels.astype(np.int64)}
        for key, (kind, _) in GENERATION_PARAMETERS.items():
            record[key] = np.asarray(columns[key], dtype=str if kind == "string" else kind)
        return record

    def __call__(self, seed: int, index: int) -> dict[str, Any]:
        """Example ``index`` of the data set seeded with ``seed`` (same values as :meth:`generate`)."""
        if isinstance(index, bool) or not isinstance(index, (int, np.integer)):
            raise SpectrumDataError(f"index must be a non-negative integer, got {index!r}")
        batch = self.generate(seed, [int(index)])
        record: dict[str, Any] = {"iq": batch["iq"][0], "label": int(batch["label"][0])}
        for key in GENERATION_PARAMETERS:
            record[key] = batch[key][0].item()
        return record
