"""Former home of :mod:`spectrumfm_hf.data.tasks.anomaly`, kept so that existing imports keep working."""

from .tasks.anomaly import *  # noqa: F401,F403
