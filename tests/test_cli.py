"""The ``spectrumfm`` command: the quick-start demo and data-set generation."""

import re

from datasets import load_from_disk

from spectrumfm_hf.cli import main


def test_demo_windows_a_generated_capture_and_reports_shapes_and_timing(capsys):
    assert main(["demo", "--capture-samples", "300", "--repeats", "1"]) == 0
    out = capsys.readouterr().out
    assert "capture: 300 complex samples of QPSK at 10 dB SNR" in out
    assert "input_values (3, 128, 2) in [0.00, 1.00]" in out
    assert "44 real symbols in the last window" in out
    assert "last_hidden_state (3, 128, 256), mean-pooled per window (3, 256)" in out
    timing = re.search(r'"fp32_windows_per_second": ([0-9.]+)', out)
    assert timing and float(timing.group(1)) > 0
    similarity = float(re.search(r'"bf16_fp32_cosine_similarity": ([0-9.]+)', out).group(1))
    assert similarity > 0.99


def test_generate_writes_a_split_data_set_with_its_card(tmp_path, capsys):
    output = tmp_path / "amc"
    assert main(["generate", "amc-rml2016.10a", "--num-examples", "440", "--output", str(output)]) == 0
    splits = load_from_disk(str(output))
    assert set(splits) == {"train", "validation", "test"}
    assert sum(len(split) for split in splits.values()) == 440
    assert splits["train"].features["label"].names[0] == "8PSK"
    card = (output / "README.md").read_text()
    assert "seed `0`" in card and "QPSK" in card
