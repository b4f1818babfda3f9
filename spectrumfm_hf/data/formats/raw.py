"""Raw interleaved complex binary (SigMF datatype names) and ``.npy`` IQ, cut into windows.

Integer samples are mapped to about [-1, 1]: signed types divide by ``2**(bits - 1)``; unsigned
types (``cu8`` from RTL-SDR dongles) subtract the mid-scale 127.5 first, since their zero level
lies between two codes.
"""

from __future__ import annotations

import math
import os
import tokenize
from typing import Any, Sequence

import numpy as np

from ..base import SpectrumDataError
from .reader import RecordReader, check_positive, file_identity, make_batch, windows
from .safe_pickle import _describe_value

# SigMF datatype -> (numpy type of one I or Q component, zero level, full scale).
COMPLEX_DATATYPES: dict[str, tuple[str, float, float]] = {
    "cf64_le": ("<f8", 0.0, 1.0),
    "cf64_be": (">f8", 0.0, 1.0),
    "cf32_le": ("<f4", 0.0, 1.0),
    "cf32_be": (">f4", 0.0, 1.0),
    "ci32_le": ("<i4", 0.0, 2.0**31),
    "ci32_be": (">i4", 0.0, 2.0**31),
    "ci16_le": ("<i2", 0.0, 2.0**15),
    "ci16_be": (">i2", 0.0, 2.0**15),
    "ci8": ("i1", 0.0, 2.0**7),
    "cu32_le": ("<u4", 2.0**31 - 0.5, 2.0**31 - 0.5),
    "cu32_be": (">u4", 2.0**31 - 0.5, 2.0**31 - 0.5),
    "cu16_le": ("<u2", 2.0**15 - 0.5, 2.0**15 - 0.5),
    "cu16_be": (">u2", 2.0**15 - 0.5, 2.0**15 - 0.5),
    "cu8": ("u1", 127.5, 127.5),
}


def check_datatype(datatype: str, where: str) -> tuple[np.dtype, float, float]:
    """Component dtype, zero level and full scale of complex ``datatype``, or an error naming ``where``."""
    if not isinstance(datatype, str) or datatype not in COMPLEX_DATATYPES:
        raise SpectrumDataError(
            f"{where}: unsupported datatype {_describe_value(datatype)}; expected a complex one of {sorted(COMPLEX_DATATYPES)}"
        )
    component, zero, full_scale = COMPLEX_DATATYPES[datatype]
    return np.dtype(component), zero, full_scale


def components_to_real(components: np.ndarray, datatype: str) -> np.ndarray:
    """Stored I/Q components ``(..., 2)`` of ``datatype`` to float32 ``(..., 2)`` scaled to about [-1, 1]."""
    _, zero, full_scale = check_datatype(datatype, "components_to_real")
    real = np.asarray(components, dtype=np.float32)
    if zero or full_scale != 1.0:
        real = (real - np.float32(zero)) / np.float32(full_scale)
    return real


def check_class_names(class_names: Any, where: str) -> tuple[str, ...]:
    """``class_names`` as a tuple of distinct strings, or an error naming ``where``."""
    if isinstance(class_names, (str, bytes)) or not isinstance(class_names, Sequence):
        raise SpectrumDataError(f"{where}: class_names must be a sequence of strings, got {_describe_value(class_names)}")
    names = tuple(class_names)
    if not names or not all(isinstance(name, str) for name in names) or len(set(names)) != len(names):
        raise SpectrumDataError(
            f"{where}: class_names must be distinct strings, at least one, got {_describe_value(names)}"
        )
    return names


def check_finite(iq: np.ndarray, first_record: int, where: str) -> np.ndarray:
    """``iq`` (``(records, ...)``) unchanged, or an error naming the first record with a NaN or infinite sample."""
    finite = np.isfinite(iq).reshape(len(iq), -1).all(axis=1)
    if not finite.all():
        record = first_record + int(np.flatnonzero(~finite)[0])
        raise SpectrumDataError(f"{where}: record {record} holds NaN or infinite samples; the file is corrupt")
    return iq


