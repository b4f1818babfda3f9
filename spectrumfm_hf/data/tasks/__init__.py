"""Task generators, one module per task, on a shared :class:`~.base.TaskGenerator`.

No task module imports another: what they share is in :mod:`.base` and the layers below.
"""

from .amc import AMCGenerator
from .anomaly import AnomalyDetectionGenerator
from .base import RML2016_SNR_GRID_DB, RML2018_SNR_GRID_DB, TaskGenerator
from .noise import NoiseGenerator
from .sensing import SpectrumSensingGenerator, energy_detector
from .wtc import WTCGenerator

__all__ = [
    "AMCGenerator",
    "AnomalyDetectionGenerator",
    "NoiseGenerator",
    "RML2016_SNR_GRID_DB",
    "RML2018_SNR_GRID_DB",
    "SpectrumSensingGenerator",
    "TaskGenerator",
    "WTCGenerator",
    "energy_detector",
]
