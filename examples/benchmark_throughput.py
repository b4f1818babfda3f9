"""Training-step time and inference throughput of SpectrumFM at the paper configuration.

Settings: fp32 and bf16 autocast, each eager and with ``torch.compile``; on a GPU also the
model FLOPs utilisation. Each setting runs in its own process so that its peak RSS is its
own. Prints one JSON line per setting and measurement.

    python examples/benchmark_throughput.py                    # all settings, 2 CPU threads
    python examples/benchmark_throughput.py --settings fp32-eager bf16-eager --steps 3
    python examples/benchmark_throughput.py --settings fp32-eager --train-batch 16 --profile

``--profile`` traces one more training step with ``torch.profiler`` and prints the share of
CPU time spent in matrix multiplies (GEMMs alone, and GEMMs with the fused attention
kernels) and the largest other operators.

Training step: forward of SpectrumFMForPretraining (masked reconstruction + next-slot
prediction), backward and an AdamW update (the fused implementation, as ``Trainer``'s default
``adamw_torch_fused``), batch 64. Inference: SpectrumFMModel forward in
inference mode, batch 256, windows per second. Inputs are random windows in [0, 1] from a
fixed seed; the figures depend on the machine, not on the data.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time

SETTINGS = ("fp32-eager", "bf16-eager", "fp32-compile", "bf16-compile")
# Dense bf16 tensor throughput by device name, for model FLOPs utilisation (TFLOP/s).
GPU_PEAK_BF16_TFLOPS = {"H100": 989.0, "H200": 989.0, "A100": 312.0, "L40S": 362.0, "4090": 165.0}


def encoder_flops_per_window(config, num_symbols: int) -> float:
    """Matrix-multiply FLOPs of one encoder forward over one window (2 per multiply-add)."""
    d, f, n = config.hidden_size, config.intermediate_size, num_symbols
    per_symbol_per_layer = (
        2 * 2 * d * f  # two feed-forward modules, two linear maps each
        + 4 * d * d  # query, key, value, output
        + 2 * n * d  # scores and weighted sum over n keys
        + 2 * d * d + d * d  # pointwise d -> 2d and d -> d
        + config.conv_kernel_size * d  # depthwise
    )
    return 2.0 * per_symbol_per_layer * n * config.num_hidden_layers + 2.0 * config.num_input_channels * d * n


def pretraining_step_flops(config, batch_size: int, num_symbols: int) -> float:
    """Forward + backward (about twice the forward) of one pre-training step, encoder only."""
    passes = 1 if config.pretraining_single_pass else 2
    return 3.0 * passes * encoder_flops_per_window(config, num_symbols) * batch_size


# Operators whose time counts as matrix multiplication in the profile.
GEMM_OPERATORS = ("aten::mm", "aten::addmm", "aten::bmm", "aten::baddbmm", "aten::addbmm", "aten::_addmm_activation")
# Fused attention kernels: two GEMMs per head inside, with the softmax between them.
ATTENTION_OPERATOR_PREFIX = "aten::_scaled_dot_product"


def matmul_shares(profiler) -> dict:
    """Shares of the profiled self CPU time in GEMMs, in GEMMs plus fused attention, and the largest other operators."""
    events = profiler.key_averages()
    total = sum(event.self_cpu_time_total for event in events) or 1.0
    gemm = sum(event.self_cpu_time_total for event in events if event.key in GEMM_OPERATORS)
    attention = sum(event.self_cpu_time_total for event in events if event.key.startswith(ATTENTION_OPERATOR_PREFIX))
    others = sorted(
        (event for event in events if event.key not in GEMM_OPERATORS and not event.key.startswith(ATTENTION_OPERATOR_PREFIX)),
        key=lambda event: event.self_cpu_time_total, reverse=True,
    )
    return {
        "matmul_share": round(gemm / total, 4),
        "matmul_and_attention_share": round((gemm + attention) / total, 4),
        "largest_other_operators": {event.key: round(event.self_cpu_time_total / total, 4) for event in others[:8]},
    }


def peak_rss_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # KiB on Linux


def run_setting(args) -> list[dict]:
    import torch

    from spectrumfm_hf import SpectrumFMConfig, SpectrumFMForPretraining, SpectrumFMModel
    from spectrumfm_hf.performance import tune_cpu_allocator

    allocator_tuned = tune_cpu_allocator() if not args.default_allocator else False
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    device = torch.device("cuda" if torch.cuda.is_available() and not args.cpu else "cpu")
    precision, mode = args.worker.split("-")
    autocast = torch.autocast(device.type, dtype=torch.bfloat16, enabled=precision == "bf16")
    config = SpectrumFMConfig()  # the paper's: d=256, d_feed=512, H=4, L=16, N=128
    n = config.max_position_embeddings
    generator = torch.Generator(device="cpu").manual_seed(args.seed)
    common = {
        "setting": args.worker, "device": torch.cuda.get_device_name(0) if device.type == "cuda" else platform.processor() or "cpu",
        "torch": torch.__version__, "threads": args.threads, "seed": args.seed, "allocator_tuned": allocator_tuned,
        "config": {k: getattr(config, k) for k in ("hidden_size", "intermediate_size", "num_attention_heads",
                                                   "num_hidden_layers", "max_position_embeddings", "mask_ratio")},
    }

    def synchronize():
        if device.type == "cuda":
            torch.cuda.synchronize()

    def timed(step, repeats):
        times = []
        for _ in range(repeats):
            synchronize()
            start = time.perf_counter()
            step()
            synchronize()
            times.append(time.perf_counter() - start)
        return times

    results = []
    # --- training step -------------------------------------------------------------------
    model = SpectrumFMForPretraining(config).to(device).train()
    if args.gradient_checkpointing:
        model.activation_checkpointing_enable(activation_checkpointing_kwargs={"use_reentrant": False})
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3, fused=args.optimizer == "fused",
                                  foreach=args.optimizer == "foreach")
    forward = torch.compile(model) if mode == "compile" else model
    batch = torch.rand(args.train_batch, n, 2, generator=generator).to(device)
    masks = [model.make_symbol_mask(args.train_batch, n, generator).to(device) for _ in range(4)]
    state = {"i": 0}

    def train_step():
        with autocast:
            loss = forward(batch, symbol_mask=masks[state["i"] % 4]).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        state["i"] += 1

    compile_start = time.perf_counter()
    timed(train_step, args.warmup)
    warmup_s = time.perf_counter() - compile_start
    times = timed(train_step, args.steps)
    step_s = statistics.median(times)
    record = {**common, "measurement": "train_step", "batch_size": args.train_batch,
              "gradient_checkpointing": args.gradient_checkpointing, "optimizer": args.optimizer,
              "seconds_per_step": round(step_s, 4),
              "steps_timed": args.steps, "warmup_seconds": round(warmup_s, 2), "peak_rss_gib": round(peak_rss_gib(), 3)}
    if device.type == "cuda":
        record["peak_gpu_memory_gib"] = round(torch.cuda.max_memory_allocated() / 2**30, 3)
        peak = next((v for k, v in GPU_PEAK_BF16_TFLOPS.items() if k in common["device"]), None)
        if peak and precision == "bf16":
            achieved = pretraining_step_flops(config, args.train_batch, n) / step_s / 1e12
            record["model_tflops"] = round(achieved, 2)
            record["mfu"] = round(achieved / peak, 4)
    results.append(record)
    print(json.dumps(record), flush=True)
    if args.profile:
        from torch.profiler import ProfilerActivity, profile

        with profile(activities=[ProfilerActivity.CPU]) as profiler:
            train_step()
        record = {**common, "measurement": "train_step_profile", "batch_size": args.train_batch,
                  "optimizer": args.optimizer, **matmul_shares(profiler)}
        results.append(record)
        print(json.dumps(record), flush=True)
    del model, optimizer, forward

    # --- inference ---------------------------------------------------------------------
    encoder = SpectrumFMModel(config).to(device).eval()
    run = torch.compile(encoder) if mode == "compile" else encoder
    windows = torch.rand(args.infer_batch, n, 2, generator=generator).to(device)

    def infer():
        with torch.inference_mode(), autocast:
            run(windows)

    timed(infer, max(1, args.warmup - 1))
    times = timed(infer, args.steps)
    seconds = statistics.median(times)
    record = {**common, "measurement": "inference", "batch_size": args.infer_batch,
              "windows_per_second": round(args.infer_batch / seconds, 1), "seconds_per_batch": round(seconds, 4),
              "peak_rss_gib": round(peak_rss_gib(), 3)}
    if device.type == "cuda":
        peak = next((v for k, v in GPU_PEAK_BF16_TFLOPS.items() if k in common["device"]), None)
        if peak and precision == "bf16":
            achieved = encoder_flops_per_window(config, n) * args.infer_batch / seconds / 1e12
            record["model_tflops"] = round(achieved, 2)
            record["mfu"] = round(achieved / peak, 4)
    results.append(record)
    print(json.dumps(record), flush=True)
    return results


def main() -> None:
    # Abbreviations refused: the workers get this command line with "--settings" and its values removed by name.
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter,
                                     allow_abbrev=False)
    parser.add_argument("--settings", nargs="+", default=list(SETTINGS), choices=SETTINGS)
    parser.add_argument("--threads", type=int, default=2, help="CPU threads (torch.set_num_threads)")
    parser.add_argument("--train-batch", type=int, default=64)
    parser.add_argument("--infer-batch", type=int, default=256)
    parser.add_argument("--steps", type=int, default=3, help="timed repetitions; the median is reported")
    parser.add_argument("--warmup", type=int, default=2, help="untimed repetitions first (compilation happens here)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cpu", action="store_true", help="stay on the CPU even if a GPU is present")
    parser.add_argument("--default-allocator", action="store_true",
                        help="leave glibc malloc as it is (see spectrumfm_hf.performance.tune_cpu_allocator)")
    parser.add_argument("--gradient-checkpointing", action="store_true", help="checkpoint each encoder layer")
    parser.add_argument("--optimizer", choices=("fused", "foreach", "loop"), default="fused",
                        help="AdamW implementation: fused (Trainer's default), foreach, or the per-parameter loop")
    parser.add_argument("--profile", action="store_true",
                        help="profile one more training step and print the matrix-multiply share of its time")
    parser.add_argument("--worker", choices=SETTINGS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        run_setting(args)
        return
    for setting in args.settings:
        command = [sys.executable, os.path.abspath(__file__), "--worker", setting] + [
            a for a in sys.argv[1:] if a not in args.settings and a != "--settings"
        ]
        completed = subprocess.run(command, capture_output=True, text=True)
        sys.stdout.write(completed.stdout)
        if completed.returncode != 0:
            print(json.dumps({"setting": setting, "error": completed.stderr.strip().splitlines()[-1:]}), flush=True)


if __name__ == "__main__":
    main()
