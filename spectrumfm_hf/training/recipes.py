"""End-to-end runs on generated data: pre-training (Algorithm 1) and per-task fine-tuning (Algorithm 2).

The example scripts ``examples/pretrain.py`` and ``examples/finetune.py`` parse
:class:`PretrainingScriptArguments` / :class:`FinetuningScriptArguments` together with
``transformers.TrainingArguments`` (``HfArgumentParser``) and call :func:`run_pretraining` /
:func:`run_finetuning`. A preset fills every ``TrainingArguments`` option that the command
line leaves unset.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import numpy as np
from transformers import EarlyStoppingCallback, HfArgumentParser, TrainingArguments

from spectrumfm_hf import (
    SpectrumFMConfig,
    SpectrumFMFeatureExtractor,
    SpectrumFMForAnomalyDetection,
    SpectrumFMForPretraining,
    SpectrumFMForSequenceClassification,
)
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
from .anomaly import anomaly_scores, calibrate_anomaly_threshold
from .data import IQFeatureTransform, window_rows
from .few_shot import few_shot_subset
from .metrics import classification_compute_metrics, load_metric
from .precision import choose_precision
from .presets import PresetError, get_preset, preset_training_arguments
from .trainers import finetuning_trainer, pretraining_trainer

TASKS = ("amc", "amc24", "wtc", "ss", "ad")
"""``amc``: RML2016.10a's 11 modulations; ``amc24``: RML2018.01A's 24; ``wtc``: 7 wireless
technologies; ``ss``: spectrum sensing (vacant / occupied); ``ad``: anomaly detection."""


@dataclass
class PretrainingScriptArguments:
    """What to pre-train on, beside the ``TrainingArguments``."""

    preset: str = field(default="small-cpu", metadata={"help": "Recipe: 'small-cpu' or 'paper'."})
    num_train_examples: int | None = field(default=None, metadata={"help": "Generated training captures; the preset's when unset."})
    num_validation_examples: int | None = field(default=None, metadata={"help": "Generated validation captures; the preset's when unset."})
    num_samples: int = field(default=128, metadata={"help": "IQ samples per generated capture."})
    window_length: int = field(default=128, metadata={"help": "Symbols per model window N."})
    log_amplitude: bool = field(default=False, metadata={"help": "Normalise log amplitude (the authors' variant)."})
    data_seed_offset: int = field(default=0, metadata={"help": "Seed of the training corpus; validation uses this + 1."})
    mask_seed: int = field(default=0, metadata={"help": "Seed of the eq. 20 symbol masks."})
    streaming: bool = field(default=False, metadata={"help": "Generate the training corpus while training (needs --max_steps)."})
    config_overrides: str = field(default="{}", metadata={"help": "JSON of SpectrumFMConfig arguments over the preset's."})


@dataclass
class FinetuningScriptArguments:
    """Which task, which encoder and how to adapt it, beside the ``TrainingArguments``."""

    task: str = field(default="amc", metadata={"help": f"One of {TASKS}."})
    pretrained_model: str | None = field(default=None, metadata={"help": "Pre-training checkpoint; a randomly initialised encoder of the preset's size when unset."})
    adaptation: str = field(default="lora", metadata={"help": f"One of {ADAPTATION_MODES}."})
    lora_rank: int = field(default=16, metadata={"help": "LoRA rank r."})
    lora_alpha: int = field(default=32, metadata={"help": "LoRA alpha."})
    preset: str = field(default="small-cpu", metadata={"help": "Recipe: 'small-cpu' or 'paper'."})
    num_examples: int = field(default=22_000, metadata={"help": "Generated captures, split 70/10/20 into train/validation/test by class and SNR."})
    few_shot_fraction: float = field(default=1.0, metadata={"help": "Share of the training labels used (0.1, 0.2, 0.3, 1.0 in the paper)."})
    num_samples: int | None = field(default=None, metadata={"help": "IQ samples per capture; 1024 for wtc, 128 otherwise, when unset."})
    window_length: int = field(default=128, metadata={"help": "Symbols per model window N."})
    data_seed_offset: int = field(default=0, metadata={"help": "Seed of the generated task data."})
    min_snr_db: float = field(default=10.0, metadata={"help": "Report accuracy at and above this SNR, dB."})
    false_alarm_rate: float = field(default=0.01, metadata={"help": "Anomaly detection: false-alarm rate of the threshold."})


def explicit_options(parser: HfArgumentParser, argv: Sequence[str]) -> set[str]:
    """Destinations of the options written out in ``argv`` (``--name value`` or ``--name=value``)."""
    given = {argument.split("=", 1)[0] for argument in argv if argument.startswith("--")}
    return {action.dest for action in parser._actions if given & set(action.option_strings)}


def parse_script_arguments(script_class: type, argv: Sequence[str] | None) -> tuple[Any, TrainingArguments]:
    """Parse ``argv`` into the script's dataclass and ``TrainingArguments``, the preset under the command line."""
    import sys

    argv = list(sys.argv[1:] if argv is None else argv)
    parser = HfArgumentParser((script_class, TrainingArguments))
    script_args, training_args = parser.parse_args_into_dataclasses(argv)
    given = explicit_options(parser, argv) & set(TrainingArguments.__dataclass_fields__)
    overrides = {name: getattr(training_args, name) for name in given if name != "output_dir"}
    task = {"ad": "anomaly", None: "pretraining"}.get(getattr(script_args, "task", None), "classification")
    if task == "pretraining":
        # The untrained model's validation loss is the reference the fall of the loss is measured from.
        overrides.setdefault("eval_on_start", True)
        if script_args.streaming:
            # Each rank generates its own shards of the stream instead of rank 0 generating for all.
            overrides.setdefault("accelerator_config", {"dispatch_batches": False})
    training_args = preset_training_arguments(training_args.output_dir, script_args.preset, task, **overrides)
    return script_args, training_args


