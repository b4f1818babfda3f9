"""``spectrumfm evaluate``: metrics JSON, run metrics and figures on a test split; one-line errors."""

import json

import numpy as np
import pytest
import torch
from PIL import Image

from spectrumfm_hf import SpectrumFMFeatureExtractor, SpectrumFMForPretraining
from spectrumfm_hf.cli import main
from spectrumfm_hf.hub import read_run_metrics
from spectrumfm_hf.pretrained import available_pretrained, pretrained_path

from .conftest import tiny_config

QUIET = ["--disable_tqdm", "true", "--logging_steps", "1", "--per_device_train_batch_size", "16"]
# A random encoder of the preset's size on 16-symbol windows: the fastest task model to train.
SMALL = ["--adaptation", "full", "--num-samples", "16", "--window-length", "16", "--num_train_epochs", "1", *QUIET]


def nonblank(path) -> bool:
    return np.asarray(Image.open(path).convert("L"), dtype=np.float64).std() > 0


@pytest.fixture(scope="module")
def sensing_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ss") / "ss-full"
    assert main(["finetune", "--task", "ss", "--output-dir", str(folder), "--num-examples", "84", *SMALL]) == 0
    return folder


@pytest.fixture(scope="module")
def anomaly_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ad") / "ad-full"
    assert main(["finetune", "--task", "ad", "--output-dir", str(folder), "--num-examples", "200",
                 "--false-alarm-rate", "0.1", *SMALL]) == 0
    return folder


@pytest.fixture(scope="module")
def sensing_evaluation(sensing_run, tmp_path_factory):
    output = tmp_path_factory.mktemp("evaluation") / "ss"
    assert main(["evaluate", str(sensing_run), "--task", "ss", "--output-dir", str(output)]) == 0
    return output


@pytest.fixture(scope="module")
def encoder(tmp_path_factory):
    """A small randomly initialised pre-training checkpoint on 16-symbol windows, for LoRA runs."""
    folder = tmp_path_factory.mktemp("encoder")
    torch.manual_seed(0)
    SpectrumFMForPretraining(tiny_config(max_position_embeddings=16, num_labels=2)).save_pretrained(folder)
    SpectrumFMFeatureExtractor(window_length=16).save_pretrained(folder)
    return folder


def own_and_evaluated(run, task: str, output) -> tuple[dict, dict]:
    """The ``evaluation.json`` a fine-tuning run wrote, and the one ``spectrumfm evaluate`` writes for the run."""
    assert main(["evaluate", str(run), "--task", task, "--output-dir", str(output)]) == 0
    return json.loads((run / "evaluation.json").read_text()), json.loads((output / "evaluation.json").read_text())


RUNS = {
    "ss-full": ["--task", "ss", "--num-examples", "84", *SMALL],
    "ad-full": ["--task", "ad", "--num-examples", "200", "--false-alarm-rate", "0.1", *SMALL],
    "ss-lora": ["--task", "ss", "--num-examples", "84", "--adaptation", "lora", "--num-samples", "16",
                "--num_train_epochs", "1", *QUIET],
}


@pytest.mark.parametrize("name", sorted(RUNS))
def test_evaluation_gives_the_fine_tuning_runs_own_test_figures_in_the_same_precision(
    name, forced_precision, encoder, tmp_path
):
    run = tmp_path / name
    options = RUNS[name] + (["--pretrained-model", str(encoder)] if "lora" in name else [])
    assert main(["finetune", "--output-dir", str(run), *options]) == 0
    own, evaluated = own_and_evaluated(run, options[1], tmp_path / "evaluation")
    (own_metrics,) = own["models"].values()
    evaluated_metrics = dict(evaluated["models"][name])
    del evaluated_metrics["artefact"]
    # Every figure, to the last bit: accuracy per SNR and confusion matrix, or AUC per interference and ISR.
    assert evaluated_metrics == own_metrics
    assert evaluated["precision"] == own["precision"]
    assert (own["precision"]["precision"], own["precision"]["forced"]) == (forced_precision, True)
    artefact = run / "adapter" if "lora" in name else run
    run_metrics = json.loads((artefact / "run_metrics.json").read_text())
    assert run_metrics["evaluation_precision"] == own["precision"]
    assert run_metrics["training"]["precision"] == forced_precision
    evaluated_run_metrics = json.loads((tmp_path / "evaluation" / "run_metrics.json").read_text())
    assert evaluated_run_metrics["evaluation_precision"] == own["precision"]


