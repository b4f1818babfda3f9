"""Training throughput through Trainer: pre-training and LoRA / full fine-tuning, paper and small presets.

    OMP_NUM_THREADS=<cores> python examples/benchmark_training.py --steps 5
    python examples/benchmark_training.py --jobs finetune-lora finetune-full --presets paper --batch_size 32
    OMP_NUM_THREADS=1 python examples/benchmark_training.py --jobs pretraining --presets small-cpu \
        --optimizers adamw_torch adamw_torch_fused --precisions fp32 bf16 --rounds 3 --output results.jsonl

Prints one JSON line per setting: examples/s, seconds per step, the share of step time spent
waiting for data (feature extraction and masking included), peak RSS (each setting runs in a
process of its own, so the peak is its own) and the precision chosen from the hardware.
Compare speeds only within one run, as ratios: other load on the machine shifts them all.

``--allocator`` sets what glibc does with freed memory: ``keep`` it for reuse (the default,
fastest: see ``spectrumfm_hf.performance.tune_cpu_allocator``), ``return`` it to the kernel at
once, so that the peak RSS follows the memory the step really holds (compare memory this
way), or leave glibc's ``default``. Every line names the allocator it ran with.

``--optimizers`` compares AdamW implementations (the presets take the fused one where torch has
it) and ``--precisions`` forces fp32 or bf16 (see ``spectrumfm_hf.performance.choose_precision``);
``--rounds`` runs every setting once per round, so that a change in the machine's load falls on
all of them alike. ``--output`` appends the lines, each with the command, the CPU's model name and
bf16 flags and the torch version, to a JSON-lines file.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys

from spectrumfm_hf.performance import PRECISION_OPTIONS, cpu_features, return_freed_memory, tune_cpu_allocator
from spectrumfm_hf.training.benchmark import BENCHMARK_JOBS, BenchmarkSetting, run_benchmark
from spectrumfm_hf.training.presets import PRESETS


ALLOCATOR_POLICIES = {"keep": tune_cpu_allocator, "return": return_freed_memory, "default": lambda: False}
OPTIMIZERS = ("adamw_torch", "adamw_torch_fused")
# CPU flags that say how bf16 runs: AMX tiles, AVX512-BF16 dot products, and the AVX-512 base.
BF16_FLAGS = ("amx_bf16", "amx_tile", "avx512_bf16", "avx512f")


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", nargs="+", choices=BENCHMARK_JOBS, default=list(BENCHMARK_JOBS), help="What to train.")
    parser.add_argument("--presets", nargs="+", choices=sorted(PRESETS), default=["small-cpu", "paper"], help="Model sizes and recipes.")
    parser.add_argument("--batch_size", type=int, default=None, help="Captures per step; each preset's own when unset.")
    parser.add_argument("--steps", type=int, default=5, help="Measured steps per setting.")
    parser.add_argument("--warmup_steps", type=int, default=1, help="Steps run first and not measured.")
    parser.add_argument("--allocator", choices=sorted(ALLOCATOR_POLICIES), default="keep",
                        help="What glibc does with freed memory: keep it (fastest), return it (compare memory), or its default.")
    parser.add_argument("--optimizers", nargs="+", choices=OPTIMIZERS, default=None,
                        help="TrainingArguments.optim values to compare; the presets' choice when unset.")
    parser.add_argument("--precisions", nargs="+", choices=PRECISION_OPTIONS, default=None,
                        help="Precisions to force; SPECTRUMFM_PRECISION, else the hardware's, when unset.")
    parser.add_argument("--rounds", type=int, default=1, help="Times every setting runs, one round after another.")
    parser.add_argument("--output", default=None, help="JSON-lines file the records are appended to.")
    parser.add_argument("--in_process", action="store_true", help="Measure the first setting here (used for the per-setting processes).")
    return parser.parse_args(argv)


def machine_record() -> dict:
    """What a measurement needs beside it: the CPU's model name and bf16 flags, threads and the torch version."""
    import torch

    features = cpu_features()
    return {
        "cpu": features.model_name,
        "cpu_bf16_flags": sorted(flag for flag in features.flags if flag in BF16_FLAGS),
        "torch": torch.__version__,
        "omp_num_threads": os.environ.get("OMP_NUM_THREADS"),
        "torch_threads": torch.get_num_threads(),
    }


def main(argv: list[str] | None = None) -> list[dict]:
    args = parse_arguments(argv)
    if args.in_process:
        applied = ALLOCATOR_POLICIES[args.allocator]()
        setting = BenchmarkSetting(args.jobs[0], args.presets[0], args.batch_size, args.steps, args.warmup_steps,
                                   optim=(args.optimizers or [None])[0], precision=(args.precisions or [None])[0])
        record = run_benchmark(setting)
        record["allocator"] = args.allocator if applied or args.allocator == "default" else "default (not glibc)"
        record.update(machine_record())
        print(json.dumps(record))
        return [record]
    records = []
    command_line = shlex.join(["python", "examples/benchmark_training.py", *(sys.argv[1:] if argv is None else argv)])
    for round_index in range(args.rounds):
        for preset in args.presets:
            for job in args.jobs:
                for precision in args.precisions or [None]:
                    for optimizer in args.optimizers or [None]:
                        command = [sys.executable, __file__, "--in_process", "--jobs", job, "--presets", preset,
                                   "--steps", str(args.steps), "--warmup_steps", str(args.warmup_steps),
                                   "--allocator", args.allocator]
                        command += ["--batch_size", str(args.batch_size)] if args.batch_size else []
                        command += ["--optimizers", optimizer] if optimizer else []
                        command += ["--precisions", precision] if precision else []
                        output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
                        record = {"command": command_line, "round": round_index,
                                  **json.loads(output.strip().splitlines()[-1])}
                        records.append(record)
                        print(json.dumps(record), flush=True)
                        if args.output:
                            with open(args.output, "a", encoding="utf-8") as results:
                                results.write(json.dumps(record) + "\n")
    return records


if __name__ == "__main__":
    main()
