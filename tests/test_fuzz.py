"""1,000 random malformed inputs: each raises a documented SpectrumFM error or gives finite outputs."""

import zlib

import numpy as np
import pytest
import torch

from spectrumfm_hf import (
    INPUT_ERRORS,
    SpectrumFMFeatureExtractor,
    SpectrumFMForAnomalyDetection,
    SpectrumFMForPretraining,
    SpectrumFMForSequenceClassification,
    SpectrumFMModel,
)

from .conftest import tiny_config

NUMPY_DTYPES = [np.float16, np.float32, np.float64, np.int8, np.int16, np.int32, np.int64, np.uint8, np.bool_,
                np.complex64, np.complex128]
TORCH_DTYPES = [torch.float16, torch.bfloat16, torch.float32, torch.float64, torch.int32, torch.int64, torch.uint8,
                torch.bool, torch.complex64]
SPECIAL_VALUES = [np.nan, np.inf, -np.inf, 1e38, -1e38, 1e300, 5e-324, 0.0, -0.0, 65504.0, 2.0, -1.0]


def _random_shape(rng, max_dims=4, max_size=300):
    return tuple(int(rng.choice([0, 1, 2, 3, 31, 32, 33, 128, int(rng.integers(0, max_size))]))
                 for _ in range(int(rng.integers(0, max_dims + 1))))


def _poison(rng, array, probability=0.6):
    """Scatter special values into a float or complex array."""
    if array.size and array.dtype.kind in "fc" and rng.random() < probability:
        flat = array.reshape(-1)
        for _ in range(int(rng.integers(1, 4))):
            with np.errstate(over="ignore", invalid="ignore"):
                flat[int(rng.integers(0, flat.size))] = rng.choice(SPECIAL_VALUES)
    return array


def _random_array(rng):
    shape = _random_shape(rng)
    if rng.random() < 0.4 and shape:  # make the last axis 2 often, to get past the first shape check
        shape = shape[:-1] + (2,)
    dtype = NUMPY_DTYPES[int(rng.integers(0, len(NUMPY_DTYPES)))]
    with np.errstate(over="ignore", invalid="ignore"):
        scale = float(rng.choice([1.0, 1e-30, 1e30, 1e300]))
        values = rng.standard_normal(shape) * scale
        if np.dtype(dtype).kind == "c":
            values = values + 1j * rng.standard_normal(shape) * scale
        array = values.astype(dtype) if np.dtype(dtype).kind in "fc" else rng.integers(-5, 5, shape).astype(dtype)
    return _poison(rng, array)


def _plausible_capture(rng):
    """A well-formed capture with extreme but finite values, constant stretches or integer samples."""
    length = int(rng.choice([1, 5, 31, 32, 33, 100, 257]))
    scale = float(rng.choice([1.0, 1e-300, 1e-30, 1e30, 1e300]))
    iq = (rng.standard_normal(length) + 1j * rng.standard_normal(length)) * scale
    if rng.random() < 0.3:
        iq[: int(rng.integers(0, length + 1))] = complex(rng.choice([0.0, scale]))
    form = rng.random()
    if form < 0.4:
        return iq
    if form < 0.7:
        return np.stack([iq.real, iq.imag], axis=-1)
    if form < 0.85:
        return np.stack([iq.real, iq.imag], axis=-1).clip(-3e4, 3e4).astype(np.int16)
    return iq.astype(np.complex64) if scale < 1e30 else iq


def _random_extractor_input(rng):
    kind = rng.random()
    if kind < 0.3:
        return _plausible_capture(rng) if rng.random() < 0.7 else [_plausible_capture(rng) for _ in range(3)]
    if kind < 0.7:
        return _random_array(rng)
    if kind < 0.85:
        return [_random_array(rng) for _ in range(int(rng.integers(0, 4)))]
    if kind < 0.92:
        return torch.from_numpy(np.ascontiguousarray(_random_array(rng)))
    return [None, "iq", {"i": 1}, 3.0, [[1, 2], [3]], b"\x00\x01", [1 + 1j, None]][int(rng.integers(0, 7))]


