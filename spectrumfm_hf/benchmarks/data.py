"""The benchmark's data: generated sets shaped like the paper's, or the user's real files, split once per seed.

Every split holds rows of one model window (``iq`` of ``WINDOW_LENGTH`` samples, I then Q):
longer captures (the 1024-sample technology captures) are cut into windows *after* the
split, so the windows of one capture never straddle train and test, and each window keeps its
capture's label and SNR. Splits are stored under ``<output>/data/<task>/<data set>/seed-<S>``
the first time a (data set, seed) is needed and read from there afterwards.

What distinguishes the three AMC sets in our generator (:data:`AMC_DATA_SET_SHAPES`):

* ``rml2016.10a``: RML2016.10A's 11 classes through the ``rml2016.10a-recipe`` preset (the
  public GNU Radio script's transmitters and dynamic channel); 1,000 examples per
  (class, SNR) in the paper.
* ``rml2016.10b``: the same recipe and SNR grid, 10 classes (AM-SSB removed, as in RML2016.10B)
  and six times as many examples per (class, SNR): 6,000 in the paper.
* ``rml2016.04c``: the earlier release of the same 11 classes. Its generation script is not
  public and our generator cannot reproduce its particular flaws (uneven class counts,
  different normalisation); we model it as *a broader mix of recipes of the same classes*:
  the package's ``broad`` default (half of its examples from the RML2016.10A recipe, a third
  from TorchSig's conventions, the rest from wider transmitter ranges through the full
  receiver chain: power amplifier, fading, IQ imbalance, DC offset, quantiser), with about
  737 examples per (class, SNR) in the paper (162,060 over 220 pairs).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np
from datasets import Array2D, ClassLabel, Dataset, DatasetDict, load_from_disk

from .profiles import BenchmarkProfile

WINDOW_LENGTH = 128
"""Samples per model window N (every model of the benchmark reads windows of this length)."""

KEPT_COLUMNS = ("iq", "label", "snr_db", "interference", "isr_db")
"""Columns the experiments read; the generation parameters are dropped from the stored splits."""


class BenchmarkDataError(ValueError):
    """A data set name, file or layout the benchmark cannot use."""


@dataclass(frozen=True)
class AMCDataSetShape:
    """How our generator stands in for one of the paper's AMC data sets.

    Attributes:
        class_set: the generator's class set.
        preset: the generator's preset (transmitters and channel).
        dropped_classes: classes removed after generation (labels renumbered in order).
        paper_examples_per_class_snr: examples per (class, SNR) pair in the published set.
        description: one line for the tables and the README.
    """

    class_set: str
    preset: str
    dropped_classes: tuple[str, ...]
    paper_examples_per_class_snr: int
    description: str


AMC_DATA_SET_SHAPES: dict[str, AMCDataSetShape] = {
    "rml2016.10a": AMCDataSetShape(
        "rml2016.10a",
        "rml2016.10a-recipe",
        (),
        1000,
        "11 classes, the public RML2016.10A GNU Radio recipe (transmitters and dynamic channel)",
    ),
    "rml2016.10b": AMCDataSetShape(
        "rml2016.10a",
        "rml2016.10a-recipe",
        ("AM-SSB",),
        6000,
        "10 classes (no AM-SSB), the same recipe, six times the examples per (class, SNR)",
    ),
    "rml2016.04c": AMCDataSetShape(
        "rml2016.10a",
        "broad",
        (),
        737,
        "11 classes, the package's broad default: half the RML2016.10A recipe, a third TorchSig's conventions, the rest wider transmitters through the full receiver chain",
    ),
}
"""The generated stand-ins for the paper's AMC sets (:data:`~.profiles.AMC_DATA_SETS`), by name."""


@dataclass
class TaskSplits:
    """A data set's train / validation / test splits, one window per row.

    Attributes:
        train, validation, test: the splits (numpy format).
        class_names: label names in index order.
        source: ``"generated"`` or the real file's path.
    """

    train: Dataset
    validation: Dataset
    test: Dataset
    class_names: list[str]
    source: str


def data_seeds(seed: int) -> tuple[int, int]:
    """(training-and-validation seed, separate test-set seed) of a cell seed.

    Anomaly detection draws its test set from a second generator; ``example_rng(seed, index)``
    would give its normal examples the very draws of the training set's under the same seed,
    so the two seeds differ for every cell seed.
    """
    return 2 * seed, 2 * seed + 1


def _keep_columns(dataset: Dataset) -> Dataset:
    return dataset.select_columns([name for name in KEPT_COLUMNS if name in dataset.column_names])


