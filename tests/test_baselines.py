"""Baseline classifiers: build, run, train, persist, refuse bad input, and the registry that names them."""

import math

import pytest
import torch
from transformers import AutoConfig, AutoModel, AutoModelForSequenceClassification
from transformers.modeling_outputs import SequenceClassifierOutput

from spectrumfm_hf import SpectrumFMConfigError, SpectrumFMInputError, SpectrumFMInputTypeError
from spectrumfm_hf.baselines import (
    BASELINES,
    CLASSIFICATION_BASELINES,
    SENSING_BASELINES,
    baseline_classes,
    build_baseline,
    register_auto_classes,
)

NUM_SAMPLES = 32

# Tiny sizes: every model runs forward/backward in milliseconds on a CPU.
TINY_CONFIGS = {
    "resnet": dict(num_filters=8, reduced_filters=8, dense_size=16, dropout=0.0),
    "mcnet": dict(stem_filters=8, squeeze_filters=4, branch_filters=4, dropout=0.0),
    "vgg": dict(num_conv_layers=3, num_filters=8, dense_size=16),
    "cnn2": dict(conv_filters=[8, 8], dense_size=16, dropout=0.0),
    "gru2": dict(hidden_size=16),
    "dae": dict(hidden_size=16, dropout=0.0),
    "cgdnn": dict(num_filters=8, gru_size=16, dense_size=16, dropout=0.0),
    "pet-cgdnn": dict(spatial_filters=8, temporal_filters=8, gru_size=16),
    "transformer": dict(
        patch_size=4, hidden_size=32, num_attention_heads=4, intermediate_size=32, dropout=0.0
    ),
    "msnet": dict(block_channels=[8, 16], dropout=0.0),
    "amc-net": dict(multi_scale_channels=6, stem_channels=[8, 16], classifier_size=16, dropout=0.0),
    "lstm-detector": dict(hidden_size=16),
    "resnet-detector": dict(num_filters=8, reduced_filters=8, dense_size=16, dropout=0.0),
}
TRAINABLE = list(TINY_CONFIGS)


def tiny_model(name: str, num_labels: int | None = None):
    if num_labels is None and name not in SENSING_BASELINES:
        num_labels = 4
    return build_baseline(name, num_labels=num_labels, num_samples=NUM_SAMPLES, **TINY_CONFIGS[name])


