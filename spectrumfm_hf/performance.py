"""Hardware facts that decide how to compute, and process-wide CPU settings (never applied on import).

:func:`cpu_features` reads the CPU's flags and :func:`preferred_dtype` chooses bf16 only where
the hardware runs it fast; the ``demo`` and ``env`` commands and training print that choice.

On Linux, glibc's ``malloc`` hands large freed blocks back to the kernel (``munmap`` and heap
trimming). A training step allocates and frees gigabytes of activations, so every step then
pays the kernel to zero fresh pages again; in virtual machines, where a page fault is slow,
this can double the step time. :func:`tune_cpu_allocator` asks glibc to keep freed memory for
reuse instead: steady-state steps touch no new pages, at the cost of the process keeping its
peak memory.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import platform
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

# mallopt(3) parameter numbers from <malloc.h>.
_M_TRIM_THRESHOLD = -1
_M_TOP_PAD = -2
_M_MMAP_THRESHOLD = -3

# glibc caps the mmap threshold at 32 MiB on 64-bit systems (DEFAULT_MMAP_THRESHOLD_MAX).
_MAX_MMAP_THRESHOLD = 32 * 2**20


def _glibc_mallopt():
    """glibc's ``mallopt`` with its argument types set, or None where there is none (macOS, Windows, musl)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return None
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    return mallopt


def tune_cpu_allocator(top_pad_bytes: int = 512 * 2**20) -> bool:
    """Keep freed memory in the process for reuse (glibc only); return whether it was applied.

    Blocks up to 32 MiB then come from the heap rather than ``mmap``, the heap is never
    trimmed, and it grows ``top_pad_bytes`` at a time. Call it once, early, in a process that
    trains or serves on the CPU. Elsewhere (macOS, Windows, musl) it does nothing.

    Args:
        top_pad_bytes: extra bytes requested from the kernel each time the heap grows.
    """
    mallopt = _glibc_mallopt()
    if mallopt is None:
        return False
    applied = mallopt(_M_MMAP_THRESHOLD, _MAX_MMAP_THRESHOLD)
    applied &= mallopt(_M_TRIM_THRESHOLD, 2**31 - 1)
    applied &= mallopt(_M_TOP_PAD, int(min(top_pad_bytes, 2**31 - 1)))
    return bool(applied)


def return_freed_memory(mmap_threshold_bytes: int = 64 * 2**10) -> bool:
    """Hand freed memory back to the kernel at once (glibc only); return whether it was applied.

    The opposite of :func:`tune_cpu_allocator`: blocks from ``mmap_threshold_bytes`` up are
    mapped and unmapped one by one and the heap is trimmed on every free, so the resident size
    follows the memory the process really holds. Slower (fresh pages on every large
    allocation), it is how memory is compared: with freed memory kept, the peak resident size
    also counts how much a step allocates and frees, and how scattered that is.
    """
    mallopt = _glibc_mallopt()
    if mallopt is None:
        return False
    applied = mallopt(_M_MMAP_THRESHOLD, int(mmap_threshold_bytes))
    applied &= mallopt(_M_TRIM_THRESHOLD, 0)
    applied &= mallopt(_M_TOP_PAD, 0)
    return bool(applied)


# CPU flags that decide whether bf16 matrix multiplies are fast: AMX tiles run them several times
# faster than fp32; AVX512-BF16 alone converts but multiplies slower than fp32; without either,
# bf16 autocast is emulated and about 50x slower than fp32.
_AMX_BF16_FLAG = "amx_bf16"
_AVX512_BF16_FLAG = "avx512_bf16"


@dataclass(frozen=True)
class CPUFeatures:
    """What the CPU reports about itself.

    Attributes:
        model_name: the CPU's model name (``"unknown"`` when the system does not say).
        flags: the CPU's feature flags, lower case (``/proc/cpuinfo`` or ``lscpu`` spelling).
    """

    model_name: str
    flags: frozenset[str]

    @property
    def amx_bf16(self) -> bool:
        """Whether the CPU has AMX tiles for bf16 (fast bf16 matrix multiplies)."""
        return _AMX_BF16_FLAG in self.flags

    @property
    def avx512_bf16(self) -> bool:
        """Whether the CPU has AVX512-BF16 (bf16 conversions and dot products, no tiles)."""
        return _AVX512_BF16_FLAG in self.flags


def _parse_cpu_description(text: str) -> CPUFeatures:
    """Model name and flags from ``/proc/cpuinfo`` or ``lscpu`` text (both say ``model name`` and ``flags``)."""
    model_name = "unknown"
    flags: set[str] = set()
    for line in text.splitlines():
        key, separator, value = line.partition(":")
        if not separator:
            continue
        key = key.strip().lower()
        if key == "model name" and model_name == "unknown" and value.strip():
            model_name = value.strip()
        elif key == "flags":
            flags.update(flag.lower() for flag in value.split())
    return CPUFeatures(model_name=model_name, flags=frozenset(flags))


