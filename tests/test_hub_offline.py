"""A Hub id that cannot be fetched gives one clear line; local folders and shipped names load as they are."""

import huggingface_hub.constants
import pytest
from peft import PeftConfig
from transformers import AutoFeatureExtractor, AutoModel

from spectrumfm_hf import pretrained
from spectrumfm_hf.hub import HubAccessError, load_pretrained

from .test_hub_layout import save_model_folder


@pytest.fixture
def offline(monkeypatch, tmp_path):
    """No network and an empty cache, as on a machine that never downloaded anything."""
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(tmp_path / "empty-cache"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


@pytest.mark.parametrize("load", [AutoModel.from_pretrained, AutoFeatureExtractor.from_pretrained,
                                  PeftConfig.from_pretrained])
def test_uncached_hub_id_offline_is_one_line_saying_what_to_do(offline, load):
    with pytest.raises(HubAccessError) as error:
        load_pretrained(load, "someone/spectrumfm-not-downloaded")
    message = str(error.value)
    assert "\n" not in message
    assert "'someone/spectrumfm-not-downloaded'" in message
    assert "not in the local Hugging Face cache" in message
    assert "Pass a local folder" in message and "hf auth login" in message
    assert error.value.__suppress_context__


def test_missing_local_looking_path_says_no_such_folder(offline):
    with pytest.raises(HubAccessError, match="no such local folder"):
        load_pretrained(AutoModel.from_pretrained, "./no/such/folder")


def test_local_folder_loads_offline(offline, tmp_path):
    save_model_folder(tmp_path / "model")
    assert type(load_pretrained(AutoModel.from_pretrained, tmp_path / "model")).__name__ == "SpectrumFMModel"


def test_shipped_name_resolves_to_its_installed_folder(offline, monkeypatch, tmp_path):
    save_model_folder(tmp_path / "spectrumfm-tiny")
    monkeypatch.setattr(pretrained, "PRETRAINED_ROOT", tmp_path)
    model = load_pretrained(AutoModel.from_pretrained, "spectrumfm-tiny")
    assert model.config.hidden_size == 32


def test_errors_of_a_local_folder_are_not_reworded(offline, tmp_path):
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "config.json").write_text("{not json")
    with pytest.raises(Exception) as error:
        load_pretrained(AutoModel.from_pretrained, tmp_path / "broken")
    assert not isinstance(error.value, HubAccessError)
