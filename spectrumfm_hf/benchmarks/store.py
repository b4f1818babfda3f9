"""Cells and where their results live: one JSON file per finished cell, written atomically.

A cell is one (task, data set, model, seed, label fraction) result. It is stored the moment it
completes, so an interrupted run loses at most the cell in progress, and a rerun skips every
cell whose file exists. Aggregation over seeds (mean and sample standard deviation) reads
the stored cells only.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence


class CellStoreError(ValueError):
    """A cell key with an impossible value, or a stored cell that cannot be read."""


@dataclass(frozen=True, order=True)
class CellKey:
    """What one cell measures.

    Attributes:
        task: one of :data:`~.profiles.TASKS`.
        data_set: the data set's name (``"rml2016.10a"``, ``"wtc"``, ``"ss"``...).
        model: the model's name (``"spectrumfm"``, a baseline name...).
        seed: seed of the data split, the initialisation and the training order.
        label_fraction: share of the training labels used, in (0, 1].
    """

    task: str
    data_set: str
    model: str
    seed: int = 0
    label_fraction: float = 1.0

    def __post_init__(self):
        for name in ("task", "data_set", "model"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value or "/" in value or value.startswith("."):
                raise CellStoreError(f"{name} must be a non-empty name without '/', got {value!r}")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0:
            raise CellStoreError(f"seed must be a non-negative integer, got {self.seed!r}")
        if isinstance(self.label_fraction, bool) or not 0.0 < float(self.label_fraction) <= 1.0:
            raise CellStoreError(f"label_fraction must lie in (0, 1], got {self.label_fraction!r}")

    @property
    def name(self) -> str:
        """``task/data_set/model/seed-S_labels-P``: the cell's path under the store, without suffix."""
        return f"{self.task}/{self.data_set}/{self.model}/seed-{self.seed}_labels-{round(100 * self.label_fraction):d}"

    @property
    def selector(self) -> str:
        """``task/data_set/model``: what ``--only`` filters match."""
        return f"{self.task}/{self.data_set}/{self.model}"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def write_json_atomically(path: Path, record: Mapping[str, Any]) -> None:
    """Write ``record`` to ``path`` so that the file is either absent or complete, never partial.

    The text goes to a temporary file in the same folder, is flushed to disk, then renamed over
    ``path`` (a rename within one file system is atomic).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            json.dump(record, stream, indent=1, default=_json_default)
            stream.write("\n")
            stream.flush()
            os.fsync(stream.fileno())
        # mkstemp makes the file private; results are for everyone who can read the folder.
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _json_default(value: Any) -> Any:
    # numpy scalars and arrays, without importing numpy here.
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(f"cannot store a {type(value).__name__} in a cell result")


class CellStore:
    """Finished cells under ``root/cells/<task>/<data set>/<model>/seed-S_labels-P.json``.

    Args:
        root: the benchmark's output folder.
    """

    def __init__(self, root: str | os.PathLike[str]):
        self.root = Path(root) / "cells"

    def path(self, key: CellKey) -> Path:
        return self.root / f"{key.name}.json"

    def has(self, key: CellKey) -> bool:
        """Whether ``key`` has finished (its file exists)."""
        return self.path(key).is_file()

    def put(self, key: CellKey, result: Mapping[str, Any], wall_s: float) -> dict[str, Any]:
        """Store a finished cell: its key, its wall time in seconds and its result."""
        record = {"key": key.as_dict(), "wall_s": float(wall_s), "result": dict(result)}
        write_json_atomically(self.path(key), record)
        return record

    def get(self, key: CellKey) -> dict[str, Any]:
        """The stored record of ``key``: ``{"key", "wall_s", "result"}``."""
        path = self.path(key)
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise CellStoreError(f"cell {key.name!r} has not finished: no {path}") from None
        except json.JSONDecodeError as error:
            raise CellStoreError(
                f"{path} is not valid JSON ({error}); delete it to recompute the cell"
            ) from None

    def records(self) -> list[dict[str, Any]]:
        """Every stored record, sorted by cell key."""
        records = [json.loads(path.read_text(encoding="utf-8")) for path in self.root.rglob("*.json")]
        return sorted(records, key=lambda record: CellKey(**record["key"]))


@dataclass(frozen=True)
class Aggregate:
    """A metric over seeds.

    Attributes:
        mean: the mean over seeds.
        std: the sample standard deviation over seeds (0 with one seed).
        count: how many seeds.
    """

    mean: float
    std: float
    count: int

    def format(self, scale: float = 100.0, digits: int = 1) -> str:
        """``mean ± std`` scaled (to percent by default); the std is left out with one seed."""
        if self.count == 1:
            return f"{scale * self.mean:.{digits}f}"
        return f"{scale * self.mean:.{digits}f} ± {scale * self.std:.{digits}f}"


def aggregate(values: Iterable[float]) -> Aggregate:
    """Mean and sample standard deviation (``ddof=1``) of one metric over seeds; NaN values are skipped."""
    numbers = [float(value) for value in values if value is not None and not math.isnan(float(value))]
    if not numbers:
        return Aggregate(math.nan, math.nan, 0)
    mean = sum(numbers) / len(numbers)
    if len(numbers) == 1:
        return Aggregate(mean, 0.0, 1)
    variance = sum((number - mean) ** 2 for number in numbers) / (len(numbers) - 1)
    return Aggregate(mean, math.sqrt(variance), len(numbers))


def aggregate_cells(
    records: Sequence[Mapping[str, Any]], metric: str
) -> dict[tuple[str, str, str, float], Aggregate]:
    """``metric`` of each record's result, aggregated over seeds per (task, data set, model, label fraction).

    Args:
        records: stored records (:meth:`CellStore.records`).
        metric: a key of the records' ``result``; records without it as a number are skipped.
    """
    groups: dict[tuple[str, str, str, float], list[float]] = {}
    for record in records:
        value = record["result"].get(metric)
        # A cell of another kind may use the name for something else (pre-training's precision record).
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            continue
        key = record["key"]
        group = (key["task"], key["data_set"], key["model"], float(key["label_fraction"]))
        groups.setdefault(group, []).append(value)
    return {group: aggregate(values) for group, values in groups.items()}
