"""How well a classifier trained on one AMC preset carries over to the others.

Trains the same small 1-D ResNet on each training preset (by default our broad default and
the two recipe presets), tests it on every test preset, for several seeds, and prints the
accuracy at SNR >= the threshold (each data set's SNR in its own convention) as a matrix of
mean ± standard deviation over seeds. The diagonal of the recipe presets is their
in-distribution score; the broad default's row should come within a few points of it.

    python examples/transfer_study.py
    python examples/transfer_study.py --seeds 0 --examples-per-pair 50 --epochs 2   # smoke run
    python examples/transfer_study.py --seeds 0 --train-presets broad --per-class   # where a gap lies
    python examples/transfer_study.py --seeds 0 --train-presets broad --test-presets broad --input amplitude-phase

``--input`` trains the ResNet on the feature extractor's windows (the paper's amplitude and
phase, or its I/Q representation) instead of the raw rails: whether the model's front end
loses what a classifier needs.

Every figure depends on the scale printed with it (examples per (class, SNR), SNR grids,
epochs, seeds); rerun with the same arguments to reproduce it.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch
from torch import nn

from spectrumfm_hf import SpectrumFMFeatureExtractor
from spectrumfm_hf.data.tasks.amc import AMC_PRESETS, RML2016_10A_CLASSES, AMCGenerator

CLASSES = RML2016_10A_CLASSES

# Test examples are drawn from indices far past the training ones, and with another seed.
TEST_SEED_OFFSET = 1000


class ResidualBlock(nn.Module):
    """Two 1-D convolutions with batch norm and a skip connection (strided when downsampling)."""

    def __init__(self, channels_in: int, channels_out: int, stride: int):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv1d(channels_in, channels_out, 5, stride=stride, padding=2, bias=False),
            nn.BatchNorm1d(channels_out),
            nn.ReLU(),
            nn.Conv1d(channels_out, channels_out, 5, padding=2, bias=False),
            nn.BatchNorm1d(channels_out),
        )
        self.skip = (
            nn.Identity()
            if stride == 1 and channels_in == channels_out
            else nn.Sequential(nn.Conv1d(channels_in, channels_out, 1, stride=stride, bias=False), nn.BatchNorm1d(channels_out))
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(self.body(x) + self.skip(x))


class SmallResNet(nn.Module):
    """A small 1-D ResNet over (I, Q) rails: stem, four residual blocks, average and max pooling."""

    def __init__(self, num_labels: int, width: int = 32):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv1d(2, width, 7, padding=3, bias=False),
            nn.BatchNorm1d(width),
            nn.ReLU(),
            ResidualBlock(width, width, 1),
            ResidualBlock(width, 2 * width, 2),
            ResidualBlock(2 * width, 2 * width, 2),
            ResidualBlock(2 * width, 2 * width, 2),
        )
        self.head = nn.Linear(4 * width, num_labels)

    def forward(self, iq: torch.Tensor) -> torch.Tensor:
        features = self.features(iq)
        return self.head(torch.cat([features.mean(dim=-1), features.amax(dim=-1)], dim=-1))


def make_split(preset: str, snr_grid: list[float], examples_per_pair: int, seed: int):
    """Rails ``(n, 2, 128)``, labels and SNRs of ``examples_per_pair`` windows per (class, SNR)."""
    generator = AMCGenerator("rml2016.10a", preset=preset, snr_db_grid=snr_grid)
    count = generator.num_classes * len(snr_grid) * examples_per_pair
    batch = generator.generate(seed, np.arange(count))
    rails = torch.from_numpy(np.ascontiguousarray(batch["iq"].transpose(0, 2, 1)))
    return rails, torch.from_numpy(batch["label"]), batch["snr_db"].astype(np.float64)


def model_input(rails: torch.Tensor, representation: str) -> torch.Tensor:
    """``(n, 2, 128)`` rails as they are (``"rails"``), or the feature extractor's window in that representation."""
    if representation == "rails":
        return rails
    extractor = SpectrumFMFeatureExtractor(window_length=rails.shape[-1], representation=representation)
    windows = extractor(torch.complex(rails[:, 0], rails[:, 1]).numpy(), return_tensors="pt")["input_values"]
    return windows.reshape(len(rails), rails.shape[-1], 2).transpose(1, 2).contiguous().float()


