"""Training precision chosen from the hardware: bf16 only where it runs fast, fp32 otherwise.

bf16 matrix multiplies are fast on CUDA GPUs that support them and on CPUs with AMX tiles
(``amx_bf16``). A CPU with AVX512-BF16 alone converts and accumulates in software and runs
bf16 autocast slower than fp32; without either it is tens of times slower. The flags are
read from the machine, never assumed.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch

from ..performance import CPUFeatures, cpu_features, preferred_dtype

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
    """The CPU's feature flags (see :func:`spectrumfm_hf.performance.cpu_features`)."""
    return cpu_features(cpuinfo_path).flags


def choose_precision(
    cuda_available: bool | None = None, cuda_bf16: bool | None = None, flags: frozenset[str] | None = None
) -> PrecisionChoice:
    """bf16 on a CUDA GPU that supports it or a CPU with AMX; fp32 otherwise.

    The CPU rule is :func:`spectrumfm_hf.performance.preferred_dtype`'s, the one the whole
    package uses; this adds the device and the ``TrainingArguments`` keywords a run needs.

    Args:
        cuda_available: whether a CUDA device is used; detected when None.
        cuda_bf16: whether that device supports bf16; detected when None.
        flags: CPU feature flags; read from the machine when None.
    """
    if cuda_available is None:
        cuda_available = torch.cuda.is_available()
    if cuda_available:
        if cuda_bf16 is None:
            cuda_bf16 = torch.cuda.is_bf16_supported()
        if cuda_bf16:
            return PrecisionChoice("bf16", "cuda", "CUDA device with bf16 support")
        return PrecisionChoice("fp32", "cuda", "CUDA device without bf16 support")
    features = cpu_features() if flags is None else CPUFeatures(model_name="this CPU", flags=frozenset(flags))
    choice = preferred_dtype("cpu", features)
    return PrecisionChoice("bf16" if choice.uses_bf16 else "fp32", "cpu", choice.reason)
