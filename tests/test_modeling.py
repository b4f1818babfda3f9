"""SpectrumFM models: shapes, the equations, losses, masks, persistence, training behaviour."""

import math

import pytest
import torch
import torch.nn.functional as F
from transformers import AutoConfig, AutoModel, AutoModelForPreTraining, AutoModelForSequenceClassification

from spectrumfm_hf import (
    SpectrumFMForAnomalyDetection,
    SpectrumFMForPretraining,
    SpectrumFMForSequenceClassification,
    SpectrumFMInputError,
    SpectrumFMInputTypeError,
    SpectrumFMModel,
)
from spectrumfm_hf.configuration_spectrumfm import SpectrumFMConfigError
from spectrumfm_hf.modeling_spectrumfm import (
    SpectrumFMCheckpointError,
    SpectrumFMEncoderLayer,
    sinusoidal_position_encoding,
)

from .conftest import tiny_config

ALL_CLASSES = [SpectrumFMModel, SpectrumFMForPretraining, SpectrumFMForSequenceClassification, SpectrumFMForAnomalyDetection]


def _main_output(model, outputs):
    if isinstance(model, SpectrumFMForSequenceClassification):
        return outputs.logits
    if isinstance(model, SpectrumFMForAnomalyDetection):
        return outputs.anomaly_score
    if isinstance(model, SpectrumFMForPretraining):
        return outputs.reconstruction
    return outputs.last_hidden_state


# ----------------------------------------------------------------------------- shapes


def test_base_model_shapes_and_dtypes(config, windows):
    outputs = SpectrumFMModel(config).eval()(windows, output_hidden_states=True, output_attentions=True)
    assert outputs.last_hidden_state.shape == (4, 32, 32) and outputs.last_hidden_state.dtype == torch.float32
    assert len(outputs.hidden_states) == config.num_hidden_layers + 1
    assert len(outputs.attentions) == config.num_hidden_layers
    assert outputs.attentions[0].shape == (4, 4, 32, 32)


def test_pretraining_shapes(config, windows):
    outputs = SpectrumFMForPretraining(config)(windows)
    assert outputs.loss.shape == () and outputs.reconstruction_loss.shape == () and outputs.next_slot_loss.shape == ()
    assert outputs.reconstruction.shape == (4, 32, 2)
    assert outputs.next_slot_prediction.shape == (4, 2)
    assert outputs.symbol_mask.shape == (4, 32) and outputs.symbol_mask.dtype == torch.float32
    assert set(outputs.symbol_mask.unique().tolist()) <= {0.0, 1.0}
    assert ((outputs.next_slot_prediction > 0) & (outputs.next_slot_prediction < 1)).all()


def test_classification_shapes_and_loss(config, windows):
    outputs = SpectrumFMForSequenceClassification(config)(windows, labels=torch.tensor([0, 1, 2, 0]))
    assert outputs.logits.shape == (4, 3)
    expected = F.cross_entropy(outputs.logits, torch.tensor([0, 1, 2, 0]))
    torch.testing.assert_close(outputs.loss, expected)


def test_anomaly_detection_shapes_and_score(config, windows):
    outputs = SpectrumFMForAnomalyDetection(config)(windows)
    assert outputs.anomaly_score.shape == (4,) and outputs.reconstruction.shape == (4, 32, 2)
    assert (outputs.reconstruction.abs() < 1).all()  # tanh, eq. 28
    expected = ((outputs.reconstruction - windows) ** 2).mean(dim=(1, 2))  # eq. 29
    torch.testing.assert_close(outputs.anomaly_score, expected)
    torch.testing.assert_close(outputs.loss, expected.mean())
    assert outputs.is_anomaly is None


def test_tuple_outputs_when_return_dict_is_false(config, windows):
    logits, = SpectrumFMForSequenceClassification(config).eval()(windows, return_dict=False)
    assert logits.shape == (4, 3)
    last_hidden_state, = SpectrumFMModel(config).eval()(windows, return_dict=False)
    assert last_hidden_state.shape == (4, 32, 32)