def cpu_features(cpuinfo_path: str | os.PathLike[str] = "/proc/cpuinfo") -> CPUFeatures:
    """The CPU's model name and feature flags, from ``/proc/cpuinfo`` or else ``lscpu``.

    Where neither exists (macOS, Windows) the flags are empty, so nothing is assumed fast.

    Args:
        cpuinfo_path: the file in ``/proc/cpuinfo`` format to read.
    """
    try:
        text = Path(cpuinfo_path).read_text(errors="replace")
    except OSError:
        text = None
    if text is not None:
        features = _parse_cpu_description(text)
        if features.flags:
            return features
    lscpu = shutil.which("lscpu")
    if lscpu is not None:
        try:
            completed = subprocess.run([lscpu], capture_output=True, text=True, timeout=10, check=False)
        except (OSError, subprocess.SubprocessError):
            completed = None
        if completed is not None and completed.returncode == 0:
            return _parse_cpu_description(completed.stdout)
    return CPUFeatures(model_name=platform.processor() or "unknown", flags=frozenset())


@dataclass(frozen=True)
class PrecisionChoice:
    """The floating-point precision to compute in on a device, and why.

    Attributes:
        device: the device type the choice is for (``"cpu"`` or ``"cuda"``).
        dtype_name: ``"bfloat16"`` or ``"float32"``.
        reason: one sentence saying which hardware feature decided it.
    """

    device: str
    dtype_name: str
    reason: str

    @property
    def dtype(self):
        """The choice as a ``torch.dtype``."""
        import torch

        return getattr(torch, self.dtype_name)

    @property
    def uses_bf16(self) -> bool:
        """Whether bf16 (autocast or bf16 weights) is the choice."""
        return self.dtype_name == "bfloat16"


def preferred_dtype(device: str = "cpu", features: CPUFeatures | None = None) -> PrecisionChoice:
    """The precision this package computes in on ``device``: bf16 only where the hardware runs it fast.

    CUDA: bf16 where the GPU supports it natively (compute capability 8.0 or newer). CPU: bf16
    only with AMX; AVX512-BF16 alone multiplies bf16 slower than fp32, and without either bf16
    is emulated, so fp32 is chosen.

    Args:
        device: ``"cpu"``, ``"cuda"`` or ``"cuda:<index>"``.
        features: the CPU's features; read with :func:`cpu_features` when ``None``.
    """
    if not isinstance(device, str):
        raise TypeError(f"device must be a string such as 'cpu' or 'cuda', got {type(device).__name__}")
    device_type = device.split(":", 1)[0]
    if device_type == "cuda":
        import torch

        if not torch.cuda.is_available():
            raise ValueError(f"device {device!r} was asked for, but torch sees no CUDA device")
        try:
            cuda_device = torch.device(device)
        except RuntimeError:
            raise ValueError(f"device must be 'cpu' or 'cuda[:<index>]', got {device!r}") from None
        if cuda_device.index is not None and not 0 <= cuda_device.index < torch.cuda.device_count():
            raise ValueError(f"device {device!r} does not exist: torch sees {torch.cuda.device_count()} CUDA devices")
        properties = torch.cuda.get_device_properties(cuda_device)
        capability = f"{properties.name}, compute capability {properties.major}.{properties.minor}"
        # Ampere (8.0) and newer have bf16 tensor cores; ROCm GPUs run bf16 natively too.
        if torch.version.hip or properties.major >= 8:
            return PrecisionChoice("cuda", "bfloat16", f"{capability}: bf16 runs natively")
        return PrecisionChoice("cuda", "float32", f"{capability}: no native bf16 (needs 8.0 or newer)")
    if device_type != "cpu":
        raise ValueError(f"device must be 'cpu' or 'cuda[:<index>]', got {device!r}")
    features = cpu_features() if features is None else features
    if features.amx_bf16:
        reason = f"{features.model_name} has AMX (amx_bf16): bf16 matrix multiplies are fast"
        return PrecisionChoice("cpu", "bfloat16", reason)
    if features.avx512_bf16:
        reason = f"{features.model_name} has AVX512-BF16 but no AMX: bf16 matrix multiplies would be slower than fp32"
    else:
        reason = f"{features.model_name} has neither AMX nor AVX512-BF16: bf16 would be emulated, about 50x slower"
    return PrecisionChoice("cpu", "float32", reason)
