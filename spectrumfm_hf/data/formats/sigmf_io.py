"""SigMF recordings: labelled annotations in, windows out; generated records back to SigMF.

Reading maps every annotation that carries a label (``core:label`` by default) to one record, or
to as many windows of ``num_samples`` as fit in it. Writing stores all records back to back in one
``cf32_le`` recording with one annotation per record; the label goes in ``core:label`` and every
known generation parameter in the ``spectrumfm`` extension namespace, so reading the recording back
gives the same records.

Recordings come from strangers, so reading trusts nothing the metadata declares. The data file must
lie in the recording's folder (``core:dataset`` naming an absolute path, ``..`` or a symlink that
leaves the folder is refused unless ``allow_data_outside_folder``); a ``.sigmf`` archive must be
the uncompressed tar the SigMF specification defines; compressed archives (``.sigmf.gz``,
``.sigmf.xz``, ``.sigmf.zip``) are expanded to a temporary file in bounded blocks and refused once
they pass ``max_bytes``; metadata is read up to :data:`MAX_METADATA_BYTES`; and samples are read
window by window from a memory map, never as one span.
"""

from __future__ import annotations

import atexit
import gzip
import hashlib
import json
import lzma
import math
import os
import tarfile
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Callable, Iterable, Sequence

import numpy as np
from sigmf.error import SigMFError
from sigmf.sigmffile import SigMFFile, get_sigmf_filenames

from ..base import GENERATION_PARAMETERS, SpectrumDataError, fill_parameters
from .raw import check_class_names, check_datatype, check_finite, components_to_real
from .reader import RecordReader, check_positive, make_batch, window_starts, windows
from .safe_pickle import DEFAULT_MAX_BYTES, _describe_value, check_max_bytes

NAMESPACE = "spectrumfm"
"""SigMF extension namespace of the generation parameters (``spectrumfm:snr_db``, ...)."""

EXTENSION_VERSION = "1.0.0"

MAX_METADATA_BYTES = 64 * 2**20
"""Largest ``.sigmf-meta`` read, in bytes (64 MiB holds some 300,000 annotations)."""

ARCHIVE_SUFFIXES = (".sigmf", ".sigmf.gz", ".sigmf.xz", ".sigmf.zip")

# Where a record sits in a recording is decided by the recording, not stored with it.
_POSITIONAL_PARAMETERS = ("sample_offset",)

_MAGIC_NUMBERS = {
    b"\x1f\x8b": "gzip",
    b"\xfd7zXZ\x00": "xz",
    b"BZh": "bzip2",
    b"PK\x03\x04": "zip",
    b"\x28\xb5\x2f\xfd": "zstd",
}

_BLOCK_BYTES = 2**20

# Integer bytes a window costs the reader (its start and its annotation's number).
_WINDOW_INDEX_BYTES = 2 * np.dtype(np.int64).itemsize


@dataclass(frozen=True)
class _Stored:
    """A recording as found on disk: its parsed metadata and the byte range of its data file."""

    metadata: dict[str, Any]
    data_path: str
    data_start: int
    data_size: int
    where: str


def _compression(path: Path) -> str | None:
    with open(path, "rb") as handle:
        head = handle.read(8)
    return next((kind for magic, kind in _MAGIC_NUMBERS.items() if head.startswith(magic)), None)


def _parse_metadata(raw: bytes, where: str) -> dict[str, Any]:
    """SigMF metadata JSON as a dict with a ``global`` object and lists of capture and annotation objects."""
    try:
        metadata = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise SpectrumDataError(f"{where}: not valid SigMF metadata JSON: {str(error)[:200]}") from None
    if not isinstance(metadata, dict) or not isinstance(metadata.get("global"), dict):
        raise SpectrumDataError(f"{where}: not valid SigMF metadata: expected a JSON object with a 'global' object")
    for section in ("captures", "annotations"):
        entries = metadata.setdefault(section, [])
        if not isinstance(entries, list) or not all(isinstance(entry, dict) for entry in entries):
            raise SpectrumDataError(f"{where}: not valid SigMF metadata: '{section}' must be a list of objects")
    return metadata


