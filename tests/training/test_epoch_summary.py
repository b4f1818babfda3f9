"""One readable line per epoch in place of Trainer's log dictionaries, the dictionaries kept in the run's history."""

import re

import numpy as np
import pytest
from transformers import PrinterCallback, ProgressCallback, TrainerState, TrainingArguments

from spectrumfm_hf import SpectrumFMForSequenceClassification
from spectrumfm_hf.training import (
    EpochSummaryCallback,
    PrecisionChoice,
    classification_compute_metrics,
    finetuning_trainer,
    preset_training_arguments,
    replace_log_printing,
)
from spectrumfm_hf.training.adaptation import adapt_model

from ..conftest import tiny_config
from .helpers import feature_extractor, iq_rows

FP32_CPU = PrecisionChoice("fp32", "cpu", "test")
LINE = re.compile(
    r"^epoch (?P<epoch>\d+)/2: training loss (?P<training>\d+\.\d{4}), validation loss (?P<validation>\d+\.\d{4}), "
    r"accuracy (?P<accuracy>\d+\.\d) %, accuracy at SNR >= 10 dB (?P<high_snr>\d+\.\d) %$"
)


def test_training_loss_is_the_step_weighted_mean_since_the_previous_evaluation(tmp_path):
    state = TrainerState(epoch=2.0, global_step=12)
    # Losses logged at steps 10 and 12 average 6 and 2 steps since the evaluation at step 4.
    state.log_history = [{"loss": 9.0, "step": 2}, {"eval_loss": 3.0, "step": 4}, {"loss": 2.0, "step": 10},
                         {"loss": 1.0, "step": 12}, {"eval_loss": 1.5, "step": 12}]
    args = TrainingArguments(str(tmp_path), num_train_epochs=3)
    line = EpochSummaryCallback().line(args, state, {"eval_loss": 1.5, "eval_accuracy": 0.4125,
                                                     "eval_accuracy_snr_ge_10db": 0.75, "eval_f1": 0.1})
    assert line == "epoch 2/3: training loss 1.7500, validation loss 1.5000, accuracy 41.2 %, accuracy at SNR >= 10 dB 75.0 %"


def test_evaluation_before_training_is_marked_untrained_and_has_no_training_loss(tmp_path):
    state = TrainerState(epoch=0.0, global_step=0)
    state.log_history = [{"eval_loss": 0.3466, "step": 0}]
    args = TrainingArguments(str(tmp_path), num_train_epochs=1)
    assert EpochSummaryCallback().line(args, state, {"eval_loss": 0.3466}) == "epoch 0/1 (untrained): validation loss 0.3466"


def test_high_snr_accuracy_follows_the_threshold_given(tmp_path):
    state = TrainerState(epoch=1.0, global_step=5)
    state.log_history = [{"loss": 2.0, "step": 5}, {"eval_loss": 1.0, "step": 5}]
    args = TrainingArguments(str(tmp_path), num_train_epochs=1)
    line = EpochSummaryCallback(min_snr_db=6).line(args, state, {"eval_loss": 1.0, "eval_accuracy_snr_ge_6db": 0.5})
    assert line == "epoch 1/1: training loss 2.0000, validation loss 1.0000, accuracy at SNR >= 6 dB 50.0 %"


@pytest.mark.parametrize("disable_tqdm", [True, False])
def test_a_run_prints_one_line_per_epoch_and_keeps_the_full_metrics_in_its_history(disable_tqdm, tmp_path, capsys):
    validation = iq_rows(24, seed=1)
    snr_db = np.asarray(validation["snr_db"])
    # logging_steps beyond the run: only the log the callback asks for at each epoch's end gives training losses.
    arguments = preset_training_arguments(str(tmp_path), "small-cpu", task="classification", precision=FP32_CPU,
                                          per_device_train_batch_size=16, per_device_eval_batch_size=64,
                                          num_train_epochs=2, logging_steps=100, disable_tqdm=disable_tqdm,
                                          save_strategy="no", load_best_model_at_end=False)
    trainer = finetuning_trainer(adapt_model(SpectrumFMForSequenceClassification(tiny_config()), "lora"),
                                 feature_extractor(), arguments, iq_rows(32), validation,
                                 compute_metrics=classification_compute_metrics(snr_db), precision=FP32_CPU)
    replace_log_printing(trainer, EpochSummaryCallback())
    assert not any(isinstance(callback, (PrinterCallback, ProgressCallback))
                   for callback in trainer.callback_handler.callbacks)
    trainer.train()

    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith(("epoch", "{"))]
    history = trainer.state.log_history
    evaluations = [entry for entry in history if "eval_loss" in entry]
    training_losses = [entry["loss"] for entry in history if "loss" in entry]
    assert len(lines) == len(evaluations) == len(training_losses) == 2
    for epoch, (line, evaluation, training_loss) in enumerate(zip(lines, evaluations, training_losses), start=1):
        fields = LINE.match(line)
        assert fields, line
        assert int(fields["epoch"]) == epoch
        assert float(fields["training"]) == pytest.approx(training_loss, abs=5e-5)
        assert float(fields["validation"]) == pytest.approx(evaluation["eval_loss"], abs=5e-5)
        assert float(fields["accuracy"]) == pytest.approx(100 * evaluation["eval_accuracy"], abs=0.05)
        assert float(fields["high_snr"]) == pytest.approx(100 * evaluation["eval_accuracy_snr_ge_10db"], abs=0.05)
        # The line is a digest: every metric computed stays in the history.
        assert {"eval_f1", "eval_precision", "eval_accuracy_snr_0db", "eval_accuracy_snr_10db"} <= set(evaluation)