def test_auto_classes_build_spectrumfm_models(config):
    assert isinstance(AutoConfig.for_model("spectrumfm"), type(config))
    assert isinstance(AutoModel.from_config(config), SpectrumFMModel)
    assert isinstance(AutoModelForPreTraining.from_config(config), SpectrumFMForPretraining)
    assert isinstance(AutoModelForSequenceClassification.from_config(config), SpectrumFMForSequenceClassification)


# ----------------------------------------------------------------------------- equations


def test_sinusoidal_encoding_matches_eq_9():
    encoding = sinusoidal_position_encoding(16, 8)
    for p in (0, 3, 15):
        for i in range(4):
            assert encoding[p, 2 * i].item() == pytest.approx(math.sin(p / 10000 ** (2 * i / 8)), abs=1e-6)
            assert encoding[p, 2 * i + 1].item() == pytest.approx(math.cos(p / 10000 ** (2 * i / 8)), abs=1e-6)


def test_embeddings_are_the_projection_plus_the_encoding(config, windows):
    model = SpectrumFMModel(config).eval()
    hidden = model(windows, output_hidden_states=True).hidden_states[0]
    weight = model.embeddings.projection.weight  # (d, C), eq. 8's W_proj
    expected = windows @ weight.T + sinusoidal_position_encoding(32, config.hidden_size)
    torch.testing.assert_close(hidden, expected)


def _layer_norm(x, norm):
    return F.layer_norm(x, (x.shape[-1],), norm.weight, norm.bias, norm.eps)


def test_encoder_layer_matches_eq_11_to_18_step_by_step():
    config = tiny_config()
    layer = SpectrumFMEncoderLayer(config).eval()
    for parameter in layer.parameters():  # non-trivial norms and biases
        torch.nn.init.normal_(parameter, std=0.2)
    x = torch.randn(2, 32, config.hidden_size)
    H, d_h = config.num_attention_heads, config.head_dim

    # Eq. 11: x_ffn = RN(GELU(x W1 + b1) W2 + b2), RN = residual add then LayerNorm.
    f = layer.ffn1
    x_ffn = _layer_norm(x + (F.gelu(x @ f.fc1.weight.T + f.fc1.bias) @ f.fc2.weight.T + f.fc2.bias), layer.ffn1_layer_norm)
    # Eq. 12-14: per-head softmax(Q K^T / sqrt(d_h)) V, concatenated, times W^o, then RN.
    a = layer.self_attn
    heads = []
    for h in range(H):
        cols = slice(h * d_h, (h + 1) * d_h)
        q, k, v = (x_ffn @ proj.weight[cols].T for proj in (a.query, a.key, a.value))
        heads.append(torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(d_h), dim=-1) @ v)
    x_attention = _layer_norm(x_ffn + torch.cat(heads, dim=-1) @ a.output.weight.T, layer.self_attn_layer_norm)
    # Eq. 15: pointwise d -> 2d then GLU; eq. 16: depthwise k=3 (zero-padded), + bias, swish; eq. 17: pointwise, RN.
    c = layer.conv_module
    expanded = x_attention @ c.pointwise_conv1.weight.T
    x_inconv = expanded[..., : config.hidden_size] * torch.sigmoid(expanded[..., config.hidden_size:])
    padded = F.pad(x_inconv, (0, 0, 1, 1))
    kernel = c.depthwise_conv.weight[:, 0, :]  # (d, 3)
    local = padded[:, :-2] * kernel[:, 0] + padded[:, 1:-1] * kernel[:, 1] + padded[:, 2:] * kernel[:, 2]
    x_localconv = F.silu(local + c.depthwise_conv.bias)
    x_outconv = _layer_norm(x_attention + x_localconv @ c.pointwise_conv2.weight.T, layer.conv_layer_norm)
    # Eq. 18 (with the residual and norm the text gives every module).
    f = layer.ffn2
    x_latent = _layer_norm(
        x_outconv + (F.gelu(x_outconv @ f.fc1.weight.T + f.fc1.bias) @ f.fc2.weight.T + f.fc2.bias), layer.ffn2_layer_norm
    )

    output, _ = layer(x)
    torch.testing.assert_close(output, x_latent, rtol=1e-4, atol=1e-5)