def labelled_tones(num_windows: int, num_labels: int, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """I/Q windows of unit-power tones in weak noise: one frequency per class, or with two
    classes, noise alone (class 0) and a tone (class 1)."""
    generator = torch.Generator().manual_seed(seed)
    labels = torch.arange(num_windows) % num_labels
    time = torch.arange(NUM_SAMPLES, dtype=torch.float32)
    if num_labels == 2:
        frequency = torch.full((num_windows,), 0.125)
        amplitude = labels.float()
    else:
        frequency = -0.375 + 0.25 * labels.float()  # cycles per sample
        amplitude = torch.ones(num_windows)
    phase = 2 * math.pi * torch.rand(num_windows, 1, generator=generator)
    angle = 2 * math.pi * frequency[:, None] * time + phase
    tone = amplitude[:, None, None] * torch.stack([torch.cos(angle), torch.sin(angle)], dim=-1)
    return tone + 0.2 * torch.randn(num_windows, NUM_SAMPLES, 2, generator=generator), labels


def num_labels_of(name: str) -> int:
    return 2 if name in SENSING_BASELINES else 4


# ----------------------------------------------------------------------------- forward / backward


@pytest.mark.parametrize("name", TRAINABLE)
def test_forward_returns_logits_of_batch_by_classes_and_a_finite_loss(name):
    windows, labels = labelled_tones(6, num_labels_of(name))
    outputs = tiny_model(name)(input_values=windows, labels=labels)
    assert isinstance(outputs, SequenceClassifierOutput)
    assert outputs.logits.shape == (6, num_labels_of(name))
    assert outputs.loss.ndim == 0 and torch.isfinite(outputs.loss)


@pytest.mark.parametrize("name", TRAINABLE)
def test_backward_reaches_every_parameter(name):
    model = tiny_model(name)
    windows, labels = labelled_tones(6, num_labels_of(name))
    model(input_values=windows, labels=labels).loss.backward()
    missing = [n for n, p in model.named_parameters() if p.grad is None or not torch.isfinite(p.grad).all()]
    assert missing == []


def test_forward_without_labels_has_no_loss():
    outputs = tiny_model("vgg")(input_values=labelled_tones(3, 4)[0])
    assert outputs.loss is None and outputs.logits.shape == (3, 4)


def test_tuple_output_is_loss_then_logits():
    windows, labels = labelled_tones(3, 4)
    loss, logits = tiny_model("gru2")(input_values=windows, labels=labels, return_dict=False)
    assert loss.ndim == 0 and logits.shape == (3, 4)


def test_attention_mask_is_accepted_and_ignored():
    model = tiny_model("msnet").eval()
    windows = labelled_tones(3, 4)[0]
    masked = model(input_values=windows, attention_mask=torch.zeros(3, NUM_SAMPLES, dtype=torch.long)).logits
    assert torch.equal(masked, model(input_values=windows).logits)


def test_dae_loss_adds_its_weighted_reconstruction_error_to_the_cross_entropy():
    model = tiny_model("dae").eval()
    windows, labels = labelled_tones(4, 4)
    with torch.no_grad():
        outputs = model(input_values=windows, labels=labels)
        reconstruction_error = torch.mean((model.reconstruct(model.encode(windows)) - windows) ** 2)
    cross_entropy = torch.nn.functional.cross_entropy(outputs.logits, labels)
    expected = cross_entropy + model.config.reconstruction_loss_weight * reconstruction_error
    torch.testing.assert_close(outputs.loss, expected)


def test_default_size_models_take_128_sample_windows():
    windows = torch.randn(2, 128, 2)
    for name in CLASSIFICATION_BASELINES:
        assert build_baseline(name, num_labels=11).eval()(input_values=windows).logits.shape == (2, 11), name


# ----------------------------------------------------------------------------- training


@pytest.mark.parametrize("name", TRAINABLE)
def test_overfits_sixteen_windows_to_over_ninety_percent_training_accuracy(name):
    torch.manual_seed(0)
    model = tiny_model(name)
    windows, labels = labelled_tones(16, num_labels_of(name))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    for _ in range(150):
        model.train()
        optimizer.zero_grad()
        model(input_values=windows, labels=labels).loss.backward()
        optimizer.step()
        model.eval()
        with torch.no_grad():
            accuracy = (model(input_values=windows).logits.argmax(-1) == labels).float().mean().item()
        if accuracy > 0.9:
            break
    assert accuracy > 0.9


# ----------------------------------------------------------------------------- persistence


@pytest.mark.parametrize("name", TRAINABLE)
def test_save_and_load_round_trip_is_bit_identical(name, tmp_path):
    model = tiny_model(name)
    windows, labels = labelled_tones(4, num_labels_of(name))
    model(input_values=windows, labels=labels).loss.backward()  # one training pass moves BatchNorm statistics
    model.save_pretrained(tmp_path)
    loaded = type(model).from_pretrained(tmp_path)
    original_state, loaded_state = model.state_dict(), loaded.state_dict()
    assert original_state.keys() == loaded_state.keys()
    assert all(torch.equal(original_state[key], loaded_state[key]) for key in original_state)
    saved_fields = {key: value for key, value in model.config.to_dict().items() if key != "_name_or_path"}
    assert {key: loaded.config.to_dict()[key] for key in saved_fields} == saved_fields
    with torch.no_grad():
        original_logits = model.eval()(input_values=windows).logits
        assert torch.equal(original_logits, loaded.eval()(input_values=windows).logits)


@pytest.mark.parametrize(
    "name, auto_class", [("mcnet", AutoModelForSequenceClassification), ("aae", AutoModel)]
)
def test_registered_auto_classes_load_a_saved_baseline_by_its_folder(name, auto_class, tmp_path):
    register_auto_classes()
    model = build_baseline(name, num_samples=NUM_SAMPLES, **TINY_CONFIGS.get(name, {}))
    model.save_pretrained(tmp_path)
    assert type(AutoConfig.from_pretrained(tmp_path)) is type(model.config)
    loaded = auto_class.from_pretrained(tmp_path)
    assert type(loaded) is type(model)
    assert all(torch.equal(a, b) for a, b in zip(model.state_dict().values(), loaded.state_dict().values()))


# ----------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "input_values, error, words",
    [
        (torch.randn(2, NUM_SAMPLES, 3), SpectrumFMInputError, "shape (batch >= 1, 32, 2)"),
        (torch.randn(2, 16, 2), SpectrumFMInputError, "got (2, 16, 2)"),
        (torch.randn(0, NUM_SAMPLES, 2), SpectrumFMInputError, "batch >= 1"),
        (torch.ones(2, NUM_SAMPLES, 2, dtype=torch.long), SpectrumFMInputTypeError, "floating-point"),
        (torch.randn(2, NUM_SAMPLES, 2).numpy(), SpectrumFMInputTypeError, "torch.Tensor"),
        (torch.full((2, NUM_SAMPLES, 2), float("nan")), SpectrumFMInputError, "NaN"),
    ],
)
def test_bad_input_values_raise_an_error_naming_the_argument(input_values, error, words):
    with pytest.raises(error, match="input_values") as raised:
        tiny_model("cnn2")(input_values=input_values)
    assert words in str(raised.value)


