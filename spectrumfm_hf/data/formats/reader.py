"""What every file reader shares: records read lazily in batches, and a file's identity."""

from __future__ import annotations

import abc
import os
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from ..base import SpectrumDataError, check_positive_integer, make_batch, records_from_batch
from ..dsp import window_starts, windows

# The file readers take these from here; they are defined in the layers below.
check_positive = check_positive_integer
__all__ = [
    "RecordReader",
    "check_positive",
    "file_identity",
    "make_batch",
    "records_from_batch",
    "window_starts",
    "windows",
]


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
        batch_size = check_positive_integer("batch_size", batch_size)
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
