"""The training precision follows the hardware: bf16 only where it runs fast."""

from spectrumfm_hf.training import choose_precision, cpu_flags


def test_cpu_with_amx_trains_in_bf16():
    assert choose_precision(cuda_available=False, flags={"avx512f", "amx_bf16", "avx512_bf16"}).precision == "bf16"


def test_cpu_with_avx512_bf16_but_no_amx_trains_in_fp32():
    choice = choose_precision(cuda_available=False, flags={"avx512f", "avx512_bf16"})
    assert (choice.precision, choice.device) == ("fp32", "cpu")
    assert "no AMX" in choice.reason


def test_cpu_without_bf16_units_trains_in_fp32():
    assert choose_precision(cuda_available=False, flags={"avx2"}).precision == "fp32"


def test_cuda_with_bf16_support_trains_in_bf16_without_use_cpu():
    choice = choose_precision(cuda_available=True, cuda_bf16=True)
    assert choice.training_arguments() == {"bf16": True, "fp16": False, "use_cpu": False}


def test_cpu_flags_are_read_from_the_flags_line(tmp_path):
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nflags\t\t: fpu avx512f avx512_bf16\n\nprocessor\t: 1\nflags\t\t: fpu\n")
    assert cpu_flags(str(cpuinfo)) == {"fpu", "avx512f", "avx512_bf16"}
