"""Pre-training through a plain Trainer: both losses logged, early stopping on validation, exact resume."""

import json

import pytest
import torch

from spectrumfm_hf import SpectrumFMForPretraining
from spectrumfm_hf.data import PretrainingCorpusGenerator, to_iterable_dataset
from spectrumfm_hf.training import PrecisionChoice, preset_training_arguments
from spectrumfm_hf.training.trainers import pretraining_trainer

from ..conftest import tiny_config
from .helpers import feature_extractor, iq_rows

FP32_CPU = PrecisionChoice("fp32", "cpu", "test")


def _arguments(tmp_path, **overrides):
    settings = dict(per_device_train_batch_size=8, per_device_eval_batch_size=16, num_train_epochs=2,
                    logging_steps=1, disable_tqdm=True, save_strategy="no", eval_strategy="no",
                    load_best_model_at_end=False)
    settings.update(overrides)
    return preset_training_arguments(str(tmp_path), "small-cpu", precision=FP32_CPU, **settings)


def _trainer(tmp_path, train_rows=32, eval_rows=0, **overrides):
    model = SpectrumFMForPretraining(tiny_config())
    return pretraining_trainer(
        model, feature_extractor(), _arguments(tmp_path, **overrides), iq_rows(train_rows),
        iq_rows(eval_rows, seed=1) if eval_rows else None, precision=FP32_CPU,
    )


def test_training_logs_reconstruction_and_next_slot_losses_that_sum_to_the_loss(tmp_path):
    trainer = _trainer(tmp_path)
    trainer.train()
    step_logs = [entry for entry in trainer.state.log_history if "loss" in entry]
    assert len(step_logs) == 8
    for entry in step_logs:
        assert entry["loss"] == pytest.approx(entry["reconstruction_loss"] + entry["next_slot_loss"], rel=1e-5)


def test_evaluation_logs_both_validation_loss_parts(tmp_path):
    trainer = _trainer(tmp_path, eval_rows=16)
    metrics = trainer.evaluate()
    assert metrics["eval_loss"] == pytest.approx(
        metrics["eval_reconstruction_loss"] + metrics["eval_next_slot_loss"], rel=1e-5
    )


def test_early_stopping_ends_training_after_two_evaluations_without_a_lower_validation_loss(tmp_path):
    # A zero learning rate leaves the validation loss constant: epochs 2 and 3 do not improve on epoch 1.
    trainer = _trainer(tmp_path, eval_rows=16, learning_rate=0.0, num_train_epochs=10, eval_strategy="epoch",
                       save_strategy="epoch", load_best_model_at_end=True)
    trainer.train()
    evaluations = [entry for entry in trainer.state.log_history if "eval_loss" in entry]
    assert [entry["epoch"] for entry in evaluations] == [1.0, 2.0, 3.0]


def test_resuming_from_a_checkpoint_repeats_the_uninterrupted_losses(tmp_path):
    uninterrupted = _trainer(tmp_path / "full", save_strategy="steps", save_steps=4)
    uninterrupted.train()
    resumed = _trainer(tmp_path / "resumed", save_strategy="steps", save_steps=4)
    resumed.train(resume_from_checkpoint=str(tmp_path / "full" / "checkpoint-4"))
    full_losses = {entry["step"]: entry["loss"] for entry in uninterrupted.state.log_history if "loss" in entry}
    resumed_losses = {entry["step"]: entry["loss"] for entry in resumed.state.log_history if "loss" in entry}
    # The resumed history starts with the checkpoint's own (steps 1-4).
    assert sorted(resumed_losses) == [1, 2, 3, 4, 5, 6, 7, 8]
    for step, loss in resumed_losses.items():
        assert loss == pytest.approx(full_losses[step], abs=1e-6)


def test_run_folder_records_the_precision(tmp_path):
    trainer = _trainer(tmp_path, max_steps=1)
    trainer.train()
    assert json.loads((tmp_path / "precision.json").read_text()) == {"precision": "fp32", "device": "cpu", "reason": "test",
                                                                     "forced": False}


def test_resumed_weights_equal_the_uninterrupted_weights(tmp_path):
    uninterrupted = _trainer(tmp_path / "full", save_strategy="steps", save_steps=4)
    uninterrupted.train()
    resumed = _trainer(tmp_path / "resumed")
    resumed.train(resume_from_checkpoint=str(tmp_path / "full" / "checkpoint-4"))
    for (name, full), (_, again) in zip(uninterrupted.model.named_parameters(), resumed.model.named_parameters()):
        torch.testing.assert_close(again, full, rtol=0, atol=1e-6, msg=name)


def test_pretraining_trains_on_a_stream_generated_while_training(tmp_path):
    stream = to_iterable_dataset(PretrainingCorpusGenerator(num_samples=32), 64, seed=0).with_format("numpy")
    model = SpectrumFMForPretraining(tiny_config())
    trainer = pretraining_trainer(model, feature_extractor(), _arguments(tmp_path, max_steps=3), stream, precision=FP32_CPU)
    trainer.train()
    assert trainer.state.global_step == 3
