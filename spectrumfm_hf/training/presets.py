"""Training recipes as presets: the paper's, and a small one that finishes in minutes on a CPU.

A preset fixes the model size, the optimiser schedule and how many generated examples a run
uses; anything can be overridden. Every preset evaluates on the validation split each epoch,
keeps the best checkpoint by validation loss and stops early after ``early_stopping_patience``
evaluations without improvement (Algorithm 1); test data never selects anything.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

from transformers import TrainingArguments

from .distributed import check_fsdp_device
from .model_interface import SYMBOL_MASK_NAME
from .precision import PrecisionChoice, choose_precision


class PresetError(ValueError):
    """An unknown preset or an invalid override."""


@dataclass(frozen=True)
class TrainingPreset:
    """One recipe.

    Attributes:
        name: the preset's name.
        description: what it reproduces and what it costs.
        model: ``SpectrumFMConfig`` keyword arguments (the paper's configuration when empty).
        training: ``TrainingArguments`` keyword arguments.
        num_train_examples: generated training examples (captures).
        num_validation_examples: generated validation examples.
        early_stopping_patience: evaluations without improvement before stopping (2 in the paper).
    """

    name: str
    description: str
    model: dict[str, Any] = field(default_factory=dict)
    training: dict[str, Any] = field(default_factory=dict)
    num_train_examples: int = 0
    num_validation_examples: int = 0
    early_stopping_patience: int = 2


PRESETS: dict[str, TrainingPreset] = {
    "paper": TrainingPreset(
        name="paper",
        description=(
            "Section IV-A: d=256, d_feed=512, H=4, L=16, N=128, r=0.15; AdamW, learning rate 1e-3, "
            "batch 256, 10 epochs, early stopping with patience 2 on the validation loss. The paper "
            "states no schedule: the learning rate is constant unless lr_scheduler_type and "
            "warmup_steps are overridden (e.g. 'cosine' and 0.05)."
        ),
        training=dict(
            learning_rate=1e-3,
            weight_decay=0.0,
            per_device_train_batch_size=256,
            per_device_eval_batch_size=256,
            num_train_epochs=10,
            lr_scheduler_type="constant",
        ),
        num_train_examples=1_000_000,
        num_validation_examples=50_000,
    ),
    "small-cpu": TrainingPreset(
        name="small-cpu",
        description=(
            "A quarter-width, 4-layer model (d=64, d_feed=128, H=4, N=128) with pre-norm layers, "
            "AdamW at 1e-3 with 5 % linear warm-up and cosine decay, batch 64, 8 epochs of 16,384 "
            "generated examples: minutes on a few CPU cores."
        ),
        model=dict(hidden_size=64, intermediate_size=128, num_attention_heads=4, num_hidden_layers=4,
                   norm_placement="pre"),
        training=dict(
            learning_rate=1e-3,
            weight_decay=0.0,
            per_device_train_batch_size=64,
            per_device_eval_batch_size=256,
            num_train_epochs=8,
            lr_scheduler_type="cosine",
            warmup_steps=0.05,
        ),
        num_train_examples=16_384,
        num_validation_examples=2_048,
    ),
}


@functools.lru_cache(maxsize=None)
def fused_adamw_available(device: str) -> bool:
    """Whether torch's fused AdamW kernel runs on ``device`` (``"cpu"``, ``"cuda"``): one optimiser step is tried."""
    import torch

    parameter = torch.zeros(4, device=device, requires_grad=True)
    parameter.grad = torch.ones_like(parameter)
    try:
        torch.optim.AdamW([parameter], fused=True).step()
    except (RuntimeError, TypeError, ValueError):
        return False
    return True


def adamw_implementation(device: str) -> str:
    """``TrainingArguments.optim`` of the fastest AdamW on ``device``: ``adamw_torch_fused`` where it runs.

    The fused kernel updates every parameter tensor in one pass instead of about ten operator
    calls each, with the same mathematics; where it does not run, the per-parameter
    ``adamw_torch``. ``examples/results/optimizer/`` holds the measured update times, and
    ``tests/training/test_optimizer.py`` keeps the two updates alike.

    Args:
        device: the device type the run trains on (``"cpu"`` or ``"cuda"``).
    """
    return "adamw_torch_fused" if fused_adamw_available(device) else "adamw_torch"


def get_preset(name: str) -> TrainingPreset:
    """The preset called ``name`` (one of :data:`PRESETS`)."""
    if name not in PRESETS:
        raise PresetError(f"preset must be one of {sorted(PRESETS)}, got {name!r}")
    return PRESETS[name]


def deepspeed_cpu_precision(precision: PrecisionChoice, overrides: dict[str, Any]) -> PrecisionChoice:
    """The precision of a run that trains on CPU processes with ``use_cpu=False`` (DeepSpeed on CPUs).

    transformers allows bf16 with ``use_cpu=False`` only on a GPU, and DeepSpeed needs
    ``use_cpu=False``: such a run trains in fp32. An automatic bf16 choice (a CPU with AMX)
    falls back to fp32 and says why; bf16 asked for by name is refused in one line.
    """
    if precision.device != "cpu" or overrides.get("use_cpu") is not False or precision.precision != "bf16":
        return precision
    why = ("DeepSpeed on CPU processes trains in fp32: it needs use_cpu=False, and transformers allows bf16 "
           "with use_cpu=False only on a GPU")
    if precision.forced:
        raise PresetError(f"{why}; bf16 was asked for ({precision.reason}): use --precision fp32 or auto")
    return PrecisionChoice("fp32", "cpu", f"{why} (the hardware rule chose bf16: {precision.reason})")


def preset_training_arguments(
    output_dir: str,
    preset: str = "small-cpu",
    task: str = "pretraining",
    precision: PrecisionChoice | None = None,
    **overrides: Any,
) -> TrainingArguments:
    """``TrainingArguments`` of a preset for pre-training or fine-tuning, in the run's precision, with the fastest AdamW.

    Args:
        output_dir: where checkpoints and logs go.
        preset: a name in :data:`PRESETS`.
        task: ``"pretraining"`` (the symbol mask stands in for labels, so that evaluation
            computes ``eval_loss``) or ``"classification"`` / ``"anomaly"``.
        precision: the precision to use; :func:`choose_precision` when None (the hardware's, unless
            ``SPECTRUMFM_PRECISION`` forces one).
        overrides: any ``TrainingArguments`` keyword, applied last (``optim="adamw_torch"`` for the
            unfused AdamW).
    """
    if task not in ("pretraining", "classification", "anomaly"):
        raise PresetError(f"task must be 'pretraining', 'classification' or 'anomaly', got {task!r}")
    precision = choose_precision() if precision is None else precision
    check_fsdp_device(precision.device)
    precision = deepspeed_cpu_precision(precision, overrides)
    settings: dict[str, Any] = dict(
        output_dir=output_dir,
        eval_strategy="epoch",
        save_strategy="epoch",
        logging_strategy="steps",
        logging_steps=50,
        load_best_model_at_end=True,
        metric_for_best_model="eval_loss",
        greater_is_better=False,
        save_total_limit=2,
        # The raw iq column is not a forward argument; the collator keeps only model inputs.
        remove_unused_columns=False,
        report_to="none",
        dataloader_num_workers=0,
        seed=0,
        optim=adamw_implementation(precision.device),
    )
    settings.update(get_preset(preset).training)
    settings.update(precision.training_arguments())
    if task == "pretraining":
        # The pre-training forward has no labels; naming the mask makes evaluation compute the loss.
        settings.update(label_names=[SYMBOL_MASK_NAME], prediction_loss_only=True)
    elif task == "anomaly":
        # Trained on normal data only, without labels or a validation loss to select on.
        settings.update(eval_strategy="no", load_best_model_at_end=False, metric_for_best_model=None,
                        label_names=[], prediction_loss_only=True)
    settings.update(overrides)
    return TrainingArguments(**settings)
