"""What a cell reports about a classifier or a detector, on hand-made predictions."""

import numpy as np
import pytest

from spectrumfm_hf.benchmarks.runners import classification_report, detection_report

SNR_DB = np.array([-4.0, -4.0, 0.0, 0.0, 4.0, 4.0, 10.0, 10.0])
REFERENCES = np.array([0, 1, 2, 0, 1, 2, 0, 1])
PREDICTIONS = np.array([0, 2, 2, 0, 1, 1, 0, 1])


def test_classification_report_scores_accuracy_and_weighted_f1():
    report = classification_report(np.eye(3)[PREDICTIONS], REFERENCES, SNR_DB, 3)
    assert report["accuracy"] == pytest.approx(6 / 8)
    # Per class (support 3, 3, 2): precision 1, 2/3, 1/2; recall 1, 2/3, 1/2; F1 1, 2/3, 1/2.
    # Weighted by support each is 6/8; the unweighted (macro) F1 would be 13/18.
    assert report["precision"] == pytest.approx((3 * 1 + 3 * 2 / 3 + 2 * 1 / 2) / 8)
    assert report["recall"] == pytest.approx(6 / 8)
    assert report["f1"] == pytest.approx((3 * 1 + 3 * 2 / 3 + 2 * 1 / 2) / 8)
    assert report["f1"] != pytest.approx(13 / 18)


def test_classification_report_gives_accuracy_at_each_snr():
    curve = classification_report(np.eye(3)[PREDICTIONS], REFERENCES, SNR_DB, 3)["accuracy_per_snr"]
    assert curve["snr_db"] == [-4.0, 0.0, 4.0, 10.0]
    assert curve["accuracy"] == [0.5, 1.0, 0.5, 1.0] and curve["count"] == [2, 2, 2, 2]


def test_classification_report_counts_confusions_at_minus_four_zero_and_four_db_over_every_class():
    confusion = classification_report(np.eye(3)[PREDICTIONS], REFERENCES, SNR_DB, 3)["confusion_at_snr"]
    assert set(confusion) == {"-4", "0", "4"}
    # Rows are true classes, columns predictions; a class absent at an SNR keeps its row of zeros.
    assert confusion["-4"] == [[1, 0, 0], [0, 0, 1], [0, 0, 0]]
    assert confusion["0"] == [[1, 0, 0], [0, 0, 0], [0, 0, 1]]
    assert confusion["4"] == [[0, 0, 0], [0, 1, 0], [0, 1, 0]]


def test_detection_report_keeps_the_roc_scores_at_minus_four_db_and_their_auc():
    scores = np.array([0.1, 0.9, 0.2, 0.3, 0.4, 0.6, 0.5, 0.7])
    references = np.array([0, 1, 0, 1, 0, 1, 0, 1])
    report = detection_report(scores, scores > 0.5, references, SNR_DB)
    assert report["roc_at_snr"] == {"snr_db": -4.0, "references": [0, 1], "scores": [0.1, 0.9]}
    assert report["auc_at_roc_snr"] == 1.0
    assert report["accuracy"] == pytest.approx(7 / 8)
