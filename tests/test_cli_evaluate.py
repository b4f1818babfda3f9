"""``spectrumfm evaluate``: metrics JSON, run metrics and figures on a test split; one-line errors."""

import json

import numpy as np
import pytest
from PIL import Image

from spectrumfm_hf.cli import main
from spectrumfm_hf.hub import read_run_metrics

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


def test_evaluation_reproduces_the_fine_tuning_runs_own_test_figures(sensing_run, sensing_evaluation):
    evaluated = json.loads((sensing_evaluation / "evaluation.json").read_text())["models"]["ss-full"]
    summary = json.loads((sensing_run / "finetuning_summary.json").read_text())
    assert evaluated["accuracy"] == pytest.approx(summary["test"]["test_accuracy"])
    assert evaluated["roc_auc"] == pytest.approx(summary["test"]["test_roc_auc"])


def test_evaluation_regenerates_the_test_split_of_the_runs_amc_preset(tmp_path):
    run = tmp_path / "amc-recipe"
    assert main(["finetune", "--task", "amc", "--amc-preset", "rml2016.10a-recipe", "--output-dir", str(run),
                 "--num-examples", "440", *SMALL]) == 0
    summary = json.loads((run / "finetuning_summary.json").read_text())
    assert summary["amc_preset"] == "rml2016.10a-recipe"
    assert main(["evaluate", str(run), "--task", "amc", "--output-dir", str(tmp_path / "evaluation")]) == 0
    record = json.loads((tmp_path / "evaluation" / "evaluation.json").read_text())
    assert record["data"]["type"] == "spectrumfm-synthetic/amc-rml2016.10a-recipe"
    assert record["models"]["amc-recipe"]["accuracy"] == pytest.approx(summary["test"]["test_accuracy"])
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
