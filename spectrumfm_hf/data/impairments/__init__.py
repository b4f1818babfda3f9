"""Impairments: what happens to a transmission between the transmitter and the stored capture.

* :mod:`.functional`: the maths, pure functions of ``(iq, parameters)``.
* :mod:`.transforms`: thin classes drawing each impairment's parameters from an example's
  random numbers (or a ``numpy.random.Generator``) and recording them.
* :mod:`.chain`: :class:`ImpairmentChain`, the stages in order over a batch, and the default link.
"""

from .chain import CHUNK_EXAMPLES, ImpairmentChain, default_impairments
from .transforms import (
    FADING_TYPES,
    SNR_CONVENTIONS,
    AdditiveNoise,
    CarrierOffset,
    DCOffset,
    Impairment,
    IQImbalance,
    MultipathFading,
    PhaseNoise,
    PowerAmplifier,
    Quantizer,
    TimingOffset,
)

__all__ = [
    "AdditiveNoise",
    "CHUNK_EXAMPLES",
    "CarrierOffset",
    "DCOffset",
    "FADING_TYPES",
    "IQImbalance",
    "Impairment",
    "ImpairmentChain",
    "MultipathFading",
    "PhaseNoise",
    "PowerAmplifier",
    "Quantizer",
    "SNR_CONVENTIONS",
    "TimingOffset",
    "default_impairments",
]
