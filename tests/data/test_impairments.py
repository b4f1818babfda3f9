"""Specifications of the impairments in ``spectrumfm_hf.data.channel``."""

import numpy as np
import pytest

from spectrumfm_hf.data.base import SpectrumDataError
from spectrumfm_hf.data.impairments import (
    AdditiveNoise,
    CarrierOffset,
    DCOffset,
    ImpairmentChain,
    IQImbalance,
    MultipathFading,
    PhaseNoise,
    PowerAmplifier,
    Quantizer,
    TimingOffset,
    default_impairments,
)
from spectrumfm_hf.data.impairments import functional
from spectrumfm_hf.data.transmitters import TransmitterRanges, make_transmitter


def _apply(stage, iq, seed=0, columns=None):
    """Run a stage on a batch with its own random numbers."""
    rng = np.random.default_rng(seed)
    batch, num_samples = iq.shape
    uniforms = rng.random((batch, stage.num_uniforms(num_samples)))
    normals = rng.standard_normal((batch, stage.num_normals(num_samples)))
    columns = {} if columns is None else columns
    return stage.apply(iq.astype(np.complex128), uniforms, normals, columns), columns


def _tone(frequency, num_samples=512, batch=1):
    return np.tile(np.exp(2j * np.pi * frequency * np.arange(num_samples)), (batch, 1))


def _qpsk(batch, num_samples, samples_per_symbol=4.0, rolloff=0.25):
    ranges = TransmitterRanges(
        samples_per_symbol=(samples_per_symbol, samples_per_symbol),
        rolloff=(rolloff, rolloff),
        pulse_shape_weights=(1.0, 0.0, 0.0),
    )
    transmitter = make_transmitter("QPSK", ranges)
    uniforms = np.random.default_rng(11).random((batch, transmitter.num_uniforms(num_samples)))
    return transmitter.render(uniforms, num_samples)


@pytest.mark.parametrize("snr_db", [-10.0, 0.0, 10.0, 25.0])
def test_awgn_sets_the_snr_in_the_signals_occupied_band(snr_db):
    clean, columns = _qpsk(200, 512)
    bandwidth = columns["bandwidth"][0]
    columns = {"snr_db": np.full(200, snr_db), "bandwidth": columns["bandwidth"]}
    noisy, columns = _apply(AdditiveNoise(), clean, columns=columns)
    noise_spectrum = np.abs(np.fft.fft(noisy - clean, axis=-1)) ** 2 / 512**2
    in_band = np.abs(np.fft.fftfreq(512)) <= bandwidth / 2
    in_band_noise = noise_spectrum[:, in_band].sum(axis=1)
    signal = np.mean(np.abs(clean) ** 2, axis=1)
    measured_db = 10 * np.log10(signal.mean() / in_band_noise.mean())
    assert measured_db == pytest.approx(snr_db, abs=0.5)
    np.testing.assert_array_equal(columns["snr_db"], snr_db)


def test_awgn_without_a_recorded_bandwidth_uses_the_whole_band():
    clean = _tone(0.1, 1024, batch=100)
    noisy, _ = _apply(AdditiveNoise(), clean, columns={"snr_db": np.full(100, 3.0)})
    measured_db = 10 * np.log10(1.0 / np.mean(np.abs(noisy - clean) ** 2))
    assert measured_db == pytest.approx(3.0, abs=0.1)


def test_awgn_draws_snr_from_its_range_when_none_is_given():
    noisy, columns = _apply(AdditiveNoise(snr_db=(5.0, 6.0)), _tone(0.1, 64, batch=50))
    assert np.all((columns["snr_db"] >= 5.0) & (columns["snr_db"] <= 6.0))


def _tap_change(doppler, seed=0):
    """Mean squared change of a single Rayleigh tap across a 1000-sample capture."""
    fading = MultipathFading(fading_weights=(0, 1, 0), doppler=(doppler, doppler), num_taps=1)
    uniforms = np.random.default_rng(seed).random((400, fading.num_uniforms(1000)))
    gains = fading.taps(uniforms, 1000)[:, 0, :]
    return np.mean(np.abs(gains[:, -1] - gains[:, 0]) ** 2), gains


def test_fading_is_static_without_doppler():
    change, gains = _tap_change(0.0)
    assert change == 0.0
    assert np.mean(np.abs(gains[:, 0]) ** 2) == pytest.approx(1.0, rel=0.15)


def test_fading_varies_within_a_capture_and_more_with_higher_doppler():
    slow, _ = _tap_change(2e-4)
    fast, gains = _tap_change(2e-3)
    assert 0.01 < slow < fast
    # Rayleigh taps keep unit mean power while they vary.
    assert np.mean(np.abs(gains) ** 2) == pytest.approx(1.0, rel=0.15)
    # At Doppler 2e-3 the taps decorrelate within the capture (Jakes: J0(2 pi fd t) ~ 0 near 190 samples).
    assert fast > 1.5


