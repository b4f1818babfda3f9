"""Transformers pipelines for IQ captures: ``"iq-classification"`` and ``"iq-anomaly-detection"``.

Importing this module registers both tasks with transformers' ``PIPELINE_REGISTRY``; ``import
spectrumfm_hf`` imports it as soon as ``transformers.pipelines`` is imported, so the package
import is enough (and stays cheap)::

    import spectrumfm_hf
    from transformers import pipeline

    classify = pipeline("iq-classification", model="folder/of/a/model/or/adapter")
    result = classify("capture.sigmf-meta")          # or a complex array, a tensor, a .cf32 file...
    result["label"], result["windows"][0]["start_time_s"]

A folder holding a PEFT adapter (``adapter_config.json``) loads on its base model. Each capture
is cut into windows by the model's feature extractor; every window gets a prediction with its
start time, and the capture gets a vote (the mean probability over its windows) or, for anomaly
detection, the windows whose score exceeds the calibrated threshold.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

# isort: off
# The model module first: importing transformers' pipelines before it would have the package's
# Auto registration import the model module while transformers.modeling_utils is half-initialised.
from .modeling_spectrumfm import SpectrumFMForAnomalyDetection, SpectrumFMForSequenceClassification
from transformers import Pipeline
from transformers.pipelines import PIPELINE_REGISTRY

# isort: on

from .configuration_spectrumfm import SpectrumFMInputError, SpectrumFMInputTypeError
from .data.base import SpectrumDataError, iq_to_real
from .data.formats.raw import check_datatype, components_to_real

CLASSIFICATION_TASK = "iq-classification"
ANOMALY_DETECTION_TASK = "iq-anomaly-detection"

RAW_FORMATS = {"cf32": "cf32_le", "ci16": "ci16_le", "cu8": "cu8"}
"""Raw binary sample formats (also their file extensions) -> SigMF datatype: interleaved I/Q as
little-endian float32, little-endian int16, or unsigned 8-bit (RTL-SDR dongles)."""

SIGMF_SUFFIXES = (".sigmf-meta", ".sigmf-data", ".sigmf")

DEFAULT_WINDOWS_PER_FORWARD = 256
"""Windows per model call when no ``batch_size`` is given: large enough to keep the matrix
multiplies efficient on a CPU, small enough that activations stay in the tens of megabytes."""

ADAPTER_CONFIG_NAME = "adapter_config.json"


@dataclass(frozen=True)
class Capture:
    """One IQ capture read from a file.

    Attributes:
        iq: complex64 samples, shape ``(samples,)``, integer formats scaled to about [-1, 1].
        sample_rate_hz: sample rate in Hz, or None when neither the file nor the caller says it.
    """

    iq: np.ndarray
    sample_rate_hz: float | None


def check_sample_rate(sample_rate_hz: Any, name: str = "sample_rate") -> float | None:
    """``sample_rate_hz`` as a positive, finite float in Hz (None stays None); errors name ``name``."""
    if sample_rate_hz is None:
        return None
    if isinstance(sample_rate_hz, bool) or not isinstance(
        sample_rate_hz, (int, float, np.integer, np.floating)
    ):
        raise SpectrumFMInputTypeError(
            f"{name} must be a number of samples per second, got {type(sample_rate_hz).__name__}"
        )
    if not np.isfinite(sample_rate_hz) or sample_rate_hz <= 0:
        raise SpectrumFMInputError(f"{name} must be a positive, finite rate in Hz, got {sample_rate_hz!r}")
    return float(sample_rate_hz)


def raw_datatype(raw_format: str) -> str:
    """The SigMF datatype of raw format ``raw_format`` (``"cf32"``, ``"ci16"``, ``"cu8"``)."""
    try:
        return RAW_FORMATS[raw_format]
    except (KeyError, TypeError):
        raise SpectrumDataError(
            f"raw_format must be one of {sorted(RAW_FORMATS)}, got {raw_format!r}"
        ) from None


def bytes_per_sample(raw_format: str) -> int:
    """Bytes of one complex sample (I and Q) in raw format ``raw_format``."""
    component, _, _ = check_datatype(raw_datatype(raw_format), "raw_format")
    return 2 * component.itemsize


def decode_samples(buffer: bytes | bytearray | memoryview | np.ndarray, raw_format: str) -> np.ndarray:
    """Interleaved raw I/Q bytes (a whole number of samples) -> complex64 samples scaled to about [-1, 1].

    Args:
        buffer: the bytes, or an array of the stored components (e.g. a memory map of the file).
        raw_format: ``"cf32"``, ``"ci16"`` or ``"cu8"``.
    """
    datatype = raw_datatype(raw_format)
    component, _, _ = check_datatype(datatype, "raw_format")
    if isinstance(buffer, np.ndarray):
        components = buffer.reshape(-1)
    else:
        if len(buffer) % (2 * component.itemsize):
            raise SpectrumDataError(
                f"{len(buffer)} bytes is not a whole number of {raw_format} samples "
                f"({2 * component.itemsize} bytes each)"
            )
        components = np.frombuffer(buffer, dtype=component)
    real = components_to_real(components.reshape(-1, 2), datatype)
    return real.view(np.complex64).reshape(-1)


def _raw_format_of(path: Path, raw_format: str | None) -> str | None:
    suffix = path.suffix.lower().lstrip(".")
    if raw_format is not None:
        raw_datatype(raw_format)
        return raw_format
    return suffix if suffix in RAW_FORMATS else None


def capture_kind(path: str | os.PathLike[str], raw_format: str | None = None) -> str:
    """``"sigmf"``, ``"npy"`` or the raw format of ``path`` (from its name, or ``raw_format`` when given)."""
    path = Path(path)
    name = path.name.lower()
    if raw_format is None and name.endswith(SIGMF_SUFFIXES):
        return "sigmf"
    if raw_format is None and name.endswith(".npy"):
        return "npy"
    kind = _raw_format_of(path, raw_format)
    if kind is None:
        raise SpectrumDataError(
            f"{os.fspath(path)}: cannot tell the sample format from the name; expected a SigMF recording "
            f"({', '.join(SIGMF_SUFFIXES)}), a .npy array or raw "
            f"{', '.join('.' + f for f in RAW_FORMATS)} samples "
            "(or give the raw format explicitly)"
        )
    return kind


def open_raw_samples(path: str | os.PathLike[str], raw_format: str) -> np.memmap:
    """The stored I/Q components of a raw file as a ``(samples, 2)`` memory map (not yet scaled)."""
    path = Path(path)
    component, _, _ = check_datatype(raw_datatype(raw_format), os.fspath(path))
    size = _file_size(path)
    sample_bytes = 2 * component.itemsize
    if size == 0:
        raise SpectrumDataError(f"{os.fspath(path)}: the file is empty; expected {raw_format} samples")
    if size % sample_bytes:
        raise SpectrumDataError(
            f"{os.fspath(path)}: {size} bytes is not a whole number of {raw_format} samples "
            f"({sample_bytes} bytes "
            "each); the file is truncated or not in this format"
        )
    return np.memmap(path, dtype=component, mode="r").reshape(-1, 2)


def _file_size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        raise SpectrumDataError(f"{os.fspath(path)}: no such file") from None
    except OSError as error:
        raise SpectrumDataError(
            f"{os.fspath(path)}: cannot read the file: {error.strerror or error}"
        ) from None


def _read_sigmf(path: Path) -> Capture:
    import sigmf
    from sigmf.error import SigMFError
    from sigmf.sigmffile import SigMFFile, get_sigmf_filenames

    names = get_sigmf_filenames(path)
    if not any(names[key].is_file() for key in ("meta_fn", "archive_fn")):
        raise SpectrumDataError(
            f"{os.fspath(path)}: no such SigMF recording (looked for {names['meta_fn'].name})"
        )
    try:
        handle = sigmf.fromfile(os.fspath(path), autoscale=False)
    except (SigMFError, OSError, ValueError, KeyError, TypeError) as error:
        raise SpectrumDataError(f"{os.fspath(path)}: not a readable SigMF recording: {error}") from error
    if not isinstance(handle, SigMFFile):
        raise SpectrumDataError(
            f"{os.fspath(path)}: expected one SigMF recording, got {type(handle).__name__}"
        )
    datatype = handle.get_global_field("core:datatype")
    check_datatype(datatype, os.fspath(path))
    if handle.num_channels != 1:
        raise SpectrumDataError(
            f"{os.fspath(path)}: {handle.num_channels} channels; expected a single-channel recording"
        )
    if names["data_fn"].is_file():
        sample_bytes = 2 * check_datatype(datatype, os.fspath(path))[0].itemsize
        if _file_size(names["data_fn"]) % sample_bytes:
            raise SpectrumDataError(
                f"{os.fspath(names['data_fn'])}: not a whole number of {datatype} samples; "
                "the file is truncated"
            )
    if int(handle.sample_count) == 0:
        raise SpectrumDataError(f"{os.fspath(path)}: the recording holds no samples")
    try:
        samples = handle.read_samples()
    except (SigMFError, OSError, ValueError) as error:
        raise SpectrumDataError(f"{os.fspath(path)}: cannot read the samples: {error}") from error
    iq = components_to_real(iq_to_real(samples), datatype).view(np.complex64).reshape(-1)
    rate = handle.get_global_field("core:sample_rate")
    return Capture(iq, check_sample_rate(rate, f"{os.fspath(path)}: core:sample_rate"))


def _read_npy(path: Path) -> Capture:
    _file_size(path)
    try:
        array = np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError) as error:
        raise SpectrumDataError(f"{os.fspath(path)}: not a readable numeric .npy array: {error}") from error
    if np.iscomplexobj(array) and array.ndim == 1:
        iq = array.astype(np.complex64, copy=False)
    elif array.ndim == 2 and array.shape[1] == 2 and array.dtype.kind in "fi":
        iq = array.astype(np.float32).view(np.complex64).reshape(-1)
    else:
        raise SpectrumDataError(
            f"{os.fspath(path)}: expected one capture, complex (samples,) or real (samples, 2), "
            f"got {array.dtype} of shape {array.shape}"
        )
    if iq.size == 0:
        raise SpectrumDataError(f"{os.fspath(path)}: the array holds no samples")
    return Capture(iq, None)


def read_capture(
    path: str | os.PathLike[str], sample_rate: float | None = None, raw_format: str | None = None
) -> Capture:
    """Read one IQ capture from a file: SigMF, ``.npy`` or raw ``.cf32`` / ``.ci16`` / ``.cu8``.

    Args:
        path: the file (for SigMF the ``.sigmf-meta``, ``.sigmf-data`` or ``.sigmf`` archive).
        sample_rate: sample rate in Hz; SigMF recordings carry their own, which must agree.
        raw_format: read the file as this raw format whatever its extension (``"cf32"``, ...).
    """
    if not isinstance(path, (str, os.PathLike)):
        raise SpectrumFMInputTypeError(f"path must be a file path, got {type(path).__name__}")
    sample_rate = check_sample_rate(sample_rate)
    path = Path(path)
    kind = capture_kind(path, raw_format)
    if kind == "sigmf":
        capture = _read_sigmf(path)
        if (
            sample_rate is not None
            and capture.sample_rate_hz is not None
            and sample_rate != capture.sample_rate_hz
        ):
            raise SpectrumDataError(
                f"sample_rate is {sample_rate} Hz but {os.fspath(path)} was recorded at "
                f"{capture.sample_rate_hz} Hz"
            )
        return Capture(capture.iq, capture.sample_rate_hz or sample_rate)
    if kind == "npy":
        return Capture(_read_npy(path).iq, sample_rate)
    return Capture(decode_samples(open_raw_samples(path, kind), kind), sample_rate)


# ------------------------------------------------------------------ feature extractor and models


def extract_windows(
    feature_extractor: Any, iq: Any, sample_rate: float | None = None
) -> tuple[dict[str, torch.Tensor], np.ndarray]:
    """Window one capture: the model's inputs and each window's first sample.

    The extractor is asked for the window positions; the model only ever sees ``input_values``
    and ``attention_mask``.

    Args:
        feature_extractor: a SpectrumFM feature extractor.
        iq: one capture (complex array or tensor, or real ``(samples, 2)``).
        sample_rate: the capture's sample rate in Hz, checked against the extractor's own.

    Returns:
        ``({"input_values": (W, N, 2), "attention_mask": (W, N)}, window_start (W,) int64)``.
    """
    options: dict[str, Any] = {"return_tensors": "pt", "return_window_positions": True}
    if sample_rate is not None:
        options["sampling_rate"] = sample_rate
    features = feature_extractor(iq, **options)
    if "window_start" not in features:
        raise SpectrumFMInputError(
            f"{type(feature_extractor).__name__} did not return window_start; "
            "expected a SpectrumFM feature extractor"
        )
    if "capture_index" in features and int(features["capture_index"].max()) > 0:
        raise SpectrumFMInputError(
            "the input holds several captures; pass them as a list to get one result each"
        )
    model_inputs = {name: features[name] for name in ("input_values", "attention_mask") if name in features}
    return model_inputs, features["window_start"].numpy().astype(np.int64)


def adapter_base_path(adapter_folder: str | os.PathLike[str]) -> str:
    """The base model an adapter folder was trained on (``base_model_name_or_path``), resolved
    against the adapter folder when it is a relative path that exists there, and to its installed
    folder when it names an artefact that ships with the package."""
    config_path = Path(adapter_folder) / ADAPTER_CONFIG_NAME
    try:
        base = json.loads(config_path.read_text(encoding="utf-8"))["base_model_name_or_path"]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise SpectrumFMInputError(
            f"{os.fspath(config_path)}: not a PEFT adapter config with base_model_name_or_path: {error}"
        ) from error
    if not isinstance(base, str) or not base:
        raise SpectrumFMInputError(
            f"{os.fspath(config_path)}: base_model_name_or_path is empty; expected the base model's folder"
        )
    relative = Path(adapter_folder) / base
    if not Path(base).is_absolute() and relative.is_dir():
        return os.fspath(relative)
    from .hub import resolve_pretrained

    # A shipped adapter names its shipped base, installed with the package.
    return resolve_pretrained(base)


def model_task(model_folder: str | os.PathLike[str]) -> str:
    """The pipeline task a saved model or adapter folder serves, read from the architecture its
    ``config.json`` names (an adapter's own, else its base's): anomaly detection for
    ``SpectrumFMForAnomalyDetection``, classification otherwise; an encoder without a task head
    is refused."""
    folder = Path(model_folder)
    if not folder.is_dir():
        raise SpectrumFMInputError(f"model folder {os.fspath(folder)!r} does not exist or is not a folder")
    config_path = folder / "config.json"
    if not config_path.is_file() and (folder / ADAPTER_CONFIG_NAME).is_file():
        config_path = Path(adapter_base_path(folder)) / "config.json"
    try:
        config = json.loads(config_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise SpectrumFMInputError(
            f"{os.fspath(config_path)}: expected a model's config.json: {error}"
        ) from error
    architectures = config.get("architectures") or []
    if architectures and set(architectures) <= {"SpectrumFMModel", "SpectrumFMForPretraining"}:
        # Loading it as a task model would give a randomly initialised head without a word.
        if (folder / ADAPTER_CONFIG_NAME).is_file():
            raise SpectrumFMInputError(
                f"{os.fspath(config_path)} names a pre-trained encoder ({', '.join(architectures)}), not the "
                f"task model of the adapter in {os.fspath(folder)!r}; save the adapter with "
                "spectrumfm_hf.training.save_task_adapter, which writes its task model's config.json"
            )
        raise SpectrumFMInputError(
            f"{os.fspath(folder)!r} holds a pre-trained encoder ({', '.join(architectures)}) without a task "
            "head; fine-tune it for a task first, or pass the folder of a task model or adapter"
        )
    if SpectrumFMForAnomalyDetection.__name__ in architectures:
        return ANOMALY_DETECTION_TASK
    return CLASSIFICATION_TASK


class _TaskModelLoader:
    """Loads a task model from a model folder, or from an adapter folder on its base (LoRA merged in).

    Registered as the pipelines' model class: ``pipeline()`` calls :meth:`from_pretrained`.
    """

    model_class: type

    @classmethod
    def from_pretrained(cls, folder: str | os.PathLike[str], **kwargs: Any):
        kwargs.pop("_from_pipeline", None)
        if Path(folder).is_dir():
            model_task(folder)  # refuses an encoder without a task head
        if not (Path(folder) / ADAPTER_CONFIG_NAME).is_file():
            return cls.model_class.from_pretrained(folder, **kwargs)
        from peft import PeftModel

        base_kwargs = dict(kwargs)
        if (Path(folder) / "config.json").is_file():
            # The adapter's own config holds the task's head size and labels; the base may be a
            # pre-training checkpoint.
            base_kwargs["config"] = cls.model_class.config_class.from_pretrained(folder)
        base = cls.model_class.from_pretrained(adapter_base_path(folder), **base_kwargs)
        # Merged, the adapter costs nothing at inference time.
        return PeftModel.from_pretrained(base, folder).merge_and_unload()


class _ClassificationModelLoader(_TaskModelLoader):
    model_class = SpectrumFMForSequenceClassification


class _AnomalyDetectionModelLoader(_TaskModelLoader):
    model_class = SpectrumFMForAnomalyDetection


def load_task_model(model_folder: str | os.PathLike[str], task: str | None = None):
    """A SpectrumFM task model from a model folder or a PEFT adapter folder, in eval mode.

    Args:
        model_folder: a saved model, or an adapter folder whose ``base_model_name_or_path`` is the base.
        task: :data:`CLASSIFICATION_TASK` or :data:`ANOMALY_DETECTION_TASK`; from the folder when None.
    """
    task = model_task(model_folder) if task is None else task
    loaders = {
        CLASSIFICATION_TASK: _ClassificationModelLoader,
        ANOMALY_DETECTION_TASK: _AnomalyDetectionModelLoader,
    }
    if task not in loaders:
        raise SpectrumFMInputError(f"task must be one of {sorted(loaders)}, got {task!r}")
    return loaders[task].from_pretrained(model_folder).eval()


# ------------------------------------------------------------------ pipelines


def _positive_int(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise SpectrumFMInputTypeError(f"{name} must be a positive integer, got {type(value).__name__}")
    if value < 1:
        raise SpectrumFMInputError(f"{name} must be a positive integer, got {value}")
    return int(value)


def _default_feature_extractor(model: Any):
    """The base model's saved feature extractor, else the default one for the model's window length."""
    from .feature_extraction_spectrumfm import SpectrumFMFeatureExtractor

    base_folder = getattr(model.config, "_name_or_path", "")
    if base_folder and (Path(base_folder) / "preprocessor_config.json").is_file():
        return SpectrumFMFeatureExtractor.from_pretrained(base_folder)
    return SpectrumFMFeatureExtractor(window_length=model.config.max_position_embeddings)


class _IQPipeline(Pipeline):
    """Shared by both tasks: input forms, windowing, batched forward over windows, window times.

    Call arguments (also accepted when building the pipeline):
        sample_rate: sample rate in Hz of an array input or a raw file (SigMF carries its own);
            window start times are None when it is unknown.
        raw_format: read a file as raw ``"cf32"``, ``"ci16"`` or ``"cu8"`` whatever its extension.
        first_sample: index of the input's first sample in a longer stream, added to every
            window's start (a live stream fed block by block).
        batch_size: windows per model call (default :data:`DEFAULT_WINDOWS_PER_FORWARD`).
    """

    # Soft: an adapter folder may hold no preprocessor_config.json; __init__ then finds one.
    _load_feature_extractor = None
    _load_tokenizer = False
    _load_image_processor = False
    _load_video_processor = False
    _load_processor = False

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if self.feature_extractor is None:
            self.feature_extractor = _default_feature_extractor(self.model)

    def __call__(self, inputs: Any, batch_size: int | None = None, **kwargs: Any):
        # One capture gives many windows: batch_size batches windows inside one capture, not captures.
        if batch_size is not None:
            kwargs["windows_per_forward"] = _positive_int(batch_size, "batch_size")
        return super().__call__(inputs, batch_size=1, **kwargs)

    def _sanitize_parameters(
        self,
        sample_rate: float | None = None,
        raw_format: str | None = None,
        first_sample: int | None = None,
        windows_per_forward: int | None = None,
        **postprocess_parameters: Any,
    ):
        preprocess: dict[str, Any] = {}
        if sample_rate is not None:
            preprocess["sample_rate"] = check_sample_rate(sample_rate)
        if raw_format is not None:
            raw_datatype(raw_format)
            preprocess["raw_format"] = raw_format
        if first_sample is not None:
            if (
                isinstance(first_sample, bool)
                or not isinstance(first_sample, (int, np.integer))
                or first_sample < 0
            ):
                raise SpectrumFMInputError(
                    f"first_sample must be a non-negative integer, got {first_sample!r}"
                )
            preprocess["first_sample"] = int(first_sample)
        forward = {} if windows_per_forward is None else {"windows_per_forward": windows_per_forward}
        return preprocess, forward, self._sanitize_postprocess(**postprocess_parameters)

    def _sanitize_postprocess(self, **parameters: Any) -> dict[str, Any]:
        if parameters:
            raise TypeError(f"{type(self).__name__} got unexpected arguments {sorted(parameters)}")
        return {}

    def get_inference_context(self):
        return torch.inference_mode

    def preprocess(
        self,
        inputs: Any,
        sample_rate: float | None = None,
        raw_format: str | None = None,
        first_sample: int = 0,
    ) -> dict[str, Any]:
        if isinstance(inputs, (str, os.PathLike)):
            capture = read_capture(inputs, sample_rate=sample_rate, raw_format=raw_format)
            iq, sample_rate = capture.iq, capture.sample_rate_hz
        else:
            iq = inputs
        if sample_rate is None and getattr(self.feature_extractor, "sampling_rate", None):
            sample_rate = float(self.feature_extractor.sampling_rate)
        model_inputs, window_start = extract_windows(self.feature_extractor, iq, sample_rate)
        return {
            **model_inputs,
            "window_start_sample": window_start + first_sample,
            "sample_rate_hz": sample_rate,
        }

    def _forward(
        self, model_inputs: dict[str, Any], windows_per_forward: int | None = None
    ) -> dict[str, Any]:
        step = windows_per_forward or self._batch_size or DEFAULT_WINDOWS_PER_FORWARD
        values, mask = model_inputs["input_values"], model_inputs.get("attention_mask")
        outputs = [
            self._window_outputs(
                values[start : start + step], None if mask is None else mask[start : start + step]
            )
            for start in range(0, values.shape[0], step)
        ]
        return {
            "window_outputs": torch.cat(outputs),
            "window_start_sample": model_inputs["window_start_sample"],
            "sample_rate_hz": model_inputs["sample_rate_hz"],
        }

    def _window_outputs(
        self, input_values: torch.Tensor, attention_mask: torch.Tensor | None
    ) -> torch.Tensor:
        """(W, N, C) windows -> one row of outputs per window; each task's pipeline defines it."""
        raise NotImplementedError(f"{type(self).__name__} must define _window_outputs")

    @staticmethod
    def _window_times(model_outputs: dict[str, Any]) -> tuple[list[int], list[float | None]]:
        starts = model_outputs["window_start_sample"]
        rate = model_outputs["sample_rate_hz"]
        times = [None] * len(starts) if rate is None else (starts / rate).tolist()
        return starts.tolist(), times


