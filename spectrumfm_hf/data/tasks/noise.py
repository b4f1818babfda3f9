"""The empty band: complex white Gaussian noise, a component of the pre-training corpus."""

from __future__ import annotations

import numpy as np

from ..base import check_num_samples, example_rng
from .base import TaskGenerator

__all__ = ["NoiseGenerator"]


class NoiseGenerator(TaskGenerator):
    """Complex white Gaussian noise of unit power per sample: the empty band.

    Args:
        num_samples: IQ samples per example.
    """

    name = "noise"
    class_names = ["noise"]
    card_template = "generator_noise.md"

    def __init__(self, num_samples: int = 128):
        self.num_samples = check_num_samples(num_samples)

    def _generate(self, seed: int, indices: np.ndarray) -> dict[str, np.ndarray]:
        shape = (2, self.num_samples)
        normals = np.stack([example_rng(seed, index).standard_normal(shape) for index in indices.tolist()])
        noise = (normals[:, 0] + 1j * normals[:, 1]) / np.sqrt(2.0)
        return self.assemble(seed, indices, noise, np.zeros(indices.size, np.int64), {}, scale_to_unit_power=False)