def test_evaluation_regenerates_the_test_split_of_the_runs_amc_preset(forced_precision, tmp_path):
    run = tmp_path / "amc-recipe"
    assert main(["finetune", "--task", "amc", "--amc-preset", "rml2016.10a-recipe", "--output-dir", str(run),
                 "--num-examples", "440", *SMALL]) == 0
    summary = json.loads((run / "finetuning_summary.json").read_text())
    assert summary["amc_preset"] == "rml2016.10a-recipe"
    own, record = own_and_evaluated(run, "amc", tmp_path / "evaluation")
    assert record["data"]["type"] == "spectrumfm-synthetic/amc-rml2016.10a-recipe"
    assert record["models"]["amc-recipe"]["accuracy"] == summary["test"]["test_accuracy"]
    (own_metrics,) = own["models"].values()
    assert record["models"]["amc-recipe"]["confusion_matrix"] == own_metrics["confusion_matrix"]
    # Scored on another preset's data on request.
    assert main(["evaluate", str(run), "--task", "amc", "--amc-preset", "torchsig",
                 "--output-dir", str(tmp_path / "torchsig")]) == 0
    record = json.loads((tmp_path / "torchsig" / "evaluation.json").read_text())
    assert record["data"]["type"] == "spectrumfm-synthetic/amc-rml2016.10a-torchsig"


def test_evaluation_json_says_it_used_the_test_split_and_holds_every_metric(sensing_evaluation):
    record = json.loads((sensing_evaluation / "evaluation.json").read_text())
    assert record["split"] == "test" and "20 % test split" in record["data"]["how"]
    metrics = record["models"]["ss-full"]
    assert {"accuracy", "precision", "recall", "f1", "accuracy_per_snr", "accuracy_snr_ge_10db", "confusion_matrix",
            "roc_auc"} <= set(metrics)
    assert np.asarray(metrics["confusion_matrix"]).sum() == metrics["windows"]


def test_evaluation_writes_nonblank_figures_including_roc_and_loss_curves(sensing_evaluation):
    for name in ("accuracy_vs_snr", "confusion_matrix", "roc", "tsne", "loss_curves"):
        assert nonblank(sensing_evaluation / f"{name}.png"), name


def test_evaluation_writes_run_metrics_that_push_reads(sensing_evaluation):
    run = read_run_metrics(sensing_evaluation / "run_metrics.json")
    assert run.task_name == "Spectrum sensing" and run.dataset_split == "test"
    assert {metric.type for metric in run.metrics} == {"accuracy", "f1", "roc_auc"}


def test_evaluation_in_another_precision_than_the_runs_says_so_and_records_it(sensing_run, tmp_path, capsys):
    trained = json.loads((sensing_run / "finetuning_summary.json").read_text())["precision"]["precision"]
    other = {"fp32": "bf16", "bf16": "fp32"}[trained]
    output = tmp_path / "e"
    assert main(["evaluate", str(sensing_run), "--task", "ss", "--precision", other, "--output-dir", str(output)]) == 0
    assert (f"note: ss-full was fine-tuned and scored in {trained}; figures in {other} differ slightly from its own "
            f"(pass --precision {trained} to reproduce them)") in capsys.readouterr().out
    record = json.loads((output / "evaluation.json").read_text())
    assert (record["precision"]["precision"], record["precision"]["forced"]) == (other, True)
    assert json.loads((output / "run_metrics.json").read_text())["evaluation_precision"] == record["precision"]


def test_several_models_share_one_accuracy_vs_snr_figure_and_get_a_confusion_matrix_each(sensing_run, tmp_path):
    assert main(["evaluate", str(sensing_run), str(sensing_run), "--task", "ss", "--output-dir", str(tmp_path / "e")]) == 0
    names = {path.name for path in (tmp_path / "e").iterdir()}
    assert {"accuracy_vs_snr.png", "confusion_matrix_ss-full-1.png", "confusion_matrix_ss-full-2.png",
            "run_metrics_ss-full-1.json"} <= names


def test_anomaly_evaluation_reports_auc_per_interference_and_isr_with_roc_curves(anomaly_run, tmp_path):
    assert main(["evaluate", str(anomaly_run), "--task", "ad", "--output-dir", str(tmp_path / "e")]) == 0
    metrics = json.loads((tmp_path / "e" / "evaluation.json").read_text())["models"]["ad-full"]
    assert set(metrics["auc_per_interference"]) == {"single_tone", "multi_tone", "aliased_10mhz", "aliased_30mhz"}
    assert all(isinstance(by_isr, dict) and by_isr for by_isr in metrics["auc_per_interference_isr"].values())
    assert nonblank(tmp_path / "e" / "roc.png") and nonblank(tmp_path / "e" / "tsne.png")


def test_evaluation_on_a_saved_data_set_uses_its_test_split(sensing_run, tmp_path, capsys):
    data = tmp_path / "data"
    assert main(["generate", "spectrum-sensing", "--num-examples", "60", "--num-samples", "16", "--output", str(data)]) == 0
    assert main(["evaluate", str(sensing_run), "--task", "ss", "--data", str(data), "--output-dir", str(tmp_path / "e")]) == 0
    record = json.loads((tmp_path / "e" / "evaluation.json").read_text())
    assert record["data"]["how"].startswith("the test split of the data set saved at")
    assert record["models"]["ss-full"]["captures"] == 12


