"""Publishing via huggingface_hub, PEFT and datasets: upload calls are intercepted, all before is real."""

import io
import json
import os
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import datasets.dataset_dict
import numpy as np
import pytest
import torch
from datasets import load_dataset
from fsspec import AbstractFileSystem
from huggingface_hub import CommitOperationAdd, HfApi, ModelCard, RepoUrl
from huggingface_hub.utils import filter_repo_objects
from transformers import AutoModel

from spectrumfm_hf.commands.spectrumfm_cli import main
from spectrumfm_hf.data.hf import dataset_card, save_dataset, stratified_split, to_dataset
from spectrumfm_hf.data.registry import make_generator
from spectrumfm_hf.hub import (
    HubError,
    RunMetrics,
    adapter_card,
    model_card,
    push_adapter,
    push_dataset,
    push_folder,
    push_model,
)

from .test_hub_cards import RUN
from .test_hub_layout import model_inputs, save_model_folder, trained_adapter


@dataclass
class Commit:
    repo_id: str
    repo_type: str
    message: str
    files: dict


class FakeHub:
    """The repositories the intercepted calls wrote to: every commit, and the files each repository holds."""

    def __init__(self):
        self.commits: list[Commit] = []
        self.created: dict[str, tuple] = {}
        self.preuploaded: dict[str, bytes] = {}

    def files(self, repo_id: str) -> dict:
        held = {}
        for commit in self.commits:
            if commit.repo_id == repo_id:
                held.update(commit.files)
        return held

    def write(self, repo_id: str, folder: Path) -> Path:
        for path, content in self.files(repo_id).items():
            (folder / path).parent.mkdir(parents=True, exist_ok=True)
            (folder / path).write_bytes(content)
        return folder


@pytest.fixture
def hub(monkeypatch):
    fake = FakeHub()

    def create_repo(self, repo_id, *, token=None, private=None, repo_type=None, exist_ok=False, **options):
        fake.created[repo_id] = (repo_type or "model", private)
        prefix = "datasets/" if repo_type == "dataset" else ""
        return RepoUrl(f"https://huggingface.co/{prefix}{repo_id}")

    def upload_folder(self, *, repo_id, folder_path, repo_type=None, commit_message=None, allow_patterns=None,
                      ignore_patterns=None, **options):
        folder = Path(folder_path)
        relative = sorted(path.relative_to(folder).as_posix() for path in folder.rglob("*") if path.is_file())
        kept = filter_repo_objects(relative, allow_patterns=allow_patterns, ignore_patterns=ignore_patterns)
        files = {path: (folder / path).read_bytes() for path in kept}
        fake.commits.append(Commit(repo_id, repo_type or "model", commit_message, files))
        return SimpleNamespace(commit_url=f"https://huggingface.co/{repo_id}/commit/0", repo_url=repo_id)

    def preupload_lfs_files(self, repo_id, additions, **options):
        for addition in additions:  # datasets deletes the shard file right after this call
            fake.preuploaded[addition.path_in_repo] = Path(addition.path_or_fileobj).read_bytes()

    def create_commit(self, repo_id, operations, *, commit_message, repo_type=None, **options):
        files = {}
        for operation in operations:
            if isinstance(operation, CommitOperationAdd):
                if operation.path_in_repo in fake.preuploaded:
                    files[operation.path_in_repo] = fake.preuploaded.pop(operation.path_in_repo)
                else:
                    with operation.as_file() as handle:
                        files[operation.path_in_repo] = handle.read()
        fake.commits.append(Commit(repo_id, repo_type or "model", commit_message, files))
        return SimpleNamespace(commit_url=f"https://huggingface.co/{repo_id}/commit/0", repo_url=repo_id)

    def repo_info(self, repo_id, *, repo_type=None, revision=None, **options):
        return SimpleNamespace(id=repo_id, sha="0" * 40)

    class RepositoryFiles(AbstractFileSystem):
        """What datasets' push_to_hub reads back from the repository (its card), from the fake commits."""

        cachable = False

        def glob(self, path, **options):
            return []

        def _open(self, path, mode="rb", **options):
            repo_id, name = path.split("@", 1)[0].split("/", 1)[1], path.split("@", 1)[1].split("/", 1)[1]
            content = fake.files(repo_id).get(name)
            if content is None:
                raise FileNotFoundError(path)
            return io.BytesIO(content)

    for name, function in [("create_repo", create_repo), ("upload_folder", upload_folder),
                           ("preupload_lfs_files", preupload_lfs_files), ("create_commit", create_commit),
                           ("repo_info", repo_info)]:
        monkeypatch.setattr(HfApi, name, function)
    monkeypatch.setattr(datasets.dataset_dict, "HfFileSystem", RepositoryFiles)
    return fake


