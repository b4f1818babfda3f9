"""The precision the package computes in follows the hardware: bf16 only where it is fast."""

import pytest

from spectrumfm_hf.performance import CPUFeatures, cpu_features, preferred_dtype

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
