"""Former home of :mod:`spectrumfm_hf.data.tasks.amc`, kept so that existing imports keep working."""

from .tasks.amc import *  # noqa: F401,F403