def _read_metadata_file(path: Path) -> dict[str, Any]:
    size = path.stat().st_size
    if size > MAX_METADATA_BYTES:
        raise SpectrumDataError(f"{path}: {size} bytes of metadata, more than the {MAX_METADATA_BYTES} read")
    return _parse_metadata(path.read_bytes(), os.fspath(path))


def _dataset_name(metadata: dict[str, Any], where: str) -> str | None:
    name = metadata["global"].get("core:dataset")
    if name is not None and (not isinstance(name, str) or not name):
        raise SpectrumDataError(f"{where}: core:dataset must be a file name, got {_describe_value(name)}")
    return name


def _stored_pair(meta_path: Path, data_path: Path, allow_data_outside_folder: bool) -> _Stored:
    """A ``.sigmf-meta`` file and the data file it names (``core:dataset``) or sits beside."""
    metadata = _read_metadata_file(meta_path)
    dataset = _dataset_name(metadata, os.fspath(meta_path))
    if dataset is not None:
        data_path = meta_path.parent / dataset
    folder = meta_path.parent.resolve()
    resolved = data_path.resolve()
    if not allow_data_outside_folder and not resolved.is_relative_to(folder):
        raise SpectrumDataError(
            f"{meta_path}: the data file {_describe_value(os.fspath(data_path), 200)} resolves to "
            f"{_describe_value(os.fspath(resolved), 200)}, outside the recording's folder {os.fspath(folder)!r}; "
            "pass allow_data_outside_folder=True to read it"
        )
    if not resolved.is_file():
        raise SpectrumDataError(f"{meta_path}: its data file {_describe_value(os.fspath(data_path), 200)} does not exist")
    return _Stored(metadata, os.fspath(resolved), 0, resolved.stat().st_size, os.fspath(data_path))


def _archive_metadata(members: list[tuple[str, int]], read: Callable[[str], bytes], shown: Path) -> dict[str, Any]:
    """The first ``.sigmf-meta`` of an archive's ``(name, declared size)`` members, its size checked before reading."""
    name, size = next(((name, size) for name, size in members if name.endswith(".sigmf-meta")), (None, 0))
    if name is None:
        raise SpectrumDataError(f"{shown}: the archive holds no .sigmf-meta member")
    if size > MAX_METADATA_BYTES:
        raise SpectrumDataError(
            f"{shown}: member {_describe_value(name)} declares {size} bytes of metadata, more than the {MAX_METADATA_BYTES} read"
        )
    return _parse_metadata(read(name), f"{shown}:{name}")


def _member_is_data(name: str, dataset: str | None) -> bool:
    return name.endswith(".sigmf-data") or (dataset is not None and name.endswith(dataset))


def _stored_tar(tar_path: str, shown: Path) -> _Stored:
    """The metadata and data members of an uncompressed tar (the data is read in place)."""
    try:
        with tarfile.open(tar_path, "r:") as archive:
            members = [member for member in archive.getmembers() if member.isfile() and not member.issparse()]
            metadata = _archive_metadata(
                [(member.name, member.size) for member in members], lambda name: archive.extractfile(name).read(), shown
            )
    except tarfile.TarError as error:
        raise SpectrumDataError(f"{shown}: not a tar archive (a SigMF archive is a tar file): {error}") from None
    dataset = _dataset_name(metadata, os.fspath(shown))
    data = next((member for member in members if _member_is_data(member.name, dataset)), None)
    if data is None:
        raise SpectrumDataError(f"{shown}: the archive holds no .sigmf-data member")
    archive_bytes = os.path.getsize(tar_path)
    if data.offset_data + data.size > archive_bytes:
        raise SpectrumDataError(
            f"{shown}: member {_describe_value(data.name)} declares {data.size} bytes but the archive ends "
            f"{archive_bytes - data.offset_data} bytes after its start; it is truncated"
        )
    return _Stored(metadata, tar_path, data.offset_data, data.size, f"{shown}:{data.name}")


# Expanded compressed archives, one at a time per process: (path, size, mtime, member) -> file.
_EXPANDED: dict[tuple[Any, ...], str] = {}


