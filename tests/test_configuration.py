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
