"""``spectrumfm predict``: a model's predictions for a recording or a live sample stream, as JSON lines."""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any, Callable, Iterator, TextIO

from .arguments import (
    UsageError,
    add_command_parser,
    add_precision_option,
    command_precision,
    finite_float,
    positive_int,
    sample_rate_hz,
)

STDIN = "-"
RAW_FORMAT_NAMES = (
    "cf32",
    "ci16",
    "cu8",
)  # the keys of spectrumfm_hf.pipelines.RAW_FORMATS, without importing torch
TASK_NAMES = ("iq-classification", "iq-anomaly-detection")
PREDICTIONS_FILE = "predictions.jsonl"
# Bytes read from standard input at a time at most: a few hundred microseconds of a 2.4 MS/s stream.
_READ_BYTES = 1 << 16


def predict_command_parser(subparsers: argparse._SubParsersAction | None = None) -> argparse.ArgumentParser:
    """Add ``predict`` to ``subparsers`` (or return a parser of its own when ``None``)."""
    parser = add_command_parser(
        subparsers,
        "predict",
        "predict labels or anomalies for a recording or a live stream",
        "Run a model (or a LoRA adapter on its base) over a recording, or over raw samples read from "
        "standard input as they arrive (e.g. piped from an SDR receiver: rtl_sdr -f 100e6 -s 1e6 - | "
        "spectrumfm predict - --format cu8 --sample-rate 1e6 --model FOLDER). Prints one JSON line per "
        "block of windows, holding at most one block of samples in memory.",
    )
    parser.add_argument(
        "input",
        help="a SigMF recording (.sigmf-meta/.sigmf-data/.sigmf), a .npy array, raw .cf32/.ci16/.cu8 "
        "samples, or - for raw samples on standard input",
    )
    parser.add_argument(
        "--model",
        help="folder of a saved SpectrumFM task model or of a PEFT adapter, or the name of one installed with "
        "the package (spectrumfm_hf.available_pretrained()); by default the shipped adapter of --task "
        "(AMC on RML2016.10a's 11 classes for classification)",
    )
    parser.add_argument(
        "--task",
        choices=TASK_NAMES,
        help="the pipeline task; by default read from the model's config "
        "(anomaly detection or classification)",
    )
    parser.add_argument(
        "--format",
        choices=RAW_FORMAT_NAMES,
        help="raw sample format: interleaved I/Q as float32 (cf32), int16 (ci16) or uint8 (cu8, RTL-SDR); "
        "required for standard input, overrides a file's extension",
    )
    parser.add_argument(
        "--sample-rate",
        type=sample_rate_hz,
        help="sample rate in Hz, for window start times in seconds (SigMF recordings carry their own)",
    )
    parser.add_argument("--block-windows", type=positive_int, default=16, help="windows per output line")
    parser.add_argument("--batch-size", type=positive_int, default=64, help="windows per model call")
    parser.add_argument(
        "--threshold",
        type=finite_float,
        help="anomaly-score threshold, instead of the model's calibrated one",
    )
    parser.add_argument(
        "--output",
        help=f"write the lines to FOLDER/{PREDICTIONS_FILE} instead of standard output; the folder appears "
        "once the input has ended",
    )
    parser.add_argument("--overwrite", action="store_true", help="replace --output if it exists")
    add_precision_option(parser)
    parser.set_defaults(func=predict_command)
    return parser


def _check_arguments(args: argparse.Namespace) -> None:
    if args.input == STDIN and args.format is None:
        raise UsageError("reading samples from standard input (-) needs --format cf32, ci16 or cu8")
    if (
        args.input != STDIN
        and not os.path.isfile(args.input)
        and not os.path.isfile(args.input + ".sigmf-meta")
    ):
        raise FileNotFoundError(f"{args.input}: no such file")
    if args.output is not None and os.path.lexists(args.output) and not args.overwrite:
        # Checked before the model loads and the input is read, not only when the output is written.
        raise UsageError(f"--output {args.output!r} exists; pass --overwrite to replace it")
    if args.model is None:
        from ..pretrained import PIPELINE_DEFAULTS, available_pretrained

        default = PIPELINE_DEFAULTS[args.task or TASK_NAMES[0]]
        if default not in available_pretrained():
            raise UsageError(f"no --model given and the package does not ship {default!r}; pass --model FOLDER")
        args.model = default
    if not os.path.isdir(args.model):
        from ..pretrained import available_pretrained, pretrained_path

        if args.model not in available_pretrained():
            raise UsageError(
                f"--model {args.model!r} is not a folder nor a shipped artefact; expected a saved model or adapter "
                f"folder, or one of {list(available_pretrained())}"
            )
        args.model = os.fspath(pretrained_path(args.model))


