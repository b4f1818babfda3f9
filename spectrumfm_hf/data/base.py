"""Shared contract of the data package: seeding, the example record and its schema.

Every generated or loaded example, whatever its source, becomes one record with the same
columns, so that data sets from the generator and from real files can be concatenated,
compared and fed to the same feature extractor.

Conventions used throughout ``spectrumfm_hf.data``:

* IQ samples are complex baseband, ``complex64`` in memory and ``float32 (num_samples, 2)``
  (I then Q) on disk.
* Frequencies are *normalised* to the sample rate (cycles per sample, in [-0.5, 0.5)) unless
  a name ends in ``_hz``; times are in samples unless a name ends in ``_s``.
* Powers are mean ``|x|**2`` per sample; transmitters return unit-power signals, so the
  channel alone decides the received power and the SNR.
* Randomness comes from a ``numpy.random.Generator`` passed in, never from global state.
  The generator of example ``index`` in a data set of seed ``seed`` is
  :func:`example_rng`, so an example is the same whichever worker makes it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Iterator, Protocol, Sequence

import numpy as np


class SpectrumDataError(ValueError):
    """Raised for invalid data, files or generation parameters (names what was expected)."""


def check_positive_integer(name: str, value: Any, minimum: int = 1) -> int:
    """``value`` as an ``int`` of at least ``minimum``, or a :class:`SpectrumDataError` naming argument ``name``.

    Integral floats (``128.0``) are accepted since sizes often come out of arithmetic; booleans
    and fractional values are not.
    """
    try:
        valid = not isinstance(value, bool) and int(value) == value and int(value) >= minimum
    except (TypeError, ValueError, OverflowError):
        valid = False
    if not valid:
        expected = "a positive integer" if minimum == 1 else f"an integer >= {minimum}"
        raise SpectrumDataError(f"{name} must be {expected}, got {value!r}")
    return int(value)


def check_num_samples(num_samples: int) -> int:
    """``num_samples`` (samples per example) as an int, or a :class:`SpectrumDataError` naming it."""
    return check_positive_integer("num_samples", num_samples)


def check_range(argument: str, value: tuple[float, float], low: float, high: float) -> tuple[float, float]:
    """Validate a ``(min, max)`` range lying within ``[low, high]``; return it as floats.

    Raises:
        SpectrumDataError: naming ``argument`` when ``value`` is not such a range.
    """
    try:
        lo, hi = (float(v) for v in value)
    except (TypeError, ValueError):
        raise SpectrumDataError(f"{argument} must be a (min, max) pair of numbers, got {value!r}") from None
    if not (math.isfinite(lo) and math.isfinite(hi)) or lo > hi or lo < low or hi > high:
        raise SpectrumDataError(f"{argument} must be a (min, max) range with {low} <= min <= max <= {high}, got {value!r}")
    return lo, hi


def check_snr_grid(snr_db_grid: Sequence[float]) -> tuple[float, ...]:
    """``snr_db_grid`` (SNRs in dB) as a tuple of floats, or a :class:`SpectrumDataError` naming it."""
    try:
        grid = tuple(float(snr) for snr in snr_db_grid)
    except (TypeError, ValueError):
        raise SpectrumDataError(f"snr_db_grid must be a sequence of numbers in dB, got {snr_db_grid!r}") from None
    if not grid or not np.all(np.isfinite(grid)):
        raise SpectrumDataError(f"snr_db_grid must be a non-empty sequence of finite dB values, got {snr_db_grid!r}")
    return grid


def check_generate_arguments(seed: int, indices, allow_empty: bool = False) -> np.ndarray:
    """``indices`` as an int64 array, or a :class:`SpectrumDataError` naming the bad argument.

    Args:
        seed: the data set's seed (a non-negative integer).
        indices: example indices (a 1-D sequence of non-negative integers).
        allow_empty: accept an empty ``indices`` (the generator then returns an empty batch).
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or int(seed) < 0:
        raise SpectrumDataError(f"seed must be a non-negative integer, got {seed!r}")
    indices = np.asarray(list(indices) if not isinstance(indices, np.ndarray) else indices)
    # An empty list becomes a float array, so emptiness is decided before the dtype is checked.
    if indices.ndim == 1 and indices.size == 0:
        valid = allow_empty
    else:
        valid = indices.ndim == 1 and indices.dtype.kind in "iu" and indices.min() >= 0
    if not valid:
        expected = "a 1-D sequence" if allow_empty else "a non-empty 1-D sequence"
        raise SpectrumDataError(f"indices must be {expected} of non-negative integers, got {indices!r}")
    return indices.astype(np.int64)


