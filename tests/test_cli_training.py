"""``spectrumfm pretrain`` and ``spectrumfm finetune``: options, one-line errors, outputs written whole, ``--resume``."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from safetensors.numpy import load_file
from transformers import TrainerCallback

from spectrumfm_hf.cli import main
from spectrumfm_hf.commands.pretrain import pretrain_command_parser
from spectrumfm_hf.hub import read_run_metrics
from spectrumfm_hf.training import recipes

REPOSITORY_ROOT = Path(__file__).resolve().parent.parent
TINY = json.dumps(dict(hidden_size=32, num_hidden_layers=2, intermediate_size=64, num_attention_heads=4))
QUIET = ["--disable_tqdm", "true", "--logging_steps", "1", "--per_device_train_batch_size", "16"]
# A checkpoint every 2 steps, 4 steps in all (of a 10-step epoch): an interruption at step 3
# resumes mid-epoch from checkpoint-2.
STEPPED = ["--max_steps", "4", "--save_strategy", "steps", "--save_steps", "2", "--eval_strategy", "steps",
           "--eval_steps", "2"]


def pretrain_arguments(output_dir) -> list[str]:
    return ["pretrain", "--output-dir", str(output_dir), "--config-overrides", TINY, "--num-samples", "32",
            "--window-length", "32", "--num-train-examples", "64", "--num-validation-examples", "32",
            "--num_train_epochs", "1", *QUIET]


@pytest.fixture(scope="module")
def pretrained(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pretrain") / "run"
    assert main(pretrain_arguments(folder)) == 0
    return folder


def finetune_arguments(pretrained, output_dir, *extra) -> list[str]:
    return ["finetune", "--task", "amc", "--pretrained-model", str(pretrained), "--output-dir", str(output_dir),
            "--num-examples", "220", "--num-samples", "32", *QUIET, *extra]


def run(arguments: list[str]) -> int:
    """The exit status of ``spectrumfm arguments``, whether returned or raised by argparse."""
    try:
        return main(arguments)
    except SystemExit as exit_info:
        return exit_info.code


def error_line(capsys) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    return err


@pytest.mark.parametrize("command", ["pretrain", "finetune"])
def test_help_lists_the_recipe_options_and_every_training_arguments_option(command, capsys):
    from transformers import HfArgumentParser, TrainingArguments

    with pytest.raises(SystemExit) as exit_info:
        main([command, "--help"])
    assert exit_info.value.code == 0
    help_text = capsys.readouterr().out
    for action in HfArgumentParser(TrainingArguments)._actions:
        if action.dest != "output_dir":
            assert action.option_strings[0] in help_text
    assert "--output-dir" in help_text and "--resume" in help_text and "--overwrite" in help_text


def test_finetune_help_names_the_label_fraction_and_the_adaptation_modes(capsys):
    with pytest.raises(SystemExit):
        main(["finetune", "--help"])
    help_text = capsys.readouterr().out
    assert "--label-fraction" in help_text and "{lora,full,probe}" in help_text
    assert "{amc,amc24,wtc,ss,ad}" in help_text


def test_recipe_options_are_read_without_importing_torch():
    script = (
        "import sys\nfrom spectrumfm_hf.cli import main\n"
        "try:\n    main(['finetune', '--task', 'bogus', '--output-dir', 'x'])\n"
        "except SystemExit as exit_info:\n"
        "    print(exit_info.code, 'torch' in sys.modules, 'transformers' in sys.modules)\n"
    )
    child = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60,
                           env={**os.environ, "PYTHONPATH": str(REPOSITORY_ROOT)})
    assert child.stdout.split() == ["2", "False", "False"]
    assert child.stderr.startswith("spectrumfm finetune: error: argument --task: invalid choice: 'bogus'")


def test_recipe_option_defaults_match_the_dataclass():
    parser = pretrain_command_parser()
    args = parser.parse_args(["--output-dir", "x"])
    defaults = recipes.PretrainingScriptArguments()
    assert all(getattr(args, name) == getattr(defaults, name) for name in vars(defaults))


@pytest.mark.parametrize(
    "arguments, expected",
    [
        (["--label-fraction", "0"], "argument --label-fraction: expected a fraction in (0, 1], got '0'"),
        (["--adaptation", "qlora"], "argument --adaptation"),
        (["--amc-preset", "rml2016"], "argument --amc-preset/--amc_preset: invalid choice: 'rml2016'"),
        (["--learning_rate", "fast"], "--learning_rate"),
        (["--no-such-option", "1"], "unrecognized arguments: --no-such-option 1"),
        (["--resume", "--overwrite"], "--resume and --overwrite exclude each other"),
    ],
)
def test_bad_argument_is_a_one_line_usage_error(arguments, expected, tmp_path, capsys):
    assert run(["finetune", "--output-dir", str(tmp_path / "run"), *arguments]) == 2
    assert expected in error_line(capsys)


@pytest.mark.parametrize("command", ["pretrain", "finetune"])
@pytest.mark.parametrize(
    "arguments, expected",
    [
        (["--learning_r", "5e-4"], "--learning_r: abbreviated options are not accepted; write --learning_rate in full"),
        (["--learning_r=5e-4"], "--learning_r: abbreviated options are not accepted; write --learning_rate in full"),
        (["--window-len", "64"], "--window-len: abbreviated options are not accepted; write --window-length in full"),
    ],
)
def test_abbreviated_option_is_refused_rather_than_overridden_by_the_preset(command, arguments, expected, tmp_path, capsys):
    assert run([command, "--output-dir", str(tmp_path / "run"), *arguments]) == 2
    assert error_line(capsys) == f"spectrumfm {command}: error: {expected}\n"
    assert not (tmp_path / "run").exists()


def test_a_training_arguments_option_that_prefixes_a_recipe_option_is_not_an_abbreviation(tmp_path):
    from spectrumfm_hf.commands.finetune import finetune_command_parser
    from spectrumfm_hf.commands.pretrain import parse_training_command

    args = finetune_command_parser().parse_args(["--output-dir", str(tmp_path), "--data_seed", "3", "--learning_rate", "5e-4"])
    script_args, training_args = parse_training_command(recipes.FinetuningScriptArguments, args)
    assert (training_args.data_seed, script_args.data_seed_offset, training_args.learning_rate) == (3, 0, 5e-4)


def test_amc_data_presets_on_the_command_line_are_the_generators():
    from spectrumfm_hf.data.tasks.amc import AMC_PRESETS

    from spectrumfm_hf.commands.evaluate import AMC_PRESET_CHOICES

    assert recipes.AMC_DATA_PRESETS == tuple(AMC_PRESETS) == AMC_PRESET_CHOICES
    assert recipes.task_generator("amc", None, amc_preset="rml2016.10a-recipe").name == "amc-rml2016.10a-recipe"
    assert recipes.task_generator("amc", None).name == "amc-rml2016.10a"
    with pytest.raises(recipes.PresetError, match="amc_preset applies to the modulation tasks"):
        recipes.task_generator("ss", None, amc_preset="torchsig")


def test_deepspeed_without_a_gpu_or_a_launcher_is_a_usage_error(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("LOCAL_RANK", raising=False)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert run(["pretrain", "--output-dir", str(tmp_path / "run"), "--deepspeed", "examples/deepspeed/zero2.json"]) == 2
    assert "--deepspeed on a machine without a GPU needs a launcher" in error_line(capsys)


def test_config_overrides_that_are_not_json_are_a_usage_error(tmp_path, capsys):
    assert run(["pretrain", "--output-dir", str(tmp_path), "--config-overrides", "{hidden: 3"]) == 2
    assert "argument --config-overrides/--config_overrides: expected a JSON object, got" in error_line(capsys)


def test_missing_pretrained_model_is_a_one_line_error(tmp_path, capsys):
    assert main(["finetune", "--output-dir", str(tmp_path / "run"), "--pretrained-model", str(tmp_path / "no")]) == 1
    assert "--pretrained-model" in error_line(capsys)


def test_pretrained_model_in_the_wrong_format_is_a_one_line_error(tmp_path, capsys):
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "config.json").write_text("not json")
    assert main(finetune_arguments(tmp_path / "model", tmp_path / "run")) == 1
    assert error_line(capsys).startswith("spectrumfm finetune: error:")


def test_non_empty_output_folder_is_refused_without_resume_or_overwrite(tmp_path, capsys):
    (tmp_path / "kept.txt").write_text("previous run")
    assert main(["pretrain", "--output-dir", str(tmp_path)]) == 2
    assert "is not empty; pass --resume to continue its run or --overwrite" in error_line(capsys)
    assert (tmp_path / "kept.txt").read_text() == "previous run"


def test_resume_without_a_checkpoint_is_a_usage_error(tmp_path, capsys):
    assert main(["pretrain", "--output-dir", str(tmp_path), "--resume"]) == 2
    assert "holds no checkpoint-* folder to resume from" in error_line(capsys)


def test_pretrain_writes_run_metrics_with_the_best_validation_loss(pretrained):
    run = read_run_metrics(pretrained / "run_metrics.json")
    summary = json.loads((pretrained / "pretraining_summary.json").read_text())
    assert run.dataset_split == "validation" and run.metrics[0].value == summary["best_validation_loss"]
    assert run.training.command.startswith("spectrumfm pretrain --num-train-examples 64 --num-validation-examples 32")


def test_pretrain_writes_a_loadable_model_and_its_summary(pretrained):
    summary = json.loads((pretrained / "pretraining_summary.json").read_text())
    assert len(summary["validation_losses"]) == 2
    assert {"config.json", "model.safetensors", "preprocessor_config.json", "trainer_state.json"} <= {
        path.name for path in pretrained.iterdir()}
    assert not [path for path in pretrained.iterdir() if path.name.startswith(".")]


@pytest.fixture(scope="module")
def finetuned(pretrained, tmp_path_factory):
    folder = tmp_path_factory.mktemp("finetune") / "amc"
    assert main(finetune_arguments(pretrained, folder, "--num_train_epochs", "1", "--label-fraction", "0.5")) == 0
    return folder


def test_finetune_writes_nonblank_figures(finetuned):
    for name in ("accuracy_vs_snr", "confusion_matrix", "tsne", "loss_curves"):
        pixels = np.asarray(Image.open(finetuned / f"{name}.png").convert("L"), dtype=np.float64)
        assert pixels.std() > 0, name


def test_finetune_writes_run_metrics_beside_the_adapter_that_push_reads(finetuned):
    run = read_run_metrics(finetuned / "adapter" / "run_metrics.json")
    assert run.dataset_split == "test" and run.metrics[0].config == "snr_db >= 10"
    assert run.training.command.startswith("spectrumfm finetune --pretrained-model")
    assert "--label-fraction 0.5" in run.training.command


def test_finetune_summary_records_the_label_fraction_and_the_test_metrics(finetuned):
    summary = json.loads((finetuned / "finetuning_summary.json").read_text())
    assert summary["few_shot_fraction"] == 0.5
    assert {"test_accuracy", "test_f1", "test_accuracy_snr_ge_10db"} <= set(summary["test"])
    evaluation = json.loads((finetuned / "evaluation.json").read_text())
    assert evaluation["split"] == "test" and len(evaluation["models"]["SpectrumFM, LoRA"]["confusion_matrix"]) == 11


def test_publish_into_leaves_nothing_when_writing_fails(tmp_path):
    def write(staging):
        (staging / "model.safetensors").write_bytes(b"half")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        recipes.publish_into(tmp_path, write)
    assert list(tmp_path.iterdir()) == []


def test_publish_into_moves_the_config_last(tmp_path):
    order = []
    real_replace = os.replace
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(os, "replace", lambda source, target: (order.append(Path(target).name), real_replace(source, target)))
        recipes.publish_into(tmp_path, lambda staging: [(staging / name).write_text("{}") for name in
                                                        ("config.json", "model.safetensors", "finetuning_summary.json")])
    assert order == ["model.safetensors", "config.json", "finetuning_summary.json"]


class InterruptAtStep(TrainerCallback):
    """Stops the run as Ctrl-C would, once ``step`` steps are done."""

    def __init__(self, step):
        self.step = step

    def on_step_begin(self, args, state, control, **kwargs):
        if state.global_step == self.step:
            raise KeyboardInterrupt


def test_interrupted_finetune_resumes_to_the_weights_of_an_uninterrupted_run(pretrained, tmp_path, monkeypatch, capsys):
    assert main(finetune_arguments(pretrained, tmp_path / "whole", *STEPPED)) == 0
    trainer_factory = recipes.finetuning_trainer

    def interrupted_trainer(*args, **kwargs):
        trainer = trainer_factory(*args, **kwargs)
        trainer.add_callback(InterruptAtStep(3))
        return trainer

    monkeypatch.setattr(recipes, "finetuning_trainer", interrupted_trainer)
    assert main(finetune_arguments(pretrained, tmp_path / "resumed", *STEPPED)) == 130
    assert not (tmp_path / "resumed" / "adapter").exists()
    assert (tmp_path / "resumed" / "checkpoint-2").is_dir()
    monkeypatch.setattr(recipes, "finetuning_trainer", trainer_factory)
    assert main([*finetune_arguments(pretrained, tmp_path / "resumed", *STEPPED), "--resume"]) == 0
    whole = load_file(tmp_path / "whole" / "adapter" / "adapter_model.safetensors")
    resumed = load_file(tmp_path / "resumed" / "adapter" / "adapter_model.safetensors")
    assert whole.keys() == resumed.keys()
    for name in whole:
        np.testing.assert_allclose(resumed[name], whole[name], atol=1e-6, err_msg=name)
    metrics = [json.loads((tmp_path / run / "finetuning_summary.json").read_text())["test"] for run in ("whole", "resumed")]
    assert metrics[0] == pytest.approx(metrics[1])


def test_overwrite_replaces_the_previous_run(pretrained, tmp_path):
    (tmp_path / "stale.txt").write_text("old")
    assert main([*pretrain_arguments(tmp_path), "--overwrite"]) == 0
    assert not (tmp_path / "stale.txt").exists() and (tmp_path / "model.safetensors").is_file()