def test_rician_fading_with_large_k_has_a_stable_envelope():
    fading = MultipathFading(fading_weights=(0, 0, 1), k_factor_db=(30.0, 30.0), doppler=(1e-3, 1e-3), num_taps=1)
    rayleigh = MultipathFading(fading_weights=(0, 1, 0), doppler=(1e-3, 1e-3), num_taps=1)
    uniforms = np.random.default_rng(1).random((200, fading.num_uniforms(500)))
    rician_envelope = np.abs(fading.taps(uniforms, 500)[:, 0, :])
    rayleigh_envelope = np.abs(rayleigh.taps(uniforms, 500)[:, 0, :])
    assert np.std(rician_envelope) < 0.1 < np.std(rayleigh_envelope)


def test_multipath_delay_profile_spreads_energy_over_later_taps():
    fading = MultipathFading(fading_weights=(0, 1, 0), delay_decay=(1.0, 1.0), doppler=(0.0, 0.0), num_taps=4)
    uniforms = np.random.default_rng(2).random((2000, fading.num_uniforms(16)))
    columns = {}
    tap_power = np.mean(np.abs(fading.taps(uniforms, 16, columns)[:, :, 0]) ** 2, axis=0)
    expected = np.exp(-np.arange(4)) / np.exp(-np.arange(4)).sum()
    np.testing.assert_allclose(tap_power, expected, rtol=0.15)
    assert np.all(columns["delay_spread"] > 0.5)


def test_no_fading_passes_the_signal_unchanged():
    iq = _tone(0.05, 64, batch=4)
    out, columns = _apply(MultipathFading(fading_weights=(1, 0, 0)), iq)
    np.testing.assert_allclose(out, iq, atol=1e-12)
    assert list(columns["fading"]) == ["none"] * 4


def test_carrier_offset_shifts_the_spectrum_by_the_drawn_frequency():
    out, columns = _apply(CarrierOffset(cfo=(0.1, 0.1), drift=(0, 0)), _tone(0.0, 1000))
    assert np.fft.fftfreq(1000)[np.argmax(np.abs(np.fft.fft(out[0])))] == pytest.approx(0.1)
    assert columns["cfo"][0] == pytest.approx(0.1)


def test_timing_offset_delays_by_the_drawn_fraction_of_a_sample():
    tone = _tone(0.05, 256)
    early, _ = _apply(TimingOffset(delay=(0.0, 0.0), sample_rate_offset_ppm=(0, 0)), tone)
    late, columns = _apply(TimingOffset(delay=(0.5, 0.5), sample_rate_offset_ppm=(0, 0)), tone)
    phase_lag = np.angle(np.mean(early[0, 32:] * np.conj(late[0, 32:])))
    assert phase_lag == pytest.approx(2 * np.pi * 0.05 * 0.5, abs=1e-4)
    assert columns["timing_offset"][0] == 0.5


def test_sample_rate_offset_scales_frequencies():
    out, _ = _apply(TimingOffset(delay=(0.0, 0.0), sample_rate_offset_ppm=(5000.0, 5000.0)), _tone(0.05, 1024))
    phase_step = np.angle(np.mean(out[0, 65:] * np.conj(out[0, 64:-1])))
    assert phase_step / (2 * np.pi) == pytest.approx(0.05 * 1.005, rel=1e-4)


def test_phase_noise_is_a_random_walk_with_the_drawn_step():
    out, columns = _apply(PhaseNoise(std_rad=(0.01, 0.01)), np.ones((20, 2000)))
    steps = np.angle(out[:, 1:] * np.conj(out[:, :-1]))
    assert np.std(steps) == pytest.approx(0.01, rel=0.05)
    assert np.all(np.abs(out) == pytest.approx(1.0))


def test_iq_imbalance_creates_an_image_at_the_mirror_frequency():
    out, _ = _apply(IQImbalance(gain_db=(1.0, 1.0), phase_deg=(5.0, 5.0)), _tone(0.125, 1024))
    spectrum = np.abs(np.fft.fft(out[0]))
    frequency = np.fft.fftfreq(1024)
    image = spectrum[np.isclose(frequency, -0.125)][0] / spectrum[np.isclose(frequency, 0.125)][0]
    ratio, phi = 10 ** (1 / 20), np.deg2rad(5.0)
    expected = abs((1 - ratio * np.exp(1j * phi)) / (1 + ratio * np.exp(-1j * phi)))
    assert image == pytest.approx(expected, rel=1e-6)


def test_dc_offset_has_the_drawn_level():
    iq = _tone(0.2, 1000)
    out, columns = _apply(DCOffset(level_db=(-20.0, -20.0)), iq)
    assert 10 * np.log10(np.abs(np.mean(out[0])) ** 2) == pytest.approx(-20.0, abs=0.1)


