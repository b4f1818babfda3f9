"""Pre-training corpus: an unlabeled mixture of every synthetic source.

SpectrumFM is pre-trained by masked reconstruction and next-slot prediction on IQ data
of every kind it will later meet, so the corpus mixes the modulation data sets of both class
sets, the wireless technologies, pure noise and the anomaly-detection primary user.
Examples carry label -1 (no label); the component each one came from is in ``task``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .base import GENERATION_PARAMETERS, SpectrumDataError, check_num_samples, example_rng, make_batch
from .impairments import default_impairments
from .tasks import AMCGenerator, AnomalyDetectionGenerator, NoiseGenerator, TaskGenerator, WTCGenerator
from .tasks.base import RML2018_SNR_GRID_DB

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


def default_components(num_samples: int) -> dict[str, Any]:
    """The generator behind each component of :data:`PRETRAINING_MIXTURE`, all at ``num_samples``.

    Args:
        num_samples: IQ samples per example.
    """
    return {
        "amc-rml2016.10a": AMCGenerator(class_set="rml2016.10a", num_samples=num_samples),
        "amc-rml2018.01a": AMCGenerator(class_set="rml2018.01a", num_samples=num_samples),
        "wtc": WTCGenerator(num_samples=num_samples),
        "noise": NoiseGenerator(num_samples=num_samples),
        # The AMC chain's random links and SNR range, not the anomaly scene's one static link:
        # pre-training wants the QPSK primary seen through many channels.
        "anomaly-normal": AnomalyDetectionGenerator(
            num_samples=num_samples, mode="normal", channel=default_impairments(), snr_db_grid=RML2018_SNR_GRID_DB
        ),
    }


class PretrainingCorpusGenerator(TaskGenerator):
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
    card_template = "generator_pretraining.md"

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

    def components_of(self, seed: int, indices) -> list[str]:
        """The component each example of ``indices`` is drawn from."""
        draws = np.array([example_rng(seed, int(index)).random() for index in indices])
        positions = np.searchsorted(self._cumulative, draws * self._cumulative[-1], side="right")
        return [self.class_names[position] for position in positions]

    def component_seed(self, seed: int, component: str) -> int:
        """Seed of ``component``'s data set inside the corpus seeded with ``seed``."""
        position = self.class_names.index(component)
        return int(np.random.SeedSequence((int(seed), position)).generate_state(1, np.uint32)[0])

    def _generate(self, seed: int, indices: np.ndarray) -> dict[str, np.ndarray]:
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
