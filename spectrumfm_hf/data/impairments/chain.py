"""A chain of impairments: the whole link from transmitter to ADC, applied to a batch at once."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ..base import SpectrumDataError
from . import transforms as transform_classes

__all__ = ["CHUNK_EXAMPLES", "ImpairmentChain", "default_impairments"]

# Examples per array pass of the chain (and of the transmitter groups of a task batch):
# smaller passes pay more per-call overhead, larger ones spill their intermediate arrays out
# of cache and run slower.
CHUNK_EXAMPLES = 256


class ImpairmentChain:
    """Impairments applied in order; the :class:`~spectrumfm_hf.data.base.ChannelTransform` of a whole link.

    Args:
        transforms: the stages, first applied first.
    """

    def __init__(self, transforms: Sequence[transform_classes.Impairment]):
        transforms = tuple(transforms)
        for stage in transforms:
            if not isinstance(stage, transform_classes.Impairment):
                raise SpectrumDataError(f"transforms must be Impairment instances, got {type(stage).__name__}")
        self.transforms = transforms

    def __repr__(self) -> str:
        return f"ImpairmentChain({list(self.transforms)!r})"

    def before(self, stage_type: type) -> "ImpairmentChain":
        """The stages before the first one of ``stage_type`` (all of them when there is none)."""
        position = next(
            (position for position, stage in enumerate(self.transforms) if isinstance(stage, stage_type)),
            len(self.transforms),
        )
        return ImpairmentChain(self.transforms[:position])

    def input_lengths(self, num_samples: int) -> list[int]:
        """Input length of each stage for ``num_samples`` output samples."""
        lengths = []
        length = num_samples
        for stage in reversed(self.transforms):
            length += stage.history_samples(length)
            lengths.append(length)
        return lengths[::-1]

    def history_samples(self, num_samples: int) -> int:
        """Extra input samples the chain consumes to return ``num_samples`` without transients."""
        return (self.input_lengths(num_samples)[0] - num_samples) if self.transforms else 0

    def num_uniforms(self, num_samples: int) -> int:
        return sum(s.num_uniforms(n) for s, n in zip(self.transforms, self.input_lengths(num_samples)))

    def num_normals(self, num_samples: int) -> int:
        return sum(s.num_normals(n) for s, n in zip(self.transforms, self.input_lengths(num_samples)))

    def apply(
        self, iq: np.ndarray, uniforms: np.ndarray, normals: np.ndarray, columns: dict[str, np.ndarray], num_samples: int
    ) -> np.ndarray:
        """Impair a batch of ``num_samples + history_samples(num_samples)`` samples down to ``num_samples``.

        Args:
            iq: complex ``(batch, num_samples + history_samples(num_samples))``.
            uniforms: ``(batch, num_uniforms(num_samples))`` numbers in [0, 1).
            normals: ``(batch, num_normals(num_samples))`` standard normal numbers.
            columns: generation-parameter columns, updated in place.
            num_samples: samples per output capture.
        """
        lengths = self.input_lengths(num_samples)
        iq = np.asarray(iq, dtype=np.complex128)
        expected = lengths[0] if lengths else num_samples
        if iq.ndim != 2 or iq.shape[1] != expected:
            raise SpectrumDataError(f"iq must have shape (batch, {expected}), got {iq.shape}")
        uniforms_used = normals_used = 0
        for stage, length, next_length in zip(self.transforms, lengths, lengths[1:] + [num_samples]):
            stage_uniforms, stage_normals = stage.num_uniforms(length), stage.num_normals(length)
            iq = stage.apply(
                iq,
                uniforms[:, uniforms_used : uniforms_used + stage_uniforms],
                normals[:, normals_used : normals_used + stage_normals],
                columns,
            )
            uniforms_used += stage_uniforms
            normals_used += stage_normals
            # The leading samples hold the stage's start-up transient.
            iq = iq[:, length - next_length :]
        return iq

    def apply_in_chunks(
        self,
        iq: np.ndarray,
        uniforms: np.ndarray,
        normals: np.ndarray,
        columns: dict[str, np.ndarray],
        num_samples: int,
        chunk_examples: int = CHUNK_EXAMPLES,
    ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """:meth:`apply` to a batch of any size, ``chunk_examples`` rows at a time.

        Rows do not interact, so the result is that of one :meth:`apply` on the whole batch;
        bounded chunks keep the chain's working set in cache.

        Args:
            iq: complex ``(batch, num_samples + history_samples(num_samples))``.
            uniforms: ``(batch, num_uniforms(num_samples))`` numbers in [0, 1).
            normals: ``(batch, num_normals(num_samples))`` standard normal numbers.
            columns: generation-parameter columns of the batch, each ``(batch,)``; not modified.
            num_samples: samples per output capture.
            chunk_examples: rows per :meth:`apply` call.

        Returns:
            complex128 ``(batch, num_samples)`` captures, and every column of ``columns`` and
            those the stages wrote, each ``(batch,)`` with what the stages drew.
        """
        batch = len(iq)
        received = np.empty((batch, num_samples), np.complex128)
        pieces: dict[str, list[np.ndarray]] = {}
        for start in range(0, batch, chunk_examples):
            rows = slice(start, start + chunk_examples)
            chunk_columns = {name: np.asarray(column)[rows] for name, column in columns.items()}
            received[rows] = self.apply(iq[rows], uniforms[rows], normals[rows], chunk_columns, num_samples)
            for name, column in chunk_columns.items():
                pieces.setdefault(name, []).append(np.asarray(column))
        return received, {name: np.concatenate(parts) for name, parts in pieces.items()}

    def __call__(self, iq: np.ndarray, rng: np.random.Generator, params: dict[str, Any]) -> np.ndarray:
        """Impair one capture (stages with memory start from silence), recording draws in ``params``."""

        def impair_padded(row, uniforms, normals, columns):
            history = np.zeros((1, self.history_samples(row.shape[1])), dtype=np.complex128)
            return self.apply(np.concatenate([history, row], axis=1), uniforms, normals, columns, row.shape[1])

        return transform_classes.impair_one_capture(self, iq, rng, params, impair_padded)


def default_impairments() -> ImpairmentChain:
    """The full link with default ranges, in physical order.

    Transmitter power amplifier, multipath fading with Doppler, receiver sampling (timing
    and sample-rate offset), carrier frequency and phase offset, thermal noise, oscillator
    phase noise, IQ imbalance, DC offset, then the ADC.
    """
    return ImpairmentChain(
        [
            transform_classes.PowerAmplifier(),
            transform_classes.MultipathFading(),
            transform_classes.TimingOffset(),
            transform_classes.CarrierOffset(),
            transform_classes.AdditiveNoise(),
            transform_classes.PhaseNoise(),
            transform_classes.IQImbalance(),
            transform_classes.DCOffset(),
            transform_classes.Quantizer(),
        ]
    )
