"""Inputs the models cannot compute on honestly are refused with a package error naming them."""

import math

import numpy as np
import pytest
import torch

from spectrumfm_hf import (
    SpectrumFMFeatureExtractor,
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


# ----------------------------------------------------------------------------- feature-extractor output


@pytest.mark.parametrize(
    "cls, field, shape",
    [
        (SpectrumFMModel, "last_hidden_state", (5, 32, 32)),
        (SpectrumFMForPretraining, "reconstruction", (5, 32, 2)),
        (SpectrumFMForSequenceClassification, "logits", (5, 3)),
        (SpectrumFMForAnomalyDetection, "anomaly_score", (5,)),
    ],
)
def test_the_feature_extractors_output_with_window_positions_is_taken_whole_and_the_positions_ignored(
    cls, field, shape, config
):
    rng = np.random.default_rng(0)
    captures = [rng.standard_normal(length) + 1j * rng.standard_normal(length) for length in (80, 40)]
    extractor = SpectrumFMFeatureExtractor(window_length=32)
    features = extractor(captures, return_tensors="pt", return_window_positions=True)
    assert features["capture_index"].tolist() == [0, 0, 0, 1, 1]
    assert features["window_start"].tolist() == [0, 32, 64, 0, 32]
    model = cls(config).eval()

    def forward(inputs):
        # The pre-training model draws its symbol mask: the same draw for both calls.
        seeded = {"generator": torch.Generator().manual_seed(0)} if cls is SpectrumFMForPretraining else {}
        with torch.no_grad():
            return model(**inputs, **seeded)

    whole = forward(features)
    without_positions = forward({name: features[name] for name in extractor.model_input_names})
    assert whole[field].shape == shape
    assert list(whole.keys()) == list(without_positions.keys())
    for name, value in whole.items():
        torch.testing.assert_close(value, without_positions[name], rtol=0, atol=0, msg=name)


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
