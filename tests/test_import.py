"""``import spectrumfm_hf`` is cheap and still registers the model type with transformers' Auto classes."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import spectrumfm_hf
from spectrumfm_hf import SpectrumFMFeatureExtractor, SpectrumFMModel

from .conftest import tiny_config

REPOSITORY_ROOT = Path(__file__).resolve().parent.parent

LOAD_FROM_FOLDER = """
from transformers import AutoConfig, AutoFeatureExtractor, AutoModel
folder = sys.argv[1]
print(type(AutoConfig.from_pretrained(folder)).__name__)
print(type(AutoModel.from_pretrained(folder)).__name__)
print(type(AutoFeatureExtractor.from_pretrained(folder)).__name__)
print("hooks left:", sum(type(finder).__module__ == "spectrumfm_hf" for finder in sys.meta_path))
"""

LOADED = ["SpectrumFMConfig", "SpectrumFMModel", "SpectrumFMFeatureExtractor", "hooks left: 0"]


def run_python(code: str, *args: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "PYTHONPATH": str(REPOSITORY_ROOT), "OMP_NUM_THREADS": "1"}
    return subprocess.run(
        [sys.executable, "-c", "import sys\n" + textwrap.dedent(code), *args],
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
    )


@pytest.fixture(scope="module")
def saved_tiny_folder(tmp_path_factory) -> str:
    folder = tmp_path_factory.mktemp("tiny")
    SpectrumFMModel(tiny_config()).save_pretrained(folder)
    SpectrumFMFeatureExtractor().save_pretrained(folder)
    return str(folder)


def test_import_does_not_import_torch_or_transformers():
    child = run_python("import spectrumfm_hf\nprint(sorted({'torch', 'transformers', 'numpy'} & set(sys.modules)))")
    assert child.returncode == 0, child.stderr
    assert child.stdout.strip() == "[]"


@pytest.mark.slow
@pytest.mark.parametrize(
    "imports_first",
    [
        "import spectrumfm_hf",
        "import transformers.models.auto\nimport spectrumfm_hf",
        # Importing the model module imports transformers.models.auto itself: registration waits for it.
        "from spectrumfm_hf import SpectrumFMModel",
        # transformers.modeling_utils imports transformers.models.auto half-way through itself.
        "import spectrumfm_hf\nfrom transformers import pipeline",
    ],
    ids=["package-then-transformers", "transformers-then-package", "model-class-first", "package-then-pipeline"],
)
def test_auto_classes_load_a_saved_folder_in_any_import_order(saved_tiny_folder, imports_first):
    child = run_python(imports_first + "\n" + LOAD_FROM_FOLDER, saved_tiny_folder)
    assert child.returncode == 0, child.stderr
    assert child.stdout.split("\n")[:4] == LOADED


def test_public_names_resolve_to_their_defining_modules():
    for name in spectrumfm_hf.__all__:
        value = getattr(spectrumfm_hf, name)
        if name == "INPUT_ERRORS":
            assert value == (spectrumfm_hf.SpectrumFMInputError, spectrumfm_hf.SpectrumFMInputTypeError)
        else:
            assert value.__name__ == name and value.__module__.startswith("spectrumfm_hf.")


def test_dir_lists_every_public_name_before_it_is_imported():
    assert set(spectrumfm_hf.__all__) <= set(dir(spectrumfm_hf))
    assert "__version__" in dir(spectrumfm_hf)


def test_unknown_attribute_raises_attribute_error_naming_it():
    with pytest.raises(AttributeError, match="has no attribute 'SpectrumFMNothing'"):
        spectrumfm_hf.SpectrumFMNothing  # noqa: B018
