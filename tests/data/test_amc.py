"""Specifications of the AMC task generator in ``spectrumfm_hf.data.tasks.amc``."""

import numpy as np
import pytest

from spectrumfm_hf.data.base import SpectrumDataError
from spectrumfm_hf.data.impairments import AdditiveNoise, ImpairmentChain
from spectrumfm_hf.data.labels import RML2016_10A_CLASSES, RML2018_01A_CLASSES
from spectrumfm_hf.data.tasks.amc import AMCGenerator
from spectrumfm_hf.data.transmitters import TransmitterRanges


@pytest.fixture(scope="module")
def generator():
    return AMCGenerator("rml2016.10a")


def test_record_label_and_modulation_follow_the_index(generator):
    record = generator(3, 17)
    assert record["iq"].shape == (128, 2)
    assert record["label"] == 17 % 11
    assert record["transmitter"] == RML2016_10A_CLASSES[record["label"]]
    assert record["source"] == "synthetic/amc-rml2016.10a"
    assert (record["seed"], record["index"]) == (3, 17)
    assert generator.name == "amc-rml2016.10a" and generator.num_samples == 128
    assert generator.class_names == list(RML2016_10A_CLASSES)
    assert "SNR" in generator.description


def test_each_contiguous_block_holds_every_class_and_snr_pair_once(generator):
    classes, snrs = generator.num_classes, generator.snr_db_grid.size
    labels, snr_db = generator.labels_and_snrs(range(500, 500 + classes * snrs))
    pairs = set(zip(labels.tolist(), snr_db.tolist()))
    assert len(pairs) == classes * snrs
    assert generator.snr_db_grid.tolist() == list(range(-20, 19, 2))


def test_default_rml2018_grid_runs_to_30_db():
    generator = AMCGenerator("rml2018.01a", num_samples=64)
    assert generator.snr_db_grid.tolist() == list(range(-20, 31, 2))
    assert generator.class_names == list(RML2018_01A_CLASSES)


@pytest.mark.parametrize("class_set", ["rml2016.10a", "rml2018.01a"])
def test_every_class_gives_finite_unit_power_captures(class_set):
    generator = AMCGenerator(class_set)
    batch = generator.generate(7, range(2 * generator.num_classes))
    assert sorted(set(batch["transmitter"].tolist())) == sorted(generator.class_names)
    assert np.all(np.isfinite(batch["iq"]))
    np.testing.assert_allclose(np.mean(np.sum(batch["iq"].astype(np.float64) ** 2, axis=-1), axis=-1), 1.0, rtol=1e-5)


@pytest.mark.parametrize("snr_db", [0.0, 10.0])
def test_generated_examples_have_the_requested_snr_in_the_signal_band(snr_db):
    # Root-raised-cosine signals are strictly band-limited, so the noise density can be
    # read off the empty part of the spectrum and the SNR estimated blind.
    num_samples = 1024
    generator = AMCGenerator(
        "rml2016.10a",
        num_samples=num_samples,
        snr_db_grid=[snr_db],
        transmitter_ranges=TransmitterRanges(samples_per_symbol=(4.0, 10.0), pulse_shape_weights=(1.0, 0.0, 0.0)),
        impairments=ImpairmentChain([AdditiveNoise()]),
    )
    linear = [RML2016_10A_CLASSES.index(name) for name in ("8PSK", "BPSK", "PAM4", "QAM16", "QAM64", "QPSK")]
    indices = [label + 11 * block for block in range(40) for label in linear]
    batch = generator.generate(0, indices)
    iq = batch["iq"][..., 0] + 1j * batch["iq"][..., 1]
    window = np.hanning(num_samples)
    periodogram = np.abs(np.fft.fft(iq * window, axis=-1)) ** 2 / np.sum(window**2) / num_samples
    frequency = np.abs(np.fft.fftfreq(num_samples))
    guard = 4.0 / num_samples  # Hann main lobe
    half_band = batch["bandwidth"].astype(np.float64)[:, None] / 2 + guard
    in_band = frequency[None, :] <= half_band
    noise_density = np.sum(periodogram * ~in_band, axis=1) / np.sum(~in_band, axis=1) * num_samples
    in_band_noise = noise_density * np.sum(in_band, axis=1) / num_samples
    total_in_band = np.sum(periodogram * in_band, axis=1)
    signal = total_in_band - in_band_noise
    occupied_noise = noise_density * batch["bandwidth"]
    measured_db = 10 * np.log10(np.mean(signal) / np.mean(occupied_noise))
    assert measured_db == pytest.approx(snr_db, abs=0.5)
    np.testing.assert_array_equal(batch["snr_db"], snr_db)


@pytest.mark.parametrize(
    "arguments, argument",
    [
        ({"class_set": "rml2016.10b"}, "class_set"),
        ({"num_samples": 0}, "num_samples"),
        ({"snr_db_grid": []}, "snr_db_grid"),
        ({"transmitter_ranges": {"rolloff": (0, 1)}}, "transmitter_ranges"),
        ({"impairments": [AdditiveNoise()]}, "impairments"),
    ],
)
def test_bad_configuration_raises_naming_the_argument(arguments, argument):
    with pytest.raises(SpectrumDataError, match=argument):
        AMCGenerator(**arguments)


