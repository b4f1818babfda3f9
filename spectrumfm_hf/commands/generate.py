"""``spectrumfm generate``: a synthetic data set, split, with its dataset card, written to a folder."""

from __future__ import annotations

import argparse
import ast
import os
import tempfile
from pathlib import Path

from .arguments import UsageError, add_command_parser, fraction, non_negative_int, positive_int

_REGISTRY_SOURCE = Path(__file__).resolve().parent.parent / "data" / "registry.py"


def generator_names() -> tuple[str, ...]:
    """``GENERATOR_NAMES`` of :mod:`spectrumfm_hf.data.registry`, read from its source.

    Importing the data package takes seconds (numpy, datasets, torch); the names are needed to
    parse arguments, which must answer at once.
    """
    try:
        tree = ast.parse(_REGISTRY_SOURCE.read_text(encoding="utf-8"))
    except (OSError, SyntaxError):
        tree = None
    for statement in tree.body if tree is not None else ():
        targets = statement.targets if isinstance(statement, ast.Assign) else [getattr(statement, "target", None)]
        if any(isinstance(target, ast.Name) and target.id == "GENERATOR_NAMES" for target in targets):
            return tuple(ast.literal_eval(statement.value))
    from ..data.registry import GENERATOR_NAMES  # installed without sources: import it after all

    return tuple(GENERATOR_NAMES)


def generate_command_parser(subparsers: argparse._SubParsersAction | None = None) -> argparse.ArgumentParser:
    """Add ``generate`` to ``subparsers`` (or return a parser of its own when ``None``)."""
    parser = add_command_parser(
        subparsers,
        "generate",
        "generate a synthetic data set to a folder",
        "Generate a seeded synthetic IQ data set, split it into train / validation / test stratified by "
        "label and SNR (the pre-training corpus stays one split), and save it with its dataset card. "
        "The folder appears only once complete; an interrupt leaves the previous folder or none.",
    )
    parser.add_argument("generator", choices=generator_names(), help="which task's generator makes the examples")
    parser.add_argument("--output", required=True, help="the folder to write (Arrow files and README.md card)")
    parser.add_argument("--overwrite", action="store_true", help="replace --output if it exists")
    parser.add_argument("--num-examples", type=positive_int, default=10_000, help="examples to generate")
    parser.add_argument("--num-samples", type=positive_int, default=128, help="complex IQ samples per example")
    parser.add_argument(
        "--seed", type=non_negative_int, default=0, help="the data set's seed (example i of seed s never changes)"
    )
    parser.add_argument("--num-proc", type=positive_int, default=1, help="processes generating shards in parallel")
    parser.add_argument(
        "--test-size",
        type=fraction,
        default=0.2,
        help="fraction of each label/SNR stratum for test (pretraining: not split)",
    )
    parser.add_argument(
        "--validation-size",
        type=fraction,
        default=0.1,
        help="fraction of each label/SNR stratum for validation (0: no validation split)",
    )
    parser.set_defaults(func=generate_command)
    return parser


def generate_command(args: argparse.Namespace) -> int:
    """Generate, split and save the data set ``args`` describe."""
    from ..io_utils import atomic_output_dir

    if args.test_size + args.validation_size >= 1:
        raise UsageError(
            "--test-size + --validation-size must leave examples for training, "
            f"got {args.test_size} + {args.validation_size}"
        )
    with atomic_output_dir(args.output, overwrite=args.overwrite) as staging:
        from ..data.hf import dataset_card, save_dataset, stratified_split, to_dataset
        from ..data.registry import make_generator

        try:
            generator = make_generator(args.generator, args.num_samples)
        except ValueError as error:
            raise UsageError(str(error)) from error
        # datasets' Arrow cache (and its .incomplete folders) lives beside the staging folder and
        # goes with it, so an interrupted run leaves nothing in ~/.cache either.
        with tempfile.TemporaryDirectory(prefix=f"{staging.name}.cache-", dir=staging.parent) as cache_dir:
            dataset = to_dataset(
                generator, args.num_examples, seed=args.seed, num_proc=args.num_proc, cache_dir=cache_dir
            )
            if args.generator != "pretraining":
                dataset = stratified_split(
                    dataset, test_size=args.test_size, validation_size=args.validation_size, seed=args.seed
                )
            card = dataset_card(
                dataset,
                pretty_name=f"SpectrumFM synthetic {generator.name}",
                summary=(
                    f"{args.num_examples} synthetic IQ examples of {args.num_samples} samples made by spectrumfm_hf."
                ),
                how_made=generator.description,
                license="apache-2.0",
                generator=generator,
                seed=args.seed,
            )
            save_dataset(dataset, staging, card)
    print(f"saved {args.num_examples} examples of {generator.name} (seed {args.seed}) to {os.fspath(args.output)}")
    return 0
