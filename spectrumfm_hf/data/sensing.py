"""Former home of :mod:`spectrumfm_hf.data.tasks.sensing`, kept so that existing imports keep working."""

from .tasks.sensing import *  # noqa: F401,F403
