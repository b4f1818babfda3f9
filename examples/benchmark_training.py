"""Training throughput through Trainer: pre-training and LoRA / full fine-tuning, paper and small presets.

    OMP_NUM_THREADS=<cores> python examples/benchmark_training.py --steps 5
    python examples/benchmark_training.py --jobs finetune-lora finetune-full --presets paper --batch_size 32

Prints one JSON line per setting: examples/s, seconds per step, the share of step time spent
waiting for data (feature extraction and masking included), peak RSS (each setting runs in a
process of its own, so the peak is its own) and the precision chosen from the hardware.
Compare speeds only within one run, as ratios: other load on the machine shifts them all.

``--allocator`` sets what glibc does with freed memory: ``keep`` it for reuse (the default,
fastest: see ``spectrumfm_hf.performance.tune_cpu_allocator``), ``return`` it to the kernel at
once, so that the peak RSS follows the memory the step really holds (compare memory this
way), or leave glibc's ``default``. Every line names the allocator it ran with.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

from spectrumfm_hf.performance import return_freed_memory, tune_cpu_allocator
from spectrumfm_hf.training.benchmark import BENCHMARK_JOBS, BenchmarkSetting, run_benchmark
from spectrumfm_hf.training.presets import PRESETS


ALLOCATOR_POLICIES = {"keep": tune_cpu_allocator, "return": return_freed_memory, "default": lambda: False}


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", nargs="+", choices=BENCHMARK_JOBS, default=list(BENCHMARK_JOBS), help="What to train.")
    parser.add_argument("--presets", nargs="+", choices=sorted(PRESETS), default=["small-cpu", "paper"], help="Model sizes and recipes.")
    parser.add_argument("--batch_size", type=int, default=None, help="Captures per step; each preset's own when unset.")
    parser.add_argument("--steps", type=int, default=5, help="Measured steps per setting.")
    parser.add_argument("--warmup_steps", type=int, default=1, help="Steps run first and not measured.")
    parser.add_argument("--allocator", choices=sorted(ALLOCATOR_POLICIES), default="keep",
                        help="What glibc does with freed memory: keep it (fastest), return it (compare memory), or its default.")
    parser.add_argument("--in_process", action="store_true", help="Measure the first setting here (used for the per-setting processes).")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> list[dict]:
    args = parse_arguments(argv)
    if args.in_process:
        applied = ALLOCATOR_POLICIES[args.allocator]()
        record = run_benchmark(BenchmarkSetting(args.jobs[0], args.presets[0], args.batch_size, args.steps, args.warmup_steps))
        record["allocator"] = args.allocator if applied or args.allocator == "default" else "default (not glibc)"
        print(json.dumps(record))
        return [record]
    records = []
    for preset in args.presets:
        for job in args.jobs:
            command = [sys.executable, __file__, "--in_process", "--jobs", job, "--presets", preset,
                       "--steps", str(args.steps), "--warmup_steps", str(args.warmup_steps), "--allocator", args.allocator]
            if args.batch_size:
                command += ["--batch_size", str(args.batch_size)]
            output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
            records.append(json.loads(output.strip().splitlines()[-1]))
            print(json.dumps(records[-1]), flush=True)
    return records


if __name__ == "__main__":
    main()
