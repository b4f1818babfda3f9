"""RML2018.01A (``GOLD_XYZ_OSC.0001_1024.hdf5``): ``X`` (N, 1024, 2), one-hot ``Y`` (N, 24), ``Z`` (N, 1) SNR in dB.

The file is about 20 GB, so it is never loaded whole: h5py reads the frames of one batch at a
time, and the one-hot rows are checked as they are read.
"""

from __future__ import annotations

import os
from typing import Any, Sequence

import h5py
import numpy as np

from ..base import SpectrumDataError
from .labels import RML2018_01A_CLASSES
from .reader import RecordReader, check_positive, file_identity, make_batch


class RML2018Reader(RecordReader):
    """Records of an RML2018.01A HDF5 file: each frame whole, or cut into equal windows.

    Record ``i`` is window ``i % windows_per_frame`` of frame ``i // windows_per_frame``; its
    ``index`` column is the frame's row in the file and ``sample_offset`` the window's first sample.

    Args:
        path: the ``.hdf5`` file.
        window: samples per record; 128 cuts each 1024-sample frame into the eight windows the
            SpectrumFM authors used. ``None`` keeps frames whole.
        class_names: names of the columns of ``Y``; defaults to the corrected RML2018.01A order.

    Raises:
        SpectrumDataError: a data set is missing, shapes disagree, or ``window`` does not divide
            the frame length (the message names the file).
    """

    source = "rml2018.01a"

    def __init__(
        self,
        path: str | os.PathLike[str],
        window: int | None = 128,
        class_names: Sequence[str] = RML2018_01A_CLASSES,
    ) -> None:
        self.path, self._file_size, self._file_mtime_ns = file_identity(path, "RML2018 HDF5")
        self.class_names = tuple(class_names)
        try:
            with h5py.File(self.path, "r") as handle:
                shapes = self._check_layout(handle)
        except OSError as error:
            raise SpectrumDataError(f"{self.path}: not a readable HDF5 file: {error}") from error
        self.num_frames, self.frame_length = shapes
        self.window = self.frame_length if window is None else check_positive("window", window)
        if self.frame_length % self.window:
            raise SpectrumDataError(
                f"{self.path}: window={window} does not divide the frame length of {self.frame_length} samples"
            )
        self.windows_per_frame = self.frame_length // self.window
        self.num_samples = self.window

    def _check_layout(self, handle: h5py.File) -> tuple[int, int]:
        missing = [name for name in ("X", "Y", "Z") if name not in handle]
        if missing:
            raise SpectrumDataError(
                f"{self.path}: missing data set(s) {missing}; RML2018.01A files hold X (N, 1024, 2), Y (N, 24), Z (N, 1)"
            )
        iq, onehot, snr = handle["X"], handle["Y"], handle["Z"]
        if iq.ndim != 3 or iq.shape[2] != 2 or not np.issubdtype(iq.dtype, np.floating):
            raise SpectrumDataError(f"{self.path}: X must be float (N, frame_length, 2), got {iq.dtype} {iq.shape}")
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
                f"{self.path}: row {row} of Y is not one-hot (one 1 and zeros elsewhere): {onehot[row - first_frame].tolist()}"
            )
        return is_one.argmax(axis=1)

    def _read_batch(self, start: int, stop: int) -> dict[str, np.ndarray]:
        first_frame = start // self.windows_per_frame
        end_frame = -(-stop // self.windows_per_frame)
        with h5py.File(self.path, "r") as handle:
            frames = np.asarray(handle["X"][first_frame:end_frame], dtype=np.float32)
            labels = self._labels(np.asarray(handle["Y"][first_frame:end_frame]), first_frame)
            snrs_db = np.asarray(handle["Z"][first_frame:end_frame], dtype=np.float32).reshape(-1)
        records = np.arange(start, stop)
        frame_of_record = records // self.windows_per_frame - first_frame
        window_of_record = records % self.windows_per_frame
        windows = frames.reshape(len(frames) * self.windows_per_frame, self.window, 2)
        params: dict[str, Any] = {
            "snr_db": snrs_db[frame_of_record],
            "modulation": np.array(self.class_names, dtype=object)[labels[frame_of_record]],
            "source": self.source,
            "index": frame_of_record + first_frame,
            "sample_offset": window_of_record * self.window if self.windows_per_frame > 1 else -1,
        }
        return make_batch(windows[records - first_frame * self.windows_per_frame], labels[frame_of_record], params)