def test_macaron_weight_halves_the_feed_forward_residuals():
    layer = SpectrumFMEncoderLayer(tiny_config(feed_forward_residual_weight=0.5)).eval()
    x = torch.randn(2, 32, 32)
    halves = []
    layer.ffn1.register_forward_hook(lambda module, args, out: halves.append((args[0], out)))
    layer(x)
    inputs, out = halves[0]
    # The first sub-layer's output, before attention, is LN(x + 0.5 * FFN(x)).
    captured = []
    layer.self_attn.register_forward_hook(lambda module, args, out: captured.append(args[0]))
    layer(x)
    torch.testing.assert_close(captured[0], layer.ffn1_layer_norm(inputs + 0.5 * out))


# ----------------------------------------------------------------------------- pre-training losses


def _constant_heads(model: SpectrumFMForPretraining, value: float = 0.3):
    """Make both decoders output constants, so that losses depend on the targets alone."""
    with torch.no_grad():
        model.reconstruction_head.weight.zero_()
        model.reconstruction_head.bias.fill_(value)
        model.next_slot_head.linear.weight.zero_()
        model.next_slot_head.linear.bias.fill_(math.log(value / (1 - value)))  # sigmoid(bias) == value


def test_reconstruction_loss_counts_masked_symbols_only(config, windows):
    model = SpectrumFMForPretraining(config).eval()
    _constant_heads(model)
    symbol_mask = torch.ones(4, 32, dtype=torch.bool)
    symbol_mask[:, [3, 7, 20]] = False
    loss = model(windows, symbol_mask=symbol_mask).reconstruction_loss
    expected = ((0.3 - windows[:, [3, 7, 20]]) ** 2).mean()
    torch.testing.assert_close(loss, expected)

    changed_unmasked = windows.clone()
    changed_unmasked[:, [0, 1, 10]] = 0.99
    torch.testing.assert_close(model(changed_unmasked, symbol_mask=symbol_mask).reconstruction_loss, loss)
    changed_masked = windows.clone()
    changed_masked[:, 7] = 0.99
    assert model(changed_masked, symbol_mask=symbol_mask).reconstruction_loss != loss


def test_next_slot_target_is_the_last_slot(config, windows):
    model = SpectrumFMForPretraining(config).eval()
    _constant_heads(model)
    outputs = model(windows, symbol_mask=torch.ones(4, 32, dtype=torch.bool))
    torch.testing.assert_close(outputs.next_slot_loss, ((0.3 - windows[:, -1]) ** 2).mean())


def test_next_slot_target_is_the_last_real_slot_of_a_padded_window(config, windows):
    model = SpectrumFMForPretraining(config).eval()
    _constant_heads(model)
    attention_mask = torch.ones(4, 32, dtype=torch.long)
    attention_mask[1, 20:] = 0
    outputs = model(windows, attention_mask=attention_mask, symbol_mask=torch.ones(4, 32, dtype=torch.bool))
    targets = torch.stack([windows[0, 31], windows[1, 19], windows[2, 31], windows[3, 31]])
    torch.testing.assert_close(outputs.next_slot_loss, ((0.3 - targets) ** 2).mean())


def test_single_pass_hides_the_predicted_slot_from_the_encoder(config, windows):
    model = SpectrumFMForPretraining(config).eval()
    mask = torch.ones(4, 32, dtype=torch.bool)
    changed = windows.clone()
    changed[:, -1] = 1.0 - changed[:, -1]
    first = model(windows, symbol_mask=mask).next_slot_prediction
    second = model(changed, symbol_mask=mask).next_slot_prediction
    torch.testing.assert_close(first, second)


def test_two_pass_mode_predicts_from_the_unmasked_prefix(windows):
    model = SpectrumFMForPretraining(tiny_config(pretraining_single_pass=False)).eval()
    mask_a = torch.ones(4, 32, dtype=torch.bool)
    mask_b = mask_a.clone()
    mask_b[:, :10] = False
    # The symbol mask changes the reconstruction pass but not the prediction pass.
    a, b = model(windows, symbol_mask=mask_a), model(windows, symbol_mask=mask_b)
    torch.testing.assert_close(a.next_slot_prediction, b.next_slot_prediction)
    assert not torch.allclose(a.reconstruction, b.reconstruction)


