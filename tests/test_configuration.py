"""SpectrumFMConfig: paper defaults, validation, variants, persistence."""

import pytest

from spectrumfm_hf import SpectrumFMConfig, SpectrumFMConfigError


def test_defaults_are_the_papers_hyperparameters():
    config = SpectrumFMConfig()
    assert (config.hidden_size, config.intermediate_size, config.num_attention_heads) == (256, 512, 4)
    assert (config.num_hidden_layers, config.max_position_embeddings, config.mask_ratio) == (16, 128, 0.15)
    assert config.conv_kernel_size == 3
    assert config.position_embedding_type == "sinusoidal"
    assert config.norm_placement == "post" and config.feed_forward_residual_weight == 1.0
    assert config.conv_norm == "none" and config.next_slot_rnn_type == "lstm" and config.classifier_rnn_type == "lstm"
    assert config.model_type == "spectrumfm"
    assert config.head_dim == 64


@pytest.mark.parametrize(
    "arguments, named",
    [
        (dict(hidden_size=250), "hidden_size"),
        (dict(mask_ratio=0.0), "mask_ratio"),
        (dict(mask_ratio=1.0), "mask_ratio"),
        (dict(mask_ratio=1.5), "mask_ratio"),
        (dict(position_embedding_type="rotary"), "position_embedding_type"),
        (dict(norm_placement="sandwich"), "norm_placement"),
        (dict(conv_norm="group_norm"), "conv_norm"),
        (dict(conv_kernel_size=4), "conv_kernel_size"),
        (dict(num_hidden_layers=0), "num_hidden_layers"),
        (dict(hidden_dropout_prob=1.0), "hidden_dropout_prob"),
        (dict(next_slot_rnn_type="transformer"), "next_slot_rnn_type"),
        (dict(feed_forward_residual_weight=0.0), "feed_forward_residual_weight"),
        (dict(reconstruction_loss_weight=-1.0), "reconstruction_loss_weight"),
    ],
)
def test_invalid_values_raise_naming_the_argument(arguments, named):
    with pytest.raises(SpectrumFMConfigError, match=named):
        SpectrumFMConfig(**arguments)


def test_config_errors_are_value_errors():
    with pytest.raises(ValueError):
        SpectrumFMConfig(mask_ratio=2.0)


def test_authors_variant_sets_their_choices_and_accepts_overrides():
    config = SpectrumFMConfig.authors_variant(hidden_size=64)
    assert config.feed_forward_residual_weight == 0.5
    assert config.conv_norm == "batch_norm"
    assert config.position_embedding_type == "relative"
    assert config.next_slot_rnn_type == "gru" and config.classifier_rnn_type == "gru"
    assert config.classifier_bidirectional is True
    assert config.input_noise_std == 1e-3 and config.mask_ratio == 0.3
    assert config.hidden_size == 64


def test_save_and_load_round_trip(tmp_path):
    config = SpectrumFMConfig(hidden_size=64, num_labels=5, anomaly_threshold=0.25, classifier_bidirectional=True)
    config.save_pretrained(tmp_path)
    loaded = SpectrumFMConfig.from_pretrained(tmp_path)
    assert loaded.to_dict() == config.to_dict()
    assert loaded.num_labels == 5 and loaded.anomaly_threshold == 0.25


def test_classifier_hidden_size_follows_hidden_size_by_default():
    assert SpectrumFMConfig(hidden_size=64).classifier_hidden_size == 64
    assert SpectrumFMConfig(hidden_size=64, classifier_hidden_size=16).classifier_hidden_size == 16


@pytest.mark.parametrize(
    "arguments, named",
    [
        (dict(layer_norm_eps=float("nan")), "layer_norm_eps"),
        (dict(layer_norm_eps="1e-5"), "layer_norm_eps"),
        (dict(layer_norm_eps=float("inf")), "layer_norm_eps"),
        (dict(reconstruction_loss_weight=float("nan")), "reconstruction_loss_weight"),
        (dict(next_slot_loss_weight=float("inf")), "next_slot_loss_weight"),
        (dict(input_noise_std=float("nan")), "input_noise_std"),
        (dict(initializer_range=float("nan")), "initializer_range"),
        (dict(anomaly_threshold=float("nan")), "anomaly_threshold"),
        (dict(hidden_act="not_an_activation"), "hidden_act"),
        (dict(hidden_act=None), "hidden_act"),
        (dict(num_attention_heads=0), "num_attention_heads"),
        (dict(hidden_size="256"), "hidden_size"),
        (dict(num_hidden_layers=2.0), "num_hidden_layers"),
        (dict(validate_input_range="false"), "validate_input_range"),
        (dict(classifier_bidirectional=1), "classifier_bidirectional"),
        (dict(pretraining_single_pass=None), "pretraining_single_pass"),
        (dict(position_embedding_type=["sinusoidal"]), "position_embedding_type"),
    ],
)
def test_values_of_the_wrong_type_or_not_finite_raise_naming_the_key(arguments, named):
    with pytest.raises(SpectrumFMConfigError, match=f"SpectrumFMConfig: {named} must be"):
        SpectrumFMConfig(**arguments)


def test_a_config_dict_with_a_bad_value_raises_naming_the_key():
    config_dict = SpectrumFMConfig(hidden_size=64).to_dict()
    config_dict["layer_norm_eps"] = "1e-5"
    expected = r"layer_norm_eps must be a finite number in \(0.0, 1.0\], got '1e-5'"
    with pytest.raises(SpectrumFMConfigError, match=expected):
        SpectrumFMConfig.from_dict(config_dict)


def test_a_config_json_with_a_bad_value_raises_naming_the_key(tmp_path):
    SpectrumFMConfig(hidden_size=64).save_pretrained(tmp_path)
    config_file = tmp_path / "config.json"
    config_file.write_text(config_file.read_text().replace('"hidden_act": "gelu"', '"hidden_act": "gelu_typo"'))
    with pytest.raises(SpectrumFMConfigError, match="hidden_act must be one of .*, got 'gelu_typo'"):
        SpectrumFMConfig.from_pretrained(tmp_path)


def test_architecture_sizes_far_beyond_the_papers_are_refused():
    with pytest.raises(SpectrumFMConfigError, match=r"num_hidden_layers must be an integer in \[1, 1024\], got 100000"):
        SpectrumFMConfig(num_hidden_layers=100_000)


def test_hostile_values_are_described_briefly_in_the_message():
    nested = 1
    for _ in range(100_000):
        nested = (nested,)
    with pytest.raises(SpectrumFMConfigError) as caught:
        SpectrumFMConfig(layer_norm_eps=nested)
    assert len(str(caught.value)) < 200


def test_every_builtin_activation_is_accepted():
    assert SpectrumFMConfig(hidden_act="relu").hidden_act == "relu"
