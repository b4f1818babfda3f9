"""``spectrumfm predict``: JSON lines per block from a file or a pipe, atomic output, one-line errors."""

import io
import json
import os
import sys
import threading
import time

import numpy as np
import pytest
import torch
from transformers import pipeline

from spectrumfm_hf import SpectrumFMFeatureExtractor, SpectrumFMForSequenceClassification
from spectrumfm_hf.cli import main
from spectrumfm_hf.commands.predict import RAW_FORMAT_NAMES
from spectrumfm_hf.performance import choose_precision
from spectrumfm_hf.pipelines import CLASSIFICATION_TASK, RAW_FORMATS

from .conftest import PRECISIONS_UNDER_TEST, tiny_config

WINDOW = 32


@pytest.fixture(scope="module")
def model_folder(tmp_path_factory):
    torch.manual_seed(0)
    folder = tmp_path_factory.mktemp("model")
    SpectrumFMForSequenceClassification(
        tiny_config(id2label={0: "bpsk", 1: "qpsk", 2: "noise"})
    ).save_pretrained(folder)
    SpectrumFMFeatureExtractor(window_length=WINDOW).save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def cu8_recording(tmp_path_factory):
    """A cu8 recording (as an RTL-SDR writes it) of 9 windows and a bit."""
    rng = np.random.default_rng(7)
    path = tmp_path_factory.mktemp("recording") / "capture.cu8"
    rng.integers(0, 256, size=2 * (9 * WINDOW + 11), dtype=np.uint8).tofile(path)
    return path


def _lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines()]


def _labels(lines: list[dict]) -> list[str]:
    return [window["label"] for line in lines for window in line["windows"]]


def test_predict_file_prints_one_json_line_per_block(model_folder, cu8_recording, capsys):
    status = main(
        [
            "predict",
            str(cu8_recording),
            "--model",
            str(model_folder),
            "--block-windows",
            "4",
            "--sample-rate",
            "1e6",
        ]
    )
    lines = _lines(capsys.readouterr().out)
    assert status == 0
    assert [(line["block"], line["first_sample"], len(line["windows"])) for line in lines] == [
        (0, 0, 4),
        (1, 128, 4),
        (2, 256, 2),
    ]
    assert lines[1]["windows"][0]["start_time_s"] == pytest.approx(128e-6)


def test_predict_file_labels_match_the_pipeline_on_the_whole_file(
    forced_precision, model_folder, cu8_recording, capsys
):
    assert main(["predict", str(cu8_recording), "--model", str(model_folder), "--block-windows", "3"]) == 0
    with choose_precision(device="cpu").autocast():
        whole = pipeline(CLASSIFICATION_TASK, model=str(model_folder))(str(cu8_recording))
    assert _labels(_lines(capsys.readouterr().out)) == [window["label"] for window in whole["windows"]]


def _window_scores(windows: list[dict]) -> np.ndarray:
    return np.array([window["score"] for window in windows])


@pytest.mark.parametrize("precision", PRECISIONS_UNDER_TEST)
def test_predict_computes_in_the_precision_it_is_given(precision, model_folder, cu8_recording, capsys):
    assert main(["predict", str(cu8_recording), "--model", str(model_folder), "--precision", precision]) == 0
    scores = _window_scores([window for line in _lines(capsys.readouterr().out) for window in line["windows"]])
    whole = {}
    for computed_in in ("fp32", "bf16"):
        with choose_precision(computed_in, device="cpu").autocast():
            windows = pipeline(CLASSIFICATION_TASK, model=str(model_folder))(str(cu8_recording))["windows"]
            whole[computed_in] = _window_scores(windows)
    other = {"fp32": "bf16", "bf16": "fp32"}[precision]
    # bf16 moves these near-uniform class probabilities by about 5e-5; one precision, by nothing.
    assert np.abs(scores - whole[precision]).max() < 1e-7
    assert np.abs(scores - whole[other]).max() > 1e-5


def test_predict_stdin_through_a_pipe_gives_the_labels_of_the_whole_file(
    forced_precision, model_folder, cu8_recording, capsys, monkeypatch
):
    read_end, write_end = os.pipe()
    data = cu8_recording.read_bytes()

    def sdr_receiver():
        # Odd-sized writes with pauses: samples arrive split across reads, as from a receiver.
        with os.fdopen(write_end, "wb", buffering=0) as pipe:
            for start in range(0, len(data), 77):
                pipe.write(data[start : start + 77])
                time.sleep(0.001)

    writer = threading.Thread(target=sdr_receiver)
    writer.start()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(os.fdopen(read_end, "rb")))
    status = main(["predict", "-", "--format", "cu8", "--model", str(model_folder), "--block-windows", "2"])
    writer.join()
    streamed = _lines(capsys.readouterr().out)
    assert status == 0
    with choose_precision(device="cpu").autocast():
        whole = pipeline(CLASSIFICATION_TASK, model=str(model_folder))(str(cu8_recording))
    assert _labels(streamed) == [window["label"] for window in whole["windows"]]
    streamed_scores = [window["score"] for line in streamed for window in line["windows"]]
    assert streamed_scores == pytest.approx([window["score"] for window in whole["windows"]], abs=1e-5)
    assert [line["first_sample"] for line in streamed] == [0, 64, 128, 192, 256]