def window_captures(dataset: Dataset, window_length: int = WINDOW_LENGTH) -> Dataset:
    """One row per ``window_length``-sample window of each capture, other columns repeated.

    Args:
        dataset: rows with an ``iq`` column of ``(num_samples, 2)``; ``num_samples`` a multiple of ``window_length``.
        window_length: samples per window.
    """
    num_samples = dataset.features["iq"].shape[0]
    if num_samples == window_length:
        return dataset
    if num_samples % window_length:
        raise BenchmarkDataError(
            f"captures of {num_samples} samples do not cut into windows of {window_length}; "
            f"expected a multiple of {window_length}"
        )
    per_capture = num_samples // window_length
    features = dataset.features.copy()
    features["iq"] = Array2D((window_length, 2), "float32")

    def cut(batch: dict[str, Any]) -> dict[str, Any]:
        iq = np.asarray(batch["iq"], dtype=np.float32)
        rows = {
            name: np.repeat(np.asarray(values), per_capture) for name, values in batch.items() if name != "iq"
        }
        rows["iq"] = iq.reshape(-1, window_length, 2)
        return rows

    return dataset.map(cut, batched=True, features=features)


def _drop_classes(dataset: Dataset, dropped: tuple[str, ...]) -> Dataset:
    if not dropped:
        return dataset
    names = dataset.features["label"].names
    dropped_ids = [names.index(name) for name in dropped]
    kept = [name for name in names if name not in dropped]
    dataset = dataset.filter(
        lambda labels: ~np.isin(labels, dropped_ids), input_columns="label", batched=True
    )
    new_id = np.full(len(names), -1)
    new_id[[names.index(name) for name in kept]] = np.arange(len(kept))
    features = dataset.features.copy()
    features["label"] = ClassLabel(names=kept)
    return dataset.map(
        lambda batch: {"label": new_id[np.asarray(batch["label"])]}, batched=True, features=features
    )


def _split(dataset: Dataset, seed: int) -> DatasetDict:
    from spectrumfm_hf.data import stratified_split

    # The paper's 70 / 10 / 20 split, per (class, SNR) stratum.
    return stratified_split(dataset, test_size=0.2, validation_size=0.1, seed=seed)


def generate_splits(
    task: str, data_set: str, profile: BenchmarkProfile, seed: int, cache_dir: Path
) -> DatasetDict:
    """Generate and split the data set ``data_set`` of ``task`` at the profile's size, seeded with ``seed``."""
    from spectrumfm_hf.data import (
        AMCGenerator,
        AnomalyDetectionGenerator,
        SpectrumSensingGenerator,
        WTCGenerator,
        to_dataset,
    )

    data_seed, test_seed = data_seeds(seed)
    if task == "amc":
        if data_set not in AMC_DATA_SET_SHAPES:
            raise BenchmarkDataError(
                f"data_set must be one of {list(AMC_DATA_SET_SHAPES)} for amc, got {data_set!r}"
            )
        shape = AMC_DATA_SET_SHAPES[data_set]
        generator = AMCGenerator(
            shape.class_set,
            num_samples=WINDOW_LENGTH,
            snr_db_grid=profile.amc_snr_grid_db,
            preset=shape.preset,
        )
        # Every consecutive block of classes x SNRs indices holds each pair once.
        size = (
            profile.amc_examples_per_class_snr[data_set]
            * generator.num_classes
            * len(profile.amc_snr_grid_db)
        )
        dataset = _drop_classes(
            _keep_columns(to_dataset(generator, size, seed=data_seed, cache_dir=cache_dir)),
            shape.dropped_classes,
        )
        return _split(dataset, data_seed)
    if task == "wtc":
        generator = WTCGenerator(num_samples=8 * WINDOW_LENGTH, snr_db_grid=profile.wtc_snr_grid_db)
        size = profile.wtc_examples_per_class_snr * len(generator.class_names) * len(profile.wtc_snr_grid_db)
        splits = _split(
            _keep_columns(to_dataset(generator, size, seed=data_seed, cache_dir=cache_dir)), data_seed
        )
        return DatasetDict({name: window_captures(split) for name, split in splits.items()})
    if task == "ss":
        generator = SpectrumSensingGenerator(
            num_samples=WINDOW_LENGTH,
            snr_db_grid=profile.ss_snr_grid_db,
            noise_uncertainty_db=profile.ss_noise_uncertainty_db,
        )
        return _split(
            _keep_columns(to_dataset(generator, profile.ss_examples, seed=data_seed, cache_dir=cache_dir)),
            data_seed,
        )
    if task == "ad":
        options = dict(
            num_samples=WINDOW_LENGTH, isr_db_grid=profile.ad_isr_db_grid, snr_db_grid=(profile.ad_snr_db,)
        )
        normal = _keep_columns(
            to_dataset(
                AnomalyDetectionGenerator(mode="normal", **options),
                profile.ad_normal_examples,
                seed=data_seed,
                cache_dir=cache_dir,
            )
        )
        # Trained on normal captures only; a fifth of them held out (validation, threshold calibration).
        held_out = normal.train_test_split(test_size=0.2, seed=data_seed)
        test = _keep_columns(
            to_dataset(
                AnomalyDetectionGenerator(mode="test", **options),
                profile.ad_test_examples,
                seed=test_seed,
                cache_dir=cache_dir,
            )
        )
        return DatasetDict({"train": held_out["train"], "validation": held_out["test"], "test": test})
    raise BenchmarkDataError(f"task must be one of 'amc', 'wtc', 'ss', 'ad' for generated data, got {task!r}")