class IQClassificationPipeline(_IQPipeline):
    """Classifies every window of an IQ capture and votes over them (task ``"iq-classification"``).

    Returns, per capture, a dict: ``label`` and ``score`` (the class with the highest mean
    probability over the windows, and that mean), ``scores`` (mean probability per class),
    ``sample_rate_hz``, and ``windows``: per window ``start_sample``, ``start_time_s`` (None
    without a sample rate), ``label`` and ``score`` (its probability).
    """

    def _window_outputs(
        self, input_values: torch.Tensor, attention_mask: torch.Tensor | None
    ) -> torch.Tensor:
        logits = self.model(input_values=input_values, attention_mask=attention_mask).logits
        return torch.softmax(logits.float(), dim=-1)

    def postprocess(self, model_outputs: dict[str, Any]) -> dict[str, Any]:
        probabilities = model_outputs["window_outputs"].numpy()
        names = [self.model.config.id2label[index] for index in range(probabilities.shape[1])]
        best = probabilities.argmax(axis=1)
        best_probability = probabilities[np.arange(len(best)), best]
        mean = probabilities.mean(axis=0)
        vote = int(mean.argmax())
        starts, times = self._window_times(model_outputs)
        return {
            "label": names[vote],
            "score": float(mean[vote]),
            "scores": dict(zip(names, mean.tolist())),
            "sample_rate_hz": model_outputs["sample_rate_hz"],
            "windows": [
                {"start_sample": start, "start_time_s": time, "label": names[index], "score": probability}
                for start, time, index, probability in zip(
                    starts, times, best.tolist(), best_probability.tolist()
                )
            ],
        }


