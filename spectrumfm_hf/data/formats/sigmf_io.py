"""SigMF recordings: labelled annotations in, windows out; generated records back to SigMF.

Reading maps every annotation that carries a label (``core:label`` by default) to one record, or
to as many windows of ``num_samples`` as fit in it. Writing stores all records back to back in one
``cf32_le`` recording with one annotation per record; the label goes in ``core:label`` and every
known generation parameter in the ``spectrumfm`` extension namespace, so reading the recording back
gives the same records.
"""

from __future__ import annotations

import json
import math
import os
import warnings
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np
import sigmf
from sigmf.error import SigMFError
from sigmf.sigmffile import SigMFFile, get_sigmf_filenames

from ..base import GENERATION_PARAMETERS, SpectrumDataError, fill_parameters, iq_to_real
from .raw import check_datatype, components_to_real
from .reader import RecordReader, check_positive, make_batch, window_starts, windows

NAMESPACE = "spectrumfm"
"""SigMF extension namespace of the generation parameters (``spectrumfm:snr_db``, ...)."""

EXTENSION_VERSION = "1.0.0"

# Where a record sits in a recording is decided by the recording, not stored with it.
_POSITIONAL_PARAMETERS = ("sample_offset",)


def _check_whole_samples(path: Path) -> None:
    """Refuse a data file cut inside a sample, before sigmf tries to map it."""
    names = get_sigmf_filenames(path)
    if not (names["meta_fn"].is_file() and names["data_fn"].is_file()):
        return
    try:
        metadata = json.loads(names["meta_fn"].read_text(encoding="utf-8"))
        global_info = metadata["global"]
        datatype = global_info["core:datatype"]
        header_bytes = sum(capture.get("core:header_bytes", 0) for capture in metadata.get("captures", []))
        trailing_bytes = global_info.get("core:trailing_bytes", 0)
        num_channels = global_info.get("core:num_channels", 1)
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
        raise SpectrumDataError(
            f"{names['meta_fn']}: not valid SigMF metadata (a JSON object with global core:datatype): {error}"
        ) from error
    component, _, _ = check_datatype(datatype, os.fspath(names["meta_fn"]))
    sample_bytes = 2 * component.itemsize * num_channels
    data_bytes = names["data_fn"].stat().st_size - header_bytes - trailing_bytes
    if data_bytes % sample_bytes:
        raise SpectrumDataError(
            f"{names['data_fn']}: holds {data_bytes} bytes of samples, not a whole number of {datatype} "
            f"samples of {sample_bytes} bytes; the file is truncated or its datatype is wrong"
        )


def _open(path: Path, skip_checksum: bool) -> SigMFFile:
    _check_whole_samples(path)
    try:
        with warnings.catch_warnings():
            # Short data files and annotations past the end are checked below with errors
            # that name the file; sigmf would only warn.
            warnings.simplefilter("ignore")
            handle = sigmf.fromfile(os.fspath(path), skip_checksum=skip_checksum, autoscale=False)
    except (SigMFError, OSError, ValueError, KeyError, TypeError) as error:
        raise SpectrumDataError(f"{path}: not a readable SigMF recording: {type(error).__name__}: {error}") from error
    if not isinstance(handle, SigMFFile):
        raise SpectrumDataError(f"{path}: expected one SigMF recording, got a {type(handle).__name__}")
    return handle


def _identity(path: Path) -> tuple[tuple[str, int, int], ...]:
    names = get_sigmf_filenames(path)
    found = [names[key] for key in ("meta_fn", "data_fn", "archive_fn") if names[key].is_file()]
    if not found:
        raise SpectrumDataError(f"{path}: no SigMF metadata, data or archive file found at this path")
    return tuple((os.fspath(name), name.stat().st_size, name.stat().st_mtime_ns) for name in found)


