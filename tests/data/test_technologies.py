"""Specification of the wireless-technology transmitters: numerologies visible in the signal."""

import numpy as np
import pytest
from scipy.signal import welch

from spectrumfm_hf.data.base import SpectrumDataError
from spectrumfm_hf.data.transmitters.technologies import (
    COMMON_SAMPLE_RATE_HZ,
    TECHNOLOGY_TRANSMITTERS,
    BluetoothTransmitter,
    DVBTTransmitter,
    LoRaTransmitter,
    LTETransmitter,
    NRTransmitter,
    WiFiTransmitter,
    ZigBeeTransmitter,
    zigbee_chip_sequences,
)

FS = COMMON_SAMPLE_RATE_HZ


def occupied_bandwidth_hz(iq: np.ndarray) -> float:
    """99 % power bandwidth from a Welch PSD."""
    frequency, psd = welch(iq, fs=FS, nperseg=4096, return_onesided=False)
    order = np.argsort(frequency)
    cumulative = np.cumsum(psd[order]) / psd.sum()
    low, high = np.searchsorted(cumulative, [0.005, 0.995])
    return frequency[order][high] - frequency[order][low]


def lag_correlation(iq: np.ndarray, lag: int) -> float:
    return abs(np.vdot(iq[:-lag], iq[lag:])) / (len(iq) - lag)


def instantaneous_frequency_hz(iq: np.ndarray) -> np.ndarray:
    return np.angle(iq[1:] * np.conj(iq[:-1])) * FS / (2 * np.pi)


@pytest.mark.parametrize("name", list(TECHNOLOGY_TRANSMITTERS))
@pytest.mark.parametrize("num_samples", [128, 1000])
def test_every_technology_emits_unit_power_complex64_of_requested_length(name, num_samples):
    transmission = TECHNOLOGY_TRANSMITTERS[name]()(num_samples, np.random.default_rng(3))
    assert transmission.iq.dtype == np.complex64
    assert transmission.iq.shape == (num_samples,)
    assert np.mean(np.abs(transmission.iq) ** 2) == pytest.approx(1.0, rel=1e-4)
    assert transmission.params["transmitter"] == name


# FFT length at the common rate of each OFDM numerology: 20 MHz over the subcarrier spacing.
OFDM_FFT_LAGS = {"WiFi": 64, "NR": 667, "LTE": 1333, "DVB-T": 4480}


@pytest.mark.parametrize(
    "transmitter",
    [
        LTETransmitter(channel_bandwidths_mhz=(20.0,)),
        NRTransmitter(channel_bandwidths_mhz=(20.0,)),
        WiFiTransmitter(),
        DVBTTransmitter(channel_bandwidths_mhz=(8.0,), guard_fractions=(1 / 32,)),
    ],
    ids=lambda transmitter: transmitter.name,
)
def test_cyclic_prefix_correlation_peaks_at_the_technologys_own_fft_length(transmitter):
    iq = transmitter(40_000, np.random.default_rng(5)).iq
    correlations = {name: lag_correlation(iq, lag) for name, lag in OFDM_FFT_LAGS.items()}
    assert max(correlations, key=correlations.get) == transmitter.name
    others = [value for name, value in correlations.items() if name != transmitter.name]
    assert correlations[transmitter.name] > 2 * max(others)


@pytest.mark.parametrize(
    "transmitter, expected_hz, tolerance",
    [
        (LTETransmitter(channel_bandwidths_mhz=(20.0,)), 1201 * 15e3, 0.03),
        (LTETransmitter(channel_bandwidths_mhz=(5.0,)), 301 * 15e3, 0.03),
        (NRTransmitter(channel_bandwidths_mhz=(20.0,)), 612 * 30e3, 0.03),
        (WiFiTransmitter(), 53 * 312.5e3, 0.03),
        (DVBTTransmitter(channel_bandwidths_mhz=(8.0,)), 1705 * 64e6 / 7 / 2048, 0.03),
        (DVBTTransmitter(channel_bandwidths_mhz=(6.0,)), 1705 * 48e6 / 7 / 2048, 0.03),
        (LoRaTransmitter(spreading_factors=(7,), bandwidths_hz=(500e3,)), 500e3, 0.06),
        (ZigBeeTransmitter(), 2.36e6, 0.03),
    ],
    ids=["LTE-20MHz", "LTE-5MHz", "NR-20MHz", "WiFi", "DVB-T-8MHz", "DVB-T-6MHz", "LoRa-500kHz", "ZigBee"],
)
def test_occupied_bandwidth_matches_the_numerology(transmitter, expected_hz, tolerance):
    # A chirp's spectrum has Fresnel ripples past its band edges, hence LoRa's wider tolerance.
    transmission = transmitter(40_000, np.random.default_rng(7))
    assert occupied_bandwidth_hz(transmission.iq) == pytest.approx(expected_hz, rel=tolerance)
    assert transmission.params["bandwidth"] * FS == pytest.approx(expected_hz, rel=1e-6)