def _forget_expanded() -> None:
    for expanded in _EXPANDED.values():
        if os.path.exists(expanded):
            os.remove(expanded)
    _EXPANDED.clear()


atexit.register(_forget_expanded)


def _expanded(key: tuple[Any, ...], source: Callable[[], BinaryIO], limit: int, shown: Path) -> str:
    """A temporary file holding at most ``limit`` bytes of ``source``, copied in bounded blocks; cached."""
    if key in _EXPANDED and os.path.exists(_EXPANDED[key]):
        return _EXPANDED[key]
    descriptor, temporary = tempfile.mkstemp(prefix="spectrumfm-sigmf-", suffix=".expanded")
    try:
        with os.fdopen(descriptor, "wb") as output, source() as stream:
            written = 0
            while block := stream.read(_BLOCK_BYTES):
                written += len(block)
                if written > limit:
                    raise SpectrumDataError(
                        f"{shown}: expands to more than max_bytes={limit} bytes; refusing to decompress it further"
                    )
                output.write(block)
    except BaseException:
        os.remove(temporary)
        raise
    _forget_expanded()
    _EXPANDED[key] = temporary
    return temporary


def _identity_key(path: Path, *extra: Any) -> tuple[Any, ...]:
    stat = path.stat()
    return (os.fspath(path.resolve()), stat.st_size, stat.st_mtime_ns, *extra)


def _stored_compressed_tar(path: Path, kind: str, max_bytes: int) -> _Stored:
    opener = gzip.open if kind == "gzip" else lzma.open
    try:
        expanded = _expanded(_identity_key(path, max_bytes), lambda: opener(path, "rb"), max_bytes, path)
    except (OSError, EOFError, lzma.LZMAError) as error:
        raise SpectrumDataError(f"{path}: not a valid {kind} stream: {str(error)[:200]}") from None
    return _stored_tar(expanded, path)


def _stored_zip(path: Path, max_bytes: int) -> _Stored:
    try:
        with zipfile.ZipFile(path) as archive:
            infos = [info for info in archive.infolist() if not info.is_dir()]
            metadata = _archive_metadata([(info.filename, info.file_size) for info in infos], archive.read, path)
            dataset = _dataset_name(metadata, os.fspath(path))
            data = next((info for info in infos if _member_is_data(info.filename, dataset)), None)
            if data is None:
                raise SpectrumDataError(f"{path}: the archive holds no .sigmf-data member")
            if data.file_size > max_bytes:
                raise SpectrumDataError(
                    f"{path}: member {_describe_value(data.filename)} declares {data.file_size} bytes, more than max_bytes={max_bytes}"
                )
            # zipfile stops at the declared size, so the copy is bounded by the check above.
            expanded = _expanded(_identity_key(path, data.filename), lambda: archive.open(data), max_bytes, path)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, NotImplementedError) as error:
        raise SpectrumDataError(f"{path}: not a readable zip archive: {str(error)[:200]}") from None
    return _Stored(metadata, expanded, 0, data.file_size, f"{path}:{data.filename}")


def _stored_archive(path: Path, max_bytes: int) -> _Stored:
    kind = _compression(path)
    lowered = path.name.lower()
    if lowered.endswith(".sigmf"):
        if kind is not None:
            raise SpectrumDataError(
                f"{path}: a .sigmf archive is an uncompressed tar, but this file is {kind}-compressed; "
                "name it for its compression (.sigmf.gz, .sigmf.xz, .sigmf.zip) to read it with bounded decompression"
            )
        return _stored_tar(os.fspath(path), path)
    expected = {".sigmf.gz": "gzip", ".sigmf.xz": "xz", ".sigmf.zip": "zip"}[lowered[lowered.rindex(".sigmf") :]]
    if kind != expected:
        raise SpectrumDataError(f"{path}: not {expected}-compressed as its name says (found {kind or 'no known compression'})")
    return _stored_zip(path, max_bytes) if kind == "zip" else _stored_compressed_tar(path, kind, max_bytes)