def example_seed_sequence(seed: int, index: int) -> np.random.SeedSequence:
    """Seed sequence of example ``index`` of a data set seeded with ``seed``.

    Args:
        seed: the data set's seed (a non-negative integer).
        index: the example's position in the data set (a non-negative integer).
    """
    if int(seed) < 0 or int(index) < 0:
        raise SpectrumDataError(f"seed and index must be non-negative integers, got seed={seed}, index={index}")
    return np.random.SeedSequence(entropy=int(seed), spawn_key=(int(index),))


def example_rng(seed: int, index: int) -> np.random.Generator:
    """Random generator of example ``index`` in a data set seeded with ``seed``.

    Independent of how the data set is split across processes: the same (seed, index)
    always gives the same stream.
    """
    return np.random.default_rng(example_seed_sequence(seed, index))


def scale_uniform(uniforms: np.ndarray, value_range: tuple[float, float]) -> np.ndarray:
    """Map numbers in [0, 1) linearly onto ``value_range`` (``(min, max)``).

    Transmitters and impairments draw a fixed count of uniforms per example and scale them
    here, so a whole batch is drawn with array operations from per-example generators.
    """
    lo, hi = value_range
    return lo + (hi - lo) * uniforms


@dataclass
class Transmission:
    """What a transmitter emits: unit-power complex baseband and the parameters it drew.

    Attributes:
        iq: complex64 array of shape ``(num_samples,)`` with mean power 1.
        params: generation parameters (keys from :data:`GENERATION_PARAMETERS`).
    """

    iq: np.ndarray
    params: dict[str, Any] = field(default_factory=dict)


class Transmitter(Protocol):
    """Makes one transmission of ``num_samples`` samples; knows nothing of the channel."""

    def __call__(self, num_samples: int, rng: np.random.Generator) -> Transmission: ...


class ChannelTransform(Protocol):
    """One impairment: takes and returns complex baseband, records what it drew in ``params``."""

    def __call__(self, iq: np.ndarray, rng: np.random.Generator, params: dict[str, Any]) -> np.ndarray: ...


# Columns every example record carries besides ``iq`` and ``label``. A generator fills the
# ones that apply to it; the rest take the default (NaN for numbers, "" for strings), so all
# sources share one schema. Units are in the names or in the comment.
GENERATION_PARAMETERS: dict[str, tuple[str, Any]] = {
    "snr_db": ("float32", float("nan")),  # signal-to-noise ratio, dB, in the convention of snr_convention
    "snr_convention": ("string", ""),  # "in-band" (noise in the signal's band) or "per-sample" (whole band); "" unknown
    "source": ("string", ""),  # e.g. "synthetic/amc-rml2016", "rml2016.10a", "sigmf"
    "seed": ("int64", -1),  # the data set's seed; -1 when not generated
    "index": ("int64", -1),  # the example's index in its source
    "transmitter": ("string", ""),  # the transmitter's class name: a modulation or a wireless technology
    "samples_per_symbol": ("float32", float("nan")),
    "pulse_shape": ("string", ""),  # "rrc", "rectangular", "gaussian", ""
    "rolloff": ("float32", float("nan")),  # RRC roll-off factor
    "bandwidth": ("float32", float("nan")),  # occupied bandwidth, normalised to the sample rate
    "cfo": ("float32", float("nan")),  # carrier-frequency offset, cycles per sample
    "phase_offset_rad": ("float32", float("nan")),
    "fading": ("string", ""),  # "none", "rayleigh", "rician"
    "k_factor_db": ("float32", float("nan")),  # Rician K-factor, dB
    "doppler": ("float32", float("nan")),  # maximum Doppler shift, cycles per sample
    "isr_db": ("float32", float("nan")),  # interference-to-signal ratio, dB
    "interference": ("string", ""),  # anomaly type for anomaly detection, "" for none
    "noise_uncertainty_db": ("float32", float("nan")),  # spectrum sensing noise-power error, dB
    "sample_offset": ("int64", -1),  # first sample of a window cut from a longer frame or recording; -1 otherwise
    "configuration": ("string", ""),  # transmitter settings outside the other columns, "key=value" pairs
    "task": ("string", ""),  # task family a pre-training example was drawn from, e.g. "wtc"; "" otherwise
    "modulation_index": ("float32", float("nan")),  # FSK h, FM deviation / audio bandwidth, AM depth
    "bt_product": ("float32", float("nan")),  # Gaussian pulse bandwidth-time product
    "cfo_drift": ("float32", float("nan")),  # carrier-frequency drift, cycles per sample per sample
    "delay_spread": ("float32", float("nan")),  # RMS delay spread of the multipath profile, samples
    "timing_offset": ("float32", float("nan")),  # fractional sampling delay, samples
    "sample_rate_offset_ppm": ("float32", float("nan")),  # receiver sample-clock offset, ppm
    "phase_noise_std_rad": ("float32", float("nan")),  # Wiener phase-noise increment std per sample, rad
    "iq_gain_imbalance_db": ("float32", float("nan")),  # Q/I amplitude ratio, dB
    "iq_phase_imbalance_deg": ("float32", float("nan")),  # quadrature phase error, degrees
    "dc_offset_db": ("float32", float("nan")),  # DC offset power relative to the capture power, dB
    "pa_input_backoff_db": ("float32", float("nan")),  # PA saturation level above the input RMS, dB
    "adc_bits": ("int64", -1),  # ADC resolution, bits; -1 when not quantised
    "adc_headroom_db": ("float32", float("nan")),  # ADC full scale above the per-rail RMS, dB
}


