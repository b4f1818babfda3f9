"""glibc allocator policies: keeping freed memory for reuse, or returning it to the kernel at once."""

import subprocess
import sys

import pytest

# Allocates 16 blocks of 4 MiB (heap-sized under both policies' thresholds), touches them, frees
# them, and prints how much of the 64 MiB the process still holds afterwards.
PROBE = """
import ctypes, os, sys
from spectrumfm_hf import performance
applied = getattr(performance, sys.argv[1])()
page = os.sysconf("SC_PAGE_SIZE")
def rss():
    return int(open("/proc/self/statm").read().split()[1]) * page / 2**20
libc = ctypes.CDLL("libc.so.6")
libc.malloc.restype = ctypes.c_void_p
libc.free.argtypes = [ctypes.c_void_p]
before = rss()
blocks = [libc.malloc(4 * 2**20) for _ in range(16)]
for block in blocks:
    ctypes.memset(block, 1, 4 * 2**20)
for block in blocks:
    libc.free(block)
print(applied, rss() - before)
"""


def held_after_free(policy: str) -> tuple[bool, float]:
    output = subprocess.run([sys.executable, "-c", PROBE, policy], capture_output=True, text=True, check=True).stdout
    applied, held = output.split()
    return applied == "True", float(held)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt")
def test_returning_freed_memory_gives_it_back_and_keeping_it_holds_it():
    returned_applied, returned = held_after_free("return_freed_memory")
    kept_applied, kept = held_after_free("tune_cpu_allocator")
    if not (returned_applied and kept_applied):
        pytest.skip("not glibc")
    assert returned < 8, returned
    assert kept > 56, kept
