"""The contract every synthetic generator keeps, checked on each one by name."""

import multiprocessing
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pytest

from spectrumfm_hf.data.base import GENERATION_PARAMETERS, SpectrumDataError
from spectrumfm_hf.data.registry import GENERATOR_NAMES, make_generator

NUM_SAMPLES = 64

_GENERATORS = {}


def _generator(name):
    """One generator per name for the whole module: building the pre-training mixture is not free."""
    if name not in _GENERATORS:
        _GENERATORS[name] = make_generator(name, NUM_SAMPLES)
    return _GENERATORS[name]


@pytest.fixture(params=GENERATOR_NAMES)
def generator(request):
    return _generator(request.param)


def _assert_same_batches(left, right):
    assert left.keys() == right.keys()
    for key in left:
        np.testing.assert_array_equal(left[key], right[key], err_msg=key)


def test_record_has_iq_label_every_generation_parameter_and_its_origin(generator):
    record = generator(3, 17)
    assert set(record) == {"iq", "label"} | set(GENERATION_PARAMETERS)
    assert record["iq"].dtype == np.float32 and record["iq"].shape == (NUM_SAMPLES, 2)
    assert isinstance(record["label"], int)
    assert record["source"] == "synthetic/" + generator.name
    assert (record["seed"], record["index"]) == (3, 17)
    assert all(not isinstance(value, np.generic) for value in record.values())


def test_generate_stacks_one_array_per_column_in_the_schema_dtypes(generator):
    batch = generator.generate(0, range(5))
    assert batch["iq"].shape == (5, NUM_SAMPLES, 2) and batch["iq"].dtype == np.float32
    assert batch["label"].dtype == np.int64
    for key, (kind, _) in GENERATION_PARAMETERS.items():
        assert batch[key].shape == (5,)
        assert batch[key].dtype.kind == {"string": "U", "int64": "i", "float32": "f"}[kind], key


def test_generate_equals_split_batches_and_single_calls(generator):
    whole = generator.generate(5, range(12))
    halves = [generator.generate(5, range(0, 7)), generator.generate(5, range(7, 12))]
    _assert_same_batches(whole, {key: np.concatenate([half[key] for half in halves]) for key in whole})
    single = generator(5, 9)
    for key in whole:
        np.testing.assert_array_equal(whole[key][9], np.asarray(single[key], dtype=whole[key].dtype), err_msg=key)


def _generate_in_worker(arguments):
    name, seed, indices = arguments
    return _generator(name).generate(seed, indices)


def test_generate_is_the_same_across_worker_processes(generator):
    whole = generator.generate(9, range(8))
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=2, mp_context=context) as pool:
        name = next(name for name, made in _GENERATORS.items() if made is generator)
        parts = list(pool.map(_generate_in_worker, [(name, 9, range(0, 5)), (name, 9, range(5, 8))]))
    _assert_same_batches(whole, {key: np.concatenate([part[key] for part in parts]) for key in whole})


def test_different_seeds_give_different_data(generator):
    assert not np.array_equal(generator.generate(1, range(6))["iq"], generator.generate(2, range(6))["iq"])


def test_empty_indices_give_an_empty_batch_in_the_schema(generator):
    batch = generator.generate(0, [])
    assert batch["iq"].shape == (0, NUM_SAMPLES, 2)
    assert set(batch) == {"iq", "label"} | set(GENERATION_PARAMETERS)


def test_negative_seed_or_index_raises_naming_the_argument(generator):
    with pytest.raises(SpectrumDataError, match="seed"):
        generator.generate(-1, [0])
    with pytest.raises(SpectrumDataError, match="indices"):
        generator.generate(0, [-1])
    with pytest.raises(SpectrumDataError, match="index"):
        generator(0, 1.5)


def test_description_states_the_capture_length_in_one_paragraph(generator):
    description = generator.description
    assert f"{NUM_SAMPLES} complex baseband samples" in description
    assert "\n" not in description and "{{" not in description


def test_examples_do_not_depend_on_the_order_they_are_asked_for(generator):
    ascending = generator.generate(4, [3, 5, 7])
    shuffled = generator.generate(4, [7, 3, 5])
    _assert_same_batches(ascending, {key: values[[1, 2, 0]] for key, values in shuffled.items()})
