"""Trained artefacts install into the package with a card from their measured run metrics."""

import json

import pytest
import torch
from huggingface_hub import ModelCard
from peft import PeftModel
from transformers import AutoConfig, AutoModel, AutoModelForSequenceClassification

from spectrumfm_hf import SpectrumFMFeatureExtractor, pretrained
from spectrumfm_hf.hub import HubError, resolve_pretrained, ship_artefact
from spectrumfm_hf.pretrained import available_pretrained, pretrained_path

from .test_hub_cards import RUN
from .test_hub_layout import model_inputs, save_model_folder, trained_adapter


@pytest.fixture
def package_root(monkeypatch, tmp_path):
    root = tmp_path / "pretrained"
    root.mkdir()
    monkeypatch.setattr(pretrained, "PRETRAINED_ROOT", root)
    return root


@pytest.fixture
def trained_model(tmp_path):
    save_model_folder(tmp_path / "run")
    (tmp_path / "run" / "run_metrics.json").write_text(json.dumps(RUN))
    (tmp_path / "run" / "checkpoint-10").mkdir()
    return tmp_path / "run"


def ship_model(folder):
    return ship_artefact(
        "model", folder, "spectrumfm-tiny", description="Tiny.", repo_id="org/spectrumfm-tiny"
    )


def test_shipped_model_is_found_by_name_and_loads(package_root, trained_model):
    ship_model(trained_model)
    assert available_pretrained() == ("spectrumfm-tiny",)
    assert AutoModel.from_pretrained(pretrained_path("spectrumfm-tiny")).config.hidden_size == 32


def test_shipped_model_keeps_hub_layout_and_leaves_checkpoints_behind(package_root, trained_model):
    folder = ship_model(trained_model)
    assert {"config.json", "model.safetensors", "preprocessor_config.json", "README.md", "run_metrics.json",
            "modeling_spectrumfm.py"} <= {path.name for path in folder.iterdir()}
    assert not (folder / "checkpoint-10").exists()


def test_shipped_model_card_carries_the_measured_metrics(package_root, trained_model):
    card = ModelCard.load(ship_model(trained_model) / "README.md")
    assert card.data.model_name == "org/spectrumfm-tiny"
    assert [result.metric_value for result in card.data.eval_results] == [0.6125, 0.8431]


def test_shipped_adapter_names_its_shipped_base_and_loads_on_it(package_root, trained_model, tmp_path):
    base_folder = ship_model(trained_model)
    adapter = trained_adapter(base_folder)
    adapter.save_pretrained(tmp_path / "adapter")
    adapter.get_base_model().config.save_pretrained(tmp_path / "adapter")
    (tmp_path / "adapter" / "run_metrics.json").write_text(json.dumps(RUN))
    folder = ship_artefact("adapter", tmp_path / "adapter", "spectrumfm-tiny-amc", description="AMC.",
                           repo_id="org/spectrumfm-tiny-amc", base_name="spectrumfm-tiny",
                           base_repo_id="org/spectrumfm-tiny")
    base_name = json.loads((folder / "adapter_config.json").read_text())["base_model_name_or_path"]
    assert base_name == "spectrumfm-tiny"
    base = AutoModelForSequenceClassification.from_pretrained(
        resolve_pretrained(base_name), config=AutoConfig.from_pretrained(folder)
    )
    loaded = PeftModel.from_pretrained(base, folder).eval()
    inputs = model_inputs(SpectrumFMFeatureExtractor(window_length=32))
    with torch.no_grad():
        torch.testing.assert_close(loaded(**inputs).logits, adapter(**inputs).logits)
    assert ModelCard.load(folder / "README.md").data.base_model == "org/spectrumfm-tiny"


def test_weights_over_the_size_limit_are_refused(package_root, trained_model):
    with pytest.raises(HubError, match="shipped weights may hold at most 1000 bytes"):
        ship_artefact("model", trained_model, "spectrumfm-tiny", description="d", repo_id="o/m",
                      max_weight_bytes=1000)
    assert available_pretrained() == ()


def test_artefact_without_run_metrics_is_refused(package_root, tmp_path):
    save_model_folder(tmp_path / "run")
    with pytest.raises(HubError, match="run_metrics.json' does not exist"):
        ship_artefact("model", tmp_path / "run", "spectrumfm-tiny", description="d", repo_id="o/m")


def test_artefact_name_must_be_a_plain_lower_case_name(package_root, trained_model):
    with pytest.raises(HubError, match="name must be lower-case"):
        ship_artefact("model", trained_model, "../escape", description="d", repo_id="o/m")


def test_shipped_command_names_portable_folders_in_the_card_and_the_run_metrics(package_root, trained_model):
    record = json.loads((trained_model / "run_metrics.json").read_text())
    record["training"]["command"] = "spectrumfm pretrain --output-dir /scratch/build/runs/spectrumfm-tiny --seed 0"
    (trained_model / "run_metrics.json").write_text(json.dumps(record))
    folder = ship_artefact("model", trained_model, "spectrumfm-tiny", description="Tiny.", repo_id="org/spectrumfm-tiny",
                           command_folders={"/scratch/build/runs": "runs/shipped"})
    expected = "spectrumfm pretrain --output-dir runs/shipped/spectrumfm-tiny --seed 0"
    assert json.loads((folder / "run_metrics.json").read_text())["training"]["command"] == expected
    card = (folder / "README.md").read_text()
    assert expected in card and "/scratch/build" not in card
    # The run's own record is left as it was.
    assert "/scratch/build/runs" in (trained_model / "run_metrics.json").read_text()
