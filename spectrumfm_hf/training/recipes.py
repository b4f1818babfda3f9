"""End-to-end runs on generated data: pre-training (Algorithm 1) and per-task fine-tuning (Algorithm 2).

The example scripts ``examples/pretrain.py`` and ``examples/finetune.py`` parse
:class:`PretrainingScriptArguments` / :class:`FinetuningScriptArguments` together with
``transformers.TrainingArguments`` (``HfArgumentParser``) and call :func:`run_pretraining` /
:func:`run_finetuning`. A preset fills every ``TrainingArguments`` option that the command
line leaves unset.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np
from transformers import HfArgumentParser, TrainerCallback, TrainingArguments, set_seed

from spectrumfm_hf import (
    SpectrumFMConfig,
    SpectrumFMFeatureExtractor,
    SpectrumFMForAnomalyDetection,
    SpectrumFMForPretraining,
    SpectrumFMForSequenceClassification,
)
from spectrumfm_hf.commands.arguments import abbreviation_error, long_options
from spectrumfm_hf.data import (
    AMCGenerator,
    AnomalyDetectionGenerator,
    PretrainingCorpusGenerator,
    SpectrumSensingGenerator,
    WTCGenerator,
    stratified_split,
    to_dataset,
    to_iterable_dataset,
)

from .adaptation import ADAPTATION_MODES, adapt_model, adapter_size_bytes, count_parameters, save_task_adapter, spectrumfm_lora_config
from .anomaly import calibrate_anomaly_threshold, fit_normal_statistics
from .data import IQFeatureTransform, window_rows
from .distributed import deepspeed_on_cpu_options, keep_configured_state
from .evaluation import evaluate_model, model_as_saved, run_metrics_record, write_evaluation_figures
from .few_shot import few_shot_subset
from .metrics import classification_compute_metrics
from .precision import PRECISION_OPTIONS, choose_precision, training_precision
from .presets import PresetError, get_preset, preset_training_arguments
from .trainers import finetuning_trainer, pretraining_trainer, replace_log_printing

ADAPTATION_NAMES = {"lora": "LoRA", "full": "full fine-tuning", "probe": "linear probe"}

TASKS = ("amc", "amc24", "wtc", "ss", "ad")
# The AMC generator's presets (spectrumfm_hf.data.tasks.amc.AMC_PRESETS), written out so that the
# command line reads them from this source without importing the data package (a test keeps them equal).
AMC_DATA_PRESETS = ("broad", "rml2016.10a-recipe", "torchsig", "clean")
"""``amc``: RML2016.10a's 11 modulations; ``amc24``: RML2018.01A's 24; ``wtc``: 7 wireless
technologies; ``ss``: spectrum sensing (vacant / occupied); ``ad``: anomaly detection."""
PRECISION_HELP = ("Precision of training and evaluation: auto follows the hardware (bf16 on a CUDA GPU with native "
                  "bf16 or a CPU with AMX, fp32 otherwise), fp32 or bf16 force one; SPECTRUMFM_PRECISION when unset, "
                  "else auto.")


@dataclass
class PretrainingScriptArguments:
    """What to pre-train on, beside the ``TrainingArguments``."""

    preset: str = field(default="small-cpu", metadata={"help": "Recipe: 'small-cpu' or 'paper'."})
    num_train_examples: int | None = field(default=None, metadata={"help": "Generated training captures; the preset's when unset."})
    num_validation_examples: int | None = field(default=None, metadata={"help": "Generated validation captures; the preset's when unset."})
    num_samples: int = field(default=128, metadata={"help": "IQ samples per generated capture."})
    window_length: int = field(default=128, metadata={"help": "Symbols per model window N."})
    log_amplitude: bool = field(default=False, metadata={"help": "Normalise log amplitude (the authors' variant)."})
    representation: str = field(default="amplitude-phase", metadata={"help": "Window channels: the paper's amplitude and phase, or the I and Q rails; fine-tuning takes the pre-trained model's.", "choices": ("amplitude-phase", "iq")})
    data_seed_offset: int = field(default=0, metadata={"help": "Seed of the training corpus; validation uses this + 1."})
    mask_seed: int = field(default=0, metadata={"help": "Seed of the eq. 20 symbol masks."})
    streaming: bool = field(default=False, metadata={"help": "Generate the training corpus while training (needs --max_steps)."})
    config_overrides: str = field(default="{}", metadata={"help": "JSON of SpectrumFMConfig arguments over the preset's."})
    precision: str | None = field(default=None, metadata={"help": PRECISION_HELP, "choices": PRECISION_OPTIONS})


@dataclass
class FinetuningScriptArguments:
    """Which task, which encoder and how to adapt it, beside the ``TrainingArguments``."""

    task: str = field(default="amc", metadata={"help": "The task: amc (11 classes), amc24 (24), wtc, ss or ad.", "choices": TASKS})
    pretrained_model: str | None = field(default=None, metadata={"help": "Pre-training checkpoint; a randomly initialised encoder of the preset's size when unset."})
    adaptation: str = field(default="lora", metadata={"help": "LoRA adapters, full fine-tuning or a linear probe of the frozen encoder.", "choices": ADAPTATION_MODES})
    lora_rank: int = field(default=16, metadata={"help": "LoRA rank r."})
    lora_alpha: int = field(default=32, metadata={"help": "LoRA alpha."})
    preset: str = field(default="small-cpu", metadata={"help": "Recipe: 'small-cpu' or 'paper'."})
    num_examples: int = field(default=22_000, metadata={"help": "Generated captures, split 70/10/20 into train/validation/test by class and SNR."})
    amc_preset: str = field(default="broad", metadata={"help": "Modulation data (amc, amc24): the broad default mixture, one public recipe's preset or clean signals.", "choices": AMC_DATA_PRESETS})
    few_shot_fraction: float = field(default=1.0, metadata={"help": "Share of the training labels used (0.1, 0.2, 0.3, 1.0 in the paper).", "aliases": ["--label-fraction"]})
    num_samples: int | None = field(default=None, metadata={"help": "IQ samples per capture; 1024 for wtc, 128 otherwise, when unset."})
    window_length: int = field(default=128, metadata={"help": "Symbols per model window N."})
    data_seed_offset: int = field(default=0, metadata={"help": "Seed of the generated task data."})
    min_snr_db: float = field(default=10.0, metadata={"help": "Report accuracy at and above this SNR, dB."})
    false_alarm_rate: float = field(default=0.01, metadata={"help": "Anomaly detection: false-alarm rate of the threshold."})
    anomaly_score: str = field(default="mahalanobis", metadata={"help": "Anomaly detection: score windows by the Mahalanobis distance of their embedding from the training windows' (fitted after training) or by the reconstruction error of eq. 29.", "choices": ("mahalanobis", "reconstruction")})
    precision: str | None = field(default=None, metadata={"help": PRECISION_HELP, "choices": PRECISION_OPTIONS})


def explicit_options(parser: HfArgumentParser, argv: Sequence[str]) -> set[str]:
    """Destinations of the options written out in ``argv`` (``--name value`` or ``--name=value``)."""
    given = {argument.split("=", 1)[0] for argument in argv if argument.startswith("--")}
    return {action.dest for action in parser._actions if given & set(action.option_strings)}


def parse_script_arguments(script_class: type, argv: Sequence[str] | None) -> tuple[Any, TrainingArguments]:
    """Parse ``argv`` into the script's dataclass and ``TrainingArguments``, the preset under the command line."""
    argv = list(sys.argv[1:] if argv is None else argv)
    # Abbreviations are refused: explicit_options knows options by their full names, so the
    # preset's value would silently win over an abbreviated one.
    parser = HfArgumentParser((script_class, TrainingArguments), allow_abbrev=False)
    abbreviated = abbreviation_error(argv, long_options(parser))
    if abbreviated is not None:
        raise ValueError(abbreviated)
    argv += deepspeed_on_cpu_options(argv)
    script_args, training_args = parser.parse_args_into_dataclasses(argv)
    given = explicit_options(parser, argv) & set(TrainingArguments.__dataclass_fields__)
    return script_args, with_preset(script_args, training_args, given)


