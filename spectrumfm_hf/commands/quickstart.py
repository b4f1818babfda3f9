"""``spectrumfm quickstart``: generate, pre-train (or load the shipped weights), fine-tune a LoRA AMC adapter, evaluate."""

from __future__ import annotations

import argparse
import os
import time
from dataclasses import dataclass, fields
from pathlib import Path

from .arguments import add_command_parser, add_precision_option, command_precision, non_negative_int, positive_int
from .pretrain import check_output_dir, clear_output_dir

SUMMARY_FILE = "summary.md"
SHIPPED_BASE = "spectrumfm-small"
# Steps between training-loss entries: enough points for a loss curve on the quick start's budget.
LOGGING_STEPS = 10


@dataclass(frozen=True)
class QuickstartBudget:
    """How much the quick start generates and trains: the whole of its cost on a CPU.

    Attributes:
        pretraining_examples: generated pre-training captures (128 samples each).
        pretraining_validation_examples: generated captures its early stopping watches.
        pretraining_epochs: passes over the pre-training captures.
        finetuning_examples: generated AMC captures, split 70/10/20 into train / validation / test.
        finetuning_epochs: passes over the AMC training split.
    """

    pretraining_examples: int = 4096
    pretraining_validation_examples: int = 512
    pretraining_epochs: int = 3
    finetuning_examples: int = 6600
    finetuning_epochs: int = 4


QUICKSTART_BUDGET = QuickstartBudget()

_BUDGET_HELP = {
    "pretraining_examples": "generated pre-training captures",
    "pretraining_validation_examples": "generated pre-training validation captures",
    "pretraining_epochs": "pre-training epochs",
    "finetuning_examples": "generated AMC captures (70/10/20 train / validation / test)",
    "finetuning_epochs": "AMC fine-tuning epochs",
}


def quickstart_command_parser(subparsers: argparse._SubParsersAction | None = None) -> argparse.ArgumentParser:
    """Add ``quickstart`` to ``subparsers`` (or return a parser of its own when ``None``)."""
    parser = add_command_parser(
        subparsers,
        "quickstart",
        "generate data, pre-train, fine-tune a LoRA AMC adapter, evaluate and plot, on embedded defaults",
        "The first command to run: generates a small seeded corpus, pre-trains a small SpectrumFM (or, when "
        f"the package ships '{SHIPPED_BASE}' weights, starts from them), fine-tunes a LoRA adapter for "
        "automatic modulation classification (RML2016.10a's 11 classes), evaluates it on its held-out test "
        f"split, and writes the figures and a Markdown summary ({SUMMARY_FILE}) to --output-dir.",
    )
    parser.add_argument("--output-dir", "--output_dir", dest="output_dir", default="spectrumfm-quickstart",
                        help="the folder to write everything to")
    parser.add_argument("--overwrite", action="store_true", help="delete what --output-dir holds and start afresh")
    parser.add_argument("--from-scratch", action="store_true",
                        help="pre-train even when shipped pre-trained weights are installed")
    parser.add_argument("--seed", type=non_negative_int, default=0, help="seed of the data, the masks and the weights")
    for field in fields(QuickstartBudget):
        parser.add_argument(f"--{field.name.replace('_', '-')}", type=positive_int, default=field.default,
                            help=_BUDGET_HELP[field.name])
    add_precision_option(parser)
    parser.set_defaults(func=quickstart_command)
    return parser


def shipped_base_model() -> str | None:
    """The installed folder of the shipped base model, or None when none ships."""
    from ..pretrained import available_pretrained, pretrained_path

    return os.fspath(pretrained_path(SHIPPED_BASE)) if SHIPPED_BASE in available_pretrained() else None