def _random_tensor(rng, shape=None, dtype=None, poison=0.6):
    shape = shape if shape is not None else _random_shape(rng, max_size=40)
    dtype = dtype if dtype is not None else TORCH_DTYPES[int(rng.integers(0, len(TORCH_DTYPES)))]
    values = _poison(rng, rng.random(shape), poison)
    if rng.random() < 0.1:
        with np.errstate(over="ignore", invalid="ignore"):
            values = values * float(rng.choice([-1.0, 1e3, 1e30]))
    with np.errstate(over="ignore", invalid="ignore"):
        return torch.from_numpy(np.asarray(values)).to(dtype)


def _random_model_kwargs(rng, model):
    if rng.random() < 0.5:  # a well-shaped batch, so that masks, labels and values get exercised
        batch, symbols = int(rng.integers(1, 5)), int(rng.choice([1, 2, 16, 32, 33]))
        dtype = torch.float32 if rng.random() < 0.7 else None
        kwargs = {"input_values": _random_tensor(rng, (batch, symbols, 2), dtype, poison=0.15)}
    else:
        batch, symbols = 2, 32
        kwargs = {"input_values": _random_tensor(rng)}
    if rng.random() < 0.4:
        mask = rng.integers(0, 2 if rng.random() < 0.9 else 3, (batch, symbols))
        mask = -np.sort(-mask, axis=1)  # padding after the real symbols, the only layout the models accept
        if rng.random() < 0.1:
            mask = mask[:, :-1]
        kwargs["attention_mask"] = torch.from_numpy(mask).to(torch.long if rng.random() < 0.8 else torch.float32)
    if isinstance(model, SpectrumFMForSequenceClassification) and rng.random() < 0.5:
        labels = rng.integers(0, 3, (batch,)) if rng.random() < 0.6 else rng.integers(-1, 5, (batch + 1,))
        kwargs["labels"] = torch.from_numpy(labels).to(torch.long if rng.random() < 0.8 else torch.float32)
    if isinstance(model, SpectrumFMForPretraining) and rng.random() < 0.4:
        kwargs["symbol_mask"] = torch.from_numpy(rng.integers(0, 2, (batch, symbols))).bool()
    return kwargs


def _assert_finite(value):
    if isinstance(value, torch.Tensor) and value.is_floating_point():
        assert torch.isfinite(value.float()).all()
    elif isinstance(value, np.ndarray) and value.dtype.kind == "f":
        assert np.isfinite(value).all()
    elif isinstance(value, (tuple, list)):
        for item in value:
            _assert_finite(item)


def test_feature_extractor_survives_400_malformed_inputs():
    rng = np.random.default_rng(1234)
    extractor = SpectrumFMFeatureExtractor(window_length=32)
    outcomes = {"error": 0, "ok": 0}
    for _ in range(400):
        bad = _random_extractor_input(rng)
        try:
            with np.errstate(over="raise", invalid="raise", divide="raise"):  # trouble inside surfaces here
                features = extractor(bad)
        except INPUT_ERRORS:
            outcomes["error"] += 1
            continue
        outcomes["ok"] += 1
        for value in features.values():
            _assert_finite(value)
        assert ((features["input_values"] >= 0) & (features["input_values"] <= 1)).all()
    assert outcomes["error"] > 50 and outcomes["ok"] > 50, outcomes


@pytest.mark.parametrize(
    "cls", [SpectrumFMModel, SpectrumFMForPretraining, SpectrumFMForSequenceClassification, SpectrumFMForAnomalyDetection]
)
def test_each_model_survives_150_malformed_inputs(cls):
    rng = np.random.default_rng(zlib.crc32(cls.__name__.encode()))
    model = cls(tiny_config()).eval()
    outcomes = {"error": 0, "ok": 0}
    with torch.no_grad():
        for _ in range(150):
            kwargs = _random_model_kwargs(rng, model)
            try:
                outputs = model(**kwargs)
            except INPUT_ERRORS:
                outcomes["error"] += 1
                continue
            outcomes["ok"] += 1
            _assert_finite(outputs.to_tuple())
    assert outcomes["error"] > 20 and outcomes["ok"] > 20, outcomes
