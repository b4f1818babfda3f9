"""Shared fixtures: tiny SpectrumFM configurations that run in milliseconds on a CPU, and the precisions to test in."""

import pytest
import torch

from spectrumfm_hf import SpectrumFMConfig
from spectrumfm_hf.performance import PRECISION_ENVIRONMENT_VARIABLE, cpu_features


def bf16_units_missing() -> str | None:
    """Why bf16 cannot be tested at speed here (a CPU without AVX512-BF16 or AMX), or None where it can."""
    features = cpu_features()
    if features.amx_bf16 or features.avx512_bf16:
        return None
    return (f"bf16: {features.model_name} has neither AVX512-BF16 nor AMX (no avx512_bf16 or amx_bf16 in its flags), "
            "so bf16 would be emulated, tens of times slower")


PRECISIONS_UNDER_TEST = (
    "fp32",
    pytest.param("bf16", marks=pytest.mark.skipif(bf16_units_missing() is not None, reason=str(bf16_units_missing()))),
)
"""fp32 everywhere, bf16 where the CPU has bf16 units: the precisions figures must agree in across code paths."""


@pytest.fixture(params=PRECISIONS_UNDER_TEST)
def forced_precision(request, monkeypatch) -> str:
    """Runs the test once per precision of :data:`PRECISIONS_UNDER_TEST`, forced through ``SPECTRUMFM_PRECISION``."""
    monkeypatch.setenv(PRECISION_ENVIRONMENT_VARIABLE, request.param)
    return request.param


@pytest.fixture
def automatic_precision(monkeypatch) -> None:
    """No ``SPECTRUMFM_PRECISION``: for tests of the hardware's own choice, also in a suite run under a forced one."""
    monkeypatch.delenv(PRECISION_ENVIRONMENT_VARIABLE, raising=False)


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
