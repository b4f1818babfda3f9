"""Where the Hub card templates live: ``hub_cards/`` in a source checkout, ``spectrumfm_hf/hub_cards/`` once installed."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def card_template(name: str) -> Path:
    """Path of the card template ``name`` (e.g. ``"dataset_card.md"``)."""
    for folder in (_PACKAGE.parent / "hub_cards", _PACKAGE / "hub_cards"):
        if (folder / name).is_file():
            return folder / name
    raise FileNotFoundError(f"card template {name!r} not found in hub_cards/; reinstall spectrumfm-hf")
