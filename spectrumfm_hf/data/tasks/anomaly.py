"""Anomaly detection (AD): a QPSK primary user, alone or with sweeping-tone or QPSK interference.

The scene mirrors the SpectrumFM paper's over-the-air setting scaled to complex baseband: a
2.9 GHz carrier, a 20 MHz QPSK primary user, and interference confined to 2.885-2.915 GHz,
i.e. +-15 MHz around the carrier. The receiver samples at :data:`AD_SAMPLE_RATE_HZ` = 40 MHz,
which holds the +-15 MHz interference band with 5 MHz of margin on each side, so the
primary occupies half of the band.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..base import SpectrumDataError, Transmission, check_num_samples, check_positive_integer, check_snr_grid, example_rng
from ..dsp import mean_power
from ..impairments import ImpairmentChain
from ..impairments import transforms as impairment_transforms
from ..labels import AD_CLASS_NAMES
from ..transmitters import TransmitterRanges, make_transmitter, sweeping_tones
from .base import TaskGenerator

__all__ = [
    "AD_CARRIER_HZ",
    "AD_CLASS_NAMES",
    "AD_SAMPLE_RATE_HZ",
    "INTERFERENCE_BAND_HZ",
    "LINK_SNR_GRID_DB",
    "laboratory_link",
    "PRIMARY_BANDWIDTH_HZ",
    "AnomalyDetectionGenerator",
    "AnomalyScene",
    "sweeping_tones",
]

AD_SAMPLE_RATE_HZ = 40e6
"""Receiver sample rate of the anomaly-detection scene, Hz."""
AD_CARRIER_HZ = 2.9e9
"""Carrier frequency the scene stands for (named in the description and `configuration`), Hz."""
PRIMARY_BANDWIDTH_HZ = 20e6
"""Primary user's bandwidth (its symbol rate: the half-power width of its RRC spectrum), Hz."""
INTERFERENCE_BAND_HZ = (-15e6, 15e6)
"""Band the interference is confined to, relative to the carrier (2.885-2.915 GHz), Hz."""
LINK_SNR_GRID_DB = (10.0, 12.0, 14.0, 16.0, 18.0, 20.0)
"""SNRs of the laboratory link, dB in the primary's band: a link between instruments that stand
still drifts over a few dB, not over the tens of dB of an AMC data set. A detector learns this
range as normal; drawn from -20 to 30 dB, an interferer at 0 dB ISR would look like a
normal window of lower SNR, and no detector could tell them apart."""

# Symbol rate of each aliased QPSK interferer relative to the primary's (10 and 30 MHz against 20 MHz).
_ALIASED_BANDWIDTH_RATIO = {"aliased_10mhz": 0.5, "aliased_30mhz": 1.5}


def laboratory_link() -> ImpairmentChain:
    """The anomaly scene's default channel: a static indoor link between laboratory instruments.

    The paper's captures come from an RF signal generator and a receiver ten metres apart,
    standing still for two days. So, unlike the AMC chain, whose every window is a different
    random link: no power-amplifier compression (a signal generator is linear at its output
    levels), a line-of-sight Rician channel (K 6-15 dB) with short echoes and at most the
    Doppler of people walking by (1e-5 cycles/sample, 400 Hz), a residual carrier offset of
    instruments with ovenised references (+-1e-4 cycles/sample, +-4 kHz, about +-1.4 ppm at
    2.9 GHz) at a random phase, low phase noise, a calibrated receiver's small IQ imbalance and
    DC offset, and a 12-14 bit ADC. Normal windows then vary as one link does over time,
    which is what makes an interferer stand out.
    """
    transforms = impairment_transforms
    return ImpairmentChain(
        [
            transforms.MultipathFading(
                fading_weights=(0.0, 0.0, 1.0), k_factor_db=(6.0, 15.0), doppler=(0.0, 1e-5), delay_decay=(0.0, 0.5)
            ),
            transforms.TimingOffset(),
            transforms.CarrierOffset(cfo=(-1e-4, 1e-4), drift=(0.0, 0.0)),
            transforms.AdditiveNoise(),
            transforms.PhaseNoise(std_rad=(0.0, 0.005)),
            transforms.IQImbalance(gain_db=(-0.2, 0.2), phase_deg=(-1.0, 1.0)),
            transforms.DCOffset(level_db=(-50.0, -35.0)),
            transforms.Quantizer(bits=(12, 14), headroom_db=(10.0, 15.0)),
        ]
    )


@dataclass
class AnomalyScene:
    """One anomaly-detection example before the channel.

    Attributes:
        primary: the primary user's unit-power complex baseband.
        interference: the interference, scaled to the drawn ISR (zeros when normal).
        label: index into :data:`AD_CLASS_NAMES`.
        params: generation parameters drawn so far.
    """

    primary: np.ndarray
    interference: np.ndarray
    label: int
    params: dict[str, Any] = field(default_factory=dict)


