"""The IQ pipelines: windows, votes, start times, file inputs, adapters and anomaly thresholds."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from transformers import pipeline

from spectrumfm_hf import (
    SpectrumFMFeatureExtractor,
    SpectrumFMForAnomalyDetection,
    SpectrumFMForSequenceClassification,
)
from spectrumfm_hf.data.base import SpectrumDataError
from spectrumfm_hf.data.formats import write_sigmf
from spectrumfm_hf.pipelines import (
    ANOMALY_DETECTION_TASK,
    CLASSIFICATION_TASK,
    decode_samples,
    extract_windows,
    load_task_model,
    make_pipeline,
    model_task,
    read_capture,
)
from spectrumfm_hf.training.adaptation import save_task_adapter

from .conftest import tiny_config

WINDOW = 32
LABELS = {0: "bpsk", 1: "qpsk", 2: "noise"}


def _capture(num_samples: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (rng.normal(size=num_samples) + 1j * rng.normal(size=num_samples)).astype(np.complex64)


@pytest.fixture(scope="module")
def classifier_folder(tmp_path_factory):
    torch.manual_seed(0)
    folder = tmp_path_factory.mktemp("classifier")
    SpectrumFMForSequenceClassification(tiny_config(id2label=LABELS)).save_pretrained(folder)
    SpectrumFMFeatureExtractor(window_length=WINDOW).save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def classifier(classifier_folder):
    return pipeline(CLASSIFICATION_TASK, model=str(classifier_folder))


@pytest.fixture(scope="module")
def detector_folder(tmp_path_factory):
    torch.manual_seed(0)
    folder = tmp_path_factory.mktemp("detector")
    SpectrumFMForAnomalyDetection(tiny_config()).save_pretrained(folder)
    SpectrumFMFeatureExtractor(window_length=WINDOW).save_pretrained(folder)
    return folder


def test_every_window_gets_a_label_and_its_start_time(classifier):
    result = classifier(_capture(5 * WINDOW + 7), sample_rate=1e6)
    assert [window["start_sample"] for window in result["windows"]] == [i * WINDOW for i in range(6)]
    assert [window["start_time_s"] for window in result["windows"]] == pytest.approx(
        [i * WINDOW / 1e6 for i in range(6)]
    )
    assert {window["label"] for window in result["windows"]} <= set(LABELS.values())


def test_window_score_is_the_probability_of_its_label(classifier, classifier_folder):
    iq = _capture(4 * WINDOW)
    result = classifier(iq)
    model = SpectrumFMForSequenceClassification.from_pretrained(classifier_folder).eval()
    features = SpectrumFMFeatureExtractor(window_length=WINDOW)(iq, return_tensors="pt")
    with torch.no_grad():
        probabilities = torch.softmax(model(features["input_values"], features["attention_mask"]).logits, -1)
    assert [w["score"] for w in result["windows"]] == pytest.approx(
        probabilities.max(-1).values.tolist(), abs=1e-6
    )
    assert [w["label"] for w in result["windows"]] == [LABELS[int(i)] for i in probabilities.argmax(-1)]


def test_capture_vote_is_the_class_of_highest_mean_probability(classifier):
    result = classifier(_capture(6 * WINDOW))
    assert sum(result["scores"].values()) == pytest.approx(1.0, abs=1e-5)
    assert result["label"] == max(result["scores"], key=result["scores"].get)
    assert result["score"] == pytest.approx(max(result["scores"].values()))


def test_start_time_is_none_without_a_sample_rate(classifier):
    result = classifier(_capture(2 * WINDOW))
    assert result["sample_rate_hz"] is None
    assert [window["start_time_s"] for window in result["windows"]] == [None, None]


def test_first_sample_offsets_window_starts(classifier):
    result = classifier(_capture(2 * WINDOW), first_sample=1000, sample_rate=1000.0)
    assert [window["start_sample"] for window in result["windows"]] == [1000, 1000 + WINDOW]
    assert result["windows"][0]["start_time_s"] == pytest.approx(1.0)


def test_batch_size_batches_windows_without_changing_results(classifier):
    iq = _capture(9 * WINDOW)
    one_at_a_time = classifier(iq, batch_size=1)
    all_at_once = classifier(iq, batch_size=64)
    assert [w["label"] for w in one_at_a_time["windows"]] == [w["label"] for w in all_at_once["windows"]]
    assert one_at_a_time["scores"] == pytest.approx(all_at_once["scores"], abs=1e-5)


def test_torch_tensor_input_gives_the_array_result(classifier):
    iq = _capture(3 * WINDOW)
    assert classifier(torch.from_numpy(iq))["scores"] == pytest.approx(classifier(iq)["scores"], abs=1e-6)


def test_a_list_of_captures_gives_one_result_each(classifier):
    results = classifier([_capture(2 * WINDOW), _capture(3 * WINDOW, seed=1)])
    assert [len(result["windows"]) for result in results] == [2, 3]


def test_bad_batch_size_is_refused(classifier):
    with pytest.raises(ValueError, match="batch_size must be a positive integer, got 0"):
        classifier(_capture(WINDOW), batch_size=0)


def test_sigmf_file_is_read_with_its_recorded_sample_rate(classifier, tmp_path):
    iq = _capture(3 * WINDOW)
    meta = write_sigmf(
        tmp_path / "capture",
        [{"iq": np.stack([iq.real, iq.imag], axis=-1), "label": 0}],
        ["bpsk"],
        sample_rate_hz=2e6,
    )
    result = classifier(str(meta))
    assert result["sample_rate_hz"] == 2e6
    assert result["windows"][1]["start_time_s"] == pytest.approx(WINDOW / 2e6)
    assert result["scores"] == pytest.approx(classifier(iq)["scores"], abs=1e-6)


def test_raw_cf32_file_gives_the_array_result(classifier, tmp_path):
    iq = _capture(3 * WINDOW + 5)
    path = tmp_path / "capture.cf32"
    iq.astype("<c8").tofile(path)
    result = classifier(str(path), sample_rate=250e3)
    assert result["sample_rate_hz"] == 250e3
    assert [w["label"] for w in result["windows"]] == [w["label"] for w in classifier(iq)["windows"]]
    assert result["scores"] == pytest.approx(classifier(iq)["scores"], abs=1e-6)


def test_npy_file_gives_the_array_result(classifier, tmp_path):
    iq = _capture(2 * WINDOW)
    np.save(tmp_path / "capture.npy", iq)
    assert classifier(str(tmp_path / "capture.npy"))["scores"] == pytest.approx(
        classifier(iq)["scores"], abs=1e-6
    )


def test_cu8_samples_are_centred_and_scaled():
    raw = np.array([0, 255, 127, 128], dtype=np.uint8).tobytes()
    assert decode_samples(raw, "cu8") == pytest.approx(
        np.array([-1 + 1j, -0.5 / 127.5 + 0.5j / 127.5]), abs=1e-6
    )


def test_ci16_samples_are_scaled_to_unit_full_scale():
    raw = np.array([-32768, 16384], dtype="<i2").tobytes()
    assert decode_samples(raw, "ci16") == pytest.approx(np.array([-1 + 0.5j]))


def test_missing_file_names_the_path(tmp_path):
    with pytest.raises(SpectrumDataError, match="missing.cf32: no such file"):
        read_capture(tmp_path / "missing.cf32")


def test_unknown_extension_names_the_accepted_formats(tmp_path):
    path = tmp_path / "capture.wav"
    path.write_bytes(b"RIFF")
    with pytest.raises(
        SpectrumDataError, match=r"capture.wav: cannot tell the sample format.*\.sigmf-meta.*\.npy.*\.cf32"
    ):
        read_capture(path)


def test_truncated_raw_file_is_refused(tmp_path):
    path = tmp_path / "capture.cf32"
    path.write_bytes(b"\x00" * 12)
    with pytest.raises(SpectrumDataError, match="12 bytes is not a whole number of cf32 samples"):
        read_capture(path)


def test_sample_rate_disagreeing_with_sigmf_metadata_is_refused(tmp_path):
    meta = write_sigmf(tmp_path / "c", [{"iq": np.ones((WINDOW, 2)), "label": 0}], ["a"], sample_rate_hz=1e6)
    with pytest.raises(
        SpectrumDataError, match="sample_rate is 2000000.0 Hz but .* was recorded at 1000000.0 Hz"
    ):
        read_capture(meta, sample_rate=2e6)


def test_extract_windows_gives_the_model_inputs_and_each_window_start_apart():
    inputs, starts = extract_windows(SpectrumFMFeatureExtractor(window_length=WINDOW), _capture(2 * WINDOW))
    assert set(inputs) == {"input_values", "attention_mask"}
    assert starts.tolist() == [0, WINDOW]


def test_adapter_folder_loads_on_its_base_with_the_adapter_merged(tmp_path):
    from peft import LoraConfig, get_peft_model

    torch.manual_seed(0)
    config = tiny_config(id2label=LABELS)
    SpectrumFMForSequenceClassification(config).save_pretrained(tmp_path / "base")
    SpectrumFMFeatureExtractor(window_length=WINDOW).save_pretrained(tmp_path / "base")
    lora = LoraConfig(
        r=4, target_modules=["query", "value"], modules_to_save=["classifier"], init_lora_weights=False
    )
    adapted = get_peft_model(SpectrumFMForSequenceClassification.from_pretrained(tmp_path / "base"), lora)
    adapted.save_pretrained(tmp_path / "adapter")
    iq = _capture(2 * WINDOW)
    features = SpectrumFMFeatureExtractor(window_length=WINDOW)(iq, return_tensors="pt")
    with torch.no_grad():
        expected = torch.softmax(
            adapted.eval()(features["input_values"], features["attention_mask"]).logits, -1
        )
    result = pipeline(CLASSIFICATION_TASK, model=str(tmp_path / "adapter"))(iq)
    assert [w["score"] for w in result["windows"]] == pytest.approx(
        expected.max(-1).values.tolist(), abs=1e-5
    )


def test_adapter_task_is_read_from_its_base_config(tmp_path):
    SpectrumFMForAnomalyDetection(tiny_config()).save_pretrained(tmp_path / "base")
    (tmp_path / "adapter").mkdir()
    (tmp_path / "adapter" / "adapter_config.json").write_text(
        json.dumps({"base_model_name_or_path": str(tmp_path / "base")})
    )
    assert model_task(tmp_path / "adapter") == ANOMALY_DETECTION_TASK


def test_anomaly_pipeline_lists_the_windows_over_the_threshold(detector_folder):
    detector = make_pipeline(detector_folder)
    iq = _capture(6 * WINDOW)
    scores = [w["anomaly_score"] for w in detector(iq)["windows"]]
    threshold = float(np.median(scores))
    result = detector(iq, threshold=threshold, sample_rate=1e3)
    assert [w["start_sample"] for w in result["anomalous_windows"]] == [
        i * WINDOW for i, score in enumerate(scores) if score > threshold
    ]
    assert result["is_anomaly"] is True
    assert result["max_anomaly_score"] == pytest.approx(max(scores))


def test_anomaly_pipeline_uses_the_calibrated_threshold(detector_folder):
    model = load_task_model(detector_folder)
    model.config.anomaly_threshold = 1e9
    result = pipeline(
        ANOMALY_DETECTION_TASK,
        model=model,
        feature_extractor=SpectrumFMFeatureExtractor(window_length=WINDOW),
    )(_capture(2 * WINDOW))
    assert result["threshold"] == 1e9
    assert result["anomalous_windows"] == [] and result["is_anomaly"] is False


def test_uncalibrated_anomaly_pipeline_flags_nothing(detector_folder):
    result = make_pipeline(detector_folder)(_capture(2 * WINDOW))
    assert result["threshold"] is None and result["anomalous_windows"] is None
    assert [w["is_anomaly"] for w in result["windows"]] == [None, None]


def test_adapter_with_its_task_config_loads_on_a_pretraining_checkpoint(tmp_path):
    from peft import LoraConfig, get_peft_model

    from spectrumfm_hf import SpectrumFMForPretraining

    torch.manual_seed(0)
    SpectrumFMForPretraining(tiny_config()).save_pretrained(tmp_path / "pretrained")
    task_model = SpectrumFMForSequenceClassification.from_pretrained(
        tmp_path / "pretrained", num_labels=2, id2label={0: "vacant", 1: "occupied"}
    )
    lora = LoraConfig(
        r=4,
        target_modules=["query", "value"],
        modules_to_save=["classifier_rnn", "classifier"],
        init_lora_weights=False,
    )
    adapted = get_peft_model(task_model, lora)
    save_task_adapter(adapted, tmp_path / "sensing")
    iq = _capture(2 * WINDOW)
    features = SpectrumFMFeatureExtractor(window_length=WINDOW)(iq, return_tensors="pt")
    with torch.no_grad():
        expected = torch.softmax(
            adapted.eval()(features["input_values"], features["attention_mask"]).logits, -1
        )
    result = make_pipeline(tmp_path / "sensing")(iq)
    assert set(result["scores"]) == {"vacant", "occupied"}
    assert [w["score"] for w in result["windows"]] == pytest.approx(
        expected.max(-1).values.tolist(), abs=1e-5
    )


def test_adapter_whose_config_names_the_pretraining_checkpoint_is_refused_naming_the_fix(tmp_path):
    from peft import LoraConfig, get_peft_model

    from spectrumfm_hf import SpectrumFMForPretraining

    SpectrumFMForPretraining(tiny_config()).save_pretrained(tmp_path / "pretrained")
    task_model = SpectrumFMForSequenceClassification.from_pretrained(tmp_path / "pretrained")
    lora = LoraConfig(r=4, target_modules=["query"], modules_to_save=["classifier"])
    adapted = get_peft_model(task_model, lora)
    adapted.save_pretrained(tmp_path / "adapter")
    # The base checkpoint's configuration, as it was loaded: it names SpectrumFMForPretraining.
    adapted.get_base_model().config.save_pretrained(tmp_path / "adapter")
    with pytest.raises(
        ValueError,
        match="names a pre-trained encoder .*SpectrumFMForPretraining.*, not the task model of the adapter "
        ".*; save the adapter with spectrumfm_hf.training.save_task_adapter",
    ):
        model_task(tmp_path / "adapter")


def test_importing_the_module_registers_both_tasks():
    from transformers.pipelines import PIPELINE_REGISTRY

    assert {CLASSIFICATION_TASK, ANOMALY_DETECTION_TASK} <= set(PIPELINE_REGISTRY.get_supported_tasks())


@pytest.mark.slow
def test_module_imports_first_in_a_fresh_process():
    root = Path(__file__).resolve().parent.parent
    child = subprocess.run(
        [sys.executable, "-c", "import spectrumfm_hf.pipelines"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(root)},
    )
    assert child.returncode == 0, child.stderr[-500:]


def test_pretraining_checkpoint_without_a_task_head_is_refused(tmp_path):
    from spectrumfm_hf import SpectrumFMForPretraining

    SpectrumFMForPretraining(tiny_config()).save_pretrained(tmp_path / "pretrained")
    with pytest.raises(
        ValueError, match="holds a pre-trained encoder .*SpectrumFMForPretraining.* without a task head"
    ):
        model_task(tmp_path / "pretrained")


def test_pipeline_refuses_a_pretraining_checkpoint(tmp_path):
    from spectrumfm_hf import SpectrumFMForPretraining

    SpectrumFMForPretraining(tiny_config()).save_pretrained(tmp_path / "pretrained")
    with pytest.raises(ValueError, match="without a task head"):
        pipeline(CLASSIFICATION_TASK, model=str(tmp_path / "pretrained"))