def _stdin_reader(raw_format: str) -> Callable[[int], Any]:
    """``read(most)``: up to ``most`` samples from standard input as they arrive; empty at the end."""
    import numpy as np

    from ..pipelines import bytes_per_sample, decode_samples

    stream = sys.stdin.buffer
    sample_bytes = bytes_per_sample(raw_format)
    pending = bytearray()

    def read(most: int):
        while True:
            # read1 returns what the pipe holds now instead of waiting for a full buffer.
            chunk = stream.read1(max(min(most * sample_bytes, _READ_BYTES) - len(pending), 1))
            if not chunk:
                if pending:
                    print(
                        f"spectrumfm predict: standard input ended inside a sample; {len(pending)} trailing "
                        "bytes ignored",
                        file=sys.stderr,
                    )
                    pending.clear()
                return np.zeros(0, np.complex64)
            pending.extend(chunk)
            whole = len(pending) - len(pending) % sample_bytes
            if whole:
                samples = decode_samples(bytes(pending[:whole]), raw_format)
                del pending[:whole]
                return samples

    return read


def _file_reader(
    path: str, raw_format: str | None, sample_rate: float | None
) -> tuple[Callable[[int], Any], int, float | None]:
    """``(read(most), total samples, sample rate in Hz)`` for a recording; raw files are memory-mapped."""
    from ..pipelines import capture_kind, decode_samples, open_raw_samples, read_capture

    kind = capture_kind(path, raw_format)
    if kind in RAW_FORMAT_NAMES:
        stored = open_raw_samples(path, kind)
        rate = sample_rate

        def decode(first: int, last: int):
            return decode_samples(stored[first:last], kind)

    else:
        capture = read_capture(path, sample_rate=sample_rate)
        stored, rate = capture.iq, capture.sample_rate_hz

        def decode(first: int, last: int):
            return stored[first:last]

    position = 0

    def read(most: int):
        nonlocal position
        samples = decode(position, position + most)
        position += samples.shape[0]
        return samples

    return read, int(stored.shape[0]), rate


def _write_lines(results: Iterator[dict[str, Any]], sink: TextIO, source: str) -> int:
    count = 0
    for result in results:
        sink.write(json.dumps(result) + "\n")
        sink.flush()  # a live stream's reader sees each block as soon as it is predicted
        count += 1
    if count == 0:
        raise ValueError(f"{source} held no samples to predict on")
    return count


def predict_command(args: argparse.Namespace) -> int:
    """Predict over ``args.input`` block by block and write one JSON line per block."""
    _check_arguments(args)
    from tqdm.auto import tqdm

    from ..io_utils import atomic_output_dir
    from ..pipelines import ANOMALY_DETECTION_TASK, make_pipeline, model_task, predict_stream

    task = args.task or model_task(args.model)
    if args.threshold is not None and task != ANOMALY_DETECTION_TASK:
        raise UsageError(f"--threshold applies to anomaly detection only; {args.model!r} is a {task} model")
    if args.input == STDIN:
        read, total, rate = _stdin_reader(args.format), None, args.sample_rate
    else:
        read, total, rate = _file_reader(args.input, args.format, args.sample_rate)
    options: dict[str, Any] = {"batch_size": args.batch_size}
    if args.threshold is not None:
        options["threshold"] = args.threshold
    pipe = make_pipeline(args.model, task=task, **options)
    precision = command_precision(args, pipe.device.type)
    # Only for files: a stream has no length, and its lines already show its pace.
    progress = (
        None
        if total is None
        else tqdm(total=total, unit="sample", unit_scale=True, desc="predict", file=sys.stderr)
    )

    def read_with_progress(most: int):
        samples = read(most)
        if progress is not None:
            progress.update(samples.shape[0])
        return samples

    results = predict_stream(pipe, read_with_progress, args.block_windows, sample_rate=rate)
    source = "standard input" if args.input == STDIN else args.input
    try:
        # The pipeline computes as the lines are drawn from it, inside this context.
        with precision.autocast():
            if args.output is None:
                _write_lines(results, sys.stdout, source)
            else:
                with atomic_output_dir(args.output, overwrite=args.overwrite) as staging:
                    with open(staging / PREDICTIONS_FILE, "w", encoding="utf-8") as sink:
                        blocks = _write_lines(results, sink, source)
    finally:
        if progress is not None:
            progress.close()
    if args.output is not None:
        print(
            f"wrote {blocks} blocks of predictions to {os.path.join(args.output, PREDICTIONS_FILE)}",
            file=sys.stderr,
        )
    return 0