def test_total_loss_weights_the_two_parts():
    config = tiny_config(reconstruction_loss_weight=0.7, next_slot_loss_weight=2.0)
    outputs = SpectrumFMForPretraining(config)(torch.rand(3, 32, 2), generator=torch.Generator().manual_seed(1))
    torch.testing.assert_close(outputs.loss, 0.7 * outputs.reconstruction_loss + 2.0 * outputs.next_slot_loss)


def test_generated_masks_follow_the_ratio_and_the_generator(config):
    model = SpectrumFMForPretraining(config)
    a = model.make_symbol_mask(256, 32, torch.Generator().manual_seed(5))
    b = model.make_symbol_mask(256, 32, torch.Generator().manual_seed(5))
    assert torch.equal(a, b)
    assert 1 - a.float().mean().item() == pytest.approx(config.mask_ratio, abs=0.01)


# ----------------------------------------------------------------------------- masks and attention


def test_fully_masked_windows_stay_finite(config, windows):
    model = SpectrumFMModel(config).eval()
    hidden = model(windows, symbol_mask=torch.zeros(4, 32, dtype=torch.bool)).last_hidden_state
    assert torch.isfinite(hidden).all()
    hidden = model(windows, attention_mask=torch.zeros(4, 32, dtype=torch.long)).last_hidden_state
    assert torch.isfinite(hidden).all()


def test_padding_does_not_change_the_real_symbols_outputs(config, windows):
    model = SpectrumFMModel(config).eval()
    short = model(windows[:, :20]).last_hidden_state
    padded_input = windows.clone()
    padded_input[:, 20:] = 0.0
    attention_mask = torch.zeros(4, 32, dtype=torch.long)
    attention_mask[:, :20] = 1
    padded = model(padded_input, attention_mask=attention_mask).last_hidden_state
    torch.testing.assert_close(padded[:, :20], short, rtol=1e-4, atol=1e-5)


def test_classification_pools_the_last_real_symbol(windows):
    for bidirectional in (False, True):
        model = SpectrumFMForSequenceClassification(tiny_config(classifier_bidirectional=bidirectional)).eval()
        attention_mask = torch.ones(4, 32, dtype=torch.long)
        attention_mask[:, 20:] = 0
        padded = windows.clone()
        padded[:, 20:] = 0.0
        torch.testing.assert_close(
            model(padded, attention_mask=attention_mask).logits, model(windows[:, :20]).logits, rtol=1e-4, atol=1e-5
        )


