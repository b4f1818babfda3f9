"""Adapting the encoder: LoRA through PEFT, full and probe modes, adapters saved small and switched on one base."""

import pytest
import torch
from peft import PeftModel
from peft.tuners.lora import LoraLayer
from transformers import AutoConfig

from spectrumfm_hf import (
    SpectrumFMForAnomalyDetection,
    SpectrumFMForPretraining,
    SpectrumFMForSequenceClassification,
    SpectrumFMModel,
)
from spectrumfm_hf.training import LORA_TARGET_MODULES
from spectrumfm_hf.training.adaptation import (
    AdaptationError,
    TaskAdapterSet,
    adapt_model,
    adapter_size_bytes,
    count_parameters,
    save_task_adapter,
    spectrumfm_lora_config,
)

from ..conftest import tiny_config

TASKS = {  # adapter name -> (task class, number of labels)
    "amc": (SpectrumFMForSequenceClassification, 11),
    "amc24": (SpectrumFMForSequenceClassification, 24),
    "wtc": (SpectrumFMForSequenceClassification, 7),
    "ss": (SpectrumFMForSequenceClassification, 2),
    "ad": (SpectrumFMForAnomalyDetection, 2),
}


def _lora_task_model(task_class, num_labels, encoder_state, adapter_name="default"):
    model = task_class(tiny_config(num_labels=num_labels))
    model.spectrumfm.load_state_dict(encoder_state)
    # Random B matrices, so that every adapter changes the encoder's outputs.
    config = spectrumfm_lora_config(model, init_lora_weights=False)
    return adapt_model(model, "lora", config, adapter_name=adapter_name)


def test_lora_adapts_every_target_linear_and_trains_the_head():
    model = adapt_model(SpectrumFMForSequenceClassification(tiny_config()), "lora")
    adapted = {name.rsplit(".", 1)[-1] for name, module in model.named_modules() if isinstance(module, LoraLayer)}
    assert adapted == set(LORA_TARGET_MODULES)
    trainable = {name for name, parameter in model.named_parameters() if parameter.requires_grad}
    assert all("lora_" in name or ".modules_to_save." in name for name in trainable)
    assert any(".classifier." in name for name in trainable)


def test_lora_config_uses_rank_16_and_alpha_32_by_default():
    config = spectrumfm_lora_config(SpectrumFMForSequenceClassification(tiny_config()))
    assert (config.r, config.lora_alpha) == (16, 32)


def test_probe_mode_trains_only_the_head():
    model = adapt_model(SpectrumFMForSequenceClassification(tiny_config()), "probe")
    assert not any(parameter.requires_grad for parameter in model.spectrumfm.parameters())
    assert all(parameter.requires_grad for parameter in model.classifier.parameters())


def test_full_mode_trains_every_weight():
    model = SpectrumFMForSequenceClassification(tiny_config()).requires_grad_(False)
    adapted = adapt_model(model, "full")
    assert count_parameters(adapted).trainable_share == 1.0


def test_unknown_mode_is_rejected():
    with pytest.raises(AdaptationError, match="got 'prefix'"):
        adapt_model(SpectrumFMForSequenceClassification(tiny_config()), "prefix")


def test_classifier_starts_from_the_pretraining_checkpoint_encoder(tmp_path, windows):
    pretrained = SpectrumFMForPretraining(tiny_config())
    pretrained.save_pretrained(tmp_path)
    classifier = SpectrumFMForSequenceClassification.from_pretrained(tmp_path, num_labels=11)
    for name, weight in pretrained.spectrumfm.state_dict().items():
        assert torch.equal(classifier.spectrumfm.state_dict()[name], weight), name
    assert classifier(windows).logits.shape == (windows.shape[0], 11)


def test_saved_adapter_is_a_small_share_of_the_model(tmp_path):
    model = adapt_model(SpectrumFMForSequenceClassification(tiny_config()), "lora")
    folder = save_task_adapter(model, tmp_path)
    assert adapter_size_bytes(folder) == (tmp_path / "adapter_model.safetensors").stat().st_size
    assert (folder / "config.json").is_file()
    assert 0 < count_parameters(model).trainable_share < 1


@pytest.mark.parametrize("task_class", [SpectrumFMForSequenceClassification, SpectrumFMForAnomalyDetection])
def test_saved_adapter_config_names_its_task_model_not_the_pretraining_checkpoint(tmp_path, task_class):
    SpectrumFMForPretraining(tiny_config()).save_pretrained(tmp_path / "pretrained")
    task_model = task_class.from_pretrained(tmp_path / "pretrained", id2label={0: "vacant", 1: "occupied"},
                                            anomaly_threshold=0.25)
    folder = save_task_adapter(adapt_model(task_model, "lora"), tmp_path / "adapter")
    config = AutoConfig.from_pretrained(folder)
    assert config.architectures == [task_class.__name__]
    assert config.id2label == {0: "vacant", 1: "occupied"} and config.anomaly_threshold == 0.25


def _adapter_set(tmp_path, windows):
    encoder = SpectrumFMModel(tiny_config())
    folders = {
        name: save_task_adapter(_lora_task_model(task_class, num_labels, encoder.state_dict(), name), tmp_path)
        for name, (task_class, num_labels) in TASKS.items()
    }
    adapters = TaskAdapterSet(encoder)
    for name, (task_class, _) in TASKS.items():
        adapters.add(name, task_class, folders[name])
    return adapters


def test_adapters_of_every_task_coexist_on_one_encoder_with_their_own_heads(tmp_path, windows):
    adapters = _adapter_set(tmp_path, windows)
    with torch.no_grad():
        widths = {name: adapters.switch(name)(windows).logits.shape[-1] for name in ("amc", "amc24", "wtc", "ss")}
        score = adapters.switch("ad")(windows).anomaly_score
    assert widths == {"amc": 11, "amc24": 24, "wtc": 7, "ss": 2}
    assert score.shape == (windows.shape[0],)


def test_switching_adapters_changes_the_encoder_and_switching_back_restores_outputs_bit_exactly(tmp_path, windows):
    adapters = _adapter_set(tmp_path, windows)
    with torch.no_grad():
        amc_logits = adapters.switch("amc")(windows).logits
        amc_hidden = adapters.encoder(windows).last_hidden_state
        adapters.switch("wtc")
        wtc_hidden = adapters.encoder(windows).last_hidden_state
        amc_again = adapters.switch("amc")(windows).logits
    assert not torch.allclose(amc_hidden, wtc_hidden)
    assert torch.equal(amc_logits, amc_again)


def test_merged_adapter_gives_the_unmerged_outputs(windows):
    encoder_state = SpectrumFMModel(tiny_config()).state_dict()
    model = _lora_task_model(SpectrumFMForSequenceClassification, 11, encoder_state).eval()
    with torch.no_grad():
        unmerged = model(windows).logits
        merged = model.merge_and_unload()(windows).logits
    assert not isinstance(merged, PeftModel)
    torch.testing.assert_close(merged, unmerged, rtol=0, atol=1e-5)


def test_switching_to_an_unknown_adapter_names_the_loaded_ones():
    adapters = TaskAdapterSet(SpectrumFMModel(tiny_config()))
    with pytest.raises(AdaptationError, match=r"one of the loaded adapters \[\], got 'amc'"):
        adapters.switch("amc")
