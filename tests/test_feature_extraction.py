"""SpectrumFMFeatureExtractor: eq. 4-7, windowing, input forms, errors, persistence."""

import json
import re

import numpy as np
import pytest
import torch

from spectrumfm_hf import SpectrumFMFeatureExtractor, SpectrumFMInputError, SpectrumFMInputTypeError

HALF_PI = np.pi / 2


def test_amplitude_phase_and_min_max_on_a_hand_made_window():
    extractor = SpectrumFMFeatureExtractor(window_length=4)
    iq = np.array([1 + 0j, 0 + 2j, -3 + 0j, 0 - 4j])
    features = extractor(iq)["input_values"][0]
    # Eq. 6: amplitudes 1, 2, 3, 4 and phases 0, pi/2, pi, -pi/2; eq. 7 per channel.
    np.testing.assert_allclose(features[:, 0], [0, 1 / 3, 2 / 3, 1], atol=1e-6)
    phases = np.array([0, HALF_PI, np.pi, -HALF_PI])
    np.testing.assert_allclose(features[:, 1], (phases + HALF_PI) / (1.5 * np.pi), atol=1e-6)
    assert features.dtype == np.float32


def test_log_amplitude_variant_normalises_the_logarithm():
    extractor = SpectrumFMFeatureExtractor(window_length=3, log_amplitude=True)
    features = extractor(np.array([1 + 0j, 10 + 0j, 100 + 0j]))["input_values"][0]
    np.testing.assert_allclose(features[:, 0], [0, 0.5, 1], atol=1e-6)


def test_result_does_not_depend_on_the_capture_scale():
    rng = np.random.default_rng(0)
    iq = rng.standard_normal(256) + 1j * rng.standard_normal(256)
    extractor = SpectrumFMFeatureExtractor()
    np.testing.assert_allclose(extractor(iq)["input_values"], extractor(1e-30 * iq)["input_values"], atol=1e-6)
    np.testing.assert_allclose(extractor(iq)["input_values"], extractor(1e300 * iq)["input_values"], atol=1e-6)


def test_a_1000_sample_capture_gives_eight_windows_with_the_last_padded():
    rng = np.random.default_rng(1)
    iq = rng.standard_normal(1000) + 1j * rng.standard_normal(1000)
    out = SpectrumFMFeatureExtractor()(iq, return_tensors="np", return_window_positions=True)
    assert out["input_values"].shape == (8, 128, 2)
    np.testing.assert_array_equal(out["window_start"], np.arange(0, 1000, 128))
    assert out["attention_mask"][:7].all()
    assert out["attention_mask"][7].sum() == 1000 - 7 * 128
    # Padding is excluded from the normalisation and holds the padding value.
    last = out["input_values"][7]
    assert np.all(last[104:] == 0.0)
    np.testing.assert_allclose(last[:104].min(axis=0), 0.0, atol=1e-7)
    np.testing.assert_allclose(last[:104].max(axis=0), 1.0, atol=1e-6)


def test_drop_mode_discards_the_partial_window():
    iq = np.exp(1j * np.arange(1000) * 0.1) * np.linspace(1, 2, 1000)
    out = SpectrumFMFeatureExtractor(last_window="drop")(iq)
    assert out["input_values"].shape == (7, 128, 2)
    assert out["attention_mask"].all()


def test_hop_length_overlaps_windows():
    iq = np.exp(1j * np.arange(1000) * 0.1) * np.linspace(1, 2, 1000)
    out = SpectrumFMFeatureExtractor(hop_length=64, last_window="drop")(iq, return_window_positions=True)
    np.testing.assert_array_equal(out["window_start"], np.arange(0, 1000 - 128 + 1, 64))


def test_a_list_of_captures_of_different_lengths_records_their_origin():
    rng = np.random.default_rng(2)
    captures = [rng.standard_normal(n) + 1j * rng.standard_normal(n) for n in (300, 128, 50)]
    out = SpectrumFMFeatureExtractor()(captures, return_tensors="pt", return_window_positions=True)
    assert isinstance(out["input_values"], torch.Tensor)
    assert out["capture_index"].tolist() == [0, 0, 0, 1, 2]
    assert out["window_start"].tolist() == [0, 128, 256, 0, 0]
    assert out["attention_mask"].sum(dim=1).tolist() == [128, 128, 44, 128, 50]


def test_real_iq_pairs_complex_and_integer_inputs_agree():
    rng = np.random.default_rng(3)
    iq = (rng.integers(-2000, 2000, 256) + 1j * rng.integers(-2000, 2000, 256)).astype(np.complex64)
    extractor = SpectrumFMFeatureExtractor()
    expected = extractor(iq)["input_values"]
    pairs = np.stack([iq.real, iq.imag], axis=-1)
    np.testing.assert_allclose(extractor(pairs)["input_values"], expected, atol=1e-6)
    np.testing.assert_allclose(extractor(pairs.astype(np.int16))["input_values"], expected, atol=1e-6)
    np.testing.assert_allclose(extractor(torch.from_numpy(iq))["input_values"], expected, atol=1e-6)
    batch = extractor(np.stack([pairs, pairs]), return_window_positions=True)
    assert batch["capture_index"].tolist() == [0, 0, 1, 1]


