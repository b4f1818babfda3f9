"""Evaluating task models on a test split: metrics (the shipped ``evaluate`` modules) and figures.

:func:`evaluate_model` scores one classifier or anomaly detector window by window and returns
a :class:`ModelEvaluation` (its metrics as a JSON-ready dict, and the arrays the figures are
drawn from); :func:`write_evaluation_figures` draws one or several evaluations on the same
test split with :mod:`spectrumfm_hf.plots`. ``spectrumfm evaluate`` and the fine-tuning recipe
both go through these two functions, so their metrics and figures agree: the same batches in the
same order, in the same precision (:func:`~spectrumfm_hf.performance.choose_precision`), on the
model as it is saved (:func:`model_as_saved`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
import torch

from ..performance import PrecisionChoice, choose_precision
from .data import IQFeatureTransform
from .metrics import load_metric

EMBEDDING_WINDOWS = 1000
"""Windows at most whose encoder embeddings go into the t-SNE map (its cost grows quadratically)."""

CLASSIFICATION_TASKS = ("amc", "amc24", "wtc", "ss")
TASK_TITLES = {
    "amc": "AMC, RML2016.10a classes",
    "amc24": "AMC, RML2018.01A classes",
    "wtc": "wireless technology classification",
    "ss": "spectrum sensing",
    "ad": "anomaly detection",
}


class EvaluationError(ValueError):
    """A test split or option that cannot be evaluated (names what was expected)."""


@dataclass
class ModelEvaluation:
    """One model's evaluation on a test split.

    Attributes:
        metrics: JSON-ready figures (accuracy, weighted P/R/F1, accuracy per SNR, confusion
            matrix, ROC AUC; for anomaly detection AUC overall, per interference type and ISR).
        class_names: the classes, in label order.
        snr_db: per SNR in the test split, dB (classification).
        accuracy_per_snr: accuracy at each of ``snr_db``, fractions.
        confusion: (classes, classes) counts, rows the true class.
        roc_curves: curve name -> (is_positive, score) per window, for ROC figures.
        embeddings: (windows, hidden) mean-pooled encoder outputs of a seeded subsample.
        embedding_labels: class index of each of ``embeddings``.
        window_scores: anomaly score of every test window (anomaly detection).
        window_anomalous: 1 for an anomalous test window, 0 for a normal one (anomaly detection).
    """

    metrics: dict[str, Any]
    class_names: list[str]
    snr_db: np.ndarray | None = None
    accuracy_per_snr: np.ndarray | None = None
    confusion: np.ndarray | None = None
    roc_curves: dict[Any, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    embeddings: np.ndarray | None = None
    embedding_labels: np.ndarray | None = None
    window_scores: np.ndarray | None = None
    window_anomalous: np.ndarray | None = None


def _check_columns(dataset, columns: Sequence[str]) -> None:
    missing = [name for name in columns if name not in dataset.column_names]
    if missing:
        raise EvaluationError(
            f"the test split lacks the column(s) {missing}; expected {list(columns)} "
            f"(a data set written by `spectrumfm generate`), got columns {dataset.column_names}"
        )
    if len(dataset) == 0:
        raise EvaluationError("the test split is empty; expected at least one example")


def model_as_saved(trainer):
    """The model ``trainer`` trained, computing as its saved artefact does once loaded (``spectrumfm evaluate``).

    For mixed precision, ``accelerate`` wraps the model's forward in autocast while training and
    leaves it wrapped: the model would then compute in bf16 whatever precision its evaluation
    asks for. The wrapper is removed (:func:`evaluate_model` applies the precision itself), and a
    LoRA adapter is merged into the weights in place, as the pipelines load it (its saved
    weights do not change). Call it once training is over.

    Args:
        trainer: the ``Trainer`` after ``train()``.
    """
    from peft import PeftModel

    model = trainer.accelerator.unwrap_model(trainer.model, keep_fp32_wrapper=False)
    if isinstance(model, PeftModel) and model.peft_config[model.active_adapter].peft_type == "LORA":
        model.merge_adapter()
    return model


@torch.no_grad()
def _window_outputs(model, dataset, feature_extractor, embedding_rows: np.ndarray, batch_size: int,
                    precision: PrecisionChoice):
    """Per window: logits (or anomaly scores), source row, and the embeddings of ``embedding_rows``."""
    transform = IQFeatureTransform(feature_extractor)
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    outputs, rows, embeddings, embedding_rows_out = [], [], [], []
    for start in range(0, len(dataset), batch_size):
        # A slice reads the rows' IQ as one array, much faster than row by row.
        input_values, attention_mask, counts = transform.windows(dataset[start : start + batch_size]["iq"])
        window_rows = np.repeat(np.arange(start, start + len(counts)), counts)
        mask = torch.from_numpy(attention_mask.astype(np.int64)).to(device)
        with precision.autocast():
            output = model(input_values=torch.from_numpy(input_values).to(device), attention_mask=mask,
                           output_hidden_states=True)
        score = output.anomaly_score if hasattr(output, "anomaly_score") and output.anomaly_score is not None else output.logits
        outputs.append(score.float().cpu().numpy())
        rows.append(window_rows)
        chosen = np.isin(window_rows, embedding_rows)
        if chosen.any():
            # Mean over real symbols only: padding would pull every short window towards one point.
            hidden = output.hidden_states[-1][torch.from_numpy(chosen)]
            weights = mask[torch.from_numpy(chosen)].unsqueeze(-1).to(hidden.dtype)
            embeddings.append(((hidden * weights).sum(1) / weights.sum(1).clamp(min=1)).float().cpu().numpy())
            embedding_rows_out.append(window_rows[chosen])
    model.train(was_training)
    hidden_size = model.config.hidden_size
    return (np.concatenate(outputs), np.concatenate(rows),
            np.concatenate(embeddings) if embeddings else np.zeros((0, hidden_size), np.float32),
            np.concatenate(embedding_rows_out) if embedding_rows_out else np.zeros(0, np.int64))


def _embedding_rows(num_rows: int, windows_per_row: int, seed: int, max_windows: int) -> np.ndarray:
    keep = min(num_rows, max(1, max_windows // max(windows_per_row, 1)))
    return np.sort(np.random.default_rng(seed).choice(num_rows, size=keep, replace=False))


def evaluate_model(model, feature_extractor, test, task: str, class_names: Sequence[str], min_snr_db: float = 10.0,
                   batch_size: int = 256, seed: int = 0, max_embedding_windows: int = EMBEDDING_WINDOWS,
                   precision: PrecisionChoice | None = None) -> ModelEvaluation:
    """Score ``model`` on every window of ``test`` and compute the paper's metrics.

    Classification (``amc``, ``amc24``, ``wtc``, ``ss``): accuracy, weighted precision/recall/F1,
    accuracy per SNR and at SNR >= ``min_snr_db``, the confusion matrix, and for ``ss`` the ROC
    AUC of the "occupied" probability. Anomaly detection (``ad``): AUC of the anomaly score
    overall, per interference type and per ISR; normal windows (label 0) are the negatives.
    Every window carries its capture's label and SNR.

    Args:
        model: a task model or a ``PeftModel`` around one.
        feature_extractor: a ``SpectrumFMFeatureExtractor`` fitting the model's window length.
        test: the test split (``iq``, ``label``, ``snr_db``; ``ad`` also ``interference``, ``isr_db``).
        task: one of ``amc``, ``amc24``, ``wtc``, ``ss``, ``ad``.
        class_names: names of the label indices.
        min_snr_db: threshold of the high-SNR accuracy, dB.
        batch_size: captures per forward.
        seed: seed of the windows sampled for the embedding map.
        max_embedding_windows: at most this many windows' embeddings are kept.
        precision: what the model computes in; :func:`~spectrumfm_hf.performance.choose_precision`
            for the model's device when None. Figures compare across runs only in one precision.
    """
    if task not in (*CLASSIFICATION_TASKS, "ad"):
        raise EvaluationError(f"task must be one of {(*CLASSIFICATION_TASKS, 'ad')}, got {task!r}")
    is_anomaly = task == "ad"
    _check_columns(test, ("iq", "label", "snr_db", *(("interference", "isr_db") if is_anomaly else ())))
    test = test.with_format("numpy")
    windows_per_row = int(IQFeatureTransform(feature_extractor).windows(test[:1]["iq"])[2][0])
    chosen_rows = _embedding_rows(len(test), windows_per_row, seed, max_embedding_windows)
    if precision is None:
        precision = choose_precision(device=next(model.parameters()).device.type)
    scores, rows, embeddings, embedding_rows = _window_outputs(model, test, feature_extractor, chosen_rows, batch_size,
                                                               precision)
    labels = np.asarray(test["label"]).astype(np.int64)
    window_labels = labels[rows]
    evaluation = ModelEvaluation(metrics={"windows": int(rows.size), "captures": len(test)}, class_names=list(class_names),
                                 embeddings=embeddings, embedding_labels=labels[embedding_rows])
    if is_anomaly:
        _anomaly_metrics(evaluation, scores, window_labels, test, rows)
        evaluation.embedding_labels = (evaluation.embedding_labels > 0).astype(np.int64)
        return evaluation
    predictions = scores.argmax(axis=-1)
    snr_db = np.asarray(test["snr_db"], dtype=np.float64)[rows]
    metrics = evaluation.metrics
    metrics.update(load_metric("accuracy").compute(predictions=predictions, references=window_labels))
    metrics.update(load_metric("weighted_precision_recall_f1").compute(predictions=predictions, references=window_labels))
    curve = load_metric("accuracy_per_snr").compute(predictions=predictions, references=window_labels, snr_db=snr_db,
                                                    min_snr_db=min_snr_db)
    metrics["accuracy_per_snr"] = {f"{snr:g}": accuracy for snr, accuracy in zip(curve["snr_db"], curve["accuracy"])}
    metrics[f"accuracy_snr_ge_{min_snr_db:g}db"] = curve["accuracy_at_or_above"]
    confusion = load_metric("confusion_matrix").compute(predictions=predictions, references=window_labels,
                                                         labels=list(range(len(class_names))))["confusion_matrix"]
    metrics["confusion_matrix"] = confusion
    evaluation.snr_db, evaluation.accuracy_per_snr = np.asarray(curve["snr_db"]), np.asarray(curve["accuracy"])
    evaluation.confusion = np.asarray(confusion)
    if task == "ss":
        # Softmax probability of "occupied" (label 1) is the detector's score.
        occupied = torch.softmax(torch.from_numpy(scores), dim=-1)[:, 1].numpy()
        if np.unique(window_labels).size == 2:
            metrics.update(load_metric("roc_auc", "binary").compute(prediction_scores=occupied, references=window_labels))
            evaluation.roc_curves["SpectrumFM"] = (window_labels, occupied)
    return evaluation


def _anomaly_metrics(evaluation: ModelEvaluation, scores: np.ndarray, window_labels: np.ndarray, test, rows) -> None:
    anomalous = (window_labels > 0).astype(np.int64)
    interference = np.asarray(test["interference"], dtype=object)[rows]
    isr_db = np.asarray(test["isr_db"], dtype=np.float64)[rows]
    if np.unique(anomalous).size != 2:
        raise EvaluationError("anomaly detection needs normal (label 0) and anomalous test windows; the split holds one kind")
    evaluation.metrics.update(load_metric("anomaly_auc").compute(anomaly_scores=scores, references=anomalous,
                                                                 interference=interference, isr_db=isr_db))
    normal = anomalous == 0
    for kind in sorted(set(interference[~normal])):
        for isr in np.unique(isr_db[(interference == kind) & ~normal]):
            chosen = normal | ((interference == kind) & (isr_db == isr))
            evaluation.roc_curves[(str(kind), f"ISR {isr:g} dB")] = (anomalous[chosen], scores[chosen])
    evaluation.class_names = ["normal", "anomalous"]
    evaluation.window_scores, evaluation.window_anomalous = scores, anomalous


def write_evaluation_figures(evaluations: Mapping[str, ModelEvaluation], task: str, output_dir: str | os.PathLike[str],
                             log_histories: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
                             seed: int = 0) -> dict[str, str]:
    """Draw the figures of one or several evaluations on the same test split into ``output_dir``.

    ``accuracy_vs_snr.png`` (one line per model), and per model ``confusion_matrix[_<name>].png``,
    ``roc[_<name>].png`` (``ss``; ``ad`` per interference type and ISR), ``tsne[_<name>].png`` and,
    when its log history is given, ``loss_curves[_<name>].png``. The suffix is left out when one
    model is evaluated. Returns figure name -> file path.

    Args:
        evaluations: model name -> its :func:`evaluate_model` result.
        task: the task evaluated (titles and which figures apply).
        output_dir: the folder to write the PNGs into.
        log_histories: model name -> a ``Trainer``'s ``state.log_history``.
        seed: seed of the t-SNE map.
    """
    from ..plots import plot_accuracy_vs_snr, plot_confusion_matrix, plot_loss_curves, plot_roc_curves, plot_tsne

    output_dir = Path(output_dir)
    title = TASK_TITLES.get(task, task)
    figures: dict[str, str] = {}
    if task != "ad":
        class_count = len(next(iter(evaluations.values())).class_names)
        figures["accuracy_vs_snr"] = str(plot_accuracy_vs_snr(
            {name: (evaluation.snr_db, evaluation.accuracy_per_snr) for name, evaluation in evaluations.items()},
            output_dir / "accuracy_vs_snr.png", title=f"Test accuracy vs SNR ({title})", chance_accuracy=1 / class_count))
    for name, evaluation in evaluations.items():
        suffix = "" if len(evaluations) == 1 else f"_{name}"
        if evaluation.confusion is not None:
            figures[f"confusion_matrix{suffix}"] = str(plot_confusion_matrix(
                evaluation.confusion, evaluation.class_names, output_dir / f"confusion_matrix{suffix}.png",
                title=f"{name}: confusion matrix ({title})\nall test SNRs, normalised per true class"))
        if evaluation.roc_curves:
            figures[f"roc{suffix}"] = str(plot_roc_curves(
                evaluation.roc_curves, output_dir / f"roc{suffix}.png",
                title=f"{name}: ROC, {'per interference type and ISR' if task == 'ad' else title}"))
        if evaluation.embeddings is not None and len(evaluation.embeddings) >= 4:
            figures[f"tsne{suffix}"] = str(plot_tsne(
                evaluation.embeddings, evaluation.embedding_labels, evaluation.class_names,
                output_dir / f"tsne{suffix}.png", title=f"{name}: t-SNE of encoder embeddings", seed=seed))
        history = (log_histories or {}).get(name)
        if history and any("loss" in entry or "eval_loss" in entry for entry in history):
            figures[f"loss_curves{suffix}"] = str(plot_loss_curves(
                history, output_dir / f"loss_curves{suffix}.png", title=f"{name}: training and validation loss",
                loss_name="MSE" if task == "ad" else "cross-entropy"))
    return figures


def headline_metric(evaluation: ModelEvaluation, task: str, min_snr_db: float = 10.0) -> tuple[str, str, float, str | None]:
    """The one figure a card or a summary leads with: (evaluate metric id, name, value, condition)."""
    if task == "ad":
        return "roc_auc", "Test AUC (anomalous vs normal windows)", float(evaluation.metrics["auc"]), None
    key = f"accuracy_snr_ge_{min_snr_db:g}db"
    return "accuracy", "Test accuracy", float(evaluation.metrics[key]), f"snr_db >= {min_snr_db:g}"


TASK_NAMES = {
    "amc": "Automatic modulation classification",
    "amc24": "Automatic modulation classification",
    "wtc": "Wireless technology classification",
    "ss": "Spectrum sensing",
    "ad": "Anomaly detection",
}


def run_metrics_record(evaluation: ModelEvaluation, task: str, dataset: Mapping[str, str], seed: int,
                       training: Mapping[str, Any], min_snr_db: float = 10.0,
                       precision: PrecisionChoice | None = None) -> dict[str, Any]:
    """A ``run_metrics.json`` record (schema of :mod:`spectrumfm_hf.hub`) of an evaluation on a test split.

    Args:
        evaluation: the :func:`evaluate_model` result.
        task: the task evaluated.
        dataset: ``name``, ``type``, ``split`` and optionally ``config`` of the evaluated data.
        seed: the run's seed.
        training: how the model was trained (``command``, ``data``, ``steps``, ``wall_time_s``,
            ``hardware``, ``precision``, ``final_losses``).
        min_snr_db: threshold of the high-SNR accuracy, dB.
        precision: the precision the evaluation computed in, recorded as ``evaluation_precision``
            (the schema ignores extra keys); left out when None.
    """
    metric_type, name, value, condition = headline_metric(evaluation, task, min_snr_db)
    metrics = [{"type": metric_type, "name": name, "value": value, **({"config": condition} if condition else {})}]
    if task != "ad":
        metrics += [{"type": "accuracy", "name": "Test accuracy (all SNRs)", "value": float(evaluation.metrics["accuracy"])},
                    {"type": "f1", "name": "Weighted F1 (all SNRs)", "value": float(evaluation.metrics["f1"])}]
        if "roc_auc" in evaluation.metrics:
            metrics.append({"type": "roc_auc", "name": "ROC AUC (occupied vs vacant)",
                            "value": float(evaluation.metrics["roc_auc"])})
    else:
        # The paper's Fig. 11 breakdown: each interference type against the normal windows, per ISR.
        for interference, by_isr in evaluation.metrics["auc_per_interference_isr"].items():
            for isr_db, value in sorted(by_isr.items(), key=lambda item: float(item[0])):
                metrics.append({"type": "roc_auc", "name": f"Test AUC, {interference} vs normal",
                                "value": float(value), "config": f"isr_db = {float(isr_db):g}"})
    return {
        "schema_version": 1,
        "task": {"type": "iq-anomaly-detection" if task == "ad" else "iq-classification", "name": TASK_NAMES[task]},
        "dataset": dict(dataset),
        "metrics": metrics,
        "seed": int(seed),
        "training": dict(training),
        **({"evaluation_precision": precision.as_dict()} if precision is not None else {}),
    }


@dataclass
class SavedRun:
    """A saved model or adapter with what its training run left beside it.

    Attributes:
        name: a short name for legends (the run folder's name).
        artefact: the model or adapter folder.
        model: the task model (an adapter merged into its base), in eval mode.
        feature_extractor: the run's feature extractor (its base's, or the default for its window length).
        log_history: the ``Trainer`` log of the run, when ``trainer_state.json`` is beside it.
        summary: ``finetuning_summary.json`` of the run, when present.
    """

    name: str
    artefact: Path
    model: Any
    feature_extractor: Any
    log_history: list | None
    summary: dict | None


def artefact_folder(path: str | os.PathLike[str]) -> Path:
    """The model or adapter folder at ``path``; a fine-tuning run's folder stands for the adapter it holds."""
    path = Path(path)
    if not path.is_dir():
        raise FileNotFoundError(f"{os.fspath(path)!r}: no such folder; expected a saved model or adapter")
    for folder in (path, path / "adapter"):
        if (folder / "adapter_config.json").is_file() or (folder / "config.json").is_file():
            return folder
    raise EvaluationError(
        f"{os.fspath(path)!r} holds neither a model (config.json) nor an adapter (adapter_config.json); "
        "expected the folder `spectrumfm finetune` wrote or its adapter/ folder"
    )


