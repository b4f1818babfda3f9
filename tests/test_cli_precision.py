"""The precision the package computes in follows the hardware (bf16 only where it is fast) unless it is forced."""

import argparse
import re
import warnings

import pytest

from spectrumfm_hf.cli import main
from spectrumfm_hf.commands.spectrumfm_cli import build_parser
from spectrumfm_hf.performance import (
    PRECISION_ENVIRONMENT_VARIABLE,
    PRECISION_OPTIONS,
    CPUFeatures,
    PrecisionError,
    SlowPrecisionWarning,
    choose_precision,
    cpu_features,
    preferred_dtype,
)

CPUINFO = """processor\t: 0
vendor_id\t: GenuineIntel
model name\t: Intel(R) Xeon(R) Platinum 8480C
flags\t\t: fpu sse2 avx2 avx512f avx512_bf16 amx_bf16 amx_tile

processor\t: 1
model name\t: Intel(R) Xeon(R) Platinum 8480C
flags\t\t: fpu sse2 avx2 avx512f avx512_bf16 amx_bf16 amx_tile
"""


def cpu(*flags: str) -> CPUFeatures:
    return CPUFeatures(model_name="Test CPU", flags=frozenset(flags))


def test_cpu_features_reads_model_name_and_flags_from_cpuinfo(tmp_path):
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text(CPUINFO)
    features = cpu_features(cpuinfo)
    assert features.model_name == "Intel(R) Xeon(R) Platinum 8480C"
    assert features.amx_bf16 and features.avx512_bf16 and "amx_tile" in features.flags


def test_cpu_features_of_this_machine_name_a_model_and_flags():
    features = cpu_features()
    assert features.model_name and isinstance(features.flags, frozenset)


def test_cpu_with_amx_computes_in_bf16():
    choice = preferred_dtype("cpu", cpu("avx512_bf16", "amx_bf16"))
    assert choice.dtype_name == "bfloat16" and choice.uses_bf16 and "AMX" in choice.reason


def test_cpu_with_avx512_bf16_but_no_amx_computes_in_fp32():
    choice = preferred_dtype("cpu", cpu("avx512f", "avx512_bf16"))
    assert choice.dtype_name == "float32" and "slower than fp32" in choice.reason


def test_cpu_without_bf16_units_computes_in_fp32():
    choice = preferred_dtype("cpu", cpu("avx2"))
    assert not choice.uses_bf16 and "neither AMX nor AVX512-BF16" in choice.reason


def test_precision_choice_converts_to_a_torch_dtype():
    import torch

    assert preferred_dtype("cpu", cpu()).dtype is torch.float32
    assert preferred_dtype("cpu", cpu("amx_bf16")).dtype is torch.bfloat16


def test_unknown_device_is_refused_naming_it():
    with pytest.raises(ValueError, match="device must be 'cpu' or 'cuda\\[:<index>\\]', got 'tpu'"):
        preferred_dtype("tpu", cpu())


def test_non_string_device_is_a_type_error():
    with pytest.raises(TypeError, match="device must be a string"):
        preferred_dtype(0, cpu())


def cuda_available() -> bool:
    import torch

    return torch.cuda.is_available()


@pytest.mark.skipif(cuda_available(), reason="this machine has a CUDA device")
def test_cuda_asked_for_without_a_cuda_device_is_refused():
    with pytest.raises(ValueError, match="device 'cuda' was asked for, but torch sees no CUDA device"):
        preferred_dtype("cuda", cpu())


@pytest.mark.skipif(not cuda_available(), reason="needs a CUDA device")
def test_cuda_device_of_compute_capability_8_or_newer_computes_in_bf16():
    import torch

    major, _ = torch.cuda.get_device_capability(0)
    choice = preferred_dtype("cuda:0", cpu())
    assert choice.uses_bf16 == (major >= 8 or bool(torch.version.hip))
    assert "compute capability" in choice.reason


# --- the one choice every command makes: the hardware's rule, unless --precision or SPECTRUMFM_PRECISION forces one

AMX_CPU = frozenset({"avx512f", "avx512_bf16", "amx_bf16"})
AVX512_BF16_CPU = frozenset({"avx512f", "avx512_bf16"})
NO_BF16_CPU = frozenset({"avx2"})
MODEL_COMMANDS = ("pretrain", "finetune", "evaluate", "predict", "quickstart", "demo", "benchmark")


@pytest.mark.usefixtures("automatic_precision")
@pytest.mark.parametrize("flags, expected", [(AMX_CPU, "bf16"), (AVX512_BF16_CPU, "fp32"), (NO_BF16_CPU, "fp32")])
def test_auto_is_the_hardwares_rule(flags, expected):
    choice = choose_precision(device="cpu", flags=flags)
    assert (choice.precision, choice.forced) == (expected, False)
    assert choice.reason == preferred_dtype("cpu", CPUFeatures("this CPU", flags)).reason


def test_auto_asked_for_explicitly_keeps_the_hardwares_rule_over_the_environment(monkeypatch):
    monkeypatch.setenv(PRECISION_ENVIRONMENT_VARIABLE, "bf16")
    choice = choose_precision("auto", device="cpu", flags=AVX512_BF16_CPU)
    assert (choice.precision, choice.forced) == ("fp32", False)