def test_mean_pooling_is_the_mean_of_the_real_symbols_latent(windows):
    model = SpectrumFMForSequenceClassification(tiny_config(classifier_pooling="mean")).eval()
    assert model.classifier.rnn is None and not any("rnn" in name for name, _ in model.named_parameters())
    attention_mask = torch.ones(4, 32, dtype=torch.bool)
    attention_mask[:, 20:] = False
    latent = model.spectrumfm(windows, attention_mask=attention_mask).last_hidden_state
    expected = model.classifier.linear(latent[:, :20].mean(dim=1))
    torch.testing.assert_close(model(windows, attention_mask=attention_mask).logits, expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("pooling", ["mean", "attention"])
def test_pooled_heads_ignore_padding(pooling, windows):
    model = SpectrumFMForSequenceClassification(tiny_config(classifier_pooling=pooling)).eval()
    attention_mask = torch.ones(4, 32, dtype=torch.long)
    attention_mask[:, 20:] = 0
    padded = windows.clone()
    padded[:, 20:] = 0.7  # whatever padding holds must not reach the logits
    torch.testing.assert_close(
        model(padded, attention_mask=attention_mask).logits, model(windows[:, :20]).logits, rtol=1e-4, atol=1e-5
    )


def test_attention_pooling_is_the_softmax_of_the_learned_scores_over_real_symbols(windows):
    model = SpectrumFMForSequenceClassification(tiny_config(classifier_pooling="attention")).eval()
    attention_mask = torch.ones(4, 32, dtype=torch.bool)
    attention_mask[:, 24:] = False
    latent = model.spectrumfm(windows, attention_mask=attention_mask).last_hidden_state
    scores = model.classifier.attention_score(latent[:, :24]).squeeze(-1)
    expected = (torch.softmax(scores, dim=1)[..., None] * latent[:, :24]).sum(dim=1)
    torch.testing.assert_close(model.classifier.pool(latent, attention_mask), expected, rtol=1e-5, atol=1e-6)
    assert not torch.allclose(expected, latent[:, :24].mean(dim=1), atol=1e-3)  # not the plain mean


def test_unit_power_models_refuse_unscaled_iq_and_take_the_extractors_windows():
    from spectrumfm_hf import SpectrumFMFeatureExtractor

    model = SpectrumFMForSequenceClassification(tiny_config(input_normalisation="unit-power")).eval()
    capture = 300.0 * torch.randn(64, dtype=torch.complex64, generator=torch.Generator().manual_seed(1))
    inputs = SpectrumFMFeatureExtractor(window_length=32, representation="iq-unit-power")(capture.numpy(),
                                                                                      return_tensors="pt")
    assert model(**inputs).logits.shape == (2, 3)
    with pytest.raises(SpectrumFMInputError, match=r"unit mean power.*sqrt\(32\)"):
        model(torch.view_as_real(capture.reshape(2, 32)))
    with pytest.raises(SpectrumFMConfigError, match="input_normalisation"):
        tiny_config(input_normalisation="z-score")


@pytest.mark.parametrize("position_embedding_type", ["sinusoidal", "relative"])
def test_eager_attention_matches_sdpa_and_hides_masked_keys(position_embedding_type, windows):
    config = tiny_config(position_embedding_type=position_embedding_type)
    model = SpectrumFMModel(config).eval()
    if position_embedding_type == "relative":
        with torch.no_grad():
            for layer in model.encoder.layers:
                layer.self_attn.relative_position_bias.normal_()
    symbol_mask = torch.ones(4, 32, dtype=torch.bool)
    symbol_mask[:, 5] = False
    fast = model(windows, symbol_mask=symbol_mask).last_hidden_state
    eager = model(windows, symbol_mask=symbol_mask, output_attentions=True)
    torch.testing.assert_close(eager.last_hidden_state, fast, rtol=1e-4, atol=1e-5)
    weights = eager.attentions[0]
    torch.testing.assert_close(weights.sum(dim=-1), torch.ones(4, 4, 32))
    assert weights[..., 5].abs().max() == 0.0


def test_relative_position_bias_changes_attention():
    config = tiny_config(position_embedding_type="relative")
    model = SpectrumFMModel(config).eval()
    x = torch.rand(2, 32, 2)
    before = model(x).last_hidden_state
    with torch.no_grad():
        model.encoder.layers[0].self_attn.relative_position_bias[:, :31] = -5.0  # discourage looking back
    assert not torch.allclose(model(x).last_hidden_state, before)


@pytest.mark.parametrize("variant", ["post", "pre", "authors"])
def test_architecture_variants_run_and_backpropagate(variant, windows):
    config = tiny_config(norm_placement=variant) if variant != "authors" else tiny_config(
        **{k: v for k, v in type(tiny_config()).authors_variant().to_dict().items()
           if k in ("feed_forward_residual_weight", "conv_norm", "position_embedding_type", "next_slot_rnn_type",
                    "classifier_rnn_type", "classifier_bidirectional", "input_noise_std", "mask_ratio")}
    )
    for cls in (SpectrumFMForPretraining, SpectrumFMForSequenceClassification):
        model = cls(config).train()
        kwargs = {"labels": torch.tensor([0, 1, 2, 1])} if cls is SpectrumFMForSequenceClassification else {}
        loss = model(windows, **kwargs).loss
        loss.backward()
        assert torch.isfinite(loss)
        assert all(p.grad is not None for n, p in model.named_parameters() if "relative_position_bias" not in n or variant == "authors")


# ----------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    "bad, error, message",
    [
        (torch.rand(4, 32), SpectrumFMInputError, "shape"),
        (torch.rand(4, 32, 3), SpectrumFMInputError, "shape"),
        (torch.rand(4, 64, 2), SpectrumFMInputError, "max_position_embeddings"),
        (torch.full((4, 32, 2), float("nan")), SpectrumFMInputError, "NaN"),
        (torch.rand(4, 32, 2) * 100, SpectrumFMInputError, "normalised"),
        (torch.ones(4, 32, 2, dtype=torch.long), SpectrumFMInputTypeError, "floating"),
        ([[0.0, 1.0]], SpectrumFMInputTypeError, "torch.Tensor"),
    ],
)
def test_bad_inputs_raise_named_errors(config, bad, error, message):
    with pytest.raises(error, match=message):
        SpectrumFMModel(config)(bad)


