"""Does pre-training help? The same LoRA fine-tuning budget from a pre-trained and from a random encoder.

    python examples/pretraining_benefit.py --output_dir runs/pretraining-benefit

Fine-tunes AMC (RML2016.10a's 11 classes, the generator's default ``broad`` chain) with LoRA
on a stratified share of the training labels (``--label_fraction``, 10 % by default), once
from the pre-trained encoder (the shipped ``spectrumfm-small`` unless ``--pretrained_model``
names another) and once from a randomly initialised encoder of the same size, for each seed.
Both arms get the same data, steps and LoRA settings; only the encoder's starting weights
differ. Each run is ``examples/finetune.py`` with the arguments printed beside its result, and
a finished run is not repeated when the command is run again.

Writes ``<output_dir>/pretraining_benefit.json`` (every run's summary, the mean and standard
deviation per arm, the SHA-256 of the pre-trained weights, the CPU and its feature flags) and
``pretraining_benefit.md`` (the table). Paths in them are relative to the repository root, where
the recorded commands run, so that the files hold no machine's absolute paths.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import time
from pathlib import Path

import numpy as np

METRIC = "test_accuracy_snr_ge_10db"
ARMS = ("pretrained", "random")
REPOSITORY = Path(__file__).resolve().parent.parent


def repository_relative(path: str | os.PathLike[str]) -> str:
    """``path`` relative to the repository root, the folder the recorded commands run from."""
    return Path(os.path.relpath(Path(path).resolve(), REPOSITORY)).as_posix()


def finetune_arguments(arm: str, seed: int, args: argparse.Namespace, output_dir: str | os.PathLike[str],
                       pretrained_model: str) -> list[str]:
    """The ``examples/finetune.py`` command line of one run, writing to ``output_dir``."""
    argv = [
        "--task", "amc", "--adaptation", "lora", "--preset", "small-cpu",
        "--few_shot_fraction", str(args.label_fraction), "--seed", str(seed),
        "--output_dir", str(output_dir), "--disable_tqdm", "true",
    ]
    if args.num_train_epochs is not None:
        argv += ["--num_train_epochs", str(args.num_train_epochs)]
    if arm == "pretrained":
        argv += ["--pretrained_model", pretrained_model]
    return argv


def run_arm(arm: str, seed: int, args: argparse.Namespace) -> dict:
    """One fine-tuning run, or its stored summary when it already finished."""
    from finetune import main as finetune  # examples/finetune.py, beside this script

    output_dir = Path(args.output_dir) / f"{arm}-seed{seed}"
    summary_path = output_dir / "finetuning_summary.json"
    if summary_path.is_file():
        summary = json.loads(summary_path.read_text())
    else:
        summary = finetune(finetune_arguments(arm, seed, args, output_dir, args.pretrained_model))
    recorded = finetune_arguments(arm, seed, args, repository_relative(output_dir),
                                  repository_relative(args.pretrained_model))
    return {"arm": arm, "seed": seed, "command": "python examples/finetune.py " + " ".join(recorded),
            "accuracy_snr_ge_10db": float(summary["test"][METRIC]),
            "accuracy": float(summary["test"]["test_accuracy"]), "wall_s": float(summary["wall_s"]),
            "precision": summary["precision"]["precision"]}


def table(runs: list[dict], args: argparse.Namespace) -> tuple[dict, str]:
    """Mean and standard deviation per arm, and the Markdown table of them."""
    per_arm = {}
    for arm in ARMS:
        values = np.array([run["accuracy_snr_ge_10db"] for run in runs if run["arm"] == arm]) * 100
        overall = np.array([run["accuracy"] for run in runs if run["arm"] == arm]) * 100
        per_arm[arm] = {"mean": float(values.mean()), "std": float(values.std(ddof=1)) if len(values) > 1 else 0.0,
                        "overall_mean": float(overall.mean()), "values": values.tolist()}
    lines = [
        f"AMC (RML2016.10a classes, broad chain), LoRA r=16, {args.label_fraction:.0%} of the training labels, "
        f"seeds {', '.join(map(str, args.seeds))}: test accuracy (%)",
        "",
        "| encoder | SNR >= 10 dB | all SNRs | per seed (SNR >= 10 dB) |",
        "|---|---|---|---|",
    ]
    for arm in ARMS:
        stats = per_arm[arm]
        seeds = ", ".join(f"{value:.1f}" for value in stats["values"])
        lines.append(f"| {arm} | {stats['mean']:.1f} ± {stats['std']:.1f} | {stats['overall_mean']:.1f} | {seeds} |")
    return per_arm, "\n".join(lines) + "\n"


def measured_on(result: dict) -> str:
    """The CPU and precision a ``pretraining_benefit.json`` records (older files lack the precision)."""
    # Older files hold the CPU's model inside the repr of its CPUFeatures.
    model = re.search(r"model_name='([^']*)'", str(result.get("cpu_features", "")))
    cpu = result.get("cpu_model") or (model.group(1) if model else result.get("cpu", "CPU not recorded"))
    return f"{cpu}, {result['precision']}" if "precision" in result else f"{cpu}, precision not recorded"


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--output_dir", required=True, help="Folder of the runs and the result files.")
    parser.add_argument("--pretrained_model", default=None,
                        help="Pre-trained encoder folder; the shipped spectrumfm-small when unset.")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2], help="Seeds; one run per arm each.")
    parser.add_argument("--label_fraction", type=float, default=0.1, help="Share of the training labels used.")
    parser.add_argument("--num_train_epochs", type=float, default=None, help="Fine-tuning epochs; the preset's when unset.")
    args = parser.parse_args(argv)
    if args.pretrained_model is None:
        from spectrumfm_hf import pretrained_path

        args.pretrained_model = str(pretrained_path("spectrumfm-small"))
    start = time.perf_counter()
    runs = [run_arm(arm, seed, args) for seed in args.seeds for arm in ARMS]
    per_arm, markdown = table(runs, args)
    from spectrumfm_hf.benchmarks.harness import encoder_record
    from spectrumfm_hf.performance import cpu_features

    features = cpu_features()
    result = {"runs": runs, "per_arm": per_arm, "label_fraction": args.label_fraction, "seeds": args.seeds,
              "pretrained_model": repository_relative(args.pretrained_model),
              "pretrained_weights_sha256": encoder_record(Path(args.pretrained_model), None)["weights_sha256"],
              "cpu": platform.processor() or platform.machine(), "cpu_model": features.model_name,
              "cpu_features": sorted(features.flags), "precision": ", ".join(sorted({run["precision"] for run in runs})),
              "wall_s_this_invocation": time.perf_counter() - start}
    output_dir = Path(args.output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    (output_dir / "pretraining_benefit.json").write_text(json.dumps(result, indent=2) + "\n")
    (output_dir / "pretraining_benefit.md").write_text(markdown)
    print(markdown)
    return result


if __name__ == "__main__":
    main()
