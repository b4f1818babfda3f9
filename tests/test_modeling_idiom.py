"""The model family follows transformers 5's conventions: checkpointing layers, the attention
interface, problem types, errors callers catch, export, head modules and tuple outputs."""

import pytest
import torch
import torch.nn.functional as F
from peft import LoraConfig, get_peft_model
from torch.export import Dim, export

from spectrumfm_hf import (
    SpectrumFMConfigError,
    SpectrumFMForAnomalyDetection,
    SpectrumFMForPretraining,
    SpectrumFMForSequenceClassification,
    SpectrumFMInputError,
    SpectrumFMModel,
)
from spectrumfm_hf.modeling_spectrumfm import (
    SpectrumFMCheckpointError,
    SpectrumFMClassificationHead,
    SpectrumFMMasking,
    SpectrumFMNextSlotHead,
)

from .conftest import tiny_config

HEADS = [SpectrumFMModel, SpectrumFMForPretraining, SpectrumFMForSequenceClassification, SpectrumFMForAnomalyDetection]


# ----------------------------------------------------------------------------- checkpointing


def test_checkpointing_every_other_layer_recomputes_only_those_layers(windows):
    model = SpectrumFMForSequenceClassification(tiny_config(num_hidden_layers=4)).train()
    model.activation_checkpointing_enable(every_n_layers=2)
    calls = [0] * 4
    for index, layer in enumerate(model.spectrumfm.encoder.layers):
        layer.ffn1.register_forward_hook(lambda module, args, out, index=index: calls.__setitem__(index, calls[index] + 1))
    model(windows, labels=torch.tensor([0, 1, 2, 0])).loss.backward()
    assert [layer.gradient_checkpointing for layer in model.spectrumfm.encoder.layers] == [True, False, True, False]
    assert calls == [2, 1, 2, 1]  # checkpointed layers run again in the backward pass


# ----------------------------------------------------------------------------- attention interface


@pytest.mark.parametrize("position_embedding_type", ["sinusoidal", "relative"])
def test_set_attn_implementation_eager_agrees_with_sdpa(position_embedding_type, windows, monkeypatch):
    model = SpectrumFMModel(tiny_config(position_embedding_type=position_embedding_type)).eval()
    if position_embedding_type == "relative":
        with torch.no_grad():
            for layer in model.encoder.layers:
                layer.self_attn.relative_position_bias.normal_()
    attention_mask = torch.ones(4, 32, dtype=torch.long)
    attention_mask[1, 20:] = 0
    assert model.config._attn_implementation == "sdpa"
    fused = model(windows, attention_mask=attention_mask).last_hidden_state

    model.set_attn_implementation("eager")
    sdpa_calls = []
    monkeypatch.setattr(F, "scaled_dot_product_attention", lambda *args, **kwargs: sdpa_calls.append(1))
    eager = model(windows, attention_mask=attention_mask).last_hidden_state
    assert model.config._attn_implementation == "eager" and not sdpa_calls
    torch.testing.assert_close(eager, fused, rtol=1e-4, atol=1e-5)


# ----------------------------------------------------------------------------- problem types


def test_single_label_classification_uses_cross_entropy(windows):
    model = SpectrumFMForSequenceClassification(tiny_config(problem_type="single_label_classification"))
    labels = torch.tensor([0, 2, 1, 2])
    outputs = model(windows, labels=labels)
    torch.testing.assert_close(outputs.loss, F.cross_entropy(outputs.logits, labels))


def test_multi_label_classification_uses_binary_cross_entropy_per_class(windows):
    model = SpectrumFMForSequenceClassification(tiny_config())
    labels = torch.tensor([[1.0, 0.0, 1.0], [0.0, 0.0, 0.0], [1.0, 1.0, 1.0], [0.0, 1.0, 0.0]])
    outputs = model(windows, labels=labels)
    assert model.config.problem_type == "multi_label_classification"  # inferred from float labels
    torch.testing.assert_close(outputs.loss, F.binary_cross_entropy_with_logits(outputs.logits, labels))


def test_regression_uses_mean_squared_error_also_for_integer_targets(windows):
    model = SpectrumFMForSequenceClassification(tiny_config(num_labels=1))
    targets = torch.tensor([3, -1, 0, 7])
    outputs = model(windows, labels=targets)
    assert model.config.problem_type == "regression"  # inferred from num_labels == 1
    assert outputs.logits.shape == (4, 1)
    torch.testing.assert_close(outputs.loss, F.mse_loss(outputs.logits.squeeze(-1), targets.float()))
    assert outputs.loss > 1.0


def test_multi_label_targets_other_than_0_and_1_are_refused(windows):
    model = SpectrumFMForSequenceClassification(tiny_config(problem_type="multi_label_classification"))
    with pytest.raises(SpectrumFMInputError, match="only 0 and 1 for multi_label_classification"):
        model(windows, labels=torch.full((4, 3), 0.5))


def test_unknown_problem_type_is_a_config_error(windows):
    model = SpectrumFMForSequenceClassification(tiny_config())
    model.config.problem_type = "ranking"
    with pytest.raises(SpectrumFMConfigError, match="problem_type='ranking'"):
        model(windows, labels=torch.tensor([0, 1, 2, 0]))


# ----------------------------------------------------------------------------- loading errors


