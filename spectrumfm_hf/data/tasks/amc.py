"""Automatic modulation classification (AMC): a seeded generator of RML-style examples.

Each example is one transmitter of a class set (RML2016.10a's 11 or RML2018.01A's 24
modulations, with the parameters real transmitters vary) through the full impairment chain
(power amplifier, time-varying multipath with Doppler, timing and sample-rate offset,
carrier offset, AWGN at an SNR from a grid, phase noise, IQ imbalance, DC offset, ADC).
The presets (:data:`AMC_PRESETS`) follow the public RML2016.10a recipe, TorchSig's conventions,
or, in the broad default, a per-example mixture of both recipes and wide ranges containing them.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any, NamedTuple, Sequence

import numpy as np

from ..base import SpectrumDataError, check_num_samples, check_snr_grid, example_rng
from ..impairments import (
    SNR_CONVENTIONS,
    AdditiveNoise,
    CarrierOffset,
    DCOffset,
    ImpairmentChain,
    IQImbalance,
    MultipathFading,
    PhaseNoise,
    PowerAmplifier,
    Quantizer,
    TimingOffset,
)
from ..labels import RML2016_10A_CLASSES, RML2018_01A_CLASSES
from ..transmitters import TransmitterRanges, make_transmitter
from .base import RML2016_SNR_GRID_DB, RML2018_SNR_GRID_DB, TaskGenerator, balanced_labels_and_snrs

__all__ = [
    "AMCGenerator",
    "AMCPreset",
    "AMC_PRESETS",
    "ANALOG_CLASSES",
    "CLASS_SETS",
    "DEFAULT_PRESET",
    "BROAD_MIXTURE",
    "DEFAULT_SNR_GRIDS_DB",
    "MixtureComponent",
    "MixturePart",
    "RML2016_10A_CLASSES",
    "RML2018_01A_CLASSES",
]

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


ANALOG_CLASSES: tuple[str, ...] = ("AM-DSB", "AM-SSB", "AM-DSB-WC", "AM-DSB-SC", "AM-SSB-WC", "AM-SSB-SC", "FM", "WBFM")
"""Analog classes of both class sets: received by a receiver that locks to their carrier."""


class MixturePart(NamedTuple):
    """A share of a mixture preset's examples: drawn from ``preset``'s ranges and chain.

    ``snr_convention`` relabels the chain's noise stages (None keeps the chain's); a part may
    name its own preset to draw from its ranges in another SNR convention.
    """

    preset: str
    probability: float
    snr_convention: str | None = None


class AMCPreset(NamedTuple):
    """What an AMC data set draws from: its transmitters' ranges and its channel.

    A preset with a ``mixture`` draws each example from one of several parts: from each
    :class:`MixturePart` with its probability, else (the remaining probability) from its own
    ranges and chain. The SNR convention of a preset is that of its chain's
    :class:`~..impairments.AdditiveNoise`; a mixture's records each state their own.
    """

    transmitter_ranges: TransmitterRanges
    impairments: ImpairmentChain
    description: str
    mixture: tuple[MixturePart, ...] = ()

    @property
    def snr_convention(self) -> str | None:
        return _snr_convention(self.impairments)

    @property
    def own_probability(self) -> float:
        """Probability that an example is drawn from this preset's own ranges and chain."""
        return round(1.0 - sum(part.probability for part in self.mixture), 12)


def _snr_convention(chain: ImpairmentChain) -> str | None:
    noise = [stage for stage in chain.transforms if isinstance(stage, AdditiveNoise)]
    return noise[0].snr_convention if noise else None


# GNU Radio's gfsk_mod(samples_per_symbol=8, sensitivity=0.1) turns the phase by 0.1 rad per
# sample, 0.8 rad per symbol: h = 0.8 / pi.
_RML_GFSK_INDEX = 0.8 / math.pi
_RML_SAMPLE_RATE_HZ = 200e3


