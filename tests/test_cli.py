"""The ``spectrumfm`` command: its shape, the demo, data-set generation and its error reporting."""

import argparse
import json
import re

import pytest
from datasets import load_from_disk

import spectrumfm_hf

from spectrumfm_hf.cli import build_parser, main
from spectrumfm_hf.commands import COMMANDS
from spectrumfm_hf.commands.arguments import CommandParser


def subcommand_parsers() -> dict[str, argparse.ArgumentParser]:
    subparsers = next(action for action in build_parser()._actions if isinstance(action, argparse._SubParsersAction))
    return dict(subparsers.choices)


def test_every_registered_command_is_a_subcommand():
    assert sorted(subcommand_parsers()) == sorted(entry.split(":")[0] for entry in COMMANDS)


def test_every_option_of_every_subcommand_has_a_help_text():
    for name, parser in subcommand_parsers().items():
        for action in parser._actions:
            assert action.help, f"spectrumfm {name}: {action.dest} has no help text"


def test_no_subcommand_prints_help_and_exits_with_usage_status(capsys):
    assert main([]) == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: spectrumfm") and "generate" in err and "env" in err


def test_version_option_prints_the_package_version(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out == f"spectrumfm_hf {spectrumfm_hf.__version__}\n"


def test_demo_reports_shapes_the_precision_chosen_and_timing(capsys, monkeypatch, automatic_precision):
    from spectrumfm_hf import performance

    no_bf16 = performance.CPUFeatures(model_name="Test CPU", flags=frozenset({"avx2"}))
    monkeypatch.setattr(performance, "cpu_features", lambda: no_bf16)
    assert main(["demo", "--capture-samples", "300", "--repeats", "1"]) == 0
    out = capsys.readouterr().out
    assert "capture: 300 complex samples of QPSK at 10 dB SNR" in out
    assert "input_values (3, 128, 2) in [0.00, 1.00]" in out
    assert "44 real symbols in the last window" in out
    assert "last_hidden_state (3, 128, 256), mean-pooled per window (3, 256)" in out
    assert "precision: float32 (Test CPU has neither AMX nor AVX512-BF16" in out
    assert "bf16 autocast not timed" in out and "bf16_autocast_seconds" not in out
    timing = re.search(r'"fp32_windows_per_second": ([0-9.]+)', out)
    assert timing and float(timing.group(1)) > 0


def test_env_reports_versions_cpu_features_and_precision_as_json(capsys):
    assert main(["env", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["spectrumfm_hf version"] == spectrumfm_hf.__version__
    for library in ("torch", "transformers", "peft", "datasets", "accelerate"):
        assert re.match(r"\d+\.\d+", info[f"{library} version"])
    assert isinstance(info["AMX (amx_bf16)"], bool) and isinstance(info["AVX512-BF16 (avx512_bf16)"], bool)
    assert info["torch threads"] >= 1
    assert info["CPU precision"].split(" ")[0] in {"float32", "bfloat16"}


def test_generate_writes_a_split_data_set_with_its_card(tmp_path, capsys):
    output = tmp_path / "amc"
    assert main(["generate", "amc-rml2016.10a", "--num-examples", "440", "--output", str(output)]) == 0
    splits = load_from_disk(str(output))
    assert set(splits) == {"train", "validation", "test"}
    assert sum(len(split) for split in splits.values()) == 440
    assert splits["train"].features["label"].names[0] == "8PSK"
    card = (output / "README.md").read_text()
    assert "seed `0`" in card and "QPSK" in card
    assert sorted(path.name for path in tmp_path.iterdir()) == ["amc"]  # no staging or cache folder left


def test_generate_refuses_an_existing_output_folder_and_leaves_it_alone(tmp_path, capsys):
    output = tmp_path / "amc"
    output.mkdir()
    (output / "notes.txt").write_text("mine")
    assert main(["generate", "wtc", "--num-examples", "14", "--output", str(output)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "exists" in err and "--overwrite" in err
    assert [path.name for path in output.iterdir()] == ["notes.txt"]


def test_generate_overwrite_replaces_every_split_of_the_old_data_set(tmp_path, capsys):
    output = tmp_path / "sensing"
    common = ["generate", "spectrum-sensing", "--num-examples", "40", "--output", str(output)]
    assert main(common) == 0
    assert main([*common, "--overwrite", "--validation-size", "0", "--seed", "3"]) == 0
    assert set(load_from_disk(str(output))) == {"train", "test"}
    assert not (output / "validation").exists()
    assert "seed `3`" in (output / "README.md").read_text()


@pytest.mark.parametrize(
    "arguments, argument, expected",
    [
        (["generate", "wtc", "--output", "x", "--test-size", "1.5"], "--test-size", "a fraction in [0, 1), got '1.5'"),
        (["generate", "wtc", "--output", "x", "--num-examples", "0"], "--num-examples", "a positive integer, got '0'"),
        (["generate", "wtc", "--output", "x", "--seed", "-1"], "--seed", "a non-negative integer, got '-1'"),
        (["demo", "--repeats", "0"], "--repeats", "a positive integer, got '0'"),
        (["demo", "--threads", "two"], "--threads", "a positive integer, got 'two'"),
    ],
)
def test_invalid_argument_is_a_one_line_usage_error_naming_it(capsys, arguments, argument, expected):
    with pytest.raises(SystemExit) as exit_info:
        main(arguments)
    assert exit_info.value.code == 2
    assert capsys.readouterr().err == f"spectrumfm {arguments[0]}: error: argument {argument}: expected {expected}\n"


def test_every_subcommand_refuses_abbreviated_options():
    for name, parser in subcommand_parsers().items():
        assert isinstance(parser, CommandParser) and parser.allow_abbrev is False, f"spectrumfm {name} expands abbreviations"


@pytest.mark.parametrize(
    "arguments, expected",
    [
        (["demo", "--repeat", "2"], "--repeat: abbreviated options are not accepted; write --repeats in full"),
        (["generate", "wtc", "--output", "x", "--num", "5"],
         "--num: abbreviated options are not accepted; write --num-examples or --num-samples or --num-proc in full"),
        (["env", "--js"], "--js: abbreviated options are not accepted; write --json in full"),
    ],
)
def test_abbreviated_option_is_a_one_line_usage_error_naming_the_full_option(capsys, arguments, expected):
    with pytest.raises(SystemExit) as exit_info:
        main(arguments)
    assert exit_info.value.code == 2
    assert capsys.readouterr().err == f"spectrumfm {arguments[0]}: error: {expected}\n"


def test_unknown_generator_is_a_one_line_usage_error_listing_the_generators(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["generate", "no-such-task", "--output", "x"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "invalid choice: 'no-such-task'" in err and "amc-rml2016.10a" in err


def test_fractions_that_leave_no_training_examples_are_a_usage_error(tmp_path, capsys):
    arguments = ["generate", "wtc", "--output", str(tmp_path / "w"), "--test-size", "0.6", "--validation-size", "0.4"]
    assert main(arguments) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--test-size + --validation-size must leave examples for training" in err
    assert not (tmp_path / "w").exists()


def test_generator_that_rejects_its_options_is_a_usage_error(tmp_path, capsys, monkeypatch):
    def rejecting_generator(name, num_samples):
        raise ValueError(f"num_samples too small for {name}, got {num_samples}")

    monkeypatch.setattr("spectrumfm_hf.data.registry.make_generator", rejecting_generator)
    assert main(["generate", "wtc", "--num-samples", "3", "--output", str(tmp_path / "w")]) == 2
    assert capsys.readouterr().err == "spectrumfm generate: error: num_samples too small for wtc, got 3\n"
    assert list(tmp_path.iterdir()) == []


def test_runtime_error_is_one_line_with_exit_status_1(tmp_path, capsys, monkeypatch):
    def failing_save(dataset, folder, card):
        raise OSError("disk full\nwhile writing")

    monkeypatch.setattr("spectrumfm_hf.data.hf.save_dataset", failing_save)
    assert main(["generate", "pretraining", "--num-examples", "4", "--output", str(tmp_path / "p")]) == 1
    # The last line: datasets' progress bars also write to stderr.
    assert capsys.readouterr().err.splitlines()[-1] == "spectrumfm generate: error: disk full while writing"
    assert list(tmp_path.iterdir()) == []


def test_debug_adds_the_traceback_to_the_error(tmp_path, capsys, monkeypatch):
    def failing_save(dataset, folder, card):
        raise OSError("disk full")

    monkeypatch.setattr("spectrumfm_hf.data.hf.save_dataset", failing_save)
    arguments = ["generate", "pretraining", "--num-examples", "4", "--output", str(tmp_path / "p"), "--debug"]
    assert main(arguments) == 1
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err and err.endswith("spectrumfm generate: error: disk full\n")
