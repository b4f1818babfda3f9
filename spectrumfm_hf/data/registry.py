"""The names of the synthetic data sets and the generator behind each.

Importing this module imports no generator (nor numpy, scipy or torch), so command lines can list
the names cheaply; :func:`make_generator` imports the one it builds.
"""

from __future__ import annotations

from typing import Any

__all__ = ["GENERATOR_NAMES", "make_generator"]

GENERATOR_NAMES = ("amc-rml2016.10a", "amc-rml2018.01a", "wtc", "spectrum-sensing", "anomaly-detection", "pretraining")
"""Every synthetic data set :func:`make_generator` builds, by name."""


def make_generator(name: str, num_samples: int, **options: Any):
    """The task generator of data set ``name`` making ``num_samples`` IQ samples per example.

    Args:
        name: one of :data:`GENERATOR_NAMES`.
        num_samples: IQ samples per example.
        **options: further arguments of the generator's class (e.g. ``snr_db_grid``).

    Raises:
        ValueError: (a ``SpectrumDataError``) when ``name`` is not in :data:`GENERATOR_NAMES`.
    """
    if name not in GENERATOR_NAMES:
        from .base import SpectrumDataError

        raise SpectrumDataError(f"name must be one of {list(GENERATOR_NAMES)}, got {name!r}")
    if name.startswith("amc-"):
        from .tasks.amc import AMCGenerator

        return AMCGenerator(class_set=name[len("amc-") :], num_samples=num_samples, **options)
    if name == "wtc":
        from .tasks.wtc import WTCGenerator

        return WTCGenerator(num_samples=num_samples, **options)
    if name == "spectrum-sensing":
        from .tasks.sensing import SpectrumSensingGenerator

        return SpectrumSensingGenerator(num_samples=num_samples, **options)
    if name == "anomaly-detection":
        from .tasks.anomaly import AnomalyDetectionGenerator

        return AnomalyDetectionGenerator(num_samples=num_samples, **options)
    from .pretraining import PretrainingCorpusGenerator

    return PretrainingCorpusGenerator(num_samples=num_samples, **options)
