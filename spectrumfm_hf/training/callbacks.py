"""Trainer callbacks: the two pre-training loss parts in the logs, the precision in the run folder."""

from __future__ import annotations

import json
from pathlib import Path

import torch
from torch import nn
from transformers import TrainerCallback

from .precision import PrecisionChoice

LOSS_PARTS = ("reconstruction_loss", "next_slot_loss")
"""Output fields of the pre-training forward logged beside ``loss`` (eq. 23 and eq. 25)."""


class LossPartsCallback(TrainerCallback):
    """Logs the mean reconstruction and next-slot losses beside ``loss`` and ``eval_loss``.

    A forward hook on the model adds each forward's loss parts to a running sum (training and
    evaluation apart); every training log gets ``reconstruction_loss`` and
    ``next_slot_loss``, every evaluation log ``eval_reconstruction_loss`` and
    ``eval_next_slot_loss``, averaged over the forwards since the last log and over processes.

    Args:
        model: the pre-training model (the module whose outputs carry the parts; under PEFT
            or DDP wrappers the hook still fires).
    """

    def __init__(self, model: nn.Module):
        self._sums = {True: torch.zeros(len(LOSS_PARTS) + 1, dtype=torch.float64),
                      False: torch.zeros(len(LOSS_PARTS) + 1, dtype=torch.float64)}
        self._handle = model.register_forward_hook(self._record)

    def _record(self, module: nn.Module, inputs, outputs) -> None:
        parts = [getattr(outputs, name, None) for name in LOSS_PARTS]
        if any(part is None for part in parts):
            return
        values = torch.tensor([float(part.detach()) for part in parts] + [1.0], dtype=torch.float64)
        self._sums[module.training] += values

    def _means(self, training: bool, device) -> list[float] | None:
        sums = self._sums[training]
        if torch.distributed.is_available() and torch.distributed.is_initialized():
            sums = sums.to(device)
            torch.distributed.all_reduce(sums)
            sums = sums.cpu()
        self._sums[training] = torch.zeros_like(self._sums[training])
        if sums[-1] == 0:
            return None
        return (sums[:-1] / sums[-1]).tolist()

    def on_log(self, args, state, control, logs=None, **kwargs):
        if logs is None:
            return
        for training, prefix, key in ((True, "", "loss"), (False, "eval_", "eval_loss")):
            if key not in logs:
                continue
            means = self._means(training, args.device)
            if means is None:
                continue
            extra = {prefix + name: value for name, value in zip(LOSS_PARTS, means)}
            logs.update(extra)
            # The Trainer appended its own copy of these logs to the history just before this call.
            if state.log_history and key in state.log_history[-1]:
                state.log_history[-1].update(extra)

    def remove(self) -> None:
        """Detach the hook from the model."""
        self._handle.remove()


class PrecisionRecordCallback(TrainerCallback):
    """Prints the run's precision and why, and writes it to ``<output_dir>/precision.json``.

    Args:
        choice: the precision the run uses (see :func:`~spectrumfm_hf.training.choose_precision`).
    """

    file_name = "precision.json"

    def __init__(self, choice: PrecisionChoice):
        self.choice = choice

    def on_train_begin(self, args, state, control, **kwargs):
        if not state.is_world_process_zero:
            return
        print(f"precision: {self.choice.precision} on {self.choice.device} ({self.choice.reason})")
        folder = Path(args.output_dir)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / self.file_name).write_text(json.dumps(self.choice.as_dict(), indent=2) + "\n")
