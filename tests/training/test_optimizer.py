"""The presets train with torch's fused AdamW where it runs, which updates the weights as the unfused AdamW does."""

import pytest
import torch

from spectrumfm_hf import SpectrumFMForSequenceClassification
from spectrumfm_hf.training import PRESETS, PrecisionChoice, finetuning_trainer, preset_training_arguments
from spectrumfm_hf.training.presets import adamw_implementation, fused_adamw_available

from ..conftest import tiny_config
from .helpers import feature_extractor, iq_rows

FP32_CPU = PrecisionChoice("fp32", "cpu", "test")
needs_fused_adamw = pytest.mark.skipif(
    not fused_adamw_available("cpu"), reason=f"torch {torch.__version__} has no fused AdamW kernel for the CPU"
)


@needs_fused_adamw
@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_presets_train_with_the_fused_adamw_where_torch_has_it(preset, tmp_path):
    args = preset_training_arguments(str(tmp_path), preset, precision=FP32_CPU)
    assert args.optim == "adamw_torch_fused" == adamw_implementation("cpu")


def test_an_optimiser_given_explicitly_overrides_the_presets(tmp_path):
    args = preset_training_arguments(str(tmp_path), precision=FP32_CPU, optim="adamw_torch")
    assert args.optim == "adamw_torch"


def _weights_after_training(optim: str, tmp_path) -> dict[str, torch.Tensor]:
    torch.manual_seed(0)
    model = SpectrumFMForSequenceClassification(tiny_config())
    # The precision is SPECTRUMFM_PRECISION's, which the forced_precision fixture sets.
    args = preset_training_arguments(str(tmp_path / optim), task="classification", optim=optim, max_steps=5,
                                     per_device_train_batch_size=8, eval_strategy="no", save_strategy="no",
                                     load_best_model_at_end=False, disable_tqdm=True, learning_rate=1e-3)
    finetuning_trainer(model, feature_extractor(), args, iq_rows(40)).train()
    return {name: parameter.detach().clone() for name, parameter in model.named_parameters()}


@needs_fused_adamw
def test_five_fused_adamw_steps_match_the_unfused_ones(forced_precision, tmp_path):
    torch.manual_seed(0)
    initial = {name: parameter.detach().clone()
               for name, parameter in SpectrumFMForSequenceClassification(tiny_config()).named_parameters()}
    unfused = _weights_after_training("adamw_torch", tmp_path)
    fused = _weights_after_training("adamw_torch_fused", tmp_path)
    # Five warm-up steps towards a learning rate of 1e-3 move the weights by a few 1e-3; the two
    # implementations differ in rounding only (about 1e-8 measured), in fp32 and bf16 alike.
    moved = max(float((unfused[name] - initial[name]).abs().max()) for name in initial)
    differs = max(float((unfused[name] - fused[name]).abs().max()) for name in initial)
    assert 1e-3 < moved < 1e-2
    assert differs < 1e-6