def run() -> RunMetrics:
    return RunMetrics.from_dict(RUN)


def test_push_model_commits_weights_config_extractor_code_and_card_at_once(hub, tmp_path):
    model, extractor = save_model_folder(tmp_path / "saved")
    card = model_card(run(), model_name="org/spectrumfm-small", description="d")
    push_model(model, extractor, "org/spectrumfm-small", card=card, commit_message="First weights")
    [commit] = hub.commits
    assert (commit.repo_id, commit.repo_type) == ("org/spectrumfm-small", "model")
    assert commit.message == "First weights"
    assert {"config.json", "model.safetensors", "preprocessor_config.json", "README.md",
            "modeling_spectrumfm.py",
            "configuration_spectrumfm.py", "feature_extraction_spectrumfm.py"} <= set(commit.files)


def test_pushed_model_loads_back_with_the_same_outputs(hub, tmp_path):
    model, extractor = save_model_folder(tmp_path / "saved")
    push_model(model, extractor, "org/m", card=model_card(run(), model_name="org/m", description="d"))
    loaded = AutoModel.from_pretrained(hub.write("org/m", tmp_path / "downloaded")).eval()
    inputs = model_inputs(extractor)
    with torch.no_grad():
        torch.testing.assert_close(loaded(**inputs).last_hidden_state, model(**inputs).last_hidden_state)


def test_pushed_model_card_parses_back_with_its_eval_results(hub, tmp_path):
    model, extractor = save_model_folder(tmp_path / "saved")
    push_model(model, extractor, "org/m", card=model_card(run(), model_name="org/m", description="d"))
    (tmp_path / "README.md").write_bytes(hub.files("org/m")["README.md"])
    card = ModelCard.load(tmp_path / "README.md")
    assert [result.metric_value for result in card.data.eval_results] == [0.6125, 0.8431]


def test_push_adapter_commits_peft_files_head_config_and_card(hub, tmp_path):
    save_model_folder(tmp_path / "base")
    adapter = trained_adapter(tmp_path / "base")
    card = adapter_card(run(), model_name="org/amc", base_model="org/base", description="d")
    push_adapter(adapter, "org/amc", card=card, base_model="org/base", private=True)
    [commit] = hub.commits
    assert set(commit.files) == {"adapter_config.json", "adapter_model.safetensors", "config.json",
                                 "configuration_spectrumfm.py", "README.md"}
    assert json.loads(commit.files["adapter_config.json"])["base_model_name_or_path"] == "org/base"
    task_config = json.loads(commit.files["config.json"])
    assert len(task_config["id2label"]) == 3
    # The task model's class, not the base's (a SpectrumFMModel here).
    assert task_config["architectures"] == ["SpectrumFMForSequenceClassification"]
    assert hub.created["org/amc"] == ("model", True)


def test_push_adapter_leaves_the_adapter_base_path_as_it_was(hub, tmp_path):
    save_model_folder(tmp_path / "base")
    adapter = trained_adapter(tmp_path / "base")
    before = adapter.peft_config["default"].base_model_name_or_path
    card = adapter_card(run(), model_name="a", base_model="org/b", description="d")
    push_adapter(adapter, "org/amc", card=card, base_model="org/b")
    assert adapter.peft_config["default"].base_model_name_or_path == before


def test_push_folder_with_card_leaves_the_folder_untouched_and_keeps_run_metrics_local(hub, tmp_path):
    save_model_folder(tmp_path / "model")
    (tmp_path / "model" / "README.md").write_text("local notes\n")
    (tmp_path / "model" / "run_metrics.json").write_text(json.dumps(RUN))
    card = model_card(run(), model_name="org/m", description="d")
    push_folder("model", tmp_path / "model", "org/m", card=card)
    [commit] = hub.commits
    assert "run_metrics.json" not in commit.files
    assert b"model-index" in commit.files["README.md"]
    assert (tmp_path / "model" / "README.md").read_text() == "local notes\n"


def test_push_folder_refuses_a_folder_of_another_kind(hub, tmp_path):
    save_model_folder(tmp_path / "model")
    with pytest.raises(HubError, match="is not a adapter folder: it lacks an adapter_config.json"):
        push_folder("adapter", tmp_path / "model", "org/a")
    assert hub.commits == []


