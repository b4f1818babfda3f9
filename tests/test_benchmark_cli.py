"""``spectrumfm benchmark``: its options, its one-line usage errors, and a run through the command."""

import json

import pytest

from spectrumfm_hf.benchmarks import harness
from spectrumfm_hf.cli import main
from spectrumfm_hf.commands.benchmark import benchmark_command_parser

OPTIONS = ("--profile", "--output-dir", "--seeds", "--only", "--data-dir")


def test_help_lists_each_option_with_its_help(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["benchmark", "--help"])
    assert exit_info.value.code == 0
    text = capsys.readouterr().out
    for option in OPTIONS:
        assert option in text
    parser = benchmark_command_parser()
    documented = {string: action.help for action in parser._actions for string in action.option_strings}
    assert all(documented[option] for option in OPTIONS)


def test_help_names_every_profile(capsys):
    with pytest.raises(SystemExit):
        main(["benchmark", "--help"])
    text = capsys.readouterr().out
    assert "{micro,cpu,paper}" in text and "90 minutes" in text


@pytest.mark.parametrize(
    "arguments, expected",
    [
        (["--profile", "big", "--output-dir", "x"], "argument --profile: invalid choice: 'big'"),
        (["--output-dir", "x"], "the following arguments are required: --profile"),
        (["--profile", "micro"], "the following arguments are required: --output-dir"),
        (
            ["--profile", "micro", "--output-dir", "x", "--seeds", "-1"],
            "argument --seeds: expected a non-negative integer, got '-1'",
        ),
    ],
)
def test_bad_arguments_are_one_line_usage_errors(capsys, arguments, expected):
    with pytest.raises(SystemExit) as exit_info:
        main(["benchmark", *arguments])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and expected in err


@pytest.mark.parametrize(
    "arguments, expected",
    [
        (["--seeds", "1", "1"], "--seeds must be distinct, got 1 1"),
        (["--only", "amc//cnn2"], "--only takes TASK, TASK/MODEL or TASK/DATA_SET/MODEL"),
        (["--data-dir", "no-such-folder"], "--data-dir must be an existing folder, got 'no-such-folder'"),
    ],
)
def test_values_that_cannot_work_are_one_line_usage_errors_before_any_cell_runs(
    tmp_path, capsys, arguments, expected
):
    assert main(["benchmark", "--profile", "micro", "--output-dir", str(tmp_path / "out"), *arguments]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("spectrumfm benchmark: error: ") and expected in err
    assert not (tmp_path / "out").exists()


def test_command_runs_the_selected_cells_and_reports_the_folder(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(harness, "ensure_encoder", lambda context, store: None)
    monkeypatch.setattr(harness, "compute_cell", lambda key, context: {"accuracy": 1.0})
    monkeypatch.setattr(harness, "write_figures", lambda records, folder, order: [])
    output = tmp_path / "out"
    assert (
        main(["benchmark", "--profile", "micro", "--output-dir", str(output), "--only", "ss/energy-detector"])
        == 0
    )
    captured = capsys.readouterr()
    assert (
        captured.out.strip()
        == f"1 cells computed, 0 already stored; tables, figures and manifest.json in {output}"
    )
    assert "cell ss/ss/energy-detector/seed-0_labels-100 done" in captured.err
    manifest = json.loads((output / "manifest.json").read_text())
    assert manifest["command_line"] == [
        "spectrumfm",
        "benchmark",
        "--profile",
        "micro",
        "--output-dir",
        str(output),
        "--only",
        "ss/energy-detector",
    ]