class IQAnomalyDetectionPipeline(_IQPipeline):
    """Scores every window of an IQ capture for anomalies (task ``"iq-anomaly-detection"``).

    Call argument ``threshold`` overrides the model's calibrated ``config.anomaly_threshold``.
    Returns, per capture, a dict: ``threshold`` (None if uncalibrated), ``is_anomaly`` (any
    window over it), ``max_anomaly_score``, ``anomalous_windows`` (the windows over the threshold;
    None without one), ``sample_rate_hz`` and ``windows``: per window ``start_sample``,
    ``start_time_s``, ``anomaly_score`` (reconstruction MSE) and ``is_anomaly``.
    """

    def _sanitize_postprocess(self, threshold: float | None = None, **parameters: Any) -> dict[str, Any]:
        super()._sanitize_postprocess(**parameters)
        if threshold is None:
            return {}
        if (
            isinstance(threshold, bool)
            or not isinstance(threshold, (int, float, np.integer, np.floating))
            or not np.isfinite(threshold)
        ):
            raise SpectrumFMInputError(f"threshold must be a finite anomaly score, got {threshold!r}")
        return {"threshold": float(threshold)}

    def _window_outputs(
        self, input_values: torch.Tensor, attention_mask: torch.Tensor | None
    ) -> torch.Tensor:
        return self.model(input_values=input_values, attention_mask=attention_mask).anomaly_score.float()

    def postprocess(self, model_outputs: dict[str, Any], threshold: float | None = None) -> dict[str, Any]:
        scores = model_outputs["window_outputs"].numpy()
        threshold = self.model.config.anomaly_threshold if threshold is None else threshold
        flagged = [None] * len(scores) if threshold is None else (scores > threshold).tolist()
        starts, times = self._window_times(model_outputs)
        windows = [
            {"start_sample": start, "start_time_s": time, "anomaly_score": score, "is_anomaly": over}
            for start, time, score, over in zip(starts, times, scores.tolist(), flagged)
        ]
        return {
            "threshold": threshold,
            "is_anomaly": None if threshold is None else any(flagged),
            "max_anomaly_score": float(scores.max()),
            "anomalous_windows": (
                None if threshold is None else [window for window in windows if window["is_anomaly"]]
            ),
            "sample_rate_hz": model_outputs["sample_rate_hz"],
            "windows": windows,
        }