def _rml2016_recipe() -> AMCPreset:
    """RML2016.10a's published GNU Radio script (generate_RML2016.10a.py, transmitters.py, source_alphabet.py)."""
    ranges = TransmitterRanges(
        # Digital mappers: 8 samples per symbol, RRC excess bandwidth 0.35.
        samples_per_symbol=(8.0, 8.0),
        pulse_shape_weights=(1.0, 0.0, 0.0),
        rolloff=(0.35, 0.35),
        # cpfsk_bc(k=0.5): h = 0.5; gfsk_mod(sensitivity=0.1, bt=0.35) at 8 samples per symbol.
        fsk_modulation_index=(0.5, 0.5),
        gfsk_modulation_index=(_RML_GFSK_INDEX, _RML_GFSK_INDEX),
        gfsk_bt=(0.35, 0.35),
        gmsk_bt=(0.3, 0.3),
        # A podcast's speech (44.1 kHz, resampled to 200 kHz) on a carrier of amplitude 1:
        # speech holds most of its power at 0.3-4 kHz, and its peak level in a 0.64 ms window
        # lies from near silence to full scale, so the carrier dominates.
        am_modulation_depth=(0.05, 1.0),
        suppressed_carrier_probability=0.0,
        audio_bandwidth=(400.0 / _RML_SAMPLE_RATE_HZ, 4000.0 / _RML_SAMPLE_RATE_HZ),
        # wfm_tx: 75 kHz peak deviation at full scale over a 220.5 kHz rate (0.34 cycles per
        # sample); speech windows peak 10-45 dB under full scale.
        wbfm_deviation=(0.002, 0.1),
        fm_deviation=(0.002, 0.05),
        log_uniform=("am_modulation_depth", "audio_bandwidth", "wbfm_deviation", "fm_deviation"),
    )
    # dynamic_channel_model(200e3, sro_std 0.01, sro_max 50 Hz, cfo_std 0.01, cfo_max 500 Hz,
    # 8 sinusoids, fD 1 Hz, LOS, K 4, delays (0, 0.9, 1.7), magnitudes (1, 0.8, 0.3), 8 taps,
    # noise amplitude per sample).
    chain = ImpairmentChain(
        [
            MultipathFading(
                fading_weights=(0.0, 0.0, 1.0),
                k_factor_db=(10 * math.log10(4.0), 10 * math.log10(4.0)),
                doppler=(1.0 / _RML_SAMPLE_RATE_HZ, 1.0 / _RML_SAMPLE_RATE_HZ),
                # Powers 1, 0.64, 0.09 at 0, 1, 2 samples: decays 2.24 and 0.83 samples.
                delay_decay=(0.83, 2.24),
                num_taps=3,
            ),
            TimingOffset(delay=(0.0, 1.0), sample_rate_offset_ppm=(-250.0, 250.0)),
            CarrierOffset(cfo=(-500.0 / _RML_SAMPLE_RATE_HZ, 500.0 / _RML_SAMPLE_RATE_HZ), drift=(-5e-8, 5e-8)),
            AdditiveNoise(snr_convention="per-sample"),
        ]
    )
    return AMCPreset(ranges, chain, "the public RML2016.10a GNU Radio recipe")


def _torchsig() -> AMCPreset:
    """TorchSig's signal builders and narrowband defaults."""
    ranges = TransmitterRanges(
        # Signal bandwidth sample_rate/20 to sample_rate/10 by default.
        samples_per_symbol=(10.0, 20.0),
        # Half square-root raised cosine (roll-off 0.1-0.5), half rectangular.
        pulse_shape_weights=(0.5, 0.5, 0.0),
        rolloff=(0.1, 0.5),
        # FSK: h = 1 (orthogonal) half the time, else 0.7-1.01; GFSK h 0.1-0.5, BT 0.1-0.5.
        fsk_modulation_index=(0.7, 1.0),
        gfsk_modulation_index=(0.1, 0.5),
        gfsk_bt=(0.2, 0.5),
        gmsk_bt=(0.2, 0.5),
        # AM: modulation index 0.8-4 with carrier, or DSB-SC/SSB; low-pass-filtered noise message.
        am_modulation_depth=(0.8, 4.0),
        suppressed_carrier_probability=0.5,
        noise_message_probability=1.0,
        # AM message bandwidth half the signal's; FM (Carson, modulation index 1-10) message
        # bandwidth 0.0023-0.025 and deviation 0.0125-0.045.
        audio_bandwidth=(0.0025, 0.05),
        fm_deviation=(0.0125, 0.045),
        wbfm_deviation=(0.0125, 0.045),
        log_uniform=("audio_bandwidth",),
    )
    chain = ImpairmentChain(
        [
            TimingOffset(),
            CarrierOffset(cfo=(-0.005, 0.005), drift=(0.0, 0.0)),
            AdditiveNoise(snr_convention="in-band"),
            PhaseNoise(std_rad=(0.0, 0.01)),
            IQImbalance(),
            DCOffset(),
        ]
    )
    return AMCPreset(ranges, chain, "TorchSig's signal builders and narrowband conventions")


