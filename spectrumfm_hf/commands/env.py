"""``spectrumfm env``: what a bug report or a run record needs to know about this machine."""

from __future__ import annotations

import argparse
import json
import os
import platform
from importlib import metadata
from typing import Any

from .arguments import add_command_parser

# Libraries whose versions change what the package does.
_LIBRARIES = ("numpy", "torch", "transformers", "peft", "datasets", "accelerate", "safetensors")


def env_command_parser(subparsers: argparse._SubParsersAction | None = None) -> argparse.ArgumentParser:
    """Add ``env`` to ``subparsers`` (or return a parser of its own when ``None``)."""
    parser = add_command_parser(
        subparsers,
        "env",
        "print versions, CPU features, GPU and the precision chosen",
        "Print the Python and library versions, the CPU and its bf16-relevant features (AMX, AVX512-BF16), "
        "the GPU, torch's thread count and the precision this package computes in, for bug reports.",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a list")
    parser.set_defaults(func=env_command)
    return parser


def _version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "not installed"


def _system_memory_gib() -> float | None:
    try:
        return round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 2)
    except (AttributeError, ValueError, OSError):
        return None


def environment_info() -> dict[str, Any]:
    """This machine as a bug report (or a training run's record) needs it: versions, CPU, GPU, precision."""
    import torch

    from .. import __version__
    from ..performance import choose_precision, cpu_features

    features = cpu_features()
    info: dict[str, Any] = {
        "spectrumfm_hf version": __version__,
        "Platform": platform.platform(),
        "Python version": platform.python_version(),
    }
    info.update({f"{name} version": _version(name) for name in _LIBRARIES})
    info.update(
        {
            "CPU": features.model_name,
            "CPU cores usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
            "AMX (amx_bf16)": features.amx_bf16,
            "AVX512-BF16 (avx512_bf16)": features.avx512_bf16,
            "torch CPU capability": torch.backends.cpu.get_cpu_capability(),
            "torch threads": torch.get_num_threads(),
            "torch inter-op threads": torch.get_num_interop_threads(),
            "System RAM (GiB)": _system_memory_gib(),
        }
    )
    cpu_precision = choose_precision(device="cpu")
    info["CPU precision"] = f"{cpu_precision.dtype_name} ({cpu_precision.reason})"
    if torch.cuda.is_available():
        info["GPU"] = ", ".join(torch.cuda.get_device_name(index) for index in range(torch.cuda.device_count()))
        info["CUDA version"] = torch.version.cuda
        gpu_precision = choose_precision(device="cuda")
        info["GPU precision"] = f"{gpu_precision.dtype_name} ({gpu_precision.reason})"
    else:
        info["GPU"] = "none"
    return info


def env_command(args: argparse.Namespace) -> int:
    """Print :func:`environment_info`, as a list to paste into a bug report or as JSON."""
    info = environment_info()
    if args.json:
        print(json.dumps(info))
    else:
        print("Copy and paste the text below into your bug report:\n")
        print("\n".join(f"- {name}: {value}" for name, value in info.items()))
    return 0