def with_preset(script_args: Any, training_args: TrainingArguments, given: set[str]) -> TrainingArguments:
    """``TrainingArguments`` of the script's preset, overridden by the options in ``given`` (those the user wrote).

    Args:
        script_args: a :class:`PretrainingScriptArguments` or :class:`FinetuningScriptArguments`.
        training_args: the parsed ``TrainingArguments`` (defaults where the user wrote nothing).
        given: names of the ``TrainingArguments`` fields written out on the command line.
    """
    overrides = {name: getattr(training_args, name) for name in given if name != "output_dir"}
    task = {"ad": "anomaly", None: "pretraining"}.get(getattr(script_args, "task", None), "classification")
    if task == "pretraining":
        # The untrained model's validation loss is the reference the fall of the loss is measured from.
        overrides.setdefault("eval_on_start", True)
        if script_args.streaming:
            # Each rank generates its own shards of the stream instead of rank 0 generating for all.
            overrides.setdefault("accelerator_config", {"dispatch_batches": False})
    precision = choose_precision(script_args.precision)
    return preset_training_arguments(training_args.output_dir, script_args.preset, task, precision,
                                     **keep_configured_state(overrides))


def _write_json(path: Path, record: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record, indent=2, default=float) + "\n")


# Moved last, in this order: a folder counts as a model once config.json is there, and a run as
# finished once its summary is.
_LAST_FILES = ("config.json", "run_metrics.json", "evaluation.json", "pretraining_summary.json", "finetuning_summary.json")


