"""Specifications of the transmitters in ``spectrumfm_hf.data.modulators``."""

import numpy as np
import pytest
from scipy.signal import welch

from spectrumfm_hf.data.base import SpectrumDataError
from spectrumfm_hf.data.dsp import rrc_pulse
from spectrumfm_hf.data.labels import RML2016_10A_CLASSES, RML2018_01A_CLASSES
from spectrumfm_hf.data.transmitters import (
    TRANSMITTER_NAMES,
    TransmitterRanges,
    compatible_groups,
    constellation,
    make_transmitter,
    render_together,
    square_qam,
)

RRC_ONLY = (1.0, 0.0, 0.0)


def test_rml2016_label_order_is_the_published_alphabetical_order():
    assert RML2016_10A_CLASSES == (
        "8PSK", "AM-DSB", "AM-SSB", "BPSK", "CPFSK", "GFSK", "PAM4", "QAM16", "QAM64", "QPSK", "WBFM",
    )


def test_rml2018_label_order_is_the_corrected_one_hot_order():
    assert RML2018_01A_CLASSES == (
        "OOK", "4ASK", "8ASK", "BPSK", "QPSK", "8PSK", "16PSK", "32PSK",
        "16APSK", "32APSK", "64APSK", "128APSK",
        "16QAM", "32QAM", "64QAM", "128QAM", "256QAM",
        "AM-SSB-WC", "AM-SSB-SC", "AM-DSB-WC", "AM-DSB-SC", "FM", "GMSK", "OQPSK",
    )


def test_every_class_of_both_sets_has_a_transmitter():
    assert set(TRANSMITTER_NAMES) == set(RML2016_10A_CLASSES) | set(RML2018_01A_CLASSES)
    assert len(TRANSMITTER_NAMES) == 32  # BPSK, QPSK and 8PSK are in both sets


@pytest.mark.parametrize("name", TRANSMITTER_NAMES)
def test_every_class_gives_finite_unit_power_output_of_requested_length(name):
    transmission = make_transmitter(name)(301, np.random.default_rng(1))
    assert transmission.iq.shape == (301,)
    assert transmission.iq.dtype == np.complex64
    assert np.all(np.isfinite(transmission.iq))
    assert np.mean(np.abs(transmission.iq) ** 2) == pytest.approx(1.0, rel=1e-5)
    assert transmission.params["transmitter"] == name
    assert 0.0 < transmission.params["bandwidth"] <= 1.0


@pytest.mark.parametrize("name", ["CPFSK", "GFSK", "GMSK", "FM", "WBFM"])
def test_frequency_and_phase_modulations_have_constant_envelope(name):
    transmitter = make_transmitter(name)
    uniforms = np.random.default_rng(2).random((32, transmitter.num_uniforms(400)))
    iq, _ = transmitter.render(uniforms, 400)
    np.testing.assert_allclose(np.abs(iq), 1.0, atol=1e-9)


def test_cpfsk_phase_is_continuous_with_the_drawn_frequency_deviation():
    ranges = TransmitterRanges(samples_per_symbol=(6.3, 6.3), fsk_modulation_index=(0.7, 0.7))
    transmitter = make_transmitter("CPFSK", ranges)
    iq, _ = transmitter.render(np.random.default_rng(3).random((16, transmitter.num_uniforms(600))), 600)
    step = np.angle(iq[:, 1:] * np.conj(iq[:, :-1]))
    # Rectangular frequency pulse: the phase moves by +-pi h / sps per sample, never jumps.
    peak_step = np.pi * 0.7 / 6.3
    assert np.max(np.abs(step)) <= peak_step * (1 + 1e-6)
    assert np.mean(np.isclose(np.abs(step), peak_step, rtol=1e-3)) > 0.8


def _raised_cosine_99_percent_bandwidth(rolloff, samples_per_symbol):
    frequency = np.linspace(0, 0.5, 200001)
    symbol_frequency = frequency * samples_per_symbol
    low, high = (1 - rolloff) / 2, (1 + rolloff) / 2
    spectrum = np.where(
        symbol_frequency <= low,
        1.0,
        np.where(symbol_frequency >= high, 0.0, 0.5 * (1 + np.cos(np.pi / rolloff * (symbol_frequency - low)))),
    )
    cumulative = np.cumsum(spectrum) / spectrum.sum()
    return 2 * frequency[np.argmax(cumulative >= 0.99)]


