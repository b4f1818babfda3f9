"""``spectrumfm demo``: the paper's model on one generated capture, in the precision the hardware suits or ``--precision``."""

from __future__ import annotations

import argparse
import json
import statistics
import time
from typing import Callable

from .arguments import add_command_parser, add_precision_option, command_precision, non_negative_int, positive_int

# The demo's embedded defaults: the paper's model on one generated capture.
DEMO_DEFAULTS = {
    "seed": 0,
    "capture_samples": 4096,  # about 32 windows of 128 symbols
    "class_set": "rml2016.10a",
    "snr_db": 10.0,
    "threads": 2,
    "repeats": 3,
}


def demo_command_parser(subparsers: argparse._SubParsersAction | None = None) -> argparse.ArgumentParser:
    """Add ``demo`` to ``subparsers`` (or return a parser of its own when ``None``)."""
    parser = add_command_parser(
        subparsers,
        "demo",
        "build the model, window a generated capture, time a forward pass",
        "Build the paper's SpectrumFM encoder (randomly initialised), window one generated QPSK capture at "
        "10 dB SNR into 128-symbol features, and time the forward pass in fp32, and in bf16 autocast only "
        "where the hardware runs bf16 fast (see `spectrumfm env`) or --precision bf16 asks for it.",
    )
    parser.add_argument(
        "--seed", type=non_negative_int, default=DEMO_DEFAULTS["seed"], help="seed of the capture and the weights"
    )
    parser.add_argument(
        "--capture-samples",
        type=positive_int,
        default=DEMO_DEFAULTS["capture_samples"],
        help="complex IQ samples in the capture (128 per window)",
    )
    parser.add_argument(
        "--class-set",
        default=DEMO_DEFAULTS["class_set"],
        choices=["rml2016.10a", "rml2018.01a"],
        help="the AMC class set whose generator makes the capture",
    )
    parser.add_argument("--threads", type=positive_int, default=DEMO_DEFAULTS["threads"], help="torch CPU threads")
    parser.add_argument(
        "--repeats", type=positive_int, default=DEMO_DEFAULTS["repeats"], help="timed forward passes (median reported)"
    )
    add_precision_option(parser)
    parser.set_defaults(func=demo_command)
    return parser


def _median_seconds(call: Callable[[], object], repeats: int) -> float:
    call()  # warm-up: first touches of memory and kernel selection
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def demo_command(args: argparse.Namespace) -> int:
    """Build the paper's model, window a generated capture, and time a forward pass."""
    import numpy as np
    import torch

    from .. import SpectrumFMConfig, SpectrumFMFeatureExtractor, SpectrumFMModel
    from ..data import real_to_iq
    from ..data.registry import make_generator

    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    print(f"spectrumfm demo: seed {args.seed}, {args.threads} CPU threads, torch {torch.__version__}")
    precision = command_precision(args, "cpu")
    print(f"precision: {precision.dtype_name} ({precision.reason})")

    generator = make_generator(f"amc-{args.class_set}", args.capture_samples)
    # Example indices cycle through classes, then SNRs: pick QPSK at the SNR nearest 10 dB.
    snr_position = int(np.argmin(np.abs(np.asarray(generator.snr_db_grid) - DEMO_DEFAULTS["snr_db"])))
    index = generator.class_names.index("QPSK") + len(generator.class_names) * snr_position
    record = generator(args.seed, index)
    capture = real_to_iq(record["iq"])
    print(
        f"capture: {capture.shape[0]} complex samples of {record['transmitter']} at {record['snr_db']:.0f} dB SNR "
        f"(synthetic, {generator.name}, seed {args.seed}, example {index})"
    )

    extractor = SpectrumFMFeatureExtractor()
    features = extractor(capture, return_tensors="pt")
    print(
        f"features: input_values {tuple(features['input_values'].shape)} in "
        f"[{float(features['input_values'].min()):.2f}, {float(features['input_values'].max()):.2f}], "
        f"attention_mask {tuple(features['attention_mask'].shape)}, "
        f"{int(features['attention_mask'][-1].sum())} real symbols in the last window"
    )

    config = SpectrumFMConfig()
    model = SpectrumFMModel(config).eval()
    print(
        f"model: SpectrumFM encoder, d={config.hidden_size}, d_feed={config.intermediate_size}, "
        f"H={config.num_attention_heads}, L={config.num_hidden_layers}, N={config.max_position_embeddings}, "
        f"{model.num_parameters() / 1e6:.2f} M parameters (randomly initialised: pre-train or load weights for use)"
    )

    windows = features["input_values"].shape[0]
    with torch.inference_mode():
        hidden = model(**features).last_hidden_state
        embeddings = hidden.mean(dim=1)
        print(f"embeddings: last_hidden_state {tuple(hidden.shape)}, mean-pooled per window {tuple(embeddings.shape)}")
        fp32 = _median_seconds(lambda: model(**features), args.repeats)
        timing = {
            "windows": windows,
            "fp32_seconds": round(fp32, 4),
            "fp32_windows_per_second": round(windows / fp32, 1),
        }
        if precision.uses_bf16:
            with precision.autocast():
                bf16 = _median_seconds(lambda: model(**features), args.repeats)
                hidden_bf16 = model(**features).last_hidden_state.float()
            agreement = torch.nn.functional.cosine_similarity(hidden.flatten(), hidden_bf16.flatten(), dim=0).item()
            timing.update(
                bf16_autocast_seconds=round(bf16, 4),
                bf16_autocast_windows_per_second=round(windows / bf16, 1),
                bf16_fp32_cosine_similarity=round(agreement, 5),
            )
    print("forward pass (median of %d): %s" % (args.repeats, json.dumps(timing)))
    if not precision.uses_bf16:
        print("bf16 autocast not timed: " + ("fp32 was forced" if precision.forced
                                             else "this CPU would run it slower than fp32"))
    if not np.isfinite(hidden.numpy()).all():
        raise RuntimeError("the model produced non-finite embeddings")
    return 0
