"""SpectrumFM for Hugging Face Transformers.

Importing the package registers the ``"spectrumfm"`` model type with transformers' Auto
classes (``AutoConfig``, ``AutoModel``, ``AutoModelForPreTraining``,
``AutoModelForSequenceClassification``, ``AutoFeatureExtractor``) and the
``"iq-classification"`` and ``"iq-anomaly-detection"`` tasks with ``transformers.pipeline``,
in either import order::

    import spectrumfm_hf
    from transformers import AutoModel, pipeline
    model = AutoModel.from_pretrained("folder/with/a/spectrumfm/config")
    classify = pipeline("iq-classification", model="folder/of/a/task/model/or/adapter")

The import itself is cheap (no torch, no transformers): public names are imported on first
use, and each registration runs as soon as the transformers module it extends is imported
(``transformers.models.auto``, ``transformers.pipelines``), or at once if it already is. That
keeps ``spectrumfm --help`` and argument errors instant.
"""

from __future__ import annotations

import importlib
import importlib.abc
import sys
import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .configuration_spectrumfm import (
        SpectrumFMConfig,
        SpectrumFMConfigError,
        SpectrumFMInputError,
        SpectrumFMInputTypeError,
    )
    from .feature_extraction_spectrumfm import SpectrumFMFeatureExtractor
    from .modeling_spectrumfm import (
        SpectrumFMAnomalyDetectionOutput,
        SpectrumFMCheckpointError,
        SpectrumFMForAnomalyDetection,
        SpectrumFMForPretraining,
        SpectrumFMForPretrainingOutput,
        SpectrumFMForSequenceClassification,
        SpectrumFMModel,
        SpectrumFMPreTrainedModel,
    )

    INPUT_ERRORS: tuple[type[Exception], ...]

__version__ = "0.1.0"

# Public name -> the submodule that defines it, imported on first access.
_PUBLIC_NAMES = {
    "SpectrumFMConfig": "configuration_spectrumfm",
    "SpectrumFMConfigError": "configuration_spectrumfm",
    "SpectrumFMInputError": "configuration_spectrumfm",
    "SpectrumFMInputTypeError": "configuration_spectrumfm",
    "SpectrumFMFeatureExtractor": "feature_extraction_spectrumfm",
    "SpectrumFMAnomalyDetectionOutput": "modeling_spectrumfm",
    "SpectrumFMCheckpointError": "modeling_spectrumfm",
    "SpectrumFMForAnomalyDetection": "modeling_spectrumfm",
    "SpectrumFMForPretraining": "modeling_spectrumfm",
    "SpectrumFMForPretrainingOutput": "modeling_spectrumfm",
    "SpectrumFMForSequenceClassification": "modeling_spectrumfm",
    "SpectrumFMModel": "modeling_spectrumfm",
    "SpectrumFMPreTrainedModel": "modeling_spectrumfm",
    "available_pretrained": "pretrained",
    "pretrained_path": "pretrained",
}

__all__ = sorted([*_PUBLIC_NAMES, "INPUT_ERRORS"])


def __getattr__(name: str) -> Any:
    if name == "INPUT_ERRORS":
        # Exceptions a caller can expect from bad input to the feature extractor or a model.
        from .configuration_spectrumfm import SpectrumFMInputError, SpectrumFMInputTypeError

        value: Any = (SpectrumFMInputError, SpectrumFMInputTypeError)
    elif name in _PUBLIC_NAMES:
        value = getattr(importlib.import_module(f".{_PUBLIC_NAMES[name]}", __name__), name)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted([*__all__, "__version__"])