def _beside(artefact: Path, name: str) -> Path | None:
    """``name`` in the artefact folder or, for an adapter inside a run folder, in the run folder."""
    for folder in (artefact, artefact.parent):
        if (folder / name).is_file():
            return folder / name
    return None


def run_summary(artefact: str | os.PathLike[str]) -> dict | None:
    """``finetuning_summary.json`` of the run that saved ``artefact`` (a model or adapter folder), or None."""
    import json

    path = _beside(Path(artefact), "finetuning_summary.json")
    return json.loads(path.read_text()) if path is not None else None


def load_saved_run(path: str | os.PathLike[str], task: str) -> SavedRun:
    """Load the model or adapter at ``path`` for ``task``, with its feature extractor and training log."""
    import json

    from ..feature_extraction_spectrumfm import SpectrumFMFeatureExtractor
    from ..pipelines import ANOMALY_DETECTION_TASK, CLASSIFICATION_TASK, adapter_base_path, load_task_model

    artefact = artefact_folder(path)
    model = load_task_model(artefact, ANOMALY_DETECTION_TASK if task == "ad" else CLASSIFICATION_TASK)
    preprocessor = _beside(artefact, "preprocessor_config.json")
    if preprocessor is None and (artefact / "adapter_config.json").is_file():
        base = Path(adapter_base_path(artefact)) / "preprocessor_config.json"
        preprocessor = base if base.is_file() else None
    extractor = (SpectrumFMFeatureExtractor.from_pretrained(preprocessor.parent) if preprocessor is not None
                 else SpectrumFMFeatureExtractor(window_length=model.config.max_position_embeddings))
    state = _beside(artefact, "trainer_state.json")
    run_folder = artefact.parent if artefact.name == "adapter" else artefact
    return SavedRun(
        name=run_folder.resolve().name, artefact=artefact, model=model, feature_extractor=extractor,
        log_history=json.loads(state.read_text())["log_history"] if state is not None else None,
        summary=run_summary(artefact),
    )


