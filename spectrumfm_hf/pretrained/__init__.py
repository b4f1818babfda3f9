"""Weights that ship inside the package: one folder per artefact, found by name.

Each artefact is a folder ``spectrumfm_hf/pretrained/<name>/`` in Hub layout, so the same
folder loads offline from the installed package and publishes unchanged to the Hub:

* a base model (``config.json``, ``model.safetensors``, ``preprocessor_config.json`` and its
  ``README.md`` card), for example ``"spectrumfm-small"``::

      from transformers import AutoModel
      import spectrumfm_hf
      model = AutoModel.from_pretrained(spectrumfm_hf.pretrained_path("spectrumfm-small"))

* a task adapter (``adapter_config.json``, ``adapter_model.safetensors`` holding the LoRA
  weights and the task head, ``config.json`` with the label names, ``README.md``), named
  ``<base>-<task>``, for example ``"spectrumfm-small-amc-rml2016"``, loaded on its base with
  ``peft.PeftModel.from_pretrained(base_model, pretrained_path(name))``. Its
  ``base_model_name_or_path`` is the shipped base's name, which
  ``spectrumfm_hf.hub.resolve_pretrained`` turns into the base's installed folder.

``spectrumfm_hf.hub.ship_artefact`` installs a trained folder here with its card.

A folder counts as an artefact once it holds a ``config.json`` or an ``adapter_config.json``,
so a half-copied folder is never offered. Nothing here imports torch.
"""

from __future__ import annotations

from pathlib import Path

PRETRAINED_ROOT = Path(__file__).resolve().parent
"""The folder holding one sub-folder per shipped artefact."""

PIPELINE_DEFAULTS = {
    "iq-classification": "spectrumfm-small-amc-rml2016",
    "iq-anomaly-detection": "spectrumfm-small-ad",
}
"""The shipped adapter each pipeline task (and ``spectrumfm predict``) uses when no model is given."""

# A folder is an artefact when one of these files is in it: a model, or an adapter.
_MARKER_FILES = ("config.json", "adapter_config.json")


class PretrainedNotFoundError(FileNotFoundError, ValueError):
    """Raised when no shipped artefact has the name asked for."""


def available_pretrained() -> tuple[str, ...]:
    """Names of the artefacts installed with the package, sorted (empty when none ship)."""
    return tuple(
        sorted(
            folder.name
            for folder in PRETRAINED_ROOT.iterdir()
            if folder.is_dir() and any((folder / marker).is_file() for marker in _MARKER_FILES)
        )
    )


def pretrained_path(name: str) -> Path:
    """The installed folder of the shipped artefact ``name`` (model or adapter), for ``from_pretrained``.

    Args:
        name: an artefact name from :func:`available_pretrained`, e.g. ``"spectrumfm-small"``.

    Raises:
        TypeError: ``name`` is not a string.
        PretrainedNotFoundError: no artefact of that name is installed; the message lists those that are.
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be a str naming a shipped artefact, got {type(name).__name__}")
    available = available_pretrained()
    if name not in available:
        listed = ", ".join(repr(known) for known in available) if available else "none are installed"
        raise PretrainedNotFoundError(
            f"no shipped pretrained artefact named {name!r}; available: {listed}. "
            "Pass a local folder or a Hub id to from_pretrained instead."
        )
    return PRETRAINED_ROOT / name
