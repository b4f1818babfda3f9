"""Specification of the spectrum-sensing generator and of the energy-detector reference."""

import numpy as np
import pytest

from spectrumfm_hf.data.base import GENERATION_PARAMETERS, SpectrumDataError
from spectrumfm_hf.data.tasks.sensing import (
    SENSING_SIGNALS,
    SS_CLASS_NAMES,
    SpectrumSensingGenerator,
    energy_detector,
    energy_detector_threshold,
)


def no_channel(iq, rng, params):
    return iq


def detector_accuracy(noise_uncertainty_db):
    # Wi-Fi fills 83 % of the band, so its in-band SNR of -12 dB is about -13 dB over the whole band.
    generator = SpectrumSensingGenerator(
        num_samples=4096, signals=["WiFi"], snr_db_grid=(-12.0,), noise_uncertainty_db=noise_uncertainty_db
    )
    batch = generator.generate(0, range(240))
    decisions = energy_detector(batch["iq"], false_alarm_probability=0.1)
    return np.mean(decisions == batch["label"].astype(bool))


def test_class_names_are_vacant_then_occupied():
    assert SpectrumSensingGenerator.class_names == SS_CLASS_NAMES == ["vacant", "occupied"]


def test_vacant_examples_are_noise_only():
    generator = SpectrumSensingGenerator(num_samples=256)
    vacant = [index for index in range(40) if generator.scene(0, index).label == 0]
    assert len(vacant) >= 10
    for index in vacant:
        scene = generator.scene(0, index)
        record = generator(0, index)
        assert np.all(scene.signal == 0)
        received = record["iq"][:, 0] + 1j * record["iq"][:, 1]
        np.testing.assert_array_equal(received, scene.noise.astype(np.complex64))
        assert record["transmitter"] == ""


def test_true_noise_power_is_the_nominal_power_off_by_the_recorded_uncertainty():
    generator = SpectrumSensingGenerator(num_samples=20_000, noise_uncertainty_db=3.0, occupied_fraction=0.0)
    for index in range(8):
        scene = generator.scene(0, index)
        assert abs(scene.params["noise_uncertainty_db"]) <= 3.0
        measured_db = 10 * np.log10(np.mean(np.abs(scene.noise) ** 2))
        assert measured_db == pytest.approx(scene.params["noise_uncertainty_db"], abs=0.1)


def test_occupied_signal_power_gives_the_snr_in_its_band_against_the_nominal_noise():
    generator = SpectrumSensingGenerator(num_samples=512, snr_db_grid=(-6.0, 4.0), occupied_fraction=1.0)
    for index in range(10):
        scene = generator.scene(2, index)
        signal_power = np.mean(np.abs(scene.signal) ** 2)
        in_band_snr_db = 10 * np.log10(signal_power / min(scene.params["bandwidth"], 1.0))
        assert in_band_snr_db == pytest.approx(scene.params["snr_db"], abs=1e-6)


def test_energy_detector_threshold_gives_the_target_false_alarm_rate_on_nominal_noise():
    rng = np.random.default_rng(0)
    noise = (rng.standard_normal((4000, 128)) + 1j * rng.standard_normal((4000, 128))) / np.sqrt(2)
    assert np.mean(energy_detector(noise, false_alarm_probability=0.1)) == pytest.approx(0.1, abs=0.015)
    assert energy_detector_threshold(128, 0.5) == pytest.approx(128, rel=0.01)


def test_energy_detector_works_at_low_snr_when_the_noise_power_is_known():
    assert detector_accuracy(noise_uncertainty_db=0.0) > 0.85


def test_energy_detector_hits_the_snr_wall_under_noise_power_uncertainty():
    assert detector_accuracy(noise_uncertainty_db=2.0) < 0.65


def test_records_carry_every_generation_parameter_and_the_source():
    batch = SpectrumSensingGenerator(channel=no_channel).generate(0, range(20))
    assert batch["iq"].shape == (20, 128, 2) and batch["iq"].dtype == np.float32
    assert set(GENERATION_PARAMETERS) <= set(batch)
    assert set(batch["source"]) == {"synthetic/spectrum-sensing"}
    assert set(batch["transmitter"][batch["label"] == 1]) <= set(SENSING_SIGNALS)


def test_unknown_signal_is_rejected_naming_the_argument():
    with pytest.raises(SpectrumDataError, match="signals"):
        SpectrumSensingGenerator(signals=["5G-mmWave"])
