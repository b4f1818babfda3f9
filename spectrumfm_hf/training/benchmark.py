"""Throughput of training through Trainer: examples per second, step time, data-loading share, peak memory."""

from __future__ import annotations

import resource
import tempfile
import time
from dataclasses import dataclass
from typing import Any

from transformers import TrainerCallback

from spectrumfm_hf import SpectrumFMConfig, SpectrumFMFeatureExtractor, SpectrumFMForPretraining, SpectrumFMForSequenceClassification
from spectrumfm_hf.data import AMCGenerator, PretrainingCorpusGenerator, to_dataset

from .adaptation import adapt_model, count_parameters
from .precision import choose_precision
from .presets import get_preset, preset_training_arguments
from .trainers import finetuning_trainer, pretraining_trainer

BENCHMARK_JOBS = ("pretraining", "finetune-lora", "finetune-full")


class StepTimer(TrainerCallback):
    """Splits each optimiser step's wall time into data loading (before ``on_step_begin``) and compute.

    Also counts the process's CPU time per step (with one thread, what other jobs on the machine
    disturb least) and the wall time of ``optimizer.step()`` alone. The first ``warmup_steps``
    steps (allocator and kernel warm-up) are not counted.
    """

    def __init__(self, warmup_steps: int = 1):
        self.warmup_steps = warmup_steps
        self.data_s = 0.0
        self.compute_s = 0.0
        self.cpu_s = 0.0
        self.optimizer_s = 0.0
        self.steps = 0
        self._last_end: float | None = None
        self._last_cpu_end = 0.0
        self._begin = 0.0
        self._optimizer_begin = 0.0
        self._optimizer_step_s = 0.0

    def on_train_begin(self, args, state, control, **kwargs):
        self._last_end = time.perf_counter()
        self._last_cpu_end = time.process_time()

    def on_step_begin(self, args, state, control, **kwargs):
        self._begin = time.perf_counter()
        self._data_wait = self._begin - self._last_end

    def on_pre_optimizer_step(self, args, state, control, **kwargs):
        self._optimizer_begin = time.perf_counter()

    def on_optimizer_step(self, args, state, control, **kwargs):
        self._optimizer_step_s = time.perf_counter() - self._optimizer_begin

    def on_step_end(self, args, state, control, **kwargs):
        self._last_end = time.perf_counter()
        cpu_end = time.process_time()
        if state.global_step > self.warmup_steps:
            self.data_s += self._data_wait
            self.compute_s += self._last_end - self._begin
            self.cpu_s += cpu_end - self._last_cpu_end
            self.optimizer_s += self._optimizer_step_s
            self.steps += 1
        self._last_cpu_end = cpu_end


@dataclass
class BenchmarkSetting:
    """One measured configuration.

    Attributes:
        job: one of :data:`BENCHMARK_JOBS`.
        preset: model size and recipe (``"paper"`` or ``"small-cpu"``).
        batch_size: captures per step (the preset's when None).
        steps: measured steps, after ``warmup_steps``.
        warmup_steps: steps run first and not measured.
        optim: ``TrainingArguments.optim`` (``"adamw_torch"``, ``"adamw_torch_fused"``); the
            preset's (:func:`~spectrumfm_hf.training.presets.adamw_implementation`) when None.
        precision: ``"auto"``, ``"fp32"`` or ``"bf16"``; ``SPECTRUMFM_PRECISION``, else auto, when None.
    """

    job: str
    preset: str
    batch_size: int | None = None
    steps: int = 5
    warmup_steps: int = 1
    optim: str | None = None
    precision: str | None = None


def run_benchmark(setting: BenchmarkSetting) -> dict[str, Any]:
    """Train ``setting`` for warm-up plus measured steps through Trainer; return its figures as a dict."""
    preset = get_preset(setting.preset)
    batch_size = setting.batch_size or preset.training["per_device_train_batch_size"]
    num_rows = batch_size * (setting.steps + setting.warmup_steps)
    extractor = SpectrumFMFeatureExtractor()
    precision = choose_precision(setting.precision)
    timer = StepTimer(setting.warmup_steps)
    with tempfile.TemporaryDirectory() as output_dir:
        args = preset_training_arguments(
            output_dir, setting.preset, task="pretraining" if setting.job == "pretraining" else "classification",
            precision=precision, per_device_train_batch_size=batch_size, max_steps=setting.steps + setting.warmup_steps,
            eval_strategy="no", save_strategy="no", load_best_model_at_end=False, logging_steps=10**6,
            disable_tqdm=True, eval_on_start=False, **({"optim": setting.optim} if setting.optim else {}),
        )
        optim = str(getattr(args.optim, "value", args.optim))
        if setting.job == "pretraining":
            model = SpectrumFMForPretraining(SpectrumFMConfig(**preset.model))
            rows = to_dataset(PretrainingCorpusGenerator(), num_rows, seed=0).with_format("numpy")
            trainer = pretraining_trainer(model, extractor, args, rows, early_stopping_patience=None, precision=precision)
        else:
            model = SpectrumFMForSequenceClassification(SpectrumFMConfig(**preset.model, num_labels=11))
            model = adapt_model(model, "lora" if setting.job == "finetune-lora" else "full")
            rows = to_dataset(AMCGenerator(), num_rows, seed=0).with_format("numpy")
            trainer = finetuning_trainer(model, extractor, args, rows, early_stopping_patience=None, precision=precision)
        trainer.add_callback(timer)
        trainer.train()
    step_s = (timer.data_s + timer.compute_s) / max(timer.steps, 1)
    parameters = count_parameters(model)
    return {
        "job": setting.job,
        "preset": setting.preset,
        "batch_size": batch_size,
        "measured_steps": timer.steps,
        "examples_per_s": batch_size / step_s if step_s else None,
        "step_s": step_s,
        "step_cpu_s": timer.cpu_s / max(timer.steps, 1),
        "optimizer_step_s": timer.optimizer_s / max(timer.steps, 1),
        "dataloader_share": timer.data_s / (timer.data_s + timer.compute_s) if timer.steps else None,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "trainable_parameters": parameters.trainable,
        "trainable_share": parameters.trainable_share,
        "optim": optim,
        "precision": precision.precision,
        "precision_forced": precision.forced,
        "device": precision.device,
    }
