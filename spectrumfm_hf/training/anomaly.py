"""Anomaly detection: scores of a data set, the normal-embedding statistics, and the threshold for a chosen false-alarm rate."""

from __future__ import annotations

import numpy as np
import torch

from .data import IQFeatureTransform


def anomaly_scores(model, dataset, feature_extractor, batch_size: int = 256) -> tuple[np.ndarray, np.ndarray]:
    """Anomaly score of every window of ``dataset``, as the model's ``config.anomaly_score`` says.

    Args:
        model: a ``SpectrumFMForAnomalyDetection`` (or a ``PeftModel`` around it).
        dataset: a ``Dataset`` with an ``iq`` column (numpy format reads fastest).
        feature_extractor: a ``SpectrumFMFeatureExtractor``.
        batch_size: rows per forward.

    Returns:
        (scores (W,), rows (W,)): each window's score and the row it came from, so that row
        columns (``interference``, ``isr_db``, labels) follow the windows by ``column[rows]``.
    """
    scores, rows = [], []
    for output, window_rows in _forward_windows(model, dataset, feature_extractor, batch_size):
        scores.append(output.anomaly_score.float().cpu().numpy())
        rows.append(window_rows)
    return np.concatenate(scores), np.concatenate(rows)


def fit_normal_statistics(model, normal, feature_extractor, batch_size: int = 256) -> int:
    """Fit the Mahalanobis score on *normal* rows and switch the model to it.

    Estimates the mean and covariance of the normal windows' pooled embeddings with
    Ledoit-Wolf shrinkage (well conditioned even with fewer windows than embedding
    dimensions), stores the mean and the inverse covariance in the model
    (``set_normal_statistics``) and sets ``config.anomaly_score = "mahalanobis"``. Fit on the
    training rows, then calibrate the threshold on held-out normal rows.

    Args:
        model: a trained ``SpectrumFMForAnomalyDetection`` (or a ``PeftModel`` around it).
        normal: normal rows (an ``iq`` column), usually the training split.
        feature_extractor: a ``SpectrumFMFeatureExtractor``.
        batch_size: rows per forward.

    Returns:
        The number of windows the statistics were fitted on.
    """
    from sklearn.covariance import LedoitWolf

    embeddings = np.concatenate(
        [output.pooled_embedding.double().cpu().numpy() for output, _ in _forward_windows(model, normal, feature_extractor, batch_size)]
    )
    if len(embeddings) < 2:
        raise ValueError(f"normal must hold at least 2 windows to estimate a covariance, got {len(embeddings)}")
    estimate = LedoitWolf().fit(embeddings)
    model.set_normal_statistics(estimate.location_, estimate.precision_, len(embeddings))
    return len(embeddings)


@torch.no_grad()
def _forward_windows(model, dataset, feature_extractor, batch_size: int):
    """Yield (model output, source row of each window) batch by batch, in eval mode."""
    transform = IQFeatureTransform(feature_extractor)
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    try:
        for start in range(0, len(dataset), batch_size):
            # A slice reads the rows' IQ as one array, much faster than row by row.
            captures = dataset[start : start + batch_size][transform.iq_column]
            input_values, attention_mask, counts = transform.windows(captures)
            output = model(
                input_values=torch.from_numpy(input_values).to(device),
                attention_mask=torch.from_numpy(attention_mask.astype(np.int64)).to(device),
            )
            yield output, np.repeat(np.arange(start, start + len(counts)), counts)
    finally:
        model.train(was_training)


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