def test_constant_and_zero_power_windows_get_the_fill_value_not_nan():
    extractor = SpectrumFMFeatureExtractor(window_length=16)
    zeros = extractor(np.zeros(16, np.complex64))["input_values"]
    assert np.isfinite(zeros).all() and np.all(zeros == 0.5)
    tone = extractor(np.exp(1j * np.arange(16) * 0.3))["input_values"][0]
    assert np.all(tone[:, 0] == 0.5)  # constant envelope: amplitude is featureless
    assert tone[:, 1].min() == 0.0 and tone[:, 1].max() == pytest.approx(1.0)


def test_constant_windows_can_be_refused():
    extractor = SpectrumFMFeatureExtractor(window_length=16, constant_window="error")
    with pytest.raises(SpectrumFMInputError, match="constant amplitude"):
        extractor(np.zeros(16, np.complex64))


@pytest.mark.parametrize(
    "bad, message",
    [
        (np.array([1 + 1j, np.nan, 0j]), "NaN or Inf"),
        (np.array([[1.0, np.inf], [0.0, 1.0]]), "NaN or Inf"),
        (np.ones(10), r"shape \(samples, 2\)"),
        (np.ones((10, 3)), r"shape \(samples, 2\)"),
        (np.ones((2, 2, 10), np.complex64), "must be 1-D"),
        (np.zeros(0, np.complex64), "empty"),
        ([], "empty list"),
        ([[1, 2], [3]], r"shape \(samples, 2\)"),
    ],
)
def test_bad_values_and_shapes_raise_input_errors(bad, message):
    with pytest.raises(SpectrumFMInputError, match=message):
        SpectrumFMFeatureExtractor()(bad)


@pytest.mark.parametrize(
    "bad",
    [np.ones((10, 2), bool), np.ones((10, 2), np.uint8), np.array(["a", "b"]), None, {"iq": 1}],
)
def test_wrong_types_raise_type_errors(bad):
    with pytest.raises(SpectrumFMInputTypeError):
        SpectrumFMFeatureExtractor()(bad)


def test_drop_mode_with_only_short_captures_says_why():
    with pytest.raises(SpectrumFMInputError, match="last_window='pad'"):
        SpectrumFMFeatureExtractor(last_window="drop")(np.ones(50, np.complex64))


@pytest.mark.parametrize(
    "options, named",
    [(dict(window_length=0), "window_length"), (dict(last_window="wrap"), "last_window"),
     (dict(constant_window="skip"), "constant_window"), (dict(hop_length=-1), "hop_length")],
)
def test_invalid_options_raise(options, named):
    with pytest.raises(SpectrumFMInputError, match=named):
        SpectrumFMFeatureExtractor(**options)


def test_right_padding_puts_a_short_last_windows_padding_after_its_samples():
    extractor = SpectrumFMFeatureExtractor(window_length=8, padding_side="right")
    out = extractor(np.exp(1j * np.arange(11) * 0.3))
    assert out["attention_mask"].tolist() == [[1] * 8, [1, 1, 1, 0, 0, 0, 0, 0]]
    assert np.all(out["input_values"][1, 3:] == 0.0)


@pytest.mark.parametrize("side", ["left", "RIGHT", "both"])
def test_padding_side_other_than_right_is_refused_naming_the_supported_side(side):
    expected = ("padding_side must be 'right' (the models take padding after a window's real symbols, "
                "not before them)")
    with pytest.raises(SpectrumFMInputError, match=rf"{re.escape(expected)}, got '{side}'"):
        SpectrumFMFeatureExtractor(padding_side=side)


def test_padding_side_that_is_not_a_string_is_a_type_error():
    with pytest.raises(SpectrumFMInputTypeError, match="padding_side must be 'right'"):
        SpectrumFMFeatureExtractor(padding_side=None)


def test_a_saved_config_asking_for_left_padding_is_refused_on_load(tmp_path):
    SpectrumFMFeatureExtractor().save_pretrained(tmp_path)
    saved = json.loads((tmp_path / "preprocessor_config.json").read_text())
    assert saved["padding_side"] == "right"
    (tmp_path / "preprocessor_config.json").write_text(json.dumps({**saved, "padding_side": "left"}))
    with pytest.raises(SpectrumFMInputError, match="padding_side must be 'right'.*got 'left'"):
        SpectrumFMFeatureExtractor.from_pretrained(tmp_path)


def test_mismatched_sampling_rate_is_refused():
    extractor = SpectrumFMFeatureExtractor(sampling_rate=1e6)
    with pytest.raises(SpectrumFMInputError, match="resample"):
        extractor(np.ones(128, np.complex64) * 1j, sampling_rate=2e6)


def test_save_and_load_round_trip(tmp_path):
    extractor = SpectrumFMFeatureExtractor(window_length=64, hop_length=32, log_amplitude=True, sampling_rate=2e6)
    extractor.save_pretrained(tmp_path)
    assert (tmp_path / "preprocessor_config.json").exists()
    loaded = SpectrumFMFeatureExtractor.from_pretrained(tmp_path)
    assert loaded.to_dict() == extractor.to_dict()
    rng = np.random.default_rng(4)
    iq = rng.standard_normal(500) + 1j * rng.standard_normal(500)
    np.testing.assert_array_equal(loaded(iq)["input_values"], extractor(iq)["input_values"])


