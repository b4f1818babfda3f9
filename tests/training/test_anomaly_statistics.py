"""The Mahalanobis anomaly score: fitted on normal windows' pooled embeddings, saved with the model and the adapter."""

import numpy as np
import pytest
import torch
from sklearn.covariance import LedoitWolf

from spectrumfm_hf import SpectrumFMForAnomalyDetection, SpectrumFMModel
from spectrumfm_hf.configuration_spectrumfm import SpectrumFMConfigError, SpectrumFMInputError
from spectrumfm_hf.training import adapt_model, anomaly_scores, fit_normal_statistics
from spectrumfm_hf.training.adaptation import TaskAdapterSet, save_task_adapter
from spectrumfm_hf.training.model_interface import task_head_modules

from ..conftest import tiny_config
from .helpers import feature_extractor, iq_rows


def _fitted(model=None, rows=48):
    model = model if model is not None else SpectrumFMForAnomalyDetection(tiny_config()).eval()
    fit_normal_statistics(model, iq_rows(rows, seed=3), feature_extractor())
    return model


def _inputs(rows=6, seed=4):
    torch.manual_seed(seed)
    return torch.rand(rows, 32, 2)


def test_mahalanobis_score_is_the_distance_of_the_pooled_embedding():
    model = _fitted()
    with torch.no_grad():
        output = model(_inputs())
    statistics = model.normal_statistics
    centred = output.pooled_embedding - statistics.mean
    expected = torch.einsum("bi,ij,bj->b", centred, statistics.precision, centred)
    torch.testing.assert_close(output.anomaly_score, expected, rtol=1e-4, atol=1e-4)


def test_pooled_embedding_is_mean_and_std_over_real_symbols_only():
    model = SpectrumFMForAnomalyDetection(tiny_config()).eval()
    inputs, mask = _inputs(2), torch.ones(2, 32, dtype=torch.long)
    mask[1, 20:] = 0
    with torch.no_grad():
        output = model(inputs, attention_mask=mask)
    real = output.last_hidden_state[1, :20]
    expected = torch.cat([real.mean(0), real.std(0, unbiased=False)])
    torch.testing.assert_close(output.pooled_embedding[1], expected, rtol=1e-5, atol=1e-5)


def test_fit_matches_scikit_learn_ledoit_wolf_and_switches_the_score():
    model = SpectrumFMForAnomalyDetection(tiny_config()).eval()
    normal = iq_rows(48, seed=3)
    fitted_windows = fit_normal_statistics(model, normal, feature_extractor())
    with torch.no_grad():
        embeddings = model(**feature_extractor()(list(np.asarray(normal["iq"])), return_tensors="pt")).pooled_embedding
    estimate = LedoitWolf().fit(embeddings.double().numpy())
    assert fitted_windows == 48 and model.config.anomaly_score == "mahalanobis"
    np.testing.assert_allclose(model.normal_statistics.mean.numpy(), estimate.location_, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(model.normal_statistics.precision.numpy(), estimate.precision_, rtol=1e-3, atol=1e-3)


def test_unfitted_mahalanobis_score_says_to_fit_the_statistics():
    model = SpectrumFMForAnomalyDetection(tiny_config(anomaly_score="mahalanobis"))
    with pytest.raises(SpectrumFMConfigError, match="fit_normal_statistics"):
        model(_inputs())


def test_training_loss_stays_the_reconstruction_error_under_either_score():
    model = SpectrumFMForAnomalyDetection(tiny_config()).eval()
    with torch.no_grad():
        before = model(_inputs()).loss
        _fitted(model)
        after = model(_inputs()).loss
    torch.testing.assert_close(before, after)


def test_unknown_anomaly_score_is_rejected_naming_the_choices():
    with pytest.raises(SpectrumFMConfigError, match="anomaly_score.*reconstruction.*mahalanobis"):
        tiny_config(anomaly_score="isolation-forest")


@pytest.mark.parametrize(
    "mean, precision, num_windows, message",
    [
        (np.zeros(5), np.eye(64), 10, "mean must be a finite"),
        (np.full(64, np.nan), np.eye(64), 10, "mean must be a finite"),
        (np.zeros(64), np.eye(63), 10, "precision must be a finite"),
        (np.zeros(64), np.triu(np.ones((64, 64))), 10, "symmetric"),
        (np.zeros(64), np.eye(64), 1, "num_windows"),
    ],
)
def test_bad_statistics_are_rejected_naming_what_was_expected(mean, precision, num_windows, message):
    model = SpectrumFMForAnomalyDetection(tiny_config())
    with pytest.raises(SpectrumFMInputError, match=message):
        model.set_normal_statistics(mean, precision, num_windows)


def test_statistics_round_trip_through_save_pretrained(tmp_path):
    model = _fitted()
    model.save_pretrained(tmp_path)
    loaded = SpectrumFMForAnomalyDetection.from_pretrained(tmp_path).eval()
    inputs = _inputs()
    with torch.no_grad():
        torch.testing.assert_close(loaded(inputs).anomaly_score, model(inputs).anomaly_score)
    assert loaded.config.anomaly_score == "mahalanobis" and float(loaded.normal_statistics.num_windows) == 48


def test_statistics_are_a_head_module_saved_with_the_lora_adapter(tmp_path):
    base = SpectrumFMForAnomalyDetection(tiny_config())
    assert "normal_statistics" in task_head_modules(base)
    base.save_pretrained(tmp_path / "base")
    peft_model = _fitted(adapt_model(SpectrumFMForAnomalyDetection.from_pretrained(tmp_path / "base"), "lora").eval())
    folder = save_task_adapter(peft_model, tmp_path / "adapter")
    inputs = _inputs()
    with torch.no_grad():
        expected = peft_model(input_values=inputs).anomaly_score
    adapters = TaskAdapterSet(SpectrumFMModel.from_pretrained(tmp_path / "base"))
    loaded = adapters.add("ad", SpectrumFMForAnomalyDetection, folder)
    with torch.no_grad():
        torch.testing.assert_close(loaded(input_values=inputs).anomaly_score, expected)


def test_scores_of_a_data_set_follow_the_configured_score():
    model = _fitted()
    rows = iq_rows(4, seed=5)
    scores, _ = anomaly_scores(model, rows, feature_extractor())
    with torch.no_grad():
        direct = model(**feature_extractor()(list(np.asarray(rows["iq"])), return_tensors="pt")).anomaly_score
    np.testing.assert_allclose(scores, direct.numpy(), rtol=1e-5)
