"""Hostile and exotic input to the feature extractor: bounded memory, checked options, bounded messages."""

import json
import multiprocessing
import os
import time

import numpy as np
import pytest
import torch

from spectrumfm_hf import SpectrumFMFeatureExtractor, SpectrumFMInputError, SpectrumFMInputTypeError
from spectrumfm_hf.configuration_spectrumfm import describe_value
from spectrumfm_hf.feature_extraction_spectrumfm import MAX_WINDOW_LENGTH

MEASURED_HOPS = (128, 16, 8)


def _status_bytes(key: str) -> int:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) * 1024 for line in status if line.startswith(key))


def _peak_memory_of_windowing(num_samples: int, hops: tuple) -> dict:
    """Peak RSS above a baseline taken before the input exists, per hop; Linux's clear_refs
    resets the high-water mark between measurements. Runs in a forked child."""
    rng = np.random.default_rng(0)
    results = {}
    for hop in hops:
        extractor = SpectrumFMFeatureExtractor(hop_length=hop)
        extractor(np.exp(1j * np.arange(300.0)))  # first-call allocations are not the input's
        baseline = _status_bytes("VmRSS:")
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")
        iq = rng.standard_normal(num_samples) + 1j * rng.standard_normal(num_samples)
        features = extractor(iq)
        results[hop] = dict(peak=_status_bytes("VmHWM:") - baseline, input=iq.nbytes,
                            output=sum(value.nbytes for value in features.values()))
        del iq, features
    return results


@pytest.fixture(scope="module")
def peak_memory():
    """Peak memory of windowing an 8 MiB complex128 capture at each hop of MEASURED_HOPS, measured
    in a forked child (its own high-water mark, and no second import of torch)."""
    if not os.path.exists("/proc/self/clear_refs"):
        pytest.skip("peak RSS reset needs Linux /proc/self/clear_refs")
    with multiprocessing.get_context("fork").Pool(1) as pool:
        return pool.apply(_peak_memory_of_windowing, (2**19, MEASURED_HOPS))


@pytest.mark.parametrize("hop", MEASURED_HOPS)
def test_peak_memory_stays_within_three_inputs_plus_the_output(peak_memory, hop):
    figures = peak_memory[hop]
    assert figures["peak"] <= 3 * figures["input"] + figures["output"], figures


# ---------------------------------------------------------------- options


@pytest.mark.parametrize("value", [np.nan, np.inf, -0.1, 5.0])
def test_constant_fill_value_outside_the_unit_interval_is_refused(value):
    with pytest.raises(SpectrumFMInputError, match=r"constant_fill_value must be a finite number in \[0.0, 1.0\]"):
        SpectrumFMFeatureExtractor(constant_fill_value=value)


@pytest.mark.parametrize("value", [np.nan, 5.0, -1.0])
def test_padding_value_outside_the_unit_interval_is_refused(value):
    with pytest.raises(SpectrumFMInputError, match="padding_value"):
        SpectrumFMFeatureExtractor(padding_value=value)


@pytest.mark.parametrize("name", ["log_amplitude", "return_attention_mask"])
@pytest.mark.parametrize("value", ["false", 0, 1, None])
def test_bool_options_must_be_real_bools(name, value):
    with pytest.raises(SpectrumFMInputTypeError, match=f"{name} must be True or False"):
        SpectrumFMFeatureExtractor(**{name: value})


@pytest.mark.parametrize(
    "options, named",
    [(dict(window_length="32"), "window_length"), (dict(hop_length=1.5), "hop_length"),
     (dict(window_length=True), "window_length"), (dict(log_amplitude_floor="1e-8"), "log_amplitude_floor"),
     (dict(constant_tolerance=None), "constant_tolerance"), (dict(last_window=["pad"]), "last_window")],
)
def test_options_of_the_wrong_type_are_refused_naming_the_option(options, named):
    with pytest.raises((SpectrumFMInputTypeError, SpectrumFMInputError), match=named):
        SpectrumFMFeatureExtractor(**options)