class RawIQReader(RecordReader):
    """Windows of ``num_samples`` from a raw binary or ``.npy`` file holding one class.

    Binary files are one stream. A ``.npy`` file may hold complex ``(n,)`` or real ``(n, 2)`` (one
    stream), or complex ``(..., n)`` / real ``(..., n, 2)`` (one stream per leading index, cut
    separately so that no window straddles two streams). ``index`` is the stream, and
    ``sample_offset`` the window's first sample within it.

    Args:
        path: the file; ``.npy`` files are read with ``allow_pickle=False``.
        num_samples: samples per window.
        datatype: SigMF name of the binary layout (``"cf32_le"``, ``"ci16_le"``, ``"cu8"``, ...);
            required for binary files, must be ``None`` for ``.npy``.
        stride: samples between window starts; defaults to ``num_samples`` (no overlap).
        label: class of every window; ``None`` leaves the file unlabelled.
        class_names: label names; defaults to ``(label,)``, or ``("unlabelled",)``.
        snr_db: SNR of the recording in dB, if known.
        source: value of the ``source`` column.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        num_samples: int,
        datatype: str | None = None,
        *,
        stride: int | None = None,
        label: str | None = None,
        class_names: Sequence[str] | None = None,
        snr_db: float = float("nan"),
        source: str = "raw",
    ) -> None:
        self.path, self._file_size, self._file_mtime_ns = file_identity(path, "raw IQ")
        self.num_samples = check_positive("num_samples", num_samples)
        self.stride = self.num_samples if stride is None else check_positive("stride", stride)
        self.is_npy = self.path.suffix.lower() == ".npy"
        if self.is_npy and datatype is not None:
            raise SpectrumDataError(
                f"{self.path}: datatype must be None for .npy files (the header says it), got {_describe_value(datatype)}"
            )
        if not self.is_npy and datatype is None:
            raise SpectrumDataError(f"{self.path}: datatype is required for raw binary files, e.g. 'cf32_le', 'ci16_le', 'cu8'")
        self.datatype = datatype
        if label is not None and not isinstance(label, str):
            raise SpectrumDataError(f"label must be a class name string or None, got {_describe_value(label)}")
        if class_names is None:
            class_names = (label,) if label is not None else ("unlabelled",)
        self.class_names = check_class_names(class_names, os.fspath(self.path))
        self.label = 0 if label is None else self.label_index(label, "argument label")
        self.transmitter = "" if label is None else label
        if isinstance(snr_db, bool) or not isinstance(snr_db, (int, float, np.integer, np.floating)):
            raise SpectrumDataError(f"snr_db must be a number in dB, got {_describe_value(snr_db)}")
        self.snr_db = float(snr_db)
        if not isinstance(source, str):
            raise SpectrumDataError(f"source must be a string, got {_describe_value(source)}")
        self.source = source
        self.num_streams, self.stream_length = self._streams().shape[:2]
        # Counted, not listed: a huge (even sparse) file must not cost one integer per window.
        self.windows_per_stream = (
            (self.stream_length - self.num_samples) // self.stride + 1 if self.stream_length >= self.num_samples else 0
        )
        if len(self) == 0:
            raise SpectrumDataError(
                f"{self.path}: streams of {self.stream_length} samples are shorter than one window of {self.num_samples}"
            )

    def _streams(self) -> np.ndarray:
        """The file as float32-convertible ``(streams, samples, 2)`` memory map (not yet scaled)."""
        if self.is_npy:
            array = self._npy_map()
            if np.iscomplexobj(array) and array.ndim >= 1:
                # Viewing the complex map as its float parts keeps it a map, not a copy in RAM.
                component = np.empty(0, dtype=array.dtype).real.dtype
                rows = np.ascontiguousarray(array).reshape(-1, array.shape[-1])
                return rows.view(component).reshape(rows.shape[0], rows.shape[1], 2)
            if array.ndim >= 2 and array.shape[-1] == 2 and np.issubdtype(array.dtype, np.number):
                return array.reshape(-1, array.shape[-2], 2)
            raise SpectrumDataError(
                f"{self.path}: expected complex (..., n) or real (..., n, 2) IQ, got {array.dtype} {array.shape}"
            )
        component, _, _ = check_datatype(self.datatype, os.fspath(self.path))
        sample_bytes = 2 * component.itemsize
        if self._file_size % sample_bytes:
            raise SpectrumDataError(
                f"{self.path}: {self._file_size} bytes is not a whole number of {self.datatype} samples "
                f"({sample_bytes} bytes each); the file is truncated or the datatype is wrong"
            )
        if self._file_size == 0:
            raise SpectrumDataError(f"{self.path}: the file is empty")
        return np.memmap(self.path, dtype=component, mode="r").reshape(1, -1, 2)

    def _npy_map(self) -> np.ndarray:
        """The ``.npy`` file as a read-only memory map, after checking its header against its size."""
        try:
            with open(self.path, "rb") as handle:
                version = np.lib.format.read_magic(handle)
                if version == (1, 0):
                    shape, fortran_order, dtype = np.lib.format.read_array_header_1_0(handle)
                elif version == (2, 0):
                    shape, fortran_order, dtype = np.lib.format.read_array_header_2_0(handle)
                else:
                    raise ValueError(f".npy format version {version} (numeric arrays are written as 1.0 or 2.0)")
                data_offset = handle.tell()
        except (ValueError, OSError, EOFError, SyntaxError, TypeError, RecursionError, tokenize.TokenError) as error:
            raise SpectrumDataError(
                f"{self.path}: not a plain numeric .npy array (an .npz archive, an empty or a corrupt file?): {str(error)[:200]}"
            ) from None
        if dtype.kind not in "biufc" or dtype.hasobject:
            raise SpectrumDataError(f"{self.path}: not a plain numeric .npy array: it holds dtype {dtype}")
        if any(size < 0 for size in shape):
            raise SpectrumDataError(f"{self.path}: the header declares a negative shape {_describe_value(shape)}")
        declared_bytes = math.prod(shape) * dtype.itemsize
        stored_bytes = self._file_size - data_offset
        if declared_bytes > stored_bytes:
            raise SpectrumDataError(
                f"{self.path}: the header declares {shape} {dtype} ({declared_bytes} bytes) but the file holds "
                f"{stored_bytes} bytes of data; it is truncated"
            )
        if declared_bytes == 0:
            raise SpectrumDataError(f"{self.path}: the array {shape} {dtype} holds no samples")
        if fortran_order and len(shape) > 1:
            # Reshaping a Fortran-ordered map into streams would copy the whole file into memory.
            raise SpectrumDataError(f"{self.path}: the array is stored in Fortran order; save it in C order (np.ascontiguousarray)")
        return np.memmap(self.path, dtype=dtype, mode="r", offset=data_offset, shape=shape)

    def __len__(self) -> int:
        return self.num_streams * self.windows_per_stream

    def _read_batch(self, start: int, stop: int) -> dict[str, np.ndarray]:
        streams = self._streams()
        records = np.arange(start, stop)
        stream_of_record = records // self.windows_per_stream
        offsets = records % self.windows_per_stream * self.stride
        gathered = np.empty((len(records), self.num_samples, 2), dtype=np.float32)
        for stream in np.unique(stream_of_record):
            rows = stream_of_record == stream
            gathered[rows] = windows(streams[stream], offsets[rows], self.num_samples)
        if not self.is_npy:
            gathered = components_to_real(gathered, self.datatype)
        return make_batch(
            check_finite(gathered, start, os.fspath(self.path)),
            np.full(len(records), self.label),
            {
                "snr_db": self.snr_db,
                "transmitter": self.transmitter,
                "source": self.source,
                "index": stream_of_record,
                "sample_offset": offsets,
            },
        )
