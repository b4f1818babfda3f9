"""What every file reader shares: the batch layout, the record view of a batch, file identity."""

from __future__ import annotations

import abc
import os
from pathlib import Path
from typing import Any, Iterator, Sequence

import numpy as np

from ..base import GENERATION_PARAMETERS, SpectrumDataError


def make_batch(iq: np.ndarray, labels: np.ndarray, params: dict[str, Any]) -> dict[str, np.ndarray]:
    """Stack a batch in the record schema: ``iq``, ``label`` and every generation parameter.

    Args:
        iq: float32 ``(batch, num_samples, 2)`` (I then Q).
        labels: integer class indices, ``(batch,)``.
        params: generation parameters, each a scalar shared by the batch or an array ``(batch,)``;
            missing ones take their default from :data:`GENERATION_PARAMETERS`.
    """
    size = len(iq)
    batch: dict[str, np.ndarray] = {
        "iq": np.asarray(iq, dtype=np.float32),
        "label": np.asarray(labels, dtype=np.int64).reshape(size),
    }
    for name, (dtype, default) in GENERATION_PARAMETERS.items():
        value = params.get(name, default)
        numpy_dtype = object if dtype == "string" else np.dtype(dtype)
        column = np.asarray(value, dtype=numpy_dtype)
        batch[name] = np.broadcast_to(column, (size,)) if column.ndim == 0 else column.reshape(size)
    return batch


def records_from_batch(batch: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Split a batch of stacked columns (``generate`` output, :func:`make_batch`) into records."""
    columns = {name: np.asarray(values) for name, values in batch.items()}
    size = len(columns["iq"])
    for row in range(size):
        record: dict[str, Any] = {}
        for name, values in columns.items():
            value = values[row]
            record[name] = value.item() if isinstance(value, np.generic) else value
        yield record


def file_identity(path: str | os.PathLike[str], what: str) -> tuple[Path, int, int]:
    """``(path, size in bytes, modification time in ns)`` of an existing file.

    The size and time go into a reader's state so that a data set cached from a file is rebuilt
    when the file changes.
    """
    path = Path(path)
    try:
        stat = path.stat()
    except OSError as error:
        raise SpectrumDataError(f"{what} file {os.fspath(path)!r} cannot be read: {error}") from error
    if not path.is_file():
        raise SpectrumDataError(f"{what} path {os.fspath(path)!r} is not a file")
    return path, stat.st_size, stat.st_mtime_ns


class RecordReader(abc.ABC):
    """A file (or recording) seen as a numbered sequence of records of ``num_samples`` IQ samples.

    Subclasses validate the file's layout on construction, keep only light, picklable state (so
    that data set workers can receive them and ``datasets`` can fingerprint them), and read the
    samples only in :meth:`iter_batches`.

    Attributes:
        path: the file.
        source: the value of the records' ``source`` column.
        class_names: names of the label indices.
        num_samples: IQ samples per record.
    """

    path: Path
    source: str
    class_names: tuple[str, ...]
    num_samples: int

    @abc.abstractmethod
    def __len__(self) -> int:
        """Number of records."""

    @abc.abstractmethod
    def _read_batch(self, start: int, stop: int) -> dict[str, np.ndarray]:
        """Records ``start`` to ``stop`` (exclusive) as a :func:`make_batch` batch."""

    def iter_batches(self, start: int = 0, stop: int | None = None, batch_size: int = 256) -> Iterator[dict[str, np.ndarray]]:
        """Yield records ``start`` to ``stop`` (exclusive) in batches of at most ``batch_size``."""
        stop = len(self) if stop is None else stop
        if not 0 <= start <= stop <= len(self):
            raise SpectrumDataError(f"record range [{start}, {stop}) is outside [0, {len(self)}) of {self.path}")
        if batch_size < 1:
            raise SpectrumDataError(f"batch_size must be a positive integer, got {batch_size}")
        for first in range(start, stop, batch_size):
            yield self._read_batch(first, min(first + batch_size, stop))

    def iter_records(self, start: int = 0, stop: int | None = None, batch_size: int = 256) -> Iterator[dict[str, Any]]:
        """Yield records ``start`` to ``stop`` (exclusive) one at a time, reading in batches."""
        for batch in self.iter_batches(start, stop, batch_size):
            yield from records_from_batch(batch)

    def __getitem__(self, index: int) -> dict[str, Any]:
        if not 0 <= index < len(self):
            raise IndexError(f"record {index} is outside [0, {len(self)}) of {self.path}")
        return next(self.iter_records(index, index + 1))

    def label_index(self, name: str, where: str) -> int:
        """Index of class ``name``, or an error naming the file, ``where`` it was found and the classes."""
        try:
            return self.class_names.index(name)
        except ValueError:
            raise SpectrumDataError(
                f"{self.path}: unknown class {name!r} in {where}; expected one of {list(self.class_names)}"
            ) from None


def check_positive(name: str, value: Any) -> int:
    """``value`` as a positive ``int``, or an error naming argument ``name``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise SpectrumDataError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def window_starts(length: int, num_samples: int, stride: int) -> np.ndarray:
    """Start offsets of the whole windows of ``num_samples`` taken every ``stride`` from ``length`` samples."""
    if length < num_samples:
        return np.zeros(0, dtype=np.int64)
    return np.arange(0, length - num_samples + 1, stride, dtype=np.int64)


def windows(stream: np.ndarray, starts: Sequence[int] | np.ndarray, num_samples: int) -> np.ndarray:
    """Gather windows ``stream[start:start + num_samples]`` along the first axis, stacked."""
    offsets = np.asarray(starts, dtype=np.int64)[:, None] + np.arange(num_samples)
    return np.asarray(stream)[offsets]