def test_bluetooth_fits_its_1mhz_hop_channel():
    iq = BluetoothTransmitter(hop_channels_each_side=0)(40_000, np.random.default_rng(2)).iq
    assert 0.7e6 < occupied_bandwidth_hz(iq) < 1.0e6


def test_bluetooth_centre_frequency_hops_across_examples_on_the_1mhz_grid():
    transmitter = BluetoothTransmitter()
    centres_hz = []
    for seed in range(12):
        iq = transmitter(2_000, np.random.default_rng(seed)).iq
        # Median rather than mean: a capture that straddles a slot boundary holds two channels.
        centres_hz.append(np.median(instantaneous_frequency_hz(iq)))
    centres_hz = np.array(centres_hz)
    assert len(np.unique(np.round(centres_hz / 1e6))) >= 5
    assert np.all(np.abs(centres_hz) <= 9.5e6)
    assert np.all(np.abs(centres_hz / 1e6 - np.round(centres_hz / 1e6)) < 0.2)


def test_lora_chirps_sweep_its_bandwidth_at_bandwidth_squared_over_two_to_the_sf():
    bandwidth_hz, spreading_factor = 250e3, 7
    transmitter = LoRaTransmitter(spreading_factors=(spreading_factor,), bandwidths_hz=(bandwidth_hz,))
    frequency_hz = instantaneous_frequency_hz(transmitter(30_000, np.random.default_rng(4)).iq)
    assert frequency_hz.max() - frequency_hz.min() == pytest.approx(bandwidth_hz, rel=0.02)
    sweep_rate_hz_per_s = np.abs(np.diff(frequency_hz)) * FS
    assert np.median(sweep_rate_hz_per_s) == pytest.approx(bandwidth_hz**2 / 2**spreading_factor, rel=0.01)


def test_zigbee_squared_signal_has_spectral_lines_at_half_the_2mchip_chip_rate():
    iq = ZigBeeTransmitter()(20_000, np.random.default_rng(6)).iq.astype(np.complex128)
    spectrum = np.abs(np.fft.fft(iq**2))
    frequency_hz = np.fft.fftfreq(len(iq), 1 / FS)
    strongest = frequency_hz[np.argsort(spectrum)[-2:]]
    assert sorted(np.round(strongest / 1e3)) == [-1000.0, 1000.0]


def test_zigbee_chip_table_follows_the_802_15_4_construction():
    chips = zigbee_chip_sequences()
    symbol_1 = "11101101100111000011010100100010"
    assert "".join(map(str, chips[1])) == symbol_1
    assert np.array_equal(chips[8][0::2], chips[0][0::2])
    assert np.array_equal(chips[8][1::2], 1 - chips[0][1::2])


@pytest.mark.parametrize("name", list(TECHNOLOGY_TRANSMITTERS))
def test_same_generator_state_gives_the_same_transmission(name):
    transmitter = TECHNOLOGY_TRANSMITTERS[name]()
    first = transmitter(256, np.random.default_rng(11))
    second = transmitter(256, np.random.default_rng(11))
    assert np.array_equal(first.iq, second.iq)
    assert first.params == second.params


def test_unsupported_configuration_is_rejected_naming_the_argument():
    with pytest.raises(SpectrumDataError, match="channel_bandwidths_mhz"):
        LTETransmitter(channel_bandwidths_mhz=(7.0,))
    with pytest.raises(SpectrumDataError, match="num_samples"):
        WiFiTransmitter()(0, np.random.default_rng(0))
