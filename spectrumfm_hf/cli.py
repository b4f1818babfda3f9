"""The ``spectrumfm`` command.

    spectrumfm demo                      # the quick-start demo on its embedded defaults
    spectrumfm generate amc-rml2016.10a --num-examples 20000 --output data/amc
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time

# The demo's embedded defaults: the paper's model on one generated capture.
DEMO_DEFAULTS = {
    "seed": 0,
    "capture_samples": 4096,  # about 32 windows of 128 symbols
    "class_set": "rml2016.10a",
    "snr_db": 10.0,
    "threads": 2,
    "repeats": 3,
}

GENERATORS = ("amc-rml2016.10a", "amc-rml2018.01a", "wtc", "spectrum-sensing", "anomaly-detection", "pretraining")


def _make_generator(name: str, num_samples: int):
    from .data import amc, anomaly, pretraining, sensing, wtc

    if name.startswith("amc-"):
        return amc.AMCGenerator(class_set=name[len("amc-"):], num_samples=num_samples)
    factories = {
        "wtc": wtc.WTCGenerator,
        "spectrum-sensing": sensing.SpectrumSensingGenerator,
        "anomaly-detection": anomaly.AnomalyDetectionGenerator,
        "pretraining": pretraining.PretrainingCorpusGenerator,
    }
    return factories[name](num_samples=num_samples)


def _time(call, repeats: int) -> float:
    call()  # warm-up: first touches of memory and kernel selection
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def demo(args: argparse.Namespace) -> int:
    """Build the paper's model, window a generated capture, and time a forward pass."""
    import numpy as np
    import torch

    from . import SpectrumFMConfig, SpectrumFMFeatureExtractor, SpectrumFMModel
    from .data import real_to_iq
    from .data.amc import AMCGenerator

    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    print(f"spectrumfm demo: seed {args.seed}, {args.threads} CPU threads, torch {torch.__version__}")

    generator = AMCGenerator(class_set=args.class_set, num_samples=args.capture_samples)
    # Example indices cycle through classes, then SNRs: pick QPSK at the SNR nearest 10 dB.
    snr_position = int(np.argmin(np.abs(generator.snr_db_grid - DEMO_DEFAULTS["snr_db"])))
    index = generator.class_names.index("QPSK") + len(generator.class_names) * snr_position
    record = generator(args.seed, index)
    capture = real_to_iq(record["iq"])
    print(
        f"capture: {capture.shape[0]} complex samples of {record['modulation']} at {record['snr_db']:.0f} dB SNR "
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

    with torch.inference_mode():
        hidden = model(**features).last_hidden_state
        embeddings = hidden.mean(dim=1)
        print(f"embeddings: last_hidden_state {tuple(hidden.shape)}, mean-pooled per window {tuple(embeddings.shape)}")
        windows = features["input_values"].shape[0]
        fp32 = _time(lambda: model(**features), args.repeats)
        with torch.autocast("cpu", dtype=torch.bfloat16):
            bf16 = _time(lambda: model(**features), args.repeats)
            hidden_bf16 = model(**features).last_hidden_state.float()
    agreement = torch.nn.functional.cosine_similarity(hidden.flatten(), hidden_bf16.flatten(), dim=0).item()
    timing = {
        "windows": windows,
        "fp32_seconds": round(fp32, 4),
        "fp32_windows_per_second": round(windows / fp32, 1),
        "bf16_autocast_seconds": round(bf16, 4),
        "bf16_autocast_windows_per_second": round(windows / bf16, 1),
        "bf16_fp32_cosine_similarity": round(agreement, 5),
    }
    print("forward pass (median of %d): %s" % (args.repeats, json.dumps(timing)))
    if not np.isfinite(hidden.numpy()).all():
        print("error: non-finite embeddings", file=sys.stderr)
        return 1
    return 0


def generate(args: argparse.Namespace) -> int:
    """Generate a synthetic data set and save it (Arrow + dataset card) to a folder."""
    from .data.hf import dataset_card, save_dataset, stratified_split, to_dataset

    generator = _make_generator(args.generator, args.num_samples)
    dataset = to_dataset(generator, args.num_examples, seed=args.seed, num_proc=args.num_proc)
    if generator.name != "pretraining":
        dataset = stratified_split(dataset, test_size=args.test_size, validation_size=args.validation_size, seed=args.seed)
    card = dataset_card(
        dataset,
        pretty_name=f"SpectrumFM synthetic {generator.name}",
        summary=f"{args.num_examples} synthetic IQ examples of {args.num_samples} samples made by spectrumfm_hf.",
        how_made=generator.description,
        license="apache-2.0",
        generator=generator,
        seed=args.seed,
    )
    save_dataset(dataset, args.output, card)
    print(f"saved {args.num_examples} examples of {generator.name} (seed {args.seed}) to {args.output}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="spectrumfm", description="SpectrumFM for Hugging Face Transformers")
    commands = parser.add_subparsers(dest="command")

    demo_parser = commands.add_parser("demo", help="build the model, window a generated capture, time a forward pass")
    demo_parser.add_argument("--seed", type=int, default=DEMO_DEFAULTS["seed"])
    demo_parser.add_argument("--capture-samples", type=int, default=DEMO_DEFAULTS["capture_samples"])
    demo_parser.add_argument("--class-set", default=DEMO_DEFAULTS["class_set"], choices=["rml2016.10a", "rml2018.01a"])
    demo_parser.add_argument("--threads", type=int, default=DEMO_DEFAULTS["threads"])
    demo_parser.add_argument("--repeats", type=int, default=DEMO_DEFAULTS["repeats"])
    demo_parser.set_defaults(handler=demo)

    generate_parser = commands.add_parser("generate", help="generate a synthetic data set to a folder")
    generate_parser.add_argument("generator", choices=GENERATORS)
    generate_parser.add_argument("--output", required=True)
    generate_parser.add_argument("--num-examples", type=int, default=10_000)
    generate_parser.add_argument("--num-samples", type=int, default=128, help="IQ samples per example")
    generate_parser.add_argument("--seed", type=int, default=0)
    generate_parser.add_argument("--num-proc", type=int, default=1)
    generate_parser.add_argument("--test-size", type=float, default=0.2)
    generate_parser.add_argument("--validation-size", type=float, default=0.1)
    generate_parser.set_defaults(handler=generate)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        args = parser.parse_args(["demo"] + (argv or []))
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
