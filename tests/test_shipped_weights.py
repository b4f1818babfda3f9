"""The weights installed with the package load offline and carry cards with their measured figures."""

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from huggingface_hub import ModelCard
from peft import PeftModel
from safetensors import safe_open
from transformers import AutoConfig, AutoFeatureExtractor, AutoModel, AutoModelForSequenceClassification

from spectrumfm_hf import (
    SpectrumFMForAnomalyDetection,
    SpectrumFMForPretraining,
    SpectrumFMForSequenceClassification,
)
from spectrumfm_hf.cli import main
from spectrumfm_hf.data.labels import (
    RML2016_10A_CLASSES,
    RML2018_01A_CLASSES,
    SS_CLASS_NAMES,
    TECHNOLOGY_CLASSES,
)
from spectrumfm_hf.data.tasks.anomaly import AnomalyDetectionGenerator
from spectrumfm_hf.pipelines import make_pipeline
from spectrumfm_hf.pretrained import PIPELINE_DEFAULTS, available_pretrained, pretrained_path

BASE = "spectrumfm-small"
SHIPPED = available_pretrained()
ADAPTERS = [name for name in SHIPPED if (pretrained_path(name) / "adapter_config.json").is_file()]
# The package promises its shipped weights stay small enough to install with it.
MAX_WEIGHT_BYTES = 8 * 2**20

CLASSIFIER_CLASS = SpectrumFMForSequenceClassification.__name__
ANOMALY_CLASS = SpectrumFMForAnomalyDetection.__name__
# Each shipped classifier adapter and its label names, in label order.
CLASSIFIER_LABELS = {
    "spectrumfm-small-amc-rml2016": RML2016_10A_CLASSES,
    "spectrumfm-small-amc-rml2018": RML2018_01A_CLASSES,
    "spectrumfm-small-ss": SS_CLASS_NAMES,
    "spectrumfm-small-wtc": TECHNOLOGY_CLASSES,
}
ANOMALY_ADAPTER = "spectrumfm-small-ad"

needs_base = pytest.mark.skipif(BASE not in SHIPPED, reason=f"{BASE} is not installed with the package")


