"""Energy detection and the adversarial autoencoder: calibration, scores, the gradient split, bad input."""

import math

import numpy as np
import pytest
import torch

from spectrumfm_hf import SpectrumFMInputError, SpectrumFMInputTypeError
from spectrumfm_hf.baselines import build_baseline
from spectrumfm_hf.baselines.aae import AdversarialAutoencoderOutput

NUM_SAMPLES = 32


def complex_noise(num_windows: int, num_samples: int, power: float, seed: int = 0) -> np.ndarray:
    """Circular complex white Gaussian noise, ``power`` per complex sample."""
    rng = np.random.default_rng(seed)
    return np.sqrt(power / 2) * (rng.standard_normal((num_windows, num_samples))
                                 + 1j * rng.standard_normal((num_windows, num_samples)))


# ----------------------------------------------------------------------------- energy detection


@pytest.mark.parametrize("target", [0.01, 0.1])
def test_false_alarm_rate_on_nominal_noise_is_within_one_point_of_the_target(target):
    detector = build_baseline("energy-detector", false_alarm_probability=target)
    false_alarm_rate = detector.decision(complex_noise(40_000, 128, power=1.0)).mean()
    assert abs(false_alarm_rate - target) < 0.01


def test_noise_above_the_nominal_power_raises_the_false_alarm_rate_far_above_the_target():
    detector = build_baseline("energy-detector", false_alarm_probability=0.1)
    one_db_hotter = complex_noise(4_000, 128, power=10 ** 0.1)
    assert detector.decision(one_db_hotter).mean() > 0.5


def test_score_is_the_mean_power_of_each_window():
    iq = np.array([[1 + 1j, 0, 0, 0], [2, 2j, 0, 0]])
    np.testing.assert_allclose(build_baseline("energy-detector").score(iq), [0.5, 2.0])


def test_real_iq_pairs_and_torch_tensors_score_like_complex_samples():
    detector = build_baseline("energy-detector")
    iq = complex_noise(5, NUM_SAMPLES, power=1.0)
    pairs = np.stack([iq.real, iq.imag], axis=-1)
    np.testing.assert_allclose(detector.score(pairs), detector.score(iq))
    np.testing.assert_allclose(detector.score(torch.from_numpy(pairs)), detector.score(iq))


def test_decision_is_the_score_above_the_threshold():
    detector = build_baseline("energy-detector", false_alarm_probability=0.2)
    iq = complex_noise(500, NUM_SAMPLES, power=1.0)
    np.testing.assert_array_equal(detector.decision(iq), detector.score(iq) > detector.threshold(NUM_SAMPLES))


def test_threshold_scales_with_the_nominal_noise_power():
    quiet, loud = (build_baseline("energy-detector", noise_power=power) for power in (1.0, 4.0))
    assert loud.threshold(64) == pytest.approx(4.0 * quiet.threshold(64))


@pytest.mark.parametrize(
    "arguments, error, words",
    [
        (dict(false_alarm_probability=1.0), SpectrumFMInputError, "must lie in (0, 1), got 1.0"),
        (dict(false_alarm_probability="0.1"), SpectrumFMInputTypeError, "must be a number in (0, 1), got"),
        (dict(noise_power=0.0), SpectrumFMInputError, "noise_power must be finite and positive, got 0.0"),
    ],
)
def test_bad_detector_settings_raise_an_error_naming_the_argument(arguments, error, words):
    with pytest.raises(error, match=next(iter(arguments))) as raised:
        build_baseline("energy-detector", **arguments)
    assert words in str(raised.value)


@pytest.mark.parametrize(
    "iq, error, words",
    [
        (np.zeros((2, 8, 3)), SpectrumFMInputError, "(..., N, 2)"),
        (np.zeros((2, 8, 2), dtype=np.int16), SpectrumFMInputTypeError, "dtype int16"),
        (np.full((2, 8), np.nan + 0j), SpectrumFMInputError, "NaN"),
        (np.zeros((2, 0), dtype=np.complex64), SpectrumFMInputError, "at least one sample"),
    ],
)
def test_bad_iq_raises_an_error_naming_the_argument(iq, error, words):
    with pytest.raises(error, match="iq") as raised:
        build_baseline("energy-detector").score(iq)
    assert words in str(raised.value)


# ----------------------------------------------------------------------------- adversarial autoencoder


