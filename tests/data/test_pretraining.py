"""Specification of the pre-training corpus: an unlabeled, weighted mixture of every source."""

import numpy as np
import pytest

from spectrumfm_hf.data.base import GENERATION_PARAMETERS, SpectrumDataError
from spectrumfm_hf.data.pretraining import PRETRAINING_MIXTURE, PretrainingCorpusGenerator
from spectrumfm_hf.data.tasks.noise import NoiseGenerator


@pytest.fixture(scope="module")
def corpus():
    return PretrainingCorpusGenerator(num_samples=64)


def test_default_mixture_holds_both_modulation_sets_technologies_noise_and_the_primary_user(corpus):
    assert corpus.class_names == ["amc-rml2016.10a", "amc-rml2018.01a", "wtc", "noise", "anomaly-normal"]
    assert sum(corpus.mixture.values()) == pytest.approx(1.0)
    assert corpus.mixture == pytest.approx(PRETRAINING_MIXTURE)


def test_examples_are_unlabeled_and_name_their_component(corpus):
    batch = corpus.generate(0, range(60))
    assert np.all(batch["label"] == -1)
    assert set(batch["task"]) <= set(corpus.class_names)
    assert set(batch["source"]) == {"synthetic/pretraining"}
    assert list(batch["index"]) == list(range(60))
    assert set(GENERATION_PARAMETERS) <= set(batch)


def test_components_appear_in_their_mixture_proportions():
    cheap = {name: NoiseGenerator(num_samples=8) for name in ("a", "b", "c")}
    mixture = {"a": 0.6, "b": 0.3, "c": 0.1}
    corpus = PretrainingCorpusGenerator(num_samples=8, mixture=mixture, components=cheap)
    tasks = np.asarray(corpus.components_of(0, range(3000)))
    shares = [np.mean(tasks == name) for name in "abc"]
    assert shares == pytest.approx([0.6, 0.3, 0.1], abs=0.03)


def test_component_examples_are_the_components_own_examples(corpus):
    batch = corpus.generate(2, range(30))
    row = int(np.flatnonzero(batch["task"] == "wtc")[0])
    component = corpus.components["wtc"]
    expected = component(corpus.component_seed(2, "wtc"), int(batch["index"][row]))
    np.testing.assert_array_equal(batch["iq"][row], expected["iq"])
    assert batch["transmitter"][row] == expected["transmitter"]


def test_noise_component_is_unit_power_white_noise():
    iq = NoiseGenerator(num_samples=20_000)(0, 0)["iq"].astype(np.float64)
    assert np.mean(np.sum(iq**2, axis=-1)) == pytest.approx(1.0, rel=0.03)
    assert abs(np.mean(iq[:, 0] * iq[:, 1])) < 0.02


def test_mixture_without_a_generator_is_rejected_naming_the_argument():
    with pytest.raises(SpectrumDataError, match="components"):
        PretrainingCorpusGenerator(num_samples=8, mixture={"x": 1.0}, components={"a": NoiseGenerator(8)})


def test_primary_user_component_sees_the_amc_chains_random_links_not_the_laboratory_link():
    from spectrumfm_hf.data.pretraining import default_components
    from spectrumfm_hf.data.tasks.base import RML2018_SNR_GRID_DB

    primary = default_components(128)["anomaly-normal"]
    assert primary.snr_db_grid == RML2018_SNR_GRID_DB
    assert "PowerAmplifier" in [type(stage).__name__ for stage in primary.channel.transforms]
