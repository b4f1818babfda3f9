"""Baselines train and evaluate through a plain ``transformers.Trainer``, as SpectrumFM does."""

import math

import pytest
import torch
from datasets import Dataset
from transformers import Trainer, TrainingArguments

from .test_baselines import labelled_tones, tiny_model
from .test_baselines_detectors import qpsk_windows, tiny_aae


def trainer_for(model, dataset, output_dir) -> Trainer:
    arguments = TrainingArguments(
        output_dir=str(output_dir), max_steps=3, per_device_train_batch_size=8, per_device_eval_batch_size=8,
        learning_rate=1e-3, report_to=[], save_strategy="no", use_cpu=True, disable_tqdm=True,
    )
    return Trainer(model=model, args=arguments, train_dataset=dataset, eval_dataset=dataset)


@pytest.mark.parametrize("name", ["mcnet", "dae"])
def test_trainer_trains_and_evaluates_a_classifier_from_a_dataset(name, tmp_path):
    windows, labels = labelled_tones(16, 4)
    # snr_db stands for the per-window columns real data sets carry, which Trainer drops.
    columns = {"input_values": windows.numpy(), "labels": labels.numpy(), "snr_db": [0.0] * 16}
    dataset = Dataset.from_dict(columns).with_format("torch")
    trainer = trainer_for(tiny_model(name), dataset, tmp_path)
    assert math.isfinite(trainer.train().training_loss)
    assert math.isfinite(trainer.evaluate()["eval_loss"])


def test_trainer_trains_and_evaluates_the_adversarial_autoencoder_without_labels(tmp_path):
    dataset = Dataset.from_dict({"input_values": qpsk_windows(16, seed=0).numpy()}).with_format("torch")
    trainer = trainer_for(tiny_aae(), dataset, tmp_path)
    before = {name: value.clone() for name, value in trainer.model.state_dict().items()}
    assert math.isfinite(trainer.train().training_loss)
    assert math.isfinite(trainer.evaluate()["eval_loss"])
    after = trainer.model.state_dict()
    moved = {name.split(".")[0] for name, value in after.items() if not torch.equal(value, before[name])}
    assert moved == {"encoder", "decoder", "discriminator"}