def _register_auto_classes() -> None:
    """Register the ``"spectrumfm"`` model type with transformers' Auto classes."""
    from transformers import (
        AutoConfig,
        AutoFeatureExtractor,
        AutoModel,
        AutoModelForPreTraining,
        AutoModelForSequenceClassification,
    )

    from .configuration_spectrumfm import SpectrumFMConfig
    from .feature_extraction_spectrumfm import SpectrumFMFeatureExtractor
    from .modeling_spectrumfm import SpectrumFMForPretraining, SpectrumFMForSequenceClassification, SpectrumFMModel

    # exist_ok: registering twice (a reload, a second hook) must not fail.
    AutoConfig.register(SpectrumFMConfig.model_type, SpectrumFMConfig, exist_ok=True)
    AutoModel.register(SpectrumFMConfig, SpectrumFMModel, exist_ok=True)
    AutoModelForPreTraining.register(SpectrumFMConfig, SpectrumFMForPretraining, exist_ok=True)
    AutoModelForSequenceClassification.register(SpectrumFMConfig, SpectrumFMForSequenceClassification, exist_ok=True)
    AutoFeatureExtractor.register(SpectrumFMConfig, SpectrumFMFeatureExtractor, exist_ok=True)


def _register_pipelines() -> None:
    """Register the ``iq-*`` tasks with transformers' ``PIPELINE_REGISTRY``: importing our pipelines does.

    When that module is itself being imported (it imports ``transformers.pipelines``), this
    import returns the half-executed module and does nothing: the module registers as it finishes.
    """
    importlib.import_module(f"{__name__}.pipelines")


# Each registration waits for the transformers module it extends, and then until no transformers
# module nor one of our own model modules is still executing: importing ``transformers.modeling_utils``
# (or our modeling module) pulls in ``transformers.models.auto`` half-way, and registering at that
# moment would re-enter the half-initialised module. Auto classes first: the pipelines load models.
_REGISTRATIONS = {
    "transformers.models.auto": _register_auto_classes,
    "transformers.pipelines": _register_pipelines,
}
_MODEL_MODULES = frozenset(
    f"{__name__}.{module}"
    for module in ("configuration_spectrumfm", "feature_extraction_spectrumfm", "modeling_spectrumfm")
)


def _is_watched(fullname: str) -> bool:
    return fullname == "transformers" or fullname.startswith("transformers.") or fullname in _MODEL_MODULES


class _RegistrationHook(importlib.abc.MetaPathFinder):
    """Runs each registration once the transformers module it extends is imported, right after
    the last of the watched modules finishes executing.

    Watched: every transformers module and this package's model modules. The finder only
    wraps their loaders (the real finders still find them) and removes itself once every
    registration has run.
    """

    def __init__(self) -> None:
        self.executing: set[str] = set()
        self.pending = dict(_REGISTRATIONS)
        self.lock = threading.RLock()

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> Any:
        if not _is_watched(fullname):
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None:
                break
        else:
            return None
        if spec.loader is not None and hasattr(spec.loader, "exec_module"):
            spec.loader = _RegisterAfterExecution(spec.loader, self, fullname)
        return spec

    def register_when_ready(self) -> None:
        with self.lock:
            if self.executing:
                return
            # Taken off the list before running: a registration's own imports call back here.
            ready = [self.pending.pop(module) for module in list(self.pending) if module in sys.modules]
            if not self.pending and self in sys.meta_path:
                sys.meta_path.remove(self)
        for register in ready:
            register()


class _RegisterAfterExecution(importlib.abc.Loader):
    """A module's own loader, asking the hook to register once the module has executed."""

    def __init__(self, loader: Any, hook: _RegistrationHook, fullname: str) -> None:
        self.loader = loader
        self.hook = hook
        self.fullname = fullname

    def create_module(self, spec: Any) -> Any:
        return self.loader.create_module(spec)

    def exec_module(self, module: Any) -> None:
        self.hook.executing.add(self.fullname)
        try:
            self.loader.exec_module(module)
        finally:
            self.hook.executing.discard(self.fullname)
        self.hook.register_when_ready()

    def __getattr__(self, name: str) -> Any:
        # get_source, get_resource_reader, is_package...: whatever the real loader offers.
        return getattr(self.loader, name)


def _install_registration_hook() -> None:
    hook = _RegistrationHook()
    sys.meta_path.insert(0, hook)
    hook.register_when_ready()  # what transformers has imported already is registered at once


_install_registration_hook()