@pytest.mark.parametrize(
    "labels, error, words",
    [
        (torch.tensor([0, 4]), SpectrumFMInputError, "[0, 4)"),
        (torch.tensor([0.0, 1.0]), SpectrumFMInputTypeError, "integer"),
        (torch.tensor([0, 1, 2]), SpectrumFMInputError, "shape (2,)"),
        ([0, 1], SpectrumFMInputTypeError, "torch.Tensor"),
    ],
)
def test_bad_labels_raise_an_error_naming_the_argument(labels, error, words):
    with pytest.raises(error, match="labels") as raised:
        tiny_model("gru2")(input_values=labelled_tones(2, 4)[0], labels=labels)
    assert words in str(raised.value)


def test_unknown_input_representation_is_a_config_error():
    with pytest.raises(SpectrumFMConfigError, match="input_representation.*'polar'"):
        build_baseline("vgg", num_labels=4, input_representation="polar")


@pytest.mark.parametrize(
    "name, argument, value, expected",
    [
        ("vgg", "num_conv_layers", 0, "a positive integer"),
        ("gru2", "hidden_size", "8", "a positive integer"),
        ("cnn2", "conv_filters", [], "a non-empty list of positive integers"),
        ("dae", "dropout", 1.0, "a number in [0, 1)"),
        ("aae", "adversarial_loss_weight", -1.0, "a finite number >= 0"),
        ("lstm-detector", "hidden_size", 0, "a positive integer"),
    ],
)
def test_bad_architecture_value_is_a_config_error_naming_it(name, argument, value, expected):
    with pytest.raises(SpectrumFMConfigError) as raised:
        build_baseline(name, **{argument: value})
    assert str(raised.value) == f"{argument} must be {expected}, got {value!r}"


def test_window_too_short_for_the_pooling_is_a_config_error():
    message = "num_samples must be an integer >= 128 for VGGConfig, got 64"
    with pytest.raises(SpectrumFMConfigError, match=message):
        build_baseline("vgg", num_labels=4, num_samples=64)


def test_each_model_declares_the_input_representation_of_its_paper():
    representations = {name: baseline_classes(name)[0]().input_representation for name in TRAINABLE}
    amplitude_phase = {name for name, value in representations.items() if value == "amplitude_phase"}
    assert amplitude_phase == {"dae", "lstm-detector"}


# ----------------------------------------------------------------------------- registry


def test_registry_lists_the_papers_baselines_in_table_order():
    assert CLASSIFICATION_BASELINES == (
        "resnet", "mcnet", "vgg", "cnn2", "gru2", "dae", "cgdnn", "pet-cgdnn", "transformer", "msnet",
        "amc-net",
    )
    assert set(BASELINES) == {*CLASSIFICATION_BASELINES, *SENSING_BASELINES, "aae"}


def test_every_trainable_baseline_has_its_own_model_type():
    model_types = [baseline_classes(name)[0].model_type for name in BASELINES if baseline_classes(name)[0]]
    assert len(set(model_types)) == len(model_types) == len(BASELINES) - 1
    assert all(model_type.startswith("spectrumfm-baseline-") for model_type in model_types)


def test_build_baseline_sets_num_labels_and_config_values():
    model = build_baseline("transformer", num_labels=7, hidden_size=16, num_attention_heads=2)
    assert (model.config.num_labels, model.config.hidden_size, model.config.num_attention_heads) == (7, 16, 2)


def test_detectors_default_to_vacant_and_occupied_labels():
    for name in ("lstm-detector", "resnet-detector"):
        assert build_baseline(name).config.id2label == {0: "vacant", 1: "occupied"}


def test_build_baseline_refuses_an_unknown_name():
    with pytest.raises(SpectrumFMInputError, match="name must be one of .*got 'lenet'"):
        build_baseline("lenet")


def test_build_baseline_refuses_classes_for_a_detector_with_two():
    message = "num_labels for 'energy-detector' must be 2 or None, got 3"
    with pytest.raises(SpectrumFMInputError, match=message):
        build_baseline("energy-detector", num_labels=3)
