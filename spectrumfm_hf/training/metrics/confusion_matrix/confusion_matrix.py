"""Confusion matrix: counts of each (true class, predicted class) pair."""

import datasets
import evaluate
from sklearn.metrics import confusion_matrix

_DESCRIPTION = (
    "Row i, column j counts the examples of true class i predicted as class j (scikit-learn's "
    "confusion_matrix); normalize='true' divides each row by its total."
)
_KWARGS_DESCRIPTION = """
Args:
    predictions (list of int): predicted class indices.
    references (list of int): true class indices.
    labels (list of int, optional): class order of rows and columns; the classes present when None.
    normalize (str, optional): None, 'true', 'pred' or 'all'.
Returns:
    confusion_matrix (list of list): C x C.
"""


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS_DESCRIPTION)
class ConfusionMatrix(evaluate.Metric):
    def _info(self):
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation="",
            inputs_description=_KWARGS_DESCRIPTION,
            features=datasets.Features({"predictions": datasets.Value("int32"), "references": datasets.Value("int32")}),
            reference_urls=["https://scikit-learn.org/stable/modules/generated/sklearn.metrics.confusion_matrix.html"],
        )

    def _compute(self, predictions, references, labels=None, normalize=None):
        matrix = confusion_matrix(references, predictions, labels=labels, normalize=normalize)
        return {"confusion_matrix": matrix.tolist()}
