"""The training precision follows the hardware (bf16 only where it runs fast) unless it is forced, and a
trained model computes in the precision its evaluation asks for."""

import copy

import pytest
import torch

from spectrumfm_hf import SpectrumFMForSequenceClassification
from spectrumfm_hf.training import (
    PrecisionChoice,
    choose_precision,
    cpu_flags,
    finetuning_trainer,
    preset_training_arguments,
    training_precision,
)
from spectrumfm_hf.training.evaluation import model_as_saved

from ..conftest import tiny_config
from .helpers import WINDOW, feature_extractor, iq_rows

AMX = frozenset({"avx512f", "amx_bf16", "avx512_bf16"})
AVX512_BF16 = frozenset({"avx512f", "avx512_bf16"})


@pytest.mark.usefixtures("automatic_precision")
def test_cpu_with_amx_trains_in_bf16():
    assert choose_precision(cuda_available=False, flags=AMX).precision == "bf16"


@pytest.mark.usefixtures("automatic_precision")
def test_cpu_with_avx512_bf16_but_no_amx_trains_in_fp32():
    choice = choose_precision(cuda_available=False, flags=AVX512_BF16)
    assert (choice.precision, choice.device, choice.forced) == ("fp32", "cpu", False)
    assert "no AMX" in choice.reason


@pytest.mark.usefixtures("automatic_precision")
def test_cpu_without_bf16_units_trains_in_fp32():
    assert choose_precision(cuda_available=False, flags={"avx2"}).precision == "fp32"


@pytest.mark.usefixtures("automatic_precision")
def test_cuda_with_bf16_support_trains_in_bf16_without_use_cpu():
    choice = choose_precision(cuda_available=True, cuda_bf16=True)
    assert choice.training_arguments() == {"bf16": True, "fp16": False, "use_cpu": False}


def test_cpu_flags_are_read_from_the_flags_line(tmp_path):
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nflags\t\t: fpu avx512f avx512_bf16\n\nprocessor\t: 1\nflags\t\t: fpu\n")
    assert cpu_flags(str(cpuinfo)) == {"fpu", "avx512f", "avx512_bf16"}


def test_run_records_the_requested_precision_its_training_arguments_compute_in(tmp_path):
    args = preset_training_arguments(str(tmp_path), precision=PrecisionChoice("fp32", "cpu", "test"))
    assert training_precision(args, "fp32").precision == "fp32"
    assert training_precision(args, "fp32").forced


def test_bf16_given_to_the_trainer_over_the_choice_is_what_the_run_records(tmp_path):
    args = preset_training_arguments(str(tmp_path), precision=PrecisionChoice("fp32", "cpu", "test"), bf16=True)
    choice = training_precision(args, "fp32")
    assert (choice.precision, choice.device, choice.forced) == ("bf16", "cpu", True)
    assert choice.reason.startswith("bf16 set by the TrainingArguments (bf16=True, fp16=False) over the choice of fp32")


def _inputs() -> dict:
    windows = torch.rand(8, WINDOW, 2, generator=torch.Generator().manual_seed(1))
    return {"input_values": windows, "attention_mask": torch.ones(8, WINDOW, dtype=torch.long)}


def test_a_model_trained_in_bf16_computes_in_fp32_when_its_evaluation_asks_for_fp32(tmp_path):
    bf16 = PrecisionChoice("bf16", "cpu", "test", forced=True)
    model = SpectrumFMForSequenceClassification(tiny_config())
    args = preset_training_arguments(str(tmp_path), task="classification", precision=bf16, max_steps=2,
                                     per_device_train_batch_size=8, eval_strategy="no", save_strategy="no",
                                     load_best_model_at_end=False, disable_tqdm=True)
    trainer = finetuning_trainer(model, feature_extractor(), args, iq_rows(16), precision=bf16)
    trainer.train()
    # The same weights in a model that never went through the Trainer: what a saved artefact loads as.
    fresh = copy.deepcopy(model)
    fresh.__dict__.pop("forward", None)
    fresh.__dict__.pop("_original_forward", None)
    fresh.eval()
    with torch.no_grad(), PrecisionChoice("fp32", "cpu", "test").autocast():
        wrapped = model.eval()(**_inputs()).logits
        expected = fresh(**_inputs()).logits
        scored = model_as_saved(trainer).eval()(**_inputs()).logits
    # Left as the Trainer leaves it, the forward computes in bf16 whatever the evaluation asks for.
    assert not torch.equal(wrapped, expected)
    assert torch.equal(scored, expected)
    with torch.no_grad(), bf16.autocast():
        assert torch.equal(model(**_inputs()).logits, fresh(**_inputs()).logits)


def test_fp32_choice_turns_off_an_enclosing_autocast():
    matrix = torch.ones(4, 4)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        assert (matrix @ matrix).dtype is torch.bfloat16
        with PrecisionChoice("fp32", "cpu", "test").autocast():
            assert (matrix @ matrix).dtype is torch.float32
    with PrecisionChoice("bf16", "cpu", "test").autocast():
        assert (matrix @ matrix).dtype is torch.bfloat16
