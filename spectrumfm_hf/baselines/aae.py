"""Adversarial autoencoder for anomaly detection (Zhang, Song, Yang and Gao, IEEE TCCN 2023,
paper ref. [46]; the AAE of Makhzani et al., 2016)."""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn
from transformers.utils import ModelOutput

from .base import BaselineConfig, BaselinePreTrainedModel, check_input_values


class AdversarialAutoencoderConfig(BaselineConfig):
    """Configuration of :class:`AdversarialAutoencoder`.

    Args:
        hidden_sizes (`list[int]`, defaults to `[256, 128]`): encoder layers (the decoder mirrors them).
        latent_size (`int`, defaults to 16): dimension of the latent code.
        discriminator_sizes (`list[int]`, defaults to `[128, 128]`): hidden layers of the discriminator.
        prior_std (`float`, defaults to 1.0): standard deviation of the Gaussian prior on the code.
        adversarial_loss_weight (`float`, defaults to 1.0): weight of the encoder's "fool the
            discriminator" term against the reconstruction error.
    """

    model_type = "spectrumfm-baseline-aae"

    def __init__(self, hidden_sizes: list[int] | None = None, latent_size: int = 16,
                 discriminator_sizes: list[int] | None = None, prior_std: float = 1.0,
                 adversarial_loss_weight: float = 1.0, **kwargs):
        self.hidden_sizes = list(hidden_sizes) if hidden_sizes is not None else [256, 128]
        self.latent_size = latent_size
        self.discriminator_sizes = [128, 128] if discriminator_sizes is None else list(discriminator_sizes)
        self.prior_std = prior_std
        self.adversarial_loss_weight = adversarial_loss_weight
        super().__init__(**kwargs)


@dataclass
class AdversarialAutoencoderOutput(ModelOutput):
    """Output of :class:`AdversarialAutoencoder`.

    Args:
        loss: reconstruction + weighted encoder adversarial + discriminator loss (see the model).
        anomaly_score: (B,) per-window mean squared reconstruction error; higher is more anomalous.
        reconstruction: (B, N, 2) decoded windows.
        latent: (B, latent_size) codes.
        reconstruction_loss, adversarial_loss, discriminator_loss: the three terms of ``loss``.
    """

    loss: torch.FloatTensor | None = None
    anomaly_score: torch.FloatTensor | None = None
    reconstruction: torch.FloatTensor | None = None
    latent: torch.FloatTensor | None = None
    reconstruction_loss: torch.FloatTensor | None = None
    adversarial_loss: torch.FloatTensor | None = None
    discriminator_loss: torch.FloatTensor | None = None


def _mlp(sizes: list[int]) -> nn.Sequential:
    """Linear layers between consecutive ``sizes``, LeakyReLU(0.2) between them, none after the last."""
    layers = []
    for index, (width_in, width_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(width_in, width_out))
        if index < len(sizes) - 2:
            layers.append(nn.LeakyReLU(0.2))
    return nn.Sequential(*layers)


class AdversarialAutoencoder(BaselinePreTrainedModel):
    """An autoencoder whose codes a discriminator pushes towards a Gaussian prior; trained on
    normal windows only, it scores a window by its reconstruction error.

    Fully connected encoder (2N -> 256 -> 128 -> 16), mirrored decoder and discriminator
    (16 -> 128 -> 128 -> 1), LeakyReLU 0.2; the sizes are ours for 128-sample windows,
    the structure (encoder, decoder, latent discriminator against a Gaussian prior) that of
    the AAE the SpectrumFM paper compares against.

    **One forward, one optimiser.** The three players' losses are summed into ``loss`` so that
    a plain ``Trainer`` can optimise them, and each parameter receives only its own gradient:

    * the reconstruction MSE reaches encoder and decoder;
    * the encoder's adversarial term, ``BCE(D(z), real)``, runs the discriminator with its
      parameters *detached* (``torch.func.functional_call``), so its gradient reaches the
      encoder only;
    * the discriminator's term, ``BCE(D(prior sample), real) + BCE(D(z.detach()), fake)``,
      sees the codes detached, so its gradient reaches the discriminator only.

    This is the simultaneous-update form of the alternating AAE training.
    """

    config_class = AdversarialAutoencoderConfig

    def __init__(self, config: AdversarialAutoencoderConfig):
        super().__init__(config)
        widths = [2 * config.num_samples, *config.hidden_sizes, config.latent_size]
        self.encoder = _mlp(widths)
        self.decoder = _mlp(widths[::-1])
        self.discriminator = _mlp([config.latent_size, *config.discriminator_sizes, 1])
        self.post_init()

    def forward(
        self,
        input_values: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        return_loss: bool = True,
        return_dict: bool | None = None,
    ) -> AdversarialAutoencoderOutput | tuple:
        r"""
        Args:
            input_values: (B, N, 2) windows in the configuration's ``input_representation``.
            attention_mask: ignored (whole windows); accepted for a collator shared with SpectrumFM.
            return_loss: compute the training loss (it draws prior samples); the scores need none.
        """
        check_input_values(input_values, self.config.num_samples)
        latent = self.encoder(input_values.flatten(1))
        reconstruction = self.decoder(latent).view_as(input_values)
        anomaly_score = (reconstruction.float() - input_values.float()).pow(2).mean(dim=(1, 2))
        terms = {}
        if return_loss:
            detached = {name: parameter.detach() for name, parameter in self.discriminator.named_parameters()}
            fooled = torch.func.functional_call(self.discriminator, detached, (latent,))
            prior_sample = self.config.prior_std * torch.randn_like(latent)
            on_prior, on_codes = self.discriminator(prior_sample), self.discriminator(latent.detach())
            terms = dict(
                reconstruction_loss=anomaly_score.mean(),
                adversarial_loss=F.binary_cross_entropy_with_logits(fooled, torch.ones_like(fooled)),
                discriminator_loss=F.binary_cross_entropy_with_logits(on_prior, torch.ones_like(on_prior))
                + F.binary_cross_entropy_with_logits(on_codes, torch.zeros_like(on_codes)),
            )
            terms["loss"] = (
                terms["reconstruction_loss"]
                + self.config.adversarial_loss_weight * terms["adversarial_loss"]
                + terms["discriminator_loss"]
            )
        output = AdversarialAutoencoderOutput(
            anomaly_score=anomaly_score, reconstruction=reconstruction, latent=latent, **terms
        )
        return_dict = return_dict if return_dict is not None else self.config.return_dict
        return output if return_dict else output.to_tuple()
