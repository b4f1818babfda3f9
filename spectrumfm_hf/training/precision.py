"""Training precision chosen from the hardware: bf16 only where it runs fast, fp32 otherwise.

bf16 matrix multiplies are fast on CUDA GPUs that support them and on CPUs with AMX tiles
(``amx_bf16``). A CPU with AVX512-BF16 alone converts and accumulates in software and runs
bf16 autocast slower than fp32; without either it is tens of times slower. The flags are
read from the machine, never assumed.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import torch

PRECISIONS = ("bf16", "fp32")


@dataclass(frozen=True)
class PrecisionChoice:
    """The precision a run uses and why.

    Attributes:
        precision: ``"bf16"`` or ``"fp32"``.
        device: ``"cuda"`` or ``"cpu"``.
        reason: the hardware facts the choice rests on.
    """

    precision: str
    device: str
    reason: str

    def training_arguments(self) -> dict[str, bool]:
        """``TrainingArguments`` keywords for this precision (``bf16``, ``fp16``, ``use_cpu``)."""
        return {"bf16": self.precision == "bf16", "fp16": False, "use_cpu": self.device == "cpu"}

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


def cpu_flags(cpuinfo_path: str = "/proc/cpuinfo") -> frozenset[str]:
    """The CPU feature flags of the first processor in ``cpuinfo_path`` (empty where it is absent)."""
    path = Path(cpuinfo_path)
    if not path.is_file():
        return frozenset()
    for line in path.read_text(errors="replace").splitlines():
        key, _, value = line.partition(":")
        if key.strip() in ("flags", "Features"):
            return frozenset(value.split())
    return frozenset()


def choose_precision(
    cuda_available: bool | None = None, cuda_bf16: bool | None = None, flags: frozenset[str] | None = None
) -> PrecisionChoice:
    """bf16 on a CUDA GPU that supports it or a CPU with AMX; fp32 otherwise.

    Args:
        cuda_available: whether a CUDA device is used; detected when None.
        cuda_bf16: whether that device supports bf16; detected when None.
        flags: CPU feature flags; read from ``/proc/cpuinfo`` when None.
    """
    if cuda_available is None:
        cuda_available = torch.cuda.is_available()
    if cuda_available:
        if cuda_bf16 is None:
            cuda_bf16 = torch.cuda.is_bf16_supported()
        if cuda_bf16:
            return PrecisionChoice("bf16", "cuda", "CUDA device with bf16 support")
        return PrecisionChoice("fp32", "cuda", "CUDA device without bf16 support")
    flags = cpu_flags() if flags is None else frozenset(flags)
    if "amx_bf16" in flags:
        return PrecisionChoice("bf16", "cpu", "CPU with AMX (amx_bf16)")
    if "avx512_bf16" in flags:
        return PrecisionChoice("fp32", "cpu", "CPU with avx512_bf16 but no AMX: bf16 would be slower than fp32")
    return PrecisionChoice("fp32", "cpu", "CPU without bf16 units (no amx_bf16, no avx512_bf16)")
