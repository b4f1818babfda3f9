"""Specification of the shared signal-processing helpers."""

import numpy as np
import pytest

from spectrumfm_hf.data.dsp import (
    gaussian_nrz_pulse,
    mean_power,
    native_span,
    ofdm_modulate,
    padded_windows,
    resample_window,
    unit_power,
    window_starts,
    windows,
)


def test_unit_power_scales_every_row_to_mean_power_one():
    rng = np.random.default_rng(0)
    iq = rng.standard_normal((3, 50)) * [[0.1], [2.0], [30.0]] + 1j * rng.standard_normal((3, 50))
    np.testing.assert_allclose(mean_power(unit_power(iq))[:, 0], 1.0, rtol=1e-12)


def test_unit_power_leaves_a_zero_power_row_zero_without_nan():
    iq = np.zeros((2, 8), np.complex128)
    iq[1] = 1 + 1j
    scaled = unit_power(iq)
    assert np.all(scaled[0] == 0)
    np.testing.assert_allclose(mean_power(scaled[1:]), 1.0)


def test_gaussian_nrz_pulses_one_symbol_apart_sum_to_one():
    time_symbols = np.linspace(-0.5, 0.5, 11)
    shifted = sum(gaussian_nrz_pulse(time_symbols - shift, 0.5) for shift in range(-6, 7))
    np.testing.assert_allclose(shifted, 1.0, atol=1e-12)


def test_ofdm_symbols_carry_their_cyclic_prefix():
    grid = np.random.default_rng(1).standard_normal((2, 16)) + 0j
    samples = ofdm_modulate(grid, [4, 2])
    assert samples.shape == (16 + 4 + 16 + 2,)
    np.testing.assert_allclose(samples[:4], samples[16:20])
    np.testing.assert_allclose(samples[20:22], samples[36:38])


def test_resampling_a_tone_keeps_its_frequency_in_hz():
    native_rate_hz, target_rate_hz, tone_hz = 30.72e6, 20e6, 1e6
    span = native_span(256, native_rate_hz, target_rate_hz) + 40
    native = np.exp(2j * np.pi * tone_hz / native_rate_hz * np.arange(span))
    window = resample_window(native, native_rate_hz, target_rate_hz, 40, 256)
    expected_turn = tone_hz / target_rate_hz
    measured_turn = np.angle(np.sum(window[1:] * np.conj(window[:-1]))) / (2 * np.pi)
    assert window.shape == (256,)
    assert measured_turn == pytest.approx(expected_turn, rel=1e-4)


def test_window_starts_cover_whole_windows_only_unless_a_partial_last_is_asked_for():
    np.testing.assert_array_equal(window_starts(10, 4, 3), [0, 3, 6])
    np.testing.assert_array_equal(window_starts(11, 4, 4), [0, 4])
    np.testing.assert_array_equal(window_starts(11, 4, 4, partial_last=True), [0, 4, 8])
    np.testing.assert_array_equal(window_starts(3, 4, 4), np.zeros(0))
    np.testing.assert_array_equal(window_starts(3, 4, 4, partial_last=True), [0])


def test_windows_gather_the_stream_at_each_start():
    stream = np.arange(10)
    np.testing.assert_array_equal(windows(stream, [0, 3, 6], 4), [[0, 1, 2, 3], [3, 4, 5, 6], [6, 7, 8, 9]])


def test_padded_windows_zero_fill_past_the_end_and_mark_the_real_samples():
    samples, valid = padded_windows(np.arange(1, 7), [0, 4], 4)
    np.testing.assert_array_equal(samples, [[1, 2, 3, 4], [5, 6, 0, 0]])
    np.testing.assert_array_equal(valid, [[True] * 4, [True, True, False, False]])
