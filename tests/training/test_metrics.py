"""The shipped evaluate modules load from the package without network access and agree with scikit-learn."""

import numpy as np
import pytest
from sklearn.metrics import accuracy_score, confusion_matrix, precision_recall_fscore_support, roc_auc_score
from transformers import EvalPrediction

from spectrumfm_hf.training.metrics import MetricNameError, classification_compute_metrics, load_metric, metric_path

REFERENCES = [0, 0, 1, 1, 2, 2, 2, 1]
PREDICTIONS = [0, 1, 1, 1, 2, 0, 2, 2]
SNR_DB = [0.0, 10.0, 0.0, 10.0, 0.0, 10.0, 10.0, 0.0]


@pytest.fixture(autouse=True)
def _offline(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_EVALUATE_OFFLINE", "1")


def test_accuracy_equals_scikit_learn():
    result = load_metric("accuracy").compute(predictions=PREDICTIONS, references=REFERENCES)
    assert result == {"accuracy": pytest.approx(accuracy_score(REFERENCES, PREDICTIONS))}


def test_weighted_precision_recall_f1_equal_scikit_learn():
    result = load_metric("weighted_precision_recall_f1").compute(predictions=PREDICTIONS, references=REFERENCES)
    precision, recall, f1, _ = precision_recall_fscore_support(REFERENCES, PREDICTIONS, average="weighted")
    assert result == pytest.approx({"precision": precision, "recall": recall, "f1": f1})


def test_binary_roc_auc_equals_scikit_learn():
    scores, labels = [0.1, 0.4, 0.35, 0.8, 0.7], [0, 0, 1, 1, 0]
    result = load_metric("roc_auc", "binary").compute(prediction_scores=scores, references=labels)
    assert result["roc_auc"] == pytest.approx(roc_auc_score(labels, scores))


def test_multiclass_roc_auc_equals_weighted_one_vs_rest_scikit_learn():
    probabilities = np.random.default_rng(0).dirichlet(np.ones(3), size=len(REFERENCES))
    result = load_metric("roc_auc", "multiclass").compute(prediction_scores=probabilities, references=REFERENCES)
    expected = roc_auc_score(REFERENCES, probabilities, multi_class="ovr", average="weighted")
    assert result["roc_auc"] == pytest.approx(expected)


def test_accuracy_per_snr_is_the_accuracy_of_each_snr_group():
    result = load_metric("accuracy_per_snr").compute(
        predictions=PREDICTIONS, references=REFERENCES, snr_db=SNR_DB, min_snr_db=10
    )
    assert result["snr_db"] == [0.0, 10.0]
    assert result["count"] == [4, 4]
    assert result["accuracy"] == pytest.approx([0.75, 0.5])
    assert result["accuracy_at_or_above"] == pytest.approx(0.5)


def test_confusion_matrix_equals_scikit_learn():
    result = load_metric("confusion_matrix").compute(predictions=PREDICTIONS, references=REFERENCES)
    assert result["confusion_matrix"] == confusion_matrix(REFERENCES, PREDICTIONS).tolist()


def test_anomaly_auc_scores_each_interference_and_isr_against_all_normal_examples():
    scores = [0.1, 0.2, 0.3, 0.9, 0.25, 0.8, 0.15, 0.6]
    references = [0, 0, 0, 1, 1, 1, 1, 1]
    interference = ["normal", "normal", "normal", "single_tone", "single_tone", "multi_tone", "multi_tone", "multi_tone"]
    isr_db = [np.nan, np.nan, np.nan, 0.0, -10.0, 0.0, -10.0, 0.0]
    result = load_metric("anomaly_auc").compute(
        anomaly_scores=scores, references=references, interference=interference, isr_db=isr_db
    )
    assert result["auc"] == pytest.approx(roc_auc_score(references, scores))
    single = [0, 1, 2, 3, 4]
    assert result["auc_per_interference"]["single_tone"] == pytest.approx(
        roc_auc_score(np.take(references, single), np.take(scores, single))
    )
    multi_at_0db = [0, 1, 2, 5, 7]
    assert result["auc_per_interference_isr"]["multi_tone"][0.0] == pytest.approx(
        roc_auc_score(np.take(references, multi_at_0db), np.take(scores, multi_at_0db))
    )


def test_compute_metrics_reports_accuracy_f1_and_accuracy_per_snr_from_logits():
    logits = np.eye(3)[PREDICTIONS]
    metrics = classification_compute_metrics(np.array(SNR_DB))(EvalPrediction(logits, np.array(REFERENCES)))
    assert metrics["accuracy"] == pytest.approx(5 / 8)
    assert metrics["f1"] == pytest.approx(precision_recall_fscore_support(REFERENCES, PREDICTIONS, average="weighted")[2])
    assert metrics["accuracy_snr_0db"] == pytest.approx(0.75)
    assert metrics["accuracy_snr_ge_10db"] == pytest.approx(0.5)


def test_metric_path_rejects_an_unknown_name():
    with pytest.raises(MetricNameError, match="got 'bleu'"):
        metric_path("bleu")