PIPELINE_REGISTRY.register_pipeline(
    CLASSIFICATION_TASK, pipeline_class=IQClassificationPipeline, pt_model=_ClassificationModelLoader
)
PIPELINE_REGISTRY.register_pipeline(
    ANOMALY_DETECTION_TASK, pipeline_class=IQAnomalyDetectionPipeline, pt_model=_AnomalyDetectionModelLoader
)


def resolve_model(model: str | os.PathLike[str] | None, task: str | None = None) -> str:
    """The folder of ``model``: itself, a shipped artefact's installed folder for its name, or, when
    ``model`` is None, the shipped adapter of ``task`` (:data:`PIPELINE_DEFAULTS`; classification
    when ``task`` is None too).

    Raises:
        ValueError: ``task`` is not a pipeline task of this package.
        FileNotFoundError: ``model`` is None and the package ships no adapter for ``task``.
    """
    from .hub import resolve_pretrained
    from .pretrained import PIPELINE_DEFAULTS, available_pretrained, pretrained_path

    if model is not None:
        return resolve_pretrained(model)
    task = CLASSIFICATION_TASK if task is None else task
    if task not in PIPELINE_DEFAULTS:
        raise ValueError(f"task must be one of {sorted(PIPELINE_DEFAULTS)}, got {task!r}")
    name = PIPELINE_DEFAULTS[task]
    if name not in available_pretrained():
        raise FileNotFoundError(f"no model given and the package does not ship {name!r}; pass a model folder")
    return os.fspath(pretrained_path(name))


