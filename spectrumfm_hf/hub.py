"""Publishing to the Hugging Face Hub, cards from measured metrics, and loading with clear errors.

Everything goes through the libraries: folders through ``huggingface_hub.HfApi.upload_folder``,
data sets through ``datasets``' own ``push_to_hub`` (Parquet shards) and cards through
``huggingface_hub.ModelCard`` / ``DatasetCard``. A repository receives exactly what a local
folder in Hub layout holds, so what a user downloads loads the way the local folder does.

Run metrics (``run_metrics.json``)
----------------------------------
A card's results and recipe come from one JSON file written by evaluation, never typed by hand.
Schema version 1 (extra keys are ignored)::

    {
      "schema_version": 1,
      "task": {"type": "iq-classification", "name": "Automatic modulation classification"},
      "dataset": {"name": "SpectrumFM synthetic AMC (RML2016.10a classes)",
                  "type": "spectrumfm-synthetic/amc-rml2016.10a",
                  "split": "test",
                  "config": "128 samples, seed 1"},              # optional
      "metrics": [{"type": "accuracy", "name": "Test accuracy", "value": 0.61,
                   "config": "snr_db >= 10"}],                  # config optional; at least one metric
      "seed": 0,
      "training": {
        "command": "python examples/finetune.py --task amc ...",   # the exact command
        "data": "amc-rml2016.10a generator, 128 samples, 20000 examples, data seed 0",
        "steps": 1200,
        "wall_time_s": 342.5,
        "hardware": "AMD EPYC 9V84, 2 cores, no GPU",
        "precision": "fp32",
        "final_losses": {"train": 0.81, "validation": 0.92}
      }
    }

Write it with :func:`write_run_metrics` (checked first), read it with :func:`read_run_metrics`.
``task.type`` and ``dataset.type`` are free identifiers (the Hub's ``model-index`` takes any);
``metrics[].type`` should be an ``evaluate`` metric id (``accuracy``, ``f1``, ``roc_auc``, ``mse``).
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
import shutil
import tempfile
import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping, Sequence, TypeVar

from huggingface_hub import EvalResult, HfApi, ModelCard, ModelCardData, constants
from huggingface_hub.errors import (
    GatedRepoError,
    HfHubHTTPError,
    HFValidationError,
    LocalEntryNotFoundError,
    OfflineModeIsEnabled,
    RepositoryNotFoundError,
)
from huggingface_hub.utils import validate_repo_id

from . import pretrained
from .cards import card_template
from .io_utils import atomic_output_dir
from .pretrained import available_pretrained, pretrained_path

RUN_METRICS_FILENAME = "run_metrics.json"
"""Conventional name of the run-metrics file beside a trained artefact."""

RUN_METRICS_SCHEMA_VERSION = 1

LICENSE = "apache-2.0"
"""Licence of our code and of the weights we train (Hub identifier)."""

DEEPSIG_LICENSE = "cc-by-nc-sa-4.0"
"""Licence of the DeepSig RadioML data sets (Hub identifier)."""

DEEPSIG_LICENSE_TEXT = (
    "The examples come from a DeepSig RadioML file the user downloaded. DeepSig Inc. licenses its "
    "data sets under the Creative Commons Attribution-NonCommercial-ShareAlike 4.0 licence "
    "(CC BY-NC-SA 4.0): non-commercial use only, with attribution to DeepSig, and any redistribution "
    "under the same licence. spectrumfm_hf does not redistribute these data; it only reads the files "
    "DeepSig publishes. For other terms, contact DeepSig."
)
"""Licence prose for a dataset card of data loaded from DeepSig files (``dataset_card(license_text=...)``)."""

MODEL_TAGS = ("spectrumfm", "radio", "wireless", "spectrum", "iq", "signal-processing")
ADAPTER_TAGS = (*MODEL_TAGS, "lora")

# The base model returns one latent vector per IQ symbol, which is what the Hub's
# "feature-extraction" task means. Task adapters get no pipeline tag: their input is complex IQ,
# and no Hub task (text, image, audio, tabular, time-series forecasting) describes an IQ classifier.
BASE_MODEL_PIPELINE_TAG = "feature-extraction"

PUSH_KINDS = ("model", "adapter", "dataset")

T = TypeVar("T")


class HubError(ValueError):
    """A folder, repository id or record that cannot be published or loaded as asked."""


class RunMetricsError(HubError):
    """A run-metrics record that does not follow the schema."""


class HubAccessError(HubError, OSError):
    """A Hub id that is neither a local folder nor fetchable now (offline, not cached, private, gated)."""


# -- run metrics ------------------------------------------------------------------------------


def _field(
    record: Mapping[str, Any], key: str, where: str, kind: type | tuple[type, ...], optional: bool = False
) -> Any:
    path = f"{where}.{key}" if where else key
    if key not in record or record[key] is None:
        if optional:
            return None
        raise RunMetricsError(f"run metrics need the field {path!r}; got keys {sorted(record)}")
    value = record[key]
    if isinstance(value, bool) or not isinstance(value, kind):
        names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise RunMetricsError(f"run metrics field {path!r} must be {names}, got {value!r}")
    if isinstance(value, str) and not value.strip():
        raise RunMetricsError(f"run metrics field {path!r} must be a non-empty string, got {value!r}")
    if isinstance(value, float) and not math.isfinite(value):
        raise RunMetricsError(f"run metrics field {path!r} must be a finite number, got {value!r}")
    return value


def _section(record: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    return _field(record, key, "", dict)


@dataclass(frozen=True)
class MetricValue:
    """One measured figure: ``type`` an ``evaluate`` metric id, ``name`` a label, ``config`` a condition."""

    type: str
    name: str
    value: float
    config: str | None = None


@dataclass(frozen=True)
class TrainingRecord:
    """How an artefact was trained: command, data, steps, wall time (s), hardware, precision, final losses."""

    command: str
    data: str
    steps: int
    wall_time_s: float
    hardware: str
    precision: str
    final_losses: dict[str, float]


@dataclass(frozen=True)
class RunMetrics:
    """A run-metrics record (see the module documentation for the JSON schema)."""

    task_type: str
    task_name: str
    dataset_name: str
    dataset_type: str
    dataset_split: str
    dataset_config: str | None
    metrics: tuple[MetricValue, ...]
    seed: int
    training: TrainingRecord

    @classmethod
    def from_dict(cls, record: Mapping[str, Any]) -> RunMetrics:
        """``record`` checked against schema version 1; :class:`RunMetricsError` names a bad field."""
        if not isinstance(record, Mapping):
            raise RunMetricsError(f"run metrics must be a JSON object, got {type(record).__name__}")
        version = _field(record, "schema_version", "", int)
        if version != RUN_METRICS_SCHEMA_VERSION:
            raise RunMetricsError(
                f"run metrics schema_version must be {RUN_METRICS_SCHEMA_VERSION}, got {version!r}"
            )
        task, dataset, training = (_section(record, key) for key in ("task", "dataset", "training"))
        entries = _field(record, "metrics", "", list)
        if not entries:
            raise RunMetricsError("run metrics field 'metrics' must list at least one metric, got []")
        metrics = []
        for index, entry in enumerate(entries):
            where = f"metrics[{index}]"
            if not isinstance(entry, dict):
                raise RunMetricsError(f"run metrics field {where!r} must be an object, got {entry!r}")
            metrics.append(
                MetricValue(
                    type=_field(entry, "type", where, str),
                    name=_field(entry, "name", where, str),
                    value=float(_field(entry, "value", where, (int, float))),
                    config=_field(entry, "config", where, str, optional=True),
                )
            )
        losses = _field(training, "final_losses", "training", dict)
        for name, loss in losses.items():
            _field(losses, name, "training.final_losses", (int, float))
        seed = _field(record, "seed", "", int)
        steps = _field(training, "steps", "training", int)
        for path, value in (("seed", seed), ("training.steps", steps)):
            if value < 0:
                raise RunMetricsError(f"run metrics field {path!r} must be non-negative, got {value}")
        return cls(
            task_type=_field(task, "type", "task", str),
            task_name=_field(task, "name", "task", str),
            dataset_name=_field(dataset, "name", "dataset", str),
            dataset_type=_field(dataset, "type", "dataset", str),
            dataset_split=_field(dataset, "split", "dataset", str),
            dataset_config=_field(dataset, "config", "dataset", str, optional=True),
            metrics=tuple(metrics),
            seed=seed,
            training=TrainingRecord(
                command=_field(training, "command", "training", str),
                data=_field(training, "data", "training", str),
                steps=steps,
                wall_time_s=float(_field(training, "wall_time_s", "training", (int, float))),
                hardware=_field(training, "hardware", "training", str),
                precision=_field(training, "precision", "training", str),
                final_losses={str(name): float(loss) for name, loss in losses.items()},
            ),
        )

    def to_dict(self) -> dict[str, Any]:
        """The record in the JSON layout of schema version 1 (what :meth:`from_dict` reads)."""
        dataset = {"name": self.dataset_name, "type": self.dataset_type, "split": self.dataset_split}
        if self.dataset_config is not None:
            dataset["config"] = self.dataset_config
        return {
            "schema_version": RUN_METRICS_SCHEMA_VERSION,
            "task": {"type": self.task_type, "name": self.task_name},
            "dataset": dataset,
            "metrics": [
                {key: value for key, value in vars(metric).items() if value is not None}
                for metric in self.metrics
            ],
            "seed": self.seed,
            "training": dict(vars(self.training)),
        }

    def eval_results(self) -> list[EvalResult]:
        """The metrics as ``model-index`` entries, one per metric."""
        return [
            EvalResult(
                task_type=self.task_type,
                task_name=self.task_name,
                dataset_type=self.dataset_type,
                dataset_name=self.dataset_name,
                dataset_split=self.dataset_split,
                dataset_config=self.dataset_config,
                metric_type=metric.type,
                metric_name=metric.name,
                metric_value=metric.value,
                metric_config=metric.config,
            )
            for metric in self.metrics
        ]


def read_run_metrics(path: str | os.PathLike[str]) -> RunMetrics:
    """Read and check a run-metrics JSON file (see the module documentation for its schema).

    Args:
        path: the file, usually ``<artefact folder>/run_metrics.json``.
    """
    path = Path(path)
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RunMetricsError(f"run metrics file {os.fspath(path)!r} does not exist") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise RunMetricsError(f"run metrics file {os.fspath(path)!r} is not readable JSON: {error}") from None
    return RunMetrics.from_dict(record)


def write_run_metrics(run: RunMetrics | Mapping[str, Any], folder: str | os.PathLike[str]) -> Path:
    """Check ``run`` and write it as ``<folder>/run_metrics.json``; return the file's path.

    Args:
        run: a :class:`RunMetrics`, or a mapping in its JSON layout (checked before anything is written).
        folder: the artefact's folder.
    """
    record = (run if isinstance(run, RunMetrics) else RunMetrics.from_dict(run)).to_dict()
    path = Path(folder) / RUN_METRICS_FILENAME
    path.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    return path


# -- cards ------------------------------------------------------------------------------------


def _card(
    run: RunMetrics,
    template_name: str,
    template_path: str | os.PathLike[str] | None,
    *,
    model_name: str,
    description: str,
    tags: Sequence[str],
    **metadata: Any,
) -> ModelCard:
    """A card from ``hub_cards/<template_name>``, the run and ``metadata`` (library, base model...)."""
    card_data = ModelCardData(
        model_name=model_name,
        eval_results=run.eval_results(),
        license=LICENSE,
        tags=list(dict.fromkeys(tags)),
        **metadata,
    )
    return ModelCard.from_template(
        card_data,
        template_path=os.fspath(template_path or card_template(template_name)),
        run=run,
        license_id=LICENSE,
        model_name=model_name,
        description=description,
        base_model=metadata.get("base_model"),
    )


def model_card(
    run: RunMetrics,
    *,
    model_name: str,
    description: str,
    tags: Sequence[str] = (),
    template_path: str | os.PathLike[str] | None = None,
) -> ModelCard:
    """The card of a base SpectrumFM model, from ``hub_cards/model_card.md`` and its run metrics.

    Args:
        run: the pre-training run's metrics and recipe.
        model_name: the model's name in the card and its ``model-index``.
        description: one paragraph on what this checkpoint is (configuration, size).
        tags: Hub tags besides :data:`MODEL_TAGS`.
        template_path: another Jinja template.
    """
    return _card(
        run, "model_card.md", template_path, model_name=model_name, description=description,
        tags=[*MODEL_TAGS, *tags], library_name="transformers", pipeline_tag=BASE_MODEL_PIPELINE_TAG,
    )


def adapter_card(
    run: RunMetrics,
    *,
    model_name: str,
    base_model: str,
    description: str,
    tags: Sequence[str] = (),
    template_path: str | os.PathLike[str] | None = None,
) -> ModelCard:
    """The card of a LoRA task adapter with its head, from ``hub_cards/adapter_card.md`` and its run metrics.

    Args:
        run: the fine-tuning run's metrics and recipe.
        model_name: the adapter's name in the card and its ``model-index``.
        base_model: Hub id of the base model the adapter was trained on (the card's ``base_model``).
        description: one paragraph on the task and its classes.
        tags: Hub tags besides :data:`ADAPTER_TAGS`.
        template_path: another Jinja template.
    """
    try:
        validate_repo_id(base_model)  # the Hub's card validator accepts only a repository id here
    except HFValidationError:
        raise HubError(
            f"base_model must be the base model's Hub id (namespace/name), got {base_model!r}"
        ) from None
    return _card(
        run, "adapter_card.md", template_path, model_name=model_name, description=description,
        tags=[*ADAPTER_TAGS, *tags], library_name="peft", base_model=base_model,
    )


def deepsig_dataset_card(dataset: Any, *, pretty_name: str, summary: str, how_made: str) -> Any:
    """A dataset card for data loaded from DeepSig RadioML files: CC BY-NC-SA 4.0, not redistributed by us.

    Args:
        dataset: the loaded ``Dataset`` or ``DatasetDict``.
        pretty_name: human-readable title.
        summary: one paragraph on what the data set is.
        how_made: which DeepSig file it was read from and how (windowing, splits).
    """
    from .data.hf import dataset_card

    return dataset_card(
        dataset,
        pretty_name=pretty_name,
        summary=summary,
        how_made=how_made,
        license=DEEPSIG_LICENSE,
        license_text=DEEPSIG_LICENSE_TEXT,
        tags=("radioml", "deepsig"),
    )


# -- folders in Hub layout --------------------------------------------------------------------


def _has_any(folder: Path, patterns: Sequence[str]) -> bool:
    return any(next(folder.glob(pattern), None) is not None for pattern in patterns)


# What a folder of each kind must hold: (description, any-of patterns) per requirement.
_LAYOUT = {
    "model": (
        ("a config.json", ("config.json",)),
        ("model weights", ("model.safetensors", "model-*.safetensors", "*.bin")),
    ),
    "adapter": (
        ("an adapter_config.json", ("adapter_config.json",)),
        ("adapter weights", ("adapter_model.*",)),
    ),
    "dataset": (
        ("a save_to_disk data set", ("dataset_dict.json", "dataset_info.json")),
    ),
}


def check_hub_folder(kind: str, folder: str | os.PathLike[str]) -> Path:
    """``folder`` as a ``Path`` once it holds what a ``kind`` repository needs; :class:`HubError` otherwise.

    Args:
        kind: ``"model"`` (``save_pretrained`` of a model and feature extractor), ``"adapter"`` (PEFT
            ``save_pretrained``) or ``"dataset"`` (``save_to_disk``).
        folder: the folder.
    """
    if kind not in PUSH_KINDS:
        raise HubError(f"kind must be one of {PUSH_KINDS}, got {kind!r}")
    folder = Path(folder)
    if not folder.is_dir():
        raise HubError(f"{kind} folder {os.fspath(folder)!r} does not exist or is not a folder")
    missing = [what for what, patterns in _LAYOUT[kind] if not _has_any(folder, patterns)]
    if missing:
        raise HubError(f"{os.fspath(folder)!r} is not a {kind} folder: it lacks {' and '.join(missing)}")
    return folder


@contextlib.contextmanager
def _staged(folder: Path, card: ModelCard | None) -> Iterator[Path]:
    """``folder`` itself, or with a card: a temporary copy holding the card as ``README.md``.

    The user's folder is never written to; files are hard-linked where the file system allows.
    """
    if card is None:
        yield folder
        return
    with tempfile.TemporaryDirectory(prefix="spectrumfm-push-") as staging_root:
        staging = Path(staging_root) / folder.name

        def link_or_copy(source: str, target: str) -> None:
            try:
                os.link(source, target)
            except OSError:
                shutil.copy2(source, target)

        shutil.copytree(folder, staging, copy_function=link_or_copy)
        (staging / "README.md").unlink(missing_ok=True)  # a link: replace it, never write through it
        card.save(staging / "README.md")
        yield staging


def push_folder(
    kind: str,
    folder: str | os.PathLike[str],
    repo_id: str,
    *,
    card: ModelCard | None = None,
    private: bool | None = None,
    commit_message: str | None = None,
    token: str | None = None,
) -> Any:
    """Publish a folder in Hub layout to ``repo_id`` in one commit; return the commit information.

    Models and adapters go through ``HfApi.upload_folder``; data sets through
    :func:`push_dataset` (``datasets``' own ``push_to_hub``, Parquet shards).

    Args:
        kind: ``"model"``, ``"adapter"`` or ``"dataset"`` (see :func:`check_hub_folder`).
        folder: the folder.
        repo_id: ``namespace/name`` of the repository (created if absent).
        card: a card to publish as ``README.md`` instead of the folder's own.
        private: create the repository private (``None``: the Hub's default).
        commit_message: the commit message; a default naming the kind otherwise.
        token: a Hub token; the logged-in user's when ``None``.
    """
    folder = check_hub_folder(kind, folder)
    message = commit_message or f"Upload SpectrumFM {kind}"
    if kind == "dataset":
        return push_dataset(folder, repo_id, card=card, private=private, commit_message=message, token=token)
    api = HfApi(token=token)
    repo_id = api.create_repo(repo_id, repo_type="model", private=private, exist_ok=True).repo_id
    with _staged(folder, card) as upload:
        return api.upload_folder(
            repo_id=repo_id,
            folder_path=os.fspath(upload),
            repo_type="model",
            commit_message=message,
            # Run records and checkpoints stay local: the repository holds the artefact and its card.
            ignore_patterns=[RUN_METRICS_FILENAME, "checkpoint-*/**", ".*"],
        )


def push_model(
    model: Any,
    feature_extractor: Any,
    repo_id: str,
    *,
    card: ModelCard,
    private: bool | None = None,
    commit_message: str | None = None,
    token: str | None = None,
) -> Any:
    """Publish a model with its configuration, feature extractor, remote code and card in one commit.

    Args:
        model: a SpectrumFM ``PreTrainedModel``.
        feature_extractor: its ``SpectrumFMFeatureExtractor``.
        repo_id: ``namespace/name``.
        card: the card (e.g. from :func:`model_card`).
        private: create the repository private.
        commit_message: the commit message.
        token: a Hub token.
    """
    with tempfile.TemporaryDirectory(prefix="spectrumfm-model-") as folder:
        model.save_pretrained(folder)
        feature_extractor.save_pretrained(folder)
        card.save(Path(folder) / "README.md")
        return push_folder(
            "model",
            folder,
            repo_id,
            private=private,
            commit_message=commit_message or "Upload SpectrumFM model",
            token=token,
        )


def push_adapter(
    peft_model: Any,
    repo_id: str,
    *,
    card: ModelCard,
    base_model: str | None = None,
    private: bool | None = None,
    commit_message: str | None = None,
    token: str | None = None,
) -> Any:
    """Publish a PEFT task adapter with its head, task configuration and card in one commit.

    The folder is PEFT's own ``save_pretrained`` (LoRA weights and the ``modules_to_save`` head)
    plus the task model's ``config.json`` (its class, label names and count, needed to rebuild the
    head before ``PeftModel.from_pretrained``). PEFT's ``push_to_hub`` would commit its files alone and
    the card and configuration in further commits; one commit keeps the repository consistent.

    Args:
        peft_model: the fine-tuned ``PeftModel``; its active adapter is published.
        repo_id: ``namespace/name``.
        card: the card (e.g. from :func:`adapter_card`).
        base_model: Hub id of the base model, written as ``base_model_name_or_path`` so that
            ``AutoPeftModel`` finds the base; the adapter's own value when ``None``.
        private: create the repository private.
        commit_message: the commit message.
        token: a Hub token.
    """
    from .training.adaptation import save_task_config

    adapter_name = peft_model.active_adapter
    adapter_config = peft_model.peft_config[adapter_name]
    saved_base = adapter_config.base_model_name_or_path
    with tempfile.TemporaryDirectory(prefix="spectrumfm-adapter-") as folder:
        try:
            if base_model is not None:
                adapter_config.base_model_name_or_path = base_model
            # No vocabulary to save: "auto" would look the base up on the Hub to check for one.
            peft_model.save_pretrained(folder, selected_adapters=[adapter_name], save_embedding_layers=False)
        finally:
            adapter_config.base_model_name_or_path = saved_base
        adapter_folder = Path(folder) if adapter_name == "default" else Path(folder) / adapter_name
        save_task_config(peft_model, adapter_folder)
        card.save(adapter_folder / "README.md")
        return push_folder(
            "adapter", adapter_folder, repo_id, private=private,
            commit_message=commit_message or "Upload SpectrumFM adapter", token=token,
        )


def push_dataset(
    dataset: Any,
    repo_id: str,
    *,
    card: Any = None,
    private: bool | None = None,
    commit_message: str | None = None,
    token: str | None = None,
) -> Any:
    """Publish a data set as Parquet shards with ``datasets``' own ``push_to_hub``, its card first.

    The card is committed first; ``push_to_hub`` then reads it from the repository and adds its
    own metadata (features, splits, data files) to it, so the published card keeps both.

    Args:
        dataset: a ``Dataset``, a ``DatasetDict`` or a ``save_to_disk`` folder (whose ``README.md``
            is the card when ``card`` is ``None``).
        repo_id: ``namespace/name`` of the dataset repository (created if absent).
        card: a ``DatasetCard`` (e.g. from :func:`spectrumfm_hf.data.hf.dataset_card`).
        private: create the repository private.
        commit_message: the message of the data commit.
        token: a Hub token.
    """
    from datasets import load_from_disk
    from huggingface_hub import DatasetCard

    if isinstance(dataset, (str, os.PathLike)):
        folder = check_hub_folder("dataset", dataset)
        if card is None and (folder / "README.md").is_file():
            card = DatasetCard.load(folder / "README.md")
        dataset = load_from_disk(os.fspath(folder))
    if not hasattr(dataset, "push_to_hub"):
        raise HubError(f"dataset must be a Dataset, a DatasetDict or a folder, got {type(dataset).__name__}")
    api = HfApi(token=token)
    repo_id = api.create_repo(repo_id, repo_type="dataset", private=private, exist_ok=True).repo_id
    if card is not None:
        # upload_file, not card.push_to_hub: the commit validates the card's YAML with the Hub once.
        api.upload_file(
            path_or_fileobj=str(card).encode("utf-8"),
            path_in_repo="README.md",
            repo_id=repo_id,
            repo_type="dataset",
            commit_message="Add the dataset card",
        )
    return dataset.push_to_hub(
        repo_id, private=private, token=token, commit_message=commit_message or "Upload SpectrumFM dataset"
    )


# -- shipped artefacts ------------------------------------------------------------------------

MAX_SHIPPED_WEIGHT_BYTES = 8 * 1024 * 1024
"""Largest weights file an artefact may ship inside the package (the wheel carries every one)."""

# The Hub-layout files an installed artefact keeps; optimiser states, checkpoints and logs stay behind.
_SHIPPED_FILES = {
    "model": ("config.json", "model.safetensors", "preprocessor_config.json", "*.py", RUN_METRICS_FILENAME),
    "adapter": (
        "adapter_config.json", "adapter_model.safetensors", "config.json", "*.py", RUN_METRICS_FILENAME
    ),
}

_ARTEFACT_NAME = re.compile(r"[a-z0-9][a-z0-9.-]*")


def ship_artefact(
    kind: str,
    source: str | os.PathLike[str],
    name: str,
    *,
    description: str,
    repo_id: str,
    base_name: str | None = None,
    base_repo_id: str | None = None,
    max_weight_bytes: int = MAX_SHIPPED_WEIGHT_BYTES,
    command_folders: Mapping[str, str] | None = None,
) -> Path:
    """Install a trained model or adapter with its card into the package, as ``pretrained/<name>/``.

    The card is built from ``<source>/run_metrics.json`` (written by the evaluation of the run), so
    the shipped figures are the measured ones. An adapter's ``base_model_name_or_path`` becomes the
    shipped base's name, which :func:`resolve_pretrained` and :func:`load_pretrained` turn into its
    installed folder. The folder is replaced all at once.

    Args:
        kind: ``"model"`` or ``"adapter"``.
        source: the trained artefact's folder (``save_pretrained`` layout with ``run_metrics.json``).
        name: the shipped name, lower case, e.g. ``"spectrumfm-small"`` or ``"spectrumfm-small-amc-rml2016"``.
        description: the card's opening paragraph.
        repo_id: the Hub repository the artefact is published to (the card's model name).
        base_name: for an adapter, the shipped name of its base model.
        base_repo_id: for an adapter, the Hub repository of its base model (the card's ``base_model``).
        max_weight_bytes: the largest weights file accepted, in bytes.
        command_folders: folders of the build machine in the recorded command mapped to the ones
            a reader would pass (``{"/scratch/runs": "runs/shipped"}``), in the card and in the
            shipped ``run_metrics.json``, so that the command can be run again elsewhere.
    """
    if kind not in _SHIPPED_FILES:
        raise HubError(f"kind must be one of {tuple(_SHIPPED_FILES)}, got {kind!r}")
    if not isinstance(name, str) or not _ARTEFACT_NAME.fullmatch(name):
        raise HubError(f"name must be lower-case letters, digits, '.' and '-', got {name!r}")
    if kind == "adapter" and not (base_name and base_repo_id):
        raise HubError(f"an adapter needs base_name and base_repo_id, got {base_name!r} and {base_repo_id!r}")
    source = check_hub_folder(kind, source)
    run = read_run_metrics(source / RUN_METRICS_FILENAME)
    command = run.training.command
    for folder, portable in (command_folders or {}).items():
        command = command.replace(folder.rstrip("/") + "/", portable.rstrip("/") + "/")
    run = dataclasses.replace(run, training=dataclasses.replace(run.training, command=command))
    files = sorted({path for pattern in _SHIPPED_FILES[kind] for path in source.glob(pattern)})
    for weights in (path for path in files if path.suffix == ".safetensors"):
        if weights.stat().st_size > max_weight_bytes:
            raise HubError(
                f"{os.fspath(weights)!r} holds {weights.stat().st_size} bytes; shipped weights may hold "
                f"at most {max_weight_bytes} bytes: publish it to the Hub instead"
            )
    if kind == "model":
        card = model_card(run, model_name=repo_id, description=description)
    else:
        card = adapter_card(run, model_name=repo_id, base_model=base_repo_id, description=description)
    with atomic_output_dir(pretrained.PRETRAINED_ROOT / name, overwrite=True) as staging:
        for path in files:
            shutil.copy2(path, staging / path.name)
        if kind == "adapter":
            adapter_config = json.loads((staging / "adapter_config.json").read_text(encoding="utf-8"))
            adapter_config["base_model_name_or_path"] = base_name
            (staging / "adapter_config.json").write_text(json.dumps(adapter_config, indent=2) + "\n")
        write_run_metrics(run, staging)
        card.save(staging / "README.md")
    return pretrained_path(name)


# -- loading ----------------------------------------------------------------------------------


def resolve_pretrained(name_or_path: str | os.PathLike[str]) -> str:
    """A shipped artefact's installed folder for its name; anything else (folder, Hub id) unchanged."""
    text = os.fspath(name_or_path)
    if not os.path.exists(text) and text in available_pretrained():
        return os.fspath(pretrained_path(text))
    return text


_HUB_ERRORS = (HfHubHTTPError, HFValidationError, LocalEntryNotFoundError, OfflineModeIsEnabled)


def _error_chain(error: BaseException | None) -> list[BaseException]:
    chain: list[BaseException] = []
    while error is not None and error not in chain:
        chain.append(error)
        error = error.__cause__ or error.__context__
    return chain


def _access_reason(error: BaseException) -> str:
    chain = _error_chain(error)
    kinds = tuple(type(link) for link in chain)
    if any(issubclass(kind, GatedRepoError) for kind in kinds):
        return "the repository is gated: request access on its page, then log in"
    if any(issubclass(kind, RepositoryNotFoundError) for kind in kinds):
        return "no such repository, or it is private and this machine is not logged in"
    if any(issubclass(kind, HFValidationError) for kind in kinds):
        return "no such local folder, and it is not a Hub id of the form namespace/name"
    # Some loaders (feature extractors) re-raise without the Hub error attached; offline mode explains them.
    unreachable = (LocalEntryNotFoundError, OfflineModeIsEnabled)
    if constants.HF_HUB_OFFLINE or any(issubclass(kind, unreachable) for kind in kinds):
        return "it is not in the local Hugging Face cache and the Hub cannot be reached (offline)"
    first_line = str(chain[0]).strip().splitlines()
    return first_line[0][:300] if first_line else type(chain[0]).__name__


def load_pretrained(load: Callable[..., T], name_or_path: str | os.PathLike[str], **kwargs: Any) -> T:
    """``load(name_or_path, **kwargs)``, a shipped name resolved, one clear error for an unreachable Hub id.

    ``load`` is any ``from_pretrained`` (``AutoModel.from_pretrained``,
    ``AutoFeatureExtractor.from_pretrained``, ``PeftConfig.from_pretrained``...). A local folder is
    loaded as is, its errors untouched. A Hub id that cannot be fetched (offline and not cached,
    private, gated, misspelt) raises :class:`HubAccessError` with one line saying to pass a local
    folder or set up access, instead of a chain of tracebacks.

    Args:
        load: the loading function.
        name_or_path: a local folder, a shipped name (:func:`~spectrumfm_hf.pretrained.available_pretrained`)
            or a Hub id.
        kwargs: passed to ``load``.
    """
    if not isinstance(name_or_path, (str, os.PathLike)):
        raise TypeError(
            f"name_or_path must be a folder path or a Hub id string, got {type(name_or_path).__name__}"
        )
    location = resolve_pretrained(name_or_path)
    if os.path.isdir(location):
        return load(location, **kwargs)
    try:
        return load(location, **kwargs)
    except (OSError, ValueError) as error:
        # transformers wraps Hub failures in OSError; PEFT raises ValueError with the Hub error as cause.
        from_hub = any(isinstance(link, _HUB_ERRORS) for link in _error_chain(error))
        if not isinstance(error, OSError) and not from_hub:
            raise
        shipped = ", ".join(available_pretrained()) or "none installed"
        raise HubAccessError(
            f"cannot load {location!r}: {_access_reason(error)}. Pass a local folder (or a shipped name: "
            f"{shipped}), or set up Hub access: go online with HF_HUB_OFFLINE unset, and run `hf auth login` "
            "for a private or gated repository"
        ) from None