def fill_parameters(params: dict[str, Any]) -> dict[str, Any]:
    """Return ``params`` restricted to :data:`GENERATION_PARAMETERS` with defaults filled in."""
    return {name: params.get(name, default) for name, (_, default) in GENERATION_PARAMETERS.items()}


def iq_to_real(iq: np.ndarray) -> np.ndarray:
    """Complex ``(..., n)`` IQ to float32 ``(..., n, 2)`` (I then Q)."""
    iq = np.asarray(iq)
    return np.stack([iq.real, iq.imag], axis=-1).astype(np.float32, copy=False)


def real_to_iq(iq_real: np.ndarray) -> np.ndarray:
    """Float ``(..., n, 2)`` (I then Q) to complex64 ``(..., n)``."""
    iq_real = np.asarray(iq_real)
    if iq_real.ndim < 1 or iq_real.shape[-1] != 2:
        raise SpectrumDataError(f"expected a trailing I/Q axis of size 2, got shape {iq_real.shape}")
    return (iq_real[..., 0] + 1j * iq_real[..., 1]).astype(np.complex64)


def python_scalar(value: Any) -> Any:
    """``value`` as a plain Python scalar when it is a numpy scalar, else unchanged.

    Records and generation parameters hold Python scalars so that they compare, print and
    serialise the same whichever code path made them.
    """
    return value.item() if isinstance(value, np.generic) else value


# The batch <-> record conversions. A *batch* is a dict of stacked columns (``iq`` float32
# ``(batch, num_samples, 2)``, ``label`` int64 and one ``(batch,)`` array per generation
# parameter); a *record* is one row of it with Python scalars.


def make_batch(iq: np.ndarray, labels: np.ndarray, params: dict[str, Any]) -> dict[str, np.ndarray]:
    """Stack a batch in the record schema: ``iq``, ``label`` and every generation parameter.

    Text columns are numpy ``str`` arrays, numbers ``float32`` or ``int64`` as the schema says.

    Args:
        iq: float32 ``(batch, num_samples, 2)`` (I then Q).
        labels: integer class indices, ``(batch,)``.
        params: generation parameters, each a scalar shared by the batch or an array ``(batch,)``;
            missing ones take their default from :data:`GENERATION_PARAMETERS`.
    """
    size = len(iq)
    batch: dict[str, np.ndarray] = {
        "iq": np.asarray(iq, dtype=np.float32),
        "label": np.asarray(labels, dtype=np.int64).reshape(size),
    }
    for name, (dtype, default) in GENERATION_PARAMETERS.items():
        value = params.get(name, default)
        numpy_dtype = str if dtype == "string" else np.dtype(dtype)
        column = np.asarray(value, dtype=numpy_dtype)
        batch[name] = np.broadcast_to(column, (size,)) if column.ndim == 0 else column.reshape(size)
    return batch


def records_from_batch(batch: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Split a batch of stacked columns (``generate`` output, :func:`make_batch`) into records."""
    columns = {name: np.asarray(values) for name, values in batch.items()}
    size = len(columns["iq"])
    # tolist() turns a whole numeric or text column into Python scalars at once, far faster than
    # element by element on this per-record hot path; other columns go row by row.
    as_lists = {
        name: values.tolist() for name, values in columns.items() if values.ndim == 1 and values.dtype != object
    }
    for row in range(size):
        yield {
            name: as_lists[name][row] if name in as_lists else python_scalar(values[row])
            for name, values in columns.items()
        }


def record_from_batch(batch: dict[str, Any], row: int = 0) -> dict[str, Any]:
    """Row ``row`` of a batch as one record (what ``generator(seed, index)`` returns)."""
    return {name: python_scalar(np.asarray(values)[row]) for name, values in batch.items()}
