"""Area under the ROC curve: binary detection scores, or one-vs-rest over class probabilities."""

import datasets
import evaluate
from sklearn.metrics import roc_auc_score

_DESCRIPTION = (
    "Area under the receiver operating characteristic curve (scikit-learn's roc_auc_score). Config "
    "'binary' takes one score per example (higher = positive, e.g. 'occupied' for spectrum sensing); "
    "'multiclass' takes a probability per class and averages one-vs-rest AUCs weighted by support."
)
_KWARGS_DESCRIPTION = """
Args:
    prediction_scores (list of float, or list of list of float for 'multiclass'): scores or class probabilities.
    references (list of int): true labels (0/1 for 'binary').
Returns:
    roc_auc (float): in [0, 1].
"""


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS_DESCRIPTION)
class RocAuc(evaluate.Metric):
    def _info(self):
        if self.config_name not in ("default", "binary", "multiclass"):
            raise ValueError(f"config_name must be 'binary' or 'multiclass', got {self.config_name!r}")
        score = datasets.Sequence(datasets.Value("float64")) if self.config_name == "multiclass" else datasets.Value("float64")
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation="",
            inputs_description=_KWARGS_DESCRIPTION,
            features=datasets.Features({"prediction_scores": score, "references": datasets.Value("int32")}),
            reference_urls=["https://scikit-learn.org/stable/modules/generated/sklearn.metrics.roc_auc_score.html"],
        )

    def _compute(self, prediction_scores, references):
        if self.config_name == "multiclass":
            value = roc_auc_score(references, prediction_scores, multi_class="ovr", average="weighted")
        else:
            value = roc_auc_score(references, prediction_scores)
        return {"roc_auc": float(value)}
