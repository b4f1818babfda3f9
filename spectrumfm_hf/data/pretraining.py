"""Pre-training corpus: an unlabeled mixture of every synthetic source.

SpectrumFM is pre-trained by masked reconstruction and next-slot prediction on IQ data
of every kind it will later meet, so the corpus mixes the modulation data sets of both class
sets, the wireless technologies, pure noise and the anomaly-detection primary user.
Examples carry label -1 (no label); the component each one came from is in ``task``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .base import (
    GENERATION_PARAMETERS,
    SpectrumDataError,
    check_generate_arguments,
    check_num_samples,
    example_rng,
)
from .formats import make_batch
from .wtc import WTCGenerator, first_record, make_examples

PRETRAINING_MIXTURE: dict[str, float] = {
    "amc-rml2016.10a": 0.25,
    "amc-rml2018.01a": 0.30,
    "wtc": 0.25,
    "noise": 0.05,
    "anomaly-normal": 0.15,
}
"""Default share of each component in the corpus.

The modulation sets carry the most weight since they span the most signal families (35
classes between them, analog and digital); technologies a quarter, for the OFDM, hopping
and chirp structure the modulation sets lack; the QPSK primary user of anomaly detection a
smaller share as it is one signal; pure noise a little, so the model also sees empty bands.
"""


class NoiseGenerator:
    """Complex white Gaussian noise of unit power per sample: the empty band.

    Args:
        num_samples: IQ samples per example.
    """

    name = "noise"
    class_names = ["noise"]

    def __init__(self, num_samples: int = 128):
        self.num_samples = check_num_samples(num_samples)
        self.description = f"Complex white Gaussian noise, unit power per sample, {self.num_samples} samples."

    def __call__(self, seed: int, index: int) -> dict[str, Any]:
        """Example ``index`` of the data set seeded with ``seed`` as one record (as in :meth:`generate`)."""
        return first_record(self.generate(seed, [index]))

    def generate(self, seed: int, indices) -> dict[str, np.ndarray]:
        """Examples ``indices`` of the data set seeded with ``seed``, stacked column by column."""
        indices = check_generate_arguments(seed, indices)
        shape = (2, self.num_samples)
        normals = np.stack([example_rng(seed, int(index)).standard_normal(shape) for index in indices])
        source = "synthetic/" + self.name
        params = [{"source": source, "seed": int(seed), "index": int(index)} for index in indices]
        noise = (normals[:, 0] + 1j * normals[:, 1]) / np.sqrt(2.0)
        return make_examples(noise, np.zeros(len(indices), np.int64), params)


def default_components(num_samples: int) -> dict[str, Any]:
    """The generator behind each component of :data:`PRETRAINING_MIXTURE`, all at ``num_samples``.

    Args:
        num_samples: IQ samples per example.
    """
    from .amc import AMCGenerator
    from .anomaly import AnomalyDetectionGenerator

    return {
        "amc-rml2016.10a": AMCGenerator(class_set="rml2016.10a", num_samples=num_samples),
        "amc-rml2018.01a": AMCGenerator(class_set="rml2018.01a", num_samples=num_samples),
        "wtc": WTCGenerator(num_samples=num_samples),
        "noise": NoiseGenerator(num_samples=num_samples),
        "anomaly-normal": AnomalyDetectionGenerator(num_samples=num_samples, mode="normal"),
    }


class PretrainingCorpusGenerator:
    """Unlabeled pre-training examples drawn from a weighted mixture of the task generators.

    Example ``index`` draws its component with probabilities ``mixture`` from
    ``example_rng(seed, index)`` and is that component's example ``index`` in the component's
    data set of a seed derived from ``seed`` and the component, so it stays a function of
    ``(seed, index)`` alone while each component still generates its share in batches. The
    record keeps the component's generation parameters, with ``label`` -1, ``task`` the
    component name and ``source`` "synthetic/pretraining".

    Args:
        num_samples: IQ samples per example.
        mixture: component name -> weight (normalised here); :data:`PRETRAINING_MIXTURE` by default.
        components: component name -> task generator (``generate(seed, indices)``) for the names in
            ``mixture``, all making ``num_samples`` samples; :func:`default_components` by default.
    """

    name = "pretraining"

    def __init__(
        self,
        num_samples: int = 128,
        mixture: dict[str, float] | None = None,
        components: dict[str, Any] | None = None,
    ):
        self.num_samples = check_num_samples(num_samples)
        mixture = dict(PRETRAINING_MIXTURE if mixture is None else mixture)
        weights = np.array(list(mixture.values()), dtype=float)
        if not mixture or not np.all(np.isfinite(weights)) or np.any(weights < 0) or weights.sum() <= 0:
            raise SpectrumDataError(
                f"mixture must map component names to non-negative weights, got {mixture!r}"
            )
        self.components = default_components(self.num_samples) if components is None else dict(components)
        missing = [name for name in mixture if name not in self.components]
        if missing:
            raise SpectrumDataError(f"components lacks generators for mixture entries {missing}")
        wrong = [name for name in mixture if self.components[name].num_samples != self.num_samples]
        if wrong:
            raise SpectrumDataError(f"components {wrong} do not make num_samples={self.num_samples} samples")
        self.mixture = {name: float(weight) / weights.sum() for name, weight in mixture.items()}
        self.class_names = list(self.mixture)
        self._cumulative = np.cumsum(list(self.mixture.values()))

    @property
    def description(self) -> str:
        shares = ", ".join(f"{name} {weight:.0%}" for name, weight in self.mixture.items())
        return (
            f"Synthetic pre-training corpus: {self.num_samples} complex baseband samples per example, "
            f"unlabeled (label -1), drawn from a mixture of the synthetic sources with shares {shares}. "
            "amc-rml2016.10a and amc-rml2018.01a are the modulation generators of the two RML class sets; "
            "wtc the LTE, NR, Wi-Fi, DVB-T, Bluetooth, LoRa and ZigBee-like technologies at 20 MHz; noise "
            "complex white Gaussian noise of unit power; anomaly-normal the 20 MHz QPSK primary user of the "
            "anomaly-detection set at 40 MHz, without interference. Each record keeps its component's "
            "generation parameters and names the component in `task`. The class names of this set are "
            "the component names, for reference only: no example carries a label."
        )

    def components_of(self, seed: int, indices) -> list[str]:
        """The component each example of ``indices`` is drawn from."""
        draws = np.array([example_rng(seed, int(index)).random() for index in indices])
        positions = np.searchsorted(self._cumulative, draws * self._cumulative[-1], side="right")
        return [self.class_names[position] for position in positions]

    def component_seed(self, seed: int, component: str) -> int:
        """Seed of ``component``'s data set inside the corpus seeded with ``seed``."""
        position = self.class_names.index(component)
        return int(np.random.SeedSequence((int(seed), position)).generate_state(1, np.uint32)[0])

    def generate(self, seed: int, indices) -> dict[str, np.ndarray]:
        """Examples ``indices`` stacked column by column, identical to per-example calls."""
        indices = check_generate_arguments(seed, indices)
        components = np.asarray(self.components_of(seed, indices), dtype=object)
        iq = np.empty((indices.size, self.num_samples, 2), np.float32)
        params = {
            name: np.full(indices.size, default, dtype=object)
            for name, (_, default) in GENERATION_PARAMETERS.items()
        }
        for component in dict.fromkeys(components):
            rows = np.flatnonzero(components == component)
            batch = self.components[component].generate(self.component_seed(seed, component), indices[rows])
            iq[rows] = batch["iq"]
            for name in params:
                params[name][rows] = np.asarray(batch[name], dtype=object)
        params.update(task=components, source="synthetic/" + self.name, seed=int(seed), index=indices)
        return make_batch(iq, np.full(indices.size, -1), params)

    def __call__(self, seed: int, index: int) -> dict[str, Any]:
        """Example ``index`` of the corpus seeded with ``seed`` as one record."""
        return first_record(self.generate(seed, [index]))