def test_environment_variable_forces_the_precision_and_says_so(monkeypatch):
    monkeypatch.setenv(PRECISION_ENVIRONMENT_VARIABLE, "BF16 ")
    choice = choose_precision(device="cpu", flags=AVX512_BF16_CPU)
    assert (choice.precision, choice.device, choice.forced) == ("bf16", "cpu", True)
    assert choice.reason == ("bf16 forced by SPECTRUMFM_PRECISION; the hardware alone would choose fp32: this CPU has "
                             "AVX512-BF16 but no AMX: bf16 matrix multiplies would be slower than fp32")
    assert choice.as_dict() == {"precision": "bf16", "device": "cpu", "reason": choice.reason, "forced": True}


def test_requested_precision_wins_over_the_environment_variable(monkeypatch):
    monkeypatch.setenv(PRECISION_ENVIRONMENT_VARIABLE, "bf16")
    choice = choose_precision("fp32", device="cpu", flags=AMX_CPU)
    assert (choice.precision, choice.forced) == ("fp32", True)
    assert choice.reason.startswith("fp32 forced; the hardware alone would choose bf16: this CPU has AMX")


def test_forcing_what_the_hardware_would_choose_says_both(monkeypatch):
    monkeypatch.setenv(PRECISION_ENVIRONMENT_VARIABLE, "fp32")
    choice = choose_precision(device="cpu", flags=NO_BF16_CPU)
    assert choice.reason.startswith("fp32 forced by SPECTRUMFM_PRECISION, as the hardware would choose: this CPU has")


def test_empty_environment_variable_means_auto(monkeypatch):
    monkeypatch.setenv(PRECISION_ENVIRONMENT_VARIABLE, "")
    assert choose_precision(device="cpu", flags=AMX_CPU).forced is False


def test_bad_environment_variable_is_refused_naming_the_allowed_values(monkeypatch):
    monkeypatch.setenv(PRECISION_ENVIRONMENT_VARIABLE, "fp16")
    with pytest.raises(PrecisionError, match="^SPECTRUMFM_PRECISION must be one of auto, fp32, bf16, got 'fp16'$"):
        choose_precision(device="cpu")


def test_bad_requested_precision_is_refused_naming_the_allowed_values():
    with pytest.raises(PrecisionError, match="^precision must be one of auto, fp32, bf16, got 'half'$"):
        choose_precision("half", device="cpu")


def test_bf16_forced_on_a_cpu_without_bf16_units_warns_that_it_is_emulated_and_runs():
    with pytest.warns(SlowPrecisionWarning, match="bf16 has no hardware units here and is emulated"):
        choice = choose_precision("bf16", device="cpu", flags=NO_BF16_CPU)
    assert (choice.precision, choice.forced) == ("bf16", True)


def test_bf16_forced_on_a_cpu_with_avx512_bf16_does_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error", SlowPrecisionWarning)
        assert choose_precision("bf16", device="cpu", flags=AVX512_BF16_CPU).precision == "bf16"


@pytest.mark.parametrize("command", MODEL_COMMANDS)
def test_every_command_that_runs_a_model_takes_precision(command):
    subcommands = next(action for action in build_parser()._actions if isinstance(action, argparse._SubParsersAction))
    (option,) = [action for action in subcommands.choices[command]._actions if "--precision" in action.option_strings]
    assert tuple(option.choices) == PRECISION_OPTIONS == ("auto", "fp32", "bf16")
    assert option.default is None and "SPECTRUMFM_PRECISION" in option.help


@pytest.mark.parametrize("command", MODEL_COMMANDS)
def test_bad_precision_option_is_a_one_line_usage_error_naming_the_choices(command, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([command, "--precision", "fp16"])
    assert exit_info.value.code == 2
    error = capsys.readouterr().err.strip()
    assert len(error.splitlines()) == 1
    choices = r"\(choose from '?auto'?, '?fp32'?, '?bf16'?\)"
    assert re.search(r"argument --precision: invalid choice: 'fp16' " + choices, error)


@pytest.mark.parametrize(
    "arguments",
    [
        ["demo"],
        ["quickstart", "--output-dir", "{tmp}/quickstart"],
        ["benchmark", "--profile", "micro", "--output-dir", "{tmp}/benchmark"],
        ["evaluate", "{tmp}", "--task", "ss", "--output-dir", "{tmp}/evaluation"],
        ["finetune", "--task", "ss", "--output-dir", "{tmp}/finetune"],
        ["pretrain", "--output-dir", "{tmp}/pretrain"],
    ],
    ids=lambda arguments: arguments[0],
)
def test_bad_precision_environment_variable_is_a_one_line_usage_error(arguments, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(PRECISION_ENVIRONMENT_VARIABLE, "fp16")
    assert main([argument.format(tmp=tmp_path) for argument in arguments]) == 2
    error = capsys.readouterr().err.strip().splitlines()[-1]
    expected = "SPECTRUMFM_PRECISION must be one of auto, fp32, bf16, got 'fp16'"
    assert error == f"spectrumfm {arguments[0]}: error: {expected}"


def test_demo_forced_to_fp32_on_an_amx_cpu_says_so_and_times_fp32_only(monkeypatch, capsys):
    from spectrumfm_hf import performance

    monkeypatch.setattr(performance, "cpu_features", lambda: CPUFeatures("Test CPU", AMX_CPU))
    assert main(["demo", "--capture-samples", "128", "--repeats", "1", "--precision", "fp32"]) == 0
    out = capsys.readouterr().out
    assert "precision: float32 (fp32 forced; the hardware alone would choose bf16: Test CPU has AMX" in out
    assert "bf16 autocast not timed: fp32 was forced" in out and "bf16_autocast_seconds" not in out
