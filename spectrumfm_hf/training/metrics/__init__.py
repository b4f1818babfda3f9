"""The paper's metrics as local ``evaluate`` modules, loadable without network access.

``evaluate.load("accuracy")`` fetches its script from the Hub at run time; these modules ship
inside the package and load with ``evaluate.load(metric_path(name))``. Each is backed by
scikit-learn.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import evaluate
import numpy as np

METRICS_DIR = Path(__file__).resolve().parent

METRIC_NAMES = (
    "accuracy",
    "weighted_precision_recall_f1",
    "roc_auc",
    "accuracy_per_snr",
    "confusion_matrix",
    "anomaly_auc",
)


class MetricNameError(ValueError):
    """A metric name that is not one of the shipped modules."""


def metric_path(name: str) -> str:
    """Folder of the shipped metric ``name``, for ``evaluate.load``.

    Args:
        name: one of :data:`METRIC_NAMES`.
    """
    if name not in METRIC_NAMES:
        raise MetricNameError(f"name must be one of {METRIC_NAMES}, got {name!r}")
    return str(METRICS_DIR / name)


def load_metric(name: str, config_name: str | None = None) -> evaluate.EvaluationModule:
    """``evaluate.load`` of the shipped metric ``name`` (no network access).

    Args:
        name: one of :data:`METRIC_NAMES`.
        config_name: e.g. ``"binary"`` or ``"multiclass"`` for ``roc_auc``.
    """
    return evaluate.load(metric_path(name), config_name)


def classification_compute_metrics(
    snr_db: np.ndarray | None = None, min_snr_db: float = 10.0
) -> Callable[[object], dict[str, float]]:
    """A ``compute_metrics`` for ``Trainer``: accuracy and weighted precision, recall and F1.

    With ``snr_db`` (one SNR per evaluated window, in evaluation order) it adds
    ``accuracy_snr_<snr>db`` for each SNR and ``accuracy_snr_ge_<min_snr_db>db``.

    Args:
        snr_db: SNR of each evaluation example in dB, or None.
        min_snr_db: threshold of the high-SNR accuracy, dB.
    """
    accuracy = load_metric("accuracy")
    weighted = load_metric("weighted_precision_recall_f1")
    per_snr = load_metric("accuracy_per_snr") if snr_db is not None else None

    def compute_metrics(eval_prediction) -> dict[str, float]:
        logits = eval_prediction.predictions[0] if isinstance(eval_prediction.predictions, tuple) else eval_prediction.predictions
        predictions = np.asarray(logits).argmax(axis=-1)
        references = np.asarray(eval_prediction.label_ids)
        metrics = {**accuracy.compute(predictions=predictions, references=references),
                   **weighted.compute(predictions=predictions, references=references)}
        if per_snr is not None:
            if len(snr_db) != len(references):
                raise MetricNameError(
                    f"snr_db holds {len(snr_db)} values but {len(references)} examples were evaluated; "
                    "give one SNR per evaluated window"
                )
            curve = per_snr.compute(predictions=predictions, references=references, snr_db=snr_db, min_snr_db=min_snr_db)
            metrics.update({f"accuracy_snr_{snr:g}db": value for snr, value in zip(curve["snr_db"], curve["accuracy"])})
            metrics[f"accuracy_snr_ge_{min_snr_db:g}db"] = curve["accuracy_at_or_above"]
        return metrics

    return compute_metrics
