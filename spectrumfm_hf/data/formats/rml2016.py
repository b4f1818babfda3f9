"""RML2016.10a / 10b (and 04C, same layout): a pickled dict ``{(modulation, snr_db): float32 (n, 2, 128)}``.

The files were written by Python 2 ``cPickle``; they are read with
:class:`~spectrumfm_hf.data.formats.safe_pickle.RestrictedUnpickler`, never ``pickle.load``.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from ..base import SpectrumDataError
from .labels import RML2016_10A_CLASSES, RML2016_10B_CLASSES
from .raw import check_finite
from .reader import RecordReader, file_identity, make_batch
from .safe_pickle import DEFAULT_MAX_BYTES, _describe_value, check_max_bytes, load_pickle

RML2016_VARIANTS: dict[str, tuple[str, ...]] = {"10a": RML2016_10A_CLASSES, "10b": RML2016_10B_CLASSES}

MAX_ABS_SNR_DB = 1000
"""Largest SNR magnitude in dB a key may carry (the data sets span -20 to 30 dB)."""


class RML2016Reader(RecordReader):
    """Records of an RML2016 pickle, ordered by class index, then SNR, then position in the file.

    Args:
        path: the ``.pkl`` / ``.dat`` file.
        variant: ``"10a"`` (11 classes), ``"10b"`` (10 classes, no AM-SSB) or ``"auto"``: 10a when
            the file holds AM-SSB, else 10b. Decides ``class_names`` and the ``source`` column.
        max_bytes: cap in bytes on the pickle and on its frames as float32 (default 4 GiB).

    Raises:
        SpectrumDataError: the file is not a dict of that layout, names an unknown modulation or
            holds arrays of another shape or of 0 samples, or frames of more than ``max_bytes`` as
            float32 (the message names the file and the key).
    """

    def __init__(self, path: str | os.PathLike[str], variant: str = "auto", *, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.path, self._file_size, self._file_mtime_ns = file_identity(path, "RML2016 pickle")
        if variant not in ("auto", *RML2016_VARIANTS):
            raise SpectrumDataError(f"variant must be 'auto', '10a' or '10b', got {_describe_value(variant)}")
        self.max_bytes = check_max_bytes(max_bytes)
        contents = load_pickle(self.path, max_bytes=self.max_bytes)
        keys = self._check_layout(contents)
        if variant == "auto":
            variant = "10a" if any(modulation == "AM-SSB" for modulation, _ in keys) else "10b"
        self.variant = variant
        self.class_names = RML2016_VARIANTS[variant]
        self.source = f"rml2016.{variant}"
        ordered = sorted(keys, key=lambda key: (self.label_index(key[0], f"key {_describe_value(key)}"), key[1]))
        self.num_samples = int(contents[ordered[0]].shape[2])
        self._keys = [(modulation, int(snr_db), int(contents[(modulation, snr_db)].shape[0])) for modulation, snr_db in ordered]
        self._arrays: np.ndarray | None = self._stack(contents, ordered)

    def _check_layout(self, contents: Any) -> list[tuple[str, int]]:
        if not isinstance(contents, dict) or not contents:
            raise SpectrumDataError(
                f"{self.path}: expected a non-empty dict keyed by (modulation, snr_db), got {type(contents).__name__}"
            )
        keys = []
        num_samples = None
        num_frames = 0
        for key, value in contents.items():
            if (
                not isinstance(key, tuple)
                or len(key) != 2
                or not isinstance(key[0], str)
                or isinstance(key[1], (bool, np.bool_))
                or not isinstance(key[1], (int, np.integer))
                or not -MAX_ABS_SNR_DB <= key[1] <= MAX_ABS_SNR_DB
            ):
                raise SpectrumDataError(
                    f"{self.path}: key {_describe_value(key)} is not a (modulation name, integer SNR in dB within "
                    f"+-{MAX_ABS_SNR_DB}) pair"
                )
            if key[0] not in RML2016_10A_CLASSES:
                raise SpectrumDataError(
                    f"{self.path}: unknown modulation {_describe_value(key[0])} in key {_describe_value(key)}; "
                    f"expected one of {list(RML2016_10A_CLASSES)}"
                )
            if not isinstance(value, np.ndarray) or value.ndim != 3 or value.shape[1] != 2 or not np.issubdtype(value.dtype, np.floating):
                shape = getattr(value, "shape", None)
                raise SpectrumDataError(
                    f"{self.path}: value of key {_describe_value(key)} must be a float array (n, 2, num_samples), "
                    f"got {type(value).__name__} of shape {_describe_value(shape)}"
                )
            if value.shape[2] == 0:
                raise SpectrumDataError(
                    f"{self.path}: key {_describe_value(key)} holds frames of 0 samples; expected (n, 2, num_samples) "
                    "with num_samples >= 1"
                )
            if num_samples is not None and value.shape[2] != num_samples:
                raise SpectrumDataError(
                    f"{self.path}: key {_describe_value(key)} holds frames of {value.shape[2]} samples, others {num_samples}"
                )
            num_samples = value.shape[2]
            num_frames += value.shape[0]
            keys.append(key)
        # Keys may share one array (the pickle memo), so the stacked copy can outgrow the file.
        stacked_bytes = num_frames * 2 * num_samples * np.dtype(np.float32).itemsize
        if stacked_bytes > self.max_bytes:
            raise SpectrumDataError(
                f"{self.path}: {num_frames} frames of {num_samples} samples take {stacked_bytes} bytes as float32, "
                f"more than max_bytes={self.max_bytes}"
            )
        return keys

    @staticmethod
    def _stack(contents: dict, ordered: list[tuple[str, int]]) -> np.ndarray:
        # Filled key by key: one float32 copy of the file's frames, not a concatenation and then a transpose.
        counts = [contents[key].shape[0] for key in ordered]
        frames = np.empty((sum(counts), contents[ordered[0]].shape[2], 2), dtype=np.float32)
        # float64 beyond float32 becomes inf here; check_finite refuses it when the batch is read.
        with np.errstate(over="ignore"):
            for key, first, count in zip(ordered, np.cumsum([0, *counts[:-1]]), counts):
                frames[first : first + count] = contents[key].transpose(0, 2, 1)
        return frames

    def __len__(self) -> int:
        return sum(count for _, _, count in self._keys)

    def __getstate__(self) -> dict[str, Any]:
        # The arrays are re-read from the file in each worker; shipping (and hashing) a few
        # hundred megabytes of IQ per worker would cost more than reading the pickle again.
        state = self.__dict__.copy()
        state["_arrays"] = None
        return state

    def _frames(self) -> np.ndarray:
        if self._arrays is None:
            contents = load_pickle(self.path, max_bytes=self.max_bytes)
            self._arrays = self._stack(contents, [(modulation, snr_db) for modulation, snr_db, _ in self._keys])
        return self._arrays

    def _read_batch(self, start: int, stop: int) -> dict[str, np.ndarray]:
        counts = np.array([count for _, _, count in self._keys])
        first_of_key = np.concatenate([[0], np.cumsum(counts)])
        records = np.arange(start, stop)
        key_of_record = np.searchsorted(first_of_key, records, side="right") - 1
        modulations = np.array([modulation for modulation, _, _ in self._keys], dtype=object)[key_of_record]
        snrs_db = np.array([snr_db for _, snr_db, _ in self._keys], dtype=np.float32)[key_of_record]
        labels = np.array([self.class_names.index(modulation) for modulation in modulations], dtype=np.int64)
        return make_batch(
            check_finite(self._frames()[start:stop], start, os.fspath(self.path)),
            labels,
            {
                "snr_db": snrs_db,
                "transmitter": modulations,
                "source": self.source,
                "index": records - first_of_key[key_of_record],
            },
        )
