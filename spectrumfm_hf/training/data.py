"""From raw IQ rows to model batches: feature transform, collators and streaming shards.

Data sets keep the raw ``iq`` column (``(num_samples, 2)`` float32, I then Q) that the data
package writes; features are computed per batch by a ``SpectrumFMFeatureExtractor``, so one
stored data set serves every feature option (linear or log amplitude, window length).

Long captures (RML2018's 1024-sample frames, SigMF annotations) are cut into windows of N
symbols by the feature extractor, as the authors cut RML2018 frames into eight 128-symbol
windows; **every window inherits the label of its capture**, so a batch of B captures of
W windows each becomes B * W model examples with B * W labels.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import numpy as np
import torch
from datasets import Dataset, IterableDataset
from datasets.distributed import split_dataset_by_node

from .model_interface import LABELS_NAME, MODEL_INPUT_NAMES, SYMBOL_MASK_NAME


class TrainingDataError(ValueError):
    """Invalid data or option given to the training data path (names what was expected)."""


def _as_iq_array(capture: Any, position: int) -> np.ndarray:
    array = np.asarray(capture, dtype=np.float32)
    if array.ndim != 2 or array.shape[-1] != 2:
        raise TrainingDataError(
            f"iq[{position}] must have shape (num_samples, 2) with I and Q in the last axis, got {array.shape}"
        )
    return array


class IQFeatureTransform:
    """Raw IQ rows -> windowed amplitude/phase features; for ``Dataset.with_transform`` and the collators.

    Each output row keeps its capture's other columns and gets ``input_values``
    ``(W, N, 2)`` and ``attention_mask`` ``(W, N)``: the capture's W windows. The ``iq``
    column is replaced.

    Args:
        feature_extractor: a ``SpectrumFMFeatureExtractor``.
        iq_column: column holding the raw IQ (``(num_samples, 2)`` per row).
    """

    def __init__(self, feature_extractor, iq_column: str = "iq"):
        self.feature_extractor = feature_extractor
        self.iq_column = iq_column

    def windows(self, captures: Sequence[Any]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Window a batch of captures: (input_values (W_total, N, 2), attention_mask (W_total, N), windows per capture (B,)).

        Captures of equal length (every row of a data set with a fixed ``Array2D`` shape) go
        through the feature extractor in one call; captures of different lengths are
        grouped by length, one call per group.
        """
        arrays = [_as_iq_array(capture, position) for position, capture in enumerate(captures)]
        if not arrays:
            raise TrainingDataError("captures is empty; expected at least one IQ capture")
        lengths = np.array([array.shape[0] for array in arrays])
        input_values, attention_mask = [None] * len(arrays), [None] * len(arrays)
        for length in np.unique(lengths):
            members = np.flatnonzero(lengths == length)
            stacked = np.stack([arrays[member] for member in members])
            features = self.feature_extractor(stacked[..., 0] + 1j * stacked[..., 1], return_tensors="np")
            per_capture = features["input_values"].shape[0] // members.size
            values = features["input_values"].reshape(members.size, per_capture, *features["input_values"].shape[1:])
            masks = features.get("attention_mask")
            # An extractor built with return_attention_mask=False returns none: every symbol is real.
            masks = np.ones(values.shape[:3], np.int32) if masks is None else masks.reshape(values.shape[:3])
            for row, member in enumerate(members):
                input_values[member], attention_mask[member] = values[row], masks[row]
        counts = np.array([values.shape[0] for values in input_values])
        return np.concatenate(input_values), np.concatenate(attention_mask), counts

    def __call__(self, batch: Mapping[str, Sequence[Any]]) -> dict[str, Any]:
        if self.iq_column not in batch:
            raise TrainingDataError(f"the batch has no {self.iq_column!r} column; columns are {sorted(batch)}")
        input_values, attention_mask, counts = self.windows(batch[self.iq_column])
        bounds = np.cumsum(counts)[:-1]
        output = {name: values for name, values in batch.items() if name != self.iq_column}
        if np.all(counts == counts[0]):
            output["input_values"] = input_values.reshape(counts.size, counts[0], *input_values.shape[1:])
            output["attention_mask"] = attention_mask.reshape(counts.size, counts[0], -1)
        else:
            output["input_values"] = np.split(input_values, bounds)
            output["attention_mask"] = np.split(attention_mask, bounds)
        return output