class AnomalyDetectionGenerator(TaskGenerator):
    """Anomaly-detection examples: a QPSK primary user, normal or with one of four interferences.

    Normal examples hold the primary alone. Anomalies add, at an interference-to-signal ratio
    (ISR) drawn from ``isr_db_grid`` and measured in the capture (interference power over
    primary power, both before the channel):

    * ``single_tone``: one tone sweeping linearly across the +-15 MHz interference band,
    * ``multi_tone``: a comb of ``2 .. max_tones`` equal-power tones sweeping together,
    * ``aliased_10mhz`` / ``aliased_30mhz``: a QPSK interferer with half / one and a half
      times the primary's bandwidth, at a random centre keeping it inside the interference
      band (the 30 MHz one fills it and stays centred).

    The sum passes through ``channel`` (:func:`laboratory_link`, the static link of the
    paper's measurement, by default), whose AWGN sets the SNR of the whole received signal
    (primary plus interference) in the primary's band.

    Args:
        num_samples: IQ samples per example.
        mode: ``"test"`` mixes normal and anomalous examples; ``"normal"`` makes normal
            examples only (the AD head is trained on those).
        normal_fraction: share of normal examples in ``"test"`` mode; the anomalies share
            the rest equally.
        isr_db_grid: interference-to-signal ratios drawn from, dB.
        rolloff: RRC roll-off of the primary and of the aliased interferers.
        sweep_period_us_range: (low, high) time a tone takes to cross the 30 MHz band, us,
            drawn uniformly.
        max_tones: most tones in a multi-tone comb.
        snr_db_grid: SNRs drawn from (uniformly over the grid), dB in the primary's band;
            the laboratory link's :data:`LINK_SNR_GRID_DB` by default.
        channel: impairments applied to each example, ``channel(iq, rng, params)``;
            :func:`laboratory_link` when None (pass ``default_impairments()`` for the AMC
            chain's random links).
    """

    name = "anomaly-detection"
    class_names = AD_CLASS_NAMES
    card_template = "generator_anomaly.md"

    def __init__(
        self,
        num_samples: int = 128,
        mode: str = "test",
        normal_fraction: float = 0.5,
        isr_db_grid: tuple[float, ...] = (-20.0, -10.0, 0.0),
        rolloff: float = 0.25,
        sweep_period_us_range: tuple[float, float] = (5.0, 50.0),
        max_tones: int = 5,
        snr_db_grid: tuple[float, ...] = LINK_SNR_GRID_DB,
        channel=None,
    ):
        check_num_samples(num_samples)
        if mode not in ("test", "normal"):
            raise SpectrumDataError(f"mode must be 'test' or 'normal', got {mode!r}")
        if not 0.0 <= normal_fraction < 1.0:
            raise SpectrumDataError(f"normal_fraction must be in [0, 1), got {normal_fraction!r}")
        if len(isr_db_grid) == 0 or not np.all(np.isfinite(isr_db_grid)):
            raise SpectrumDataError(f"isr_db_grid must hold finite ISRs in dB, got {isr_db_grid!r}")
        if not 0.0 <= rolloff <= 0.25:
            # Beyond 0.25 the 30 MHz interferer's spectrum (1.5 x 20 MHz x (1 + rolloff)) exceeds 40 MHz.
            raise SpectrumDataError(
                f"rolloff must be in [0, 0.25] so the 30 MHz interferer fits, got {rolloff!r}"
            )
        low, high = sweep_period_us_range
        if not 0 < low <= high:
            raise SpectrumDataError(
                f"sweep_period_us_range must satisfy 0 < low <= high, got {sweep_period_us_range!r}"
            )
        max_tones = check_positive_integer("max_tones", max_tones, minimum=2)
        self.num_samples = int(num_samples)
        self.mode = mode
        self.normal_fraction = float(normal_fraction)
        self.isr_db_grid = tuple(float(isr) for isr in isr_db_grid)
        self.rolloff = float(rolloff)
        self.sweep_period_us_range = (float(low), float(high))
        self.max_tones = int(max_tones)
        self.snr_db_grid = check_snr_grid(snr_db_grid)
        self.channel = laboratory_link() if channel is None else channel
        self.laboratory_channel = channel is None
        self._qpsk = {
            interference: make_transmitter(
                "QPSK", self._qpsk_ranges(AD_SAMPLE_RATE_HZ / (PRIMARY_BANDWIDTH_HZ * ratio))
            )
            for interference, ratio in {"normal": 1.0, **_ALIASED_BANDWIDTH_RATIO}.items()
        }

    def _qpsk_ranges(self, samples_per_symbol: float) -> TransmitterRanges:
        return TransmitterRanges(
            samples_per_symbol=(samples_per_symbol, samples_per_symbol),
            pulse_shape_weights=(1.0, 0.0, 0.0),
            rolloff=(self.rolloff, self.rolloff),
        )

    def card_fields(self) -> dict[str, Any]:
        return {
            "generator": self,
            "sample_rate_mhz": AD_SAMPLE_RATE_HZ / 1e6,
            "carrier_ghz": AD_CARRIER_HZ / 1e9,
            "primary_bandwidth_mhz": PRIMARY_BANDWIDTH_HZ / 1e6,
            "channel_stages": [type(stage).__name__ for stage in getattr(self.channel, "transforms", ())],
        }

    def _draw_label(self, rng: np.random.Generator) -> int:
        if self.mode == "normal" or rng.random() < self.normal_fraction:
            return 0
        return int(rng.integers(1, len(self.class_names)))

    def _history_samples(self) -> int:
        if isinstance(self.channel, ImpairmentChain):
            return self.channel.history_samples(self.num_samples)
        return 0

    def scene(self, seed: int, index: int) -> AnomalyScene:
        """Primary and interference of example ``index`` of the data set seeded with ``seed``, pre-channel.

        They are the components of the record's capture: the same draws, cut to the
        ``num_samples`` samples the channel returns.
        """
        rng = example_rng(seed, index)
        scene = self._scene(rng, self.num_samples + self._history_samples(), self._draw_label(rng))
        scene.primary = scene.primary[-self.num_samples :]
        scene.interference = scene.interference[-self.num_samples :]
        return scene

    def _scene(self, rng: np.random.Generator, num_samples: int, label: int) -> AnomalyScene:
        """Scene of class ``label`` of ``num_samples`` samples whose last ``self.num_samples`` form the capture."""
        interference_name = self.class_names[label]
        primary = self._qpsk["normal"](num_samples, rng)
        params = dict(primary.params)
        params["configuration"] = (
            f"carrier_ghz={AD_CARRIER_HZ / 1e9:g} primary_bandwidth_mhz={PRIMARY_BANDWIDTH_HZ / 1e6:g}"
        )
        if label == 0:
            silence = np.zeros(num_samples, np.complex128)
            return AnomalyScene(primary.iq.astype(np.complex128), silence, 0, params)

        isr_db = float(rng.choice(self.isr_db_grid))
        band = tuple(edge / AD_SAMPLE_RATE_HZ for edge in INTERFERENCE_BAND_HZ)
        if interference_name in ("single_tone", "multi_tone"):
            num_tones = 1 if interference_name == "single_tone" else int(rng.integers(2, self.max_tones + 1))
            sweep_period_us = float(rng.uniform(*self.sweep_period_us_range))
            interference = sweeping_tones(
                num_samples,
                num_tones,
                band,
                sweep_period_us * 1e-6 * AD_SAMPLE_RATE_HZ,
                float(rng.random()),
                rng.uniform(0.0, 2.0 * np.pi, num_tones),
            )
            detail = f"tones={num_tones} sweep_period_us={sweep_period_us:.2f}"
        else:
            interferer = self._qpsk[interference_name](num_samples, rng).iq
            half_width = _ALIASED_BANDWIDTH_RATIO[interference_name] * PRIMARY_BANDWIDTH_HZ / 2
            max_offset_hz = max(0.0, INTERFERENCE_BAND_HZ[1] - half_width)
            offset_hz = float(rng.uniform(-max_offset_hz, max_offset_hz))
            shift = np.exp(2j * np.pi * offset_hz / AD_SAMPLE_RATE_HZ * np.arange(num_samples))
            interference = interferer * shift
            detail = f"interferer_offset_mhz={offset_hz / 1e6:.2f}"
        # Scaling by the captured window's own powers makes the recorded ISR exact in every capture.
        window = slice(num_samples - self.num_samples, num_samples)
        primary_power = mean_power(primary.iq[window])
        interference_power = mean_power(interference[window])
        interference = interference * np.sqrt(10 ** (isr_db / 10) * primary_power / interference_power)
        params.update(isr_db=isr_db, interference=interference_name)
        params["configuration"] += " " + detail
        return AnomalyScene(primary.iq.astype(np.complex128), interference, label, params)

    def _transmission(self, num_samples: int, rng: np.random.Generator, label: int) -> Transmission:
        """The scene's sum, primary plus interference, with the SNR drawn after it."""
        scene = self._scene(rng, num_samples, label)
        params = dict(scene.params)
        params["snr_db"] = float(rng.choice(self.snr_db_grid))
        return Transmission(scene.primary + scene.interference, params)

    def _generate(self, seed: int, indices: np.ndarray) -> dict[str, np.ndarray]:
        rngs = [example_rng(seed, index) for index in indices.tolist()]
        # The label is each example's first draw, so it is known before its transmission.
        labels = np.array([self._draw_label(rng) for rng in rngs], dtype=np.int64)
        senders = [functools.partial(self._transmission, label=int(label)) for label in labels]
        received, columns = self.transmit(self.channel, rngs, senders)
        return self.assemble(seed, indices, received, labels, columns)
