"""Constellations of the linear modulations, each scaled to unit average power."""

from __future__ import annotations

import math

import numpy as np

from ..base import SpectrumDataError
from ..dsp import unit_power

__all__ = ["constellation", "square_qam"]


def _psk(order: int) -> np.ndarray:
    return np.exp(2j * np.pi * np.arange(order) / order)


def _pam(order: int) -> np.ndarray:
    return (2.0 * np.arange(order) - (order - 1)).astype(np.complex128)


def _square_qam(order: int) -> np.ndarray:
    side = int(round(math.sqrt(order)))
    levels = 2.0 * np.arange(side) - (side - 1)
    return (levels[:, None] + 1j * levels[None, :]).ravel()


def _cross_qam(order: int) -> np.ndarray:
    """32- and 128-QAM: a square grid of 36 or 144 points with the four corner blocks removed."""
    side = {32: 6, 128: 12}[order]
    corner = {32: 1, 128: 2}[order]
    levels = 2.0 * np.arange(side) - (side - 1)
    grid = levels[:, None] + 1j * levels[None, :]
    limit = levels[-1] - 2 * corner
    keep = ~((np.abs(grid.real) > limit) & (np.abs(grid.imag) > limit))
    return grid[keep]


def _apsk(ring_sizes: tuple[int, ...], radii: tuple[float, ...], ring_phases: tuple[float, ...]) -> np.ndarray:
    rings = [
        radius * np.exp(1j * (phase + 2.0 * np.pi * np.arange(size) / size))
        for size, radius, phase in zip(ring_sizes, radii, ring_phases)
    ]
    return np.concatenate(rings)


# Ring sizes and radius ratios: DVB-S2 16APSK (4+12, gamma 2.85, rate 3/4) and 32APSK
# (4+12+16, gammas 2.84 and 5.27, rate 3/4); DVB-S2X 64APSK (4+12+20+28, radii 1, 2.4, 4.3,
# 7.0, rate 11/15). 128APSK follows the DVB-S2X layout of five 16-point rings and one
# 48-point outer ring with approximately its radius ratios.
_CONSTELLATIONS: dict[str, np.ndarray] = {
    "OOK": np.array([0.0, 1.0], dtype=np.complex128),
    "BPSK": _psk(2),
    "QPSK": _psk(4) * np.exp(1j * np.pi / 4),
    "8PSK": _psk(8),
    "16PSK": _psk(16),
    "32PSK": _psk(32),
    "PAM4": _pam(4),
    "4ASK": _pam(4),
    "8ASK": _pam(8),
    "16QAM": _square_qam(16),
    "64QAM": _square_qam(64),
    "256QAM": _square_qam(256),
    "32QAM": _cross_qam(32),
    "128QAM": _cross_qam(128),
    "16APSK": _apsk((4, 12), (1.0, 2.85), (np.pi / 4, np.pi / 12)),
    "32APSK": _apsk((4, 12, 16), (1.0, 2.84, 5.27), (np.pi / 4, np.pi / 12, 0.0)),
    "64APSK": _apsk((4, 12, 20, 28), (1.0, 2.4, 4.3, 7.0), (np.pi / 4, np.pi / 12, np.pi / 20, np.pi / 28)),
    "128APSK": _apsk(
        (16, 16, 16, 16, 16, 48),
        (1.0, 1.715, 2.118, 2.681, 2.75, 3.25),
        (np.pi / 16, 0.0, np.pi / 16, 0.0, np.pi / 16, np.pi / 48),
    ),
}
_CONSTELLATIONS = {name: unit_power(np.asarray(points, dtype=np.complex128)) for name, points in _CONSTELLATIONS.items()}


def constellation(name: str) -> np.ndarray:
    """Unit-average-power constellation points of a linear modulation (``"16QAM"``, ``"8PSK"``...)."""
    key = {"QAM16": "16QAM", "QAM64": "64QAM", "OQPSK": "QPSK"}.get(name, name)
    if key not in _CONSTELLATIONS:
        raise SpectrumDataError(f"name must be a linear modulation in {sorted(_CONSTELLATIONS)}, got {name!r}")
    return _CONSTELLATIONS[key].copy()


def square_qam(order: int) -> np.ndarray:
    """Unit-average-power square QAM points (``order`` 4, 16, 64, 256...).

    Point ``side * i + q`` has in-phase level ``2 i - (side - 1)`` and quadrature level
    ``2 q - (side - 1)`` before scaling, ``side = sqrt(order)``.

    Args:
        order: constellation size, a square of an integer >= 2.
    """
    side = int(round(math.sqrt(order)))
    if side * side != order or side < 2:
        raise SpectrumDataError(f"order must be a square QAM size (4, 16, 64, 256), got {order}")
    return unit_power(_square_qam(order))


