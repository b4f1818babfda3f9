"""Precision, recall and F1 averaged over classes weighted by their support (the paper's Tables II-III)."""

import datasets
import evaluate
from sklearn.metrics import precision_recall_fscore_support

_DESCRIPTION = (
    "Per-class precision, recall and F1, averaged with each class weighted by its number of true examples "
    "(scikit-learn's precision_recall_fscore_support with average='weighted'). A class never predicted "
    "counts as precision 0."
)
_KWARGS_DESCRIPTION = """
Args:
    predictions (list of int): predicted class indices.
    references (list of int): true class indices.
    labels (list of int, optional): the classes to average over; those present when None.
Returns:
    precision, recall, f1 (float): weighted averages in [0, 1].
"""


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS_DESCRIPTION)
class WeightedPrecisionRecallF1(evaluate.Metric):
    def _info(self):
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation="",
            inputs_description=_KWARGS_DESCRIPTION,
            features=datasets.Features({"predictions": datasets.Value("int32"), "references": datasets.Value("int32")}),
            reference_urls=[
                "https://scikit-learn.org/stable/modules/generated/sklearn.metrics.precision_recall_fscore_support.html"
            ],
        )

    def _compute(self, predictions, references, labels=None):
        precision, recall, f1, _ = precision_recall_fscore_support(
            references, predictions, labels=labels, average="weighted", zero_division=0
        )
        return {"precision": float(precision), "recall": float(recall), "f1": float(f1)}