def test_help_says_which_models_get_a_run_metrics_json(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["evaluate", "--help"])
    assert exit_info.value.code == 0
    help_text = " ".join(capsys.readouterr().out.split())
    assert ("run_metrics.json for `spectrumfm push` (run_metrics_NAME.json each when several) for the models whose "
            "fine-tuning run left its training record, finetuning_summary.json, in their folder or the one around it "
            "(not the shipped adapters, which carry their own run_metrics.json)") in help_text


def test_a_run_with_its_training_record_gets_run_metrics_named_in_the_output(sensing_run, tmp_path, capsys):
    assert main(["evaluate", str(sensing_run), "--task", "ss", "--output-dir", str(tmp_path / "e")]) == 0
    out = capsys.readouterr().out
    assert "wrote evaluation.json, run_metrics.json, accuracy_vs_snr.png," in out
    assert "no run_metrics.json" not in out
    assert json.loads((tmp_path / "e" / "evaluation.json").read_text())["run_metrics"] == {"ss-full": "run_metrics.json"}


@pytest.mark.skipif(not {"spectrumfm-small", "spectrumfm-small-ss"} <= set(available_pretrained()),
                    reason="the shipped sensing adapter and its base are not installed")
def test_a_shipped_adapter_gets_no_run_metrics_and_the_output_says_why(tmp_path, capsys):
    adapter = pretrained_path("spectrumfm-small-ss")
    assert main(["evaluate", str(adapter), "--task", "ss", "--output-dir", str(tmp_path / "e"),
                 "--num-examples", "40", "--num-samples", "128"]) == 0
    record = json.loads((tmp_path / "e" / "evaluation.json").read_text())
    assert record["run_metrics"] == {}
    assert not list((tmp_path / "e").glob("run_metrics*.json"))
    assert ("no run_metrics.json for spectrumfm-small-ss: no finetuning_summary.json (the training record a card "
            "states) in the model's folder or the one around it") in capsys.readouterr().out


def error_line(capsys) -> str:
    """The error, which must end standard error on one line (progress bars may come before it) without a traceback."""
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.endswith("\n"), err
    last_line = err.rstrip("\n").rsplit("\n", 1)[-1].rsplit("\r", 1)[-1]
    assert last_line.startswith("spectrumfm evaluate: error: "), err
    return last_line


def test_missing_model_folder_is_a_one_line_error(tmp_path, capsys):
    assert main(["evaluate", str(tmp_path / "none"), "--task", "amc", "--output-dir", str(tmp_path / "e")]) == 1
    assert "no such folder" in error_line(capsys)


def test_folder_without_a_model_is_a_one_line_error(tmp_path, capsys):
    (tmp_path / "notes").mkdir()
    assert main(["evaluate", str(tmp_path / "notes"), "--task", "amc", "--output-dir", str(tmp_path / "e")]) == 1
    assert "holds neither a model (config.json) nor an adapter" in error_line(capsys)
    assert not (tmp_path / "e").exists()


def test_data_folder_that_is_not_a_data_set_is_a_one_line_usage_error(sensing_run, tmp_path, capsys):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "samples.bin").write_bytes(b"\x00" * 64)
    arguments = ["evaluate", str(sensing_run), "--task", "ss", "--data", str(tmp_path / "data")]
    assert main([*arguments, "--output-dir", str(tmp_path / "e")]) == 2
    assert "not a saved data set" in error_line(capsys)


def test_model_of_another_task_is_a_one_line_usage_error(sensing_run, tmp_path, capsys):
    assert main(["evaluate", str(sensing_run), "--task", "amc", "--output-dir", str(tmp_path / "e"),
                 "--num-examples", "44", "--num-samples", "16"]) == 2
    assert "classifies 2 classes but --task amc has 11" in error_line(capsys)


@pytest.mark.parametrize(
    "arguments, expected",
    [
        (["--data", "d", "--seed", "3"], "--data evaluates a saved data set; --seed only apply to generated data"),
        (["--num-examples", "0"], "argument --num-examples: expected a positive integer, got '0'"),
        (["--task", "xyz"], "argument --task: invalid choice: 'xyz'"),
        (["--amc-preset", "torchsig"], "--amc-preset applies to the modulation tasks (amc, amc24), not to --task ss"),
        (["--amc-preset", "rml"], "argument --amc-preset/--amc_preset: invalid choice: 'rml'"),
    ],
)
def test_bad_argument_is_a_one_line_usage_error(arguments, expected, tmp_path, capsys):
    try:
        status = main(["evaluate", str(tmp_path), "--task", "ss", "--output-dir", str(tmp_path / "e"), *arguments])
    except SystemExit as exit_info:
        status = exit_info.code
    assert status == 2
    assert expected in error_line(capsys)


def test_existing_output_folder_is_refused_and_kept(sensing_run, tmp_path, capsys):
    (tmp_path / "e").mkdir()
    assert main(["evaluate", str(sensing_run), "--task", "ss", "--output-dir", str(tmp_path / "e")]) == 2
    assert "exists; pass --overwrite" in error_line(capsys)
