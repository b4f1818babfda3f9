"""Plain ``transformers.Trainer`` objects wired for SpectrumFM: collators, callbacks, early stopping.

No Trainer subclass: the models compute their losses in ``forward``, the collators draw the
masks, and callbacks log what the Trainer does not.
"""

from __future__ import annotations

from typing import Any, Callable

from transformers import (
    EarlyStoppingCallback,
    PrinterCallback,
    ProgressCallback,
    Trainer,
    TrainerCallback,
    TrainingArguments,
)
from transformers.trainer import DEFAULT_PROGRESS_CALLBACK

from .callbacks import LossPartsCallback, PrecisionRecordCallback
from .data import SpectrumFMDataCollator, SpectrumFMPretrainingCollator
from .precision import PrecisionChoice, training_precision


def _callbacks(args: TrainingArguments, patience: int | None, precision: PrecisionChoice | None) -> list:
    callbacks: list = [PrecisionRecordCallback(training_precision(args) if precision is None else precision)]
    if patience is not None and args.load_best_model_at_end and args.eval_strategy != "no":
        callbacks.append(EarlyStoppingCallback(early_stopping_patience=patience))
    return callbacks


def pretraining_trainer(
    model,
    feature_extractor,
    args: TrainingArguments,
    train_dataset,
    eval_dataset=None,
    mask_seed: int = 0,
    early_stopping_patience: int | None = 2,
    precision: PrecisionChoice | None = None,
) -> Trainer:
    """A ``Trainer`` that pre-trains ``model`` (``SpectrumFMForPretraining``) on raw-IQ data sets.

    Logs ``reconstruction_loss`` and ``next_slot_loss`` beside ``loss`` (and their ``eval_``
    forms), and stops after ``early_stopping_patience`` evaluations without a lower
    *validation* loss (Algorithm 1; patience 2 in the paper) when ``args`` evaluates and keeps
    the best model.

    Args:
        model: the pre-training model; its ``config.mask_ratio`` sets the mask rate r.
        feature_extractor: a ``SpectrumFMFeatureExtractor`` whose window length fits the model.
        args: e.g. from :func:`~spectrumfm_hf.training.preset_training_arguments` with ``task="pretraining"``.
        train_dataset: rows with an ``iq`` column (``Dataset``, or a streaming ``IterableDataset``
            with ``args.max_steps`` set).
        eval_dataset: validation rows; never test data.
        mask_seed: seed of the symbol masks.
        early_stopping_patience: evaluations without improvement before stopping; None never stops early.
        precision: recorded in the run folder; what ``args`` compute in when None.
    """
    collator = SpectrumFMPretrainingCollator(feature_extractor, mask_ratio=model.config.mask_ratio, seed=mask_seed)
    callbacks = [LossPartsCallback(model), *_callbacks(args, early_stopping_patience, precision)]
    return Trainer(
        model=model,
        args=args,
        train_dataset=train_dataset,
        eval_dataset=eval_dataset,
        data_collator=collator,
        callbacks=callbacks,
    )


def finetuning_trainer(
    model,
    feature_extractor,
    args: TrainingArguments,
    train_dataset,
    eval_dataset=None,
    compute_metrics: Callable[[Any], dict[str, float]] | None = None,
    label_column: str | None = "label",
    early_stopping_patience: int | None = 2,
    precision: PrecisionChoice | None = None,
) -> Trainer:
    """A ``Trainer`` for a classification or anomaly-detection model (plain, LoRA-wrapped or partly frozen).

    Args:
        model: the task model, or a ``peft.PeftModel`` around it.
        feature_extractor: a ``SpectrumFMFeatureExtractor``.
        args: e.g. from :func:`~spectrumfm_hf.training.preset_training_arguments`.
        train_dataset: rows with ``iq`` (and ``label_column``).
        eval_dataset: validation rows.
        compute_metrics: e.g. :func:`~spectrumfm_hf.training.classification_compute_metrics`.
        label_column: column of class indices; None for anomaly detection.
        early_stopping_patience: evaluations without improvement before stopping; None never stops early.
        precision: recorded in the run folder; what ``args`` compute in when None.
    """
    return Trainer(
        model=model,
        args=args,
        train_dataset=train_dataset,
        eval_dataset=eval_dataset,
        data_collator=SpectrumFMDataCollator(feature_extractor, label_column=label_column),
        compute_metrics=compute_metrics,
        callbacks=_callbacks(args, early_stopping_patience, precision),
    )


def replace_log_printing(trainer: Trainer, printer: TrainerCallback) -> Trainer:
    """Have ``printer`` (e.g. an :class:`~.callbacks.EpochSummaryCallback`) report ``trainer``'s progress.

    ``Trainer`` prints every log dictionary whole (``PrinterCallback`` with ``disable_tqdm``,
    ``ProgressCallback`` beside its progress bars otherwise, its notebook form in Jupyter): all are
    removed, bars included. The dictionaries stay in ``trainer.state.log_history``, which the
    recipes save to the run folder's ``trainer_state.json``. Returns ``trainer``.
    """
    for callback_class in {PrinterCallback, ProgressCallback, DEFAULT_PROGRESS_CALLBACK}:
        trainer.remove_callback(callback_class)
    trainer.add_callback(printer)
    return trainer