class SigMFReader(RecordReader):
    """Records cut from the labelled annotations of a SigMF recording.

    Annotations without the label key (frequency markers, comments) are skipped. Parameters are
    taken from ``spectrumfm:<name>`` fields of each annotation, then of the global object. ``index``
    is the annotation's ``spectrumfm:index`` or its position among labelled annotations, and
    ``sample_offset`` the record's first sample in the recording.

    Args:
        path: ``.sigmf-meta``, ``.sigmf-data``, ``.sigmf`` archive, or the name without extension.
        num_samples: samples per record; each labelled annotation is cut into windows of this many
            samples. ``None`` makes one record per annotation, which then must all be as long.
        stride: samples between window starts; defaults to ``num_samples``.
        label_key: annotation field holding the class name.
        class_names: label names; defaults to the global ``spectrumfm:class_names``, else the sorted
            labels found.
        skip_checksum: do not check the data against ``core:sha512``.

    Raises:
        SpectrumDataError: unreadable metadata, a multi-channel or real-valued datatype, a data
            file that is not a whole number of samples, an annotation past the end of the data, or
            a label outside ``class_names`` (the message names the file and annotation).
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
    ) -> None:
        self.path = Path(path)
        self._identity = _identity(self.path)
        self.source = "sigmf"
        handle = _open(self.path, skip_checksum)
        self.datatype = handle.get_global_field("core:datatype")
        check_datatype(self.datatype, os.fspath(self.path))
        if handle.num_channels != 1:
            raise SpectrumDataError(f"{self.path}: {handle.num_channels} channels; only single-channel recordings are supported")
        total_samples = int(handle.sample_count)
        labelled = [
            (number, annotation)
            for number, annotation in enumerate(handle.get_annotations())
            if label_key in annotation
        ]
        if not labelled:
            raise SpectrumDataError(f"{self.path}: no annotation carries the label key {label_key!r}")
        spans = []
        for number, annotation in labelled:
            first = int(annotation["core:sample_start"])
            count = int(annotation.get("core:sample_count", total_samples - first))
            if first < 0 or count < 0 or first + count > total_samples:
                raise SpectrumDataError(
                    f"{self.path}: annotation {number} ({label_key}={annotation[label_key]!r}) covers samples "
                    f"[{first}, {first + count}) but the data holds {total_samples} samples"
                )
            spans.append((first, count))
        if class_names is None:
            class_names = handle.get_global_field(f"{NAMESPACE}:class_names") or sorted(
                {str(annotation[label_key]) for _, annotation in labelled}
            )
        self.class_names = tuple(class_names)
        if num_samples is None:
            lengths = sorted({count for _, count in spans})
            if len(lengths) != 1:
                raise SpectrumDataError(
                    f"{self.path}: labelled annotations have lengths {lengths[:5]}; pass num_samples to cut them into equal windows"
                )
            num_samples = lengths[0]
        self.num_samples = check_positive("num_samples", num_samples)
        self.stride = self.num_samples if stride is None else check_positive("stride", stride)

        global_params = {
            name: handle.get_global_field(f"{NAMESPACE}:{name}")
            for name in GENERATION_PARAMETERS
            if handle.get_global_field(f"{NAMESPACE}:{name}") is not None
        }
        starts, owners, labels, annotation_params = [], [], [], []
        for position, ((number, annotation), (first, count)) in enumerate(zip(labelled, spans)):
            label = self.label_index(str(annotation[label_key]), f"annotation {number}")
            params = {"source": self.source, "index": position, "modulation": str(annotation[label_key])}
            params.update(global_params)
            params.update(
                {name: annotation[f"{NAMESPACE}:{name}"] for name in GENERATION_PARAMETERS if f"{NAMESPACE}:{name}" in annotation}
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

    def __len__(self) -> int:
        return len(self._starts)

    def _read_batch(self, start: int, stop: int) -> dict[str, np.ndarray]:
        handle = _open(self.path, skip_checksum=True)
        starts = self._starts[start:stop]
        first, end = int(starts.min()), int(starts.max()) + self.num_samples
        stored = iq_to_real(handle.read_samples(first, end - first))
        iq = components_to_real(windows(stored, starts - first, self.num_samples), self.datatype)
        owners = self._owners[start:stop]
        params: dict[str, Any] = {name: column[owners] for name, column in self._params.items()}
        params["sample_offset"] = starts
        return make_batch(iq, self._labels[owners], params)


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
