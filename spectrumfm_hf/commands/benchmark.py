"""``spectrumfm benchmark``: the paper's experiments at one profile's scale, resumable, into one folder."""

from __future__ import annotations

import argparse
import os
import sys

from ..benchmarks.profiles import PROFILES
from .arguments import UsageError, add_command_parser, add_precision_option, command_precision, non_negative_int


def benchmark_command_parser(subparsers: argparse._SubParsersAction | None = None) -> argparse.ArgumentParser:
    """Add ``benchmark`` to ``subparsers`` (or return a parser of its own when ``None``)."""
    parser = add_command_parser(
        subparsers,
        "benchmark",
        "reproduce the paper's tables and figures against the baselines (resumable)",
        "Run the paper's experiments (AMC Table II and Figs. 3-7, WTC Table III and Fig. 8, spectrum sensing "
        "Fig. 9, anomaly detection Fig. 11) for SpectrumFM with LoRA, its random-encoder control and the "
        "baselines, on several seeds, and write Markdown tables, a CSV, PNG figures and manifest.json. Each "
        "finished (task, data set, model, seed, label fraction) cell is stored at once; a rerun skips them, "
        "so an interrupted run continues where it stopped.",
    )
    parser.add_argument(
        "--profile",
        required=True,
        choices=list(PROFILES),
        help="micro: every experiment in under a minute (tests); cpu: small models and data, "
        "about 90 minutes on 2 CPU cores; paper: the paper's recipe, for a GPU",
    )
    parser.add_argument(
        "--output-dir",
        required=True,
        help="folder of the results; an existing one of the same profile is resumed",
    )
    parser.add_argument(
        "--seeds",
        type=non_negative_int,
        nargs="+",
        default=None,
        metavar="SEED",
        help="seeds of every configuration (default: the profile's: 0 1 2, micro 0)",
    )
    parser.add_argument(
        "--only",
        nargs="+",
        default=None,
        metavar="FILTER",
        help="run only the cells matching TASK, TASK/MODEL or TASK/DATA_SET/MODEL "
        "(tasks amc, wtc, ss, ad; shell wildcards allowed), e.g. amc/spectrumfm ss",
    )
    parser.add_argument(
        "--data-dir",
        default=None,
        help="folder of real data files in their own layouts (RML2016 *10a*/*10b*/*04c* pickles, "
        "RML2018 *.hdf5, SigMF *.sigmf-meta) that replace or add to the generated sets",
    )
    add_precision_option(parser)
    parser.set_defaults(func=benchmark_command)
    return parser


def command_line(args: argparse.Namespace) -> list[str]:
    """The ``spectrumfm benchmark`` command that reproduces ``args``, every option written out (for the manifest)."""
    words = ["spectrumfm", "benchmark", "--profile", args.profile, "--output-dir", os.fspath(args.output_dir)]
    if args.seeds is not None:
        words += ["--seeds", *map(str, args.seeds)]
    if args.only:
        words += ["--only", *args.only]
    if args.data_dir is not None:
        words += ["--data-dir", os.fspath(args.data_dir)]
    if args.precision is not None:
        words += ["--precision", args.precision]
    return words


def benchmark_command(args: argparse.Namespace) -> int:
    """Run or resume the benchmark ``args`` describe; print where the results are."""
    if args.seeds is not None and len(set(args.seeds)) != len(args.seeds):
        raise UsageError(f"--seeds must be distinct, got {' '.join(map(str, args.seeds))}")
    if args.data_dir is not None and not os.path.isdir(args.data_dir):
        raise UsageError(f"--data-dir must be an existing folder, got {args.data_dir!r}")
    command_precision(args)  # a bad SPECTRUMFM_PRECISION answers before any cell runs
    from ..benchmarks.harness import BenchmarkArgumentError, check_filters, run_benchmark

    try:
        only = check_filters(args.only or ())
    except BenchmarkArgumentError as error:
        raise UsageError(str(error)) from error
    manifest = run_benchmark(
        args.profile,
        args.output_dir,
        seeds=args.seeds,
        only=only,
        data_dir=args.data_dir,
        command_line=command_line(args),
        log=lambda line: print(line, file=sys.stderr),
        precision=args.precision,
    )
    print(
        f"{len(manifest['cells_computed_this_run'])} cells computed, {len(manifest['cells_skipped_as_stored'])} "
        f"already stored; tables, figures and manifest.json in {os.fspath(args.output_dir)}"
    )
    return 0
