"""What a user downloads is what a folder in Hub layout holds: models, adapters and data sets load back."""

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import torch
from datasets import load_dataset, load_from_disk
from peft import LoraConfig, PeftModel, get_peft_model
from transformers import AutoConfig, AutoFeatureExtractor, AutoModel, AutoModelForSequenceClassification

from spectrumfm_hf import SpectrumFMFeatureExtractor, SpectrumFMForSequenceClassification, SpectrumFMModel
from spectrumfm_hf.data.hf import dataset_card, save_dataset, stratified_split, to_dataset
from spectrumfm_hf.data.registry import make_generator

from .conftest import tiny_config

LORA_TARGETS = ["query", "key", "value", "output", "fc1", "fc2", "pointwise_conv1", "pointwise_conv2"]
# The classification head, before and after it becomes one module: PEFT keeps whichever exist.
HEAD_MODULES = ["classifier_rnn", "classifier"]


def capture(length: int = 100, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(length) + 1j * rng.standard_normal(length)).astype(np.complex64)


def save_model_folder(folder) -> tuple[SpectrumFMModel, SpectrumFMFeatureExtractor]:
    model = SpectrumFMModel(tiny_config()).eval()
    extractor = SpectrumFMFeatureExtractor(window_length=32)
    model.save_pretrained(folder)
    extractor.save_pretrained(folder)
    return model, extractor


def trained_adapter(base_folder) -> PeftModel:
    """A LoRA adapter with its head on the saved base, with weights moved off their initial values."""
    base = SpectrumFMForSequenceClassification.from_pretrained(base_folder, num_labels=3)
    lora = LoraConfig(r=4, lora_alpha=8, target_modules=LORA_TARGETS, modules_to_save=HEAD_MODULES)
    model = get_peft_model(base, lora)
    with torch.no_grad():
        for name, parameter in model.named_parameters():
            if parameter.requires_grad:
                parameter.add_(0.05 * torch.randn_like(parameter))
    return model.eval()


def model_inputs(extractor) -> dict:
    features = extractor(capture(), return_tensors="pt")
    return {key: features[key] for key in ("input_values", "attention_mask") if key in features}


def test_model_folder_loads_with_auto_classes(tmp_path):
    model, extractor = save_model_folder(tmp_path)
    loaded = AutoModel.from_pretrained(tmp_path).eval()
    loaded_extractor = AutoFeatureExtractor.from_pretrained(tmp_path)
    inputs = model_inputs(extractor)
    assert type(loaded) is SpectrumFMModel and type(loaded_extractor) is SpectrumFMFeatureExtractor
    with torch.no_grad():
        expected = model(**inputs).last_hidden_state
        torch.testing.assert_close(loaded(**model_inputs(loaded_extractor)).last_hidden_state, expected)


def test_adapter_folder_loads_on_its_base_with_peft(tmp_path):
    save_model_folder(tmp_path / "base")
    adapter = trained_adapter(tmp_path / "base")
    adapter.save_pretrained(tmp_path / "adapter")
    adapter.get_base_model().config.save_pretrained(tmp_path / "adapter")
    task_config = AutoConfig.from_pretrained(tmp_path / "adapter")
    base = AutoModelForSequenceClassification.from_pretrained(tmp_path / "base", config=task_config)
    loaded = PeftModel.from_pretrained(base, tmp_path / "adapter").eval()
    inputs = model_inputs(SpectrumFMFeatureExtractor(window_length=32))
    with torch.no_grad():
        expected = adapter(**inputs).logits
        torch.testing.assert_close(loaded(**inputs).logits, expected)
    assert sorted(os.listdir(tmp_path / "adapter")) == [
        "README.md", "adapter_config.json", "adapter_model.safetensors", "config.json",
        "configuration_spectrumfm.py",
    ]


@pytest.fixture(scope="module")
def small_splits():
    generator = make_generator("amc-rml2016.10a", 32)
    data = to_dataset(generator, 44, seed=3)
    return generator, stratified_split(data, test_size=0.25, validation_size=0.0, seed=3)


def test_saved_data_set_folder_loads_with_load_from_disk(tmp_path, small_splits):
    generator, splits = small_splits
    card = dataset_card(splits, pretty_name="tiny", summary="s", how_made="h", license="apache-2.0", seed=3)
    save_dataset(splits, tmp_path / "data", card)
    loaded = load_from_disk(tmp_path / "data").with_format("numpy")
    np.testing.assert_array_equal(loaded["test"]["iq"], splits["test"].with_format("numpy")["iq"])
    assert loaded["train"].features == splits["train"].features


def test_parquet_data_set_folder_loads_with_load_dataset(tmp_path, small_splits):
    _, splits = small_splits
    for split_name, split in splits.items():
        (tmp_path / "data").mkdir(exist_ok=True)
        split.to_parquet(tmp_path / "data" / f"{split_name}-00000-of-00001.parquet")
    loaded = load_dataset(os.fspath(tmp_path), cache_dir=os.fspath(tmp_path / "cache"))
    assert sorted(loaded) == ["test", "train"]
    assert loaded["train"].features == splits["train"].features
    np.testing.assert_array_equal(
        loaded["train"].with_format("numpy")["iq"], splits["train"].with_format("numpy")["iq"]
    )


REMOTE_CHILD = textwrap.dedent(
    """
    import sys
    sys.modules["spectrumfm_hf"] = None  # any import of the package now fails
    import numpy as np, torch
    from peft import PeftModel
    from transformers import AutoConfig, AutoFeatureExtractor, AutoModelForSequenceClassification
    base_folder, adapter_folder = sys.argv[1], sys.argv[2]
    task_config = AutoConfig.from_pretrained(adapter_folder, trust_remote_code=True)
    base = AutoModelForSequenceClassification.from_pretrained(
        base_folder, config=task_config, trust_remote_code=True
    )
    model = PeftModel.from_pretrained(base, adapter_folder).eval()
    extractor = AutoFeatureExtractor.from_pretrained(base_folder, trust_remote_code=True)
    features = extractor(np.load(base_folder + "/capture.npy"), return_tensors="pt")
    inputs = {key: features[key] for key in ("input_values", "attention_mask") if key in features}
    with torch.no_grad():
        np.save(adapter_folder + "/remote_logits.npy", model(**inputs).logits.numpy())
    print(type(model.get_base_model()).__module__)
    """
)


@pytest.mark.slow  # a fresh interpreter importing torch, transformers and peft
def test_adapter_on_base_loads_with_remote_code_without_the_package(tmp_path):
    save_model_folder(tmp_path / "base")
    adapter = trained_adapter(tmp_path / "base")
    adapter.save_pretrained(tmp_path / "adapter")
    adapter.get_base_model().config.save_pretrained(tmp_path / "adapter")
    np.save(tmp_path / "base" / "capture.npy", capture())
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    env.update(HF_HUB_OFFLINE="1", HF_MODULES_CACHE=str(tmp_path / "modules"), OMP_NUM_THREADS="1")
    result = subprocess.run(
        [sys.executable, "-c", REMOTE_CHILD, str(tmp_path / "base"), str(tmp_path / "adapter")],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().splitlines()[-1].startswith("transformers_modules")
    with torch.no_grad():
        expected = adapter(**model_inputs(SpectrumFMFeatureExtractor(window_length=32))).logits.numpy()
    remote_logits = np.load(tmp_path / "adapter" / "remote_logits.npy")
    np.testing.assert_allclose(remote_logits, expected, rtol=1e-5, atol=1e-6)