STAGING_NAME = ".final-staging"
"""Folder inside a run's output folder where its final artefacts are written before they are renamed into place."""


def publish_into(output_dir: str | os.PathLike[str], write: Callable[[Path], None], trainer=None,
                 save_model: bool = True) -> None:
    """Have ``write`` fill a staging folder inside ``output_dir``, then rename each entry into ``output_dir``.

    An interrupted run therefore never leaves a half-written model, adapter or metrics file:
    each file (or folder, e.g. ``adapter/``) appears whole by one rename, the config and the
    summaries last. Checkpoints are not touched (``Trainer`` writes those in ``checkpoint-*``).

    Args:
        output_dir: the run's output folder.
        write: writes the final artefacts into the staging folder it is given (main process only).
        trainer: when given, only its main process writes and publishes, after every process
            has reached this point.
        save_model: with ``trainer``, every process saves its model into the staging folder
            first (saving gathers the weights under DeepSpeed ZeRO-3 and FSDP, so every rank must
            take part).
    """
    output_dir = Path(output_dir)
    staging = output_dir / STAGING_NAME
    is_main = trainer is None or trainer.is_world_process_zero()
    if is_main:
        # Left behind only by a killed run: its contents were never published.
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
    try:
        if trainer is not None:
            trainer.accelerator.wait_for_everyone()
            if save_model:
                trainer.save_model(str(staging))
        if not is_main:
            return
        write(staging)
        entries = sorted(staging.iterdir(),
                         key=lambda entry: _LAST_FILES.index(entry.name) + 1 if entry.name in _LAST_FILES else 0)
        for entry in entries:
            target = output_dir / entry.name
            if target.is_dir() and not target.is_symlink():
                # A folder cannot be renamed over a non-empty one: the old one goes aside first.
                aside = output_dir / f".{entry.name}.old-{os.getpid()}"
                os.replace(target, aside)
                os.replace(entry, target)
                shutil.rmtree(aside)
            else:
                os.replace(entry, target)
    finally:
        if is_main:
            shutil.rmtree(staging, ignore_errors=True)


def hardware_description() -> str:
    """The CPU model, its core count and the GPU (if any), for run records."""
    import torch

    from ..performance import cpu_features

    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "no GPU"
    return f"{cpu_features().model_name}, {os.cpu_count()} cores, {gpu}"


def _training_record(trainer, command: str, data: str, wall_s: float, precision) -> dict[str, Any]:
    history = trainer.state.log_history
    losses = {"train": [entry["loss"] for entry in history if "loss" in entry]
              or [entry["train_loss"] for entry in history if "train_loss" in entry],
              "validation": [entry["eval_loss"] for entry in history if "eval_loss" in entry]}
    return {"command": command, "data": data, "steps": int(trainer.state.global_step), "wall_time_s": round(wall_s, 1),
            "hardware": hardware_description(), "precision": precision.precision,
            "final_losses": {name: float(values[-1]) for name, values in losses.items() if values}}


