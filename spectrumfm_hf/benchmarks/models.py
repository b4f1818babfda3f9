"""The benchmark's models, built the same way for every cell: SpectrumFM with LoRA, or a baseline.

Every model reads windows of :data:`~.data.WINDOW_LENGTH` samples through one collator
(``SpectrumFMDataCollator``); what the collator's feature extractor produces follows the
model: SpectrumFM's amplitude/phase features, or raw I/Q for the baselines whose papers
feed raw I/Q (:class:`RawIQFeatures`), as each baseline's ``input_representation`` says.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import numpy as np

from .data import WINDOW_LENGTH
from .profiles import SPECTRUMFM, SPECTRUMFM_MODELS, SPECTRUMFM_RECONSTRUCTION, BenchmarkProfile


class BenchmarkModelError(ValueError):
    """A model name the benchmark cannot build for a task."""


class RawIQFeatures:
    """A feature extractor that leaves the I/Q samples as they are: windows of ``(N, 2)`` float32, I then Q.

    Stands in for ``SpectrumFMFeatureExtractor`` in the collator for models trained on raw I/Q.

    Args:
        window_length: samples per window N; captures must hold a multiple of it.
    """

    def __init__(self, window_length: int = WINDOW_LENGTH):
        self.window_length = window_length

    def __call__(self, iq: np.ndarray, return_tensors: str = "np") -> dict[str, np.ndarray]:
        """``iq`` complex ``(B, L)`` -> ``input_values`` ``(B * L / N, N, 2)`` and an all-ones ``attention_mask``."""
        iq = np.asarray(iq)
        if iq.ndim != 2 or iq.shape[1] % self.window_length:
            raise BenchmarkModelError(
                f"iq must be complex (captures, samples) with samples a multiple of {self.window_length}, got shape {iq.shape}"
            )
        windows = iq.reshape(-1, self.window_length)
        input_values = np.stack([windows.real, windows.imag], axis=-1).astype(np.float32)
        return {"input_values": input_values, "attention_mask": np.ones(input_values.shape[:2], np.int32)}


def feature_extractor_for(model, encoder_folder: Path | None = None) -> Any:
    """The feature extractor whose output ``model`` reads: :class:`RawIQFeatures`, or SpectrumFM's.

    A SpectrumFM model reads the features its encoder was pre-trained on (the extractor saved
    beside the encoder, e.g. with log amplitude); a baseline on amplitude/phase the paper's.
    """
    from spectrumfm_hf import SpectrumFMFeatureExtractor

    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    if getattr(base.config, "input_representation", "amplitude_phase") == "iq":
        return RawIQFeatures(WINDOW_LENGTH)
    if (
        base.config.model_type == "spectrumfm"
        and encoder_folder is not None
        and (encoder_folder / "preprocessor_config.json").is_file()
    ):
        return SpectrumFMFeatureExtractor.from_pretrained(encoder_folder)
    return SpectrumFMFeatureExtractor(window_length=WINDOW_LENGTH)


def _labels(class_names: Sequence[str]) -> dict[str, Any]:
    return dict(
        num_labels=len(class_names),
        id2label=dict(enumerate(class_names)),
        label2id={name: index for index, name in enumerate(class_names)},
    )


def _spectrumfm_task_model(
    task_class, model_name: str, encoder_folder: Path, labels: dict[str, Any], lora_rank: int
):
    from spectrumfm_hf import SpectrumFMConfig
    from spectrumfm_hf.training import adapt_model, spectrumfm_lora_config

    if model_name == SPECTRUMFM:
        model = task_class.from_pretrained(encoder_folder, **labels)
    else:
        # The pre-trained encoder's architecture, freshly initialised: what pre-training adds is the only difference.
        model = task_class(SpectrumFMConfig.from_pretrained(encoder_folder, **labels))
    lora = spectrumfm_lora_config(model, r=lora_rank, lora_alpha=2 * lora_rank)
    return adapt_model(model, "lora", lora)


def build_classifier(
    model_name: str, class_names: Sequence[str], profile: BenchmarkProfile, encoder_folder: Path | None
):
    """A classifier of ``class_names``: SpectrumFM (pre-trained or random encoder) with LoRA, or a baseline.

    Seed torch (``transformers.set_seed``) before calling: the initialisation draws from it.

    Args:
        model_name: ``"spectrumfm"``, ``"spectrumfm-random"`` or a classification / sensing baseline name.
        class_names: label names in index order.
        profile: baseline sizes and the LoRA rank.
        encoder_folder: the pre-trained encoder (needed by the SpectrumFM models).
    """
    from spectrumfm_hf import SpectrumFMForSequenceClassification
    from spectrumfm_hf.baselines import ANOMALY_DETECTION_BASELINES, BASELINES, build_baseline

    if model_name in SPECTRUMFM_MODELS:
        return _spectrumfm_task_model(
            SpectrumFMForSequenceClassification,
            model_name,
            encoder_folder,
            _labels(class_names),
            profile.lora_rank,
        )
    if (
        model_name not in BASELINES
        or model_name in ANOMALY_DETECTION_BASELINES
        or model_name == "energy-detector"
    ):
        raise BenchmarkModelError(
            f"model_name must be SpectrumFM or a trainable classifier or detector, got {model_name!r}"
        )
    return build_baseline(
        model_name,
        num_samples=WINDOW_LENGTH,
        **_labels(class_names),
        **profile.baseline_config.get(model_name, {}),
    )


def build_anomaly_detector(model_name: str, profile: BenchmarkProfile, encoder_folder: Path | None):
    """An anomaly detector trained on normal windows: SpectrumFM's reconstruction head with LoRA, or the AAE.

    ``spectrumfm`` and ``spectrumfm-reconstruction`` train alike (eq. 29 on the pre-trained
    encoder); they differ in the score, fitted after training by the runner.
    """
    from spectrumfm_hf import SpectrumFMForAnomalyDetection
    from spectrumfm_hf.baselines import ANOMALY_DETECTION_BASELINES, build_baseline

    if model_name == SPECTRUMFM_RECONSTRUCTION:
        model_name = SPECTRUMFM
    if model_name in SPECTRUMFM_MODELS:
        return _spectrumfm_task_model(
            SpectrumFMForAnomalyDetection, model_name, encoder_folder, {}, profile.lora_rank
        )
    if model_name not in ANOMALY_DETECTION_BASELINES:
        raise BenchmarkModelError(
            f"model_name must be one of {(*SPECTRUMFM_MODELS, SPECTRUMFM_RECONSTRUCTION, *ANOMALY_DETECTION_BASELINES)}, "
            f"got {model_name!r}"
        )
    return build_baseline(
        model_name, num_samples=WINDOW_LENGTH, **profile.baseline_config.get(model_name, {})
    )


def training_arguments(output_dir: Path, profile: BenchmarkProfile, seed: int, anomaly: bool, precision):
    """``TrainingArguments`` of one fine-tuning cell: the profile's epochs, batch and learning rate on its preset.

    Classification evaluates on the validation split every epoch, keeps the checkpoint with the
    lowest validation loss and stops early on it; anomaly detection trains on normal data for
    the profile's epochs without selection (there is no anomalous validation data to select on).
    """
    from spectrumfm_hf.training import preset_training_arguments

    return preset_training_arguments(
        str(output_dir),
        profile.pretraining_preset,
        "anomaly" if anomaly else "classification",
        precision=precision,
        num_train_epochs=profile.epochs,
        per_device_train_batch_size=profile.batch_size,
        per_device_eval_batch_size=max(profile.batch_size, 256),
        learning_rate=profile.learning_rate,
        seed=seed,
        data_seed=seed,
        save_total_limit=1,
        logging_strategy="epoch",
        disable_tqdm=True,
    )
