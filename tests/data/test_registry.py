"""Specification of the registry of generator names."""

import ast
from pathlib import Path

import pytest

from spectrumfm_hf.data.base import SpectrumDataError
from spectrumfm_hf.data.registry import GENERATOR_NAMES, make_generator

REGISTRY_SOURCE = Path(__file__).resolve().parents[2] / "spectrumfm_hf" / "data" / "registry.py"


def test_names_are_a_plain_tuple_of_the_six_data_sets():
    assert GENERATOR_NAMES == (
        "amc-rml2016.10a",
        "amc-rml2018.01a",
        "wtc",
        "spectrum-sensing",
        "anomaly-detection",
        "pretraining",
    )


@pytest.mark.parametrize("name", GENERATOR_NAMES)
def test_each_name_builds_the_generator_of_that_name(name):
    generator = make_generator(name, 32)
    assert generator.name == name and generator.num_samples == 32


def test_options_reach_the_generator():
    assert make_generator("wtc", 32, snr_db_grid=(5.0,)).snr_db_grid == (5.0,)


def test_unknown_name_is_rejected_listing_the_names():
    with pytest.raises(SpectrumDataError, match="amc-rml2016.10a"):
        make_generator("amc-rml2016.10b", 32)


def _module_level_imports(path: Path) -> set:
    tree = ast.parse(path.read_text())
    return {
        alias.name if isinstance(node, ast.Import) else node.module
        for node in tree.body
        if isinstance(node, (ast.Import, ast.ImportFrom))
        for alias in node.names
    }


def test_registry_module_imports_nothing_but_typing_at_module_level():
    assert _module_level_imports(REGISTRY_SOURCE) <= {"__future__", "typing"}


def test_the_data_package_imports_its_submodules_only_when_a_name_is_used():
    assert _module_level_imports(REGISTRY_SOURCE.parent / "__init__.py") == {"importlib"}