def _command_line(command: str | None) -> str:
    return command if command is not None else shlex.join([Path(sys.executable).name, *sys.argv])


def run_pretraining(script_args: PretrainingScriptArguments, training_args: TrainingArguments,
                    command: str | None = None, progress: TrainerCallback | None = None) -> dict[str, Any]:
    """Pre-train on the generated pre-training mixture; save the model, feature extractor and a summary.

    Resumes from ``training_args.resume_from_checkpoint`` when set (the data are regenerated from
    the same seeds, so the resumed run repeats the uninterrupted one). Besides the model, the
    output folder gets ``run_metrics.json`` (the best validation loss, in the schema
    ``spectrumfm push`` and ``spectrumfm_hf.hub.ship_artefact`` build cards from), each file written whole.

    Args:
        script_args: the corpus, the model size and the seeds.
        training_args: e.g. from :func:`parse_script_arguments`.
        command: the command line recorded in ``run_metrics.json``; this process's when None.
        progress: prints the run's progress in place of ``Trainer``'s log dictionaries (e.g. an
            :class:`~.callbacks.EpochSummaryCallback`); None keeps ``Trainer``'s printing.

    Returns the summary: first and best validation losses, their relative fall, wall time,
    precision and seeds (also written to ``<output_dir>/pretraining_summary.json``).
    """
    preset = get_preset(script_args.preset)
    config = SpectrumFMConfig(**{**preset.model, "max_position_embeddings": script_args.window_length,
                                 **json.loads(script_args.config_overrides)})
    extractor = SpectrumFMFeatureExtractor(window_length=script_args.window_length, log_amplitude=script_args.log_amplitude,
                                           representation=script_args.representation)
    corpus = PretrainingCorpusGenerator(num_samples=script_args.num_samples)
    num_train = script_args.num_train_examples or preset.num_train_examples
    num_validation = script_args.num_validation_examples or preset.num_validation_examples
    seed = training_args.seed + script_args.data_seed_offset
    if script_args.streaming:
        if training_args.max_steps <= 0:
            raise PresetError("a streamed corpus has no length: give --max_steps with --streaming")
        train = to_iterable_dataset(corpus, num_train, seed=seed).with_format("numpy")
    else:
        train = to_dataset(corpus, num_train, seed=seed).with_format("numpy")
    validation = to_dataset(corpus, num_validation, seed=seed + 1).with_format("numpy")
    # Seeded before the weights are drawn, so that a command repeats its run, and a resumed run its first part.
    set_seed(training_args.seed)
    model = SpectrumFMForPretraining(config)
    precision = training_precision(training_args, script_args.precision)
    trainer = pretraining_trainer(model, extractor, training_args, train, validation, mask_seed=script_args.mask_seed,
                                  early_stopping_patience=preset.early_stopping_patience, precision=precision)
    if progress is not None:
        replace_log_printing(trainer, progress)
    start = time.perf_counter()
    trainer.train(resume_from_checkpoint=training_args.resume_from_checkpoint)
    wall_s = time.perf_counter() - start
    evaluations = [entry["eval_loss"] for entry in trainer.state.log_history if "eval_loss" in entry]
    summary = {
        "preset": preset.name,
        "num_train_examples": num_train,
        "num_validation_examples": num_validation,
        "data_seed": seed,
        "mask_seed": script_args.mask_seed,
        "precision": precision.as_dict(),
        "parameters": count_parameters(model).total,
        "validation_losses": evaluations,
        "first_validation_loss": evaluations[0] if evaluations else None,
        "best_validation_loss": min(evaluations) if evaluations else None,
        "validation_loss_fall": 1 - min(evaluations) / evaluations[0] if evaluations else None,
        "validation_loss_fall_after_first_epoch": (
            1 - min(evaluations[1:]) / evaluations[1] if training_args.eval_on_start and len(evaluations) > 1 else None
        ),
        "epochs_run": trainer.state.epoch,
        "wall_s": wall_s,
    }
    record = _training_record(trainer, _command_line(command),
                              f"pre-training mixture, {script_args.num_samples} samples, {num_train} training and "
                              f"{num_validation} validation captures, data seed {seed}", wall_s, precision)

    def write(staging: Path) -> None:
        extractor.save_pretrained(staging)
        trainer.state.save_to_json(str(staging / "trainer_state.json"))
        if evaluations:
            _write_json(staging / "run_metrics.json", {
                "schema_version": 1,
                "task": {"type": "feature-extraction", "name": "Masked IQ reconstruction and next-slot prediction"},
                "dataset": {"name": "SpectrumFM synthetic pre-training mixture", "type": "spectrumfm-synthetic/pretraining",
                            "split": "validation", "config": f"{script_args.num_samples} samples, seed {seed + 1}"},
                "metrics": [{"type": "mse", "name": "Validation loss (alpha * reconstruction + beta * next slot)",
                             "value": float(min(evaluations))}],
                "seed": int(training_args.seed),
                "training": record,
            })
        _write_json(staging / "pretraining_summary.json", summary)

    publish_into(training_args.output_dir, write, trainer)
    return summary