def tiny_aae():
    return build_baseline(
        "aae", num_samples=NUM_SAMPLES, hidden_sizes=[64, 32], latent_size=8, discriminator_sizes=[16]
    )


def qpsk_windows(num_windows: int, seed: int) -> torch.Tensor:
    """Unit-power QPSK, one symbol per sample, in noise 20 dB down: the normal class, as I/Q pairs."""
    generator = torch.Generator().manual_seed(seed)
    bits = torch.randint(0, 2, (num_windows, NUM_SAMPLES, 2), generator=generator).float()
    noise = 0.07 * torch.randn(num_windows, NUM_SAMPLES, 2, generator=generator)
    return (2 * bits - 1) / math.sqrt(2) + noise


def test_aae_output_holds_a_score_per_window_and_a_finite_loss():
    outputs = tiny_aae()(input_values=qpsk_windows(5, seed=0))
    assert isinstance(outputs, AdversarialAutoencoderOutput)
    assert outputs.anomaly_score.shape == (5,) and outputs.reconstruction.shape == (5, NUM_SAMPLES, 2)
    assert outputs.latent.shape == (5, 8) and torch.isfinite(outputs.loss)


def test_aae_loss_is_reconstruction_plus_weighted_adversarial_plus_discriminator_terms():
    outputs = tiny_aae()(input_values=qpsk_windows(5, seed=0))
    torch.testing.assert_close(
        outputs.loss,
        outputs.reconstruction_loss + 1.0 * outputs.adversarial_loss + outputs.discriminator_loss,
    )
    torch.testing.assert_close(outputs.reconstruction_loss, outputs.anomaly_score.mean())


def test_aae_encoder_adversarial_term_reaches_the_encoder_only():
    model = tiny_aae()
    model(input_values=qpsk_windows(5, seed=0)).adversarial_loss.backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in model.encoder.parameters())
    assert all(p.grad is None for p in [*model.discriminator.parameters(), *model.decoder.parameters()])


def test_aae_discriminator_term_reaches_the_discriminator_only():
    model = tiny_aae()
    model(input_values=qpsk_windows(5, seed=0)).discriminator_loss.backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in model.discriminator.parameters())
    assert all(p.grad is None for p in [*model.encoder.parameters(), *model.decoder.parameters()])


def test_aae_scores_need_no_loss():
    outputs = tiny_aae()(input_values=qpsk_windows(3, seed=0), return_loss=False)
    assert outputs.loss is None and outputs.anomaly_score.shape == (3,)


def test_aae_scores_a_strong_tone_above_every_normal_window_after_brief_training():
    torch.manual_seed(0)
    model = tiny_aae()
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    for step in range(150):
        optimizer.zero_grad()
        model(input_values=qpsk_windows(64, seed=step)).loss.backward()
        optimizer.step()
    held_out = qpsk_windows(64, seed=10_000)
    angle = 2 * math.pi * 0.1 * torch.arange(NUM_SAMPLES, dtype=torch.float32)
    tone = 2.0 * torch.stack([torch.cos(angle), torch.sin(angle)], dim=-1)
    with torch.no_grad():
        normal = model(input_values=held_out, return_loss=False).anomaly_score
        anomalous = model(input_values=held_out + tone, return_loss=False).anomaly_score
    assert anomalous.min() > normal.max()


def test_aae_save_and_load_round_trip_is_bit_identical(tmp_path):
    model = tiny_aae()
    model.save_pretrained(tmp_path)
    loaded = type(model).from_pretrained(tmp_path)
    windows = qpsk_windows(4, seed=0)
    assert all(torch.equal(a, b) for a, b in zip(model.state_dict().values(), loaded.state_dict().values()))
    assert torch.equal(model(input_values=windows).anomaly_score, loaded(input_values=windows).anomaly_score)


def test_aae_refuses_windows_of_another_length():
    with pytest.raises(SpectrumFMInputError, match=r"input_values must have shape \(batch >= 1, 32, 2\)"):
        tiny_aae()(input_values=torch.zeros(2, 64, 2))


def test_aae_has_no_classes():
    message = r"num_labels for 'aae' must be None \(an anomaly detector has no classes\), got 2"
    with pytest.raises(SpectrumFMInputError, match=message):
        build_baseline("aae", num_labels=2)
