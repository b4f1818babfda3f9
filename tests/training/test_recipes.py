"""The example scripts run end to end at a tiny size: pre-training, then fine-tuning from its checkpoint."""

import json
import sys
from pathlib import Path

import numpy as np
import pytest
from transformers import HfArgumentParser, TrainingArguments

from spectrumfm_hf import SpectrumFMForAnomalyDetection, SpectrumFMForSequenceClassification
from spectrumfm_hf.training.recipes import (
    FinetuningScriptArguments,
    PretrainingScriptArguments,
    explicit_options,
    parse_script_arguments,
)

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "examples"))
import finetune  # noqa: E402
import pretrain  # noqa: E402

TINY = json.dumps(dict(hidden_size=32, num_hidden_layers=2, intermediate_size=64, num_attention_heads=4))
QUIET = ["--disable_tqdm", "true", "--logging_steps", "1", "--per_device_train_batch_size", "16"]


@pytest.fixture(scope="module")
def pretrained(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pretrain")
    summary = pretrain.main([
        "--output_dir", str(folder), "--config_overrides", TINY, "--num_samples", "32", "--window_length", "32",
        "--num_train_examples", "64", "--num_validation_examples", "32", "--num_train_epochs", "2", *QUIET,
    ])
    return folder, summary


def test_pretraining_script_reports_validation_losses_from_the_untrained_model_onwards(pretrained):
    folder, summary = pretrained
    assert len(summary["validation_losses"]) == 3
    assert summary["first_validation_loss"] == summary["validation_losses"][0]
    assert json.loads((folder / "pretraining_summary.json").read_text())["data_seed"] == 0
    assert (folder / "model.safetensors").is_file() and (folder / "preprocessor_config.json").is_file()


def test_lora_fine_tuning_script_starts_from_the_pretrained_encoder_and_saves_the_adapter(pretrained, tmp_path):
    folder, _ = pretrained
    summary = finetune.main([
        "--task", "amc", "--pretrained_model", str(folder), "--output_dir", str(tmp_path), "--num_examples", "220",
        "--num_samples", "32", "--num_train_epochs", "1", *QUIET,
    ])
    adapter_config = json.loads((tmp_path / "adapter" / "adapter_config.json").read_text())
    assert summary["pretrained_model"] == adapter_config["base_model_name_or_path"] == str(folder)
    # LoRA trains adapters and the head only: the pre-trained encoder stays as loaded.
    assert 0.0 < summary["trainable_share"] < 0.5
    assert summary["adapter_size_bytes"] == (tmp_path / "adapter" / "adapter_model.safetensors").stat().st_size
    # The test accuracy is that of the 44 held-out captures (20 % of 220), one window each.
    (metrics,) = json.loads((tmp_path / "evaluation.json").read_text())["models"].values()
    assert metrics["captures"] == metrics["windows"] == 44
    assert summary["test"]["test_accuracy"] == metrics["accuracy"]
    assert 44 * metrics["accuracy"] == pytest.approx(round(44 * metrics["accuracy"]))


def test_anomaly_script_calibrates_the_threshold_and_reports_auc_per_interference(pretrained, tmp_path, monkeypatch):
    folder, _ = pretrained
    calibrations = []
    calibrate = SpectrumFMForAnomalyDetection.calibrate_threshold

    def recording(model, normal_scores, false_alarm_rate=0.01):
        calibrations.append((np.asarray(normal_scores, dtype=np.float64), false_alarm_rate))
        return calibrate(model, normal_scores, false_alarm_rate)

    monkeypatch.setattr(SpectrumFMForAnomalyDetection, "calibrate_threshold", recording)
    summary = finetune.main([
        "--task", "ad", "--pretrained_model", str(folder), "--output_dir", str(tmp_path), "--num_examples", "200",
        "--num_samples", "32", "--num_train_epochs", "1", "--false_alarm_rate", "0.1", *QUIET,
    ])
    assert set(summary["test"]["auc_per_interference"]) == {"single_tone", "multi_tone", "aliased_10mhz", "aliased_30mhz"}
    # Calibrated once, on the 20 held-out normal windows (10 % of 200): the threshold is their
    # 90th percentile, above which 2 of the 20 lie.
    ((scores, false_alarm_rate),) = calibrations
    assert false_alarm_rate == 0.1 and scores.shape == (20,)
    assert summary["threshold"] == pytest.approx(np.quantile(scores, 0.9))
    assert int((scores > summary["threshold"]).sum()) == 2


def test_command_line_options_override_the_preset_and_the_rest_come_from_it(tmp_path):
    script_args, training_args = parse_script_arguments(
        PretrainingScriptArguments, ["--output_dir", str(tmp_path), "--learning_rate", "5e-4", "--preset", "paper"]
    )
    assert training_args.learning_rate == 5e-4
    assert training_args.per_device_train_batch_size == 256
    assert training_args.eval_on_start


@pytest.mark.parametrize("script_class", [PretrainingScriptArguments, FinetuningScriptArguments])
def test_abbreviated_option_is_refused_rather_than_overridden_by_the_preset(script_class, tmp_path):
    with pytest.raises(ValueError, match="^--learning_r: abbreviated options are not accepted; write --learning_rate in full$"):
        parse_script_arguments(script_class, ["--output_dir", str(tmp_path), "--learning_r", "5e-4"])


def test_explicit_options_accept_the_equals_form():
    parser = HfArgumentParser((PretrainingScriptArguments, TrainingArguments))
    assert explicit_options(parser, ["--seed=3", "--preset", "paper"]) == {"seed", "preset"}


def test_fine_tuning_without_a_checkpoint_trains_a_random_encoder_of_the_preset_size(tmp_path):
    summary = finetune.main([
        "--task", "ss", "--adaptation", "full", "--output_dir", str(tmp_path), "--num_examples", "84",
        "--num_samples", "16", "--window_length", "16", "--num_train_epochs", "1", *QUIET,
    ])
    model = SpectrumFMForSequenceClassification.from_pretrained(tmp_path)
    assert (model.config.hidden_size, model.config.num_hidden_layers) == (64, 4)
    assert summary["trainable_share"] == 1.0 and summary["pretrained_model"] is None


def test_technology_captures_longer_than_a_window_are_classified_window_by_window(pretrained, tmp_path):
    folder, _ = pretrained
    summary = finetune.main([
        "--task", "wtc", "--pretrained_model", str(folder), "--output_dir", str(tmp_path), "--num_examples", "140",
        "--num_samples", "64", "--num_train_epochs", "1", *QUIET,
    ])
    # Two 32-symbol windows per 64-sample capture: metrics need one SNR per window, or they raise.
    (metrics,) = json.loads((tmp_path / "evaluation.json").read_text())["models"].values()
    assert metrics["captures"] == 28 and metrics["windows"] == 56
    assert 56 * metrics["accuracy"] == pytest.approx(round(56 * metrics["accuracy"]))
    assert summary["test"]["test_accuracy_snr_ge_10db"] == metrics["accuracy_snr_ge_10db"]