_BROAD_RANGES = TransmitterRanges(
    samples_per_symbol=(4.0, 20.0),
    pulse_shape_weights=(0.6, 0.3, 0.1),
    rolloff=(0.1, 0.6),
    gaussian_bt=(0.3, 0.6),
    gmsk_bt=(0.2, 0.5),
    fsk_modulation_index=(0.5, 1.0),
    gfsk_modulation_index=(0.1, 0.5),
    gfsk_bt=(0.2, 0.5),
    am_modulation_depth=(0.05, 4.0),
    suppressed_carrier_probability=0.4,
    audio_bandwidth=(0.002, 0.1),
    fm_deviation=(0.002, 0.05),
    wbfm_deviation=(0.002, 0.2),
    noise_message_probability=0.5,
    log_uniform=("samples_per_symbol", "am_modulation_depth", "audio_bandwidth", "fm_deviation", "wbfm_deviation"),
)


# Shares of the broad default's examples drawn from each recipe preset exactly. Spread over the
# wide ranges alone, the same training windows left a classifier 6-7 points under each
# recipe's in-distribution score: the recipe's accuracy follows how many windows of its exact
# form (8 samples per symbol, its channel) training holds, and other windows barely stand in
# for them, while TorchSig's data are also served by the wide part. The wide part keeps what
# lies between and beyond the recipes, which other tools' data need.
BROAD_MIXTURE: tuple[MixturePart, ...] = (
    MixturePart("rml2016.10a-recipe", 0.5),
    MixturePart("torchsig", 0.35),
    # Other tools label either way: a third of the wide part states its SNR in-band.
    MixturePart("broad", 0.05, "in-band"),
)


def _broad() -> AMCPreset:
    """A mixture of both public recipes and ranges containing both, over the full physical link."""
    chain = ImpairmentChain(
        [
            # Milder than the generic link: half the captures unfaded, slow Doppler, at most
            # 0.01 rad of phase noise per sample, PA at least 6 dB backed off. Neither recipe
            # goes further, and a heavier channel cost 2-4 points on both in the transfer study.
            PowerAmplifier(input_backoff_db=(6.0, 20.0)),
            MultipathFading(fading_weights=(0.5, 0.25, 0.25), doppler=(0.0, 0.002), delay_decay=(0.0, 2.5)),
            TimingOffset(sample_rate_offset_ppm=(-250.0, 250.0)),
            # Analog classes: a receiver locked to the carrier, its residual offset as large as
            # the largest either recipe leaves them (TorchSig's 0.005).
            CarrierOffset(carrier_locked_modulations=ANALOG_CLASSES, carrier_locked_cfo=(-0.005, 0.005)),
            AdditiveNoise(snr_convention="per-sample"),
            PhaseNoise(std_rad=(0.0, 0.01)),
            IQImbalance(),
            DCOffset(),
            Quantizer(),
        ]
    )
    return AMCPreset(
        _BROAD_RANGES,
        chain,
        "the RML2016.10a recipe, TorchSig's conventions and broad ranges containing both, mixed per example",
        BROAD_MIXTURE,
    )


def _clean() -> AMCPreset:
    """The broad preset's wide transmitters with only what every receiver sees: a random carrier phase and noise."""
    chain = ImpairmentChain([CarrierOffset(cfo=(0.0, 0.0), drift=(0.0, 0.0)), AdditiveNoise(snr_convention="per-sample")])
    return AMCPreset(_BROAD_RANGES, chain, "the broad transmitters with a random carrier phase and white noise only")


