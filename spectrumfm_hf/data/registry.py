"""The synthetic generators by name: one list for the command line, the tests and the Hub cards.

``GENERATOR_NAMES`` is a plain literal so that the command line can read it from this file's
source without importing the data package (numpy, datasets and torch take seconds).
"""

from __future__ import annotations

import importlib
from typing import Any

from .base import SpectrumDataError

GENERATOR_NAMES = (
    "amc-rml2016.10a",
    "amc-rml2018.01a",
    "wtc",
    "spectrum-sensing",
    "anomaly-detection",
    "pretraining",
)

# Name -> (module of this package, generator class, the options the name fixes).
_GENERATOR_CLASSES: dict[str, tuple[str, str, dict[str, Any]]] = {
    "amc-rml2016.10a": ("amc", "AMCGenerator", {"class_set": "rml2016.10a"}),
    "amc-rml2018.01a": ("amc", "AMCGenerator", {"class_set": "rml2018.01a"}),
    "wtc": ("wtc", "WTCGenerator", {}),
    "spectrum-sensing": ("sensing", "SpectrumSensingGenerator", {}),
    "anomaly-detection": ("anomaly", "AnomalyDetectionGenerator", {}),
    "pretraining": ("pretraining", "PretrainingCorpusGenerator", {}),
}


def make_generator(name: str, num_samples: int, **options: Any) -> Any:
    """The generator called ``name``, importing only its own module.

    Args:
        name: one of :data:`GENERATOR_NAMES`.
        num_samples: IQ samples per example.
        **options: further keyword arguments of the generator class (e.g. ``snr_db_grid``).
    """
    if not isinstance(name, str) or name not in _GENERATOR_CLASSES:
        raise SpectrumDataError(f"name must be one of {list(GENERATOR_NAMES)}, got {name!r}")
    module_name, class_name, fixed_options = _GENERATOR_CLASSES[name]
    clashing = sorted(set(fixed_options) & set(options))
    if clashing:
        raise SpectrumDataError(f"generator {name!r} fixes {clashing} itself; got them again as options")
    generator_class = getattr(importlib.import_module(f".{module_name}", __package__), class_name)
    return generator_class(num_samples=num_samples, **fixed_options, **options)
