"""One function per kind of cell: train on the train split, select on validation, score the test split once.

Each returns the cell's result as plain JSON values: the headline metrics, and what the
figures need (accuracy per SNR, confusion counts, validation accuracy per epoch, ROC scores,
embeddings for t-SNE).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from .data import WINDOW_LENGTH, TaskSplits
from .models import build_anomaly_detector, build_classifier, feature_extractor_for, training_arguments
from .profiles import CONFUSION_SNRS_DB, ROC_SNR_DB, SPECTRUMFM_MODELS, TSNE_SNR_DB, BenchmarkProfile
from .store import CellKey


def _rounded(values, digits: int = 5) -> list:
    return np.round(np.asarray(values, dtype=np.float64), digits).tolist()


def classification_report(
    logits: np.ndarray, references: np.ndarray, snr_db: np.ndarray, num_classes: int
) -> dict[str, Any]:
    """Test metrics of a classifier: accuracy, weighted P/R/F1, accuracy per SNR and confusion counts at -4/0/4 dB.

    Args:
        logits: (windows, classes) scores; the prediction is their arg-max.
        references: (windows,) true classes.
        snr_db: (windows,) SNR of each window, dB.
        num_classes: classes of the task (rows and columns of the confusion matrices).
    """
    from spectrumfm_hf.training import load_metric

    predictions = np.asarray(logits).argmax(axis=-1)
    references = np.asarray(references)
    classes = list(range(num_classes))
    weighted = load_metric("weighted_precision_recall_f1").compute(
        predictions=predictions, references=references, labels=classes
    )
    per_snr = load_metric("accuracy_per_snr").compute(
        predictions=predictions, references=references, snr_db=snr_db
    )
    confusion = load_metric("confusion_matrix")
    confusion_at_snr = {}
    for snr in CONFUSION_SNRS_DB:
        chosen = np.isclose(snr_db, snr)
        if chosen.any():
            confusion_at_snr[f"{snr:g}"] = confusion.compute(
                predictions=predictions[chosen], references=references[chosen], labels=classes
            )["confusion_matrix"]
    return {
        "accuracy": float((predictions == references).mean()),
        **weighted,
        "accuracy_per_snr": {
            "snr_db": per_snr["snr_db"],
            "accuracy": per_snr["accuracy"],
            "count": per_snr["count"],
        },
        "confusion_at_snr": confusion_at_snr,
    }


def detection_report(
    occupied_score: np.ndarray, decisions: np.ndarray, references: np.ndarray, snr_db: np.ndarray
) -> dict[str, Any]:
    """Spectrum-sensing metrics: accuracy, per SNR, and the ROC scores and AUC at -4 dB (Fig. 9).

    Args:
        occupied_score: (windows,) how occupied each window looks (higher: more likely a signal).
        decisions: (windows,) 1 occupied, 0 vacant.
        references: (windows,) true occupancy.
        snr_db: (windows,) SNR of each window, dB.
    """
    from spectrumfm_hf.training import load_metric

    decisions, references = np.asarray(decisions).astype(int), np.asarray(references).astype(int)
    report = classification_report(np.eye(2)[decisions], references, snr_db, 2)
    at_roc_snr = np.isclose(snr_db, ROC_SNR_DB)
    report["roc_at_snr"] = {
        "snr_db": ROC_SNR_DB,
        "references": references[at_roc_snr].tolist(),
        "scores": _rounded(occupied_score[at_roc_snr], 7),
    }
    if len(np.unique(references[at_roc_snr])) == 2:
        report["auc_at_roc_snr"] = load_metric("roc_auc").compute(
            prediction_scores=occupied_score[at_roc_snr], references=references[at_roc_snr]
        )["roc_auc"]
    return report


def _validation_accuracy_per_epoch(log_history: Sequence[dict[str, Any]]) -> dict[str, list[float]]:
    entries = [entry for entry in log_history if "eval_accuracy" in entry]
    return {
        "epoch": [float(entry["epoch"]) for entry in entries],
        "accuracy": [float(entry["eval_accuracy"]) for entry in entries],
    }


def _predict(trainer, dataset) -> tuple[np.ndarray, np.ndarray]:
    output = trainer.predict(dataset, metric_key_prefix="test")
    logits = output.predictions[0] if isinstance(output.predictions, tuple) else output.predictions
    return np.asarray(logits, dtype=np.float64), np.asarray(output.label_ids)


def _embeddings(model, extractor, dataset, limit: int, seed: int) -> dict[str, Any]:
    """Mean-pooled last encoder states of up to ``limit`` test windows at 0 dB (Fig. 5)."""
    import torch

    from spectrumfm_hf.training import IQFeatureTransform

    rows = np.flatnonzero(np.isclose(np.asarray(dataset["snr_db"]), TSNE_SNR_DB))
    if rows.size > limit:
        rows = np.sort(np.random.default_rng(seed).choice(rows, size=limit, replace=False))
    if rows.size < 4:
        return {}
    subset = dataset.select(rows)
    input_values, attention_mask, _ = IQFeatureTransform(extractor).windows(subset["iq"])
    encoder = model.get_base_model().spectrumfm
    device = next(encoder.parameters()).device
    was_training = model.training
    model.eval()
    with torch.no_grad():
        hidden = encoder(
            input_values=torch.from_numpy(input_values).to(device),
            attention_mask=torch.from_numpy(attention_mask.astype(np.int64)).to(device),
        ).last_hidden_state
        weights = torch.from_numpy(attention_mask.astype(np.float32)).to(device)[..., None]
        pooled = (hidden.float() * weights).sum(1) / weights.sum(1)
    model.train(was_training)
    return {"vectors": _rounded(pooled.cpu().numpy(), 4), "labels": np.asarray(subset["label"]).tolist()}


def _parameters(model) -> dict[str, int]:
    from spectrumfm_hf.training import count_parameters

    count = count_parameters(model)
    return {"trainable_parameters": count.trainable, "total_parameters": count.total}


def run_classification_cell(
    key: CellKey,
    profile: BenchmarkProfile,
    splits: TaskSplits,
    encoder_folder: Path | None,
    work_dir: Path,
    precision,
) -> dict[str, Any]:
    """Train a classifier (AMC, WTC, or a learnt spectrum-sensing detector) and score its test split once."""
    from transformers import set_seed

    from spectrumfm_hf.training import classification_compute_metrics, few_shot_subset, finetuning_trainer

    set_seed(key.seed)
    train = few_shot_subset(splits.train, key.label_fraction, seed=key.seed)
    model = build_classifier(key.model, splits.class_names, profile, encoder_folder)
    extractor = feature_extractor_for(model, encoder_folder)
    checkpoints = work_dir / "checkpoints"
    arguments = training_arguments(checkpoints, profile, key.seed, anomaly=False, precision=precision)
    trainer = finetuning_trainer(
        model,
        extractor,
        arguments,
        train,
        splits.validation,
        compute_metrics=classification_compute_metrics(),
        early_stopping_patience=profile.early_stopping_patience,
        precision=precision,
    )
    trainer.train()
    # The best checkpoint by validation loss is loaded back; only now is the test split scored.
    logits, references = _predict(trainer, splits.test)
    snr_db = np.asarray(splits.test["snr_db"], dtype=np.float64)
    if key.task == "ss":
        probabilities = np.exp(logits - logits.max(axis=1, keepdims=True))
        probabilities /= probabilities.sum(axis=1, keepdims=True)
        result = detection_report(probabilities[:, 1], logits.argmax(axis=1), references, snr_db)
    else:
        result = classification_report(logits, references, snr_db, len(splits.class_names))
    result.update(
        class_names=splits.class_names,
        source=splits.source,
        train_windows=len(train),
        epochs_run=float(trainer.state.epoch or 0),
        validation_accuracy_per_epoch=_validation_accuracy_per_epoch(trainer.state.log_history),
        best_validation_loss=trainer.state.best_metric,
        **_parameters(model),
    )
    if key.model in SPECTRUMFM_MODELS and key.task == "amc" and key.label_fraction == 1.0:
        result["embeddings_at_tsne_snr"] = _embeddings(
            model, extractor, splits.test, profile.tsne_points, key.seed
        )
    shutil.rmtree(checkpoints, ignore_errors=True)
    return result


def run_energy_detector_cell(key: CellKey, profile: BenchmarkProfile, splits: TaskSplits) -> dict[str, Any]:
    """The energy detector on the sensing test split: threshold from the nominal noise power, nothing learnt."""
    from spectrumfm_hf.baselines import build_baseline
    from spectrumfm_hf.data.tasks.sensing import NOMINAL_NOISE_POWER

    detector = build_baseline(
        "energy-detector",
        false_alarm_probability=profile.false_alarm_probability,
        noise_power=NOMINAL_NOISE_POWER,
    )
    iq = np.asarray(splits.test["iq"])
    references = np.asarray(splits.test["label"])
    snr_db = np.asarray(splits.test["snr_db"], dtype=np.float64)
    result = detection_report(detector.score(iq), detector.decision(iq), references, snr_db)
    result.update(
        class_names=splits.class_names,
        source=splits.source,
        train_windows=0,
        false_alarm_probability_target=profile.false_alarm_probability,
        false_alarm_rate=float(detector.decision(iq[references == 0]).mean()),
    )
    return result


def run_anomaly_cell(
    key: CellKey,
    profile: BenchmarkProfile,
    splits: TaskSplits,
    encoder_folder: Path | None,
    work_dir: Path,
    precision,
) -> dict[str, Any]:
    """Train an anomaly detector on normal windows only; score the mixed test split once (AUC per type and ISR)."""
    from transformers import set_seed

    from spectrumfm_hf.training import anomaly_scores, finetuning_trainer, fit_normal_statistics, load_metric

    set_seed(key.seed)
    model = build_anomaly_detector(key.model, profile, encoder_folder)
    extractor = feature_extractor_for(model, encoder_folder)
    checkpoints = work_dir / "checkpoints"
    arguments = training_arguments(checkpoints, profile, key.seed, anomaly=True, precision=precision)
    trainer = finetuning_trainer(
        model,
        extractor,
        arguments,
        splits.train,
        None,
        label_column=None,
        early_stopping_patience=None,
        precision=precision,
    )
    trainer.train()
    if key.model in SPECTRUMFM_MODELS:
        # Scored by the distance of a window's embedding from the training windows', not by eq. 29.
        fit_normal_statistics(model, splits.train, extractor)
    validation_scores, _ = anomaly_scores(model, splits.validation, extractor)
    scores, rows = anomaly_scores(model, splits.test, extractor)
    references = (np.asarray(splits.test["label"]) > 0).astype(int)[rows]
    interference = np.asarray(splits.test["interference"], dtype=object)[rows]
    isr_db = np.asarray(splits.test["isr_db"], dtype=np.float64)[rows]
    auc = load_metric("anomaly_auc").compute(
        anomaly_scores=scores, references=references, interference=interference, isr_db=isr_db
    )
    # The false-alarm rate of the threshold set on held-out normal windows, at the profile's target.
    threshold = float(np.quantile(validation_scores, 1.0 - profile.false_alarm_probability))
    shutil.rmtree(checkpoints, ignore_errors=True)
    return {
        # Through JSON and back: numpy floats become floats, the ISR keys strings, as they are stored.
        **json.loads(json.dumps(auc, default=float)),
        "threshold": threshold,
        "false_alarm_rate": float((scores[references == 0] > threshold).mean()),
        "detection_rate": float((scores[references == 1] > threshold).mean()),
        "roc": {
            "references": references.tolist(),
            "scores": _rounded(scores, 7),
            "interference": [str(kind) for kind in interference],
            "isr_db": isr_db.tolist(),
        },
        "source": splits.source,
        "train_windows": len(splits.train),
        "epochs_run": float(trainer.state.epoch or 0),
        **_parameters(model),
    }


def run_pretraining_cell(profile: BenchmarkProfile, seed: int, encoder_folder: Path) -> dict[str, Any]:
    """Pre-train the profile's encoder on the generated mixture (Algorithm 1) into ``encoder_folder``.

    Runs the package's pre-training recipe at the profile's size; early stopping watches the
    validation loss. Checkpoints are removed afterwards: the folder keeps the best model and its
    feature extractor.
    """
    from spectrumfm_hf.training import preset_training_arguments
    from spectrumfm_hf.training.recipes import PretrainingScriptArguments, run_pretraining

    script = PretrainingScriptArguments(
        preset=profile.pretraining_preset,
        num_train_examples=profile.pretraining_examples,
        num_validation_examples=max(16, profile.pretraining_examples // 8),
        num_samples=WINDOW_LENGTH,
        window_length=WINDOW_LENGTH,
        data_seed_offset=0,
        mask_seed=seed,
        config_overrides=json.dumps(profile.spectrumfm_model),
    )
    arguments = preset_training_arguments(
        str(encoder_folder),
        profile.pretraining_preset,
        "pretraining",
        num_train_epochs=profile.pretraining_epochs,
        seed=seed,
        data_seed=seed,
        save_total_limit=1,
        logging_strategy="epoch",
        disable_tqdm=True,
    )
    summary = run_pretraining(script, arguments)
    for checkpoint in encoder_folder.glob("checkpoint-*"):
        shutil.rmtree(checkpoint, ignore_errors=True)
    return {"encoder": str(encoder_folder), **summary}
