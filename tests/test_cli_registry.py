"""One registry of generator names, read by the command line without importing the data package."""

import pytest

from spectrumfm_hf.commands.generate import generator_names
from spectrumfm_hf.data import SpectrumDataError
from spectrumfm_hf.data.registry import GENERATOR_NAMES, make_generator


def test_command_line_reads_the_registry_names_from_source():
    assert generator_names() == GENERATOR_NAMES


@pytest.mark.parametrize("name", GENERATOR_NAMES)
def test_make_generator_builds_the_named_generator_with_its_sample_count(name):
    generator = make_generator(name, num_samples=256)
    assert generator.name == name and generator.num_samples == 256


def test_make_generator_passes_options_to_the_generator():
    generator = make_generator("amc-rml2016.10a", num_samples=128, snr_db_grid=(0.0, 10.0))
    assert tuple(generator.snr_db_grid) == (0.0, 10.0)


def test_unknown_generator_name_is_refused_listing_the_names():
    with pytest.raises(SpectrumDataError, match="name must be one of .*'wtc'.*, got 'amc'"):
        make_generator("amc", num_samples=128)