def test_bad_masks_and_labels_raise(config, windows):
    model = SpectrumFMForSequenceClassification(config)
    with pytest.raises(SpectrumFMInputError, match="attention_mask must have shape"):
        model(windows, attention_mask=torch.ones(4, 31))
    with pytest.raises(SpectrumFMInputError, match="only 0 and 1"):
        model(windows, attention_mask=torch.full((4, 32), 2))
    with pytest.raises(SpectrumFMInputError, match=r"labels must lie in \[0, 3\)"):
        model(windows, labels=torch.tensor([0, 1, 2, 3]))
    with pytest.raises(SpectrumFMInputError, match=r"labels must have shape \(4, 3\).*multi_label_classification"):
        model(windows, labels=torch.tensor([0.0, 1.0, 2.0, 0.0]))
    with pytest.raises(SpectrumFMInputError, match="at least 2 symbols"):
        SpectrumFMForPretraining(config)(windows[:, :1])


# ----------------------------------------------------------------------------- persistence


@pytest.mark.parametrize("cls", ALL_CLASSES)
def test_save_and_load_give_bit_identical_outputs(cls, tmp_path, windows):
    config = tiny_config(position_embedding_type="relative", conv_norm="batch_norm")
    model = cls(config).eval()
    model.save_pretrained(tmp_path)
    assert (tmp_path / "model.safetensors").exists()
    loaded = cls.from_pretrained(tmp_path).eval()
    kwargs = {"symbol_mask": torch.ones(4, 32, dtype=torch.bool)} if cls is SpectrumFMForPretraining else {}
    with torch.no_grad():
        assert torch.equal(_main_output(model, model(windows, **kwargs)), _main_output(loaded, loaded(windows, **kwargs)))


def test_loading_into_a_mismatched_config_names_the_difference(tmp_path, config):
    SpectrumFMModel(config).save_pretrained(tmp_path)
    with pytest.raises(SpectrumFMCheckpointError, match="hidden_size: checkpoint 32, requested 64"):
        SpectrumFMModel.from_pretrained(tmp_path, hidden_size=64, intermediate_size=64)


def test_anomaly_threshold_calibration_and_persistence(tmp_path, config):
    model = SpectrumFMForAnomalyDetection(config).eval()
    scores = torch.linspace(0.0, 1.0, 1001)
    threshold = model.calibrate_threshold(scores, false_alarm_rate=0.05)
    assert threshold == pytest.approx(0.95)
    assert (scores > threshold).float().mean().item() == pytest.approx(0.05, abs=0.002)
    model.save_pretrained(tmp_path)
    loaded = SpectrumFMForAnomalyDetection.from_pretrained(tmp_path)
    assert loaded.config.anomaly_threshold == pytest.approx(0.95)
    assert loaded.config.anomaly_false_alarm_rate == 0.05
    out = loaded(torch.rand(3, 32, 2))
    assert torch.equal(out.is_anomaly, out.anomaly_score > threshold)
    with pytest.raises(SpectrumFMInputError, match="false_alarm_rate"):
        model.calibrate_threshold(scores, false_alarm_rate=1.5)


