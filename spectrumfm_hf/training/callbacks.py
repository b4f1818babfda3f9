"""Trainer callbacks: the pre-training loss parts in the logs, the precision in the run folder, a line per epoch."""

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


class EpochSummaryCallback(TrainerCallback):
    """Prints one line per evaluation: the epoch, the training and validation losses and the accuracies.

    ``epoch 2/4: training loss 1.2345, validation loss 1.3456, accuracy 41.2 %,
    accuracy at SNR >= 10 dB 78.9 %``. The training loss is the mean over the steps since the previous evaluation; the accuracies
    appear when the evaluation computes them (classification). It asks for a training log at each
    epoch's end, so that every epoch has its training loss whatever ``logging_steps`` is. Give it
    to :func:`~spectrumfm_hf.training.trainers.replace_log_printing`, which removes ``Trainer``'s
    printing of whole log dictionaries; those stay in ``trainer.state.log_history`` and in the
    ``trainer_state.json`` files of the run folder.

    Args:
        min_snr_db: the SNR threshold of the high-SNR accuracy reported, dB (the metric
            ``eval_accuracy_snr_ge_<min_snr_db>db`` of
            :func:`~spectrumfm_hf.training.classification_compute_metrics`).
    """

    def __init__(self, min_snr_db: float = 10.0):
        self.min_snr_db = min_snr_db

    def on_epoch_end(self, args, state, control, **kwargs):
        control.should_log = True

    def on_evaluate(self, args, state, control, metrics=None, **kwargs):
        if state.is_world_process_zero and metrics:
            print(self.line(args, state, metrics), flush=True)

    def line(self, args, state, metrics: dict[str, float]) -> str:
        """The line printed for the evaluation that gave ``metrics``."""
        epochs = f"/{args.num_train_epochs:g}" if args.max_steps <= 0 else ""
        parts = []
        training_loss = self._training_loss(state.log_history)
        if training_loss is not None:
            parts.append(f"training loss {training_loss:.4f}")
        if "eval_loss" in metrics:
            parts.append(f"validation loss {metrics['eval_loss']:.4f}")
        if "eval_accuracy" in metrics:
            parts.append(f"accuracy {100 * metrics['eval_accuracy']:.1f} %")
        high_snr = f"eval_accuracy_snr_ge_{self.min_snr_db:g}db"
        if high_snr in metrics:
            parts.append(f"accuracy at SNR >= {self.min_snr_db:g} dB {100 * metrics[high_snr]:.1f} %")
        untrained = " (untrained)" if state.global_step == 0 else ""
        return f"epoch {round(state.epoch or 0, 2):g}{epochs}{untrained}: {', '.join(parts)}"

    @staticmethod
    def _training_loss(history: list[dict]) -> float | None:
        # Trainer appends the evaluation's own entry before calling on_evaluate.
        entries = history[:-1] if history and "eval_loss" in history[-1] else history
        logged, start = [], 0
        for entry in reversed(entries):
            if "eval_loss" in entry:
                start = entry["step"]
                break
            if "loss" in entry:
                logged.append((entry["step"], entry["loss"]))
        if not logged:
            return None
        # Each logged loss is the mean over the steps since the log before it.
        logged.reverse()
        steps = [start] + [step for step, _ in logged]
        weights = [max(later - earlier, 0) for earlier, later in zip(steps, steps[1:])]
        if sum(weights) == 0:
            return sum(loss for _, loss in logged) / len(logged)
        return sum(weight * loss for weight, (_, loss) in zip(weights, logged)) / sum(weights)