@pytest.fixture
def saved_data_set(tmp_path):
    generated = to_dataset(make_generator("amc-rml2016.10a", 32), 40, seed=5)
    splits = stratified_split(generated, 0.25, 0.0, seed=5)
    card = dataset_card(splits, pretty_name="Tiny AMC", summary="Forty examples.", how_made="generated",
                        license="apache-2.0", seed=5)
    return splits, save_dataset(splits, tmp_path / "data", card)


def test_push_dataset_commits_the_card_then_parquet_shards_to_a_dataset_repository(hub, saved_data_set):
    _, folder = saved_data_set
    push_dataset(folder, "org/tiny-amc", commit_message="Forty examples")
    assert [(commit.repo_type, commit.message) for commit in hub.commits] == [
        ("dataset", "Add the dataset card"), ("dataset", "Forty examples")
    ]
    assert {"data/train-00000-of-00001.parquet", "data/test-00000-of-00001.parquet", "README.md"} <= set(
        hub.commits[1].files
    )


def test_pushed_dataset_card_keeps_our_text_and_gains_the_data_files(hub, saved_data_set):
    _, folder = saved_data_set
    push_dataset(folder, "org/tiny-amc")
    readme = hub.files("org/tiny-amc")["README.md"].decode()
    assert "# Tiny AMC" in readme and "license: apache-2.0" in readme
    assert "configs:" in readme and "data/train-*" in readme


def test_pushed_dataset_loads_back_with_load_dataset(hub, saved_data_set, tmp_path):
    splits, folder = saved_data_set
    push_dataset(folder, "org/tiny-amc")
    downloaded = hub.write("org/tiny-amc", tmp_path / "downloaded")
    loaded = load_dataset(os.fspath(downloaded), cache_dir=os.fspath(tmp_path / "cache"))
    assert loaded["test"].features == splits["test"].features
    np.testing.assert_array_equal(
        loaded["test"].with_format("numpy")["iq"], splits["test"].with_format("numpy")["iq"]
    )


def test_push_command_uploads_a_model_folder_with_its_message(hub, tmp_path, capsys):
    save_model_folder(tmp_path / "model")
    status = main(["push", "model", str(tmp_path / "model"), "--repo-id", "org/m", "--private",
                   "--commit-message", "Weights of run 3"])
    assert status == 0
    [commit] = hub.commits
    assert (commit.repo_id, commit.repo_type, commit.message) == ("org/m", "model", "Weights of run 3")
    assert hub.created["org/m"] == ("model", True)
    assert "pushed model" in capsys.readouterr().out


def test_push_command_builds_the_card_from_run_metrics(hub, tmp_path):
    save_model_folder(tmp_path / "model")
    (tmp_path / "run_metrics.json").write_text(json.dumps(RUN))
    status = main(["push", "model", str(tmp_path / "model"), "--repo-id", "org/m",
                   "--metrics", str(tmp_path / "run_metrics.json")])
    assert status == 0
    (tmp_path / "README.md").write_bytes(hub.commits[0].files["README.md"])
    assert ModelCard.load(tmp_path / "README.md").data.eval_results[0].metric_value == 0.6125


def test_push_command_answers_a_wrong_folder_with_one_line_and_status_2(hub, tmp_path, capsys):
    save_model_folder(tmp_path / "model")
    capsys.readouterr()  # the saving's progress bar
    status = main(["push", "dataset", str(tmp_path / "model"), "--repo-id", "org/d"])
    error = capsys.readouterr().err
    assert status == 2 and hub.commits == []
    assert error.count("\n") == 1 and "is not a dataset folder" in error


def test_push_command_rejects_a_malformed_repo_id(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["push", "model", ".", "--repo-id", "a/b/c"])
    assert exit_info.value.code == 2
    assert "expected a Hub repository id" in capsys.readouterr().err


def test_push_command_offline_fails_with_one_line_and_status_1(monkeypatch, tmp_path, capsys):
    import huggingface_hub.constants

    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    save_model_folder(tmp_path / "model")
    capsys.readouterr()  # the saving's progress bar
    status = main(["push", "model", str(tmp_path / "model"), "--repo-id", "org/m"])
    error = capsys.readouterr().err
    assert status == 1
    assert error.count("\n") == 1 and error.startswith("spectrumfm push: error:")
