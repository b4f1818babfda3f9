"""RML2018.01A (``GOLD_XYZ_OSC.0001_1024.hdf5``): ``X`` (N, 1024, 2), one-hot ``Y`` (N, 24), ``Z`` (N, 1) SNR in dB.

The file is about 20 GB, so it is never loaded whole: h5py reads the frames of one batch at a
time, and the one-hot rows are checked as they are read. What the file declares is checked before
anything is read: the three data sets must be stored in this file (no external storage, virtual
data sets or links to other files), every declared byte must be stored (a few bytes of metadata
cannot stand for terabytes of fill value), and no compressed chunk may decompress to more than
``max_chunk_bytes`` (HDF5 decompresses a whole chunk to read any part of it).
"""

from __future__ import annotations

import math
import os
from typing import Any, Sequence

import h5py
import numpy as np

from ..base import SpectrumDataError
from .labels import RML2018_01A_CLASSES
from .raw import check_class_names, check_finite
from .reader import RecordReader, check_positive, file_identity, make_batch
from .safe_pickle import DEFAULT_MAX_BYTES, _describe_value, check_max_bytes

DEFAULT_MAX_CHUNK_BYTES = 64 * 2**20
"""Default cap on the decompressed size of one HDF5 chunk (64 MiB; h5py's own chunks stay under 1 MiB)."""

# Bytes of one frame sample (I and Q) as the float32 batches hold it.
_SAMPLE_BYTES = 2 * np.dtype(np.float32).itemsize