# (task, data set name or None for the file's stem, test on the lower-cased file name).
_REAL_FILE_RULES: tuple[tuple[str, str | None, Callable[[str], bool]], ...] = (
    ("amc", "rml2016.10a", lambda name: "10a" in name and name.endswith((".pkl", ".dat"))),
    ("amc", "rml2016.10b", lambda name: "10b" in name and name.endswith((".pkl", ".dat"))),
    ("amc", "rml2016.04c", lambda name: "04c" in name and name.endswith((".pkl", ".dat"))),
    ("amc", "rml2018.01a", lambda name: name.endswith((".hdf5", ".h5"))),
    ("wtc", None, lambda name: name.endswith(".sigmf-meta")),
)


@dataclass(frozen=True)
class RealDataSet:
    """A real file the benchmark found: the task it serves, its data set name and its path."""

    task: str
    data_set: str
    path: Path


def discover_real_data(data_dir: str | os.PathLike[str]) -> list[RealDataSet]:
    """The real data files in ``data_dir`` (not its sub-folders), each matched to a task by its name.

    RML2016 pickles (``*10a*``, ``*10b*``, ``*04c*`` with ``.pkl`` or ``.dat``) serve AMC under the
    generated set's name, which they replace; RML2018.01A HDF5 (``*.hdf5``, ``*.h5``) serves AMC as
    ``rml2018.01a``; SigMF recordings (``*.sigmf-meta``) serve technology classification as
    ``sigmf-<name>``, one class per annotation label.
    """
    folder = Path(data_dir)
    if not folder.is_dir():
        raise BenchmarkDataError(f"data_dir must be an existing folder, got {os.fspath(data_dir)!r}")
    found = []
    for path in sorted(folder.iterdir()):
        name = path.name.lower()
        for task, data_set, matches in _REAL_FILE_RULES:
            if path.is_file() and matches(name):
                stem = path.name[: -len(".sigmf-meta")] if name.endswith(".sigmf-meta") else path.stem
                found.append(RealDataSet(task, data_set or f"sigmf-{stem}", path))
                break
    if not found:
        raise BenchmarkDataError(
            f"data_dir {os.fspath(data_dir)!r} holds no RML2016 pickle (*10a*/*10b*/*04c*.pkl|.dat), "
            "RML2018 HDF5 (*.hdf5|*.h5) or SigMF recording (*.sigmf-meta)"
        )
    return found


def load_real_splits(real: RealDataSet, seed: int, cache_dir: Path) -> DatasetDict:
    """Read a real file in its own layout, cut it into windows and split it 70 / 10 / 20 by class and SNR."""
    from spectrumfm_hf.data import load_rml2016, load_rml2018, load_sigmf

    suffix = real.path.name.lower()
    if suffix.endswith(".sigmf-meta"):
        dataset = load_sigmf(real.path, num_samples=WINDOW_LENGTH, cache_dir=cache_dir)
    elif suffix.endswith((".hdf5", ".h5")):
        dataset = load_rml2018(real.path, window=WINDOW_LENGTH, cache_dir=cache_dir)
    else:
        # 04C holds the 11 classes of 10A.
        dataset = load_rml2016(
            real.path, variant="10b" if real.data_set == "rml2016.10b" else "10a", cache_dir=cache_dir
        )
    dataset = _keep_columns(dataset)
    return DatasetDict(
        {name: window_captures(split) for name, split in _split(dataset, data_seeds(seed)[0]).items()}
    )


def cached_splits(folder: Path, build: Callable[[], DatasetDict]) -> DatasetDict:
    """The splits stored in ``folder``, built with ``build`` and stored there (atomically) the first time."""
    if not (folder / "dataset_dict.json").is_file():
        folder.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
        try:
            build().save_to_disk(staging)
            if folder.exists():  # a folder left without its index by an older interrupted run
                shutil.rmtree(folder)
            os.replace(staging, folder)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return load_from_disk(os.fspath(folder))


def task_splits(
    task: str,
    data_set: str,
    profile: BenchmarkProfile,
    seed: int,
    output_dir: Path,
    real: RealDataSet | None = None,
) -> TaskSplits:
    """The splits of ``data_set`` for cell seed ``seed``: from ``real`` when given, else generated.

    Args:
        task: ``"amc"``, ``"wtc"``, ``"ss"`` or ``"ad"``.
        data_set: the data set's name.
        profile: sizes of the generated sets.
        seed: the cell's seed.
        output_dir: the benchmark's output folder (the splits are stored under its ``data``).
        real: a real file replacing the generated set.
    """
    cache_dir = output_dir / "data" / "arrow-cache"
    folder = output_dir / "data" / task / data_set / f"seed-{seed}"
    if real is not None:
        splits = cached_splits(folder, lambda: load_real_splits(real, seed, cache_dir))
    else:
        splits = cached_splits(folder, lambda: generate_splits(task, data_set, profile, seed, cache_dir))
    return TaskSplits(
        train=splits["train"].with_format("numpy"),
        validation=splits["validation"].with_format("numpy"),
        test=splits["test"].with_format("numpy"),
        class_names=list(splits["train"].features["label"].names),
        source="generated" if real is None else os.fspath(real.path),
    )
