"""Shipped artefacts are found by name in the installed package."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from transformers import AutoModel

import spectrumfm_hf
from spectrumfm_hf import pretrained
from spectrumfm_hf.pretrained import PretrainedNotFoundError, available_pretrained, pretrained_path

from .test_hub_layout import save_model_folder

REPOSITORY_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def shipped(monkeypatch, tmp_path):
    """A package folder holding a model, an adapter and a half-copied folder that is not an artefact yet."""
    save_model_folder(tmp_path / "spectrumfm-tiny")
    (tmp_path / "spectrumfm-tiny-amc").mkdir()
    (tmp_path / "spectrumfm-tiny-amc" / "adapter_config.json").write_text("{}")
    (tmp_path / "spectrumfm-copying").mkdir()
    (tmp_path / "spectrumfm-copying" / "model.safetensors").write_bytes(b"")
    monkeypatch.setattr(pretrained, "PRETRAINED_ROOT", tmp_path)
    return tmp_path


def test_available_pretrained_lists_models_and_adapters_only(shipped):
    assert available_pretrained() == ("spectrumfm-tiny", "spectrumfm-tiny-amc")


def test_pretrained_path_is_the_installed_folder(shipped):
    assert pretrained_path("spectrumfm-tiny-amc") == shipped / "spectrumfm-tiny-amc"


def test_shipped_model_loads_with_auto_model(shipped):
    model = AutoModel.from_pretrained(pretrained_path("spectrumfm-tiny"))
    assert model.config.num_hidden_layers == 2


def test_unknown_name_lists_the_available_ones(shipped):
    listed = "'spectrumfm-huge'; available: 'spectrumfm-tiny', 'spectrumfm-tiny-amc'"
    with pytest.raises(PretrainedNotFoundError, match=listed):
        pretrained_path("spectrumfm-huge")


def test_unknown_name_without_shipped_artefacts_says_none_are_installed(monkeypatch, tmp_path):
    monkeypatch.setattr(pretrained, "PRETRAINED_ROOT", tmp_path)
    with pytest.raises(PretrainedNotFoundError, match="none are installed"):
        pretrained_path("spectrumfm-small")


def test_name_of_wrong_type_is_a_type_error():
    with pytest.raises(TypeError, match="got PosixPath"):
        pretrained_path(Path("spectrumfm-small"))


def test_pretrained_path_is_a_public_name_of_the_package():
    assert spectrumfm_hf.pretrained_path is pretrained_path
    assert "pretrained_path" in dir(spectrumfm_hf)


def test_finding_shipped_artefacts_does_not_import_torch():
    code = "import sys, spectrumfm_hf; spectrumfm_hf.available_pretrained(); print('torch' in sys.modules)"
    environment = {**os.environ, "PYTHONPATH": str(REPOSITORY_ROOT)}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=environment, timeout=60
    )
    assert result.stdout.strip() == "False", result.stderr[-2000:]


def test_package_data_ships_every_file_of_a_saved_model_folder(tmp_path):
    import fnmatch
    import tomllib

    settings = tomllib.loads((REPOSITORY_ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert "spectrumfm_hf.pretrained" in settings["packages"]
    patterns = settings["package-data"]["spectrumfm_hf.pretrained"]
    save_model_folder(tmp_path / "spectrumfm-small")
    (tmp_path / "spectrumfm-small" / "README.md").write_text("card\n")
    shipped = [f"spectrumfm-small/{path.name}" for path in (tmp_path / "spectrumfm-small").iterdir()]
    assert [path for path in shipped if not any(fnmatch.fnmatch(path, pattern) for pattern in patterns)] == []
