"""Where a fine-tuning step's time and memory go, LoRA against full fine-tuning, at one model size.

    OMP_NUM_THREADS=1 python examples/lora_step_profile.py --batch_size 8

For each mode, one warm-up step, then one forward and backward of SpectrumFMForSequenceClassification
(the paper configuration unless ``--config_overrides`` says otherwise) under ``torch.profiler``:
the time in matrix multiplies (``aten::mm``/``addmm``/``bmm``) against everything else, the
memory the step's operators allocate, and the bytes autograd keeps for the backward (unique
storages seen by ``saved_tensors_hooks``). It bounds what freezing weights can save: a frozen
weight skips its gradient's matrix multiply, about a third of that weight's matmul time, and
nothing else. Prints one JSON line per mode.
"""

from __future__ import annotations

import argparse
import json

import torch
from torch.profiler import ProfilerActivity, profile

from spectrumfm_hf import SpectrumFMConfig, SpectrumFMForSequenceClassification
from spectrumfm_hf.training.adaptation import adapt_model, count_parameters

MATMUL_OPS = ("aten::mm", "aten::addmm", "aten::bmm")


def saved_for_backward_bytes(model, inputs) -> int:
    """Bytes of the unique storages autograd saves during one forward."""
    storages: dict[int, int] = {}

    def pack(tensor):
        storages[tensor.untyped_storage().data_ptr()] = tensor.untyped_storage().nbytes()
        return tensor

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda tensor: tensor):
        model(**inputs)
    return sum(storages.values())


def profile_mode(mode: str, config: SpectrumFMConfig, batch_size: int, seed: int) -> dict:
    torch.manual_seed(seed)
    inputs = {"input_values": torch.rand(batch_size, config.max_position_embeddings, config.num_input_channels),
              "labels": torch.randint(0, config.num_labels, (batch_size,))}
    model = adapt_model(SpectrumFMForSequenceClassification(config), mode)
    model.train()
    model(**inputs).loss.backward()  # warm-up: one-off allocations and kernel choices
    model.zero_grad(set_to_none=True)
    with profile(activities=[ProfilerActivity.CPU], profile_memory=True) as profiler:
        model(**inputs).loss.backward()
    events = profiler.key_averages()
    total_us = sum(event.self_cpu_time_total for event in events)
    matmul_us = sum(event.self_cpu_time_total for event in events if event.key in MATMUL_OPS)
    allocated = sum(max(event.self_cpu_memory_usage, 0) for event in events)
    parameters = count_parameters(model)
    return {
        "mode": mode, "batch_size": batch_size, "step_s": total_us / 1e6, "matmul_s": matmul_us / 1e6,
        "other_s": (total_us - matmul_us) / 1e6, "matmul_calls": sum(e.count for e in events if e.key in MATMUL_OPS),
        "allocated_mib": allocated / 2**20,
        "saved_for_backward_mib": saved_for_backward_bytes(model, inputs) / 2**20,
        "trainable_parameters": parameters.trainable, "threads": torch.get_num_threads(),
    }


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batch_size", type=int, default=8, help="Windows per step.")
    parser.add_argument("--modes", nargs="+", default=["full", "lora"], help="Adaptation modes, profiled in order.")
    parser.add_argument("--config_overrides", default="{}", help="JSON of SpectrumFMConfig arguments (paper config by default).")
    parser.add_argument("--seed", type=int, default=0, help="Seed of the weights and inputs.")
    args = parser.parse_args(argv)
    config = SpectrumFMConfig(num_labels=11, **json.loads(args.config_overrides))
    results = [profile_mode(mode, config, args.batch_size, args.seed) for mode in args.modes]
    for result in results:
        print(json.dumps(result))
    return results


if __name__ == "__main__":
    main()
