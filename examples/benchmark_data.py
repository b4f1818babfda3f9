"""Throughput of the task generators and memory of streaming them through HF Datasets.

Prints one JSON line per measurement:

* ``generate``: examples per second of ``generator.generate(seed, indices)`` in batches,
  128-sample windows, each generator with its full default impairment chain: AMC
  (RML2016.10a and RML2018.01A classes), wireless-technology classification, spectrum
  sensing and anomaly detection;
* ``stream``: peak resident memory while iterating ``--stream-examples`` AMC examples
  through a ``datasets.IterableDataset``, and the rate of that iteration.

Targets: at least 5,000 AMC examples per second on two cores, under 2 GB while streaming.

    python examples/benchmark_data.py
    python examples/benchmark_data.py --num-examples 50000 --stream-examples 100000
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import time
from typing import Any

import numpy as np

from spectrumfm_hf.data import (
    AMCGenerator,
    AnomalyDetectionGenerator,
    SpectrumSensingGenerator,
    WTCGenerator,
    to_iterable_dataset,
)

NUM_SAMPLES = 128


def machine() -> dict[str, Any]:
    cpu = platform.processor()
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")), cpu)
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cpus_available": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "numpy": np.__version__,
    }


def report(measurement: str, **values: Any) -> None:
    print(json.dumps({"measurement": measurement, **values, "machine": machine()}), flush=True)


def examples_per_second(generator, seed: int, num_examples: int, batch_size: int) -> float:
    generator.generate(seed, range(batch_size))  # warm-up: tables, caches, lazy imports
    start = time.perf_counter()
    for first in range(0, num_examples, batch_size):
        generator.generate(seed, range(first, min(first + batch_size, num_examples)))
    return num_examples / (time.perf_counter() - start)


def generators() -> list[tuple[str, Any]]:
    return [
        ("amc-rml2016.10a", AMCGenerator("rml2016.10a", num_samples=NUM_SAMPLES)),
        ("amc-rml2018.01a", AMCGenerator("rml2018.01a", num_samples=NUM_SAMPLES)),
        ("wtc", WTCGenerator(num_samples=NUM_SAMPLES)),
        ("spectrum-sensing", SpectrumSensingGenerator(num_samples=NUM_SAMPLES)),
        ("anomaly-detection", AnomalyDetectionGenerator(num_samples=NUM_SAMPLES)),
    ]


def _rss_bytes(field: str) -> int | None:
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def _reset_peak_rss() -> bool:
    """Start a new peak-RSS window (Linux ``clear_refs``); False where unsupported."""
    try:
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")
        return True
    except OSError:
        return False


def stream(seed: int, num_examples: int, batch_size: int) -> None:
    generator = AMCGenerator("rml2016.10a", num_samples=NUM_SAMPLES)
    windowed = _reset_peak_rss()
    baseline = _rss_bytes("VmRSS")
    dataset, builder = to_iterable_dataset(generator, num_examples, seed, batch_size=batch_size), "spectrumfm_hf.data.hf"
    start = time.perf_counter()
    count = 0
    for count, _ in enumerate(dataset, start=1):
        pass
    elapsed = time.perf_counter() - start
    peak = _rss_bytes("VmHWM") if windowed else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    report(
        "stream",
        generator="amc-rml2016.10a",
        builder=builder,
        seed=seed,
        scale={"examples": count, "num_samples": NUM_SAMPLES, "batch_size": batch_size},
        examples_per_second=round(count / elapsed, 1),
        peak_rss_mb=round(peak / 2**20, 1) if peak else None,
        rss_before_mb=round(baseline / 2**20, 1) if baseline else None,
        peak_window="streaming only" if windowed else "whole process",
        target_peak_rss_mb=2048,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--num-examples", type=int, default=20000, help="examples per throughput measurement")
    parser.add_argument("--batch-size", type=int, default=1024, help="examples per generate() call")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--stream-examples", type=int, default=1_000_000, help="examples streamed; 0 to skip")
    args = parser.parse_args()

    for task, generator in generators():
        rate = examples_per_second(generator, args.seed, args.num_examples, args.batch_size)
        report(
            "generate",
            generator=task,
            seed=args.seed,
            scale={"examples": args.num_examples, "num_samples": NUM_SAMPLES, "batch_size": args.batch_size},
            examples_per_second=round(rate, 1),
            target_examples_per_second=5000 if task.startswith("amc") else None,
        )
    if args.stream_examples > 0:
        stream(args.seed, args.stream_examples, args.batch_size)


if __name__ == "__main__":
    main()
