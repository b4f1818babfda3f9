"""Specification of the anomaly-detection generator: primary user, sweeping tones, aliased QPSK, ISR."""

import numpy as np
import pytest
from scipy.signal import welch

from spectrumfm_hf.data.tasks.anomaly import (
    AD_CLASS_NAMES,
    AD_SAMPLE_RATE_HZ,
    PRIMARY_BANDWIDTH_HZ,
    AnomalyDetectionGenerator,
)
from spectrumfm_hf.data.base import GENERATION_PARAMETERS, SpectrumDataError


def no_channel(iq, rng, params):
    return iq


def instantaneous_frequency_hz(iq):
    return np.angle(iq[1:] * np.conj(iq[:-1])) * AD_SAMPLE_RATE_HZ / (2 * np.pi)


def first_scene(generator, label, seed=0):
    for index in range(500):
        scene = generator.scene(seed, index)
        if scene.label == label:
            return scene
    raise AssertionError(f"no example of label {label} in 500")


def half_power_bandwidth_hz(iq):
    """Width of the band where the Welch PSD is above half its plateau (top-decile median)."""
    frequency, psd = welch(iq, fs=AD_SAMPLE_RATE_HZ, nperseg=512, return_onesided=False)
    plateau = np.median(np.sort(psd)[-len(psd) // 10 :])
    return np.count_nonzero(psd >= plateau / 2) * (frequency[1] - frequency[0])


def test_primary_user_occupies_20mhz_of_the_40mhz_band():
    scene = first_scene(AnomalyDetectionGenerator(num_samples=16_384, channel=no_channel), label=0)
    assert half_power_bandwidth_hz(scene.primary) == pytest.approx(PRIMARY_BANDWIDTH_HZ, rel=0.05)


@pytest.mark.parametrize("name, ratio", [("aliased_10mhz", 0.5), ("aliased_30mhz", 1.5)])
def test_aliased_interferer_bandwidth_is_the_stated_fraction_of_the_primarys(name, ratio):
    generator = AnomalyDetectionGenerator(num_samples=16_384, isr_db_grid=(0.0,), channel=no_channel)
    scene = first_scene(generator, AD_CLASS_NAMES.index(name))
    measured_ratio = half_power_bandwidth_hz(scene.interference) / half_power_bandwidth_hz(scene.primary)
    assert measured_ratio == pytest.approx(ratio, rel=0.05)


def test_single_tone_sweeps_in_frequency_within_a_128_sample_capture():
    generator = AnomalyDetectionGenerator(channel=no_channel)
    for seed in range(5):
        interference = first_scene(generator, AD_CLASS_NAMES.index("single_tone"), seed).interference
        frequency_hz = instantaneous_frequency_hz(interference)
        # Slowest default sweep: 30 MHz in 50 us, i.e. 1.9 MHz across 128 samples at 40 MHz.
        assert np.ptp(frequency_hz) > 1.5e6
        assert np.all(np.abs(frequency_hz) <= 15e6 + 1e3)


def test_single_tone_sweep_covers_the_2885_to_2915_mhz_band():
    generator = AnomalyDetectionGenerator(num_samples=8_192, channel=no_channel)
    interference = first_scene(generator, AD_CLASS_NAMES.index("single_tone")).interference
    frequency_hz = instantaneous_frequency_hz(interference)
    assert frequency_hz.min() == pytest.approx(-15e6, abs=0.2e6)
    assert frequency_hz.max() == pytest.approx(15e6, abs=0.2e6)


def test_multi_tone_comb_is_equally_spaced_across_the_band():
    # A sweep far slower than the capture freezes the comb, so its lines can be read off an FFT.
    generator = AnomalyDetectionGenerator(
        num_samples=4_000, sweep_period_us_range=(1e5, 1e5), channel=no_channel
    )
    scene = first_scene(generator, AD_CLASS_NAMES.index("multi_tone"))
    num_tones = int(scene.params["configuration"].split("tones=")[1].split()[0])
    spectrum = np.abs(np.fft.fft(scene.interference))
    strongest = np.argsort(spectrum)[-num_tones:]
    frequency_hz = np.sort(np.fft.fftfreq(len(spectrum), 1 / AD_SAMPLE_RATE_HZ)[strongest])
    spacing_hz = np.diff(np.concatenate([frequency_hz, [frequency_hz[0] + 30e6]]))
    assert np.allclose(spacing_hz, 30e6 / num_tones, atol=2 * AD_SAMPLE_RATE_HZ / len(spectrum))


@pytest.mark.parametrize("name", AD_CLASS_NAMES[1:])
def test_measured_isr_is_within_half_a_db_of_the_requested(name):
    generator = AnomalyDetectionGenerator(isr_db_grid=(-20.0, -10.0, 0.0, 10.0), channel=no_channel)
    label = AD_CLASS_NAMES.index(name)
    seen = set()
    for index in range(400):
        scene = generator.scene(1, index)
        if scene.label != label:
            continue
        power_ratio = np.mean(np.abs(scene.interference) ** 2) / np.mean(np.abs(scene.primary) ** 2)
        measured_db = 10 * np.log10(power_ratio)
        assert measured_db == pytest.approx(scene.params["isr_db"], abs=0.5)
        assert scene.params["interference"] == name
        seen.add(scene.params["isr_db"])
    assert seen == {-20.0, -10.0, 0.0, 10.0}


def test_received_capture_is_primary_plus_interference_scaled_to_unit_power():
    generator = AnomalyDetectionGenerator(channel=no_channel)
    scene = first_scene(generator, AD_CLASS_NAMES.index("aliased_30mhz"))
    index = next(i for i in range(500) if generator.scene(0, i).label == scene.label)
    record = generator(0, index)
    expected = scene.primary + scene.interference
    expected /= np.sqrt(np.mean(np.abs(expected) ** 2))
    assert np.allclose(record["iq"][:, 0] + 1j * record["iq"][:, 1], expected, atol=1e-5)


def test_normal_mode_makes_only_interference_free_examples():
    batch = AnomalyDetectionGenerator(mode="normal", channel=no_channel).generate(0, range(100))
    assert np.all(batch["label"] == 0)
    assert set(batch["interference"]) == {""}
    assert np.all(np.isnan(batch["isr_db"]))


def test_test_mode_mixes_normal_and_every_anomaly():
    batch = AnomalyDetectionGenerator(normal_fraction=0.5, channel=no_channel).generate(0, range(800))
    counts = np.bincount(batch["label"], minlength=5)
    assert counts[0] / 800 == pytest.approx(0.5, abs=0.06)
    assert np.all(counts[1:] / 800 == pytest.approx(0.125, abs=0.04))


def test_records_carry_every_generation_parameter_and_the_source():
    record = AnomalyDetectionGenerator(channel=no_channel)(0, 0)
    assert record["iq"].shape == (128, 2) and record["iq"].dtype == np.float32
    assert set(GENERATION_PARAMETERS) <= set(record)
    assert record["source"] == "synthetic/anomaly-detection"


def test_unknown_mode_is_rejected_naming_the_argument():
    with pytest.raises(SpectrumDataError, match="mode"):
        AnomalyDetectionGenerator(mode="train", channel=no_channel)


def test_default_channel_is_the_static_laboratory_link():
    stages = [type(stage).__name__ for stage in AnomalyDetectionGenerator().channel.transforms]
    assert "PowerAmplifier" not in stages
    assert stages[0] == "MultipathFading" and "AdditiveNoise" in stages


def test_laboratory_link_records_rician_fading_and_small_carrier_offsets():
    from spectrumfm_hf.data.hf import to_dataset

    records = to_dataset(AnomalyDetectionGenerator(mode="normal"), 64, seed=0)
    assert set(records["fading"]) == {"rician"}
    assert 6.0 <= min(records["k_factor_db"]) and max(records["k_factor_db"]) <= 15.0
    assert max(abs(cfo) for cfo in records["cfo"]) <= 1e-4


def test_card_names_the_laboratory_link_or_the_given_chain():
    from spectrumfm_hf.data.impairments import default_impairments

    assert "static laboratory link" in AnomalyDetectionGenerator().description
    described = AnomalyDetectionGenerator(channel=default_impairments()).description
    assert "static laboratory link" not in described and "PowerAmplifier" in described


def test_default_snrs_are_the_laboratory_links_few_db():
    from spectrumfm_hf.data.tasks.anomaly import LINK_SNR_GRID_DB

    assert AnomalyDetectionGenerator().snr_db_grid == LINK_SNR_GRID_DB
    assert max(LINK_SNR_GRID_DB) - min(LINK_SNR_GRID_DB) <= 10.0