def _welch_99_percent_bandwidth(iq):
    frequency, psd = welch(iq, nperseg=1024, return_onesided=False, axis=-1, window="blackmanharris")
    psd = np.fft.fftshift(psd.mean(axis=0))
    frequency = np.fft.fftshift(frequency)
    cumulative = np.cumsum(psd) / psd.sum()
    low = frequency[np.argmax(cumulative >= 0.005)]
    high = frequency[np.argmax(cumulative >= 0.995)]
    return high - low


@pytest.mark.parametrize("samples_per_symbol, rolloff", [(8.0, 0.35), (5.5, 0.2), (4.25, 0.8)])
def test_rrc_spectrum_occupies_one_plus_rolloff_over_sps(samples_per_symbol, rolloff):
    ranges = TransmitterRanges(
        samples_per_symbol=(samples_per_symbol, samples_per_symbol),
        rolloff=(rolloff, rolloff),
        pulse_shape_weights=RRC_ONLY,
    )
    transmitter = make_transmitter("QPSK", ranges)
    iq, columns = transmitter.render(np.random.default_rng(4).random((8, transmitter.num_uniforms(8192))), 8192)
    assert columns["bandwidth"][0] == pytest.approx((1 + rolloff) / samples_per_symbol)
    measured = _welch_99_percent_bandwidth(iq)
    expected = _raised_cosine_99_percent_bandwidth(rolloff, samples_per_symbol)
    assert measured == pytest.approx(expected, rel=0.05)
    assert measured <= (1 + rolloff) / samples_per_symbol


def test_rrc_pulse_has_no_intersymbol_interference_after_matched_filter():
    ranges = TransmitterRanges(samples_per_symbol=(8.0, 8.0), rolloff=(0.35, 0.35), pulse_shape_weights=RRC_ONLY)
    transmitter = make_transmitter("16QAM", ranges)
    uniforms = np.random.default_rng(5).random((1, transmitter.num_uniforms(2048)))
    uniforms[:, 3] = 0.0  # symbol clock aligned with the first sample
    iq, _ = transmitter.render(uniforms, 2048)
    matched = rrc_pulse(np.arange(-64, 65) / 8.0, 0.35)
    filtered = np.convolve(iq[0], matched, mode="same")[100:-100]
    symbols = filtered[(np.arange(filtered.size) + 100) % 8 == 0]
    symbols /= np.sqrt(np.mean(np.abs(symbols) ** 2))
    points = constellation("16QAM")
    distance = np.min(np.abs(symbols[:, None] - points[None, :]), axis=1)
    assert np.max(distance) < 0.05


@pytest.mark.parametrize("order", [16, 64, 256])
def test_square_qam_is_the_qam_constellation_of_the_modulation_data_sets(order):
    np.testing.assert_array_equal(square_qam(order), constellation(f"{order}QAM"))


def test_square_qam_has_unit_power_and_rejects_non_square_orders():
    np.testing.assert_allclose(np.mean(np.abs(square_qam(4)) ** 2), 1.0)
    with pytest.raises(SpectrumDataError, match="order"):
        square_qam(32)


def test_single_sideband_occupies_one_side_of_the_carrier():
    transmitter = make_transmitter("AM-SSB-SC")
    iq, _ = transmitter.render(np.random.default_rng(6).random((16, transmitter.num_uniforms(4096))), 4096)
    spectrum = np.abs(np.fft.fft(iq * np.hanning(4096), axis=-1)) ** 2
    frequency = np.fft.fftfreq(4096)
    upper = spectrum[:, frequency > 0].sum(axis=1)
    lower = spectrum[:, frequency < 0].sum(axis=1)
    assert np.all(np.minimum(upper, lower) / np.maximum(upper, lower) < 1e-3)


def test_am_with_carrier_shows_a_carrier_and_suppressed_carrier_does_not():
    def carrier_fraction(name):
        transmitter = make_transmitter(name)
        iq, _ = transmitter.render(np.random.default_rng(7).random((64, transmitter.num_uniforms(2048))), 2048)
        return np.abs(iq.mean(axis=1)) ** 2  # carrier power over total (unit) power

    assert np.all(carrier_fraction("AM-DSB-WC") > 0.3)
    assert np.median(carrier_fraction("AM-DSB-SC")) < 0.05


def test_cross_and_apsk_constellations_have_standard_geometry():
    qam32, qam128 = constellation("32QAM"), constellation("128QAM")
    assert qam32.size == 32 and qam128.size == 128
    assert np.mean(np.abs(qam128) ** 2) == pytest.approx(1.0)
    # A cross constellation has no corner points: the largest amplitude is below the square's corner.
    assert np.max(np.abs(qam32)) < np.max(np.abs(qam32.real)) * np.sqrt(2) * 0.99
    radii = np.unique(np.round(np.abs(constellation("16APSK")), 6))
    assert radii.size == 2 and radii[1] / radii[0] == pytest.approx(2.85, rel=1e-4)
    ring_sizes = np.unique(np.round(np.abs(constellation("32APSK")), 6), return_counts=True)[1]
    assert ring_sizes.tolist() == [4, 12, 16]


