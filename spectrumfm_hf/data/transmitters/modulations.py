"""Transmitters: digital and analog modulations as unit-power complex baseband.

A transmitter knows nothing of the channel. Each one turns a fixed number of uniform random
numbers per example into a waveform, so that a whole batch is synthesised with array
operations while every example still draws its randomness from its own generator
(:func:`spectrumfm_hf.data.base.example_rng`):

* :meth:`Modulator.num_uniforms` says how many numbers in [0, 1) one example consumes,
* :meth:`Modulator.render` maps a ``(batch, num_uniforms)`` block of them to a
  ``(batch, num_samples)`` waveform and the generation-parameter columns it drew,
* :meth:`Modulator.__call__` is the single-example :class:`~spectrumfm_hf.data.base.Transmitter`
  form of the same computation (a batch of one).

Pulses are evaluated at each output instant (from fine tables of their closed forms) rather
than by upsampling and filtering, so samples per symbol may be any real number (fractional
symbol rates need no resampling stage), there are no filter start-up transients, and the
result of an example does not depend on which other examples share its batch.

Bandwidths recorded in the ``bandwidth`` column are two-sided and normalised to the sample
rate; the convention for each family is stated on its class. The channel's AWGN uses this
bandwidth as the band in which SNR is defined.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import math
from dataclasses import dataclass
from typing import Any, NamedTuple, Sequence

import numpy as np

from ..base import (
    SpectrumDataError,
    Transmission,
    check_num_samples,
    check_positive_integer,
    check_range,
    python_scalar,
    scale_uniform,
)
from ..dsp import gaussian_nrz_pulse, gaussian_phase_pulse, rrc_pulse, unit_power
from ..labels import RML2016_10A_CLASSES, RML2018_01A_CLASSES
from .constellations import constellation

__all__ = [
    "TRANSMITTER_NAMES",
    "TransmitterRanges",
    "Modulator",
    "LinearModulator",
    "FrequencyShiftKeying",
    "AnalogModulator",
    "make_transmitter",
    "compatible_groups",
    "render_together",
]

# Symbol-pulse support of linear modulations, in symbols. Truncating the RRC at +-5 symbols
# leaves -29 dB of its energy out at roll-off 0.15 and -37 dB at 0.3, about the spectral
# regrowth of practical transmit filters; longer spans cost time in every example.
LINEAR_PULSE_SPAN_SYMBOLS = 10
# Support of the Gaussian frequency pulse of GFSK/GMSK in symbols; at BT >= 0.2 the
# truncated tails hold under 3e-5 of the pulse area.
FSK_PULSE_SPAN_SYMBOLS = 6
# Analog message: harmonics of a pitch (voiced speech, tonal music) plus inharmonic partials.
NUM_HARMONICS = 6
NUM_PARTIALS = 6

PULSE_SHAPES: tuple[str, ...] = ("rrc", "rectangular", "gaussian")

LOG_UNIFORM_RANGES: tuple[str, ...] = (
    "samples_per_symbol", "fsk_modulation_index", "gfsk_modulation_index", "am_modulation_depth",
    "audio_bandwidth", "fm_deviation", "wbfm_deviation",
)
"""Ranges of :class:`TransmitterRanges` that may be drawn log-uniformly."""


@dataclass(frozen=True)
class TransmitterRanges:
    """Ranges from which each transmission draws what real transmitters vary.

    Every range is ``(min, max)`` and drawn uniformly. Frequencies are normalised to the
    sample rate (cycles per sample).

    Args:
        samples_per_symbol: samples per symbol (any real value >= 1; sets the symbol rate
            relative to the sample rate and so the signal bandwidth relative to the band).
        pulse_shape_weights: probabilities of the linear-modulation pulse shapes
            ``("rrc", "rectangular", "gaussian")``.
        rolloff: root-raised-cosine roll-off factor, in [0, 1].
        gaussian_bt: bandwidth-time product of Gaussian-filtered rectangular pulses (linear
            "gaussian" pulse shape and GFSK).
        gmsk_bt: bandwidth-time product of GMSK (GSM uses 0.3).
        fsk_modulation_index: modulation index h of CPFSK (and of GFSK when
            ``gfsk_modulation_index`` is None; GMSK is fixed at 0.5).
        am_modulation_depth: AM modulation depth with carrier; above 1 is over-modulation.
        suppressed_carrier_probability: chance that an AM class with an unspecified carrier
            (RML2016's "AM-DSB" and "AM-SSB") suppresses it.
        audio_bandwidth: bandwidth of the analog message (one-sided), cycles per sample.
        fm_deviation: peak frequency deviation of "FM", cycles per sample.
        wbfm_deviation: peak frequency deviation of "WBFM", cycles per sample.
        gfsk_modulation_index: modulation index h of GFSK; None shares ``fsk_modulation_index``
            (Bluetooth-like GFSK uses 0.28-0.35, TorchSig draws 0.1-0.5).
        gfsk_bt: bandwidth-time product of GFSK; None shares ``gaussian_bt``.
        noise_message_probability: chance that an analog message is noise-like (band-limited
            random partials of Rayleigh amplitude, as TorchSig's AM and FM builders filter
            white noise) rather than tonal (a pitch's harmonics, as speech and music).
        log_uniform: names of the ranges above drawn log-uniformly (equal chance per octave)
            instead of uniformly: for scale parameters spanning decades, such as an audio
            bandwidth from speech to music or a modulation depth from 0.05 to 4. Their
            minimum must be positive.
    """

    samples_per_symbol: tuple[float, float] = (4.0, 10.0)
    pulse_shape_weights: tuple[float, float, float] = (0.8, 0.1, 0.1)
    rolloff: tuple[float, float] = (0.15, 0.6)
    gaussian_bt: tuple[float, float] = (0.3, 0.6)
    gmsk_bt: tuple[float, float] = (0.25, 0.5)
    fsk_modulation_index: tuple[float, float] = (0.3, 1.0)
    am_modulation_depth: tuple[float, float] = (0.3, 1.2)
    suppressed_carrier_probability: float = 0.5
    audio_bandwidth: tuple[float, float] = (0.01, 0.05)
    fm_deviation: tuple[float, float] = (0.01, 0.05)
    wbfm_deviation: tuple[float, float] = (0.08, 0.2)
    gfsk_modulation_index: tuple[float, float] | None = None
    gfsk_bt: tuple[float, float] | None = None
    noise_message_probability: float = 0.0
    log_uniform: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        sps = check_range("samples_per_symbol", self.samples_per_symbol, 1.0, 1e4)
        object.__setattr__(self, "samples_per_symbol", sps)
        weights = np.asarray(self.pulse_shape_weights, dtype=float)
        if weights.shape != (3,) or not np.all(np.isfinite(weights)) or np.any(weights < 0) or weights.sum() <= 0:
            raise SpectrumDataError(
                f"pulse_shape_weights must be three non-negative weights for {PULSE_SHAPES}, got {self.pulse_shape_weights!r}"
            )
        object.__setattr__(self, "pulse_shape_weights", tuple(float(w) for w in weights / weights.sum()))
        for argument, low, high in (
            ("rolloff", 0.0, 1.0),
            ("gaussian_bt", 0.2, 2.0),
            ("gmsk_bt", 0.2, 2.0),
            ("fsk_modulation_index", 0.0, 4.0),
            ("am_modulation_depth", 0.0, 10.0),
            ("audio_bandwidth", 1e-4, 0.25),
            ("fm_deviation", 0.0, 0.5),
            ("wbfm_deviation", 0.0, 0.5),
        ):
            object.__setattr__(self, argument, check_range(argument, getattr(self, argument), low, high))
        for argument, low, high in (("gfsk_modulation_index", 0.0, 4.0), ("gfsk_bt", 0.2, 2.0)):
            if getattr(self, argument) is not None:
                object.__setattr__(self, argument, check_range(argument, getattr(self, argument), low, high))
        for argument in ("suppressed_carrier_probability", "noise_message_probability"):
            if not 0.0 <= float(getattr(self, argument)) <= 1.0:
                raise SpectrumDataError(f"{argument} must be in [0, 1], got {getattr(self, argument)!r}")
        if isinstance(self.log_uniform, str):
            raise SpectrumDataError(f"log_uniform must be a sequence of range names, got {self.log_uniform!r}")
        for name in self.log_uniform:
            value = getattr(self, name, None) if name in LOG_UNIFORM_RANGES else None
            if value is None or value[0] <= 0.0:
                raise SpectrumDataError(
                    f"log_uniform must name ranges of {LOG_UNIFORM_RANGES} that are set and have a positive "
                    f"minimum, got {name!r} = {value!r}"
                )
        object.__setattr__(self, "log_uniform", tuple(self.log_uniform))

    def draw(self, name: str, uniforms: np.ndarray, value_range: tuple[float, float] | None = None) -> np.ndarray:
        """Map numbers in [0, 1) onto range ``name`` (or ``value_range`` standing in for it), by its law.

        Uniformly, or log-uniformly when ``name`` is in :attr:`log_uniform`.
        """
        value_range = getattr(self, name) if value_range is None else value_range
        if name in self.log_uniform and value_range[0] > 0.0:
            low, high = np.log(value_range[0]), np.log(value_range[1])
            return np.exp(low + (high - low) * uniforms)
        return scale_uniform(uniforms, value_range)


# ----------------------------------------------------------------------------- pulses


def _gaussian_nrz_occupied_bandwidth_table() -> tuple[np.ndarray, np.ndarray]:
    """99 %-power bandwidth (in symbol rates) of the Gaussian NRZ pulse over a grid of BT."""
    oversampling, half_span = 64, 8
    time = np.arange(-half_span * oversampling, half_span * oversampling) / oversampling
    bts = np.linspace(0.2, 2.0, 91)
    pulses = gaussian_nrz_pulse(time[None, :], bts[:, None])
    power = np.abs(np.fft.rfft(pulses, n=8 * time.size, axis=-1)) ** 2
    cumulative = np.cumsum(power, axis=-1) / power.sum(axis=-1, keepdims=True)
    frequencies = np.fft.rfftfreq(8 * time.size, d=1.0 / oversampling)
    # Power is symmetric in frequency: 99 % two-sided is 99 % of the one-sided half.
    edge = np.argmax(cumulative >= 0.99, axis=-1)
    return bts, 2.0 * frequencies[edge]


_GAUSSIAN_BT_GRID, _GAUSSIAN_OCCUPIED_BANDWIDTH = _gaussian_nrz_occupied_bandwidth_table()

# Pulses are tabulated once: evaluating the closed forms at every (sample, symbol) pair
# costs ten times more. Roll-off and BT are therefore quantised to these grids (the recorded
# values are the quantised ones). Symbol pulses are read at the nearest of 256 clock phases
# per symbol (error below -47 dB of the peak, under the truncation and ADC floors); phase
# pulses are interpolated between 64 phases so FSK phase stays continuous to 1e-6 rad.
ROLLOFF_GRID = np.round(np.linspace(0.0, 1.0, 101), 2)
BT_GRID = np.round(np.linspace(0.2, 2.0, 181), 2)


class _PulseTable(NamedTuple):
    values: np.ndarray  # (rows * points_per_symbol, span + 1)
    steps: np.ndarray | None  # to the next clock phase, when interpolated
    points_per_symbol: int


def _polyphase_table(
    span: int, pulses: list, points_per_symbol: int, interpolate: bool, settle: bool = False
) -> _PulseTable:
    """Pulses tabulated by (row, clock phase) for the ``span + 1`` symbols reaching a sample.

    Entry ``[row * R + w, m]`` is pulse ``row`` at ``(w + c) / R + span / 2 - m`` symbols
    (``R`` phases per symbol; ``c`` is 0 when interpolating between phases, 1/2 when the
    nearest phase is read), so one contiguous gather gives all the taps of a sample.

    Args:
        span: pulse support in symbols (zero outside ``[-span/2, span/2]``).
        pulses: functions of time in symbols, one per row.
        points_per_symbol: clock phases per symbol.
        interpolate: also tabulate the step to the next phase, for linear interpolation.
        settle: the rows are phase pulses, 0 before the support and 1/2 after it.
    """
    centre = 0.0 if interpolate else 0.5
    phase = (np.arange(points_per_symbol + 1) + centre) / points_per_symbol
    time = phase[:, None] + span / 2.0 - np.arange(span + 1)[None, :]
    half = span / 2.0
    table = np.stack([make(time) for make in pulses])
    if settle:
        table = np.where(time > half, 0.5, np.where(time < -half, 0.0, table))
    else:
        table = np.where(np.abs(time) <= half, table, 0.0)
    values = np.ascontiguousarray(table[:, :-1, :]).reshape(-1, span + 1)
    steps = (table[:, 1:, :] - table[:, :-1, :]).reshape(-1, span + 1) if interpolate else None
    return _PulseTable(values, steps, points_per_symbol)


_LINEAR_PULSES = _polyphase_table(
    LINEAR_PULSE_SPAN_SYMBOLS,
    [lambda t, a=a: rrc_pulse(t, a) for a in ROLLOFF_GRID]
    + [lambda t: ((t >= -0.5) & (t < 0.5)).astype(np.float64)]
    + [lambda t, bt=bt: gaussian_nrz_pulse(t, bt) for bt in BT_GRID],
    points_per_symbol=256,
    interpolate=False,
)
_RECTANGULAR_ROW = ROLLOFF_GRID.size
_GAUSSIAN_FIRST_ROW = ROLLOFF_GRID.size + 1
_PHASE_PULSES = _polyphase_table(
    FSK_PULSE_SPAN_SYMBOLS,
    [lambda t: 0.5 * np.clip(t + 0.5, 0.0, 1.0)] + [lambda t, bt=bt: gaussian_phase_pulse(t, bt) for bt in BT_GRID],
    points_per_symbol=64,
    interpolate=True,
    settle=True,
)


def _grid_index(values: np.ndarray, grid: np.ndarray) -> np.ndarray:
    step = grid[1] - grid[0]
    return np.clip(np.rint((values - grid[0]) / step), 0, grid.size - 1).astype(np.int64)


def _symbol_taps(
    table: _PulseTable, rows: np.ndarray, symbols: np.ndarray,
    num_samples: int, samples_per_symbol: np.ndarray, start: np.ndarray, span: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The symbols reaching each output sample and their pulse values.

    Symbol ``j`` is centred ``j - span / 2`` symbol periods after the first sample (plus a
    clock phase ``start`` in symbols), so sample ``n``, at ``t_n = n / samples_per_symbol +
    start`` symbols, is reached by symbols ``j0 .. j0 + span`` with ``j0 = floor(t_n)``.

    Returns:
        ``first`` (batch, num_samples) index ``j0``; ``gathered`` (batch, num_samples,
        span + 1) symbols ``j0 .. j0 + span``; ``taps`` their pulse values at ``t_n``.
    """
    time = np.arange(num_samples)[None, :] / samples_per_symbol[:, None] + start[:, None]
    first = np.floor(time)
    position = (time - first) * table.points_per_symbol
    phase = position.astype(np.intp)
    first = first.astype(np.intp)
    index = rows[:, None] * table.points_per_symbol + phase
    taps = np.take(table.values, index, axis=0)
    if table.steps is not None:
        taps += (position - phase)[..., None] * np.take(table.steps, index, axis=0)
    windows = np.lib.stride_tricks.sliding_window_view(symbols, span + 1, axis=1)
    gathered = windows[np.arange(symbols.shape[0])[:, None], first]
    return first, gathered, taps


# ----------------------------------------------------------------------------- transmitters


def _nan_column(batch: int) -> np.ndarray:
    return np.full(batch, np.nan)


class Modulator(ABC):
    """Base of all transmitters: a batch renderer driven by per-example uniform numbers.

    Subclasses set ``name`` and implement :meth:`num_uniforms` and :meth:`_render`.
    """

    name: str

    @abstractmethod
    def num_uniforms(self, num_samples: int) -> int:
        """Uniform numbers in [0, 1) one example of ``num_samples`` samples consumes."""

    @abstractmethod
    def _render(self, uniforms: np.ndarray, num_samples: int) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Unit-power waveforms ``(batch, num_samples)`` and their parameter columns."""

    def render(self, uniforms: np.ndarray, num_samples: int) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Waveforms of a batch.

        Args:
            uniforms: ``(batch, num_uniforms(num_samples))`` numbers in [0, 1), one row per example.
            num_samples: samples per waveform.

        Returns:
            complex128 ``(batch, num_samples)`` with unit mean power per row, and generation
            parameter columns (each ``(batch,)``) keyed as in ``GENERATION_PARAMETERS``.
        """
        num_samples, uniforms = self._checked(uniforms, num_samples)
        return self._finished(*self._render(uniforms, num_samples))

    def _checked(self, uniforms: np.ndarray, num_samples: int) -> tuple[int, np.ndarray]:
        num_samples = check_num_samples(num_samples)
        uniforms = np.asarray(uniforms, dtype=np.float64)
        expected = self.num_uniforms(num_samples)
        if uniforms.ndim != 2 or uniforms.shape[1] != expected:
            raise SpectrumDataError(f"uniforms must have shape (batch, {expected}), got {uniforms.shape}")
        return num_samples, uniforms

    @staticmethod
    def _finished(iq: np.ndarray, columns: dict[str, np.ndarray]) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        columns["bandwidth"] = np.minimum(columns["bandwidth"], 1.0)
        return unit_power(iq), columns

    def __call__(self, num_samples: int, rng: np.random.Generator) -> Transmission:
        """One transmission of ``num_samples`` samples drawn from ``rng``."""
        num_samples = check_num_samples(num_samples)
        uniforms = rng.random(self.num_uniforms(num_samples))
        iq, columns = self.render(uniforms[None, :], num_samples)
        params: dict[str, Any] = {"transmitter": self.name}
        params.update({key: python_scalar(column[0]) for key, column in columns.items()})
        return Transmission(iq=iq[0].astype(np.complex64), params=params)


def _symbols_needed(num_samples: int, min_samples_per_symbol: float, span: int) -> int:
    return int(math.ceil(num_samples / min_samples_per_symbol)) + span + 3


class LinearModulator(Modulator):
    """Linear modulation (ASK/PAM, PSK, QAM, APSK, OOK, OQPSK) with a random pulse shape.

    Each transmission draws samples per symbol, a pulse shape (root-raised cosine with a
    random roll-off, rectangular, or Gaussian-filtered rectangular with a random BT) and
    the start phase of the symbol clock, then i.i.d. equiprobable symbols.

    Recorded ``bandwidth`` (two-sided, normalised): ``(1 + rolloff) / sps`` for RRC (its exact
    support), ``2 / sps`` for rectangular pulses (main lobe, null to null) and the 99 %-power
    bandwidth for Gaussian pulses.

    Args:
        name: class name, recorded in the ``modulation`` column.
        points: constellation points (normalised to unit average power here).
        ranges: the parameter ranges.
        offset_quadrature: delay the quadrature rail by half a symbol (OQPSK).
    """

    def __init__(self, name: str, points: np.ndarray, ranges: TransmitterRanges, offset_quadrature: bool = False):
        self.name = name
        self.points = unit_power(np.asarray(points, dtype=np.complex128))
        self.ranges = ranges
        self.offset_quadrature = bool(offset_quadrature)

    def num_uniforms(self, num_samples: int) -> int:
        # sps, pulse choice, pulse parameter, clock phase, then the symbols.
        return 4 + _symbols_needed(num_samples, self.ranges.samples_per_symbol[0], LINEAR_PULSE_SPAN_SYMBOLS)

    def _render(self, uniforms: np.ndarray, num_samples: int):
        rows = np.zeros(uniforms.shape[0], dtype=np.intp)
        return self._render_constellations(uniforms, num_samples, self.points[None, :], np.array([self.points.size]), rows)

    def _render_constellations(
        self, uniforms: np.ndarray, num_samples: int, tables: np.ndarray, orders: np.ndarray, member_of_row: np.ndarray
    ):
        """Render row ``b`` with constellation ``tables[member_of_row[b], :orders[member_of_row[b]]]``."""
        ranges = self.ranges
        sps = ranges.draw("samples_per_symbol", uniforms[:, 0])
        shape = np.searchsorted(np.cumsum(ranges.pulse_shape_weights)[:-1], uniforms[:, 1], side="right")
        rolloff_index = _grid_index(scale_uniform(uniforms[:, 2], ranges.rolloff), ROLLOFF_GRID)
        bt_index = _grid_index(scale_uniform(uniforms[:, 2], ranges.gaussian_bt), BT_GRID)
        rows = np.select([shape == 0, shape == 1], [rolloff_index, _RECTANGULAR_ROW], _GAUSSIAN_FIRST_ROW + bt_index)
        rolloff, bt = ROLLOFF_GRID[rolloff_index], BT_GRID[bt_index]
        start = uniforms[:, 3]
        order = orders[member_of_row][:, None]
        symbol_index = np.minimum((uniforms[:, 4:] * order).astype(np.intp), order - 1)
        symbols = tables[member_of_row[:, None], symbol_index]
        span = LINEAR_PULSE_SPAN_SYMBOLS

        def rail(values: np.ndarray, delay_symbols: float) -> np.ndarray:
            # The extra symbol keeps the delayed rail's first index non-negative.
            _, gathered, taps = _symbol_taps(
                _LINEAR_PULSES, rows, values, num_samples, sps, start - delay_symbols + 1.0, span
            )
            return np.einsum("bnm,bnm->bn", gathered, taps)

        if self.offset_quadrature:
            iq = rail(symbols.real, 0.0) + 1j * rail(symbols.imag, 0.5)
        else:
            iq = rail(symbols, 0.0)

        bandwidth = np.select(
            [shape == 0, shape == 1],
            [(1.0 + rolloff) / sps, 2.0 / sps],
            np.interp(bt, _GAUSSIAN_BT_GRID, _GAUSSIAN_OCCUPIED_BANDWIDTH) / sps,
        )
        columns = {
            "samples_per_symbol": sps,
            "pulse_shape": np.asarray(PULSE_SHAPES)[shape],
            "rolloff": np.where(shape == 0, rolloff, np.nan),
            "bt_product": np.where(shape == 2, bt, np.nan),
            "bandwidth": bandwidth,
        }
        return iq, columns


class FrequencyShiftKeying(Modulator):
    """Continuous-phase FSK: CPFSK (rectangular frequency pulse), GFSK and GMSK (Gaussian).

    The phase is ``2 pi h sum_k a_k q(t - k T)`` with ``a_k`` in ``{±1, ±3, ...}`` and ``q``
    the phase pulse (rising from 0 to 1/2), evaluated in closed form at every sample, so
    the phase is continuous at any samples per symbol and the envelope is exactly constant.

    Recorded ``bandwidth`` (two-sided, normalised): Carson's rule, twice the peak deviation
    ``h (order - 1) / (2 sps)`` plus twice the data bandwidth, taken as half the symbol rate
    for rectangular pulses and ``0.6 BT`` times the symbol rate for Gaussian ones; this is
    within about 25 % of the 99 %-power bandwidth for h in [0.3, 1] (MSK: 1.5 against 1.18
    symbol rates; GMSK BT 0.3: 0.86 against 0.91).

    Args:
        name: class name.
        ranges: parameter ranges (sps, modulation index, BT).
        order: alphabet size (2 for the RML classes).
        gaussian: Gaussian-filtered frequency pulse (GFSK/GMSK) instead of rectangular.
        modulation_index: a fixed modulation index (0.5 for GMSK); ``None`` draws it from
            ``ranges.fsk_modulation_index``.
        bt_range: BT range for Gaussian pulses; ``None`` uses ``ranges.gaussian_bt``.
    """

    def __init__(
        self,
        name: str,
        ranges: TransmitterRanges,
        order: int = 2,
        gaussian: bool = False,
        modulation_index: float | None = None,
        bt_range: tuple[float, float] | None = None,
    ):
        order = check_positive_integer("order", order, minimum=2)
        self.name = name
        self.ranges = ranges
        self.order = int(order)
        self.gaussian = bool(gaussian)
        # GFSK draws from its own ranges when they are set; CPFSK from the FSK ones.
        index_name = "gfsk_modulation_index" if gaussian and ranges.gfsk_modulation_index is not None else "fsk_modulation_index"
        self.index_name = index_name
        self.index_range = (
            getattr(ranges, index_name) if modulation_index is None
            else check_range("modulation_index", (modulation_index, modulation_index), 0.0, 4.0)
        )
        default_bt = ranges.gfsk_bt if gaussian and ranges.gfsk_bt is not None else ranges.gaussian_bt
        self.bt_range = default_bt if bt_range is None else check_range("bt_range", bt_range, 0.2, 2.0)

    def num_uniforms(self, num_samples: int) -> int:
        # sps, modulation index, BT, clock phase, then the symbols.
        return 4 + _symbols_needed(num_samples, self.ranges.samples_per_symbol[0], FSK_PULSE_SPAN_SYMBOLS)

    def _render(self, uniforms: np.ndarray, num_samples: int):
        span = FSK_PULSE_SPAN_SYMBOLS
        sps = self.ranges.draw("samples_per_symbol", uniforms[:, 0])
        index = self.ranges.draw(self.index_name, uniforms[:, 1], self.index_range)
        bt_index = _grid_index(scale_uniform(uniforms[:, 2], self.bt_range), BT_GRID)
        bt = BT_GRID[bt_index]
        rows = 1 + bt_index if self.gaussian else np.zeros(sps.size, dtype=np.int64)
        symbols = 2.0 * np.minimum((uniforms[:, 4:] * self.order).astype(np.int64), self.order - 1) - (self.order - 1)
        first, gathered, phase_pulse = _symbol_taps(
            _PHASE_PULSES, rows, symbols, num_samples, sps, uniforms[:, 3], span
        )
        # Symbols before the window have contributed their full 1/2 of phase pulse.
        settled = np.concatenate([np.zeros((symbols.shape[0], 1)), np.cumsum(symbols, axis=-1)], axis=-1)
        phase_turns = 0.5 * np.take_along_axis(settled, first, axis=-1) + np.einsum("bnm,bnm->bn", gathered, phase_pulse)
        iq = np.exp(2j * np.pi * index[:, None] * phase_turns)
        columns = {
            "samples_per_symbol": sps,
            "pulse_shape": np.full(sps.size, "gaussian" if self.gaussian else "rectangular"),
            "bt_product": bt if self.gaussian else _nan_column(sps.size),
            "modulation_index": index,
            "bandwidth": (index * (self.order - 1) + (1.2 * bt if self.gaussian else 1.0)) / sps,
        }
        return iq, columns


class AnalogModulator(Modulator):
    """AM (double or single sideband, with or without carrier) and FM of a random audio message.

    The message is speech- or music-like and band-limited to a random audio bandwidth ``W``:
    the harmonics of a random pitch (amplitudes falling as 1/harmonic, those above ``W``
    removed) plus inharmonic partials spread up to ``W``, with random amplitudes and phases,
    scaled to a peak of 1. Its analytic signal is exact (each partial's quadrature is known),
    which gives single-sideband without a Hilbert filter.

    * AM-DSB: ``1 + depth * m`` with carrier (over-modulated when depth > 1), ``m`` without.
    * AM-SSB: ``1 + depth * (m ± j H{m})`` with carrier, ``m ± j H{m}`` without; the upper or
      lower sideband is drawn.
    * FM: ``exp(j 2 pi deviation sum(m))``.

    Recorded ``bandwidth`` (two-sided, normalised): ``2 W`` for DSB, ``W`` for SSB, Carson's
    rule ``2 (deviation + W)`` for FM. ``modulation_index``: AM depth (NaN without carrier),
    FM deviation ratio ``deviation / W``.

    Args:
        name: class name.
        ranges: parameter ranges.
        kind: ``"dsb"``, ``"ssb"`` or ``"fm"``.
        carrier: ``"with"``, ``"suppressed"`` or ``"either"`` (drawn) for AM; ignored for FM.
        deviation_range: FM peak deviation range, cycles per sample.
    """

    def __init__(
        self,
        name: str,
        ranges: TransmitterRanges,
        kind: str,
        carrier: str = "either",
        deviation_range: tuple[float, float] | None = None,
    ):
        if kind not in ("dsb", "ssb", "fm"):
            raise SpectrumDataError(f"kind must be 'dsb', 'ssb' or 'fm', got {kind!r}")
        if carrier not in ("with", "suppressed", "either"):
            raise SpectrumDataError(f"carrier must be 'with', 'suppressed' or 'either', got {carrier!r}")
        self.name = name
        self.ranges = ranges
        self.kind = kind
        self.carrier = carrier
        self.deviation_range = ranges.fm_deviation if deviation_range is None else deviation_range
        # The range whose law (uniform or log-uniform) the deviation follows.
        self.deviation_name = "wbfm_deviation" if self.deviation_range == ranges.wbfm_deviation else "fm_deviation"

    # Uniforms of the message: audio bandwidth, pitch, harmonic amplitudes and phases, partial
    # frequencies, amplitudes and phases. Depth/deviation, carrier choice and sideband follow.
    MESSAGE_UNIFORMS = 2 + 2 * NUM_HARMONICS + 3 * NUM_PARTIALS

    def num_uniforms(self, num_samples: int) -> int:
        # The message kind is drawn only when noise-like messages can occur, so ranges
        # without them give the same examples as before that choice existed.
        return self.MESSAGE_UNIFORMS + 3 + (1 if self.ranges.noise_message_probability > 0 else 0)

    def message(self, uniforms: np.ndarray, num_samples: int) -> tuple[np.ndarray, np.ndarray]:
        """Analytic audio message of a batch, scaled so its real part peaks at 1; and ``W``.

        Tonal messages are a pitch's harmonics plus weaker partials; noise-like ones (drawn with
        ``ranges.noise_message_probability``) are partials alone with Rayleigh amplitudes, the
        amplitude law of band-limited white noise's spectral lines.
        """
        audio_bandwidth = self.ranges.draw("audio_bandwidth", uniforms[:, 0])
        pitch = audio_bandwidth * (0.08 + 0.22 * uniforms[:, 1])
        harmonic_number = np.arange(1, NUM_HARMONICS + 1)
        cursor = 2
        harmonic_amplitude = uniforms[:, cursor : cursor + NUM_HARMONICS] / harmonic_number
        cursor += NUM_HARMONICS
        harmonic_phase = 2 * np.pi * uniforms[:, cursor : cursor + NUM_HARMONICS]
        cursor += NUM_HARMONICS
        harmonic_frequency = pitch[:, None] * harmonic_number
        harmonic_amplitude = np.where(harmonic_frequency <= audio_bandwidth[:, None], harmonic_amplitude, 0.0)
        partial_frequency = audio_bandwidth[:, None] * (0.05 + 0.95 * uniforms[:, cursor : cursor + NUM_PARTIALS])
        cursor += NUM_PARTIALS
        partial_amplitude = 0.5 * uniforms[:, cursor : cursor + NUM_PARTIALS]
        if self.ranges.noise_message_probability > 0:
            noise_like = uniforms[:, self.MESSAGE_UNIFORMS + 3] < self.ranges.noise_message_probability
            rayleigh = np.sqrt(-2.0 * np.log1p(-uniforms[:, cursor : cursor + NUM_PARTIALS]))
            partial_amplitude = np.where(noise_like[:, None], rayleigh, partial_amplitude)
            harmonic_amplitude = np.where(noise_like[:, None], 0.0, harmonic_amplitude)
        cursor += NUM_PARTIALS
        partial_phase = 2 * np.pi * uniforms[:, cursor : cursor + NUM_PARTIALS]
        frequency = np.concatenate([harmonic_frequency, partial_frequency], axis=-1)
        amplitude = np.concatenate([harmonic_amplitude, partial_amplitude], axis=-1)
        phase = np.concatenate([harmonic_phase, partial_phase], axis=-1)
        # Successive powers of each partial's one-sample rotation: one complex product per
        # sample instead of a complex exponential.
        rotation = np.repeat(np.exp(2j * np.pi * frequency)[:, :, None], num_samples, axis=2)
        rotation[:, :, 0] = amplitude * np.exp(1j * phase)
        analytic = np.sum(np.cumprod(rotation, axis=2), axis=1)
        peak = np.max(np.abs(analytic.real), axis=-1, keepdims=True)
        return analytic / np.where(peak > 0, peak, 1.0), audio_bandwidth

    def _render(self, uniforms: np.ndarray, num_samples: int):
        batch = uniforms.shape[0]
        analytic, audio_bandwidth = self.message(uniforms, num_samples)
        first = self.MESSAGE_UNIFORMS
        depth_u, carrier_u, side_u = uniforms[:, first], uniforms[:, first + 1], uniforms[:, first + 2]
        if self.kind == "fm":
            deviation = self.ranges.draw(self.deviation_name, depth_u, self.deviation_range)
            # The phase is the running sum of the instantaneous frequency.
            iq = np.exp(2j * np.pi * deviation[:, None] * np.cumsum(analytic.real, axis=-1))
            columns = {
                "modulation_index": deviation / audio_bandwidth,
                "bandwidth": 2.0 * (deviation + audio_bandwidth),
            }
            return iq, columns
        if self.carrier == "either":
            with_carrier = carrier_u >= self.ranges.suppressed_carrier_probability
        else:
            with_carrier = np.full(batch, self.carrier == "with")
        depth = self.ranges.draw("am_modulation_depth", depth_u)
        if self.kind == "dsb":
            message = analytic.real.astype(np.complex128)
            bandwidth = 2.0 * audio_bandwidth
        else:
            upper = side_u < 0.5
            message = np.where(upper[:, None], analytic, np.conj(analytic))
            bandwidth = audio_bandwidth.copy()
        iq = np.where(with_carrier[:, None], 1.0 + depth[:, None] * message, message)
        columns = {
            "modulation_index": np.where(with_carrier, depth, np.nan),
            "bandwidth": bandwidth,
        }
        return iq, columns


def _compatible(first: Modulator, second: Modulator) -> bool:
    if first is second:
        return True
    return (
        type(first) is LinearModulator
        and type(second) is LinearModulator
        and first.ranges == second.ranges
        and first.offset_quadrature == second.offset_quadrature
    )


def compatible_groups(transmitters: Sequence[Modulator]) -> list[list[int]]:
    """Positions of ``transmitters`` grouped so that each group renders in one pass.

    Linear modulations that differ only in their constellation form one group; every other
    transmitter is a group of its own.
    """
    groups: list[list[int]] = []
    for position, transmitter in enumerate(transmitters):
        for group in groups:
            if _compatible(transmitters[group[0]], transmitter):
                group.append(position)
                break
        else:
            groups.append([position])
    return groups


def render_together(
    transmitters: Sequence[Modulator], member_of_row: np.ndarray, uniforms: np.ndarray, num_samples: int
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Render a batch whose row ``b`` is a transmission of ``transmitters[member_of_row[b]]``.

    Gives the same rows as rendering each transmitter's rows on its own, in one pass: per
    call overhead would otherwise dominate when many classes share a batch.

    Args:
        transmitters: one group from :func:`compatible_groups`.
        member_of_row: ``(batch,)`` position in ``transmitters`` of each row.
        uniforms: ``(batch, num_uniforms)`` numbers in [0, 1), the same count for every member.
        num_samples: samples per waveform.
    """
    first = transmitters[0]
    if not all(_compatible(first, other) for other in transmitters):
        raise SpectrumDataError("transmitters must form one group of compatible_groups()")
    num_samples, uniforms = first._checked(uniforms, num_samples)
    member_of_row = np.asarray(member_of_row, dtype=np.intp)
    in_range = member_of_row.size == 0 or 0 <= member_of_row.min() <= member_of_row.max() < len(transmitters)
    if member_of_row.shape != (uniforms.shape[0],) or not in_range:
        raise SpectrumDataError(f"member_of_row must hold one transmitter position per row, got shape {member_of_row.shape}")
    if len(transmitters) == 1:
        return first._finished(*first._render(uniforms, num_samples))
    orders = np.array([member.points.size for member in transmitters])
    tables = np.zeros((len(transmitters), orders.max()), dtype=np.complex128)
    for position, member in enumerate(transmitters):
        tables[position, : member.points.size] = member.points
    return first._finished(*first._render_constellations(uniforms, num_samples, tables, orders, member_of_row))


def _rml_transmitters(ranges: TransmitterRanges) -> dict[str, Modulator]:
    linear = {
        name: LinearModulator(name, constellation(name), ranges)
        for name in (
            "OOK", "4ASK", "8ASK", "PAM4", "BPSK", "QPSK", "8PSK", "16PSK", "32PSK",
            "16APSK", "32APSK", "64APSK", "128APSK",
            "16QAM", "32QAM", "64QAM", "128QAM", "256QAM", "QAM16", "QAM64",
        )
    }
    linear["OQPSK"] = LinearModulator("OQPSK", constellation("QPSK"), ranges, offset_quadrature=True)
    others: dict[str, Modulator] = {
        "CPFSK": FrequencyShiftKeying("CPFSK", ranges),
        "GFSK": FrequencyShiftKeying("GFSK", ranges, gaussian=True),
        "GMSK": FrequencyShiftKeying("GMSK", ranges, gaussian=True, modulation_index=0.5, bt_range=ranges.gmsk_bt),
        "AM-DSB": AnalogModulator("AM-DSB", ranges, "dsb", "either"),
        "AM-SSB": AnalogModulator("AM-SSB", ranges, "ssb", "either"),
        "AM-DSB-WC": AnalogModulator("AM-DSB-WC", ranges, "dsb", "with"),
        "AM-DSB-SC": AnalogModulator("AM-DSB-SC", ranges, "dsb", "suppressed"),
        "AM-SSB-WC": AnalogModulator("AM-SSB-WC", ranges, "ssb", "with"),
        "AM-SSB-SC": AnalogModulator("AM-SSB-SC", ranges, "ssb", "suppressed"),
        "FM": AnalogModulator("FM", ranges, "fm"),
        "WBFM": AnalogModulator("WBFM", ranges, "fm", deviation_range=ranges.wbfm_deviation),
    }
    return {**linear, **others}


TRANSMITTER_NAMES: tuple[str, ...] = tuple(sorted(set(RML2016_10A_CLASSES) | set(RML2018_01A_CLASSES)))
"""Every class name :func:`make_transmitter` accepts (the union of both RML class sets)."""


def make_transmitter(name: str, ranges: TransmitterRanges | None = None) -> Modulator:
    """The transmitter of an RML2016.10a or RML2018.01A class name.

    Args:
        name: class name, e.g. ``"QAM16"``, ``"16APSK"``, ``"GMSK"``, ``"AM-SSB-WC"``.
        ranges: parameter ranges; defaults to :class:`TransmitterRanges()`.
    """
    ranges = TransmitterRanges() if ranges is None else ranges
    if not isinstance(ranges, TransmitterRanges):
        raise SpectrumDataError(f"ranges must be a TransmitterRanges, got {type(ranges).__name__}")
    if name not in TRANSMITTER_NAMES:
        raise SpectrumDataError(f"name must be one of {list(TRANSMITTER_NAMES)}, got {name!r}")
    return _rml_transmitters(ranges)[name]
