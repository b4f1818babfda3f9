"""Real-time factor of live prediction: can ``spectrumfm predict -`` keep up with an SDR?

Times the prediction path of a live stream (feature extractor + classification model, fp32,
``torch.inference_mode``, one block of windows per call, as ``spectrumfm predict`` runs it) at
a small preset and at the paper's configuration, and compares the complex samples per second it
sustains with common SDR sample rates. Prints one JSON line per (configuration, SDR rate):

* ``sustained_samples_per_second``: complex samples predicted per second of wall time;
* ``real_time_factor``: seconds of computing per second of signal (below 1: it keeps up);
* ``keeps_up``: whether ``real_time_factor < 1``.

Models are randomly initialised: the cost does not depend on the weights' values. Run it on an
otherwise idle machine; timings on a shared one are provisional.

    python examples/benchmark_realtime.py
    python examples/benchmark_realtime.py --configs small --seconds 5 --block-windows 128
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import time

import numpy as np
import torch
from transformers import pipeline

from spectrumfm_hf import SpectrumFMConfig, SpectrumFMFeatureExtractor, SpectrumFMForSequenceClassification
from spectrumfm_hf.performance import cpu_features
from spectrumfm_hf.pipelines import CLASSIFICATION_TASK

CONFIGS = {
    "small": dict(hidden_size=128, num_hidden_layers=4, num_attention_heads=4, intermediate_size=256),
    "paper": dict(hidden_size=256, num_hidden_layers=16, num_attention_heads=4, intermediate_size=512),
}
SDR_RATES_HZ = {"250 kS/s": 250e3, "1 MS/s": 1e6, "2.4 MS/s": 2.4e6}
NUM_CLASSES = 11  # RML2016.10A's modulations


def lscpu_model_name() -> str:
    """The CPU model as ``lscpu`` names it (``/proc/cpuinfo``'s when lscpu is missing)."""
    try:
        listing = subprocess.run(["lscpu"], capture_output=True, text=True, timeout=10, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return cpu_features().model_name
    for line in listing.splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "Model name":
            return value.strip()
    return cpu_features().model_name


def seconds_per_block(
    classify, block: np.ndarray, sample_rate_hz: float, budget_seconds: float
) -> list[float]:
    """Wall times of predicting ``block`` repeatedly for about ``budget_seconds`` (after one warm-up)."""
    classify(block, sample_rate=sample_rate_hz)
    times: list[float] = []
    started = time.perf_counter()
    while not times or (time.perf_counter() - started < budget_seconds and len(times) < 50):
        tick = time.perf_counter()
        classify(block, sample_rate=sample_rate_hz)
        times.append(time.perf_counter() - tick)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--configs",
        nargs="+",
        choices=sorted(CONFIGS),
        default=["small", "paper"],
        help="model sizes to time",
    )
    parser.add_argument(
        "--block-windows",
        type=int,
        default=64,
        help="128-sample windows per prediction call (one output line)",
    )
    parser.add_argument(
        "--seconds", type=float, default=10.0, help="timing budget per configuration, in seconds"
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=len(os.sched_getaffinity(0)),
        help="torch threads (default: usable cores)",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the weights and of the noise capture")
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    cpu = lscpu_model_name()
    rng = np.random.default_rng(args.seed)
    extractor = SpectrumFMFeatureExtractor()
    block = (
        rng.normal(size=args.block_windows * extractor.window_length)
        + 1j * rng.normal(size=args.block_windows * extractor.window_length)
    ).astype(np.complex64)
    for name in args.configs:
        torch.manual_seed(args.seed)
        model = SpectrumFMForSequenceClassification(
            SpectrumFMConfig(num_labels=NUM_CLASSES, **CONFIGS[name])
        ).eval()
        classify = pipeline(
            CLASSIFICATION_TASK, model=model, feature_extractor=extractor, batch_size=args.block_windows
        )
        times = seconds_per_block(classify, block, SDR_RATES_HZ["1 MS/s"], args.seconds)
        median = statistics.median(times)
        sustained = block.shape[0] / median
        for rate_name, rate_hz in SDR_RATES_HZ.items():
            real_time_factor = rate_hz / sustained
            print(
                json.dumps(
                    {
                        "config": name,
                        **{key: CONFIGS[name][key] for key in ("hidden_size", "num_hidden_layers")},
                        "sdr_rate": rate_name,
                        "sustained_samples_per_second": round(sustained),
                        "real_time_factor": round(real_time_factor, 3),
                        "keeps_up": real_time_factor < 1,
                        "block_windows": args.block_windows,
                        "median_block_seconds": round(median, 5),
                        "timed_blocks": len(times),
                        "precision": "fp32",
                        "torch_threads": torch.get_num_threads(),
                        "cpu": cpu,
                    }
                ),
                flush=True,
            )


if __name__ == "__main__":
    main()
