"""Hardware facts that decide how to compute, and process-wide CPU settings (never applied on import).

:func:`cpu_features` reads the CPU's flags and :func:`preferred_dtype` chooses bf16 only where
the hardware runs it fast. :func:`choose_precision` is the one precision choice every command
uses: that rule (``auto``), unless ``--precision`` or the ``SPECTRUMFM_PRECISION`` environment
variable forces ``fp32`` or ``bf16``.

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
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

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


PRECISION_OPTIONS = ("auto", "fp32", "bf16")
"""What ``--precision`` and :data:`PRECISION_ENVIRONMENT_VARIABLE` accept; ``auto`` follows the hardware."""

PRECISION_ENVIRONMENT_VARIABLE = "SPECTRUMFM_PRECISION"
"""Forces the precision of every run of the process (``auto``, ``fp32``, ``bf16``) unless ``--precision`` is given."""

_DTYPE_NAMES = {"bf16": "bfloat16", "fp32": "float32", "fp16": "float16"}


class PrecisionError(ValueError):
    """A precision that is not one of :data:`PRECISION_OPTIONS` (names where it came from and what is allowed)."""


class SlowPrecisionWarning(UserWarning):
    """bf16 forced on hardware without bf16 units: the results are right, but bf16 is emulated, tens of times slower."""


@dataclass(frozen=True)
class PrecisionChoice:
    """The precision a run computes in on a device, and why.

    Attributes:
        precision: ``"bf16"`` or ``"fp32"`` (``"fp16"`` only where ``TrainingArguments`` ask for it).
        device: the device type the choice is for (``"cpu"`` or ``"cuda"``).
        reason: the hardware facts, or the request, the choice rests on.
        forced: whether ``--precision`` or :data:`PRECISION_ENVIRONMENT_VARIABLE` set it rather than the hardware.
    """

    precision: str
    device: str
    reason: str
    forced: bool = False

    @property
    def dtype_name(self) -> str:
        """``"bfloat16"``, ``"float32"`` or ``"float16"``."""
        return _DTYPE_NAMES[self.precision]

    @property
    def dtype(self):
        """The choice as a ``torch.dtype``."""
        import torch

        return getattr(torch, self.dtype_name)

    @property
    def uses_bf16(self) -> bool:
        """Whether bf16 (autocast or bf16 weights) is the choice."""
        return self.precision == "bf16"

    def training_arguments(self) -> dict[str, bool]:
        """``TrainingArguments`` keywords for this precision (``bf16``, ``fp16``, ``use_cpu``)."""
        return {"bf16": self.precision == "bf16", "fp16": self.precision == "fp16", "use_cpu": self.device == "cpu"}

    def autocast(self):
        """A context in which a model's forward computes in this precision: autocast to bf16 (fp16), or off for fp32.

        Off means off: fp32 inside it even where an enclosing context turned autocast on.
        """
        import torch

        if self.precision == "fp32":
            return torch.autocast(self.device, enabled=False)
        return torch.autocast(self.device, dtype=self.dtype)

    def as_dict(self) -> dict[str, Any]:
        """The choice as a JSON-ready dict (``precision``, ``device``, ``reason``, ``forced``) for run records."""
        return asdict(self)


def preferred_dtype(device: str = "cpu", features: CPUFeatures | None = None) -> PrecisionChoice:
    """The hardware's precision rule on ``device`` (what ``auto`` means): bf16 only where it runs fast.

    The package chooses through :func:`choose_precision`, which applies this rule unless a
    precision is forced.

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
            return PrecisionChoice("bf16", "cuda", f"{capability}: bf16 runs natively")
        return PrecisionChoice("fp32", "cuda", f"{capability}: no native bf16 (needs 8.0 or newer)")
    if device_type != "cpu":
        raise ValueError(f"device must be 'cpu' or 'cuda[:<index>]', got {device!r}")
    features = cpu_features() if features is None else features
    if features.amx_bf16:
        reason = f"{features.model_name} has AMX (amx_bf16): bf16 matrix multiplies are fast"
        return PrecisionChoice("bf16", "cpu", reason)
    if features.avx512_bf16:
        reason = f"{features.model_name} has AVX512-BF16 but no AMX: bf16 matrix multiplies would be slower than fp32"
    else:
        reason = f"{features.model_name} has neither AMX nor AVX512-BF16: bf16 would be emulated, about 50x slower"
    return PrecisionChoice("fp32", "cpu", reason)