def make_pipeline(
    model_folder: str | os.PathLike[str] | None = None, task: str | None = None, **kwargs: Any
) -> _IQPipeline:
    """The pipeline for a model or adapter folder, its task read from the folder when ``task`` is None.

    Args:
        model_folder: a saved SpectrumFM task model or a PEFT adapter folder, or the name of one
            that ships with the package; None for the shipped adapter of ``task``
            (:data:`PIPELINE_DEFAULTS`).
        task: :data:`CLASSIFICATION_TASK` or :data:`ANOMALY_DETECTION_TASK`.
        kwargs: passed to ``transformers.pipeline`` (``device``, ``batch_size``, ``sample_rate``...).
    """
    from transformers import pipeline

    model_folder = resolve_model(model_folder, task)
    task = model_task(model_folder) if task is None else task
    return pipeline(task, model=model_folder, **kwargs)


# ------------------------------------------------------------------ live streams


class SampleBlockBuffer:
    """Collects a sample stream into blocks of ``block_windows`` windows, holding at most one block.

    A block spans ``(block_windows - 1) * hop_length + window_length`` samples; the next block
    starts ``block_windows * hop_length`` samples later, so overlapping windows carry their shared
    samples over and a hop longer than a window skips the gap. Memory stays one block whatever the
    stream's length: ask for :attr:`wanted` samples, :meth:`push` them, and consume each block
    before pushing more.

    Args:
        window_length: samples per window N.
        hop_length: samples between window starts.
        block_windows: windows per block.
    """

    def __init__(self, window_length: int, hop_length: int, block_windows: int):
        for name, value in (
            ("window_length", window_length),
            ("hop_length", hop_length),
            ("block_windows", block_windows),
        ):
            _positive_int(value, name)
        self.block_samples = (block_windows - 1) * hop_length + window_length
        self.advance = block_windows * hop_length
        self.first_sample = 0
        """Stream index of the buffer's first sample."""
        self._samples = np.empty(self.block_samples, np.complex64)
        self._filled = 0
        self._carried = 0  # overlap kept from the previous block: not new samples
        self._skip = 0  # stream samples between two blocks that no window covers

    @property
    def wanted(self) -> int:
        """Samples the buffer takes before the next block is complete."""
        return self._skip + self.block_samples - self._filled

    def push(self, samples: np.ndarray):
        """Add ``samples`` (complex, 1-D); yields ``(first_sample, block)`` for each completed block.

        The block is a view of the buffer, valid until the generator resumes.
        """
        position, count = 0, samples.shape[0]
        while position < count:
            if self._skip:
                dropped = min(self._skip, count - position)
                self._skip -= dropped
                position += dropped
                continue
            taken = min(self.block_samples - self._filled, count - position)
            self._samples[self._filled : self._filled + taken] = samples[position : position + taken]
            self._filled += taken
            position += taken
            if self._filled == self.block_samples:
                yield self.first_sample, self._samples
                kept = max(self.block_samples - self.advance, 0)
                self._samples[:kept] = self._samples[self.advance :]
                self._filled = self._carried = kept
                self._skip = max(self.advance - self.block_samples, 0)
                self.first_sample += self.advance

    def remainder(self) -> tuple[int, np.ndarray] | None:
        """At the end of the stream: ``(first_sample, samples)`` of the last, partial block, or None
        when no window starts in what is left (as the feature extractor cuts a whole capture)."""
        if self._filled > self._carried:
            return self.first_sample, self._samples[: self._filled]
        return None


