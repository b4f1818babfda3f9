"""Fine-tuning through a plain Trainer: LoRA classification with metrics, anomaly detection on normal data."""

import numpy as np
import pytest
import torch

from spectrumfm_hf import SpectrumFMForAnomalyDetection, SpectrumFMForSequenceClassification
from spectrumfm_hf.data import AnomalyDetectionGenerator, to_dataset
from spectrumfm_hf.training import (
    PrecisionChoice,
    classification_compute_metrics,
    finetuning_trainer,
    preset_training_arguments,
)
from spectrumfm_hf.training.adaptation import adapt_model
from spectrumfm_hf.training.anomaly import anomaly_scores, calibrate_anomaly_threshold

from ..conftest import tiny_config
from .helpers import WINDOW, feature_extractor, iq_rows

FP32_CPU = PrecisionChoice("fp32", "cpu", "test")


def _arguments(tmp_path, task, **overrides):
    settings = dict(per_device_train_batch_size=16, per_device_eval_batch_size=64, num_train_epochs=1,
                    logging_steps=1, disable_tqdm=True, save_strategy="no")
    settings.update(overrides)
    return preset_training_arguments(str(tmp_path), "small-cpu", task=task, precision=FP32_CPU, **settings)


def test_lora_fine_tuning_reports_accuracy_per_snr_on_validation(tmp_path):
    validation = iq_rows(24, seed=1)
    model = adapt_model(SpectrumFMForSequenceClassification(tiny_config()), "lora")
    trainer = finetuning_trainer(
        model, feature_extractor(), _arguments(tmp_path, "classification", eval_strategy="epoch",
                                               load_best_model_at_end=False),
        iq_rows(32), validation, compute_metrics=classification_compute_metrics(np.asarray(validation["snr_db"])),
        precision=FP32_CPU,
    )
    trainer.train()
    metrics = trainer.evaluate()
    assert {"eval_loss", "eval_accuracy", "eval_f1", "eval_accuracy_snr_0db", "eval_accuracy_snr_ge_10db"} <= set(metrics)


def test_lora_fine_tuning_changes_only_adapters_and_head(tmp_path):
    model = adapt_model(SpectrumFMForSequenceClassification(tiny_config()), "lora")
    frozen_before = {name: p.clone() for name, p in model.named_parameters() if not p.requires_grad}
    finetuning_trainer(model, feature_extractor(), _arguments(tmp_path, "classification", eval_strategy="no",
                                                               load_best_model_at_end=False),
                       iq_rows(32), precision=FP32_CPU).train()
    for name, parameter in model.named_parameters():
        if name in frozen_before:
            assert torch.equal(parameter, frozen_before[name]), name


@pytest.fixture(scope="module")
def normal_sets():
    generator = AnomalyDetectionGenerator(num_samples=WINDOW, mode="normal")
    train, held_out, fresh = (to_dataset(generator, size, seed=seed).with_format("numpy")
                              for size, seed in ((64, 0), (4000, 1), (4000, 2)))
    return train, held_out, fresh


def test_anomaly_threshold_gives_the_requested_false_alarm_rate_on_new_normal_data(tmp_path, normal_sets):
    train, held_out, fresh = normal_sets
    model = SpectrumFMForAnomalyDetection(tiny_config())
    finetuning_trainer(model, feature_extractor(), _arguments(tmp_path, "anomaly"), train, label_column=None,
                       precision=FP32_CPU).train()
    threshold = calibrate_anomaly_threshold(model, held_out, feature_extractor(), false_alarm_rate=0.1)
    assert model.config.anomaly_threshold == threshold
    scores, _ = anomaly_scores(model, fresh, feature_extractor())
    assert abs(np.mean(scores > threshold) - 0.1) <= 0.02


def test_anomaly_scores_follow_rows_through_windowing():
    model = SpectrumFMForAnomalyDetection(tiny_config())
    scores, rows = anomaly_scores(model, iq_rows(5, num_samples=3 * WINDOW), feature_extractor(), batch_size=2)
    assert scores.shape == (15,)
    assert rows.tolist() == [0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4]
