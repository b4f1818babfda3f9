"""The Hugging Face Datasets layer: features, generated and loaded data sets, splits, cards, round trips."""

from __future__ import annotations

import numpy as np
import pytest
from datasets import Array2D, ClassLabel, Dataset, DatasetDict, IterableDataset, Value, load_from_disk
from huggingface_hub import DatasetCard

from spectrumfm_hf.data.base import GENERATION_PARAMETERS, SpectrumDataError, example_rng, fill_parameters, iq_to_real
from spectrumfm_hf.data.formats import RML2016_10A_CLASSES, RML2018Reader, write_sigmf
from spectrumfm_hf.data.hf import (
    dataset_card,
    iq_features,
    load_raw,
    load_rml2016,
    load_rml2018,
    load_sigmf,
    save_dataset,
    stratified_split,
    to_dataset,
    to_iterable_dataset,
)

from .test_formats import python2_rml_pickle, rml2016_contents, write_rml2018


class ToneGenerator:
    """Seeded complex tones in noise: the smallest generator that follows the task-generator interface."""

    name = "tones"
    description = "One complex tone per class (frequencies 0.05, 0.2 cycles/sample) or noise only, SNR -10..10 dB."
    class_names = ("low-tone", "high-tone", "noise")
    num_samples = 32

    def __call__(self, seed: int, index: int) -> dict:
        rng = example_rng(seed, index)
        label = int(rng.integers(len(self.class_names)))
        snr_db = float(rng.choice([-10.0, 0.0, 10.0]))
        noise = (rng.standard_normal(self.num_samples) + 1j * rng.standard_normal(self.num_samples)) / np.sqrt(2)
        tone = np.exp(2j * np.pi * (0.05, 0.2, 0.0)[label] * np.arange(self.num_samples)) * (label != 2)
        iq = tone * 10 ** (snr_db / 20) + noise
        params = {"snr_db": snr_db, "source": "synthetic/tones", "seed": seed, "index": index,
                  "transmitter": self.class_names[label], "cfo": (0.05, 0.2, float("nan"))[label]}
        return {"iq": iq_to_real(iq), "label": label, **fill_parameters(params)}

    def generate(self, seed: int, indices: np.ndarray) -> dict:
        records = [self(seed, int(index)) for index in indices]
        return {name: np.stack([record[name] for record in records]) for name in records[0]}


def assert_same_examples(left, right):
    assert len(left) == len(right)
    for a, b in zip(left, right):
        assert a.keys() == b.keys()
        assert np.array_equal(np.asarray(a["iq"], np.float32), np.asarray(b["iq"], np.float32))
        for name in a.keys() - {"iq"}:
            assert a[name] == b[name] or (a[name] != a[name] and b[name] != b[name]), name


def assert_identical(left: Dataset, right: Dataset):
    """Same features and bit-identical columns (NaNs included)."""
    assert left.features == right.features and len(left) == len(right)
    left_columns, right_columns = left.with_format("numpy")[:], right.with_format("numpy")[:]
    for name, values in left_columns.items():
        other = right_columns[name]
        if values.dtype.kind == "f":
            assert np.array_equal(values.view(f"u{values.itemsize}"), other.view(f"u{other.itemsize}")), name
        else:
            assert np.array_equal(values, other), name


@pytest.fixture(scope="module")
def tones(tmp_path_factory):
    return to_dataset(ToneGenerator(), 60, seed=3, batch_size=16, cache_dir=tmp_path_factory.mktemp("cache"))


def test_iq_features_declare_schema():
    features = iq_features(128, ["BPSK", "QPSK"])
    assert features["iq"] == Array2D(shape=(128, 2), dtype="float32")
    assert features["label"].names == ["BPSK", "QPSK"]
    for name, (dtype, _) in GENERATION_PARAMETERS.items():
        assert features[name] == Value(dtype)
    assert list(features) == ["iq", "label", *GENERATION_PARAMETERS]


def test_iq_features_reject_duplicate_classes():
    with pytest.raises(SpectrumDataError, match="class_names"):
        iq_features(128, ["BPSK", "BPSK"])