@pytest.mark.parametrize("options", [dict(log_amplitude_floor=np.nan), dict(constant_tolerance=np.inf),
                                     dict(sampling_rate=-1.0), dict(sampling_rate=np.nan)])
def test_non_finite_or_out_of_range_numbers_are_refused(options):
    with pytest.raises(SpectrumFMInputError, match=next(iter(options))):
        SpectrumFMFeatureExtractor(**options)


def test_a_window_longer_than_the_cap_is_refused_before_anything_is_allocated():
    with pytest.raises(SpectrumFMInputError, match=rf"window_length must be an integer in \[1, {MAX_WINDOW_LENGTH}\]"):
        SpectrumFMFeatureExtractor(window_length=10**9)


def test_numpy_integer_options_are_stored_as_python_ints():
    extractor = SpectrumFMFeatureExtractor(window_length=np.int64(16), hop_length=np.int32(8))
    assert type(extractor.window_length) is int and type(extractor.hop_length) is int
    assert json.loads(extractor.to_json_string())["window_length"] == 16


def test_return_window_positions_must_be_a_bool():
    with pytest.raises(SpectrumFMInputTypeError, match="return_window_positions"):
        SpectrumFMFeatureExtractor(window_length=4)(np.ones(8) * 1j, return_window_positions="yes")


def test_an_unknown_return_tensors_is_refused():
    with pytest.raises(SpectrumFMInputError, match="return_tensors must be one of"):
        SpectrumFMFeatureExtractor(window_length=4)(np.ones(8) * 1j, return_tensors="jax")


# ---------------------------------------------------------------- input forms


@pytest.mark.parametrize(
    "make_tensor, message",
    [(lambda: torch.rand(40, 2).to(torch.float8_e4m3fn), "float8_e4m3fn, which numpy cannot hold"),
     (lambda: torch.rand(40, dtype=torch.complex64).to(torch.complex32), "complex32, which numpy cannot hold"),
     (lambda: torch.rand(40, 2).to_sparse(), "must be a dense tensor"),
     (lambda: torch.quantize_per_tensor(torch.rand(40, 2), 0.1, 0, torch.quint8), "must be a dense tensor"),
     (lambda: torch.empty(40, 2, device="meta"), "meta tensor, which holds no samples")],
)
@pytest.mark.filterwarnings("ignore:ComplexHalf support is experimental", "ignore:torch.quantize_per_tensor")
def test_tensors_numpy_cannot_hold_are_type_errors_naming_what_is_expected(make_tensor, message):
    with pytest.raises(SpectrumFMInputTypeError, match=message):
        SpectrumFMFeatureExtractor(window_length=32)(make_tensor())


def test_a_bfloat16_tensor_is_widened_and_accepted():
    pairs = torch.rand(64, 2)
    extractor = SpectrumFMFeatureExtractor(window_length=32)
    widened = pairs.to(torch.bfloat16).float()
    from_bfloat16 = extractor(pairs.to(torch.bfloat16))["input_values"]
    np.testing.assert_array_equal(from_bfloat16, extractor(widened)["input_values"])


@pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")
def test_np_matrix_is_read_as_a_plain_array():
    pairs = np.random.default_rng(0).standard_normal((40, 2))
    extractor = SpectrumFMFeatureExtractor(window_length=32)
    np.testing.assert_array_equal(extractor(np.matrix(pairs))["input_values"], extractor(pairs)["input_values"])


def test_a_masked_array_with_masked_samples_is_refused():
    iq = np.ma.masked_array(np.exp(1j * np.arange(40.0)), mask=np.arange(40) % 4 == 0)
    with pytest.raises(SpectrumFMInputError, match="masked array with 10 masked samples"):
        SpectrumFMFeatureExtractor(window_length=32)(iq)