class RML2018Reader(RecordReader):
    """Records of an RML2018.01A HDF5 file: each frame whole, or cut into equal windows.

    Record ``i`` is window ``i % windows_per_frame`` of frame ``i // windows_per_frame``; its
    ``index`` column is the frame's row in the file and ``sample_offset`` the window's first sample.

    Args:
        path: the ``.hdf5`` file.
        window: samples per record; 128 cuts each 1024-sample frame into the eight windows the
            SpectrumFM authors used. ``None`` keeps frames whole.
        class_names: names of the columns of ``Y``; defaults to the corrected RML2018.01A order.
        max_bytes: cap in bytes on one frame and on what one batch reads, as float32 (default 4 GiB).
        max_chunk_bytes: cap on the decompressed size of one HDF5 chunk (default 64 MiB).

    Raises:
        SpectrumDataError: a data set is missing, is a group, lives outside the file, declares more
            than it stores, has chunks over ``max_chunk_bytes`` or frames of 0 samples; shapes
            disagree; or ``window`` does not divide the frame length (the message names the file).
    """

    source = "rml2018.01a"

    def __init__(
        self,
        path: str | os.PathLike[str],
        window: int | None = 128,
        class_names: Sequence[str] = RML2018_01A_CLASSES,
        *,
        max_bytes: int = DEFAULT_MAX_BYTES,
        max_chunk_bytes: int = DEFAULT_MAX_CHUNK_BYTES,
    ) -> None:
        self.path, self._file_size, self._file_mtime_ns = file_identity(path, "RML2018 HDF5")
        self.class_names = check_class_names(class_names, os.fspath(self.path))
        self.max_bytes = check_max_bytes(max_bytes)
        self.max_chunk_bytes = check_positive("max_chunk_bytes", max_chunk_bytes)
        try:
            with h5py.File(self.path, "r") as handle:
                shapes = self._check_layout(handle)
        except SpectrumDataError:
            raise
        except (OSError, KeyError, RuntimeError, ValueError, TypeError) as error:
            raise SpectrumDataError(f"{self.path}: not a readable HDF5 file: {str(error)[:200]}") from error
        self.num_frames, self.frame_length = shapes
        self.window = self.frame_length if window is None else check_positive("window", window)
        if self.frame_length % self.window:
            raise SpectrumDataError(
                f"{self.path}: window={window} does not divide the frame length of {self.frame_length} samples"
            )
        self.windows_per_frame = self.frame_length // self.window
        self.num_samples = self.window

    def _dataset(self, handle: h5py.File, name: str) -> h5py.Dataset:
        """Data set ``name``, refused unless it is stored whole inside this file."""
        link = handle.get(name, getlink=True)
        if isinstance(link, h5py.ExternalLink):
            raise SpectrumDataError(
                f"{self.path}: {name} is a link to {_describe_value(link.filename)}; data sets in other files are not read"
            )
        dataset = handle[name]
        if not isinstance(dataset, h5py.Dataset):
            raise SpectrumDataError(f"{self.path}: {name} is a {type(dataset).__name__.lower()}, expected a data set")
        if dataset.is_virtual:
            raise SpectrumDataError(f"{self.path}: {name} is a virtual data set, which maps other files; it is not read")
        if dataset.external:
            raise SpectrumDataError(
                f"{self.path}: {name} keeps its data in external file(s) {_describe_value([entry[0] for entry in dataset.external])}; "
                "only data stored inside the HDF5 file is read"
            )
        if dataset.dtype.kind not in "biuf":
            raise SpectrumDataError(f"{self.path}: {name} has dtype {dataset.dtype}; expected numbers")
        if dataset.chunks is not None:
            chunk_bytes = math.prod(dataset.chunks) * dataset.dtype.itemsize
            if chunk_bytes > self.max_chunk_bytes:
                raise SpectrumDataError(
                    f"{self.path}: {name} is stored in chunks of {dataset.chunks} ({chunk_bytes} bytes decompressed), "
                    f"more than max_chunk_bytes={self.max_chunk_bytes}"
                )
        self._check_stored(name, dataset)
        return dataset

    def _check_stored(self, name: str, dataset: h5py.Dataset) -> None:
        """Refuse a data set that declares more than it stores (the rest would read as fill value)."""
        if dataset.size == 0:
            return
        if dataset.id.get_create_plist().get_nfilters() == 0:
            stored = dataset.id.get_storage_size()
            if stored < dataset.nbytes:
                raise SpectrumDataError(
                    f"{self.path}: {name} declares shape {dataset.shape} ({dataset.nbytes} bytes) but the file stores "
                    f"only {stored} bytes of it"
                )
            return
        needed = math.prod(-(-size // chunk) for size, chunk in zip(dataset.shape, dataset.chunks))
        stored_chunks = dataset.id.get_num_chunks()
        if stored_chunks < needed:
            raise SpectrumDataError(
                f"{self.path}: {name} declares shape {dataset.shape} in {needed} compressed chunks but the file stores "
                f"only {stored_chunks} of them"
            )

    def _check_layout(self, handle: h5py.File) -> tuple[int, int]:
        missing = [name for name in ("X", "Y", "Z") if name not in handle]
        if missing:
            raise SpectrumDataError(
                f"{self.path}: missing data set(s) {missing}; RML2018.01A files hold X (N, 1024, 2), Y (N, 24), Z (N, 1)"
            )
        iq, onehot, snr = (self._dataset(handle, name) for name in ("X", "Y", "Z"))
        if iq.ndim != 3 or iq.shape[2] != 2 or not np.issubdtype(iq.dtype, np.floating):
            raise SpectrumDataError(f"{self.path}: X must be float (N, frame_length, 2), got {iq.dtype} {iq.shape}")
        if iq.shape[0] == 0 or iq.shape[1] == 0:
            raise SpectrumDataError(
                f"{self.path}: X has shape {iq.shape}; expected at least one frame of at least one sample"
            )
        if iq.shape[1] * _SAMPLE_BYTES > self.max_bytes:
            raise SpectrumDataError(
                f"{self.path}: frames of {iq.shape[1]} samples take {iq.shape[1] * _SAMPLE_BYTES} bytes each as float32, "
                f"more than max_bytes={self.max_bytes}"
            )
        if onehot.ndim != 2 or onehot.shape[1] != len(self.class_names):
            raise SpectrumDataError(
                f"{self.path}: Y must be one-hot (N, {len(self.class_names)}), got shape {onehot.shape}"
            )
        if snr.ndim not in (1, 2) or (snr.ndim == 2 and snr.shape[1] != 1):
            raise SpectrumDataError(f"{self.path}: Z must be SNR in dB of shape (N, 1), got {snr.shape}")
        if not iq.shape[0] == onehot.shape[0] == snr.shape[0]:
            raise SpectrumDataError(
                f"{self.path}: X, Y and Z must have the same number of frames, got {iq.shape[0]}, "
                f"{onehot.shape[0]} and {snr.shape[0]}"
            )
        return int(iq.shape[0]), int(iq.shape[1])

    def __len__(self) -> int:
        return self.num_frames * self.windows_per_frame

    def _labels(self, onehot: np.ndarray, first_frame: int) -> np.ndarray:
        is_one = onehot == 1
        valid = (is_one.sum(axis=1) == 1) & ((onehot == 0) | is_one).all(axis=1)
        if not valid.all():
            row = first_frame + int(np.flatnonzero(~valid)[0])
            raise SpectrumDataError(
                f"{self.path}: row {row} of Y is not one-hot (one 1 and zeros elsewhere): "
                f"{_describe_value(onehot[row - first_frame].tolist())}"
            )
        return is_one.argmax(axis=1)

    def _read(self, handle: h5py.File, name: str, selection: tuple[slice, ...]) -> np.ndarray:
        try:
            return np.asarray(handle[name][selection])
        except (OSError, RuntimeError, ValueError, TypeError) as error:
            rows = selection[0]
            raise SpectrumDataError(
                f"{self.path}: cannot read frames [{rows.start}, {rows.stop}) of {name}; the file is corrupt: {str(error)[:200]}"
            ) from error

    def _read_batch(self, start: int, stop: int) -> dict[str, np.ndarray]:
        first_frame = start // self.windows_per_frame
        end_frame = -(-stop // self.windows_per_frame)
        # Within one frame only the windows asked for are read, so long frames cost one batch, not one frame.
        first_sample = start % self.windows_per_frame * self.window if end_frame - first_frame == 1 else 0
        end_sample = first_sample + (stop - start) * self.window if end_frame - first_frame == 1 else self.frame_length
        read_bytes = (end_frame - first_frame) * (end_sample - first_sample) * _SAMPLE_BYTES
        if read_bytes > self.max_bytes:
            raise SpectrumDataError(
                f"{self.path}: records [{start}, {stop}) take {read_bytes} bytes as float32, more than "
                f"max_bytes={self.max_bytes}; read smaller batches"
            )
        frames_read = slice(first_frame, end_frame)
        try:
            # Values beyond float32 become inf here and are refused below, naming the row.
            with h5py.File(self.path, "r") as handle, np.errstate(over="ignore"):
                frames = self._read(handle, "X", (frames_read, slice(first_sample, end_sample))).astype(np.float32, copy=False)
                labels = self._labels(self._read(handle, "Y", (frames_read,)), first_frame)
                snrs_db = self._read(handle, "Z", (frames_read,)).astype(np.float32).reshape(-1)
        except SpectrumDataError:
            raise
        except (OSError, KeyError, RuntimeError) as error:
            raise SpectrumDataError(f"{self.path}: not a readable HDF5 file any more: {str(error)[:200]}") from error
        if not np.isfinite(snrs_db).all():
            row = first_frame + int(np.flatnonzero(~np.isfinite(snrs_db))[0])
            raise SpectrumDataError(f"{self.path}: row {row} of Z is not a finite SNR in dB (as float32)")
        records = np.arange(start, stop)
        frame_of_record = records // self.windows_per_frame - first_frame
        window_of_record = records % self.windows_per_frame
        windows = frames.reshape(-1, self.window, 2)
        first_window = first_frame * self.windows_per_frame + first_sample // self.window
        params: dict[str, Any] = {
            "snr_db": snrs_db[frame_of_record],
            "transmitter": np.array(self.class_names, dtype=object)[labels[frame_of_record]],
            "source": self.source,
            "index": frame_of_record + first_frame,
            "sample_offset": window_of_record * self.window if self.windows_per_frame > 1 else -1,
        }
        iq = check_finite(windows[records - first_window], start, os.fspath(self.path))
        return make_batch(iq, labels[frame_of_record], params)