def test_window_positions_are_returned_only_when_asked_for():
    iq = np.exp(1j * np.arange(300) * 0.1)
    extractor = SpectrumFMFeatureExtractor(window_length=128)
    assert set(extractor(iq)) == {"input_values", "attention_mask"}
    assert set(extractor(iq, return_window_positions=True)) == {"input_values", "attention_mask", "capture_index",
                                                                 "window_start"}


def test_a_list_of_equal_length_captures_equals_their_stacked_array():
    rng = np.random.default_rng(5)
    batch = rng.standard_normal((4, 100, 2)).astype(np.float32)
    extractor = SpectrumFMFeatureExtractor(window_length=32)
    from_list = extractor(list(batch), return_window_positions=True)
    from_array = extractor(batch, return_window_positions=True)
    for key in from_array:
        np.testing.assert_array_equal(from_list[key], from_array[key])


def test_iq_representation_divides_both_rails_by_the_windows_peak_and_maps_to_unit_range():
    rng = np.random.default_rng(0)
    capture = rng.standard_normal(64) + 1j * rng.standard_normal(64)
    values = SpectrumFMFeatureExtractor(window_length=64, representation="iq")(capture)["input_values"][0]
    peak = max(np.abs(capture.real).max(), np.abs(capture.imag).max())
    np.testing.assert_allclose(values[:, 0], (capture.real / peak + 1) / 2, atol=1e-6)
    np.testing.assert_allclose(values[:, 1], (capture.imag / peak + 1) / 2, atol=1e-6)


def test_iq_representation_keeps_the_constellations_shape():
    # QPSK at 45 degrees: equal rails must stay equal (per-rail min-max would not guarantee it).
    symbols = np.exp(1j * np.pi / 4) * np.array([1, 1j, -1, -1j] * 16)
    values = SpectrumFMFeatureExtractor(window_length=64, representation="iq")(3.0 * symbols)["input_values"][0]
    np.testing.assert_allclose(np.abs(values[:, 0] - 0.5), np.abs(values[:, 1] - 0.5), atol=1e-6)


def test_iq_representation_of_a_zero_power_window_is_filled_or_refused_by_name():
    silent = np.zeros(64, np.complex64)
    filled = SpectrumFMFeatureExtractor(window_length=64, representation="iq")(silent)["input_values"]
    assert np.all(filled == 0.5)
    with pytest.raises(SpectrumFMInputError, match="constant I"):
        SpectrumFMFeatureExtractor(window_length=64, representation="iq", constant_window="error")(silent)


def test_unit_power_representation_keeps_the_envelopes_spread_at_unit_mean_power():
    rng = np.random.default_rng(0)
    noise = 40.0 * (rng.standard_normal(64) + 1j * rng.standard_normal(64))
    tone = 0.01 * np.exp(2j * np.pi * 0.05 * np.arange(64))
    extractor = SpectrumFMFeatureExtractor(window_length=64, representation="iq-unit-power")
    values = extractor(np.concatenate([noise, tone]))["input_values"]
    np.testing.assert_allclose((values**2).sum(axis=-1).mean(axis=1), [1.0, 1.0], rtol=1e-6)
    np.testing.assert_allclose(values[0, :, 0] + 1j * values[0, :, 1], noise / np.sqrt(np.mean(np.abs(noise) ** 2)),
                               rtol=1e-5, atol=1e-6)
    magnitude = np.hypot(values[..., 0], values[..., 1])
    np.testing.assert_allclose(magnitude[1], 1.0, rtol=1e-5)  # a constant envelope stays on the unit circle
    assert magnitude[0].std() > 0.3  # noise keeps its spread, which min-max scaling would discard


def test_unit_power_representation_counts_only_real_symbols_and_zeroes_silent_windows():
    extractor = SpectrumFMFeatureExtractor(window_length=32, representation="iq-unit-power")
    out = extractor(np.concatenate([np.zeros(32), 2.0 * np.ones(8)]).astype(np.complex64))
    np.testing.assert_array_equal(out["input_values"][0], 0.0)
    np.testing.assert_allclose(out["input_values"][1, :8, 0], 1.0, rtol=1e-6)  # power over the 8 real symbols
    np.testing.assert_array_equal(out["input_values"][1, 8:], 0.0)
    np.testing.assert_array_equal(out["attention_mask"][1], [1] * 8 + [0] * 24)


def test_representation_survives_save_and_load(tmp_path):
    SpectrumFMFeatureExtractor(representation="iq").save_pretrained(tmp_path)
    assert SpectrumFMFeatureExtractor.from_pretrained(tmp_path).representation == "iq"


def test_unknown_representation_is_rejected_naming_the_choices():
    with pytest.raises(SpectrumFMInputError, match="representation.*amplitude-phase.*iq"):
        SpectrumFMFeatureExtractor(representation="spectrogram")
