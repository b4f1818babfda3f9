"""LSTM spectrum-sensing detector: the stacked recurrent classifier of GRU2 with LSTM cells, two classes."""

from __future__ import annotations

from .gru2 import GRU2Config, GRU2ForSequenceClassification

SENSING_LABELS = {0: "vacant", 1: "occupied"}
"""Label names of spectrum sensing, in label order (as in the data package)."""


class LSTMDetectorConfig(GRU2Config):
    """Configuration of :class:`LSTMDetector`: two LSTM layers of 128 units (the RML LSTM
    classifier of Rajendran et al., IEEE TCCN 2018, on amplitude/phase inputs), 2 classes.

    Takes every :class:`GRU2Config` argument; ``rnn_type``, ``num_labels`` and
    ``input_representation`` default to ``"lstm"``, 2 (vacant, occupied) and ``"amplitude_phase"``.
    """

    model_type = "spectrumfm-baseline-lstm-detector"
    default_input_representation = "amplitude_phase"

    def __init__(self, rnn_type: str = "lstm", **kwargs):
        if "num_labels" not in kwargs and "id2label" not in kwargs:
            kwargs["id2label"] = dict(SENSING_LABELS)
        super().__init__(rnn_type=rnn_type, **kwargs)


class LSTMDetector(GRU2ForSequenceClassification):
    """Occupied / vacant classifier: LSTM over the window's samples, last output, Dense to 2 logits."""

    config_class = LSTMDetectorConfig