def train(rails: torch.Tensor, labels: torch.Tensor, seed: int, epochs: int, batch_size: int) -> SmallResNet:
    torch.manual_seed(seed)
    model = SmallResNet(int(labels.max()) + 1)
    optimiser = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=1e-4)
    steps = epochs * -(-len(labels) // batch_size)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimiser, max_lr=3e-3, total_steps=steps)
    generator = torch.Generator().manual_seed(seed)
    model.train()
    for _ in range(epochs):
        order = torch.randperm(len(labels), generator=generator)
        for start in range(0, len(labels), batch_size):
            rows = order[start : start + batch_size]
            loss = nn.functional.cross_entropy(model(rails[rows]), labels[rows])
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            schedule.step()
    return model.eval()


@torch.no_grad()
def predict(model: SmallResNet, rails: torch.Tensor) -> torch.Tensor:
    return torch.cat([model(rails[start : start + 1024]).argmax(-1) for start in range(0, len(rails), 1024)])


def per_class_accuracy(predictions: torch.Tensor, labels: torch.Tensor, num_classes: int) -> np.ndarray:
    """Accuracy (%) of each class, ``(num_classes,)``."""
    hits = torch.bincount(labels[predictions == labels], minlength=num_classes).double()
    return (hits / torch.bincount(labels, minlength=num_classes).double()).numpy() * 100.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--train-presets", nargs="+", default=["broad", "rml2016.10a-recipe", "torchsig"], choices=list(AMC_PRESETS))
    parser.add_argument("--test-presets", nargs="+", default=["rml2016.10a-recipe", "torchsig", "broad"], choices=list(AMC_PRESETS))
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--examples-per-pair", type=int, default=150, help="training windows per (class, SNR)")
    parser.add_argument("--test-examples-per-pair", type=int, default=100, help="test windows per (class, SNR)")
    parser.add_argument("--train-snr-db", type=float, nargs="+", default=[-10.0, -6.0, -2.0, 2.0, 6.0, 10.0, 14.0, 18.0])
    parser.add_argument("--test-snr-db", type=float, nargs="+", default=[10.0, 14.0, 18.0], help="SNRs scored (>= 10 dB)")
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--input", default="rails", choices=["rails", "amplitude-phase", "iq"],
                        help="raw I/Q rails, or the feature extractor's windows in that representation")
    parser.add_argument(
        "--per-class", action="store_true", help="also print each class's accuracy per (train, test) pair, mean over seeds"
    )
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    started = time.perf_counter()

    scale = (
        f"11 classes (RML2016.10a), 128 samples; train {args.examples_per_pair} windows per (class, SNR) at "
        f"{args.train_snr_db} dB, {args.epochs} epochs; test {args.test_examples_per_pair} per (class, SNR) at "
        f"{args.test_snr_db} dB; seeds {args.seeds}; SNR in each preset's own convention; input {args.input}"
    )
    print("Scale:", scale, flush=True)
    scores = {(train_preset, test_preset): [] for train_preset in args.train_presets for test_preset in args.test_presets}
    class_scores = {pair: [] for pair in scores}
    for seed in args.seeds:
        tests = {}
        for preset in args.test_presets:
            test_rails, test_labels, _ = make_split(preset, args.test_snr_db, args.test_examples_per_pair, seed + TEST_SEED_OFFSET)
            tests[preset] = (model_input(test_rails, args.input), test_labels)
        for train_preset in args.train_presets:
            rails, labels, _ = make_split(train_preset, args.train_snr_db, args.examples_per_pair, seed)
            rails = model_input(rails, args.input)
            model = train(rails, labels, seed, args.epochs, args.batch_size)
            for test_preset, (test_rails, test_labels) in tests.items():
                predictions = predict(model, test_rails)
                scores[(train_preset, test_preset)].append(float((predictions == test_labels).double().mean()) * 100.0)
                per_class = per_class_accuracy(predictions, test_labels, len(CLASSES))
                class_scores[(train_preset, test_preset)].append(per_class)
            row = ", ".join(f"{test}: {scores[(train_preset, test)][-1]:.1f}" for test in args.test_presets)
            print(f"seed {seed} trained on {train_preset}: {row} ({time.perf_counter() - started:.0f} s)", flush=True)

    print(f"\nAccuracy (%) at SNR >= {min(args.test_snr_db):g} dB, mean ± std over {len(args.seeds)} seeds. {scale}")
    width = max(len(name) for name in args.test_presets + args.train_presets) + 2
    print("| trained on \\ tested on | " + " | ".join(args.test_presets) + " |")
    print("|---" * (len(args.test_presets) + 1) + "|")
    for train_preset in args.train_presets:
        cells = [
            f"{np.mean(scores[(train_preset, test)]):.1f} ± {np.std(scores[(train_preset, test)]):.1f}"
            for test in args.test_presets
        ]
        print(f"| {train_preset:{width}s} | " + " | ".join(cells) + " |")
    if args.per_class:
        print(f"\nPer-class accuracy (%) at SNR >= {min(args.test_snr_db):g} dB, mean over seeds")
        print("| trained on | tested on | " + " | ".join(CLASSES) + " |")
        print("|---" * (len(CLASSES) + 2) + "|")
        for (train_preset, test_preset), values in class_scores.items():
            cells = " | ".join(f"{value:.0f}" for value in np.mean(values, axis=0))
            print(f"| {train_preset} | {test_preset} | {cells} |")
    print(f"\nTotal {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