def task_generator(task: str, num_samples: int | None, anomaly_mode: str = "normal", amc_preset: str = "broad"):
    """The data generator of ``task`` (one of :data:`TASKS`); ``amc_preset`` picks the modulation data's preset."""
    if task not in TASKS:
        raise PresetError(f"task must be one of {TASKS}, got {task!r}")
    if task in ("amc", "amc24"):
        return AMCGenerator("rml2016.10a" if task == "amc" else "rml2018.01a", num_samples=num_samples or 128,
                            preset=amc_preset)
    if amc_preset != "broad":
        raise PresetError(f"amc_preset applies to the modulation tasks (amc, amc24), not to {task!r}")
    if task == "wtc":
        return WTCGenerator(num_samples=num_samples or 1024)
    if task == "ss":
        return SpectrumSensingGenerator(num_samples=num_samples or 128)
    return AnomalyDetectionGenerator(num_samples=num_samples or 128, mode=anomaly_mode)


def task_splits(task: str, num_examples: int, seed: int, num_samples: int | None = None, amc_preset: str = "broad"):
    """``(generator, splits)``: the task's generated captures split 70/10/20 into train / validation / test.

    The split is stratified by label and SNR and seeded, so the same arguments give the same
    test split in the fine-tuning run and in a later evaluation. Anomaly detection's splits
    hold normal captures only (it trains on them); its test data come from :func:`anomaly_test_split`.

    Args:
        task: one of :data:`TASKS`.
        num_examples: captures generated before splitting.
        seed: the data seed (the run's ``seed`` plus ``data_seed_offset``).
        num_samples: IQ samples per capture; the task's default when None.
        amc_preset: the modulation tasks' data preset (:data:`AMC_DATA_PRESETS`).
    """
    generator = task_generator(task, num_samples, amc_preset=amc_preset)
    return generator, stratified_split(to_dataset(generator, num_examples, seed=seed), 0.2, 0.1, seed=seed)