def test_mismatched_sizes_raise_an_error_that_is_also_a_runtime_error(tmp_path, config):
    SpectrumFMForSequenceClassification(config).save_pretrained(tmp_path)
    with pytest.raises(RuntimeError, match="num_labels: checkpoint 3, requested 5") as raised:
        SpectrumFMForSequenceClassification.from_pretrained(tmp_path, num_labels=5)
    assert isinstance(raised.value, SpectrumFMCheckpointError) and isinstance(raised.value, SpectrumFMConfigError)
    resized = SpectrumFMForSequenceClassification.from_pretrained(tmp_path, num_labels=5, ignore_mismatched_sizes=True)
    assert resized.classifier.linear.out_features == 5


# ----------------------------------------------------------------------------- export


MAIN_OUTPUT = {SpectrumFMModel: "last_hidden_state", SpectrumFMForPretraining: "reconstruction",
               SpectrumFMForSequenceClassification: "logits", SpectrumFMForAnomalyDetection: "anomaly_score"}


@pytest.mark.parametrize("cls", HEADS)
def test_every_model_exports_with_a_dynamic_batch(cls):
    model = cls(tiny_config()).eval()
    exported = export(model, (torch.rand(2, 32, 2),), dynamic_shapes=({0: Dim("batch", max=1024)},))
    windows = torch.rand(5, 32, 2)
    name = MAIN_OUTPUT[cls]
    exported_output = exported.module()(windows)[name]
    assert exported_output.shape[0] == 5
    if cls is not SpectrumFMForPretraining:  # pre-training draws a new mask on each call
        torch.testing.assert_close(exported_output, model(windows)[name], rtol=1e-4, atol=1e-5)


# ----------------------------------------------------------------------------- modules and names


def test_head_layers_are_modules_with_stable_names(config):
    pretraining = SpectrumFMForPretraining(config)
    assert isinstance(pretraining.masking, SpectrumFMMasking)
    assert isinstance(pretraining.next_slot_head, SpectrumFMNextSlotHead)
    assert {name for name, _ in pretraining.next_slot_head.named_children()} == {"rnn", "linear"}
    assert isinstance(pretraining.reconstruction_head, torch.nn.Linear)
    classification = SpectrumFMForSequenceClassification(config)
    assert isinstance(classification.classifier, SpectrumFMClassificationHead)
    assert {name for name, _ in classification.classifier.named_children()} == {"rnn", "dropout", "linear"}
    assert isinstance(SpectrumFMForAnomalyDetection(config).reconstruction_head, torch.nn.Linear)


def test_peft_modules_to_save_classifier_trains_the_whole_head(config):
    model = get_peft_model(
        SpectrumFMForSequenceClassification(config),
        LoraConfig(r=4, lora_alpha=8, target_modules=["query", "value"], modules_to_save=["classifier"]),
    )
    trainable = {name for name, parameter in model.named_parameters() if parameter.requires_grad}
    head = {name for name in trainable if "modules_to_save" in name}
    assert any(".rnn." in name for name in head) and any(".linear." in name for name in head)
    assert all("lora_" in name or "modules_to_save" in name for name in trainable)


def test_masking_module_draws_the_configured_ratio_from_the_generator(config):
    masking = SpectrumFMMasking(config)
    windows = torch.rand(256, 32, 2)
    first = masking(windows, generator=torch.Generator().manual_seed(3))
    assert torch.equal(first, masking(windows, generator=torch.Generator().manual_seed(3)))
    assert first.shape == (256, 32) and first.dtype == torch.bool
    assert 1 - first.float().mean().item() == pytest.approx(config.mask_ratio, abs=0.01)


def test_pretraining_output_mask_is_float_and_feeds_back(config, windows):
    model = SpectrumFMForPretraining(config).eval()
    first = model(windows, generator=torch.Generator().manual_seed(0))
    assert first.symbol_mask.dtype == torch.float32
    again = model(windows, symbol_mask=first.symbol_mask)
    torch.testing.assert_close(again.loss, first.loss)


def test_return_dict_false_gives_the_fields_as_a_tuple(config, windows):
    model = SpectrumFMForPretraining(config).eval()
    mask = torch.ones(4, 32, dtype=torch.bool)
    as_tuple = model(windows, symbol_mask=mask, return_dict=False)
    as_output = model(windows, symbol_mask=mask)
    assert isinstance(as_tuple, tuple) and len(as_tuple) == 7
    torch.testing.assert_close(as_tuple[0], as_output.loss)
    torch.testing.assert_close(as_tuple[3], as_output.reconstruction)


def test_weights_start_from_transformers_and_the_family_initialisers():
    model = SpectrumFMForPretraining(tiny_config(position_embedding_type="relative", next_slot_rnn_type="gru"))
    linear = model.spectrumfm.encoder.layers[0].ffn1.fc1
    assert linear.weight.std().item() == pytest.approx(0.02, rel=0.2) and not linear.bias.any()
    assert not model.spectrumfm.encoder.layers[0].self_attn.relative_position_bias.any()
    rnn = model.next_slot_head.rnn
    bound = (6.0 / (rnn.weight_ih_l0.shape[0] + rnn.weight_ih_l0.shape[1])) ** 0.5  # Xavier uniform
    assert rnn.weight_ih_l0.abs().max().item() <= bound and not rnn.bias_ih_l0.any()


def test_freshly_initialised_encoder_tells_windows_apart_above_the_position_encoding():
    # Eq. 8's projection at initializer_range would leave every window's encoding ~70x below the
    # sinusoidal positions, and classifiers at chance for thousands of steps.
    torch.manual_seed(0)
    model = SpectrumFMModel(tiny_config()).eval()
    windows = torch.rand(16, 32, 2)
    with torch.no_grad():
        hidden = model(input_values=windows).last_hidden_state
    across_windows = hidden.std(dim=0).mean()
    across_positions = hidden.std(dim=1).mean()
    assert across_windows > 0.2 * across_positions