def capture(num_samples: int = 1024, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    symbols = rng.choice(np.array([1 + 1j, 1 - 1j, -1 + 1j, -1 - 1j]), num_samples // 8)
    return np.repeat(symbols, 8) + 0.05 * (rng.standard_normal(num_samples) + 1j * rng.standard_normal(num_samples))


@needs_base
def test_shipped_base_loads_offline_with_the_auto_classes_and_encodes_a_capture():
    folder = pretrained_path(BASE)
    model = AutoModel.from_pretrained(folder).eval()
    extractor = AutoFeatureExtractor.from_pretrained(folder)
    inputs = extractor(capture(), return_tensors="pt")
    with torch.no_grad():
        latent = model(**inputs).last_hidden_state
    assert latent.shape == (8, 128, model.config.hidden_size)
    assert torch.isfinite(latent).all()


@needs_base
def test_shipped_base_holds_the_pretraining_heads_it_was_trained_with():
    _, info = SpectrumFMForPretraining.from_pretrained(pretrained_path(BASE), output_loading_info=True)
    assert not info["missing_keys"]
    assert not info["unexpected_keys"]


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_weights_are_small_safetensors(name):
    weights = sorted(pretrained_path(name).glob("*.safetensors"))
    assert weights, f"{name} has no safetensors weights"
    for path in weights:
        assert path.stat().st_size <= MAX_WEIGHT_BYTES
        with safe_open(path, "pt") as handle:
            assert len(list(handle.keys())) > 0


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_card_states_the_measured_figures_of_its_run(name):
    folder = pretrained_path(name)
    run = json.loads((folder / "run_metrics.json").read_text())
    card = ModelCard.load(folder / "README.md")
    results = card.data.eval_results
    assert [result.metric_value for result in results] == [metric["value"] for metric in run["metrics"]]
    # Adapters are PEFT's to load (the Hub lists them under PEFT); base models are transformers'.
    assert card.data.library_name == ("peft" if name in ADAPTERS else "transformers")
    assert run["training"]["command"] in card.text
    if name in ADAPTERS:
        assert card.data.base_model == f"spectrumfm/{BASE}"


def shipped(names) -> list:
    return [
        pytest.param(name, marks=pytest.mark.skipif(name not in SHIPPED, reason=f"{name} is not installed"))
        for name in names
    ]


def capture_inputs() -> dict:
    return AutoFeatureExtractor.from_pretrained(pretrained_path(BASE))(capture(), return_tensors="pt")


def test_every_shipped_adapter_is_a_known_classifier_or_the_anomaly_detector():
    assert set(ADAPTERS) <= {*CLASSIFIER_LABELS, ANOMALY_ADAPTER}


@pytest.mark.parametrize("name", ADAPTERS)
def test_shipped_adapter_config_names_the_task_model_it_was_trained_as(name):
    expected = ANOMALY_CLASS if name == ANOMALY_ADAPTER else CLASSIFIER_CLASS
    adapter_config = json.loads((pretrained_path(name) / "adapter_config.json").read_text())
    assert AutoConfig.from_pretrained(pretrained_path(name)).architectures == [expected]
    # The class PEFT recorded wrapping when it saved the adapter.
    assert adapter_config["auto_mapping"]["base_model_class"] == expected
    assert adapter_config["base_model_name_or_path"] == BASE


@needs_base
@pytest.mark.parametrize("name", shipped(CLASSIFIER_LABELS))
def test_shipped_classifier_adapter_gives_logits_over_its_own_labels(name):
    # As the README loads it: the task config from the adapter, the weights from the base, then PEFT.
    folder = pretrained_path(name)
    config = AutoConfig.from_pretrained(folder)
    torch.manual_seed(0)
    classifier = AutoModelForSequenceClassification.from_pretrained(pretrained_path(BASE), config=config)
    classifier.eval()
    inputs = capture_inputs()
    with torch.no_grad():
        random_head = classifier(**inputs).logits
        logits = PeftModel.from_pretrained(classifier, folder).eval()(**inputs).logits
    labels = CLASSIFIER_LABELS[name]
    assert type(classifier).__name__ == CLASSIFIER_CLASS
    assert [config.id2label[index] for index in range(config.num_labels)] == list(labels)
    assert config.label2id == {label: index for index, label in enumerate(labels)}
    assert logits.shape == (8, len(labels))
    assert torch.isfinite(logits).all()
    assert not torch.allclose(logits, random_head)


@needs_base
@pytest.mark.skipif(ANOMALY_ADAPTER not in SHIPPED, reason="the anomaly adapter is not installed")
def test_shipped_anomaly_adapter_scores_windows_and_flags_them_with_its_calibrated_threshold():
    folder = pretrained_path(ANOMALY_ADAPTER)
    config = AutoConfig.from_pretrained(folder)
    calibrated = json.loads((folder / "config.json").read_text())["anomaly_threshold"]
    detector = SpectrumFMForAnomalyDetection.from_pretrained(pretrained_path(BASE), config=config)
    detector = PeftModel.from_pretrained(detector, folder).eval()
    # Eight one-window captures of the link it was calibrated on, then rectangular QPSK at 8
    # samples per symbol (eight windows), which is unlike that link.
    normal = AnomalyDetectionGenerator(num_samples=128, mode="normal").generate(1, np.arange(8))["iq"]
    extractor = AutoFeatureExtractor.from_pretrained(pretrained_path(BASE))
    with torch.no_grad():
        output = detector(**extractor([*normal, capture()], return_tensors="pt"))
    assert config.anomaly_score == "mahalanobis" and config.anomaly_false_alarm_rate == 0.01
    assert detector.config.anomaly_threshold == calibrated
    assert output.anomaly_score.shape == (16,) and torch.isfinite(output.anomaly_score).all()
    assert torch.equal(output.is_anomaly, output.anomaly_score > calibrated)
    assert output.is_anomaly.tolist() == [False] * 8 + [True] * 8


needs_amc_adapter = pytest.mark.skipif(
    PIPELINE_DEFAULTS["iq-classification"] not in SHIPPED, reason="the shipped AMC adapter is not installed"
)


@needs_amc_adapter
def test_pipeline_without_a_model_classifies_with_the_shipped_amc_adapter():
    classify = make_pipeline()
    labels = set(AutoConfig.from_pretrained(pretrained_path(PIPELINE_DEFAULTS["iq-classification"])).id2label.values())
    result = classify(capture(1024))
    assert len(result["windows"]) == 8
    assert {window["label"] for window in result["windows"]} <= labels
    assert result["label"] in labels


@pytest.mark.skipif(
    PIPELINE_DEFAULTS["iq-anomaly-detection"] not in SHIPPED, reason="the anomaly adapter is not installed"
)
def test_anomaly_pipeline_without_a_model_flags_a_signal_unlike_the_shipped_links_primary():
    detect = make_pipeline(task="iq-anomaly-detection")
    # Rectangular QPSK at 8 samples per symbol: not the link's 20 MHz RRC primary at 2.
    result = detect(capture(512))
    threshold = AutoConfig.from_pretrained(pretrained_path(PIPELINE_DEFAULTS["iq-anomaly-detection"])).anomaly_threshold
    assert result["threshold"] == threshold and len(result["windows"]) == 4
    assert result["is_anomaly"] and result["max_anomaly_score"] > threshold


@needs_amc_adapter
def test_pipeline_takes_a_shipped_name_for_its_folder():
    by_name = make_pipeline(PIPELINE_DEFAULTS["iq-classification"])
    by_default = make_pipeline()
    assert by_name(capture())["scores"] == by_default(capture())["scores"]


@needs_amc_adapter
def test_predict_without_a_model_uses_the_shipped_adapter(tmp_path, capsys):
    recording = tmp_path / "capture.npy"
    np.save(recording, capture(1024).astype(np.complex64))
    assert main(["predict", str(recording)]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert sum(len(line["windows"]) for line in lines) == 8


def test_predict_with_an_unknown_model_name_is_a_one_line_error(tmp_path, capsys):
    recording = tmp_path / "capture.npy"
    np.save(recording, capture(256).astype(np.complex64))
    assert main(["predict", str(recording), "--model", "no-such-model"]) == 2
    error = capsys.readouterr().err.strip()
    assert len(error.splitlines()) == 1
    assert "'no-such-model' is not a folder nor a shipped artefact" in error


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_remote_code_is_the_packages_own(name):
    # A folder loaded with trust_remote_code runs its own copies; they must not drift from the package.
    import spectrumfm_hf

    package = Path(spectrumfm_hf.__file__).parent
    copies = sorted(pretrained_path(name).glob("*_spectrumfm.py"))
    assert copies, f"{name} ships no remote code"
    for copy in copies:
        assert copy.read_bytes() == (package / copy.name).read_bytes(), f"{name}/{copy.name} differs from the package's"