def anomaly_test_split(num_examples: int, seed: int, num_samples: int | None = None):
    """``(generator, test)``: anomaly detection's test captures, normal and interfered, for a run of ``num_examples``.

    A fifth as many captures as the run generated for training, from the next seed (``seed + 1``),
    so that none of them was seen in training or calibration.
    """
    generator = task_generator("ad", num_samples, anomaly_mode="test")
    return generator, to_dataset(generator, max(1, num_examples // 5), seed=seed + 1)


def _windows_per_row(extractor, dataset) -> int:
    return int(IQFeatureTransform(extractor).windows(dataset[:1]["iq"])[2][0])


def _task_model(script_args: FinetuningScriptArguments, class_names: Sequence[str]):
    task_class = SpectrumFMForAnomalyDetection if script_args.task == "ad" else SpectrumFMForSequenceClassification
    labels = {} if script_args.task == "ad" else dict(
        num_labels=len(class_names), id2label=dict(enumerate(class_names)),
        label2id={name: index for index, name in enumerate(class_names)},
    )
    if script_args.pretrained_model:
        return task_class.from_pretrained(script_args.pretrained_model, **labels)
    preset = get_preset(script_args.preset)
    return task_class(SpectrumFMConfig(**{**preset.model, "max_position_embeddings": script_args.window_length, **labels}))


def dataset_description(generator, num_samples_per_capture: int, seed: int) -> dict[str, str]:
    """The ``dataset`` section of a run-metrics record for the test split of a generated data set."""
    return {"name": f"SpectrumFM synthetic {generator.name}", "type": f"spectrumfm-synthetic/{generator.name}",
            "split": "test", "config": f"{num_samples_per_capture} samples, seed {seed}"}


def run_finetuning(script_args: FinetuningScriptArguments, training_args: TrainingArguments,
                   command: str | None = None, progress: TrainerCallback | None = None) -> dict[str, Any]:
    """Fine-tune one task on generated data and evaluate it on its held-out test split.

    Classification reports test accuracy, weighted precision/recall/F1 and accuracy per SNR;
    anomaly detection trains on normal captures, calibrates the threshold on held-out normal
    ones and reports AUC per interference type and ISR. The output folder gets the adapter (or
    model), the figures of :func:`~spectrumfm_hf.training.evaluation.write_evaluation_figures`
    with the loss curves, ``evaluation.json``, ``run_metrics.json`` beside the adapter or model
    (what ``spectrumfm push`` builds cards from) and ``finetuning_summary.json``, each written
    whole. Resumes from ``training_args.resume_from_checkpoint`` when set.

    Args:
        script_args: the task, encoder, adaptation and data.
        training_args: e.g. from :func:`parse_script_arguments`.
        command: the command line recorded in ``run_metrics.json``; this process's when None.
        progress: prints the run's progress in place of ``Trainer``'s log dictionaries (e.g. an
            :class:`~.callbacks.EpochSummaryCallback`); None keeps ``Trainer``'s printing.

    Returns the summary with seeds, sizes and wall time.
    """
    if script_args.adaptation not in ADAPTATION_MODES:
        raise PresetError(f"adaptation must be one of {ADAPTATION_MODES}, got {script_args.adaptation!r}")
    seed = training_args.seed + script_args.data_seed_offset
    extractor = (SpectrumFMFeatureExtractor.from_pretrained(script_args.pretrained_model) if script_args.pretrained_model
                 else SpectrumFMFeatureExtractor(window_length=script_args.window_length))
    generator, splits = task_splits(script_args.task, script_args.num_examples, seed, script_args.num_samples,
                                    script_args.amc_preset)
    train = few_shot_subset(splits["train"], script_args.few_shot_fraction, seed=seed).with_format("numpy")
    validation, test = splits["validation"].with_format("numpy"), splits["test"].with_format("numpy")
    is_anomaly = script_args.task == "ad"
    if _windows_per_row(extractor, train) > 1 and not is_anomaly:
        # Trainer truncates evaluation outputs to the data set's length: one row per window.
        validation = window_rows(validation, extractor).with_format("numpy")
    # Seeded before the head and the adapters are drawn, so that a command repeats its run, and a
    # resumed run its first part.
    set_seed(training_args.seed)
    model = _task_model(script_args, generator.class_names)
    lora = spectrumfm_lora_config(model, r=script_args.lora_rank, lora_alpha=script_args.lora_alpha)
    # Trained as PEFT's "default" adapter, which Trainer checkpoints and reloads as the best model;
    # TaskAdapterSet gives it the task's name when it is loaded beside the others.
    model = adapt_model(model, script_args.adaptation, lora)
    parameters = count_parameters(model)
    precision = training_precision(training_args, script_args.precision)
    compute_metrics = None if is_anomaly else classification_compute_metrics(
        np.asarray(validation["snr_db"]), script_args.min_snr_db)
    trainer = finetuning_trainer(model, extractor, training_args, train, None if is_anomaly else validation,
                                 compute_metrics=compute_metrics, label_column=None if is_anomaly else "label",
                                 early_stopping_patience=get_preset(script_args.preset).early_stopping_patience,
                                 precision=precision)
    if progress is not None:
        replace_log_printing(trainer, progress)
    start = time.perf_counter()
    trainer.train(resume_from_checkpoint=training_args.resume_from_checkpoint)
    wall_s = time.perf_counter() - start
    summary: dict[str, Any] = {
        "task": script_args.task, "adaptation": script_args.adaptation, "pretrained_model": script_args.pretrained_model,
        "data_seed": seed, "num_train_examples": len(train), "few_shot_fraction": script_args.few_shot_fraction,
        "trainable_parameters": parameters.trainable, "total_parameters": parameters.total,
        "trainable_share": parameters.trainable_share, "precision": precision.as_dict(), "wall_s": wall_s,
    }
    # From here on the model computes as `spectrumfm evaluate` computes with the saved artefact, so
    # that both give the same figures: in the run's precision, LoRA merged.
    model = model_as_saved(trainer)
    if is_anomaly:
        with precision.autocast():
            if script_args.anomaly_score == "mahalanobis":
                # Fitted on the training windows; the threshold is then set on the held-out ones.
                summary["normal_statistics_windows"] = fit_normal_statistics(model, train, extractor)
            threshold = calibrate_anomaly_threshold(model, validation, extractor, script_args.false_alarm_rate)
        test_generator, test = anomaly_test_split(script_args.num_examples, seed, script_args.num_samples)
        test = test.with_format("numpy")
    else:
        test_generator = generator
    # The test split is scored once, after training: it never feeds early stopping or selection.
    evaluation = evaluate_model(model, extractor, test, script_args.task, generator.class_names,
                                min_snr_db=script_args.min_snr_db, seed=seed, precision=precision)
    if is_anomaly:
        flagged = evaluation.window_scores > threshold
        summary.update(threshold=threshold, false_alarm_rate=float(flagged[evaluation.window_anomalous == 0].mean()),
                       detection_rate=float(flagged[evaluation.window_anomalous == 1].mean()),
                       test={key: evaluation.metrics[key] for key in ("auc", "auc_per_interference", "auc_per_interference_isr")})
    else:
        summary["test"] = {f"test_{name}": value for name, value in evaluation.metrics.items()
                           if name not in ("accuracy_per_snr", "confusion_matrix", "windows", "captures")}
        summary["test"].update({f"test_accuracy_snr_{snr}db": value for snr, value in evaluation.metrics["accuracy_per_snr"].items()})
    samples = test[:1]["iq"].shape[1]
    # What an evaluation needs to regenerate this very test split.
    summary.update(num_examples=script_args.num_examples, num_samples=samples)
    if script_args.task in ("amc", "amc24"):
        summary["amc_preset"] = script_args.amc_preset
    summary["training_record"] = _training_record(
        trainer, _command_line(command),
        f"{generator.name} generator, {samples} samples, {script_args.num_examples} examples, "
        f"{script_args.few_shot_fraction:.0%} of the training labels, data seed {seed}", wall_s, precision)
    summary["test_data"] = dataset_description(test_generator, samples, seed + 1 if is_anomaly else seed)
    record = run_metrics_record(evaluation, script_args.task, summary["test_data"], training_args.seed,
                                summary["training_record"], script_args.min_snr_db, precision=precision)
    name = f"SpectrumFM, {ADAPTATION_NAMES[script_args.adaptation]}"

    def write(staging: Path) -> None:
        if script_args.adaptation == "lora":
            adapter = save_task_adapter(model, staging / "adapter")
            summary["adapter_size_bytes"] = adapter_size_bytes(adapter)
            _write_json(adapter / "run_metrics.json", record)
        else:
            _write_json(staging / "run_metrics.json", record)
        extractor.save_pretrained(staging)
        trainer.state.save_to_json(str(staging / "trainer_state.json"))
        figures = write_evaluation_figures({name: evaluation}, script_args.task, staging,
                                           log_histories={name: trainer.state.log_history}, seed=seed)
        summary["figures"] = {figure: Path(path).name for figure, path in figures.items()}
        _write_json(staging / "evaluation.json", {"split": "test", "data": summary["test_data"],
                                                   "precision": precision.as_dict(),
                                                   "models": {name: evaluation.metrics}})
        _write_json(staging / "finetuning_summary.json", summary)

    # A LoRA run's artefact is its adapter, which write() saves on the main process.
    publish_into(training_args.output_dir, write, trainer, save_model=script_args.adaptation != "lora")
    return summary
