"""Training SpectrumFM with transformers' Trainer, PEFT and Accelerate.

* Data: :class:`IQFeatureTransform` (for ``Dataset.with_transform``),
  :class:`SpectrumFMDataCollator`, :class:`SpectrumFMPretrainingCollator` (the eq. 20 mask)
  and :func:`split_stream_for_process` for streaming data across ranks.
* Recipes: :data:`PRESETS` and :func:`preset_training_arguments` (with the fastest AdamW,
  :func:`adamw_implementation`); the precision from the hardware, or forced by ``--precision``
  or ``SPECTRUMFM_PRECISION``, with :func:`choose_precision`.
* Trainers: :func:`pretraining_trainer`, :func:`finetuning_trainer` (plain ``Trainer`` objects).
* Metrics: local ``evaluate`` modules (:func:`load_metric`, :func:`classification_compute_metrics`)
  and seeded, stratified :func:`few_shot_subset` training sets.
* Adaptation (Algorithm 2): :func:`adapt_model` in ``"lora"`` (PEFT), ``"full"`` or ``"probe"``
  mode, :func:`spectrumfm_lora_config`, :func:`save_task_adapter`, :class:`TaskAdapterSet`
  (several task adapters on one encoder); anomaly scores and threshold calibration.
* Runs on generated data behind the example scripts: :mod:`.recipes`; throughput: :mod:`.benchmark`.
* Scale-out: :func:`deepspeed_on_cpu_options` (DeepSpeed on CPU processes, which accelerate
  leaves to one process when there is no GPU).
* Callbacks: :class:`LossPartsCallback` (both pre-training losses in the logs),
  :class:`PrecisionRecordCallback`.
"""

from .adaptation import (
    ADAPTATION_MODES,
    AdaptationError,
    ParameterCount,
    TaskAdapterSet,
    adapt_model,
    adapter_size_bytes,
    count_parameters,
    save_task_adapter,
    spectrumfm_lora_config,
)
from .anomaly import anomaly_scores, calibrate_anomaly_threshold, fit_normal_statistics
from .callbacks import LOSS_PARTS, EpochSummaryCallback, LossPartsCallback, PrecisionRecordCallback
from .data import (
    IQFeatureTransform,
    SpectrumFMDataCollator,
    SpectrumFMPretrainingCollator,
    TrainingDataError,
    last_real_symbol,
    split_stream_for_process,
    window_rows,
)
from .distributed import DeepSpeedLaunchError, FSDPDeviceError, deepspeed_on_cpu_options
from .few_shot import FEW_SHOT_FRACTIONS, FewShotError, few_shot_subset
from .metrics import METRIC_NAMES, MetricNameError, classification_compute_metrics, load_metric, metric_path
from .model_interface import LORA_TARGET_MODULES, MODEL_INPUT_NAMES, task_head_modules
from .precision import PrecisionChoice, choose_precision, cpu_flags, training_precision
from .presets import PRESETS, PresetError, TrainingPreset, adamw_implementation, get_preset, preset_training_arguments
from .trainers import finetuning_trainer, pretraining_trainer, replace_log_printing

__all__ = [
    "ADAPTATION_MODES",
    "AdaptationError",
    "DeepSpeedLaunchError",
    "FSDPDeviceError",
    "ParameterCount",
    "TaskAdapterSet",
    "adapt_model",
    "deepspeed_on_cpu_options",
    "adapter_size_bytes",
    "anomaly_scores",
    "fit_normal_statistics",
    "calibrate_anomaly_threshold",
    "count_parameters",
    "save_task_adapter",
    "spectrumfm_lora_config",
    "FEW_SHOT_FRACTIONS",
    "FewShotError",
    "METRIC_NAMES",
    "MetricNameError",
    "classification_compute_metrics",
    "few_shot_subset",
    "finetuning_trainer",
    "load_metric",
    "metric_path",
    "pretraining_trainer",
    "replace_log_printing",
    "IQFeatureTransform",
    "LORA_TARGET_MODULES",
    "LOSS_PARTS",
    "LossPartsCallback",
    "EpochSummaryCallback",
    "MODEL_INPUT_NAMES",
    "PRESETS",
    "PrecisionChoice",
    "PrecisionRecordCallback",
    "PresetError",
    "SpectrumFMDataCollator",
    "SpectrumFMPretrainingCollator",
    "TrainingDataError",
    "TrainingPreset",
    "adamw_implementation",
    "choose_precision",
    "cpu_flags",
    "training_precision",
    "get_preset",
    "last_real_symbol",
    "preset_training_arguments",
    "split_stream_for_process",
    "task_head_modules",
    "window_rows",
]
