"""GRU2: two stacked recurrent layers (Hong, Zhang and Xu, IEEE ICCC 2017, paper ref. [45])."""

from __future__ import annotations

import torch
from torch import nn

from ..configuration_spectrumfm import SpectrumFMConfigError
from .base import BaselineConfig, BaselineForSequenceClassification

RNN_TYPES = {"gru": nn.GRU, "lstm": nn.LSTM}


class GRU2Config(BaselineConfig):
    """Configuration of :class:`GRU2ForSequenceClassification`.

    Args:
        hidden_size (`int`, defaults to 128): units per recurrent layer.
        num_layers (`int`, defaults to 2): stacked recurrent layers.
        rnn_type (`str`, defaults to `"gru"`): `"gru"` or `"lstm"` cells.
        dropout (`float`, defaults to 0.0): dropout on the last state before the classifier.
    """

    model_type = "spectrumfm-baseline-gru2"

    def __init__(
        self,
        hidden_size: int = 128,
        num_layers: int = 2,
        rnn_type: str = "gru",
        dropout: float = 0.0,
        **kwargs,
    ):
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.rnn_type = rnn_type
        self.dropout = dropout
        super().__init__(**kwargs)
        if rnn_type not in RNN_TYPES:
            raise SpectrumFMConfigError(f"rnn_type must be one of {tuple(RNN_TYPES)}, got {rnn_type!r}")


class GRU2ForSequenceClassification(BaselineForSequenceClassification):
    """Hong et al.'s recurrent classifier: two GRU layers of 128 units over the N samples, the
    last time step's output, a Dense to the classes (sizes from the paper, as in the
    AMR-Benchmark's ``RML201610a/GRU2``). I/Q by default, as in the paper.
    """

    config_class = GRU2Config

    def __init__(self, config: GRU2Config):
        super().__init__(config)
        rnn_class = RNN_TYPES[config.rnn_type]
        self.rnn = rnn_class(2, config.hidden_size, num_layers=config.num_layers, batch_first=True)
        self.dropout = nn.Dropout(config.dropout)
        self.classifier = nn.Linear(config.hidden_size, config.num_labels)
        self.post_init()

    def compute_logits(self, input_values: torch.Tensor) -> torch.Tensor:
        outputs, _ = self.rnn(input_values)
        return self.classifier(self.dropout(outputs[:, -1]))
