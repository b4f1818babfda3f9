"""CPU performance settings that are process-wide, and therefore never applied on import.

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
import sys

# mallopt(3) parameter numbers from <malloc.h>.
_M_TRIM_THRESHOLD = -1
_M_TOP_PAD = -2
_M_MMAP_THRESHOLD = -3

# glibc caps the mmap threshold at 32 MiB on 64-bit systems (DEFAULT_MMAP_THRESHOLD_MAX).
_MAX_MMAP_THRESHOLD = 32 * 2**20


def tune_cpu_allocator(top_pad_bytes: int = 512 * 2**20) -> bool:
    """Keep freed memory in the process for reuse (glibc only); return whether it was applied.

    Blocks up to 32 MiB then come from the heap rather than ``mmap``, the heap is never
    trimmed, and it grows ``top_pad_bytes`` at a time. Call it once, early, in a process that
    trains or serves on the CPU. Elsewhere (macOS, Windows, musl) it does nothing.

    Args:
        top_pad_bytes: extra bytes requested from the kernel each time the heap grows.
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    applied = mallopt(_M_MMAP_THRESHOLD, _MAX_MMAP_THRESHOLD)
    applied &= mallopt(_M_TRIM_THRESHOLD, 2**31 - 1)
    applied &= mallopt(_M_TOP_PAD, int(min(top_pad_bytes, 2**31 - 1)))
    return bool(applied)