def test_to_dataset_holds_the_generator_examples(tones):
    generator = ToneGenerator()
    assert tones.features == iq_features(32, generator.class_names)
    assert len(tones) == 60
    expected = [generator(3, index) for index in range(60)]
    assert_same_examples(list(tones.with_format("numpy")), [{k: v for k, v in e.items()} for e in expected])


def test_to_dataset_is_the_same_with_two_processes(tones, tmp_path):
    parallel = to_dataset(ToneGenerator(), 60, seed=3, num_proc=2, batch_size=16, cache_dir=tmp_path)
    assert_identical(parallel, tones)


def test_to_iterable_dataset_streams_the_same_examples(tones):
    stream = to_iterable_dataset(ToneGenerator(), 60, seed=3, batch_size=16)
    assert isinstance(stream, IterableDataset) and stream.num_shards == 4
    assert_same_examples(list(stream.with_format("numpy")), list(tones.with_format("numpy")))


class CountingToneGenerator(ToneGenerator):
    """Tone generator that records which indices it was asked for."""

    def __init__(self):
        self.requested: list[int] = []

    def generate(self, seed, indices):
        self.requested.extend(int(index) for index in indices)
        return super().generate(seed, indices)


def test_to_iterable_dataset_generates_only_what_is_read():
    generator = CountingToneGenerator()
    stream = to_iterable_dataset(generator, 10_000, seed=3, batch_size=8)
    assert generator.requested == []
    first = next(iter(stream))
    assert generator.requested == list(range(8))
    assert first["index"] == 0


def test_load_rml2016_gives_dataset_with_rml_classes(tmp_path):
    path = tmp_path / "RML2016.10a_dict.pkl"
    contents = rml2016_contents()
    path.write_bytes(python2_rml_pickle(contents))
    dataset = load_rml2016(path, cache_dir=tmp_path / "cache").with_format("numpy")
    assert dataset.features["label"].names == list(RML2016_10A_CLASSES)
    assert len(dataset) == 18
    example = dataset[3]
    assert example["transmitter"] == "AM-SSB" and example["snr_db"] == 2.0
    assert np.array_equal(example["iq"], contents[("AM-SSB", 2)][0].T)


def test_load_rml2018_streams_windows_lazily(tmp_path):
    path = tmp_path / "rml2018.hdf5"
    write_rml2018(path)
    stream = load_rml2018(path, streaming=True)
    assert isinstance(stream, IterableDataset)
    assert_same_examples(list(stream.with_format("numpy")), list(RML2018Reader(path).iter_records()))


def test_load_rml2018_whole_frames_as_dataset(tmp_path):
    path = tmp_path / "rml2018.hdf5"
    iq, _, _ = write_rml2018(path)
    dataset = load_rml2018(path, window=None, cache_dir=tmp_path / "cache").with_format("numpy")
    assert dataset.features["iq"].shape == (1024, 2) and len(dataset) == 3
    assert np.array_equal(dataset[1]["iq"], iq[1])


def test_load_sigmf_reads_generated_recording(tones, tmp_path):
    meta = write_sigmf(tmp_path / "tones", tones.with_format("numpy"), tones.features["label"].names)
    loaded = load_sigmf(meta, cache_dir=tmp_path / "cache")
    assert loaded.features == tones.features
    assert np.array_equal(loaded.with_format("numpy")["iq"], tones.with_format("numpy")["iq"])
    assert list(loaded["label"]) == list(tones["label"]) and list(loaded["index"]) == list(tones["index"])


def test_load_raw_windows_npy(tmp_path):
    path = tmp_path / "capture.npy"
    np.save(path, np.arange(100, dtype=np.complex64))
    dataset = load_raw(path, 32, label="noise", cache_dir=tmp_path / "cache")
    assert len(dataset) == 3 and dataset.features["label"].names == ["noise"]
    assert list(dataset["sample_offset"]) == [0, 32, 64]


