"""Former home of :mod:`spectrumfm_hf.data.tasks.wtc`, kept so that existing imports keep working."""

from .tasks.wtc import *  # noqa: F401,F403