def requested_precision(requested: str | None = None) -> tuple[str, str | None]:
    """The precision asked for: ``requested`` when given, else :data:`PRECISION_ENVIRONMENT_VARIABLE`, else ``"auto"``.

    Returns ``(option, origin)``: one of :data:`PRECISION_OPTIONS`, and the environment
    variable's name when it was the one that asked (None otherwise).

    Args:
        requested: one of :data:`PRECISION_OPTIONS` (a command's ``--precision``), or None.
    """
    if requested is not None:
        if requested not in PRECISION_OPTIONS:
            raise PrecisionError(f"precision must be one of {', '.join(PRECISION_OPTIONS)}, got {requested!r}")
        return requested, None
    value = os.environ.get(PRECISION_ENVIRONMENT_VARIABLE, "")
    option = value.strip().lower()
    if not option:
        return "auto", None
    if option not in PRECISION_OPTIONS:
        raise PrecisionError(
            f"{PRECISION_ENVIRONMENT_VARIABLE} must be one of {', '.join(PRECISION_OPTIONS)}, got {value!r}"
        )
    return option, PRECISION_ENVIRONMENT_VARIABLE


def choose_precision(
    requested: str | None = None,
    device: str | None = None,
    *,
    cuda_available: bool | None = None,
    cuda_bf16: bool | None = None,
    flags: frozenset[str] | None = None,
) -> PrecisionChoice:
    """The precision a run computes in: the one choice training, evaluation, prediction and the demo all use.

    ``requested`` (a command's ``--precision``) comes first, then :data:`PRECISION_ENVIRONMENT_VARIABLE`,
    then ``"auto"``: the hardware's rule of :func:`preferred_dtype` (bf16 on a CUDA GPU with native
    bf16 or a CPU with AMX, fp32 otherwise). A forced precision is used as asked. Forcing bf16
    where the hardware has no bf16 units at all (a CPU with neither AMX nor AVX512-BF16, a GPU
    older than compute capability 8.0) is allowed, since the figures are right, but warns with a
    :class:`SlowPrecisionWarning`: bf16 is then emulated, tens of times slower than fp32.

    Args:
        requested: one of :data:`PRECISION_OPTIONS`; None reads the environment variable.
        device: ``"cpu"`` or ``"cuda[:<index>]"``; when None, CUDA if torch sees a device, else the CPU.
        cuda_available: whether a CUDA device is used when ``device`` is None; detected when None.
        cuda_bf16: whether that CUDA device runs bf16 natively; from its compute capability when None.
        flags: the CPU's feature flags; read from the machine when None.
    """
    option, origin = requested_precision(requested)
    if device is None:
        if cuda_available is None:
            import torch

            cuda_available = torch.cuda.is_available()
        device = "cuda" if cuda_available else "cpu"
    if not isinstance(device, str):
        raise TypeError(f"device must be a string such as 'cpu' or 'cuda', got {type(device).__name__}")
    if device.split(":", 1)[0] == "cuda" and cuda_bf16 is not None:
        automatic = (PrecisionChoice("bf16", "cuda", "CUDA device with native bf16") if cuda_bf16
                     else PrecisionChoice("fp32", "cuda", "CUDA device without native bf16"))
        has_bf16_units = cuda_bf16
    elif device.split(":", 1)[0] == "cuda":
        automatic = preferred_dtype(device)
        has_bf16_units = automatic.uses_bf16
    else:
        features = cpu_features() if flags is None else CPUFeatures(model_name="this CPU", flags=frozenset(flags))
        automatic = preferred_dtype(device, features)
        has_bf16_units = features.amx_bf16 or features.avx512_bf16
    if option == "auto":
        return automatic
    by = f" by {origin}" if origin else ""
    if option == automatic.precision:
        reason = f"{option} forced{by}, as the hardware would choose: {automatic.reason}"
    else:
        reason = f"{option} forced{by}; the hardware alone would choose {automatic.precision}: {automatic.reason}"
    if option == "bf16" and not has_bf16_units:
        warnings.warn(f"{reason}. bf16 has no hardware units here and is emulated: the figures are right, but "
                      "expect it to run tens of times slower than fp32", SlowPrecisionWarning, stacklevel=2)
    return PrecisionChoice(option, automatic.device, reason, forced=True)
