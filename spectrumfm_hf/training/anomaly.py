"""Anomaly detection: scores of a data set, and the threshold for a chosen false-alarm rate."""

from __future__ import annotations

import numpy as np
import torch

from .data import IQFeatureTransform


@torch.no_grad()
def anomaly_scores(model, dataset, feature_extractor, batch_size: int = 256) -> tuple[np.ndarray, np.ndarray]:
    """Anomaly score (per-window reconstruction MSE, eq. 29) of every window of ``dataset``.

    Args:
        model: a ``SpectrumFMForAnomalyDetection`` (or a ``PeftModel`` around it).
        dataset: a ``Dataset`` with an ``iq`` column (numpy format reads fastest).
        feature_extractor: a ``SpectrumFMFeatureExtractor``.
        batch_size: rows per forward.

    Returns:
        (scores (W,), rows (W,)): each window's score and the row it came from, so that row
        columns (``interference``, ``isr_db``, labels) follow the windows by ``column[rows]``.
    """
    transform = IQFeatureTransform(feature_extractor)
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    scores, rows = [], []
    for start in range(0, len(dataset), batch_size):
        # A slice reads the rows' IQ as one array, much faster than row by row.
        captures = dataset[start : start + batch_size][transform.iq_column]
        input_values, attention_mask, counts = transform.windows(captures)
        output = model(
            input_values=torch.from_numpy(input_values).to(device),
            attention_mask=torch.from_numpy(attention_mask.astype(np.int64)).to(device),
        )
        scores.append(output.anomaly_score.float().cpu().numpy())
        rows.append(np.repeat(np.arange(start, start + len(counts)), counts))
    model.train(was_training)
    return np.concatenate(scores), np.concatenate(rows)


def calibrate_anomaly_threshold(model, held_out_normal, feature_extractor, false_alarm_rate: float = 0.01,
                                batch_size: int = 256) -> float:
    """Score held-out *normal* rows and store the threshold for ``false_alarm_rate`` in the model's config.

    Args:
        model: the trained anomaly-detection model (or its ``PeftModel``).
        held_out_normal: normal rows not used for training.
        feature_extractor: a ``SpectrumFMFeatureExtractor``.
        false_alarm_rate: wanted share of normal windows flagged, in (0, 1).
        batch_size: rows per forward.
    """
    scores, _ = anomaly_scores(model, held_out_normal, feature_extractor, batch_size)
    return model.calibrate_threshold(scores, false_alarm_rate)
