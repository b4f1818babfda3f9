"""Model and adapter cards are filled from a run-metrics record and parse back with huggingface_hub."""

import copy
import json

import pytest
from huggingface_hub import ModelCard

from spectrumfm_hf.hub import (
    DEEPSIG_LICENSE_TEXT,
    HubError,
    RunMetrics,
    RunMetricsError,
    adapter_card,
    deepsig_dataset_card,
    model_card,
    read_run_metrics,
    write_run_metrics,
)

RUN = {
    "schema_version": 1,
    "task": {"type": "iq-classification", "name": "Automatic modulation classification"},
    "dataset": {
        "name": "SpectrumFM synthetic AMC (RML2016.10a classes)",
        "type": "spectrumfm-synthetic/amc-rml2016.10a",
        "split": "test",
        "config": "128 samples, seed 1",
    },
    "metrics": [
        {"type": "accuracy", "name": "Test accuracy", "value": 0.6125},
        {"type": "accuracy", "name": "Test accuracy at high SNR", "value": 0.8431, "config": "snr_db >= 10"},
    ],
    "seed": 7,
    "training": {
        "command": "python examples/finetune.py --task amc --seed 7",
        "data": "amc-rml2016.10a generator, 128 samples, 2000 examples, data seed 7",
        "steps": 120,
        "wall_time_s": 34.25,
        "hardware": "AMD EPYC, 2 cores, no GPU",
        "precision": "fp32",
        "final_losses": {"train": 0.8123, "validation": 0.9342},
    },
}


def written_card(card, tmp_path):
    card.save(tmp_path / "README.md")
    return ModelCard.load(tmp_path / "README.md")


def test_model_card_metadata_parses_back(tmp_path):
    card = model_card(RunMetrics.from_dict(RUN), model_name="org/spectrumfm-small", description="Small.")
    data = written_card(card, tmp_path).data
    assert data.library_name == "transformers"
    assert data.pipeline_tag == "feature-extraction"
    assert data.license == "apache-2.0"
    assert {"spectrumfm", "iq", "radio"} <= set(data.tags)
    assert data.model_name == "org/spectrumfm-small"


def test_model_card_eval_results_parse_back_from_model_index(tmp_path):
    card = model_card(RunMetrics.from_dict(RUN), model_name="org/spectrumfm-small", description="Small.")
    results = written_card(card, tmp_path).data.eval_results
    assert [(r.metric_type, r.metric_value, r.metric_config) for r in results] == [
        ("accuracy", 0.6125, None), ("accuracy", 0.8431, "snr_db >= 10")
    ]
    assert {(r.task_type, r.dataset_type, r.dataset_split) for r in results} == {
        ("iq-classification", "spectrumfm-synthetic/amc-rml2016.10a", "test")
    }


def test_adapter_card_names_peft_and_its_base_model(tmp_path):
    card = adapter_card(
        RunMetrics.from_dict(RUN), model_name="org/spectrumfm-small-amc", base_model="org/spectrumfm-small",
        description="AMC on 11 classes.",
    )
    data = written_card(card, tmp_path).data
    assert (data.library_name, data.base_model) == ("peft", "org/spectrumfm-small")
    assert data.license == "apache-2.0"
    assert data.pipeline_tag is None
    assert "lora" in data.tags


def test_card_text_states_the_recipe(tmp_path):
    text = written_card(
        model_card(RunMetrics.from_dict(RUN), model_name="m", description="d"), tmp_path
    ).text
    for fact in ("`python examples/finetune.py --task amc --seed 7`", "| Seed | 7 |", "| Steps | 120 |",
                 "34.2 s", "AMD EPYC, 2 cores, no GPU", "| Precision | fp32 |",
                 "| Final validation loss | 0.9342 |",
                 "amc-rml2016.10a generator, 128 samples", "## Intended use", "## Limitations"):
        assert fact in text


def test_run_metrics_are_read_from_json(tmp_path):
    (tmp_path / "run_metrics.json").write_text(json.dumps(RUN))
    run = read_run_metrics(tmp_path / "run_metrics.json")
    assert run.training.final_losses == {"train": 0.8123, "validation": 0.9342}
    assert run.metrics[1].config == "snr_db >= 10"


@pytest.mark.parametrize(
    "path, bad, message",
    [
        (("metrics", 0, "value"), "high", "'metrics[0].value' must be int or float, got 'high'"),
        (("training", "steps"), -1, "'training.steps' must be non-negative"),
        (("schema_version",), 2, "schema_version must be 1, got 2"),
        (("dataset", "split"), " ", "'dataset.split' must be a non-empty string"),
    ],
)
def test_run_metrics_name_the_bad_field(path, bad, message):
    record = copy.deepcopy(RUN)
    target = record
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = bad
    with pytest.raises(RunMetricsError, match=message.replace("[", r"\[").replace("]", r"\]")):
        RunMetrics.from_dict(record)


def test_run_metrics_without_training_record_are_refused():
    record = {key: value for key, value in RUN.items() if key != "training"}
    with pytest.raises(RunMetricsError, match="need the field 'training'"):
        RunMetrics.from_dict(record)


def test_missing_run_metrics_file_is_one_clear_error(tmp_path):
    with pytest.raises(RunMetricsError, match="does not exist"):
        read_run_metrics(tmp_path / "absent.json")


def test_deepsig_dataset_card_states_the_licence_and_no_redistribution(tmp_path):
    from datasets import Array2D, ClassLabel, Dataset, Features

    features = Features(
        {"iq": Array2D(shape=(4, 2), dtype="float32"), "label": ClassLabel(names=["BPSK", "QPSK"])}
    )
    data = Dataset.from_dict({"iq": [[[0.0, 0.0]] * 4] * 2, "label": [0, 1]}, features=features)
    card = deepsig_dataset_card(
        data, pretty_name="RML2016.10a", summary="s", how_made="read from RML2016.10a_dict.pkl"
    )
    card.save(tmp_path / "README.md")
    text = (tmp_path / "README.md").read_text()
    assert "license: cc-by-nc-sa-4.0" in text
    assert DEEPSIG_LICENSE_TEXT in text
    assert "does not redistribute" in DEEPSIG_LICENSE_TEXT


def test_adapter_card_refuses_a_base_model_that_is_not_a_hub_id():
    with pytest.raises(HubError, match=r"Hub id \(namespace/name\), got '/tmp/base'"):
        adapter_card(RunMetrics.from_dict(RUN), model_name="a", base_model="/tmp/base", description="d")


def test_written_run_metrics_read_back_equal(tmp_path):
    run = RunMetrics.from_dict(RUN)
    assert read_run_metrics(write_run_metrics(run, tmp_path)) == run


def test_writing_a_bad_record_writes_nothing(tmp_path):
    with pytest.raises(RunMetricsError, match="'seed' must be int"):
        write_run_metrics({**RUN, "seed": "zero"}, tmp_path)
    assert list(tmp_path.iterdir()) == []
