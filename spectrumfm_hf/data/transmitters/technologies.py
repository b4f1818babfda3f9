"""Wireless-technology transmitters: LTE, 5G NR, Wi-Fi, DVB-T, Bluetooth, LoRa and ZigBee.

Each transmitter builds its signal from the technology's public numerology (subcarrier
spacing, cyclic prefix, pilots, symbol or chip rate, pulse shape), at the technology's own
sample rate where that is simpler, and delivers it at one common sample rate,
:data:`COMMON_SAMPLE_RATE_HZ` (20 MHz: the widest signal here, a 20 MHz LTE or NR carrier,
occupies about 18.4 MHz of it). Resampling from a native rate uses
:func:`scipy.signal.resample_poly` with the exact rational ratio.

A capture starts at a random instant of the technology's frame structure (inside a slot, a
packet, a hop dwell or a LoRa frame), so short windows see preambles, pilots and symbol
boundaries at all phases. What a real deployment varies is drawn per call: channel
bandwidth, data-subcarrier QAM order, guard interval, hop channel, spreading factor...

The transmitters follow :class:`~spectrumfm_hf.data.base.Transmitter`: ``__call__(num_samples,
rng)`` returns a :class:`~spectrumfm_hf.data.base.Transmission` with unit mean power
``complex64`` IQ and knows nothing of the channel.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..base import SpectrumDataError, Transmission, check_num_samples
from ..dsp import RESAMPLE_MARGIN, gaussian_nrz_pulse, native_span, ofdm_modulate, resample_window, unit_power
from ..labels import TECHNOLOGY_CLASSES
from .constellations import square_qam

COMMON_SAMPLE_RATE_HZ = 20e6
"""Sample rate (Hz) at which every technology transmitter delivers its IQ."""

def _check_choices(name: str, values, allowed=None) -> tuple:
    values = tuple(values)
    if not values:
        raise SpectrumDataError(f"{name} must name at least one value, got an empty sequence")
    if allowed is not None:
        bad = [value for value in values if value not in allowed]
        if bad:
            raise SpectrumDataError(
                f"{name} has unsupported values {bad}; expected values from {sorted(allowed)}"
            )
    return values


def _check_payload_symbols_range(payload_symbols_range: tuple[int, int]) -> None:
    """Raise unless ``payload_symbols_range`` is a (low, high) payload length in symbols, 1 <= low <= high."""
    low, high = payload_symbols_range
    if not 1 <= low <= high:
        raise SpectrumDataError(
            f"payload_symbols_range must satisfy 1 <= low <= high, got {payload_symbols_range}"
        )


def qam_symbols(order: int, count: int, rng: np.random.Generator) -> np.ndarray:
    """Random unit-average-power symbols of BPSK (``order=2``) or square QAM (4, 16, 64, 256).

    Args:
        order: constellation size.
        count: number of symbols.
        rng: random generator.
    """
    if order == 2:
        # Exactly +-1: the BPSK of the modulators' table has a rounding residue in Q.
        return (2.0 * rng.integers(0, 2, count) - 1.0).astype(np.complex128)
    points = square_qam(order)
    side = int(round(np.sqrt(order)))
    levels = rng.integers(0, side, (2, count))
    return points[side * levels[0] + levels[1]]


def normalise_power(iq: np.ndarray) -> np.ndarray:
    """``iq`` at unit mean power as ``complex64``, the form every technology transmitter returns."""
    return unit_power(iq).astype(np.complex64)


def to_common_rate(native_iq: np.ndarray, native_rate_hz: float, start: int, num_samples: int) -> np.ndarray:
    """:func:`~spectrumfm_hf.data.dsp.resample_window` to :data:`COMMON_SAMPLE_RATE_HZ`."""
    return resample_window(native_iq, native_rate_hz, COMMON_SAMPLE_RATE_HZ, start, num_samples)


def slot_window_layout(
    slot_cp_lengths: np.ndarray, fft_size: int, needed_after_start: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, int]:
    """Which OFDM symbols a capture starting at a uniformly random instant of a slot needs.

    Generation starts one symbol before the one holding the capture start, so that the
    resampler has history, and stops once ``needed_after_start`` samples follow the start.

    Args:
        slot_cp_lengths: cyclic-prefix length of each symbol of a slot, samples.
        fft_size: useful symbol length, samples.
        needed_after_start: native samples needed from the capture start on.
        rng: random generator.

    Returns:
        symbol numbers within the slot, their cyclic-prefix lengths, and the capture start
        as a sample index into the concatenated symbols.
    """
    slot_cp_lengths = np.asarray(slot_cp_lengths)
    symbols_per_slot = len(slot_cp_lengths)
    slot_ends = np.cumsum(slot_cp_lengths + fft_size)
    instant = int(rng.integers(0, slot_ends[-1]))
    holding = int(np.searchsorted(slot_ends, instant, side="right"))
    within = instant - (slot_ends[holding] - slot_cp_lengths[holding] - fft_size)
    first = holding - 1
    shortest = int(slot_cp_lengths.min()) + fft_size
    count = 2 + -(-(within + needed_after_start) // shortest)
    numbers = (first + np.arange(count)) % symbols_per_slot
    cp_lengths = slot_cp_lengths[numbers]
    start = int(cp_lengths[0]) + fft_size + within
    ends = np.cumsum(cp_lengths + fft_size)
    keep = int(np.searchsorted(ends, start + needed_after_start)) + 1
    return numbers[:keep], cp_lengths[:keep], start


def _configuration(**settings: Any) -> str:
    return " ".join(f"{key}={value}" for key, value in settings.items())


# --------------------------------------------------------------------------------------
# 3GPP downlinks (LTE, NR): fully loaded slots of OFDM symbols built at 30.72 MHz.
# --------------------------------------------------------------------------------------


class _SlotDownlink(ABC):
    """Shared frame of the 3GPP-like downlinks: a fully loaded resource grid in normal-CP slots.

    A subclass (a frozen dataclass with ``channel_bandwidths_mhz`` and
    ``data_modulation_orders``) sets the numerology below and adds its reference signals in
    :meth:`_add_reference_signals`. Per call the channel bandwidth, the data QAM order and the
    cell settings of :meth:`_draw_cell` are drawn, in that order, then the capture's position
    in the slot, the data symbols and the reference signals.
    """

    name: str
    native_rate_hz = 30.72e6
    fft_size: int
    subcarrier_spacing_hz: float
    resource_blocks: dict[float, int]  # resource blocks (12 subcarriers) per channel bandwidth in MHz
    slot_cp_lengths: tuple[int, ...]  # cyclic prefix of each symbol of a slot, native samples

    def __post_init__(self):
        _check_choices("channel_bandwidths_mhz", self.channel_bandwidths_mhz, self.resource_blocks)
        _check_choices("data_modulation_orders", self.data_modulation_orders, {4, 16, 64, 256})

    def _draw_cell(self, rng: np.random.Generator) -> dict[str, Any]:
        """Cell settings drawn before the grid, recorded in ``configuration``."""
        return {}

    @abstractmethod
    def _used_bins(self, num_subcarriers: int) -> np.ndarray:
        """FFT bins of the ``num_subcarriers`` subcarriers in subcarrier order (bin ``fft_size // 2`` is DC)."""

    @abstractmethod
    def _add_reference_signals(
        self, values: np.ndarray, symbol_in_slot: np.ndarray, cell: dict[str, Any], rng: np.random.Generator
    ) -> None:
        """Write the reference signals into ``values`` (symbols x subcarriers), drawing from ``rng``."""

    def __call__(self, num_samples: int, rng: np.random.Generator) -> Transmission:
        num_samples = check_num_samples(num_samples)
        bandwidth_mhz = float(rng.choice(self.channel_bandwidths_mhz))
        order = int(rng.choice(self.data_modulation_orders))
        cell = self._draw_cell(rng)
        num_subcarriers = 12 * self.resource_blocks[bandwidth_mhz]

        symbol_in_slot, cp_lengths, start = slot_window_layout(
            np.array(self.slot_cp_lengths),
            self.fft_size,
            native_span(num_samples, self.native_rate_hz, COMMON_SAMPLE_RATE_HZ) - RESAMPLE_MARGIN,
            rng,
        )
        num_symbols = len(cp_lengths)

        used_bins = self._used_bins(num_subcarriers)
        values = qam_symbols(order, num_symbols * num_subcarriers, rng).reshape(num_symbols, num_subcarriers)
        self._add_reference_signals(values, symbol_in_slot, cell, rng)
        grid = np.zeros((num_symbols, self.fft_size), np.complex128)
        grid[:, used_bins] = values

        iq = to_common_rate(ofdm_modulate(grid, cp_lengths), self.native_rate_hz, start, num_samples)
        # The occupied band spans the outermost subcarriers, including an unused DC one.
        occupied_subcarriers = int(used_bins.max() - used_bins.min()) + 1
        symbol_length = self.fft_size + self.slot_cp_lengths[-1]  # with a normal cyclic prefix
        return Transmission(
            normalise_power(iq),
            {
                "transmitter": self.name,
                "bandwidth": occupied_subcarriers * self.subcarrier_spacing_hz / COMMON_SAMPLE_RATE_HZ,
                "samples_per_symbol": symbol_length * COMMON_SAMPLE_RATE_HZ / self.native_rate_hz,
                "configuration": _configuration(
                    channel_bandwidth_mhz=bandwidth_mhz,
                    qam_order=order,
                    **cell,
                    scs_khz=round(self.subcarrier_spacing_hz / 1e3),
                ),
            },
        )


# --------------------------------------------------------------------------------------
# LTE (3GPP TS 36.211): 15 kHz spacing, normal cyclic prefix, 2048-point FFT at 30.72 MHz.
# --------------------------------------------------------------------------------------

LTE_RESOURCE_BLOCKS = {1.4: 6, 3.0: 15, 5.0: 25, 10.0: 50, 15.0: 75, 20.0: 100}
"""Resource blocks (12 subcarriers each) per LTE channel bandwidth in MHz."""


@dataclass(frozen=True)
class LTETransmitter(_SlotDownlink):
    """LTE-like downlink: fully loaded resource grid, cell-specific reference signals.

    Built at 30.72 MHz with a 2048-point FFT and 15 kHz subcarrier spacing; normal cyclic
    prefix (160 samples on the first symbol of each 0.5 ms slot, 144 on the other six);
    ``12 * N_RB`` subcarriers around an unused DC subcarrier; port-0 reference signals on
    every sixth subcarrier of symbols 0 and 4 of each slot, shifted by the cell identity.

    Args:
        channel_bandwidths_mhz: channel bandwidths drawn from (keys of :data:`LTE_RESOURCE_BLOCKS`).
        data_modulation_orders: QAM orders drawn for the data subcarriers.
    """

    channel_bandwidths_mhz: tuple[float, ...] = (1.4, 3.0, 5.0, 10.0, 15.0, 20.0)
    data_modulation_orders: tuple[int, ...] = (4, 16, 64, 256)
    name = "LTE"
    fft_size = 2048
    subcarrier_spacing_hz = 15e3
    resource_blocks = LTE_RESOURCE_BLOCKS
    slot_cp_lengths = (160, 144, 144, 144, 144, 144, 144)

    def _draw_cell(self, rng: np.random.Generator) -> dict[str, Any]:
        return {"cell_id": int(rng.integers(0, 504))}

    def _used_bins(self, num_subcarriers: int) -> np.ndarray:
        half = num_subcarriers // 2
        return self.fft_size // 2 + np.concatenate([np.arange(-half, 0), np.arange(1, half + 1)])

    def _add_reference_signals(self, values, symbol_in_slot, cell, rng) -> None:
        num_subcarriers = values.shape[1]
        v_shift = cell["cell_id"] % 6
        for symbol, v in ((0, 0), (4, 3)):
            rows = np.flatnonzero(symbol_in_slot == symbol)
            columns = np.arange((v + v_shift) % 6, num_subcarriers, 6)
            values[np.ix_(rows, columns)] = qam_symbols(4, len(rows) * len(columns), rng).reshape(
                len(rows), len(columns)
            )


# --------------------------------------------------------------------------------------
# 5G NR (3GPP TS 38.211), numerology mu = 1: 30 kHz spacing, 1024-point FFT at 30.72 MHz.
# --------------------------------------------------------------------------------------

NR_RESOURCE_BLOCKS_30KHZ = {5.0: 11, 10.0: 24, 15.0: 38, 20.0: 51}
"""Maximum resource blocks at 30 kHz subcarrier spacing per NR channel bandwidth in MHz (TS 38.101-1)."""


@dataclass(frozen=True)
class NRTransmitter(_SlotDownlink):
    """5G NR-like downlink at 30 kHz subcarrier spacing (numerology 1) with DM-RS.

    Built at 30.72 MHz with a 1024-point FFT; 14-symbol 0.5 ms slots with normal cyclic
    prefix (88 samples on the first symbol of each slot, 72 on the others); ``12 * N_RB``
    subcarriers with no DC gap; type-1 DM-RS (every other subcarrier, QPSK) on the third
    symbol of each slot.

    Args:
        channel_bandwidths_mhz: channel bandwidths drawn from (keys of :data:`NR_RESOURCE_BLOCKS_30KHZ`).
        data_modulation_orders: QAM orders drawn for the data subcarriers.
    """

    channel_bandwidths_mhz: tuple[float, ...] = (5.0, 10.0, 15.0, 20.0)
    data_modulation_orders: tuple[int, ...] = (4, 16, 64, 256)
    name = "NR"
    fft_size = 1024
    subcarrier_spacing_hz = 30e3
    resource_blocks = NR_RESOURCE_BLOCKS_30KHZ
    slot_cp_lengths = (88,) + (72,) * 13

    def _used_bins(self, num_subcarriers: int) -> np.ndarray:
        return self.fft_size // 2 + np.arange(-(num_subcarriers // 2), num_subcarriers // 2)

    def _add_reference_signals(self, values, symbol_in_slot, cell, rng) -> None:
        dmrs_rows = np.flatnonzero(symbol_in_slot == 2)
        # Type-1 DM-RS occupies one comb; the other comb of that symbol stays empty.
        values[dmrs_rows] = 0.0
        dmrs_columns = np.arange(0, values.shape[1], 2)
        # Twice the power on the occupied comb keeps the DM-RS symbol's power that of a data symbol.
        values[np.ix_(dmrs_rows, dmrs_columns)] = np.sqrt(2.0) * qam_symbols(
            4, len(dmrs_rows) * len(dmrs_columns), rng
        ).reshape(len(dmrs_rows), len(dmrs_columns))


# --------------------------------------------------------------------------------------
# Wi-Fi (IEEE 802.11a/g OFDM PHY): 64-point FFT at 20 MHz, 312.5 kHz spacing.
# --------------------------------------------------------------------------------------

_WIFI_SHORT_TRAINING = np.zeros(53, np.complex128)  # subcarriers -26..26
_WIFI_SHORT_TRAINING[np.array([-24, -16, -4, 12, 16, 20, 24]) + 26] = 1 + 1j
_WIFI_SHORT_TRAINING[np.array([-20, -12, -8, 4, 8]) + 26] = -1 - 1j
_WIFI_SHORT_TRAINING *= np.sqrt(13.0 / 6.0)
_WIFI_LONG_TRAINING = np.array(
    [1, 1, -1, -1, 1, 1, -1, 1, -1, 1, 1, 1, 1, 1, 1, -1, -1, 1, 1, -1, 1, -1, 1, 1, 1, 1, 0,
     1, -1, -1, 1, 1, -1, 1, -1, 1, -1, -1, -1, -1, -1, 1, 1, -1, -1, 1, -1, 1, -1, 1, 1, 1, 1],
    np.complex128,
)  # fmt: skip
_WIFI_PILOT_SUBCARRIERS = np.array([-21, -7, 7, 21])
_WIFI_PILOT_VALUES = np.array([1.0, 1.0, 1.0, -1.0])
_WIFI_DATA_SUBCARRIERS = np.array([k for k in range(-26, 27) if k != 0 and k not in (-21, -7, 7, 21)])


def _wifi_pilot_polarity(count: int) -> np.ndarray:
    """Pilot polarity p_0, p_1, ... of 802.11a: the all-ones-seeded x^7 + x^4 + 1 scrambler, 0 -> +1.

    Args:
        count: number of OFDM symbols (the sequence repeats every 127).
    """
    state = [1] * 7
    bits = []
    for _ in range(127):
        bit = state[3] ^ state[6]
        bits.append(bit)
        state = [bit] + state[:-1]
    sequence = 1.0 - 2.0 * np.array(bits)
    return sequence[np.arange(count) % 127]


def _wifi_subcarrier_grid(values_by_subcarrier: np.ndarray, subcarriers: np.ndarray) -> np.ndarray:
    grid = np.zeros(values_by_subcarrier.shape[:-1] + (64,), np.complex128)
    grid[..., 32 + subcarriers] = values_by_subcarrier
    return grid


def _wifi_preamble() -> np.ndarray:
    """Ten 16-sample short training repetitions, then a 32-sample guard and two long training symbols."""
    all_subcarriers = np.arange(-26, 27)
    short = ofdm_modulate(_wifi_subcarrier_grid(_WIFI_SHORT_TRAINING[None, :], all_subcarriers), [0])
    long = ofdm_modulate(_wifi_subcarrier_grid(_WIFI_LONG_TRAINING[None, :], all_subcarriers), [0])
    return np.concatenate([np.tile(short[:16], 10), long[-32:], long, long])


_WIFI_PREAMBLE = _wifi_preamble()


@dataclass(frozen=True)
class WiFiTransmitter:
    """Wi-Fi 802.11a/g-like OFDM packet: short and long preamble, SIGNAL field, data symbols.

    Native rate 20 MHz (the common rate), 64-point FFT, 312.5 kHz spacing, 0.8 us guard
    interval (16 samples); 48 data subcarriers and 4 pilots (at -21, -7, 7, 21, with the
    standard's polarity sequence) out of 52 around an unused DC; ten 16-sample short
    training repetitions and two 64-sample long training symbols after a 32-sample guard.
    The capture starts at a uniformly random instant of the first ``capture_span_us`` of
    the packet, so a 128-sample window sees the preamble about half of the time.

    Args:
        data_modulation_orders: orders drawn for the data subcarriers (2 = BPSK, 4, 16, 64).
        capture_span_us: span of packet start times the capture start is drawn from, us.
    """

    data_modulation_orders: tuple[int, ...] = (2, 4, 16, 64)
    capture_span_us: float = 40.0
    name = "WiFi"
    native_rate_hz = 20e6
    fft_size = 64
    subcarrier_spacing_hz = 312.5e3

    def __post_init__(self):
        _check_choices("data_modulation_orders", self.data_modulation_orders, {2, 4, 16, 64})
        if not self.capture_span_us > 0:
            raise SpectrumDataError(f"capture_span_us must be positive, got {self.capture_span_us}")

    def __call__(self, num_samples: int, rng: np.random.Generator) -> Transmission:
        num_samples = check_num_samples(num_samples)
        order = int(rng.choice(self.data_modulation_orders))
        start = int(rng.integers(0, int(self.capture_span_us * 1e-6 * self.native_rate_hz)))

        # SIGNAL (BPSK) then data: one OFDM symbol is 80 samples.
        num_data_symbols = max(0, int(np.ceil((start + num_samples - len(_WIFI_PREAMBLE)) / 80)))
        num_symbols = 1 + num_data_symbols
        values = np.concatenate([qam_symbols(2, 48, rng), qam_symbols(order, 48 * num_data_symbols, rng)])
        grid = _wifi_subcarrier_grid(values.reshape(num_symbols, 48), _WIFI_DATA_SUBCARRIERS)
        polarity = _wifi_pilot_polarity(num_symbols)
        grid[:, 32 + _WIFI_PILOT_SUBCARRIERS] = polarity[:, None] * _WIFI_PILOT_VALUES
        payload = ofdm_modulate(grid, np.full(num_symbols, 16))

        packet = np.concatenate([_WIFI_PREAMBLE, payload])
        iq = packet[start : start + num_samples]
        return Transmission(
            normalise_power(iq),
            {
                "transmitter": self.name,
                "bandwidth": 53 * self.subcarrier_spacing_hz / COMMON_SAMPLE_RATE_HZ,
                "samples_per_symbol": 80.0,
                "configuration": _configuration(qam_order=order, start_us=start / 20.0),
            },
        )


# --------------------------------------------------------------------------------------
# DVB-T (ETSI EN 300 744), 2k mode: 1705 carriers, scattered, continual and TPS pilots.
# --------------------------------------------------------------------------------------

DVBT_CONTINUAL_PILOTS_2K = np.array([
    0, 48, 54, 87, 141, 156, 192, 201, 255, 279, 282, 333, 432, 450, 483, 525, 531, 618, 636, 714, 759, 765,
    780, 804, 873, 888, 918, 939, 942, 969, 984, 1050, 1101, 1107, 1110, 1137, 1140, 1146, 1206, 1269, 1323,
    1377, 1491, 1683, 1704,
])  # fmt: skip
"""Carrier indices of the 45 continual pilots of the 2k mode."""
DVBT_TPS_CARRIERS_2K = np.array(
    [34, 50, 209, 346, 413, 569, 595, 688, 790, 901, 1073, 1219, 1262, 1286, 1469, 1594, 1687]
)
"""Carrier indices of the 17 transmission-parameter-signalling carriers of the 2k mode."""
_DVBT_CARRIERS = 1705
_DVBT_FRAME_SYMBOLS = 68


def _dvbt_reference_bits() -> np.ndarray:
    """Pilot reference sequence w_k: PRBS x^11 + x^2 + 1 seeded with ones, one bit per carrier."""
    bits = np.ones(_DVBT_CARRIERS, np.int8)
    for k in range(11, _DVBT_CARRIERS):
        bits[k] = bits[k - 9] ^ bits[k - 11]
    return bits


_DVBT_PILOT_SIGNS = 1.0 - 2.0 * _dvbt_reference_bits()


@dataclass(frozen=True)
class DVBTTransmitter:
    """DVB-T-like 2k-mode OFDM: 2048-point FFT, 1705 carriers, boosted pilots.

    The elementary period is 7/64 us for an 8 MHz channel (scaled for 7 and 6 MHz), so the
    native rate is 64/7 MHz * (channel / 8 MHz) and the spacing 4464 Hz for 8 MHz. Every
    symbol carries scattered pilots on carriers ``3 * (l mod 4) + 12 p``, the 45 continual
    pilots and 17 DBPSK TPS carriers; pilots are BPSK at amplitude 4/3 from the standard's
    PRBS, data carriers QPSK, 16- or 64-QAM. The guard interval is drawn from 1/4, 1/8,
    1/16, 1/32 and the capture starts at a random symbol of the 68-symbol frame.

    Args:
        channel_bandwidths_mhz: channel bandwidths drawn from (6, 7, 8 MHz).
        data_modulation_orders: QAM orders drawn for the data carriers.
        guard_fractions: guard-interval fractions of the useful symbol drawn from.
    """

    channel_bandwidths_mhz: tuple[float, ...] = (6.0, 7.0, 8.0)
    data_modulation_orders: tuple[int, ...] = (4, 16, 64)
    guard_fractions: tuple[float, ...] = (1 / 4, 1 / 8, 1 / 16, 1 / 32)
    name = "DVB-T"
    fft_size = 2048

    def __post_init__(self):
        _check_choices("channel_bandwidths_mhz", self.channel_bandwidths_mhz, {6.0, 7.0, 8.0})
        _check_choices("data_modulation_orders", self.data_modulation_orders, {4, 16, 64})
        _check_choices("guard_fractions", self.guard_fractions, {1 / 4, 1 / 8, 1 / 16, 1 / 32})

    @staticmethod
    def native_rate_hz(channel_bandwidth_mhz: float) -> float:
        """Native sample rate (inverse elementary period) for a channel bandwidth in MHz, Hz."""
        return 64e6 / 7.0 * channel_bandwidth_mhz / 8.0

    def __call__(self, num_samples: int, rng: np.random.Generator) -> Transmission:
        num_samples = check_num_samples(num_samples)
        bandwidth_mhz = float(rng.choice(self.channel_bandwidths_mhz))
        order = int(rng.choice(self.data_modulation_orders))
        guard_fraction = float(rng.choice(self.guard_fractions))
        native_rate_hz = self.native_rate_hz(bandwidth_mhz)
        guard = int(round(self.fft_size * guard_fraction))
        symbol_length = self.fft_size + guard

        first_symbol = int(rng.integers(0, _DVBT_FRAME_SYMBOLS))
        start = RESAMPLE_MARGIN + int(rng.integers(0, symbol_length))
        needed = start + native_span(num_samples, native_rate_hz, COMMON_SAMPLE_RATE_HZ)
        num_symbols = -(-needed // symbol_length)
        symbol_numbers = (first_symbol + np.arange(num_symbols)) % _DVBT_FRAME_SYMBOLS

        carriers = qam_symbols(order, num_symbols * _DVBT_CARRIERS, rng).reshape(num_symbols, _DVBT_CARRIERS)
        tps_bits = rng.integers(0, 2, num_symbols)
        # DBPSK: each TPS symbol is the previous one times (-1)^bit, the first referenced to w_k.
        tps_sign = np.cumprod(1.0 - 2.0 * tps_bits)
        carriers[:, DVBT_TPS_CARRIERS_2K] = tps_sign[:, None] * _DVBT_PILOT_SIGNS[DVBT_TPS_CARRIERS_2K]
        carrier_index = np.arange(_DVBT_CARRIERS)
        scattered = (carrier_index[None, :] - 3 * (symbol_numbers[:, None] % 4)) % 12 == 0
        continual = np.zeros(_DVBT_CARRIERS, bool)
        continual[DVBT_CONTINUAL_PILOTS_2K] = True
        pilots = scattered | continual[None, :]
        carriers = np.where(pilots, (4.0 / 3.0) * _DVBT_PILOT_SIGNS[None, :], carriers)

        grid = np.zeros((num_symbols, self.fft_size), np.complex128)
        grid[:, self.fft_size // 2 - 852 : self.fft_size // 2 + 853] = carriers
        native = ofdm_modulate(grid, np.full(num_symbols, guard))
        iq = to_common_rate(native, native_rate_hz, start, num_samples)
        spacing_hz = native_rate_hz / self.fft_size
        return Transmission(
            normalise_power(iq),
            {
                "transmitter": self.name,
                "bandwidth": _DVBT_CARRIERS * spacing_hz / COMMON_SAMPLE_RATE_HZ,
                "samples_per_symbol": symbol_length * COMMON_SAMPLE_RATE_HZ / native_rate_hz,
                "configuration": _configuration(
                    channel_bandwidth_mhz=bandwidth_mhz,
                    qam_order=order,
                    guard_interval=f"1/{round(1 / guard_fraction)}",
                ),
            },
        )


# --------------------------------------------------------------------------------------
# Bluetooth BR: GFSK, 1 Msym/s, BT = 0.5, h ~ 0.32, 1 MHz hop channels, 625 us slots.
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BluetoothTransmitter:
    """Bluetooth BR-like GFSK with frequency hopping across the capture's 1 MHz channels.

    1 Msym/s (20 samples per symbol at the common rate), Gaussian filter BT = 0.5,
    modulation index drawn in ``modulation_index_range`` (the specification allows 0.28
    to 0.35, nominal 0.32). The piconet hops every 625 us slot to a channel drawn from the
    1 MHz channel grid inside the capture (offsets ``-hop_channels_each_side`` ..
    ``+hop_channels_each_side`` MHz from its centre); the capture starts at a random
    instant of a slot, so long captures contain hops.

    Args:
        modulation_index_range: (low, high) modulation index h, drawn uniformly.
        hop_channels_each_side: hop channels on each side of the capture centre.
    """

    modulation_index_range: tuple[float, float] = (0.28, 0.35)
    hop_channels_each_side: int = 9
    name = "Bluetooth"
    symbol_rate_hz = 1e6
    bandwidth_time = 0.5
    slot_s = 625e-6

    def __post_init__(self):
        low, high = self.modulation_index_range
        if not 0 < low <= high < 1:
            raise SpectrumDataError(
                f"modulation_index_range must satisfy 0 < low <= high < 1, got {self.modulation_index_range}"
            )
        if not 0 <= self.hop_channels_each_side <= 9:
            raise SpectrumDataError(
                "hop_channels_each_side must be in 0..9 for a 20 MHz capture, "
                f"got {self.hop_channels_each_side}"
            )

    def __call__(self, num_samples: int, rng: np.random.Generator) -> Transmission:
        num_samples = check_num_samples(num_samples)
        samples_per_symbol = int(round(COMMON_SAMPLE_RATE_HZ / self.symbol_rate_hz))
        modulation_index = float(rng.uniform(*self.modulation_index_range))
        # The frequency pulse over +-3 symbols: Gaussian-filtered rectangles, summing to 1 along a run.
        pulse_span_symbols = 3
        pulse_time = np.arange(-pulse_span_symbols * samples_per_symbol, pulse_span_symbols * samples_per_symbol + 1)
        pulse = gaussian_nrz_pulse(pulse_time / samples_per_symbol, self.bandwidth_time)
        span = len(pulse) // samples_per_symbol + 1

        start = int(rng.integers(0, samples_per_symbol))
        num_symbols = -(-(start + num_samples) // samples_per_symbol) + 2 * span
        impulses = np.zeros(num_symbols * samples_per_symbol)
        impulses[::samples_per_symbol] = 2.0 * rng.integers(0, 2, num_symbols) - 1.0
        # Peak deviation h * Rs / 2 for a long run of equal symbols, in cycles per sample.
        frequency = np.convolve(impulses, pulse, mode="same") * (modulation_index * self.symbol_rate_hz / 2.0)
        frequency = frequency[span * samples_per_symbol + start :][:num_samples]

        slot_samples = int(round(self.slot_s * COMMON_SAMPLE_RATE_HZ))
        slot_start = int(rng.integers(0, slot_samples))
        slot_of_sample = (slot_start + np.arange(num_samples)) // slot_samples
        reach = self.hop_channels_each_side
        channels = rng.integers(-reach, reach + 1, slot_of_sample[-1] + 1)
        hop_hz = channels[slot_of_sample] * 1e6
        phase = 2.0 * np.pi * np.cumsum((frequency + hop_hz) / COMMON_SAMPLE_RATE_HZ)
        phase += rng.uniform(0, 2 * np.pi)
        return Transmission(
            np.exp(1j * phase).astype(np.complex64),
            {
                "transmitter": self.name,
                "bandwidth": 1e6 / COMMON_SAMPLE_RATE_HZ,
                "samples_per_symbol": float(samples_per_symbol),
                "pulse_shape": "gaussian",
                "configuration": _configuration(
                    modulation_index=round(modulation_index, 3),
                    hop_channel_mhz=int(channels[0]),
                    hops=int(slot_of_sample[-1]),
                ),
            },
        )


# --------------------------------------------------------------------------------------
# LoRa: chirp spread spectrum, SF 7..12, 125/250/500 kHz.
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LoRaTransmitter:
    """LoRa-like chirp spread spectrum frame: preamble, sync word, SFD, payload.

    A symbol is a linear up-chirp over the bandwidth ``BW`` lasting ``2**SF / BW`` seconds,
    cyclically shifted by its value in ``0 .. 2**SF - 1``. A frame is 8 unshifted up-chirps,
    two sync-word up-chirps, 2.25 down-chirps and a payload of random symbols; the capture
    starts at a uniformly random instant of the frame. The waveform is computed directly at
    the common rate from the instantaneous frequency, so only the captured samples cost
    anything whatever the spreading factor.

    Args:
        spreading_factors: spreading factors drawn from (7..12).
        bandwidths_hz: chirp bandwidths drawn from, Hz.
        payload_symbols_range: (low, high) payload length in symbols, drawn uniformly.
    """

    spreading_factors: tuple[int, ...] = (7, 8, 9, 10, 11, 12)
    bandwidths_hz: tuple[float, ...] = (125e3, 250e3, 500e3)
    payload_symbols_range: tuple[int, int] = (8, 64)
    name = "LoRa"

    def __post_init__(self):
        _check_choices("spreading_factors", self.spreading_factors, set(range(5, 13)))
        _check_choices("bandwidths_hz", self.bandwidths_hz)
        if any(not 0 < bandwidth < COMMON_SAMPLE_RATE_HZ for bandwidth in self.bandwidths_hz):
            raise SpectrumDataError(
                f"bandwidths_hz must lie in (0, {COMMON_SAMPLE_RATE_HZ:g}) Hz, got {self.bandwidths_hz}"
            )
        _check_payload_symbols_range(self.payload_symbols_range)

    def __call__(self, num_samples: int, rng: np.random.Generator) -> Transmission:
        num_samples = check_num_samples(num_samples)
        spreading_factor = int(rng.choice(self.spreading_factors))
        bandwidth_hz = float(rng.choice(self.bandwidths_hz))
        chips = 2**spreading_factor
        symbol_s = chips / bandwidth_hz
        window_s = num_samples / COMMON_SAMPLE_RATE_HZ

        payload = int(rng.integers(self.payload_symbols_range[0], self.payload_symbols_range[1] + 1))
        payload = max(payload, int(np.ceil(window_s / symbol_s)) + 1)
        sync_word = rng.integers(0, 16, 2) * 8
        # Per symbol: start time in symbols, duration in symbols, +1 up / -1 down, cyclic shift.
        durations = np.concatenate([np.ones(12), [0.25], np.ones(payload)])
        directions = np.concatenate([np.ones(10), -np.ones(3), np.ones(payload)])
        shifts = np.concatenate([np.zeros(8), sync_word, np.zeros(3), rng.integers(0, chips, payload)])
        starts = np.concatenate([[0.0], np.cumsum(durations)[:-1]])
        frame_s = float(np.sum(durations)) * symbol_s

        capture_start_s = rng.uniform(0.0, frame_s - window_s)
        time_symbols = (capture_start_s + np.arange(num_samples) / COMMON_SAMPLE_RATE_HZ) / symbol_s
        symbol = np.searchsorted(starts, time_symbols, side="right") - 1
        within = time_symbols - starts[symbol]
        up_fraction = np.mod(shifts[symbol] / chips + within, 1.0)
        fraction = np.where(directions[symbol] > 0, up_fraction, 1.0 - within)
        frequency_hz = bandwidth_hz * (fraction - 0.5)
        phase = 2.0 * np.pi * np.cumsum(frequency_hz / COMMON_SAMPLE_RATE_HZ) + rng.uniform(0, 2 * np.pi)
        return Transmission(
            np.exp(1j * phase).astype(np.complex64),
            {
                "transmitter": self.name,
                "bandwidth": bandwidth_hz / COMMON_SAMPLE_RATE_HZ,
                "samples_per_symbol": symbol_s * COMMON_SAMPLE_RATE_HZ,
                "configuration": _configuration(
                    spreading_factor=spreading_factor, bandwidth_khz=bandwidth_hz / 1e3
                ),
            },
        )


# --------------------------------------------------------------------------------------
# ZigBee (IEEE 802.15.4, 2.4 GHz O-QPSK PHY): 2 Mchip/s, half-sine, 32-chip sequences.
# --------------------------------------------------------------------------------------


def zigbee_chip_sequences() -> np.ndarray:
    """The 16 x 32 chip table (0/1) of the 2.4 GHz O-QPSK PHY, row = 4-bit data symbol.

    Symbols 1-7 rotate symbol 0 right by 4 chips each; symbols 8-15 are symbols 0-7 with
    their odd-indexed chips inverted.
    """
    base = np.array([int(chip) for chip in "11011001110000110101001000101110"])
    first_half = np.stack([np.roll(base, 4 * symbol) for symbol in range(8)])
    odd_inverted = first_half.copy()
    odd_inverted[:, 1::2] ^= 1
    return np.concatenate([first_half, odd_inverted]).astype(np.int8)


_ZIGBEE_CHIPS = zigbee_chip_sequences()


@dataclass(frozen=True)
class ZigBeeTransmitter:
    """ZigBee (802.15.4 2.4 GHz)-like O-QPSK DSSS with half-sine chips.

    Each 4-bit symbol spreads to its 32-chip sequence at 2 Mchip/s (10 samples per chip at
    the common rate); even chips go to I and odd chips to Q, delayed by one chip, each
    shaped by a half sine of two chips, which makes the signal MSK-like with constant
    envelope. A frame is the 8-symbol zero preamble, the start-of-frame delimiter 0xA7, a
    length field and random payload symbols; the capture starts at a random sample of the
    frame.

    Args:
        payload_symbols_range: (low, high) payload length in 4-bit symbols, drawn uniformly.
    """

    payload_symbols_range: tuple[int, int] = (10, 254)
    name = "ZigBee"
    chip_rate_hz = 2e6

    def __post_init__(self):
        _check_payload_symbols_range(self.payload_symbols_range)

    def __call__(self, num_samples: int, rng: np.random.Generator) -> Transmission:
        num_samples = check_num_samples(num_samples)
        samples_per_chip = int(round(COMMON_SAMPLE_RATE_HZ / self.chip_rate_hz))
        symbol_samples = 32 * samples_per_chip
        payload = int(rng.integers(self.payload_symbols_range[0], self.payload_symbols_range[1] + 1))
        header = np.array([0] * 8 + [0x7, 0xA] + [payload // 2 % 16, payload // 2 // 16 % 8])
        frame_symbols = len(header) + payload
        start = int(rng.integers(0, frame_symbols * symbol_samples))
        first_symbol = start // symbol_samples
        num_symbols = -(-(start % symbol_samples + num_samples + samples_per_chip) // symbol_samples)
        symbols = rng.integers(0, 16, num_symbols)
        in_header = first_symbol + np.arange(num_symbols) < len(header)
        symbols[in_header] = header[(first_symbol + np.arange(num_symbols))[in_header]]

        chips = 2.0 * _ZIGBEE_CHIPS[symbols].ravel() - 1.0
        half_sine = np.sin(np.pi * np.arange(2 * samples_per_chip) / (2 * samples_per_chip))
        # Half-sine pulses of two chips on each rail do not overlap, so each rail is a reshape.
        in_phase = (chips[0::2, None] * half_sine).ravel()
        quadrature = np.concatenate([np.zeros(samples_per_chip), (chips[1::2, None] * half_sine).ravel()])
        length = len(in_phase)
        iq = in_phase + 1j * quadrature[:length]
        offset = start % symbol_samples + samples_per_chip
        iq = iq[offset : offset + num_samples]
        return Transmission(
            normalise_power(iq),
            {
                "transmitter": self.name,
                "bandwidth": 2.36e6 / COMMON_SAMPLE_RATE_HZ,
                "samples_per_symbol": float(samples_per_chip),
                "pulse_shape": "half-sine",
                "configuration": _configuration(chip_rate_mhz=2, payload_symbols=payload),
            },
        )


TECHNOLOGY_TRANSMITTERS: dict[str, type] = {  # keys in the order of labels.TECHNOLOGY_CLASSES
    "LTE": LTETransmitter,
    "NR": NRTransmitter,
    "WiFi": WiFiTransmitter,
    "DVB-T": DVBTTransmitter,
    "Bluetooth": BluetoothTransmitter,
    "LoRa": LoRaTransmitter,
    "ZigBee": ZigBeeTransmitter,
}
"""Technology name -> transmitter class, in the order of the WTC class labels."""

if tuple(TECHNOLOGY_TRANSMITTERS) != TECHNOLOGY_CLASSES:
    raise ImportError("TECHNOLOGY_TRANSMITTERS must list the technologies in the order of TECHNOLOGY_CLASSES")