AMC_PRESETS: dict[str, AMCPreset] = {
    "broad": _broad(),
    "rml2016.10a-recipe": _rml2016_recipe(),
    "torchsig": _torchsig(),
    "clean": _clean(),
}
"""Named transmitter ranges and channels of :class:`AMCGenerator` (documented in the dataset card)."""

DEFAULT_PRESET = "broad"


class MixtureComponent(NamedTuple):
    """One source of a generator's examples: its probability, per-class transmitters and channel."""

    probability: float
    preset: str
    snr_convention: str | None
    transmitters: list
    impairments: ImpairmentChain


def _with_snr_convention(chain: ImpairmentChain, snr_convention: str | None) -> ImpairmentChain:
    """``chain`` with every noise stage in ``snr_convention`` (None keeps the chain's)."""
    if snr_convention is None:
        return chain
    return ImpairmentChain(
        [
            dataclasses.replace(stage, snr_convention=snr_convention) if isinstance(stage, AdditiveNoise) else stage
            for stage in chain.transforms
        ]
    )


class AMCGenerator(TaskGenerator):
    """Seeded, reproducible AMC examples: ``generator(seed, index) -> record``.

    Example ``index`` has label ``index % num_classes`` and SNR
    ``snr_db_grid[(index // num_classes) % len(snr_db_grid)]``, so every block of
    ``num_classes * len(snr_db_grid)`` consecutive indices holds each (class, SNR) pair
    exactly once: any contiguous range of indices is balanced, and a stratified split is a
    split of index ranges. Everything random is drawn from
    ``base.example_rng(seed, index)``, in this order: for a mixture preset, one uniform that
    picks the example's component (:attr:`components`); then the transmitter's uniforms, the
    impairment chain's uniforms, then its normals (:meth:`TaskGenerator.transmit`); the
    example is therefore the same whichever process makes it and whatever batch it is made in.

    Each capture is finally scaled to unit mean power (an ideal AGC). The SNR is per sample
    or in the signal's occupied band, as the preset or ``snr_convention`` says (see
    :mod:`spectrumfm_hf.data.impairments.transforms`); each record's ``snr_convention`` column
    states which.

    Args:
        class_set: ``"rml2016.10a"`` (11 classes) or ``"rml2018.01a"`` (24 classes).
        num_samples: samples per example.
        snr_db_grid: SNR values, dB; defaults to the class set's published grid.
        transmitter_ranges: what the transmitters vary; defaults to the preset's.
        impairments: the channel and receiver chain; defaults to the preset's. Its
            :class:`~spectrumfm_hf.data.impairments.AdditiveNoise` stage takes the SNR from the grid.
            Giving either of these two draws every example from them (with the preset's own
            value of the other): a mixture preset's other components are then left out.
        preset: a name of :data:`AMC_PRESETS`: ``"broad"`` (a per-example mixture of both
            public recipes and ranges containing both; the default), ``"rml2016.10a-recipe"``,
            ``"torchsig"`` or ``"clean"``.
        snr_convention: ``"per-sample"`` or ``"in-band"`` for every noise stage of every
            component; None keeps each chain's (per-sample in the RML-style chains, in-band in
            TorchSig's), so the broad mixture's records use either, each stating its own.
    """

    card_template = "generator_amc.md"

    def __init__(
        self,
        class_set: str = "rml2016.10a",
        num_samples: int = 128,
        snr_db_grid: Sequence[float] | None = None,
        transmitter_ranges: TransmitterRanges | None = None,
        impairments: ImpairmentChain | None = None,
        preset: str = DEFAULT_PRESET,
        snr_convention: str | None = None,
    ):
        if not isinstance(class_set, str) or class_set.lower() not in CLASS_SETS:
            raise SpectrumDataError(f"class_set must be one of {sorted(CLASS_SETS)}, got {class_set!r}")
        self.class_set = class_set.lower()
        self.num_samples = check_num_samples(num_samples)
        grid = DEFAULT_SNR_GRIDS_DB[self.class_set] if snr_db_grid is None else snr_db_grid
        self.snr_db_grid = np.asarray(check_snr_grid(grid), dtype=np.float64)
        if not isinstance(preset, str) or preset not in AMC_PRESETS:
            raise SpectrumDataError(f"preset must be one of {list(AMC_PRESETS)}, got {preset!r}")
        self.preset = preset
        chosen = AMC_PRESETS[preset]
        self.transmitter_ranges = chosen.transmitter_ranges if transmitter_ranges is None else transmitter_ranges
        if not isinstance(self.transmitter_ranges, TransmitterRanges):
            raise SpectrumDataError(
                f"transmitter_ranges must be a TransmitterRanges, got {type(transmitter_ranges).__name__}"
            )
        self.impairments = chosen.impairments if impairments is None else impairments
        if not isinstance(self.impairments, ImpairmentChain):
            raise SpectrumDataError(f"impairments must be an ImpairmentChain, got {type(impairments).__name__}")
        if snr_convention is not None and snr_convention not in SNR_CONVENTIONS:
            raise SpectrumDataError(f"snr_convention must be one of {list(SNR_CONVENTIONS)}, got {snr_convention!r}")
        self.impairments = _with_snr_convention(self.impairments, snr_convention)
        self.class_names: list[str] = list(CLASS_SETS[self.class_set])
        self.transmitters = [make_transmitter(name, self.transmitter_ranges) for name in self.class_names]
        mixed = transmitter_ranges is None and impairments is None
        own_probability = chosen.own_probability if mixed else 1.0
        own = MixtureComponent(own_probability, preset, _snr_convention(self.impairments), self.transmitters, self.impairments)
        # Where examples come from: the preset's own ranges and chain first, then its mixture's parts.
        self.components: list[MixtureComponent] = [own]
        for part in chosen.mixture if mixed else ():
            chain = _with_snr_convention(AMC_PRESETS[part.preset].impairments, snr_convention or part.snr_convention)
            ranges = AMC_PRESETS[part.preset].transmitter_ranges
            transmitters = [make_transmitter(class_name, ranges) for class_name in self.class_names]
            self.components.append(
                MixtureComponent(part.probability, part.preset, _snr_convention(chain), transmitters, chain)
            )
        conventions = {component.snr_convention for component in self.components}
        # A mixture of conventions is stated per record; the generator names it "mixed".
        self.snr_convention = conventions.pop() if len(conventions) == 1 else "mixed"
        # Presets other than the default name their data set: "amc-rml2016.10a-recipe", "amc-rml2016.10a-torchsig".
        suffix = "" if preset == DEFAULT_PRESET else "-" + preset.removeprefix(self.class_set + "-")
        self.name = f"amc-{self.class_set}{suffix}"

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
        if len(self.components) == 1:
            return self.generate_balanced(seed, indices, self.transmitters, self.snr_db_grid, self.impairments)
        labels, snr_db = self.labels_and_snrs(indices)
        rngs = [example_rng(seed, index) for index in indices.tolist()]
        picks = np.fromiter((rng.random() for rng in rngs), np.float64, count=len(rngs))
        bounds = np.cumsum([component.probability for component in self.components])
        component_of_row = np.minimum(np.searchsorted(bounds, picks, side="right"), len(bounds) - 1)
        received = np.empty((indices.size, self.num_samples), np.complex128)
        columns: dict[str, np.ndarray] = {}
        for number, component in enumerate(self.components):
            rows = np.flatnonzero(component_of_row == number)
            if rows.size == 0:
                continue
            # Each component is one batched pass through its own chain; rows keep their own streams.
            part, part_columns = self.transmit(
                component.impairments,
                (rngs[row] for row in rows.tolist()),
                [component.transmitters[label] for label in labels[rows].tolist()],
                {"snr_db": snr_db[rows]},
            )
            received[rows] = part
            for name, values in part_columns.items():
                columns.setdefault(name, np.empty(indices.size, dtype=values.dtype))[rows] = values
        return self.assemble(seed, indices, received, labels, columns)
