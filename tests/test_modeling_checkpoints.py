"""from_pretrained checks a folder's config.json against its tensors before building a model,
and every broken checkpoint surfaces as a package error naming the file or the values."""

import json
import os
import time

import pytest
import torch
from safetensors.torch import load_file, save_file

from spectrumfm_hf import (
    SpectrumFMConfigError,
    SpectrumFMForAnomalyDetection,
    SpectrumFMForPretraining,
    SpectrumFMForSequenceClassification,
    SpectrumFMModel,
)
from spectrumfm_hf.modeling_spectrumfm import SpectrumFMCheckpointError

from .conftest import tiny_config


@pytest.fixture
def saved_classifier(tmp_path):
    """A 2-layer classifier saved in tmp_path/classifier; returns the folder."""
    folder = tmp_path / "classifier"
    SpectrumFMForSequenceClassification(tiny_config()).save_pretrained(folder)
    return folder


def _edit_config(folder, **changes):
    config = json.loads((folder / "config.json").read_text())
    for name, value in changes.items():
        if value is None:
            config.pop(name)
        else:
            config[name] = value
    (folder / "config.json").write_text(json.dumps(config))


def _edit_weights(folder, edit):
    tensors = load_file(folder / "model.safetensors")
    edit(tensors)
    save_file(tensors, folder / "model.safetensors", metadata={"format": "pt"})


def test_a_config_missing_num_hidden_layers_is_refused_not_reinitialised(saved_classifier):
    _edit_config(saved_classifier, num_hidden_layers=None)
    with pytest.raises(SpectrumFMCheckpointError, match=r"num_hidden_layers=16 but model.safetensors holds 2 encoder layers"):
        SpectrumFMForSequenceClassification.from_pretrained(saved_classifier)


@pytest.mark.parametrize("num_hidden_layers", [1000, 100000], ids=["against-the-tensors", "over-the-config-cap"])
def test_a_huge_num_hidden_layers_is_refused_before_any_model_is_built(saved_classifier, num_hidden_layers):
    _edit_config(saved_classifier, num_hidden_layers=num_hidden_layers)
    start = time.perf_counter()
    with pytest.raises(SpectrumFMConfigError, match=rf"num_hidden_layers\b.*\b{num_hidden_layers}\b"):
        SpectrumFMForSequenceClassification.from_pretrained(saved_classifier)
    assert time.perf_counter() - start < 2.0


def test_a_missing_encoder_tensor_is_named(saved_classifier):
    _edit_weights(saved_classifier, lambda tensors: tensors.pop("spectrumfm.encoder.layers.1.ffn2.fc1.weight"))
    with pytest.raises(SpectrumFMCheckpointError, match=r"missing from model.safetensors: spectrumfm.encoder.layers.1.ffn2.fc1.weight"):
        SpectrumFMForSequenceClassification.from_pretrained(saved_classifier)


def test_an_unexpected_encoder_tensor_is_named(saved_classifier):
    _edit_weights(saved_classifier, lambda tensors: tensors.update({"spectrumfm.encoder.extra_gain": torch.ones(3)}))
    with pytest.raises(SpectrumFMCheckpointError, match=r"unexpected tensors in model.safetensors: spectrumfm.encoder.extra_gain"):
        SpectrumFMForSequenceClassification.from_pretrained(saved_classifier)


def test_strict_false_accepts_a_missing_encoder_tensor(saved_classifier):
    _edit_weights(saved_classifier, lambda tensors: tensors.pop("spectrumfm.encoder.layers.1.ffn2.fc1.weight"))
    model = SpectrumFMForSequenceClassification.from_pretrained(saved_classifier, strict=False)
    assert model.spectrumfm.encoder.layers[1].ffn2.fc1.weight.shape == (64, 32)


def test_a_new_task_head_loads_from_an_encoder_checkpoint(tmp_path):
    encoder = SpectrumFMModel(tiny_config()).eval()
    encoder.save_pretrained(tmp_path)
    model = SpectrumFMForPretraining.from_pretrained(tmp_path)
    torch.testing.assert_close(
        model.spectrumfm.encoder.layers[1].self_attn.query.weight, encoder.encoder.layers[1].self_attn.query.weight
    )


def test_the_encoder_loads_from_another_heads_checkpoint_dropping_that_head(saved_classifier):
    assert isinstance(SpectrumFMModel.from_pretrained(saved_classifier), SpectrumFMModel)
    assert isinstance(SpectrumFMForAnomalyDetection.from_pretrained(saved_classifier), SpectrumFMForAnomalyDetection)


def test_a_truncated_safetensors_file_is_named(saved_classifier):
    weights = saved_classifier / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[: weights.stat().st_size // 2])
    with pytest.raises(SpectrumFMCheckpointError, match=r"model.safetensors is not a readable safetensors file"):
        SpectrumFMForSequenceClassification.from_pretrained(saved_classifier)


def test_a_random_safetensors_file_is_named(saved_classifier):
    (saved_classifier / "model.safetensors").write_bytes(os.urandom(4096))
    with pytest.raises(SpectrumFMCheckpointError, match=r"model.safetensors is not a readable safetensors file"):
        SpectrumFMForSequenceClassification.from_pretrained(saved_classifier)


def test_a_checkpoint_of_another_model_type_is_refused(saved_classifier):
    _edit_config(saved_classifier, model_type="bert")
    with pytest.raises(SpectrumFMCheckpointError, match=r"model_type='bert', expected 'spectrumfm'"):
        SpectrumFMForSequenceClassification.from_pretrained(saved_classifier)


def test_an_unreadable_config_json_is_named(saved_classifier):
    (saved_classifier / "config.json").write_text("{not json")
    with pytest.raises(SpectrumFMCheckpointError, match=r"config.json is not a readable JSON configuration"):
        SpectrumFMForSequenceClassification.from_pretrained(saved_classifier)


@pytest.mark.parametrize("name, value", [("hidden_act", "not-an-activation"), ("num_attention_heads", 0),
                                         ("hidden_size", "32")])
def test_a_config_value_of_the_wrong_kind_surfaces_as_the_config_error(saved_classifier, name, value):
    _edit_config(saved_classifier, **{name: value})
    with pytest.raises(SpectrumFMConfigError, match="config.json"):
        SpectrumFMForSequenceClassification.from_pretrained(saved_classifier)


def test_a_differing_shape_in_the_head_names_the_tensor_and_the_value(saved_classifier):
    _edit_config(saved_classifier, classifier_hidden_size=16)
    with pytest.raises(SpectrumFMCheckpointError, match=r"classifier.linear.weight \(3, 32\) in the file, \(3, 16\) expected"):
        SpectrumFMForSequenceClassification.from_pretrained(saved_classifier)