def predict_stream(pipe: _IQPipeline, read_samples, block_windows: int, sample_rate: float | None = None):
    """Predictions for a sample stream, one result per block of ``block_windows`` windows.

    Windows are cut exactly as the feature extractor cuts the whole stream as one capture, so
    the labels match those of the pipeline on the whole recording.

    Args:
        pipe: an IQ pipeline.
        read_samples: ``read_samples(most)`` returns up to ``most`` complex samples (fewer as they
            arrive) and an empty array at the end of the stream.
        block_windows: windows per result.
        sample_rate: the stream's sample rate in Hz (for window start times).

    Yields:
        The pipeline's result for each block, with ``block`` (its number from 0),
        ``first_sample`` and ``num_samples``; window starts count from the stream's first sample.
    """
    extractor = pipe.feature_extractor
    buffer = SampleBlockBuffer(extractor.window_length, extractor.hop_length, block_windows)
    number = 0

    def result(first_sample: int, samples: np.ndarray) -> dict[str, Any]:
        prediction = pipe(samples, first_sample=first_sample, sample_rate=sample_rate)
        return {
            "block": number,
            "first_sample": first_sample,
            "num_samples": int(samples.shape[0]),
            **prediction,
        }

    while True:
        samples = read_samples(buffer.wanted)
        if samples.shape[0] == 0:
            break
        for first_sample, block in buffer.push(samples):
            yield result(first_sample, block)
            number += 1
    last = buffer.remainder()
    if last is not None:
        yield result(*last)