def test_quantizer_leaves_at_most_two_to_the_bits_levels_per_rail():
    out, columns = _apply(Quantizer(bits=(4, 4), headroom_db=(6.0, 6.0)), np.exp(1j * np.linspace(0, 40, 3000))[None])
    assert np.unique(out.real).size <= 16 and np.unique(out.imag).size <= 16
    assert columns["adc_bits"][0] == 4


def test_power_amplifier_compresses_peaks():
    clean, _ = _qpsk(20, 512)
    out, _ = _apply(PowerAmplifier(input_backoff_db=(0.0, 0.0), smoothness=(2.0, 2.0)), clean)

    def papr_db(x):
        return 10 * np.log10(np.max(np.abs(x) ** 2, axis=1) / np.mean(np.abs(x) ** 2, axis=1))

    assert np.all(papr_db(out) < papr_db(clean) - 1.0)


def test_chain_returns_the_requested_length_and_records_every_stage():
    chain = default_impairments()
    iq = _tone(0.01, 128)[0].astype(np.complex64)
    params = {"snr_db": 10.0, "bandwidth": 0.2}
    out = chain(iq, np.random.default_rng(3), params)
    assert out.shape == (128,) and out.dtype == np.complex64 and np.all(np.isfinite(out))
    for key in ("fading", "doppler", "cfo", "timing_offset", "phase_noise_std_rad", "iq_gain_imbalance_db",
                "dc_offset_db", "adc_bits", "pa_input_backoff_db"):
        assert key in params
    assert params["snr_db"] == 10.0


def test_chain_consumes_history_so_outputs_carry_no_start_transient():
    static = MultipathFading(fading_weights=(0, 1, 0), doppler=(0.0, 0.0), delay_decay=(2.0, 2.0), num_taps=4)
    chain = ImpairmentChain([static, TimingOffset()])
    history = chain.history_samples(64)
    assert history >= 3 + 3
    iq = np.ones((8, 64 + history), dtype=np.complex128)
    uniforms = np.random.default_rng(4).random((8, chain.num_uniforms(64)))
    out = chain.apply(iq, uniforms, np.zeros((8, 0)), {}, 64)
    # Through a static channel a constant input stays constant unless the start is a ramp from silence.
    np.testing.assert_allclose(out, np.repeat(out[:, -1:], 64, axis=1), rtol=1e-9)


def test_chain_in_chunks_equals_one_pass_and_returns_every_drawn_column():
    chain = default_impairments()
    batch, num_samples = 10, 64
    rng = np.random.default_rng(5)
    iq = _tone(0.02, num_samples + chain.history_samples(num_samples), batch)
    uniforms = rng.random((batch, chain.num_uniforms(num_samples)))
    normals = rng.standard_normal((batch, chain.num_normals(num_samples)))
    given = {"snr_db": np.linspace(-10.0, 10.0, batch)}
    whole_columns = dict(given)
    whole = chain.apply(iq, uniforms, normals, whole_columns, num_samples)
    chunked, columns = chain.apply_in_chunks(iq, uniforms, normals, given, num_samples, chunk_examples=3)
    np.testing.assert_array_equal(chunked, whole)
    assert set(columns) == set(whole_columns)
    for name, column in whole_columns.items():
        np.testing.assert_array_equal(columns[name], column)
    assert set(given) == {"snr_db"}


@pytest.mark.parametrize(
    "make, argument",
    [
        (lambda: MultipathFading(doppler=(-0.01, 0.01)), "doppler"),
        (lambda: MultipathFading(num_taps=0), "num_taps"),
        (lambda: AdditiveNoise(snr_db=(10.0, 0.0)), "snr_db"),
        (lambda: Quantizer(bits=(0, 8)), "bits"),
        (lambda: CarrierOffset(cfo=(0.0, 0.7)), "cfo"),
        (lambda: ImpairmentChain([object()]), "transforms"),
    ],
)
def test_bad_impairment_parameters_raise_naming_the_argument(make, argument):
    with pytest.raises(SpectrumDataError, match=argument):
        make()


@pytest.mark.parametrize(
    "stage, impair, recorded",
    [
        (CarrierOffset(), functional.carrier_offset, ("cfo", "cfo_drift", "phase_offset_rad")),
        (IQImbalance(), functional.iq_imbalance, ("iq_gain_imbalance_db", "iq_phase_imbalance_deg")),
        (Quantizer(), functional.quantize, ("adc_bits", "adc_headroom_db")),
    ],
)
def test_a_transform_is_its_pure_function_at_the_parameters_it_records(stage, impair, recorded):
    iq, _ = _qpsk(3, 256)
    impaired, columns = _apply(stage, iq, seed=4)
    np.testing.assert_array_equal(impaired, impair(iq.astype(np.complex128), *(columns[name] for name in recorded)))
