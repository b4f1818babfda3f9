"""Live streams: blocks of windows cut exactly as the whole capture is, in bounded memory."""

import numpy as np
import pytest
import torch
from transformers import pipeline

from spectrumfm_hf import SpectrumFMFeatureExtractor, SpectrumFMForSequenceClassification
from spectrumfm_hf.pipelines import CLASSIFICATION_TASK, SampleBlockBuffer, predict_stream

from .conftest import tiny_config

WINDOW = 32


def _capture(num_samples: int) -> np.ndarray:
    rng = np.random.default_rng(3)
    return (rng.normal(size=num_samples) + 1j * rng.normal(size=num_samples)).astype(np.complex64)


def _reader(samples: np.ndarray, most_per_read: int = 7):
    """Hands out samples a few at a time, as a pipe does."""
    position = 0

    def read(most: int) -> np.ndarray:
        nonlocal position
        chunk = samples[position : position + min(most, most_per_read)]
        position += chunk.shape[0]
        return chunk

    return read


@pytest.fixture(scope="module")
def model():
    torch.manual_seed(0)
    return SpectrumFMForSequenceClassification(tiny_config()).eval()


@pytest.mark.parametrize("hop_length", [WINDOW, 24, 40])
@pytest.mark.parametrize("num_samples", [10, 5 * WINDOW, 7 * WINDOW + 13])
def test_stream_windows_and_labels_match_the_whole_capture(model, hop_length, num_samples):
    extractor = SpectrumFMFeatureExtractor(window_length=WINDOW, hop_length=hop_length)
    classify = pipeline(CLASSIFICATION_TASK, model=model, feature_extractor=extractor)
    iq = _capture(num_samples)
    whole = classify(iq)["windows"]
    streamed = [
        window
        for block in predict_stream(classify, _reader(iq), block_windows=2)
        for window in block["windows"]
    ]
    assert [w["start_sample"] for w in streamed] == [w["start_sample"] for w in whole]
    assert [w["label"] for w in streamed] == [w["label"] for w in whole]
    assert [w["score"] for w in streamed] == pytest.approx([w["score"] for w in whole], abs=1e-5)


def test_blocks_are_numbered_and_hold_block_windows_each(model):
    classify = pipeline(
        CLASSIFICATION_TASK, model=model, feature_extractor=SpectrumFMFeatureExtractor(window_length=WINDOW)
    )
    blocks = list(predict_stream(classify, _reader(_capture(7 * WINDOW)), block_windows=3, sample_rate=1e3))
    assert [(b["block"], b["first_sample"], len(b["windows"])) for b in blocks] == [
        (0, 0, 3),
        (1, 96, 3),
        (2, 192, 1),
    ]
    assert blocks[1]["windows"][0]["start_time_s"] == pytest.approx(96 / 1e3)


def test_buffer_never_asks_for_more_than_one_block_plus_one_window():
    buffer = SampleBlockBuffer(window_length=WINDOW, hop_length=24, block_windows=4)
    asked = []
    stream = _capture(1000)
    position = 0
    while position < stream.shape[0]:
        asked.append(buffer.wanted)
        chunk = stream[position : position + buffer.wanted]
        position += chunk.shape[0]
        for _ in buffer.push(chunk):
            pass
    assert max(asked) <= 4 * 24 + WINDOW
    assert buffer.block_samples == 3 * 24 + WINDOW


def test_empty_stream_gives_no_block():
    buffer = SampleBlockBuffer(window_length=WINDOW, hop_length=WINDOW, block_windows=2)
    assert list(buffer.push(np.zeros(0, np.complex64))) == [] and buffer.remainder() is None


def test_buffer_refuses_a_zero_block():
    with pytest.raises(ValueError, match="block_windows must be a positive integer, got 0"):
        SampleBlockBuffer(window_length=WINDOW, hop_length=WINDOW, block_windows=0)