@dataclass
class SpectrumFMDataCollator:
    """Collates rows of raw IQ (or rows already transformed by :class:`IQFeatureTransform`) into a model batch.

    Returns ``input_values`` (W_total, N, 2), ``attention_mask`` (W_total, N) and, when
    ``label_column`` is set, ``labels`` (W_total,): each window carries its capture's label.
    Every other column is dropped, so ``TrainingArguments(remove_unused_columns=False)`` is
    safe (and needed, since ``iq`` is not a forward argument).

    Args:
        feature_extractor: a ``SpectrumFMFeatureExtractor``.
        label_column: column of class indices, or None (anomaly detection, pre-training).
        iq_column: column of raw IQ.
    """

    feature_extractor: Any
    label_column: str | None = "label"
    iq_column: str = "iq"

    def __post_init__(self):
        self.transform = IQFeatureTransform(self.feature_extractor, self.iq_column)

    def _windows(self, examples: Sequence[Mapping[str, Any]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if not examples:
            raise TrainingDataError("examples is empty; expected at least one row")
        if "input_values" in examples[0]:
            # A row holds its capture's windows (W, N, 2), or one window (N, 2) after window_rows.
            values = [np.asarray(example["input_values"], dtype=np.float32) for example in examples]
            values = [value[None] if value.ndim == 2 else value for value in values]
            masks = [np.asarray(example["attention_mask"]).reshape(value.shape[:2]) for example, value in zip(examples, values)]
            return np.concatenate(values), np.concatenate(masks), np.array([value.shape[0] for value in values])
        return self.transform.windows([example[self.iq_column] for example in examples])

    def __call__(self, examples: Sequence[Mapping[str, Any]]) -> dict[str, torch.Tensor]:
        return self.collate_with_counts(examples)[0]

    def collate_with_counts(self, examples: Sequence[Mapping[str, Any]]) -> tuple[dict[str, torch.Tensor], np.ndarray]:
        """The batch, and how many windows each row became (so row columns can follow the windows)."""
        input_values, attention_mask, counts = self._windows(examples)
        batch = {
            MODEL_INPUT_NAMES[0]: torch.from_numpy(np.ascontiguousarray(input_values, dtype=np.float32)),
            MODEL_INPUT_NAMES[1]: torch.from_numpy(np.ascontiguousarray(attention_mask, dtype=np.int64)),
        }
        if self.label_column is not None:
            labels = np.array([int(example[self.label_column]) for example in examples], dtype=np.int64)
            batch[LABELS_NAME] = torch.from_numpy(np.repeat(labels, counts))
        return batch, counts


def window_rows(dataset: Dataset, feature_extractor, iq_column: str = "iq", batch_size: int = 256) -> Dataset:
    """The data set with one row per window: ``input_values`` (N, 2), ``attention_mask`` (N,), the
    capture's other columns repeated.

    Evaluate on this when captures span several windows: ``Trainer`` truncates evaluation
    outputs to the data set's length, so a data set of captures would lose every window past
    its row count.

    Args:
        dataset: rows with a raw IQ column.
        feature_extractor: a ``SpectrumFMFeatureExtractor``.
        iq_column: column of raw IQ (replaced).
        batch_size: rows windowed at a time.
    """
    transform = IQFeatureTransform(feature_extractor, iq_column)

    def explode(batch: dict[str, Any]) -> dict[str, Any]:
        input_values, attention_mask, counts = transform.windows(batch[iq_column])
        rows = {name: np.repeat(np.asarray(column), counts) for name, column in batch.items() if name != iq_column}
        rows.update(input_values=input_values, attention_mask=attention_mask)
        return rows

    return dataset.map(explode, batched=True, batch_size=batch_size, remove_columns=[iq_column])


def last_real_symbol(attention_mask: np.ndarray) -> np.ndarray:
    """Index of each window's last real (unpadded) symbol, (B,), from a (B, N) 0/1 mask."""
    num_symbols = attention_mask.shape[1]
    return num_symbols - 1 - np.argmax(attention_mask[:, ::-1] != 0, axis=1)


@dataclass
class SpectrumFMPretrainingCollator(SpectrumFMDataCollator):
    """Adds the pre-training symbol mask m ~ Bernoulli(1 - r) (eq. 20) to each batch.

    Each window's last real symbol is the next-slot target (eq. 24-25) and is never masked.
    The mask of a batch is drawn from a ``numpy.random.Generator`` seeded with ``seed`` and a
    digest of the batch's features: the same batch gets the same mask whichever process,
    worker or resumed run collates it (so a resumed run repeats the uninterrupted one), and
    reshuffling gives new masks every epoch.

    Args:
        feature_extractor: a ``SpectrumFMFeatureExtractor``.
        mask_ratio: r, the probability that a symbol is masked, in (0, 1) (0.15 in the paper).
        seed: seed of the masks.
        label_column: None (pre-training data is unlabelled).
        iq_column: column of raw IQ.
    """

    label_column: str | None = None
    mask_ratio: float = 0.15
    seed: int = 0

    def __post_init__(self):
        super().__post_init__()
        if isinstance(self.mask_ratio, bool) or not 0.0 < float(self.mask_ratio) < 1.0:
            raise TrainingDataError(f"mask_ratio must lie in (0, 1), got {self.mask_ratio!r}")
        if isinstance(self.seed, bool) or not isinstance(self.seed, (int, np.integer)) or self.seed < 0:
            raise TrainingDataError(f"seed must be a non-negative integer, got {self.seed!r}")

    def symbol_mask(self, input_values: np.ndarray, attention_mask: np.ndarray) -> np.ndarray:
        """(B, N) float32 mask, 1 visible and 0 masked, with every window's last real symbol visible."""
        digest = hashlib.blake2b(np.ascontiguousarray(input_values).tobytes(), digest_size=16).digest()
        rng = np.random.default_rng([int(self.seed), *np.frombuffer(digest, dtype=np.uint32).tolist()])
        visible = rng.random(attention_mask.shape) >= self.mask_ratio
        visible[np.arange(visible.shape[0]), last_real_symbol(attention_mask)] = True
        return visible.astype(np.float32)

    def __call__(self, examples: Sequence[Mapping[str, Any]]) -> dict[str, torch.Tensor]:
        batch = super().__call__(examples)
        mask = self.symbol_mask(batch[MODEL_INPUT_NAMES[0]].numpy(), batch[MODEL_INPUT_NAMES[1]].numpy())
        batch[SYMBOL_MASK_NAME] = torch.from_numpy(mask)
        return batch


def split_stream_for_process(dataset: IterableDataset, rank: int | None = None, world_size: int | None = None) -> IterableDataset:
    """This process's share of a streaming data set, with ``datasets.distributed.split_dataset_by_node``.

    No two ranks see the same example. Use it where you build the DataLoader yourself (an
    ``accelerate`` loop, a benchmark); ``Trainer`` with
    ``accelerator_config={"dispatch_batches": False}`` shards the unsplit stream itself in
    the same way (by shard when the stream has at least one shard per rank), so pass it the
    unsplit stream.

    Args:
        dataset: a streaming ``datasets.IterableDataset``.
        rank: this process's rank; from ``accelerate.PartialState`` when None.
        world_size: number of processes; from ``accelerate.PartialState`` when None.
    """
    if not isinstance(dataset, IterableDataset):
        raise TrainingDataError(f"dataset must be a datasets.IterableDataset, got {type(dataset).__name__}")
    if rank is None or world_size is None:
        from accelerate import PartialState

        state = PartialState()
        rank = state.process_index if rank is None else rank
        world_size = state.num_processes if world_size is None else world_size
    if not 0 <= int(rank) < int(world_size):
        raise TrainingDataError(f"rank must lie in [0, world_size={world_size}), got {rank}")
    return split_dataset_by_node(dataset, rank=int(rank), world_size=int(world_size))
