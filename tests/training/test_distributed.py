"""Scale-out: 2-process CPU DDP through accelerate launch, and the shipped launch configurations."""

import importlib.util
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from accelerate.commands.config.config_args import load_config_from_file
from transformers import TrainingArguments

from spectrumfm_hf import SpectrumFMForPretraining
from spectrumfm_hf.training import PrecisionChoice, preset_training_arguments
from spectrumfm_hf.training.presets import PresetError, deepspeed_cpu_precision
from spectrumfm_hf.training.distributed import (
    DeepSpeedLaunchError,
    FSDPDeviceError,
    check_fsdp_device,
    deepspeed_on_cpu_options,
    option_value,
)

from ..conftest import tiny_config

REPOSITORY = Path(__file__).resolve().parents[2]
EXAMPLES = REPOSITORY / "examples"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _launch_two_cpu_processes(worker: str, output_dir: Path, *arguments: str, timeout: int = 300) -> list[dict]:
    """Run ``worker`` on 2 CPU processes under ``accelerate launch``; each rank's saved record."""
    command = [
        sys.executable, "-m", "accelerate.commands.launch",
        "--config_file", str(EXAMPLES / "accelerate" / "multi_cpu_ddp.yaml"), "--main_process_port", str(_free_port()),
        str(Path(__file__).with_name(worker)), str(output_dir), *arguments,
    ]
    # fp32 whatever the suite forces: DeepSpeed on CPU processes trains in fp32 (deepspeed_cpu_precision),
    # and its weights are compared with the data-parallel run's to the last few ulps.
    environment = {**os.environ, "PYTHONPATH": str(REPOSITORY), "OMP_NUM_THREADS": "1", "SPECTRUMFM_PRECISION": "fp32"}
    result = subprocess.run(command, cwd=REPOSITORY, env=environment, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, result.stderr[-3000:]
    return [torch.load(output_dir / f"rank{rank}.pt") for rank in range(2)]


@pytest.fixture(scope="module")
def ddp_weights(tmp_path_factory):
    return _launch_two_cpu_processes("ddp_worker.py", tmp_path_factory.mktemp("ddp"))


def test_two_cpu_processes_train_as_one_data_parallel_job(ddp_weights):
    assert [record["world_size"] for record in ddp_weights] == [2, 2]


def test_both_ranks_end_with_identical_weights_that_training_changed(ddp_weights):
    first, second = (record["state"] for record in ddp_weights)
    torch.manual_seed(0)
    initial = SpectrumFMForPretraining(tiny_config()).state_dict()
    for name, weight in first.items():
        assert torch.equal(weight, second[name]), name
    assert any(not torch.equal(weight, initial[name]) for name, weight in first.items())


@pytest.mark.parametrize(
    "name, distributed_type, num_processes",
    [("single_cpu", "NO", 1), ("multi_cpu_ddp", "MULTI_GPU", 2), ("multi_gpu", "MULTI_GPU", 8),
     ("multi_node", "MULTI_GPU", 16), ("fsdp", "FSDP", 8)],
)
def test_accelerate_configs_load_through_accelerates_own_reader(name, distributed_type, num_processes):
    config = load_config_from_file(str(EXAMPLES / "accelerate" / f"{name}.yaml"))
    assert (config.distributed_type.value, config.num_processes) == (distributed_type, num_processes)


@pytest.mark.parametrize("stage", [2, 3])
def test_deepspeed_configs_leave_sizes_to_the_trainer(stage):
    config = json.loads((EXAMPLES / "deepspeed" / f"zero{stage}.json").read_text())
    assert config["zero_optimization"]["stage"] == stage
    assert config["train_micro_batch_size_per_gpu"] == "auto"
    assert config["optimizer"]["params"]["lr"] == "auto"


@pytest.mark.skipif(importlib.util.find_spec("deepspeed") is None, reason="deepspeed is not installed")
@pytest.mark.parametrize("stage", [2, 3])
def test_deepspeed_configs_are_accepted_by_training_arguments(stage, tmp_path):
    arguments = TrainingArguments(str(tmp_path), deepspeed=str(EXAMPLES / "deepspeed" / f"zero{stage}.json"))
    assert arguments.hf_deepspeed_config.config["zero_optimization"]["stage"] == stage


@pytest.fixture(scope="module", params=[2, 3], ids=["zero2", "zero3"])
def deepspeed_weights(request, tmp_path_factory):
    # The first run on a machine compiles DeepSpeed's CPU Adam and communication ops (minutes).
    config = str(EXAMPLES / "deepspeed" / f"zero{request.param}.json")
    records = _launch_two_cpu_processes("deepspeed_worker.py", tmp_path_factory.mktemp("deepspeed"), config, timeout=900)
    return request.param, records


@pytest.mark.skipif(importlib.util.find_spec("deepspeed") is None, reason="deepspeed is not installed")
def test_deepspeed_trains_on_two_cpu_processes_as_the_ddp_run_does(deepspeed_weights, ddp_weights):
    stage, records = deepspeed_weights
    assert [(record["world_size"], record["deepspeed"], record["stage"]) for record in records] == [(2, True, stage)] * 2
    first, second = (record["state"] for record in records)
    reference = ddp_weights[0]["state"]
    for name, weight in first.items():
        assert torch.equal(weight, second[name]), name
        torch.testing.assert_close(weight, reference[name], rtol=1e-5, atol=1e-6, msg=name)


def test_deepspeed_without_a_gpu_needs_a_launcher(monkeypatch):
    monkeypatch.delenv("LOCAL_RANK", raising=False)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(DeepSpeedLaunchError, match="needs a launcher"):
        deepspeed_on_cpu_options(["--deepspeed", "examples/deepspeed/zero2.json"])
    assert deepspeed_on_cpu_options(["--per_device_train_batch_size", "4"]) == []


def test_option_values_are_read_in_both_spellings():
    assert option_value(["--deepspeed", "a.json"], "--deepspeed") == "a.json"
    assert option_value(["--deepspeed=a.json", "--deepspeed", "b.json"], "--deepspeed") == "b.json"
    assert option_value(["--deepspeed_x", "a.json"], "--deepspeed") is None


def test_an_fsdp_launch_of_a_cpu_run_is_refused_rather_than_trained_unsharded(monkeypatch, tmp_path):
    monkeypatch.setenv("ACCELERATE_USE_FSDP", "true")
    with pytest.raises(FSDPDeviceError, match="accelerate does not shard"):
        preset_training_arguments(str(tmp_path), precision=PrecisionChoice("fp32", "cpu", "test"))
    check_fsdp_device("cuda")
    monkeypatch.setenv("ACCELERATE_USE_FSDP", "false")
    check_fsdp_device("cpu")


def test_deepspeed_on_cpu_options_configure_the_state_and_keep_other_accelerator_settings(monkeypatch):
    from accelerate import PartialState

    from spectrumfm_hf.training import distributed

    started = []
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setenv("LOCAL_RANK", "0")
    # setenv (not delenv, which records nothing for an unset variable) so that teardown removes
    # the value the call sets: later tests would otherwise take every run for a DeepSpeed one.
    monkeypatch.setenv("ACCELERATE_USE_DEEPSPEED", "false")
    monkeypatch.setattr(PartialState, "__init__", lambda self, **options: started.append(options))
    monkeypatch.setattr(distributed, "_cpu_state_configured", False)
    options = deepspeed_on_cpu_options(
        ["--deepspeed", "zero2.json", "--accelerator_config", json.dumps({"dispatch_batches": False})]
    )
    assert started == [{"backend": "gloo"}] and os.environ["ACCELERATE_USE_DEEPSPEED"] == "true"
    assert options[:2] == ["--use_cpu", "false"] and options[2] == "--accelerator_config"
    assert json.loads(options[3]) == {"dispatch_batches": False, "use_configured_state": True}
    # TrainingArguments pop the flag when they read it; arguments remade from them get it back.
    kept = distributed.keep_configured_state({"accelerator_config": {"dispatch_batches": False}, "use_cpu": True})
    assert kept == {"accelerator_config": {"dispatch_batches": False, "use_configured_state": True}, "use_cpu": False}
    with pytest.raises(ValueError, match="--accelerator_config must be a JSON object"):
        deepspeed_on_cpu_options(["--deepspeed", "zero2.json", "--accelerator_config", "[1]"])


def test_runs_without_deepspeed_on_cpu_keep_their_overrides(monkeypatch):
    from spectrumfm_hf.training import distributed

    monkeypatch.setattr(distributed, "_cpu_state_configured", False)
    overrides = {"accelerator_config": {"dispatch_batches": False}}
    assert distributed.keep_configured_state(overrides) is overrides


def test_deepspeed_on_cpu_processes_trains_in_fp32_and_refuses_bf16_asked_for_by_name():
    automatic = PrecisionChoice("bf16", "cpu", "AMX tiles (amx_bf16)")
    fallback = deepspeed_cpu_precision(automatic, {"use_cpu": False})
    assert (fallback.precision, fallback.forced) == ("fp32", False)
    assert "transformers allows bf16 with use_cpu=False only on a GPU" in fallback.reason and "amx_bf16" in fallback.reason
    forced = PrecisionChoice("bf16", "cpu", "--precision bf16", forced=True)
    with pytest.raises(PresetError, match=r"DeepSpeed on CPU processes trains in fp32.*use --precision fp32 or auto"):
        deepspeed_cpu_precision(forced, {"use_cpu": False})
    assert deepspeed_cpu_precision(forced, {}) is forced  # no DeepSpeed: bf16 stays
    assert deepspeed_cpu_precision(PrecisionChoice("bf16", "cuda", "GPU"), {"use_cpu": False}).precision == "bf16"
