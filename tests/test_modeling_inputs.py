"""Inputs the models cannot compute on honestly are refused with a package error naming them."""

import math

import pytest
import torch

from spectrumfm_hf import (
    SpectrumFMForAnomalyDetection,
    SpectrumFMForPretraining,
    SpectrumFMForSequenceClassification,
    SpectrumFMInputError,
    SpectrumFMInputTypeError,
    SpectrumFMModel,
)

from .conftest import tiny_config

ALL_CLASSES = [SpectrumFMModel, SpectrumFMForPretraining, SpectrumFMForSequenceClassification, SpectrumFMForAnomalyDetection]


# ----------------------------------------------------------------------------- attention masks


@pytest.mark.parametrize("cls", ALL_CLASSES)
def test_a_mask_with_padding_before_real_symbols_is_refused(cls, config, windows):
    attention_mask = torch.ones(4, 32, dtype=torch.long)
    attention_mask[2, :6] = 0  # padding first, then real symbols
    with pytest.raises(SpectrumFMInputError, match=r"attention_mask must mark real symbols as a prefix.*rows \[2\]"):
        cls(config)(windows, attention_mask=attention_mask)


def test_the_next_slot_loss_cannot_be_changed_by_a_padded_symbol(config, windows):
    model = SpectrumFMForPretraining(config).eval()
    attention_mask = torch.ones(4, 32, dtype=torch.long)
    attention_mask[:, 24:] = 0
    symbol_mask = torch.ones(4, 32, dtype=torch.bool)
    changed = windows.clone()
    changed[:, 24:] = 1.0 - changed[:, 24:]
    before = model(windows, attention_mask=attention_mask, symbol_mask=symbol_mask)
    after = model(changed, attention_mask=attention_mask, symbol_mask=symbol_mask)
    torch.testing.assert_close(after.next_slot_loss, before.next_slot_loss)
    torch.testing.assert_close(after.loss, before.loss)


# ----------------------------------------------------------------------------- tensor kinds


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda x: x.to(torch.float8_e4m3fn), "float8_e4m3fn"),
        (lambda x: torch.complex(x, x).to(torch.complex32), "complex32"),
        (lambda x: x.to_sparse(), "dense"),
        (lambda x: torch.empty(x.shape, device="meta"), "meta device"),
    ],
    ids=["float8", "complex32", "sparse", "meta"],
)
def test_tensors_the_model_cannot_compute_on_are_type_errors(config, windows, make, message):
    with pytest.raises(SpectrumFMInputTypeError, match=message) as raised:
        SpectrumFMModel(config)(make(windows))
    assert "float16, bfloat16, float32, float64" in str(raised.value) or "floating point" in str(raised.value)


def test_a_sparse_attention_mask_is_a_type_error(config, windows):
    with pytest.raises(SpectrumFMInputTypeError, match="attention_mask must be a dense"):
        SpectrumFMModel(config)(windows, attention_mask=torch.ones(4, 32).to_sparse())


def test_batch_norm_training_on_a_single_symbol_is_refused():
    model = SpectrumFMForSequenceClassification(tiny_config(conv_norm="batch_norm")).train()
    with pytest.raises(SpectrumFMInputError, match="conv_norm='batch_norm' needs more than one symbol"):
        model(torch.rand(1, 1, 2), labels=torch.tensor([1]))


def test_batch_norm_inference_on_a_single_symbol_runs():
    model = SpectrumFMForSequenceClassification(tiny_config(conv_norm="batch_norm")).eval()
    assert torch.isfinite(model(torch.rand(1, 1, 2)).logits).all()


# ----------------------------------------------------------------------------- threshold calibration


def test_calibrating_on_strings_is_a_type_error(config):
    with pytest.raises(SpectrumFMInputTypeError, match="normal_scores must be"):
        SpectrumFMForAnomalyDetection(config).calibrate_threshold(["a", "b"])


def test_calibrating_on_scores_near_the_float64_limits_gives_a_finite_threshold(config):
    threshold = SpectrumFMForAnomalyDetection(config).calibrate_threshold([1e308, -1e308], false_alarm_rate=0.5)
    assert math.isfinite(threshold) and threshold == pytest.approx(0.0, abs=1e292)


@pytest.mark.parametrize("rate", [float("nan"), float("inf"), -0.1])
def test_a_false_alarm_rate_outside_0_1_is_refused(config, rate):
    with pytest.raises(SpectrumFMInputError, match="false_alarm_rate must lie in"):
        SpectrumFMForAnomalyDetection(config).calibrate_threshold([0.1, 0.2, 0.3], false_alarm_rate=rate)


def test_a_false_alarm_rate_that_is_not_a_number_is_a_type_error(config):
    with pytest.raises(SpectrumFMInputTypeError, match="false_alarm_rate must be a real number"):
        SpectrumFMForAnomalyDetection(config).calibrate_threshold([0.1, 0.2, 0.3], false_alarm_rate="0.1")
