"""Training precision: the package's one choice (:func:`choose_precision`), and what a ``Trainer`` really computes in.

bf16 matrix multiplies are fast on CUDA GPUs that support them and on CPUs with AMX tiles
(``amx_bf16``). A CPU with AVX512-BF16 alone converts and accumulates in software and runs
bf16 autocast slower than fp32; without either it is tens of times slower. The flags are
read from the machine, never assumed. ``--precision`` or ``SPECTRUMFM_PRECISION`` force
``fp32`` or ``bf16`` instead (see :func:`spectrumfm_hf.performance.choose_precision`).
"""

from __future__ import annotations

from ..performance import (
    PRECISION_ENVIRONMENT_VARIABLE,
    PRECISION_OPTIONS,
    PrecisionChoice,
    PrecisionError,
    SlowPrecisionWarning,
    choose_precision,
    cpu_features,
)

PRECISIONS = ("bf16", "fp32")

__all__ = [
    "PRECISIONS",
    "PRECISION_ENVIRONMENT_VARIABLE",
    "PRECISION_OPTIONS",
    "PrecisionChoice",
    "PrecisionError",
    "SlowPrecisionWarning",
    "choose_precision",
    "cpu_flags",
    "training_precision",
]


def cpu_flags(cpuinfo_path: str = "/proc/cpuinfo") -> frozenset[str]:
    """The CPU's feature flags (see :func:`spectrumfm_hf.performance.cpu_features`)."""
    return cpu_features(cpuinfo_path).flags


def training_precision(args, requested: str | None = None) -> PrecisionChoice:
    """The precision a ``Trainer`` with ``args`` computes in, and why.

    :func:`choose_precision` of ``requested``, the choice ``args`` were built with (see
    :func:`~spectrumfm_hf.training.preset_training_arguments`), unless ``args`` say otherwise
    (``--bf16`` or ``--fp16`` given to the Trainer): then what they say, as forced by them.

    Args:
        args: the run's ``TrainingArguments``.
        requested: the run's ``--precision`` (one of ``auto``, ``fp32``, ``bf16``), or None.
    """
    choice = choose_precision(requested, "cpu" if args.use_cpu else None)
    used = "bf16" if args.bf16 else "fp16" if args.fp16 else "fp32"
    if used == choice.precision:
        return choice
    reason = (f"{used} set by the TrainingArguments (bf16={args.bf16}, fp16={args.fp16}) over the "
              f"choice of {choice.precision} ({choice.reason})")
    return PrecisionChoice(used, choice.device, reason, forced=True)
