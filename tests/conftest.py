"""Shared fixtures: tiny SpectrumFM configurations that run in milliseconds on a CPU."""

import pytest
import torch

from spectrumfm_hf import SpectrumFMConfig


def tiny_config(**overrides) -> SpectrumFMConfig:
    """A 2-layer, d=32 model on 32-symbol windows, without dropout, for exact comparisons."""
    settings = dict(
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=4,
        intermediate_size=64,
        max_position_embeddings=32,
        hidden_dropout_prob=0.0,
        attention_probs_dropout_prob=0.0,
        classifier_dropout=0.0,
        num_labels=3,
    )
    settings.update(overrides)
    return SpectrumFMConfig(**settings)


@pytest.fixture
def config() -> SpectrumFMConfig:
    return tiny_config()


@pytest.fixture
def windows() -> torch.Tensor:
    """Four normalised 32-symbol windows in [0, 1]."""
    return torch.rand(4, 32, 2, generator=torch.Generator().manual_seed(0))


@pytest.fixture(autouse=True)
def _deterministic_torch():
    torch.manual_seed(0)
    yield


def restore_sigint() -> None:
    """``preexec_fn`` of a child that tests interrupt with SIGINT.

    A job started in the background (``cmd &``, as CI runners may start the suite) inherits
    SIGINT ignored, and Python then leaves it ignored; the child gets the default disposition back
    so that it sees the interrupt as a user at a terminal would.
    """
    import signal

    signal.signal(signal.SIGINT, signal.SIG_DFL)