def test_stratified_split_is_deterministic_and_disjoint(tones):
    first = stratified_split(tones, test_size=0.2, validation_size=0.2, seed=11)
    again = stratified_split(tones, test_size=0.2, validation_size=0.2, seed=11)
    other = stratified_split(tones, test_size=0.2, validation_size=0.2, seed=12)
    assert isinstance(first, DatasetDict) and list(first) == ["train", "validation", "test"]
    indices = {name: list(split["index"]) for name, split in first.items()}
    assert indices == {name: list(split["index"]) for name, split in again.items()}
    assert indices != {name: list(split["index"]) for name, split in other.items()}
    everything = sorted(indices["train"] + indices["validation"] + indices["test"])
    assert everything == list(range(60))


def test_stratified_split_preserves_class_and_snr_proportions(tones):
    splits = stratified_split(tones, test_size=0.25, validation_size=0.15, seed=0)
    strata = list(zip(tones["label"], tones["snr_db"]))
    for name, fraction in (("test", 0.25), ("validation", 0.15)):
        counts = list(zip(splits[name]["label"], splits[name]["snr_db"]))
        for stratum in set(strata):
            assert abs(counts.count(stratum) - fraction * strata.count(stratum)) <= 1


def test_stratified_split_of_small_strata_still_fills_every_split():
    # 220 strata of two examples: per-stratum rounding alone would leave test and validation empty.
    labels = np.repeat(np.arange(11), 40)
    snrs = np.tile(np.repeat(np.arange(-20, 20, 2, dtype=np.float32), 2), 11)
    data = Dataset.from_dict({"label": labels, "snr_db": snrs})
    splits = stratified_split(data, test_size=0.2, validation_size=0.1, seed=0)
    assert (len(splits["train"]), len(splits["validation"]), len(splits["test"])) == (308, 44, 88)
    for name in ("validation", "test"):
        counts = np.bincount(np.asarray(splits[name]["label"]), minlength=11)
        assert counts.max() - counts.min() <= 2


def test_stratified_split_without_validation(tones):
    assert list(stratified_split(tones, test_size=0.3, validation_size=0, seed=0)) == ["train", "test"]


def test_stratified_split_rejects_fractions_summing_to_one(tones):
    with pytest.raises(SpectrumDataError, match="test_size \\+ validation_size"):
        stratified_split(tones, test_size=0.5, validation_size=0.5, seed=0)


def test_dataset_card_describes_generation(tones):
    generator = ToneGenerator()
    card = dataset_card(
        stratified_split(tones, 0.2, 0.1, seed=0),
        pretty_name="Tones",
        summary="Complex tones in noise.",
        how_made="Generated with the tone generator.",
        license="apache-2.0",
        generator=generator,
        seed=3,
    )
    assert card.data.license == "apache-2.0"
    assert card.data.size_categories == ["n<1K"]
    assert "synthetic" in card.data.tags and card.data.task_categories == ["other"]
    for text in (generator.description, "seed `3`", "| total | 60 |", "1. `high-tone`", "Value float32"):
        assert text in card.text


def test_save_dataset_writes_data_and_card(tones, tmp_path):
    card = dataset_card(tones, pretty_name="Tones", summary="s", how_made="h", license="apache-2.0")
    folder = save_dataset(tones, tmp_path / "tones", card)
    assert DatasetCard.load(folder / "README.md").data.pretty_name == "Tones"
    assert_identical(load_from_disk(folder), tones)


def test_save_dataset_writes_splits_and_card(tones, tmp_path):
    splits = stratified_split(tones, test_size=0.2, validation_size=0.2, seed=0)
    card = dataset_card(splits, pretty_name="Tones", summary="s", how_made="h", license="apache-2.0")
    folder = save_dataset(splits, tmp_path / "splits", card)
    reloaded = load_from_disk(folder)
    assert list(reloaded) == ["train", "validation", "test"]
    for name, split in splits.items():
        assert_identical(reloaded[name], split)
    assert '["train"]' in (folder / "README.md").read_text()


def test_parquet_round_trip_keeps_features_and_bits(tones, tmp_path):
    tones.to_parquet(tmp_path / "tones.parquet")
    reloaded = Dataset.from_parquet(str(tmp_path / "tones.parquet"), cache_dir=str(tmp_path / "cache"))
    assert isinstance(reloaded.features["label"], ClassLabel)
    assert reloaded.features["label"].names == list(ToneGenerator.class_names)
    assert_identical(reloaded, tones)
