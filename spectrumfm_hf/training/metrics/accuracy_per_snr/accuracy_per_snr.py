"""Accuracy at each signal-to-noise ratio (the paper's accuracy-versus-SNR curves)."""

import datasets
import evaluate
import numpy as np

_DESCRIPTION = (
    "Accuracy computed separately over the examples of each SNR (dB), and over those at or above "
    "min_snr_db when it is given."
)
_KWARGS_DESCRIPTION = """
Args:
    predictions (list of int): predicted class indices.
    references (list of int): true class indices.
    snr_db (list of float): SNR of each example, dB.
    min_snr_db (float, optional): also report the accuracy over examples with snr_db >= min_snr_db.
Returns:
    snr_db (list of float): the SNRs present, ascending.
    accuracy (list of float): accuracy at each of them.
    count (list of int): examples at each of them.
    accuracy_at_or_above (float): when min_snr_db is given.
"""


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS_DESCRIPTION)
class AccuracyPerSnr(evaluate.Metric):
    def _info(self):
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation="",
            inputs_description=_KWARGS_DESCRIPTION,
            features=datasets.Features(
                {
                    "predictions": datasets.Value("int32"),
                    "references": datasets.Value("int32"),
                    "snr_db": datasets.Value("float32"),
                }
            ),
        )

    def _compute(self, predictions, references, snr_db, min_snr_db=None):
        correct = np.asarray(predictions) == np.asarray(references)
        snr_db = np.asarray(snr_db, dtype=np.float64)
        grid, group = np.unique(snr_db, return_inverse=True)
        counts = np.bincount(group, minlength=grid.size)
        hits = np.bincount(group, weights=correct, minlength=grid.size)
        result = {"snr_db": grid.tolist(), "accuracy": (hits / counts).tolist(), "count": counts.tolist()}
        if min_snr_db is not None:
            above = snr_db >= float(min_snr_db)
            result["accuracy_at_or_above"] = float(correct[above].mean()) if above.any() else float("nan")
        return result
