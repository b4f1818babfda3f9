"""``spectrumfm finetune``: adapt a pre-trained SpectrumFM to one task (Algorithm 2), then evaluate it."""

from __future__ import annotations

import argparse
import os

from .pretrain import add_training_command_parser, check_output_dir, clear_output_dir, command_line, parse_training_command

SCRIPT_CLASS = "FinetuningScriptArguments"


def finetune_command_parser(subparsers: argparse._SubParsersAction | None = None) -> argparse.ArgumentParser:
    """Add ``finetune`` to ``subparsers`` (or return a parser of its own when ``None``)."""
    parser = add_training_command_parser(
        subparsers,
        "finetune",
        "fine-tune a task adapter (LoRA), the whole model or a linear probe, then evaluate it",
        "Fine-tune SpectrumFM for one task on seeded generated data split 70/10/20 into train / validation / "
        "test by class and SNR: a LoRA adapter on the frozen encoder (default), full fine-tuning or a linear "
        "probe. Early stopping watches the validation split; the test split is scored once at the end, with "
        "figures (accuracy vs SNR, confusion matrix, ROC for ss and ad, t-SNE of embeddings, loss curves), "
        "evaluation.json and run_metrics.json (what `spectrumfm push` builds cards from). Every "
        "TrainingArguments option is accepted; the preset fills the rest.",
        SCRIPT_CLASS,
    )
    parser.set_defaults(func=finetune_command)
    return parser


def finetune_command(args: argparse.Namespace) -> int:
    """Fine-tune and evaluate as ``args`` say, and print the headline figure and where everything went."""
    check_output_dir(args.output_dir, args.resume, args.overwrite)
    if args.pretrained_model is not None and not os.path.isdir(args.pretrained_model):
        raise FileNotFoundError(f"--pretrained-model {args.pretrained_model!r}: no such folder")
    from ..training.recipes import FinetuningScriptArguments, run_finetuning

    script_args, training_args = parse_training_command(FinetuningScriptArguments, args)
    if args.overwrite:
        clear_output_dir(args.output_dir)
    summary = run_finetuning(script_args, training_args, command=command_line("finetune", args, SCRIPT_CLASS))
    print(headline(summary, args.min_snr_db))
    artefact = "adapter" if args.adaptation == "lora" else "model"
    where = os.path.join(args.output_dir, "adapter") if args.adaptation == "lora" else args.output_dir
    print(f"{artefact} saved to {where}; figures: {', '.join(sorted(summary['figures'].values()))} in {args.output_dir}")
    return 0


def headline(summary: dict, min_snr_db: float) -> str:
    """One line with the test figure a fine-tuning run is judged by."""
    test = summary["test"]
    if summary["task"] == "ad":
        return (f"test AUC {test['auc']:.3f}; threshold {summary['threshold']:.4g} flags "
                f"{100 * summary['detection_rate']:.1f} % of anomalous and {100 * summary['false_alarm_rate']:.1f} % "
                "of normal windows")
    return (f"test accuracy at SNR >= {min_snr_db:g} dB: {100 * test[f'test_accuracy_snr_ge_{min_snr_db:g}db']:.1f} % "
            f"({100 * test['test_accuracy']:.1f} % over all SNRs)")
