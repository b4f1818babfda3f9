"""The model family works with the libraries it is built for: PEFT LoRA and transformers.Trainer."""

import torch
from peft import LoraConfig, get_peft_model
from transformers import Trainer, TrainingArguments

from spectrumfm_hf import SpectrumFMForPretraining, SpectrumFMForSequenceClassification

from .conftest import tiny_config

LORA_TARGETS = ["query", "key", "value", "output", "fc1", "fc2", "pointwise_conv1", "pointwise_conv2"]


class _RandomWindows(torch.utils.data.Dataset):
    def __init__(self, with_labels: bool):
        self.with_labels = with_labels

    def __len__(self):
        return 16

    def __getitem__(self, index):
        item = {"input_values": torch.rand(32, 2, generator=torch.Generator().manual_seed(index))}
        if self.with_labels:
            item["labels"] = torch.tensor(index % 3)
        return item


def test_lora_wraps_the_named_linear_layers_and_trains_only_adapters_and_head():
    model = get_peft_model(
        SpectrumFMForSequenceClassification(tiny_config()),
        LoraConfig(r=4, lora_alpha=8, target_modules=LORA_TARGETS, modules_to_save=["classifier_rnn", "classifier"]),
    )
    wrapped = {name.rsplit(".", 1)[-1] for name, module in model.named_modules() if hasattr(module, "lora_A")}
    assert wrapped == set(LORA_TARGETS)
    trainable = [name for name, parameter in model.named_parameters() if parameter.requires_grad]
    assert all("lora_" in name or "modules_to_save" in name for name in trainable)
    outputs = model(input_values=torch.rand(4, 32, 2), labels=torch.tensor([0, 1, 2, 0]))
    outputs.loss.backward()
    assert all(
        parameter.grad is not None for name, parameter in model.named_parameters() if parameter.requires_grad
    )


def test_trainer_runs_each_head_without_a_subclass(tmp_path):
    for model, with_labels in ((SpectrumFMForSequenceClassification(tiny_config()), True),
                               (SpectrumFMForPretraining(tiny_config()), False)):
        arguments = TrainingArguments(
            output_dir=str(tmp_path), max_steps=3, per_device_train_batch_size=4, report_to=[], use_cpu=True,
            save_strategy="no", disable_tqdm=True,
        )
        result = Trainer(model=model, args=arguments, train_dataset=_RandomWindows(with_labels)).train()
        assert result.global_step == 3
        assert torch.isfinite(torch.tensor(result.training_loss))