def _write_json(path: Path, record: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record, indent=2, default=float) + "\n")


def run_pretraining(script_args: PretrainingScriptArguments, training_args: TrainingArguments) -> dict[str, Any]:
    """Pre-train on the generated pre-training mixture; save the model, feature extractor and a summary.

    Returns the summary: first and best validation losses, their relative fall, wall time,
    precision and seeds (also written to ``<output_dir>/pretraining_summary.json``).
    """
    preset = get_preset(script_args.preset)
    config = SpectrumFMConfig(**{**preset.model, "max_position_embeddings": script_args.window_length,
                                 **json.loads(script_args.config_overrides)})
    extractor = SpectrumFMFeatureExtractor(window_length=script_args.window_length, log_amplitude=script_args.log_amplitude)
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
    model = SpectrumFMForPretraining(config)
    precision = choose_precision()
    trainer = pretraining_trainer(model, extractor, training_args, train, validation, mask_seed=script_args.mask_seed,
                                  early_stopping_patience=preset.early_stopping_patience, precision=precision)
    start = time.perf_counter()
    trainer.train(resume_from_checkpoint=training_args.resume_from_checkpoint)
    wall_s = time.perf_counter() - start
    trainer.save_model()
    extractor.save_pretrained(training_args.output_dir)
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
    _write_json(Path(training_args.output_dir) / "pretraining_summary.json", summary)
    return summary


def task_generator(task: str, num_samples: int | None, anomaly_mode: str = "normal"):
    """The data generator of ``task`` (one of :data:`TASKS`)."""
    if task not in TASKS:
        raise PresetError(f"task must be one of {TASKS}, got {task!r}")
    if task in ("amc", "amc24"):
        return AMCGenerator("rml2016.10a" if task == "amc" else "rml2018.01a", num_samples=num_samples or 128)
    if task == "wtc":
        return WTCGenerator(num_samples=num_samples or 1024)
    if task == "ss":
        return SpectrumSensingGenerator(num_samples=num_samples or 128)
    return AnomalyDetectionGenerator(num_samples=num_samples or 128, mode=anomaly_mode)


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


