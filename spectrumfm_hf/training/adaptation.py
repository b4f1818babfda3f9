"""Adapting a pre-trained encoder to a task (Algorithm 2): LoRA through PEFT, full fine-tuning or a linear probe.

No hand-written LoRA: PEFT's ``LoraConfig`` targets the encoder's attention projections,
feed-forward linears and pointwise convolutions by name (:data:`LORA_TARGET_MODULES`), and
the task head is fully trained and saved with the adapter (``modules_to_save``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from peft import LoraConfig, PeftModel, get_peft_model
from torch import nn

from .model_interface import LORA_TARGET_MODULES, task_head_modules

ADAPTATION_MODES = ("lora", "full", "probe")
"""``lora``: low-rank adapters on the frozen encoder plus the head; ``full``: every weight;
``probe``: the head alone on the frozen encoder (a linear probe of the pre-trained features)."""


class AdaptationError(ValueError):
    """An unknown adaptation mode, a missing adapter or an adapter that does not fit its base."""


def spectrumfm_lora_config(model: nn.Module, r: int = 16, lora_alpha: int = 32, lora_dropout: float = 0.0, **kwargs: Any) -> LoraConfig:
    """PEFT ``LoraConfig`` for a SpectrumFM task model: the authors' rank 16 and alpha 32, the head in ``modules_to_save``.

    Args:
        model: the task model (its head modules are found by name).
        r: LoRA rank.
        lora_alpha: LoRA scaling numerator (the update is scaled by ``lora_alpha / r``).
        lora_dropout: dropout on the adapter's input.
        kwargs: any other ``LoraConfig`` field (e.g. ``target_modules``, ``init_lora_weights``).
    """
    settings: dict[str, Any] = dict(
        r=r,
        lora_alpha=lora_alpha,
        lora_dropout=lora_dropout,
        target_modules=list(LORA_TARGET_MODULES),
        modules_to_save=task_head_modules(model),
        bias="none",
    )
    settings.update(kwargs)
    return LoraConfig(**settings)


def adapt_model(model: nn.Module, mode: str = "lora", lora_config: LoraConfig | None = None, adapter_name: str = "default"):
    """Prepare ``model`` for fine-tuning in one of :data:`ADAPTATION_MODES`; returns the model to train.

    Args:
        model: a SpectrumFM task model, usually loaded from a pre-training checkpoint.
        mode: ``"lora"`` (a ``peft.PeftModel`` is returned), ``"full"`` or ``"probe"``.
        lora_config: for ``"lora"``; :func:`spectrumfm_lora_config` of ``model`` when None.
        adapter_name: name of the LoRA adapter (e.g. the task: ``"amc"``).
    """
    if mode not in ADAPTATION_MODES:
        raise AdaptationError(f"mode must be one of {ADAPTATION_MODES}, got {mode!r}")
    if mode == "lora":
        return get_peft_model(model, lora_config or spectrumfm_lora_config(model), adapter_name=adapter_name)
    model.requires_grad_(True)
    if mode == "probe":
        getattr(model, model.base_model_prefix).requires_grad_(False)
    return model


@dataclass(frozen=True)
class ParameterCount:
    """Trainable and total parameters of a model.

    Attributes:
        trainable: parameters that receive gradients.
        total: all parameters (for a PEFT model, the base's plus the adapter's).
    """

    trainable: int
    total: int

    @property
    def trainable_share(self) -> float:
        """Trainable over total parameters, in [0, 1]."""
        return self.trainable / self.total if self.total else 0.0


def count_parameters(model: nn.Module) -> ParameterCount:
    """Trainable and total parameters of ``model`` (a PEFT head copy counts once per copy)."""
    trainable = sum(parameter.numel() for parameter in model.parameters() if parameter.requires_grad)
    return ParameterCount(trainable, sum(parameter.numel() for parameter in model.parameters()))


def save_task_config(peft_model: PeftModel, folder: str | os.PathLike[str]) -> None:
    """Write the task model's ``config.json`` into an adapter folder, naming the task model's class.

    The configuration came with the base checkpoint (a pre-training one, usually), so its
    ``architectures`` names the base's class; like ``PreTrainedModel.save_pretrained``, this
    sets it to the class that was fine-tuned (``SpectrumFMForSequenceClassification``,
    ``SpectrumFMForAnomalyDetection``) before writing, beside the task's labels or threshold.

    Args:
        peft_model: the fine-tuned ``PeftModel`` of one task.
        folder: the adapter folder.
    """
    task_model = peft_model.get_base_model()
    task_model.config.architectures = [type(task_model).__name__]
    task_model.config.save_pretrained(folder)


def save_task_adapter(peft_model: PeftModel, folder: str | os.PathLike[str]) -> Path:
    """Save a task's active adapter (LoRA weights and head) with its task configuration; return its folder.

    PEFT writes an adapter named ``"default"`` into ``folder`` and any other into
    ``folder/<adapter name>``; the returned path is where it went. The task configuration
    (``config.json``: the task model's class, number of labels, label names, anomaly threshold)
    goes beside the adapter (:func:`save_task_config`), so that the Auto classes,
    :class:`TaskAdapterSet` and the pipelines rebuild the right head.

    Args:
        peft_model: the fine-tuned ``PeftModel`` of one task.
        folder: output folder.
    """
    adapter_name = peft_model.active_adapter
    peft_model.save_pretrained(folder, selected_adapters=[adapter_name])
    adapter_folder = Path(folder) if adapter_name == "default" else Path(folder) / adapter_name
    save_task_config(peft_model, adapter_folder)
    return adapter_folder


def adapter_size_bytes(folder: str | os.PathLike[str]) -> int:
    """Bytes of the adapter weights file(s) in a saved adapter folder."""
    files = list(Path(folder).glob("adapter_model.*"))
    if not files:
        raise AdaptationError(f"{os.fspath(folder)!r} holds no adapter_model.* file; save it with save_pretrained first")
    return sum(path.stat().st_size for path in files)


class TaskAdapterSet:
    """One encoder in memory, one LoRA adapter and head per task, switched by name.

    Each task gets its own task model (classification heads of 11, 24, 7 or 2 classes, the
    anomaly-detection decoder) built around the *same* encoder module; PEFT injects every
    task's LoRA weights into that encoder's layers under the task's adapter name and keeps
    each head in its own task model. :meth:`switch` activates one task's adapter in the
    shared layers and returns that task's model.

    Args:
        encoder: the pre-trained ``SpectrumFMModel`` (frozen; its weights are shared by every task).
    """

    def __init__(self, encoder: nn.Module):
        self.encoder = encoder.requires_grad_(False)
        self.models: dict[str, PeftModel] = {}
        self.active: str | None = None

    def add(self, name: str, task_class: type, folder: str | os.PathLike[str]) -> PeftModel:
        """Load the adapter saved by :func:`save_task_adapter` in ``folder`` as task ``name``.

        Args:
            name: the task's adapter name (e.g. ``"amc"``); unique in the set.
            task_class: its model class (``SpectrumFMForSequenceClassification``, ``SpectrumFMForAnomalyDetection``).
            folder: the saved adapter with its ``config.json``.
        """
        if name in self.models:
            raise AdaptationError(f"an adapter named {name!r} is already loaded; adapters are {sorted(self.models)}")
        config = task_class.config_class.from_pretrained(folder)
        task_model = task_class(config)
        setattr(task_model, task_model.base_model_prefix, self.encoder)
        self.models[name] = PeftModel.from_pretrained(task_model, folder, adapter_name=name)
        self.models[name].eval()
        self.active = name
        return self.models[name]

    def switch(self, name: str) -> PeftModel:
        """Activate task ``name``'s adapter in the shared encoder and return its model."""
        if name not in self.models:
            raise AdaptationError(f"name must be one of the loaded adapters {sorted(self.models)}, got {name!r}")
        model = self.models[name]
        model.set_adapter(name)
        self.active = name
        return model