def test_predict_output_folder_holds_the_lines_and_stdout_stays_empty(
    model_folder, cu8_recording, tmp_path, capsys
):
    output = tmp_path / "predictions"
    assert main(["predict", str(cu8_recording), "--model", str(model_folder), "--output", str(output)]) == 0
    captured = capsys.readouterr()
    assert captured.out == ""
    assert [line["block"] for line in _lines((output / "predictions.jsonl").read_text())] == [0]
    assert sorted(path.name for path in tmp_path.iterdir()) == ["predictions"]


def test_predict_on_a_sigmf_recording_uses_its_sample_rate(model_folder, tmp_path, capsys):
    from spectrumfm_hf.data.formats import write_sigmf

    iq = np.random.default_rng(0).normal(size=(3 * WINDOW, 2))
    meta = write_sigmf(tmp_path / "capture", [{"iq": iq, "label": 0}], ["bpsk"], sample_rate_hz=2e6)
    assert main(["predict", str(meta), "--model", str(model_folder)]) == 0
    (line,) = _lines(capsys.readouterr().out)
    assert line["sample_rate_hz"] == 2e6 and line["windows"][2]["start_time_s"] == pytest.approx(64 / 2e6)


def _one_line_error(capsys) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("spectrumfm predict: error: ")
    return err[0]


def test_missing_file_is_a_one_line_error(model_folder, tmp_path, capsys):
    assert main(["predict", str(tmp_path / "missing.cf32"), "--model", str(model_folder)]) == 1
    assert "missing.cf32: no such file" in _one_line_error(capsys)


def test_file_in_the_wrong_format_is_a_one_line_error(model_folder, tmp_path, capsys):
    path = tmp_path / "capture.cf32"
    path.write_bytes(b"\x01" * 13)
    assert main(["predict", str(path), "--model", str(model_folder)]) == 1
    assert "13 bytes is not a whole number of cf32 samples" in _one_line_error(capsys)


def test_file_of_unknown_format_is_a_one_line_error(model_folder, tmp_path, capsys):
    path = tmp_path / "capture.wav"
    path.write_bytes(b"RIFF0000")
    assert main(["predict", str(path), "--model", str(model_folder)]) == 1
    assert "cannot tell the sample format from the name" in _one_line_error(capsys)


@pytest.mark.parametrize(
    "arguments, expected",
    [
        (["--block-windows", "0"], "argument --block-windows: expected a positive integer, got '0'"),
        (["--sample-rate", "-1"], "argument --sample-rate: expected a positive sample rate in Hz, got '-1'"),
        (["--format", "wav"], "argument --format: invalid choice: 'wav'"),
    ],
)
def test_bad_argument_is_a_one_line_usage_error(model_folder, cu8_recording, capsys, arguments, expected):
    with pytest.raises(SystemExit) as exit_info:
        main(["predict", str(cu8_recording), "--model", str(model_folder), *arguments])
    assert exit_info.value.code == 2
    assert expected in _one_line_error(capsys)


def test_stdin_without_format_is_a_usage_error(model_folder, capsys):
    assert main(["predict", "-", "--model", str(model_folder)]) == 2
    assert "standard input (-) needs --format" in _one_line_error(capsys)


def test_model_that_is_not_a_folder_is_a_usage_error(cu8_recording, tmp_path, capsys):
    assert main(["predict", str(cu8_recording), "--model", str(tmp_path / "none")]) == 2
    assert "is not a folder" in _one_line_error(capsys)


def test_command_line_formats_are_the_pipelines_raw_formats():
    assert sorted(RAW_FORMAT_NAMES) == sorted(RAW_FORMATS)


def test_predict_with_an_anomaly_detector_lists_the_windows_over_the_threshold(
    cu8_recording, tmp_path, capsys
):
    from spectrumfm_hf import SpectrumFMForAnomalyDetection

    torch.manual_seed(0)
    SpectrumFMForAnomalyDetection(tiny_config()).save_pretrained(tmp_path / "detector")
    assert (
        main(["predict", str(cu8_recording), "--model", str(tmp_path / "detector"), "--threshold", "-1"]) == 0
    )
    (line,) = _lines(capsys.readouterr().out)
    assert line["threshold"] == -1 and line["is_anomaly"] is True
    assert [w["start_sample"] for w in line["anomalous_windows"]] == [i * WINDOW for i in range(10)]


def test_threshold_for_a_classifier_is_a_usage_error(model_folder, cu8_recording, capsys):
    assert main(["predict", str(cu8_recording), "--model", str(model_folder), "--threshold", "0.5"]) == 2
    assert "--threshold applies to anomaly detection only" in _one_line_error(capsys)


def test_existing_output_folder_is_refused_and_kept(model_folder, cu8_recording, tmp_path, capsys):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "keep.txt").write_text("earlier run")
    assert main(["predict", str(cu8_recording), "--model", str(model_folder), "--output", str(tmp_path / "out")]) == 2
    assert "exists" in _one_line_error(capsys)
    assert [path.name for path in (tmp_path / "out").iterdir()] == ["keep.txt"]