def test_a_masked_array_with_nothing_masked_is_read_as_its_data():
    iq = np.exp(1j * np.arange(40.0)) * np.linspace(1, 2, 40)
    extractor = SpectrumFMFeatureExtractor(window_length=32)
    np.testing.assert_array_equal(extractor(np.ma.masked_array(iq))["input_values"], extractor(iq)["input_values"])


def test_an_empty_masked_array_is_refused_as_empty():
    with pytest.raises(SpectrumFMInputError, match="empty"):
        SpectrumFMFeatureExtractor()(np.ma.masked_array(np.zeros(0, complex)))


@pytest.mark.parametrize(
    "bad",
    [np.array([1j, None, 2.0], dtype=object), "1+2j", np.zeros(40, dtype=[("i", "f4"), ("q", "f4")]),
     [10**5000, 1]],
)
def test_non_numeric_inputs_are_type_errors(bad):
    with pytest.raises(SpectrumFMInputTypeError):
        SpectrumFMFeatureExtractor()(bad)


def test_long_double_samples_beyond_float64_range_are_refused_as_non_finite():
    pairs = np.ones((40, 2), np.longdouble)
    if np.finfo(np.longdouble).max <= np.finfo(np.float64).max:
        pytest.skip("long double is float64 on this platform")
    pairs[3, 0] = np.longdouble(10) ** 4000
    with pytest.raises(SpectrumFMInputError, match="NaN or Inf"):
        SpectrumFMFeatureExtractor(window_length=32)(pairs)


def _nested(depth):
    value = 1j
    for _ in range(depth):
        value = [value]
    return value


def _memo_doubled(levels):
    value = [1j, 2j]
    for _ in range(levels):
        value = [value, value]
    return value


@pytest.mark.parametrize("make_input", [lambda: _nested(100_000), lambda: _memo_doubled(60),
                                        lambda: [np.ones(4) * 1j, _memo_doubled(60)]])
def test_hostile_nesting_is_refused_at_once_with_a_short_message(make_input):
    hostile = make_input()
    start = time.perf_counter()
    with pytest.raises(SpectrumFMInputError, match="nests lists more than 3 deep") as caught:
        SpectrumFMFeatureExtractor()(hostile)
    assert time.perf_counter() - start < 2.0
    assert len(str(caught.value)) < 300


# ---------------------------------------------------------------- describe_value


def test_describe_value_bounds_deep_nesting():
    assert describe_value(_nested(100_000)) == "[[[[...]]]] (list)"


def test_describe_value_bounds_self_repeating_containers():
    assert len(describe_value(_memo_doubled(60))) <= 80


def test_describe_value_gives_the_size_of_a_huge_integer_instead_of_its_digits():
    assert describe_value(10**5000) == "<int of about 5000 digits>"


def test_describe_value_names_shape_and_dtype_without_elements():
    assert describe_value(np.zeros((3, 4), np.float32)) == "ndarray of shape (3, 4) and dtype float32"
    assert describe_value(torch.empty(2, device="meta")) == "Tensor of shape (2,) and dtype torch.float32, device meta"


def test_describe_value_truncates_to_the_limit_and_names_the_type():
    assert describe_value("x" * 1000, limit=40).endswith("...")
    assert len(describe_value("x" * 1000, limit=40)) == 40
    assert describe_value({"a": 1}) == "{'a': 1} (dict)"


def test_an_output_too_large_to_allocate_is_an_input_error(monkeypatch):
    import spectrumfm_hf.feature_extraction_spectrumfm as module

    def refuse(shape, dtype):
        raise MemoryError(f"Unable to allocate an array with shape {shape}")

    monkeypatch.setattr(module.np, "empty", refuse)
    with pytest.raises(SpectrumFMInputError, match=r"gives 3 windows of 32 symbols .* larger hop_length"):
        SpectrumFMFeatureExtractor(window_length=32)(np.exp(1j * np.arange(96.0)))
