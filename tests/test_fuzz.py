"""1,600 random malformed inputs: each raises a documented SpectrumFM error or gives finite outputs.

The case generators are those of ``examples/fuzz_inputs.py``, which runs 10,000 of them.
"""

import importlib.util
import zlib
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from spectrumfm_hf import (
    SpectrumFMConfig,
    SpectrumFMFeatureExtractor,
    SpectrumFMForAnomalyDetection,
    SpectrumFMForPretraining,
    SpectrumFMForSequenceClassification,
    SpectrumFMModel,
)

from .conftest import tiny_config

_SPEC = importlib.util.spec_from_file_location("fuzz_inputs", Path(__file__).parents[1] / "examples" / "fuzz_inputs.py")
fuzz = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(fuzz)


def _outcomes(make_call, cases: int, seed: int) -> Counter:
    rng = np.random.default_rng(seed)
    return Counter(fuzz.outcome_of(make_call(rng)) for _ in range(cases))


def _assert_only_documented(outcomes: Counter, at_least: dict) -> None:
    assert all(fuzz.is_clean(outcome) for outcome in outcomes), outcomes
    for outcome, minimum in at_least.items():
        assert outcomes[outcome] >= minimum, outcomes


def test_feature_extractor_survives_600_malformed_inputs():
    extractor = SpectrumFMFeatureExtractor(window_length=32)

    def make_call(rng):
        iq = fuzz.extractor_input_case(rng)
        return lambda: extractor(iq)

    outcomes = _outcomes(make_call, 600, seed=1234)
    _assert_only_documented(outcomes, {"finite": 100, "SpectrumFMInputError": 100, "SpectrumFMInputTypeError": 50})


def test_feature_extractor_options_survive_200_random_settings():
    def make_call(rng):
        options, capture = fuzz.extractor_options_case(rng), fuzz.plausible_capture(rng)
        return lambda: SpectrumFMFeatureExtractor(**options)(capture)

    outcomes = _outcomes(make_call, 200, seed=99)
    _assert_only_documented(outcomes, {"finite": 10, "SpectrumFMInputError": 50, "SpectrumFMInputTypeError": 50})


def test_config_survives_200_random_settings_from_arguments_and_dicts():
    def make_call(rng):
        settings, through_dict = fuzz.config_case(rng)
        if through_dict:
            return lambda: SpectrumFMConfig.from_dict(dict(settings))
        return lambda: SpectrumFMConfig(**settings)

    outcomes = _outcomes(make_call, 200, seed=7)
    _assert_only_documented(outcomes, {"finite": 20, "SpectrumFMConfigError": 50})


@pytest.mark.parametrize(
    "cls", [SpectrumFMModel, SpectrumFMForPretraining, SpectrumFMForSequenceClassification, SpectrumFMForAnomalyDetection]
)
def test_each_model_survives_150_malformed_inputs(cls):
    model = cls(tiny_config()).eval()

    def make_call(rng):
        kwargs = fuzz.model_kwargs_case(rng, model, exotic_tensors=False)
        return lambda: model(**kwargs).to_tuple()

    with fuzz.torch.no_grad():
        outcomes = _outcomes(make_call, 150, seed=zlib.crc32(cls.__name__.encode()))
    _assert_only_documented(outcomes, {"finite": 20, "SpectrumFMInputError": 20})