def quickstart_command(args: argparse.Namespace) -> int:
    """Run the quick start and print where its figures and summary are."""
    check_output_dir(args.output_dir, resume=False, overwrite=args.overwrite, resumable=False)
    precision = command_precision(args)
    from ..training.callbacks import EpochSummaryCallback
    from ..training.presets import preset_training_arguments
    from ..training.recipes import (
        FinetuningScriptArguments,
        PretrainingScriptArguments,
        run_finetuning,
        run_pretraining,
    )

    if args.overwrite:
        clear_output_dir(args.output_dir)
    # Absolute, so the adapter's record of its base stays valid from any working folder.
    output_dir = Path(args.output_dir).absolute()
    steps = []
    start = time.perf_counter()
    base = None if args.from_scratch else shipped_base_model()
    if base is None:
        print(f"spectrumfm quickstart: pre-training a small SpectrumFM on {args.pretraining_examples} generated captures")
        pretrain_dir = output_dir / "pretrain"
        summary = run_pretraining(
            PretrainingScriptArguments(num_train_examples=args.pretraining_examples,
                                       num_validation_examples=args.pretraining_validation_examples,
                                       precision=args.precision),
            preset_training_arguments(str(pretrain_dir), "small-cpu", "pretraining", precision, seed=args.seed,
                                      num_train_epochs=args.pretraining_epochs, eval_on_start=True,
                                      logging_steps=LOGGING_STEPS),
            command=_command_line(args),
            progress=EpochSummaryCallback(),
        )
        losses = summary["validation_losses"]
        _plot_pretraining_losses(pretrain_dir)
        steps.append(("pre-training", f"{args.pretraining_examples} mixture captures, {summary['parameters']:,} parameters",
                      f"validation loss {losses[0]:.4f} → {min(losses):.4f}", summary["wall_s"]))
        base = os.fspath(pretrain_dir)
    else:
        print(f"spectrumfm quickstart: starting from the shipped weights {SHIPPED_BASE} ({base})")
        steps.append(("pre-training", f"skipped: shipped weights '{SHIPPED_BASE}'", "", 0.0))
    print(f"spectrumfm quickstart: fine-tuning a LoRA AMC adapter on {args.finetuning_examples} generated captures")
    finetune_dir = output_dir / "amc-lora"
    script_args = FinetuningScriptArguments(task="amc", pretrained_model=base, num_examples=args.finetuning_examples,
                                            precision=args.precision)
    summary = run_finetuning(
        script_args,
        preset_training_arguments(str(finetune_dir), "small-cpu", "classification", precision, seed=args.seed,
                                  num_train_epochs=args.finetuning_epochs, logging_steps=LOGGING_STEPS),
        command=_command_line(args),
        progress=EpochSummaryCallback(min_snr_db=script_args.min_snr_db),
    )
    test = summary["test"]
    high_snr = test[f"test_accuracy_snr_ge_{script_args.min_snr_db:g}db"]
    steps.append(("LoRA fine-tuning + test", f"{summary['num_train_examples']} training captures, "
                  f"{100 * summary['trainable_share']:.1f} % of the parameters trained",
                  f"accuracy {100 * high_snr:.1f} % at SNR ≥ {script_args.min_snr_db:g} dB "
                  f"({100 * test['test_accuracy']:.1f} % over all SNRs)", summary["wall_s"]))
    wall_s = time.perf_counter() - start
    summary_path = output_dir / SUMMARY_FILE
    _write_summary(summary_path, steps, summary, finetune_dir, wall_s)
    print(f"accuracy at SNR >= {script_args.min_snr_db:g} dB: {100 * high_snr:.1f} % "
          f"(chance {100 / 11:.1f} %), {100 * test['test_accuracy']:.1f} % over all SNRs; {wall_s:.0f} s in all")
    print(f"summary: {summary_path}")
    print(f"figures: {', '.join(str(finetune_dir / name) for name in sorted(summary['figures'].values()))}")
    return 0


def _plot_pretraining_losses(pretrain_dir: Path) -> None:
    import json

    from ..plots import plot_loss_curves

    history = json.loads((pretrain_dir / "trainer_state.json").read_text())["log_history"]
    plot_loss_curves(history, pretrain_dir / "loss_curves.png", title="Pre-training: training and validation loss",
                     loss_name="masked reconstruction + next-slot MSE")


def _command_line(args: argparse.Namespace) -> str:
    """The ``spectrumfm quickstart`` command that repeats this run (budget options that differ from the defaults)."""
    words = ["spectrumfm", "quickstart", "--seed", str(args.seed)]
    for field in fields(QuickstartBudget):
        if getattr(args, field.name) != field.default:
            words += [f"--{field.name.replace('_', '-')}", str(getattr(args, field.name))]
    if args.precision is not None:
        words += ["--precision", args.precision]
    return " ".join(words + (["--from-scratch"] if args.from_scratch else []))


def _write_summary(path: Path, steps: list, summary: dict, finetune_dir: Path, wall_s: float) -> None:
    per_snr = {key[len("test_accuracy_snr_"):-len("db")]: value for key, value in summary["test"].items()
               if key.startswith("test_accuracy_snr_") and not key.startswith("test_accuracy_snr_ge_")}
    lines = ["# SpectrumFM quick start", "", "| step | what | result | wall time (s) |", "|---|---|---|---|"]
    lines += [f"| {step} | {what} | {result} | {seconds:.0f} |" for step, what, result, seconds in steps]
    lines += ["", f"Total wall time: {wall_s:.0f} s. Precision: {summary['precision']['precision']} "
              f"({summary['precision']['reason']}).", "", "## Test accuracy per SNR (AMC, 11 classes, chance 9.1 %)", "",
              "| SNR (dB) | accuracy (%) |", "|---|---|"]
    lines += [f"| {snr} | {100 * value:.1f} |" for snr, value in sorted(per_snr.items(), key=lambda item: float(item[0]))]
    lines += ["", "## Figures", ""]
    pretraining_figure = path.parent / "pretrain" / "loss_curves.png"
    if pretraining_figure.is_file():
        lines.append(f"- `{os.path.relpath(pretraining_figure, path.parent)}` (pre-training)")
    lines += [f"- `{os.path.relpath(finetune_dir / name, path.parent)}`" for name in sorted(summary["figures"].values())]
    lines += ["", f"The adapter is in `{os.path.relpath(finetune_dir / 'adapter', path.parent)}`; "
              "`spectrumfm predict CAPTURE --model` that folder classifies a recording.", ""]
    # Written beside, then renamed: the summary appears whole.
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text("\n".join(lines), encoding="utf-8")
    os.replace(partial, path)