def test_batch_rendering_equals_rendering_each_example_alone():
    transmitter = make_transmitter("GFSK")
    uniforms = np.random.default_rng(8).random((5, transmitter.num_uniforms(128)))
    batch, _ = transmitter.render(uniforms, 128)
    for row in range(5):
        alone, _ = transmitter.render(uniforms[row : row + 1], 128)
        assert np.array_equal(alone[0], batch[row])


def test_linear_classes_render_together_exactly_as_alone():
    transmitters = [make_transmitter(name) for name in ("BPSK", "GMSK", "16QAM", "128APSK", "OQPSK", "FM")]
    groups = compatible_groups(transmitters)
    assert groups == [[0, 2, 3], [1], [4], [5]]
    members = [transmitters[i] for i in groups[0]]
    which = np.array([2, 0, 1, 1, 0, 2])
    uniforms = np.random.default_rng(12).random((6, members[0].num_uniforms(96)))
    together, columns = render_together(members, which, uniforms, 96)
    for row, position in enumerate(which):
        alone, alone_columns = members[position].render(uniforms[row : row + 1], 96)
        assert np.array_equal(alone[0], together[row])
        assert alone_columns["bandwidth"][0] == columns["bandwidth"][row]


def test_fractional_samples_per_symbol_sets_the_symbol_rate():
    ranges = TransmitterRanges(samples_per_symbol=(5.37, 5.37), pulse_shape_weights=RRC_ONLY)
    transmitter = make_transmitter("BPSK", ranges)
    iq, columns = transmitter.render(np.random.default_rng(9).random((8, transmitter.num_uniforms(8192))), 8192)
    # Squaring a BPSK envelope leaves a spectral line at the symbol rate.
    envelope = np.abs(iq) ** 2
    spectrum = np.abs(np.fft.rfft(envelope - envelope.mean(axis=1, keepdims=True), axis=1)).mean(axis=0)
    frequency = np.fft.rfftfreq(8192)
    line = frequency[np.argmax(spectrum[frequency > 0.05]) + np.count_nonzero(frequency <= 0.05)]
    assert line == pytest.approx(1 / 5.37, abs=2e-4)
    assert columns["samples_per_symbol"][0] == pytest.approx(5.37)


@pytest.mark.parametrize(
    "arguments, argument",
    [
        ({"samples_per_symbol": (-2.0, 4.0)}, "samples_per_symbol"),
        ({"rolloff": (0.2, 1.5)}, "rolloff"),
        ({"rolloff": (-0.1, 0.5)}, "rolloff"),
        ({"am_modulation_depth": (0.5, 0.2)}, "am_modulation_depth"),
        ({"pulse_shape_weights": (1.0, -1.0, 0.0)}, "pulse_shape_weights"),
    ],
)
def test_bad_ranges_raise_naming_the_argument(arguments, argument):
    with pytest.raises(SpectrumDataError, match=argument):
        TransmitterRanges(**arguments)


def test_unknown_class_name_raises_naming_the_argument():
    with pytest.raises(SpectrumDataError, match="name"):
        make_transmitter("QAM1024")


def test_non_positive_length_raises_naming_the_argument():
    with pytest.raises(SpectrumDataError, match="num_samples"):
        make_transmitter("BPSK")(0, np.random.default_rng(0))


@pytest.mark.parametrize("name, index, bt", [("CPFSK", 0.7, None), ("GMSK", 0.5, 0.3), ("GFSK", 0.9, 0.45)])
def test_fsk_recorded_bandwidth_is_close_to_the_99_percent_bandwidth(name, index, bt):
    ranges = TransmitterRanges(
        samples_per_symbol=(8.0, 8.0),
        fsk_modulation_index=(index, index),
        gaussian_bt=(bt or 0.3, bt or 0.3),
        gmsk_bt=(bt or 0.3, bt or 0.3),
    )
    transmitter = make_transmitter(name, ranges)
    iq, columns = transmitter.render(np.random.default_rng(10).random((8, transmitter.num_uniforms(8192))), 8192)
    assert columns["bandwidth"][0] == pytest.approx(_welch_99_percent_bandwidth(iq), rel=0.3)