# ----------------------------------------------------------------------------- training behaviour


def test_gradient_checkpointing_gives_the_same_loss_and_gradients(config, windows):
    model = SpectrumFMForSequenceClassification(config).train()
    labels = torch.tensor([0, 1, 2, 0])
    loss = model(windows, labels=labels).loss
    loss.backward()
    expected = {n: p.grad.clone() for n, p in model.named_parameters()}
    model.zero_grad()
    model.activation_checkpointing_enable()
    assert all(layer.gradient_checkpointing for layer in model.spectrumfm.encoder.layers)
    checkpointed = model(windows, labels=labels).loss
    checkpointed.backward()
    torch.testing.assert_close(checkpointed, loss)
    for name, parameter in model.named_parameters():
        torch.testing.assert_close(parameter.grad, expected[name], rtol=1e-4, atol=1e-6, msg=name)


def test_bf16_autocast_agrees_with_fp32(config, windows):
    # Tolerance: bf16 keeps 8 bits of mantissa, so the LayerNorm'ed outputs (unit scale) of a
    # 2-layer model agree to about 3e-2; stated here and in the benchmark notes.
    model = SpectrumFMModel(config).eval()
    with torch.no_grad():
        reference = model(windows).last_hidden_state
        with torch.autocast("cpu", dtype=torch.bfloat16):
            fast = model(windows).last_hidden_state
    assert fast.dtype == torch.bfloat16
    assert (fast.float() - reference).abs().max().item() < 0.1
    assert F.cosine_similarity(fast.float().flatten(), reference.flatten(), dim=0).item() > 0.999


@pytest.mark.parametrize("cls", ALL_CLASSES)
def test_bf16_weights_run_every_head_with_finite_outputs(cls, windows):
    model = cls(tiny_config(position_embedding_type="relative")).to(torch.bfloat16)
    kwargs = {"labels": torch.tensor([0, 1, 2, 0])} if cls is SpectrumFMForSequenceClassification else {}
    outputs = model(windows, **kwargs)
    main = _main_output(model, outputs)
    assert main.dtype in (torch.bfloat16, torch.float32)
    assert torch.isfinite(main.float()).all()
    if outputs.get("loss") is not None:
        assert outputs.loss.dtype == torch.float32 and torch.isfinite(outputs.loss)


def test_the_encoder_compiles_without_graph_breaks(config, windows):
    model = SpectrumFMModel(config).eval()
    hidden = model.embeddings(windows)
    explanation = torch._dynamo.explain(model.encoder)(hidden)
    assert explanation.graph_break_count == 0
    assert explanation.graph_count == 1


def _train(model, steps, lr, **batch):
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    model.train()
    losses = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = model(**batch).loss
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


def test_pretraining_head_overfits_a_few_windows():
    torch.manual_seed(0)
    model = SpectrumFMForPretraining(tiny_config(max_position_embeddings=16))
    windows = torch.rand(6, 16, 2, generator=torch.Generator().manual_seed(1))
    mask = model.make_symbol_mask(6, 16, torch.Generator().manual_seed(2))
    losses = _train(model, 300, 3e-3, input_values=windows, symbol_mask=mask)
    assert losses[-1] < 0.1 * losses[0]


def test_classification_head_overfits_a_few_windows():
    torch.manual_seed(0)
    model = SpectrumFMForSequenceClassification(tiny_config(max_position_embeddings=16))
    windows = torch.rand(6, 16, 2, generator=torch.Generator().manual_seed(1))
    losses = _train(model, 150, 3e-3, input_values=windows, labels=torch.tensor([0, 1, 2, 0, 1, 2]))
    assert losses[-1] < 0.1 * losses[0]


def test_anomaly_head_overfits_a_few_windows():
    torch.manual_seed(0)
    model = SpectrumFMForAnomalyDetection(tiny_config(max_position_embeddings=16))
    windows = torch.rand(6, 16, 2, generator=torch.Generator().manual_seed(1))
    losses = _train(model, 150, 3e-3, input_values=windows)
    assert losses[-1] < 0.1 * losses[0]
