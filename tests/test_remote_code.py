"""A saved checkpoint loads with trust_remote_code=True where spectrumfm_hf is not importable."""

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import torch

from spectrumfm_hf import SpectrumFMFeatureExtractor, SpectrumFMForSequenceClassification

from .conftest import tiny_config

CHILD = textwrap.dedent(
    """
    import sys
    sys.modules["spectrumfm_hf"] = None  # any import of the package now fails
    try:
        import spectrumfm_hf  # noqa: F401
    except ImportError:
        pass
    else:
        raise SystemExit("spectrumfm_hf is still importable")
    import numpy as np, torch
    from transformers import AutoConfig, AutoFeatureExtractor, AutoModel, AutoModelForSequenceClassification
    folder = sys.argv[1]
    config = AutoConfig.from_pretrained(folder, trust_remote_code=True)
    model = AutoModelForSequenceClassification.from_pretrained(folder, trust_remote_code=True).eval()
    extractor = AutoFeatureExtractor.from_pretrained(folder, trust_remote_code=True)
    base = AutoModel.from_pretrained(folder, trust_remote_code=True)
    features = extractor(np.load(folder + "/capture.npy"), return_tensors="pt")
    with torch.no_grad():
        logits = model(features["input_values"], attention_mask=features["attention_mask"]).logits
    np.save(folder + "/remote_logits.npy", logits.numpy())
    print(type(config).__module__, type(model).__module__, type(extractor).__module__, type(base).__name__)
    """
)


def test_checkpoint_loads_with_trust_remote_code_without_the_package(tmp_path):
    model = SpectrumFMForSequenceClassification(tiny_config()).eval()
    extractor = SpectrumFMFeatureExtractor(window_length=32)
    model.save_pretrained(tmp_path)
    extractor.save_pretrained(tmp_path)
    for name in ("modeling_spectrumfm.py", "configuration_spectrumfm.py", "feature_extraction_spectrumfm.py"):
        assert (tmp_path / name).exists()
    auto_map = json.loads((tmp_path / "config.json").read_text())["auto_map"]
    assert auto_map == {
        "AutoConfig": "configuration_spectrumfm.SpectrumFMConfig",
        "AutoModel": "modeling_spectrumfm.SpectrumFMModel",
        "AutoModelForPreTraining": "modeling_spectrumfm.SpectrumFMForPretraining",
        "AutoModelForSequenceClassification": "modeling_spectrumfm.SpectrumFMForSequenceClassification",
        "AutoModelForAnomalyDetection": "modeling_spectrumfm.SpectrumFMForAnomalyDetection",
    }
    rng = np.random.default_rng(0)
    capture = (rng.standard_normal(100) + 1j * rng.standard_normal(100)).astype(np.complex64)
    np.save(tmp_path / "capture.npy", capture)

    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update(HF_HUB_OFFLINE="1", HF_MODULES_CACHE=str(tmp_path / "modules"))
    result = subprocess.run(
        [sys.executable, "-c", CHILD, str(tmp_path)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-3000:]
    modules = result.stdout.strip().splitlines()[-1].split()
    assert all("spectrumfm_hf" not in module for module in modules[:3])
    assert all(module.startswith("transformers_modules") for module in modules[:3])
    assert modules[3] == "SpectrumFMModel"

    with torch.no_grad():
        features = extractor(capture, return_tensors="pt")
        expected = model(features["input_values"], attention_mask=features["attention_mask"]).logits.numpy()
    np.testing.assert_array_equal(np.load(tmp_path / "remote_logits.npy"), expected)
