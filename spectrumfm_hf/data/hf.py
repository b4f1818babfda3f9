"""Hugging Face Datasets for IQ data: one schema for generated and loaded examples, splits, cards.

Every data set here has the features of :func:`iq_features`: ``iq`` (``Array2D`` of float32,
``(num_samples, 2)``), ``label`` (``ClassLabel`` with the class names) and one ``Value`` per
entry of :data:`~spectrumfm_hf.data.base.GENERATION_PARAMETERS`. Data sets are built with
``Dataset.from_generator`` (cached Arrow files, never the whole data set in RAM) or
``IterableDataset.from_generator`` (streaming). Publishing needs no wrapper:
``dataset.push_to_hub(repo_id)`` of the ``datasets`` library uploads Parquet shards, and
``DatasetCard.push_to_hub`` the card.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any, Iterator, Protocol, Sequence

import numpy as np
from datasets import Array2D, ClassLabel, Dataset, DatasetDict, Features, IterableDataset, Value
from huggingface_hub import DatasetCard, DatasetCardData

from ..cards import card_template
from .base import GENERATION_PARAMETERS, SpectrumDataError, check_positive_integer, make_batch, records_from_batch
from .formats import RML2018_01A_CLASSES, RawIQReader, RecordReader, RML2016Reader, RML2018Reader, SigMFReader

DEFAULT_CARD_TEMPLATE = card_template("dataset_card.md")
"""The Jinja template of :func:`dataset_card` (``hub_cards/dataset_card.md`` in the repository)."""

# Upper bound on the shards of a streamed data set: enough for any DataLoader worker count,
# few enough that each shard still reads whole batches.
_MAX_STREAM_SHARDS = 64

_SIZE_CATEGORIES = (
    (1_000, "n<1K"),
    (10_000, "1K<n<10K"),
    (100_000, "10K<n<100K"),
    (1_000_000, "100K<n<1M"),
    (10_000_000, "1M<n<10M"),
    (100_000_000, "10M<n<100M"),
    (1_000_000_000, "100M<n<1B"),
)


class ExampleGenerator(Protocol):
    """What :func:`to_dataset` needs from a task generator.

    Attributes:
        name: short name of the data set it makes.
        description: how examples are made, with the parameter ranges (goes into the card).
        class_names: label names, in label order.
        num_samples: IQ samples per example.
    """

    name: str
    description: str
    class_names: Sequence[str]
    num_samples: int

    def __call__(self, seed: int, index: int) -> dict[str, Any]:
        """Example ``index`` of the data set seeded with ``seed``, as one record."""

    def generate(self, seed: int, indices: np.ndarray) -> dict[str, np.ndarray]:
        """Examples ``indices`` stacked column by column (``iq`` ``(batch, num_samples, 2)``, ...)."""


def iq_features(num_samples: int, class_names: Sequence[str]) -> Features:
    """Features of an IQ data set: ``iq``, ``label`` and the generation parameters.

    Args:
        num_samples: IQ samples per example.
        class_names: label names, in label order.
    """
    num_samples = check_positive_integer("num_samples", num_samples)
    if len(class_names) == 0 or len(set(class_names)) != len(class_names):
        raise SpectrumDataError(f"class_names must be non-empty and unique, got {list(class_names)}")
    features = {
        "iq": Array2D(shape=(num_samples, 2), dtype="float32"),
        "label": ClassLabel(names=[str(name) for name in class_names]),
    }
    features.update({name: Value(dtype) for name, (dtype, _) in GENERATION_PARAMETERS.items()})
    return Features(features)


def _index_ranges(num_examples: int, num_shards: int) -> list[tuple[int, int]]:
    """``num_shards`` contiguous ranges covering ``range(num_examples)`` in order."""
    num_shards = max(1, min(num_shards, num_examples))
    bounds = np.linspace(0, num_examples, num_shards + 1).round().astype(int)
    return [(int(start), int(stop)) for start, stop in zip(bounds[:-1], bounds[1:])]


def _generated_examples(
    generator: ExampleGenerator, seed: int, ranges: list[tuple[int, int]], batch_size: int
) -> Iterator[dict[str, Any]]:
    for start, stop in ranges:
        for first in range(start, stop, batch_size):
            batch = generator.generate(seed, np.arange(first, min(first + batch_size, stop)))
            # make_batch fills the columns a generator outside this package may not set.
            yield from records_from_batch(make_batch(batch["iq"], batch["label"], batch))


def _read_examples(reader: RecordReader, ranges: list[tuple[int, int]], batch_size: int) -> Iterator[dict[str, Any]]:
    for start, stop in ranges:
        yield from reader.iter_records(start, stop, batch_size)


def _build(
    examples: Any,
    gen_kwargs: dict[str, Any],
    features: Features,
    num_records: int,
    streaming: bool,
    num_proc: int,
    batch_size: int,
    cache_dir: str | os.PathLike[str] | None,
) -> Dataset | IterableDataset:
    """``examples(**gen_kwargs, ranges=..., batch_size=...)`` as a data set, sharded by index range.

    A ``Dataset`` gets one range per process; the output is the ranges concatenated in order, so
    it does not depend on ``num_proc``. A stream gets up to ``_MAX_STREAM_SHARDS`` ranges so that
    DataLoader workers can split it without overlap.
    """
    num_records = check_positive_integer("number of examples", num_records)
    batch_size = check_positive_integer("batch_size", batch_size)
    num_proc = check_positive_integer("num_proc", num_proc)
    if streaming:
        ranges = _index_ranges(num_records, min(_MAX_STREAM_SHARDS, math.ceil(num_records / batch_size)))
        return IterableDataset.from_generator(
            examples, features=features, gen_kwargs={**gen_kwargs, "ranges": ranges, "batch_size": batch_size}
        )
    return Dataset.from_generator(
        examples,
        features=features,
        gen_kwargs={**gen_kwargs, "ranges": _index_ranges(num_records, num_proc), "batch_size": batch_size},
        num_proc=num_proc if num_proc > 1 else None,
        cache_dir=None if cache_dir is None else os.fspath(cache_dir),
    )


def to_dataset(
    generator: ExampleGenerator,
    num_examples: int,
    seed: int,
    num_proc: int = 1,
    batch_size: int = 256,
    cache_dir: str | os.PathLike[str] | None = None,
) -> Dataset:
    """Examples ``0 .. num_examples - 1`` of ``generator`` with ``seed``, as an Arrow-backed ``Dataset``.

    The index range is cut into one shard per process; since an example depends only on
    ``(seed, index)``, the result is the same for any ``num_proc``.

    Args:
        generator: a task generator (see :class:`ExampleGenerator`).
        num_examples: number of examples.
        seed: the data set's seed (non-negative).
        num_proc: processes generating shards in parallel.
        batch_size: examples per ``generator.generate`` call.
        cache_dir: where ``datasets`` writes the Arrow files; its default cache when ``None``.
    """
    features = iq_features(generator.num_samples, generator.class_names)
    gen_kwargs = {"generator": generator, "seed": int(seed)}
    return _build(_generated_examples, gen_kwargs, features, num_examples, False, num_proc, batch_size, cache_dir)


def to_iterable_dataset(
    generator: ExampleGenerator, num_examples: int, seed: int, batch_size: int = 256
) -> IterableDataset:
    """The same examples as :func:`to_dataset`, generated on the fly as they are iterated.

    Args:
        generator: a task generator (see :class:`ExampleGenerator`).
        num_examples: number of examples.
        seed: the data set's seed (non-negative).
        batch_size: examples per ``generator.generate`` call.
    """
    features = iq_features(generator.num_samples, generator.class_names)
    gen_kwargs = {"generator": generator, "seed": int(seed)}
    return _build(_generated_examples, gen_kwargs, features, num_examples, True, 1, batch_size, None)


def reader_to_dataset(
    reader: RecordReader,
    streaming: bool = False,
    num_proc: int = 1,
    batch_size: int = 256,
    cache_dir: str | os.PathLike[str] | None = None,
) -> Dataset | IterableDataset:
    """All records of a file reader as a ``Dataset`` (or an ``IterableDataset`` when ``streaming``).

    Args:
        reader: any :class:`~spectrumfm_hf.data.formats.RecordReader`.
        streaming: read the file while iterating instead of converting it to Arrow first.
        num_proc: processes reading shards in parallel (ignored when streaming).
        batch_size: records read at a time.
        cache_dir: where ``datasets`` writes the Arrow files; its default cache when ``None``.
    """
    features = iq_features(reader.num_samples, reader.class_names)
    return _build(_read_examples, {"reader": reader}, features, len(reader), streaming, num_proc, batch_size, cache_dir)


def load_rml2016(
    path: str | os.PathLike[str], variant: str = "auto", cache_dir: str | os.PathLike[str] | None = None
) -> Dataset:
    """An RML2016.10a/10b pickle as a ``Dataset`` (read with the restricted unpickler).

    Args:
        path: the pickle.
        variant: ``"10a"``, ``"10b"`` or ``"auto"`` (see :class:`~spectrumfm_hf.data.formats.RML2016Reader`).
        cache_dir: where ``datasets`` writes the Arrow files.
    """
    return reader_to_dataset(RML2016Reader(path, variant), cache_dir=cache_dir)


def load_rml2018(
    path: str | os.PathLike[str],
    window: int | None = 128,
    streaming: bool = False,
    num_proc: int = 1,
    cache_dir: str | os.PathLike[str] | None = None,
    class_names: Sequence[str] = RML2018_01A_CLASSES,
) -> Dataset | IterableDataset:
    """RML2018.01A HDF5 as a ``Dataset`` or, with ``streaming``, an ``IterableDataset``.

    Args:
        path: the ``.hdf5`` file.
        window: samples per example; 128 cuts each 1024-sample frame into eight, ``None`` keeps frames whole.
        streaming: read frames while iterating, never converting the file.
        num_proc: processes converting shards in parallel (ignored when streaming).
        cache_dir: where ``datasets`` writes the Arrow files.
        class_names: names of the columns of ``Y``; defaults to the corrected RML2018.01A order.
    """
    return reader_to_dataset(RML2018Reader(path, window, class_names), streaming, num_proc, cache_dir=cache_dir)


def load_sigmf(
    path: str | os.PathLike[str],
    num_samples: int | None = None,
    stride: int | None = None,
    label_key: str = "core:label",
    class_names: Sequence[str] | None = None,
    streaming: bool = False,
    cache_dir: str | os.PathLike[str] | None = None,
) -> Dataset | IterableDataset:
    """The labelled annotations of a SigMF recording as a data set (see :class:`~spectrumfm_hf.data.formats.SigMFReader`).

    Args:
        path: the recording (meta, data, archive, or name without extension).
        num_samples: samples per example; ``None`` takes each annotation whole.
        stride: samples between window starts within an annotation; defaults to ``num_samples``.
        label_key: annotation field holding the class name.
        class_names: label names; from the recording when ``None``.
        streaming: read the recording while iterating.
        cache_dir: where ``datasets`` writes the Arrow files.
    """
    reader = SigMFReader(path, num_samples, stride=stride, label_key=label_key, class_names=class_names)
    return reader_to_dataset(reader, streaming, cache_dir=cache_dir)


def load_raw(
    path: str | os.PathLike[str],
    num_samples: int,
    datatype: str | None = None,
    stride: int | None = None,
    label: str | None = None,
    class_names: Sequence[str] | None = None,
    snr_db: float = float("nan"),
    streaming: bool = False,
    cache_dir: str | os.PathLike[str] | None = None,
) -> Dataset | IterableDataset:
    """Windows of a raw binary or ``.npy`` IQ file as a data set (see :class:`~spectrumfm_hf.data.formats.RawIQReader`).

    Args:
        path: the file.
        num_samples: samples per example.
        datatype: SigMF datatype of a binary file (``"cf32_le"``, ``"ci16_le"``, ``"cu8"``, ...); ``None`` for ``.npy``.
        stride: samples between window starts; defaults to ``num_samples``.
        label: class of the whole file, if known.
        class_names: label names; defaults to ``(label,)``.
        snr_db: SNR of the recording in dB, if known.
        streaming: read the file while iterating.
        cache_dir: where ``datasets`` writes the Arrow files.
    """
    reader = RawIQReader(path, num_samples, datatype, stride=stride, label=label, class_names=class_names, snr_db=snr_db)
    return reader_to_dataset(reader, streaming, cache_dir=cache_dir)


def _check_fraction(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)) or not 0 <= value < 1:
        raise SpectrumDataError(f"{name} must be a fraction in [0, 1), got {value!r}")
    return float(value)


def stratified_split(dataset: Dataset, test_size: float, validation_size: float, seed: int) -> DatasetDict:
    """Split into train / validation / test, stratified by ``(label, snr_db)``.

    Each stratum (examples with one label and one SNR) is shuffled with ``seed`` and cut. A split
    takes the floor or the ceiling of ``fraction * stratum size`` from every stratum, the ceilings
    going to the strata with the largest remainders (ties broken by ``seed``) so that the split
    holds ``round(fraction * len(dataset))`` examples in all: class and SNR proportions match
    within one example per stratum even when strata are small, no example is in two splits, and
    the same seed gives the same split. Examples keep their original order within a split.

    Why not ``Dataset.train_test_split(stratify_by_column=...)``: it stratifies by one
    ``ClassLabel`` column only (``snr_db`` is a float ``Value``; a list of columns raises), and
    even with ``(label, SNR)`` packed into one ``ClassLabel`` it refuses a split smaller than the
    number of strata (220 for RML2016.10a's 11 classes x 20 SNRs, 624 for RML2018.01A's 24 x 26),
    i.e. a 10 % test split of any AMC set under 2,200 examples, where this allocation still puts
    every stratum's exact share, rounded, in each split.

    Args:
        dataset: a data set with ``label`` and ``snr_db`` columns (NaN SNRs form their own stratum).
        test_size: fraction of each stratum for ``test``.
        validation_size: fraction of each stratum for ``validation``; 0 leaves the split out.
        seed: seed of the shuffles.
    """
    test_size = _check_fraction("test_size", test_size)
    validation_size = _check_fraction("validation_size", validation_size)
    if test_size + validation_size >= 1:
        raise SpectrumDataError(
            f"test_size + validation_size must leave examples for training, got {test_size} + {validation_size}"
        )
    missing = {"label", "snr_db"} - set(dataset.column_names)
    if missing:
        raise SpectrumDataError(f"stratified_split needs columns label and snr_db; missing {sorted(missing)}")
    columns = dataset.select_columns(["label", "snr_db"]).with_format("numpy")[:]
    labels = np.asarray(columns["label"], dtype=np.int64)
    # NaN compares unequal to itself; one canonical NaN bit pattern puts all unknown SNRs together.
    snrs_db = np.asarray(columns["snr_db"], dtype=np.float32)
    snr_bits = np.where(np.isnan(snrs_db), np.float32(np.nan), snrs_db).view(np.int32).astype(np.int64)
    keys, stratum, sizes = np.unique(
        np.stack([labels, snr_bits], axis=1), axis=0, return_inverse=True, return_counts=True
    )
    by_stratum = np.argsort(stratum.ravel(), kind="stable")
    rng = np.random.default_rng(seed)
    test_counts = _allocate(sizes, keys[:, 0], test_size, rng)
    validation_counts = np.minimum(_allocate(sizes, keys[:, 0], validation_size, rng), sizes - test_counts)
    parts: dict[str, list[np.ndarray]] = {"train": [], "validation": [], "test": []}
    for members, num_test, num_validation in zip(
        np.split(by_stratum, np.cumsum(sizes)[:-1]), test_counts, validation_counts
    ):
        shuffled = rng.permutation(members)
        parts["test"].append(shuffled[:num_test])
        parts["validation"].append(shuffled[num_test : num_test + num_validation])
        parts["train"].append(shuffled[num_test + num_validation :])
    splits = {name: dataset.select(np.sort(np.concatenate(indices))) for name, indices in parts.items()}
    if validation_size == 0:
        del splits["validation"]
    return DatasetDict(splits)


def _allocate(sizes: np.ndarray, labels: np.ndarray, fraction: float, rng: np.random.Generator) -> np.ndarray:
    """Examples per stratum for a split of ``fraction``: floor or ceiling of each exact share,
    ``round(fraction * total)`` in all, ceilings to the largest remainders. Ties go round-robin
    over the labels (in a seeded random order within each), so every class gets its share of
    ceilings to within one."""
    exact = sizes * fraction
    counts = np.floor(exact).astype(np.int64)
    extra = int(math.floor(sizes.sum() * fraction + 0.5)) - int(counts.sum())
    if extra > 0:
        shuffled = rng.permutation(len(sizes))
        rank_in_label = np.empty(len(sizes), dtype=np.int64)
        for label in np.unique(labels):
            members = shuffled[labels[shuffled] == label]
            rank_in_label[members] = np.arange(len(members))
        order = np.lexsort((np.argsort(shuffled), rank_in_label, -(exact - counts)))
        counts[order[:extra]] += 1
    return counts


def _size_category(num_examples: int) -> str:
    for bound, category in _SIZE_CATEGORIES:
        if num_examples < bound:
            return category
    return "n>1B"


def dataset_card(
    dataset: Dataset | DatasetDict,
    *,
    pretty_name: str,
    summary: str,
    how_made: str,
    license: str,
    license_text: str | None = None,
    generator: ExampleGenerator | None = None,
    seed: int | None = None,
    intended_use: str = (
        "Pre-training and fine-tuning of spectrum foundation models and benchmarking of modulation, "
        "technology and anomaly classifiers on complex baseband IQ."
    ),
    limitations: str = (
        "Synthetic or laboratory signals do not cover every over-the-air condition (hardware "
        "non-linearities, co-channel interference, real propagation); accuracy measured here may not "
        "carry over to field captures."
    ),
    tags: Sequence[str] = (),
    task_categories: Sequence[str] = ("other",),
    template_path: str | os.PathLike[str] = DEFAULT_CARD_TEMPLATE,
) -> DatasetCard:
    """A Hub dataset card: YAML metadata plus how the data was made, its classes, splits and licence.

    Args:
        dataset: the data set, or its splits.
        pretty_name: human-readable title.
        summary: one paragraph on what the data set is.
        how_made: how examples were generated or where the files came from.
        license: Hub licence identifier, e.g. ``"apache-2.0"`` for data we generate, or
            ``"cc-by-nc-sa-4.0"`` for the DeepSig RadioML sets loaded from their files.
        license_text: prose on the licence; defaults to naming ``license``.
        generator: the task generator, whose ``description`` is quoted as the generation parameters.
        seed: the seed the data set was generated with.
        intended_use: what the data is for.
        limitations: what it does not represent.
        tags: extra Hub tags besides the IQ/radio ones.
        task_categories: Hub task categories.
        template_path: the Jinja template.
    """
    splits = dict(dataset.items()) if isinstance(dataset, DatasetDict) else {"train": dataset}
    first = next(iter(splits.values()))
    label_feature = first.features.get("label")
    if not isinstance(label_feature, ClassLabel):
        raise SpectrumDataError(f"dataset_card needs a ClassLabel column 'label', got {label_feature!r}")
    iq_feature = first.features.get("iq")
    num_samples = iq_feature.shape[0] if isinstance(iq_feature, Array2D) else "?"
    num_examples = sum(len(split) for split in splits.values())
    if not Path(template_path).is_file():
        raise SpectrumDataError(f"dataset card template {os.fspath(template_path)!r} does not exist")
    base_tags = ["radio", "wireless", "spectrum", "iq", "signal-processing"]
    if seed is not None or generator is not None:
        base_tags.append("synthetic")
    card_data = DatasetCardData(
        license=license,
        pretty_name=pretty_name,
        task_categories=list(task_categories),
        size_categories=[_size_category(num_examples)],
        tags=list(dict.fromkeys([*base_tags, *tags])),
    )
    columns = [(name, _feature_type(feature)) for name, feature in first.features.items()]
    return DatasetCard.from_template(
        card_data,
        template_path=os.fspath(template_path),
        summary=summary,
        how_made=how_made,
        generator_description=None if generator is None else generator.description,
        seed=seed,
        splits=[(name, len(split)) for name, split in splits.items()],
        split_key=next(iter(splits)) if isinstance(dataset, DatasetDict) else None,
        num_examples=num_examples,
        num_samples=num_samples,
        class_names=list(label_feature.names),
        columns=columns,
        intended_use=intended_use,
        limitations=limitations,
        license_text=license_text or f"Released under the `{license}` licence.",
    )


def _feature_type(feature: Any) -> str:
    if isinstance(feature, Array2D):
        return f"Array2D {feature.shape} {feature.dtype}"
    if isinstance(feature, ClassLabel):
        return f"ClassLabel ({feature.num_classes} classes)"
    if isinstance(feature, Value):
        return f"Value {feature.dtype}"
    return type(feature).__name__


def save_dataset(dataset: Dataset | DatasetDict, folder: str | os.PathLike[str], card: DatasetCard) -> Path:
    """Write ``dataset`` with ``save_to_disk`` and its card as ``README.md`` in ``folder``.

    Args:
        dataset: a data set or its splits.
        folder: output folder (created if needed).
        card: the card, e.g. from :func:`dataset_card`.

    Returns:
        ``folder`` as a ``Path``.
    """
    folder = Path(folder)
    dataset.save_to_disk(os.fspath(folder))
    card.save(folder / "README.md")
    return folder
