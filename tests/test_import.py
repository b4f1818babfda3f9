"""``import spectrumfm_hf`` is cheap and still registers the model type with transformers' Auto classes
and the ``iq-*`` tasks with ``transformers.pipeline``."""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
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
from transformers.pipelines import PIPELINE_REGISTRY
print(sorted(task for task in PIPELINE_REGISTRY.get_supported_tasks() if task.startswith("iq-")))
print("hooks left:", sum(type(finder).__module__ == "spectrumfm_hf" for finder in sys.meta_path))
"""

LOADED = [
    "SpectrumFMConfig",
    "SpectrumFMModel",
    "SpectrumFMFeatureExtractor",
    "['iq-anomaly-detection', 'iq-classification']",
    "hooks left: 0",
]

# A fresh interpreter that imports the package alone, then asks transformers for the pipeline.
PIPELINE_BY_TASK_NAME = """
import json
import numpy as np
import spectrumfm_hf
from transformers import pipeline
classify = pipeline("iq-classification", model=sys.argv[1])
result = classify(np.load(sys.argv[2]))
print(type(classify).__name__)
print(json.dumps([window["score"] for window in result["windows"]]))
"""


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
        # Both registrations at once, in the package import.
        "import transformers.pipelines\nimport spectrumfm_hf",
    ],
    ids=[
        "package-then-transformers",
        "transformers-then-package",
        "model-class-first",
        "package-then-pipeline",
        "pipelines-then-package",
    ],
)
def test_auto_classes_load_a_saved_folder_in_any_import_order(saved_tiny_folder, imports_first):
    child = run_python(imports_first + "\n" + LOAD_FROM_FOLDER, saved_tiny_folder)
    assert child.returncode == 0, child.stderr
    assert child.stdout.split("\n")[:5] == LOADED


@pytest.mark.slow
def test_importing_the_package_alone_lets_transformers_build_an_iq_pipeline_by_task_name(tmp_path):
    torch = pytest.importorskip("torch")
    from spectrumfm_hf import SpectrumFMForSequenceClassification

    torch.manual_seed(0)
    classifier = SpectrumFMForSequenceClassification(tiny_config(id2label={0: "vacant", 1: "occupied"})).eval()
    classifier.save_pretrained(tmp_path / "classifier")
    extractor = SpectrumFMFeatureExtractor(window_length=32)
    extractor.save_pretrained(tmp_path / "classifier")
    rng = np.random.default_rng(0)
    capture = (rng.standard_normal(96) + 1j * rng.standard_normal(96)).astype(np.complex64)
    np.save(tmp_path / "capture.npy", capture)
    with torch.no_grad():
        probabilities = torch.softmax(classifier(**extractor(capture, return_tensors="pt")).logits, dim=-1)

    child = run_python(PIPELINE_BY_TASK_NAME, str(tmp_path / "classifier"), str(tmp_path / "capture.npy"))
    assert child.returncode == 0, child.stderr[-2000:]
    pipeline_class, scores = child.stdout.splitlines()[:2]
    assert pipeline_class == "IQClassificationPipeline"
    assert json.loads(scores) == pytest.approx(probabilities.max(dim=-1).values.tolist(), abs=1e-5)


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
