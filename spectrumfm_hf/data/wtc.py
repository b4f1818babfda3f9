"""Wireless technology classification (WTC): which technology transmitted the capture.

Every example is one technology transmitter of :mod:`~spectrumfm_hf.data.technologies`
(LTE, 5G NR, Wi-Fi, DVB-T, Bluetooth, LoRa, ZigBee) at the common 20 MHz sample rate,
passed through the same channel impairments as the modulation data sets.

The module also holds what the task generators (WTC, spectrum sensing, anomaly detection,
pre-training) share: records in the schema of :data:`~spectrumfm_hf.data.base.GENERATION_PARAMETERS`
and the way a transmission goes through an impairment chain.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from .amc import DEFAULT_SNR_GRIDS_DB
from .base import (
    GENERATION_PARAMETERS,
    SpectrumDataError,
    Transmission,
    check_generate_arguments,
    check_num_samples,
    check_snr_grid,
    example_rng,
    fill_parameters,
    iq_to_real,
)
from .channel import ImpairmentChain, default_impairments
from .formats import make_batch, records_from_batch
from .technologies import COMMON_SAMPLE_RATE_HZ, TECHNOLOGY_TRANSMITTERS

DEFAULT_SNR_GRID_DB: tuple[float, ...] = DEFAULT_SNR_GRIDS_DB["rml2018.01a"]
"""SNR grid of the technology and anomaly data sets, dB: that of RML2018.01A, -20..30 in steps of 2."""


def make_examples(
    iq: np.ndarray, labels: Sequence[int], params: Sequence[dict[str, Any]]
) -> dict[str, np.ndarray]:
    """A batch in the record schema, as a task generator's ``generate`` returns it.

    Args:
        iq: complex ``(batch, num_samples)`` captures.
        labels: class index of each capture (-1 for none).
        params: generation parameters of each capture; missing ones take their defaults.
    """
    rows = [fill_parameters(row) for row in params]
    columns = {name: [row[name] for row in rows] for name in GENERATION_PARAMETERS}
    return make_batch(iq_to_real(iq), np.asarray(labels, dtype=np.int64), columns)


def received_examples(
    name: str, seed: int, indices: np.ndarray, received: np.ndarray, labels: Sequence[int], params: list[dict[str, Any]]
) -> dict[str, np.ndarray]:
    """Received captures as a batch in the record schema, each scaled to unit mean power.

    The scaling is an ideal AGC, as in the modulation data sets; ``source``, ``seed`` and
    ``index`` are added to each example's parameters.

    Args:
        name: the generator's name (``source`` is ``"synthetic/" + name``).
        seed: the data set's seed.
        indices: each capture's index in the data set.
        received: complex ``(batch, num_samples)`` captures, as :func:`transmit` returns them.
        labels: class index of each capture.
        params: generation parameters of each capture, as :func:`transmit` returns them.
    """
    for row, index in enumerate(indices):
        params[row].update(source="synthetic/" + name, seed=int(seed), index=int(index))
    power = np.mean(np.abs(received) ** 2, axis=-1, keepdims=True)
    return make_examples(received / np.sqrt(power), labels, params)


def first_record(batch: dict[str, np.ndarray]) -> dict[str, Any]:
    """The first example of a batch as one record (what ``generator(seed, index)`` returns)."""
    return next(records_from_batch(batch))


def resolve_transmitters(
    argument: str, names: Sequence[str], transmitters: dict[str, Any] | None, make_default: Callable[[str], Any]
) -> list:
    """The transmitter of each of ``names``: its override in ``transmitters``, else ``make_default(name)``.

    Args:
        argument: the generator's argument that ``names`` came from (named in the error).
        names: the signals the generator draws from, in its order.
        transmitters: signal name -> transmitter overriding its default configuration, or None.
        make_default: builds the default transmitter of a name.
    """
    overrides = dict(transmitters or {})
    extra = [name for name in overrides if name not in names]
    if extra:
        raise SpectrumDataError(f"transmitters names {argument} not in {argument}: {extra}")
    return [overrides.get(name) or make_default(name) for name in names]


def default_channel() -> ImpairmentChain:
    """The impairment chain of the modulation data sets, shared by every task generator."""
    return default_impairments()


def transmit(
    channel, examples: Sequence[tuple[np.random.Generator, Callable[[int], Transmission]]], num_samples: int
) -> tuple[np.ndarray, list[dict[str, Any]]]:
    """Send each example's transmission through ``channel``; return the received IQ and the parameters.

    Each example draws its transmission and then its channel from its own generator, in that
    order, so the result does not depend on the batch. An
    :class:`~spectrumfm_hf.data.channel.ImpairmentChain` is applied to the whole batch at once
    and gets the extra leading samples its stages with memory (multipath, timing) need, so
    captures carry no start-up transient; any other ``channel(iq, rng, params)`` is called per
    example on exactly ``num_samples`` samples.

    Args:
        channel: the impairments.
        examples: per example, its generator and ``make_signal(length)``, which draws a
            transmission of ``length`` samples from that generator.
        num_samples: samples of each received capture.

    Returns:
        complex128 ``(batch, num_samples)`` captures and each example's parameters.
    """
    if not isinstance(channel, ImpairmentChain):
        received, all_params = [], []
        for rng, make_signal in examples:
            transmission = make_signal(num_samples)
            params = dict(transmission.params)
            received.append(np.asarray(channel(transmission.iq, rng, params), np.complex128))
            all_params.append(params)
        return np.stack(received), all_params

    length = num_samples + channel.history_samples(num_samples)
    batch = len(examples)
    transmitted = np.empty((batch, length), np.complex128)
    uniforms = np.empty((batch, channel.num_uniforms(num_samples)))
    normals = np.empty((batch, channel.num_normals(num_samples)))
    all_params = []
    for row, (rng, make_signal) in enumerate(examples):
        transmission = make_signal(length)
        transmitted[row] = transmission.iq
        all_params.append(dict(transmission.params))
        rng.random(out=uniforms[row])
        rng.standard_normal(out=normals[row])
    # The chain reads numeric columns only; an example lacking one reads NaN, as when it is absent.
    numeric = [name for name, (kind, _) in GENERATION_PARAMETERS.items() if kind != "string"]
    columns = {
        name: np.array([params.get(name, np.nan) for params in all_params], dtype=np.float64)
        for name in numeric
        if any(name in params for params in all_params)
    }
    received, columns = channel.apply_in_chunks(transmitted, uniforms, normals, columns, num_samples)
    for name, column in columns.items():
        for row, params in enumerate(all_params):
            value = column[row]
            params[name] = value.item() if isinstance(value, np.generic) else value
    return received, all_params


class WTCGenerator:
    """Wireless-technology-classification examples, balanced over technologies and SNRs.

    As in :class:`~spectrumfm_hf.data.amc.AMCGenerator`, example ``index`` has label
    ``index % num_classes`` and SNR ``snr_db_grid[(index // num_classes) % len(snr_db_grid)]``,
    so every contiguous block of ``num_classes * len(snr_db_grid)`` indices holds each
    (technology, SNR) pair once; everything else is drawn from ``example_rng(seed, index)``:
    the transmission, then the channel. Captures are scaled to unit mean power.

    Args:
        num_samples: IQ samples per example at the common 20 MHz rate.
        technologies: technologies to include, in label order (default: all of
            :data:`~spectrumfm_hf.data.technologies.TECHNOLOGY_TRANSMITTERS`).
        transmitters: technology name -> transmitter overriding its default configuration.
        snr_db_grid: SNRs, dB in the signal's band; :data:`DEFAULT_SNR_GRID_DB` by default.
        channel: impairments applied to each example, ``channel(iq, rng, params)``; the
            default AMC chain when None.
    """

    name = "wtc"

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
        names = list(TECHNOLOGY_TRANSMITTERS) if technologies is None else list(technologies)
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
        self.channel = default_channel() if channel is None else channel

    @property
    def description(self) -> str:
        return (
            f"Synthetic wireless technology classification: {self.num_samples} complex baseband samples at "
            f"a common {COMMON_SAMPLE_RATE_HZ / 1e6:g} MHz sample rate, one technology per example: "
            f"{', '.join(self.class_names)}. Each signal follows its public numerology: "
            "LTE-like OFDM (15 kHz spacing, normal cyclic prefix, 6-100 resource blocks for 1.4-20 MHz "
            "channels, cell reference signals, QPSK-256QAM), 5G NR-like OFDM (30 kHz spacing, 11-51 "
            "resource blocks for 5-20 MHz, DM-RS), Wi-Fi 802.11a/g-like OFDM (64-point FFT, 48 data and "
            "4 pilot subcarriers, short and long preamble, BPSK-64QAM), DVB-T-like 2k-mode OFDM (1705 "
            "carriers, scattered, continual and TPS pilots, 6/7/8 MHz channels, guard 1/4-1/32), "
            "Bluetooth-like GFSK (1 Msym/s, BT 0.5, h 0.28-0.35, hopping on 1 MHz channels every 625 "
            "us), LoRa-like chirp spread spectrum (SF 7-12, 125/250/500 kHz) and ZigBee-like O-QPSK DSSS "
            "(2 Mchip/s, half-sine chips, 32-chip sequences). Signals are built at their native rates and "
            "resampled with a polyphase filter; each capture starts at a random instant of the frame. "
            "The same impairment chain as the modulation data sets follows (power amplifier, multipath "
            "fading with Doppler, timing and carrier offsets, AWGN, phase noise, IQ imbalance, DC offset, "
            f"quantisation), with the SNR in the signal's band from {min(self.snr_db_grid):g} to "
            f"{max(self.snr_db_grid):g} dB. Labels cycle with the index (label = index mod "
            f"{len(self.class_names)}) and SNRs cycle over the grid, so every contiguous block of "
            f"{len(self.class_names) * len(self.snr_db_grid)} examples holds each (technology, SNR) pair "
            "once. Captures are scaled to unit mean power. Technology-specific settings (channel "
            "bandwidth, QAM order, guard interval, hop channel, spreading factor...) are recorded in "
            "`configuration`."
        )

    def __call__(self, seed: int, index: int) -> dict[str, Any]:
        """Example ``index`` of the data set seeded with ``seed`` as one record (as in :meth:`generate`)."""
        return first_record(self.generate(seed, [index]))

    def generate(self, seed: int, indices) -> dict[str, np.ndarray]:
        """Examples ``indices`` of the data set seeded with ``seed``, stacked column by column."""
        indices = check_generate_arguments(seed, indices)
        labels = indices % len(self.class_names)
        snr_db = np.asarray(self.snr_db_grid)[(indices // len(self.class_names)) % len(self.snr_db_grid)]
        examples = [
            (rng, self._signal_maker(self.transmitters[label], float(snr), rng))
            for label, snr, rng in zip(labels, snr_db, (example_rng(seed, int(index)) for index in indices))
        ]
        received, params = transmit(self.channel, examples, self.num_samples)
        return received_examples(self.name, seed, indices, received, labels, params)

    @staticmethod
    def _signal_maker(transmitter, snr_db: float, rng: np.random.Generator) -> Callable[[int], Transmission]:
        def make_signal(length: int) -> Transmission:
            transmission = transmitter(length, rng)
            transmission.params["snr_db"] = snr_db
            return transmission

        return make_signal
