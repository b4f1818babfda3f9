"""``spectrumfm quickstart`` on a tiny budget: pre-train (or start from shipped weights), fine-tune, evaluate, summarise."""

import contextlib
import io
import json
import re
from dataclasses import fields

import pytest

from spectrumfm_hf.cli import main
from spectrumfm_hf.commands import quickstart
from spectrumfm_hf.commands.quickstart import QUICKSTART_BUDGET, QuickstartBudget

TINY_BUDGET = ["--pretraining-examples", "32", "--pretraining-validation-examples", "16", "--pretraining-epochs", "1",
               "--finetuning-examples", "440", "--finetuning-epochs", "1"]


@pytest.fixture(scope="module")
def quickstart_run(tmp_path_factory):
    """The run's folder and what it printed."""
    folder = tmp_path_factory.mktemp("quickstart") / "run"
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        assert main(["quickstart", "--output-dir", str(folder), "--from-scratch", *TINY_BUDGET]) == 0
    return folder, printed.getvalue()


@pytest.fixture(scope="module")
def from_scratch(quickstart_run):
    return quickstart_run[0]


def test_quickstart_writes_its_summary_table_with_the_high_snr_accuracy(from_scratch):
    summary = (from_scratch / "summary.md").read_text()
    assert summary.startswith("# SpectrumFM quick start")
    assert re.search(r"\| LoRA fine-tuning \+ test \| .* \| accuracy [0-9.]+ % at SNR ≥ 10 dB", summary)
    assert "| pre-training | 32 mixture captures" in summary
    assert "`amc-lora/accuracy_vs_snr.png`" in summary


def test_quickstart_pretrains_then_fine_tunes_a_lora_adapter_on_the_pretrained_encoder(from_scratch):
    assert (from_scratch / "pretrain" / "model.safetensors").is_file()
    assert (from_scratch / "pretrain" / "loss_curves.png").is_file()
    adapter_config = json.loads((from_scratch / "amc-lora" / "adapter" / "adapter_config.json").read_text())
    assert adapter_config["base_model_name_or_path"] == str(from_scratch / "pretrain")


def test_quickstart_prints_the_accuracy_and_where_the_summary_is(quickstart_run):
    folder, out = quickstart_run
    assert re.search(r"^accuracy at SNR >= 10 dB: [0-9.]+ % \(chance 9.1 %\)", out, re.MULTILINE)
    assert f"summary: {folder / 'summary.md'}" in out


def test_quickstart_prints_one_line_per_epoch_and_keeps_every_metric_in_the_run_folders(quickstart_run):
    folder, out = quickstart_run
    assert not [line for line in out.splitlines() if line.startswith("{")], out
    pretraining = json.loads((folder / "pretrain" / "trainer_state.json").read_text())["log_history"]
    finetuning = json.loads((folder / "amc-lora" / "trainer_state.json").read_text())["log_history"]
    untrained, pretrained = [entry for entry in pretraining if "eval_loss" in entry]
    (evaluation,) = [entry for entry in finetuning if "eval_loss" in entry]
    pretraining_loss = [entry["loss"] for entry in pretraining if "loss" in entry][-1]
    finetuning_loss = [entry["loss"] for entry in finetuning if "loss" in entry][-1]
    expected = [
        f"epoch 0/1 (untrained): validation loss {untrained['eval_loss']:.4f}",
        f"epoch 1/1: training loss {pretraining_loss:.4f}, validation loss {pretrained['eval_loss']:.4f}",
        f"epoch 1/1: training loss {finetuning_loss:.4f}, validation loss {evaluation['eval_loss']:.4f}, "
        f"accuracy {100 * evaluation['eval_accuracy']:.1f} %, "
        f"accuracy at SNR >= 10 dB {100 * evaluation['eval_accuracy_snr_ge_10db']:.1f} %",
    ]
    assert [line for line in out.splitlines() if line.startswith("epoch ")] == expected
    # The printed line is a digest of the full evaluation, kept in the run folder.
    assert {"eval_f1", "eval_precision", "eval_recall", "eval_accuracy_snr_10db"} <= set(evaluation)


def test_quickstart_records_the_command_that_repeats_it(from_scratch):
    record = json.loads((from_scratch / "amc-lora" / "adapter" / "run_metrics.json").read_text())
    assert record["training"]["command"] == "spectrumfm quickstart --seed 0 " + " ".join(TINY_BUDGET) + " --from-scratch"


def test_quickstart_starts_from_shipped_weights_and_skips_pre_training(from_scratch, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(quickstart, "shipped_base_model", lambda: str(from_scratch / "pretrain"))
    assert main(["quickstart", "--output-dir", str(tmp_path / "run"), *TINY_BUDGET]) == 0
    assert "starting from the shipped weights" in capsys.readouterr().out
    assert not (tmp_path / "run" / "pretrain").exists()
    assert "skipped: shipped weights" in (tmp_path / "run" / "summary.md").read_text()


def test_quickstart_refuses_a_non_empty_output_folder(tmp_path, capsys):
    (tmp_path / "kept.txt").write_text("mine")
    assert main(["quickstart", "--output-dir", str(tmp_path)]) == 2
    assert "is not empty; pass --overwrite to start afresh" in capsys.readouterr().err
    assert (tmp_path / "kept.txt").exists()


def test_every_budget_field_is_an_option_defaulting_to_the_budget(capsys):
    with pytest.raises(SystemExit):
        main(["quickstart", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    for field in fields(QuickstartBudget):
        assert f"--{field.name.replace('_', '-')}" in help_text
        assert f"(default: {getattr(QUICKSTART_BUDGET, field.name)})" in help_text
