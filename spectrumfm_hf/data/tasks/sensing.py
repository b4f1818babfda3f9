"""Spectrum sensing (SS): is the band occupied by a signal or vacant (noise only)?

The receiver knows the noise power only nominally: in each example the true noise power
differs from the nominal one by a random factor within +-``noise_uncertainty_db``, while the
SNR is defined against the nominal power. An energy detector with a threshold set from the
nominal noise power then meets the SNR wall: below an SNR of about the uncertainty itself
it cannot tell a weak signal from a noise floor that happens to be high, however long it
integrates. :func:`energy_detector` is that classic detector, as a reference.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np
from scipy.stats import gamma

from ..base import (
    GENERATION_PARAMETERS,
    SpectrumDataError,
    check_generate_arguments,
    check_num_samples,
    check_snr_grid,
    example_rng,
    python_scalar,
    real_to_iq,
)
from ..dsp import mean_power
from ..impairments import AdditiveNoise, ImpairmentChain, default_impairments
from ..labels import SS_CLASS_NAMES, TECHNOLOGY_CLASSES
from ..transmitters import TECHNOLOGY_TRANSMITTERS, TRANSMITTER_NAMES, make_transmitter
from .base import TaskGenerator, resolve_transmitters

__all__ = [
    "NOMINAL_NOISE_POWER",
    "SENSING_SIGNALS",
    "SS_CLASS_NAMES",
    "SensingScene",
    "SpectrumSensingGenerator",
    "energy_detector",
    "energy_detector_threshold",
    "propagation_impairments",
]

NOMINAL_NOISE_POWER = 1.0
"""Noise power per complex sample the receiver assumes (and the SNR refers to)."""

SENSING_SIGNALS: tuple[str, ...] = tuple(TRANSMITTER_NAMES) + TECHNOLOGY_CLASSES
"""Every signal an occupied example may carry: the RML modulations, then the technologies."""


def propagation_impairments() -> ImpairmentChain:
    """The stages of the default AMC chain that come before its thermal noise (transmitter and propagation).

    Spectrum sensing adds its own noise, at an uncertain power, and leaves out the receiver
    stages after it (DC offset, quantisation...) so that a vacant capture is noise alone.
    """
    return default_impairments().before(AdditiveNoise)


def energy_detector_threshold(
    num_samples: int, false_alarm_probability: float, noise_power: float = NOMINAL_NOISE_POWER
) -> float:
    """Energy threshold giving ``false_alarm_probability`` on complex white Gaussian noise of ``noise_power``.

    The energy ``sum |x|**2`` of ``num_samples`` such noise samples is Gamma-distributed with
    shape ``num_samples`` and scale ``noise_power``.

    Args:
        num_samples: samples integrated.
        false_alarm_probability: target probability of declaring noise occupied, in (0, 1).
        noise_power: assumed noise power per complex sample.
    """
    if not 0.0 < false_alarm_probability < 1.0:
        raise SpectrumDataError(f"false_alarm_probability must be in (0, 1), got {false_alarm_probability!r}")
    if not noise_power > 0.0:
        raise SpectrumDataError(f"noise_power must be positive, got {noise_power!r}")
    return float(gamma.isf(false_alarm_probability, a=check_num_samples(num_samples), scale=noise_power))


def energy_detector(
    iq: np.ndarray, false_alarm_probability: float = 0.1, noise_power: float = NOMINAL_NOISE_POWER
) -> np.ndarray:
    """Classic energy detector: True (occupied) where the capture's energy exceeds the fixed threshold.

    Args:
        iq: captures, complex ``(..., num_samples)`` or float ``(..., num_samples, 2)`` (I then Q).
        false_alarm_probability: target false-alarm probability under ``noise_power``.
        noise_power: the noise power per complex sample the threshold assumes (nominal).
    """
    iq = np.asarray(iq)
    if not np.iscomplexobj(iq):
        iq = real_to_iq(iq)
    energy = np.sum(iq.real.astype(np.float64) ** 2 + iq.imag.astype(np.float64) ** 2, axis=-1)
    return energy > energy_detector_threshold(iq.shape[-1], false_alarm_probability, noise_power)


@dataclass
class SensingScene:
    """One spectrum-sensing example before it is summed.

    Attributes:
        signal: the received signal after the channel impairments, scaled to the SNR
            (zeros when vacant).
        noise: complex white Gaussian noise at the true noise power.
        label: index into :data:`SS_CLASS_NAMES`.
        params: generation parameters.
    """

    signal: np.ndarray
    noise: np.ndarray
    label: int
    params: dict[str, Any] = field(default_factory=dict)


class SpectrumSensingGenerator(TaskGenerator):
    """Spectrum-sensing examples: a random signal plus noise (occupied) or noise alone (vacant).

    Occupied examples carry one signal drawn uniformly from ``signals`` (RML modulations and
    wireless technologies), passed through ``channel`` (impairments without noise) and scaled
    so that its SNR in its own band against the nominal noise power is the drawn SNR. Every
    example then gets complex white Gaussian noise whose true power is the nominal power
    times ``10 ** (u / 10)``, with ``u`` uniform in +-``noise_uncertainty_db`` and recorded
    in ``noise_uncertainty_db``. Vacant examples record the SNR drawn for them too, so that
    per-SNR accuracy holds both classes; their signal is exactly zero.

    Args:
        num_samples: IQ samples per example.
        signals: names from :data:`SENSING_SIGNALS` an occupied example draws from (all by default).
        snr_db_grid: SNRs drawn from, dB in the signal's band against the nominal noise.
        noise_uncertainty_db: half-width x of the true noise power's spread, +-x dB.
        occupied_fraction: share of occupied examples.
        transmitters: signal name -> transmitter overriding its default configuration.
        channel: impairments applied to the signal before the noise, ``channel(iq, rng, params)``,
            without AWGN; :func:`propagation_impairments` when None.
    """

    name = "spectrum-sensing"
    class_names = SS_CLASS_NAMES
    card_template = "generator_sensing.md"

    def __init__(
        self,
        num_samples: int = 128,
        signals: Sequence[str] | None = None,
        snr_db_grid: Sequence[float] = tuple(range(-20, 21, 2)),
        noise_uncertainty_db: float = 1.0,
        occupied_fraction: float = 0.5,
        transmitters: dict[str, Any] | None = None,
        channel=None,
    ):
        self.num_samples = check_num_samples(num_samples)
        names = list(SENSING_SIGNALS) if signals is None else list(signals)
        unknown = [name for name in names if name not in SENSING_SIGNALS]
        if unknown or not names:
            raise SpectrumDataError(f"signals must be names from {list(SENSING_SIGNALS)}, got {signals!r}")
        if not noise_uncertainty_db >= 0.0:
            raise SpectrumDataError(f"noise_uncertainty_db must be >= 0 dB, got {noise_uncertainty_db!r}")
        if not 0.0 <= occupied_fraction <= 1.0:
            raise SpectrumDataError(f"occupied_fraction must be in [0, 1], got {occupied_fraction!r}")
        self.transmitters = resolve_transmitters("signals", names, transmitters, _make_signal)
        self.signals = names
        self.snr_db_grid = check_snr_grid(snr_db_grid)
        self.noise_uncertainty_db = float(noise_uncertainty_db)
        self.occupied_fraction = float(occupied_fraction)
        self.channel = propagation_impairments() if channel is None else channel

    def card_fields(self) -> dict[str, Any]:
        return {"generator": self, "nominal_noise_power": NOMINAL_NOISE_POWER}

    def scene(self, seed: int, index: int) -> SensingScene:
        """Signal and noise of example ``index`` of the data set seeded with ``seed``, before summing."""
        return self.scenes(seed, [index])[0]

    def scenes(self, seed: int, indices) -> list[SensingScene]:
        """Signal and noise of examples ``indices``; the channel is applied to the whole batch at once."""
        indices = check_generate_arguments(seed, indices)
        num_samples = self.num_samples
        scenes, occupied_rows, occupied_rngs, occupied_senders = [], [], [], []
        for index in indices.tolist():
            rng = example_rng(seed, index)
            label = int(rng.random() < self.occupied_fraction)
            snr_db = float(rng.choice(self.snr_db_grid))
            uncertainty_db = float(rng.uniform(-self.noise_uncertainty_db, self.noise_uncertainty_db))
            noise_power = NOMINAL_NOISE_POWER * 10 ** (uncertainty_db / 10)
            normals = rng.standard_normal((2, num_samples))
            noise = np.sqrt(noise_power / 2) * (normals[0] + 1j * normals[1])
            params: dict[str, Any] = {"snr_db": snr_db, "noise_uncertainty_db": uncertainty_db}
            scenes.append(SensingScene(np.zeros(num_samples, np.complex128), noise, label, params))
            if label == 1:
                occupied_rows.append(len(scenes) - 1)
                occupied_rngs.append(rng)
                occupied_senders.append(self.transmitters[int(rng.integers(len(self.transmitters)))])
        if not occupied_rows:
            return scenes
        signals, columns = self.transmit(self.channel, occupied_rngs, occupied_senders)
        power = mean_power(signals)[:, 0]
        if not np.all(power > 0):
            raise SpectrumDataError("channel returned a signal of zero power")
        bandwidth = np.where(np.isfinite(columns["bandwidth"]), np.minimum(columns["bandwidth"], 1.0), 1.0)
        snr_db = np.array([scenes[row].params["snr_db"] for row in occupied_rows])
        # White noise of total power P puts P * bandwidth in the signal's band.
        signal_power = 10 ** (snr_db / 10) * NOMINAL_NOISE_POWER * bandwidth
        scaled = signals * np.sqrt(signal_power / power)[:, None]
        for position, row in enumerate(occupied_rows):
            scene = scenes[row]
            scene.signal = scaled[position]
            drawn = {name: python_scalar(values[position]) for name, values in columns.items()}
            scene.params = {**drawn, **scene.params}
        return scenes

    def _generate(self, seed: int, indices: np.ndarray) -> dict[str, np.ndarray]:
        scenes = self.scenes(seed, indices)
        columns = {
            name: np.array([scene.params.get(name, default) for scene in scenes], dtype=object)
            for name, (_, default) in GENERATION_PARAMETERS.items()
        }
        iq = np.stack([scene.signal + scene.noise for scene in scenes])
        labels = np.array([scene.label for scene in scenes], dtype=np.int64)
        return self.assemble(seed, indices, iq, labels, columns, scale_to_unit_power=False)


def _make_signal(name: str):
    """The default transmitter of a name of :data:`SENSING_SIGNALS`."""
    if name in TECHNOLOGY_TRANSMITTERS:
        return TECHNOLOGY_TRANSMITTERS[name]()
    return make_transmitter(name)
