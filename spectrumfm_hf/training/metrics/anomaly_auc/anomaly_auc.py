"""Anomaly-detection ROC AUC overall, per interference type and per interference-to-signal ratio."""

import datasets
import evaluate
import numpy as np
from sklearn.metrics import roc_auc_score

_DESCRIPTION = (
    "ROC AUC of anomaly scores (higher = more anomalous) for telling anomalous examples (reference 1) "
    "from normal ones (reference 0): over all examples, then for each interference type (all normal "
    "examples against that type's anomalies) and for each type and ISR in dB (all normal examples "
    "against that type's anomalies at that ISR)."
)
_KWARGS_DESCRIPTION = """
Args:
    anomaly_scores (list of float): the detector's scores.
    references (list of int): 1 anomalous, 0 normal.
    interference (list of str): interference type of each example (ignored for normal ones).
    isr_db (list of float): interference-to-signal ratio of each example, dB (ignored for normal ones).
Returns:
    auc (float), auc_per_interference (dict type -> float),
    auc_per_interference_isr (dict type -> dict ISR in dB -> float).
"""


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS_DESCRIPTION)
class AnomalyAuc(evaluate.Metric):
    def _info(self):
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation="",
            inputs_description=_KWARGS_DESCRIPTION,
            features=datasets.Features(
                {
                    "anomaly_scores": datasets.Value("float64"),
                    "references": datasets.Value("int32"),
                    "interference": datasets.Value("string"),
                    "isr_db": datasets.Value("float32"),
                }
            ),
        )

    def _compute(self, anomaly_scores, references, interference, isr_db):
        scores = np.asarray(anomaly_scores, dtype=np.float64)
        anomalous = np.asarray(references) == 1
        kinds = np.asarray(interference, dtype=object)
        isr_db = np.asarray(isr_db, dtype=np.float64)
        if anomalous.all() or not anomalous.any():
            raise ValueError("references must hold both normal (0) and anomalous (1) examples to compute an AUC")

        def auc_against_normal(selected):
            rows = ~anomalous | selected
            return float(roc_auc_score(anomalous[rows], scores[rows]))

        per_type, per_type_isr = {}, {}
        for kind in sorted(set(kinds[anomalous])):
            of_kind = anomalous & (kinds == kind)
            per_type[kind] = auc_against_normal(of_kind)
            per_type_isr[kind] = {
                float(isr): auc_against_normal(of_kind & (isr_db == isr)) for isr in np.unique(isr_db[of_kind])
            }
        return {
            "auc": float(roc_auc_score(anomalous, scores)),
            "auc_per_interference": per_type,
            "auc_per_interference_isr": per_type_isr,
        }