def _whole_number(value: Any, where: str, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise SpectrumDataError(f"{where}: {what} must be a non-negative integer, got {_describe_value(value)}")
    return value


def _parameter(name: str, value: Any, where: str) -> Any:
    """A generation parameter from the metadata, checked against its column type."""
    dtype, _ = GENERATION_PARAMETERS[name]
    if dtype == "string":
        if not isinstance(value, str):
            raise SpectrumDataError(f"{where}: {NAMESPACE}:{name} must be a string, got {_describe_value(value)}")
        return value
    is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if dtype.startswith("int"):
        if not is_number or (isinstance(value, float) and not value.is_integer()) or not -(2**63) <= value < 2**63:
            raise SpectrumDataError(f"{where}: {NAMESPACE}:{name} must be an integer, got {_describe_value(value)}")
        return int(value)
    if not is_number or not (abs(value) <= float(np.finfo(np.float32).max) or (isinstance(value, float) and math.isnan(value))):
        raise SpectrumDataError(f"{where}: {NAMESPACE}:{name} must be a number (float32), got {_describe_value(value)}")
    return float(value)


def _identity(path: Path) -> tuple[tuple[str, int, int], ...]:
    names = get_sigmf_filenames(path)
    candidates = [path, *(names[key] for key in ("meta_fn", "data_fn", "archive_fn"))]
    found = list(dict.fromkeys(name for name in candidates if name.is_file()))
    if not found:
        raise SpectrumDataError(f"{path}: no SigMF metadata, data or archive file found at this path")
    return tuple((os.fspath(name), name.stat().st_size, name.stat().st_mtime_ns) for name in found)


def _sha512(path: str, start: int, size: int) -> str:
    digest = hashlib.sha512()
    with open(path, "rb") as handle:
        handle.seek(start)
        remaining = size
        while remaining > 0:
            block = handle.read(min(_BLOCK_BYTES, remaining))
            if not block:
                break
            digest.update(block)
            remaining -= len(block)
    return digest.hexdigest()


class SigMFReader(RecordReader):
    """Records cut from the labelled annotations of a SigMF recording.

    Annotations without the label key (frequency markers, comments) are skipped. Parameters are
    taken from ``spectrumfm:<name>`` fields of each annotation, then of the global object. ``index``
    is the annotation's ``spectrumfm:index`` or its position among labelled annotations, and
    ``sample_offset`` the record's first sample in the recording.

    Args:
        path: ``.sigmf-meta``, ``.sigmf-data``, ``.sigmf`` archive (an uncompressed tar),
            ``.sigmf.gz`` / ``.sigmf.xz`` / ``.sigmf.zip`` archive, or the name without extension.
        num_samples: samples per record; each labelled annotation is cut into windows of this many
            samples. ``None`` makes one record per annotation, which then must all be as long.
        stride: samples between window starts; defaults to ``num_samples``.
        label_key: annotation field holding the class name.
        class_names: label names; defaults to the global ``spectrumfm:class_names``, else the sorted
            labels found.
        skip_checksum: do not check the data against ``core:sha512``.
        allow_data_outside_folder: read a data file that ``core:dataset`` or a symlink places
            outside the metadata's folder (refused by default: a recording from elsewhere could
            otherwise make the reader return any file's bytes).
        max_bytes: cap on what a compressed archive expands to, and on the reader's window index.

    Raises:
        SpectrumDataError: unreadable or oversized metadata, a data file outside the folder, an
            archive that is not a tar or expands past ``max_bytes``, a multi-channel or real-valued
            datatype, a data file that is not a whole number of samples, an annotation past the end
            of the data or with fields of the wrong type, or a label outside ``class_names`` (the
            message names the file and annotation).
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        num_samples: int | None = None,
        *,
        stride: int | None = None,
        label_key: str = "core:label",
        class_names: Sequence[str] | None = None,
        skip_checksum: bool = False,
        allow_data_outside_folder: bool = False,
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> None:
        self.path = Path(path)
        if not isinstance(label_key, str):
            raise SpectrumDataError(f"label_key must be a string, got {_describe_value(label_key)}")
        if not isinstance(allow_data_outside_folder, bool):
            raise SpectrumDataError(f"allow_data_outside_folder must be True or False, got {_describe_value(allow_data_outside_folder)}")
        self.allow_data_outside_folder = allow_data_outside_folder
        self.max_bytes = check_max_bytes(max_bytes)
        self._identity = _identity(self.path)
        self.source = "sigmf"
        stored = self._locate()
        global_info = stored.metadata["global"]
        self.datatype = global_info.get("core:datatype")
        component, _, _ = check_datatype(self.datatype, os.fspath(self.path))
        num_channels = global_info.get("core:num_channels", 1)
        if isinstance(num_channels, bool) or not isinstance(num_channels, int) or num_channels < 1:
            raise SpectrumDataError(f"{self.path}: core:num_channels must be a positive integer, got {_describe_value(num_channels)}")
        if num_channels != 1:
            raise SpectrumDataError(f"{self.path}: {num_channels} channels; only single-channel recordings are supported")
        self._data_path = stored.data_path
        self._data_start, total_samples = self._sample_range(stored, 2 * component.itemsize)
        if not skip_checksum and global_info.get("core:sha512") is not None:
            if _sha512(stored.data_path, stored.data_start, stored.data_size) != global_info["core:sha512"]:
                raise SpectrumDataError(
                    f"{stored.where}: the data does not match core:sha512; the recording is corrupt "
                    "(skip_checksum=True reads it anyway)"
                )
        self.total_samples = total_samples
        labelled, spans = self._labelled_spans(stored.metadata["annotations"], label_key, total_samples)
        if class_names is None:
            class_names = global_info.get(f"{NAMESPACE}:class_names") or sorted({annotation[label_key] for _, annotation in labelled})
        self.class_names = check_class_names(class_names, os.fspath(self.path))
        if num_samples is None:
            lengths = sorted({count for _, count in spans})
            if len(lengths) != 1:
                raise SpectrumDataError(
                    f"{self.path}: labelled annotations have lengths {lengths[:5]}; pass num_samples to cut them into equal windows"
                )
            num_samples = lengths[0]
        self.num_samples = check_positive("num_samples", num_samples)
        self.stride = self.num_samples if stride is None else check_positive("stride", stride)
        self._check_window_count(spans)

        global_params = {
            name: _parameter(name, global_info[f"{NAMESPACE}:{name}"], f"{self.path}: global")
            for name in GENERATION_PARAMETERS
            if global_info.get(f"{NAMESPACE}:{name}") is not None
        }
        starts, owners, labels, annotation_params = [], [], [], []
        # A dict, not tuple.index: recordings may carry hundreds of thousands of annotations.
        label_of_name = {name: index for index, name in enumerate(self.class_names)}
        for position, ((number, annotation), (first, count)) in enumerate(zip(labelled, spans)):
            label = label_of_name.get(annotation[label_key])
            if label is None:
                raise SpectrumDataError(
                    f"{self.path}: unknown class {_describe_value(annotation[label_key])} in annotation {number}; "
                    f"expected one of {_describe_value(list(self.class_names), 200)}"
                )
            params = {"source": self.source, "index": position, "transmitter": annotation[label_key]}
            params.update(global_params)
            params.update(
                {
                    name: _parameter(name, annotation[f"{NAMESPACE}:{name}"], f"{self.path}: annotation {number}")
                    for name in GENERATION_PARAMETERS
                    if annotation.get(f"{NAMESPACE}:{name}") is not None
                }
            )
            window_first = first + window_starts(count, self.num_samples, self.stride)
            starts.append(window_first)
            owners.append(np.full(len(window_first), position))
            labels.append(label)
            annotation_params.append(fill_parameters(params))
        self._starts = np.concatenate(starts)
        self._owners = np.concatenate(owners)
        self._labels = np.array(labels, dtype=np.int64)
        self._params = {
            name: np.array([params[name] for params in annotation_params], dtype=object if dtype == "string" else dtype)
            for name, (dtype, _) in GENERATION_PARAMETERS.items()
            if name not in _POSITIONAL_PARAMETERS
        }
        if len(self) == 0:
            raise SpectrumDataError(f"{self.path}: no labelled annotation is at least {self.num_samples} samples long")

    def _locate(self) -> _Stored:
        names = get_sigmf_filenames(self.path)
        if self.path.name.lower().endswith(ARCHIVE_SUFFIXES) and self.path.is_file():
            return _stored_archive(self.path, self.max_bytes)
        if names["meta_fn"].is_file():
            return _stored_pair(names["meta_fn"], names["data_fn"], self.allow_data_outside_folder)
        if names["archive_fn"].is_file():
            return _stored_archive(names["archive_fn"], self.max_bytes)
        raise SpectrumDataError(f"{self.path}: no SigMF metadata file or archive found at this path")

    def _sample_range(self, stored: _Stored, sample_bytes: int) -> tuple[int, int]:
        """First byte of the samples and their number, from the header and trailing byte counts."""
        captures = stored.metadata["captures"]
        header_bytes = _whole_number(captures[0].get("core:header_bytes", 0), stored.where, "core:header_bytes") if captures else 0
        if any("core:header_bytes" in capture for capture in captures[1:]):
            raise SpectrumDataError(f"{stored.where}: header bytes inside the data (core:header_bytes after the first capture) are not supported")
        trailing_bytes = _whole_number(stored.metadata["global"].get("core:trailing_bytes", 0), stored.where, "core:trailing_bytes")
        data_bytes = stored.data_size - header_bytes - trailing_bytes
        if data_bytes < 0 or data_bytes % sample_bytes:
            raise SpectrumDataError(
                f"{stored.where}: holds {data_bytes} bytes of samples, not a whole number of {self.datatype} samples "
                f"({sample_bytes} bytes each); the file is truncated or its datatype is wrong"
            )
        return stored.data_start + header_bytes, data_bytes // sample_bytes

    def _labelled_spans(
        self, annotations: list[dict[str, Any]], label_key: str, total_samples: int
    ) -> tuple[list[tuple[int, dict[str, Any]]], list[tuple[int, int]]]:
        """Labelled annotations and their ``(first sample, sample count)``, each checked against the data."""
        labelled = [(number, annotation) for number, annotation in enumerate(annotations) if label_key in annotation]
        if not labelled:
            raise SpectrumDataError(f"{self.path}: no annotation carries the label key {_describe_value(label_key)}")
        spans = []
        for number, annotation in labelled:
            where = f"{self.path}: annotation {number}"
            if not isinstance(annotation[label_key], str):
                raise SpectrumDataError(f"{where}: {label_key} must be a class name string, got {_describe_value(annotation[label_key])}")
            if "core:sample_start" not in annotation:
                raise SpectrumDataError(f"{where}: missing core:sample_start")
            first = _whole_number(annotation["core:sample_start"], where, "core:sample_start")
            count = _whole_number(annotation.get("core:sample_count", max(total_samples - first, 0)), where, "core:sample_count")
            if first + count > total_samples:
                raise SpectrumDataError(
                    f"{self.path}: annotation {number} ({label_key}={_describe_value(annotation[label_key])}) covers samples "
                    f"[{first}, {first + count}) but the data holds {total_samples} samples"
                )
            spans.append((first, count))
        return labelled, spans

    def _check_window_count(self, spans: list[tuple[int, int]]) -> None:
        # Counted before the window index is built: overlapping annotations over a long (even sparse)
        # data file could otherwise ask for billions of entries.
        count = sum((length - self.num_samples) // self.stride + 1 for _, length in spans if length >= self.num_samples)
        if count * _WINDOW_INDEX_BYTES > self.max_bytes:
            raise SpectrumDataError(
                f"{self.path}: the annotations hold {count} windows of {self.num_samples} samples; indexing them takes "
                f"more than max_bytes={self.max_bytes}"
            )

    def __len__(self) -> int:
        return len(self._starts)

    def _samples(self) -> np.ndarray:
        """The recording's samples as a read-only ``(total_samples, 2)`` memory map of stored components."""
        if not os.path.exists(self._data_path):
            # A compressed archive's expansion is per process; expand it again here.
            self._data_path = self._locate().data_path
        component, _, _ = check_datatype(self.datatype, os.fspath(self.path))
        return np.memmap(self._data_path, dtype=component, mode="r", offset=self._data_start, shape=(self.total_samples, 2))

    def _read_batch(self, start: int, stop: int) -> dict[str, np.ndarray]:
        starts = self._starts[start:stop]
        iq = components_to_real(windows(self._samples(), starts, self.num_samples), self.datatype)
        owners = self._owners[start:stop]
        params: dict[str, Any] = {name: column[owners] for name, column in self._params.items()}
        params["sample_offset"] = starts
        return make_batch(check_finite(iq, start, os.fspath(self.path)), self._labels[owners], params)


def _json_value(value: Any) -> Any:
    """A parameter as a JSON value, or ``None`` when it is the unknown default (NaN, "", -1)."""
    value = value.item() if isinstance(value, np.generic) else value
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def write_sigmf(
    path: str | os.PathLike[str],
    records: Iterable[dict[str, Any]],
    class_names: Sequence[str],
    *,
    sample_rate_hz: float = 1.0,
    description: str = "",
    author: str | None = None,
    license: str | None = None,
) -> Path:
    """Write records back to back as one ``cf32_le`` SigMF recording, one annotation per record.

    Args:
        path: recording name; ``.sigmf-meta`` and ``.sigmf-data`` are written next to it.
        records: dicts with ``iq`` (float ``(num_samples, 2)``), ``label`` (class index) and any
            generation parameters, e.g. a ``datasets.Dataset`` in numpy format.
        class_names: names of the label indices (stored globally as ``spectrumfm:class_names``).
        sample_rate_hz: ``core:sample_rate`` in Hz.
        description: ``core:description``, e.g. the generator's description.
        author: ``core:author``.
        license: ``core:license`` (a URL or SPDX identifier).

    Returns:
        The path of the ``.sigmf-meta`` file.
    """
    names = get_sigmf_filenames(path)
    class_names = [str(name) for name in class_names]
    annotations = []
    position = 0
    with open(names["data_fn"], "wb") as data_file:
        for number, record in enumerate(records):
            iq = np.asarray(record["iq"], dtype=np.float32)
            if iq.ndim != 2 or iq.shape[1] != 2:
                raise SpectrumDataError(f"record {number}: iq must be (num_samples, 2), got shape {iq.shape}")
            label = int(record["label"])
            if not 0 <= label < len(class_names):
                raise SpectrumDataError(f"record {number}: label {label} is outside the {len(class_names)} class names")
            data_file.write(np.ascontiguousarray(iq).astype("<f4", copy=False).tobytes())
            annotation: dict[str, Any] = {
                "core:sample_start": position,
                "core:sample_count": len(iq),
                "core:label": class_names[label],
            }
            for name, (_, default) in GENERATION_PARAMETERS.items():
                value = _json_value(record.get(name, default))
                if name not in _POSITIONAL_PARAMETERS and value is not None and value != default:
                    annotation[f"{NAMESPACE}:{name}"] = value
            annotations.append(annotation)
            position += len(iq)
    global_info: dict[str, Any] = {
        "core:datatype": "cf32_le",
        "core:sample_rate": float(sample_rate_hz),
        "core:description": description,
        "core:recorder": "spectrumfm_hf",
        "core:extensions": [{"name": NAMESPACE, "version": EXTENSION_VERSION, "optional": True}],
        f"{NAMESPACE}:class_names": class_names,
    }
    if author is not None:
        global_info["core:author"] = author
    if license is not None:
        global_info["core:license"] = license
    metadata = {"global": global_info, "captures": [{"core:sample_start": 0}], "annotations": annotations}
    try:
        recording = SigMFFile(metadata=metadata, data_file=names["data_fn"])
        recording.tofile(names["meta_fn"], overwrite=True)
    except SigMFError as error:
        raise SpectrumDataError(f"{names['meta_fn']}: sigmf refused the metadata: {error}") from error
    return names["meta_fn"]