def evaluate_saved_runs(runs: Sequence[SavedRun], task: str, test, class_names: Sequence[str],
                        output_dir: str | os.PathLike[str], data: Mapping[str, str], min_snr_db: float = 10.0,
                        seed: int = 0, precision: PrecisionChoice | None = None) -> dict[str, Any]:
    """Evaluate saved runs on one test split; write figures, ``evaluation.json`` and ``run_metrics*.json``.

    A run whose folder holds its training record (``finetuning_summary.json``) gets a
    ``run_metrics.json`` (``run_metrics_<name>.json`` when several runs are evaluated) in the
    schema ``spectrumfm push`` builds cards from. Both files record the precision the models
    computed in, on its device; in the precision a fine-tuning run chose, the figures are that
    run's own. Returns the ``evaluation.json`` record.

    Args:
        runs: from :func:`load_saved_run`, names unique.
        task: the task evaluated.
        test: the test split.
        class_names: names of the label indices.
        output_dir: the folder to write into.
        data: the ``dataset`` section of the records (name, type, split, config) and how the split was made.
        min_snr_db: threshold of the high-SNR accuracy, dB.
        seed: seed of the embedding subsample and t-SNE.
        precision: what the models compute in, and on which device;
            :func:`~spectrumfm_hf.performance.choose_precision` when None.
    """
    import json

    output_dir = Path(output_dir)
    if len({run.name for run in runs}) != len(runs):
        raise EvaluationError(f"runs must have unique names, got {[run.name for run in runs]}")
    precision = choose_precision() if precision is None else precision
    evaluations = {run.name: evaluate_model(run.model.to(precision.device), run.feature_extractor, test, task,
                                            class_names, min_snr_db=min_snr_db, seed=seed, precision=precision)
                   for run in runs}
    figures = write_evaluation_figures(evaluations, task, output_dir,
                                       log_histories={run.name: run.log_history for run in runs if run.log_history},
                                       seed=seed)
    dataset = {key: data[key] for key in ("name", "type", "split", "config") if key in data}
    run_metrics = {}
    for run in runs:
        training = (run.summary or {}).get("training_record")
        if training is None:
            continue
        file_name = "run_metrics.json" if len(runs) == 1 else f"run_metrics_{run.name}.json"
        record = run_metrics_record(evaluations[run.name], task, dataset, int(run.summary.get("data_seed", seed)),
                                    training, min_snr_db, precision=precision)
        (output_dir / file_name).write_text(json.dumps(record, indent=2) + "\n")
        run_metrics[run.name] = file_name
    record = {
        "task": task, "split": "test", "data": dict(data), "precision": precision.as_dict(),
        "models": {run.name: {"artefact": str(run.artefact), **evaluations[run.name].metrics} for run in runs},
        "figures": {name: Path(path).name for name, path in figures.items()},
        "run_metrics": run_metrics,
    }
    (output_dir / "evaluation.json").write_text(json.dumps(record, indent=2, default=float) + "\n")
    return record
