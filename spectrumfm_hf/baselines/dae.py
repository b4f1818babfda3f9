"""DAE: an LSTM denoising auto-encoder with a classifier (Ke and Vikalo, IEEE TWC 2022, paper ref. [42])."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .base import BaselineConfig, BaselineForSequenceClassification


class DAEConfig(BaselineConfig):
    """Configuration of :class:`DAEForSequenceClassification`.

    Args:
        hidden_size (`int`, defaults to 32): units of each of the two encoder LSTM layers.
        classifier_sizes (`list[int]`, defaults to `[32, 16]`): hidden Dense layers of the classifier.
        dropout (`float`, defaults to 0.2): dropout after each classifier hidden layer.
        reconstruction_loss_weight (`float`, defaults to 1.0): weight of the decoder's mean
            squared error added to the cross-entropy.
    """

    model_type = "spectrumfm-baseline-dae"
    default_input_representation = "amplitude_phase"

    def __init__(self, hidden_size: int = 32, classifier_sizes: list[int] | None = None, dropout: float = 0.2,
                 reconstruction_loss_weight: float = 1.0, **kwargs):
        self.hidden_size = hidden_size
        self.classifier_sizes = list(classifier_sizes) if classifier_sizes is not None else [32, 16]
        self.dropout = dropout
        self.reconstruction_loss_weight = reconstruction_loss_weight
        super().__init__(**kwargs)


class DAEForSequenceClassification(BaselineForSequenceClassification):
    """Ke and Vikalo's auto-encoder: a two-layer LSTM encoder (32 units); its last state feeds
    a classifier (Dense 32, Dense 16, each ReLU + dropout 0.2, Dense to the classes) and the
    whole latent sequence a decoder (one Dense from the flattened sequence back to N x 2) that
    reconstructs the input. Trained on cross-entropy plus the reconstruction error, which is
    what makes the encoder's features robust to noise. Sizes as in the AMR-Benchmark's
    ``RML201610a/DAE``; amplitude/phase inputs by default, as in the paper.
    """

    config_class = DAEConfig

    def __init__(self, config: DAEConfig):
        super().__init__(config)
        self.encoder = nn.LSTM(2, config.hidden_size, num_layers=2, batch_first=True)
        layers, width = [], config.hidden_size
        for size in config.classifier_sizes:
            layers += [nn.Linear(width, size), nn.ReLU(), nn.Dropout(config.dropout)]
            width = size
        self.classifier = nn.Sequential(*layers, nn.Linear(width, config.num_labels))
        self.decoder = nn.Linear(config.num_samples * config.hidden_size, config.num_samples * 2)
        self.post_init()

    def encode(self, input_values: torch.Tensor) -> torch.Tensor:
        """(B, N, 2) -> (B, N, hidden_size) latent sequence."""
        return self.encoder(input_values)[0]

    def reconstruct(self, latent: torch.Tensor) -> torch.Tensor:
        """(B, N, hidden_size) latent sequence -> (B, N, 2) reconstruction of the input."""
        return self.decoder(latent.flatten(1)).view(latent.shape[0], -1, 2)

    def compute_logits(self, input_values: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.encode(input_values)[:, -1])

    def logits_and_auxiliary_loss(self, input_values: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        latent = self.encode(input_values)
        reconstruction_error = F.mse_loss(self.reconstruct(latent).float(), input_values.float())
        return self.classifier(latent[:, -1]), self.config.reconstruction_loss_weight * reconstruction_error