def run_finetuning(script_args: FinetuningScriptArguments, training_args: TrainingArguments) -> dict[str, Any]:
    """Fine-tune one task on generated data and evaluate it on its held-out test split.

    Classification reports test accuracy, weighted precision/recall/F1 and accuracy per SNR;
    anomaly detection trains on normal captures, calibrates the threshold on held-out normal
    ones and reports AUC per interference type and ISR. Returns (and writes to
    ``<output_dir>/finetuning_summary.json``) the figures with seeds, sizes and wall time.
    """
    if script_args.adaptation not in ADAPTATION_MODES:
        raise PresetError(f"adaptation must be one of {ADAPTATION_MODES}, got {script_args.adaptation!r}")
    seed = training_args.seed + script_args.data_seed_offset
    extractor = (SpectrumFMFeatureExtractor.from_pretrained(script_args.pretrained_model) if script_args.pretrained_model
                 else SpectrumFMFeatureExtractor(window_length=script_args.window_length))
    generator = task_generator(script_args.task, script_args.num_samples)
    splits = stratified_split(to_dataset(generator, script_args.num_examples, seed=seed), 0.2, 0.1, seed=seed)
    train = few_shot_subset(splits["train"], script_args.few_shot_fraction, seed=seed).with_format("numpy")
    validation, test = splits["validation"].with_format("numpy"), splits["test"].with_format("numpy")
    windows = _windows_per_row(extractor, train)
    if windows > 1 and script_args.task != "ad":
        validation, test = (window_rows(split, extractor).with_format("numpy") for split in (validation, test))
    model = _task_model(script_args, generator.class_names)
    lora = spectrumfm_lora_config(model, r=script_args.lora_rank, lora_alpha=script_args.lora_alpha)
    # Trained as PEFT's "default" adapter, which Trainer checkpoints and reloads as the best model;
    # TaskAdapterSet gives it the task's name when it is loaded beside the others.
    model = adapt_model(model, script_args.adaptation, lora)
    parameters = count_parameters(model)
    precision = choose_precision()
    is_anomaly = script_args.task == "ad"
    compute_metrics = None if is_anomaly else classification_compute_metrics(
        np.asarray(validation["snr_db"]), script_args.min_snr_db)
    trainer = finetuning_trainer(model, extractor, training_args, train, None if is_anomaly else validation,
                                 compute_metrics=compute_metrics, label_column=None if is_anomaly else "label",
                                 early_stopping_patience=get_preset(script_args.preset).early_stopping_patience,
                                 precision=precision)
    start = time.perf_counter()
    trainer.train(resume_from_checkpoint=training_args.resume_from_checkpoint)
    wall_s = time.perf_counter() - start
    summary: dict[str, Any] = {
        "task": script_args.task, "adaptation": script_args.adaptation, "pretrained_model": script_args.pretrained_model,
        "data_seed": seed, "num_train_examples": len(train), "few_shot_fraction": script_args.few_shot_fraction,
        "trainable_parameters": parameters.trainable, "total_parameters": parameters.total,
        "trainable_share": parameters.trainable_share, "precision": precision.as_dict(), "wall_s": wall_s,
    }
    if is_anomaly:
        summary.update(_evaluate_anomaly(model, extractor, validation, script_args, seed))
    else:
        # The test split is scored once, after training: it must not feed early stopping.
        trainer.remove_callback(EarlyStoppingCallback)
        trainer.compute_metrics = classification_compute_metrics(np.asarray(test["snr_db"]), script_args.min_snr_db)
        summary["test"] = trainer.evaluate(test, metric_key_prefix="test")
    output_dir = Path(training_args.output_dir)
    if script_args.adaptation == "lora":
        summary["adapter_size_bytes"] = adapter_size_bytes(save_task_adapter(model, output_dir / "adapter"))
    else:
        trainer.save_model()
    extractor.save_pretrained(output_dir)
    _write_json(output_dir / "finetuning_summary.json", summary)
    return summary


def _evaluate_anomaly(model, extractor, held_out_normal, script_args: FinetuningScriptArguments, seed: int) -> dict[str, Any]:
    threshold = calibrate_anomaly_threshold(model, held_out_normal, extractor, script_args.false_alarm_rate)
    test_generator = task_generator("ad", script_args.num_samples, anomaly_mode="test")
    test = to_dataset(test_generator, max(1, script_args.num_examples // 5), seed=seed + 1).with_format("numpy")
    scores, rows = anomaly_scores(model, test, extractor)
    labels = (np.asarray(test["label"]) > 0).astype(int)[rows]
    result = load_metric("anomaly_auc").compute(
        anomaly_scores=scores, references=labels,
        interference=np.asarray(test["interference"], dtype=object)[rows], isr_db=np.asarray(test["isr_db"])[rows],
    )
    flagged = scores > threshold
    return {"threshold": threshold, "false_alarm_rate": float(flagged[labels == 0].mean()),
            "detection_rate": float(flagged[labels == 1].mean()), "test": result}
