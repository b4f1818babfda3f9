"""Why the conformer learns modulation classification worse than a small CNN: an ablation ladder.

Every rung trains one model **from a random initialisation, fully supervised**, on the same
generated windows as the 1-D ResNet reference of ``examples/transfer_study.py``, so that the
architecture and the optimisation are measured apart from pre-training. A rung is the current
small preset's conformer with one thing changed (``--rungs`` lists them; ``RUNGS`` below says
what each changes). Each (rung, preset, seed) writes one JSON file into ``--out`` and is skipped
when that file exists, so the ladder resumes; ``--report`` turns the files into a table of mean ±
std over seeds and an accuracy-versus-SNR figure.

    python examples/ablation_amc.py --rungs resnet small-cpu +fan-in-init +mean-pool +iq-unit-power +kernel-15
    python examples/ablation_amc.py --rungs resnet +kernel-15 --seeds 0 1 2 --presets rml2016.10a-recipe broad
    python examples/ablation_amc.py --report

Scale (the defaults): 150 training windows per (class, SNR) at -10..18 dB in 4 dB steps
(13,200 windows), 30 per (class, SNR) for validation, 100 per (class, SNR) for test, 8 epochs,
RML2016.10a's 11 classes, 128 samples per window. Model selection uses the validation split
only (the epoch with the lowest validation loss); the test split is scored once, at the end.

The ``authors-classifier`` rungs train the SpectrumFM authors' own classifier (``ConformerClassifier``
in ``Model/model.py`` of github.com/ChunyuLiu188/SpectrumFM, written against commit 298f7d4) as a
reference, with this ladder's data, loop and budget. That repository has no licence, so none of its
code is in this one: the script imports it from a checkout given by ``--authors-repo`` (or
``SPECTRUMFM_AUTHORS_REPO``). Its ``Model/model.py`` needs ``einops`` besides our dependencies.

    git clone https://github.com/ChunyuLiu188/SpectrumFM /path/to/SpectrumFM
    python examples/ablation_amc.py --rungs authors-classifier --seeds 0 1 2 --authors-repo /path/to/SpectrumFM
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import json
import math
import os
import sys
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from unittest import mock

import numpy as np
import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parent))
from transfer_study import SmallResNet  # noqa: E402  (the reference network, unchanged)

from spectrumfm_hf import SpectrumFMConfig, SpectrumFMFeatureExtractor, SpectrumFMForSequenceClassification  # noqa: E402
from spectrumfm_hf.data.tasks.amc import RML2016_10A_CLASSES, AMCGenerator  # noqa: E402
from spectrumfm_hf.performance import cpu_features  # noqa: E402

DEFAULT_OUT = Path(__file__).resolve().parent / "results" / "ablation_amc"
TRAIN_SNR_DB = [-10.0, -6.0, -2.0, 2.0, 6.0, 10.0, 14.0, 18.0]
HIGH_SNR_DB = 10.0
# Validation and test windows come from other seeds than training's, far apart.
VALIDATION_SEED_OFFSET, TEST_SEED_OFFSET = 500, 1000


@dataclass(frozen=True)
class Rung:
    """One row of the ladder: a model, its input and its optimisation."""

    description: str
    model: str = "conformer"  # "conformer", "resnet" or "authors" (see build_authors_classifier())
    config: dict = field(default_factory=dict)  # SpectrumFMConfig overrides on top of the small preset
    input: str = "amplitude-phase"  # see model_input()
    patch_size: int = 1  # samples per token: P consecutive symbols' channels stacked into one token
    head: str = "rnn"  # classifier_pooling: "rnn" (the paper's LSTM last state), "mean" or "attention"
    optimiser: dict = field(default_factory=dict)  # overrides of SMALL_PRESET_OPTIMISER
    augment: tuple[str, ...] = ()  # "phase", "shift", "frequency"
    label_smoothing: float = 0.0
    epochs: int | None = None  # None: the ladder's --epochs, which every other rung shares


# The small-cpu preset's model and optimiser (spectrumfm_hf.training.presets), as fine-tuning uses them.
SMALL_PRESET_MODEL = dict(hidden_size=64, intermediate_size=128, num_attention_heads=4, num_hidden_layers=4,
                          norm_placement="pre")
SMALL_PRESET_OPTIMISER = dict(learning_rate=1e-3, weight_decay=0.0, batch_size=64, schedule="cosine",
                              warmup=0.05, clip=0.0)
# The transfer study's ResNet recipe: AdamW, one-cycle to 3e-3, batch 128, weight decay 1e-4.
RESNET_OPTIMISER = dict(learning_rate=3e-3, weight_decay=1e-4, batch_size=128, schedule="onecycle", warmup=0.3,
                        clip=0.0)
# The authors' amc.py: Adam (no weight decay) at a constant 1e-3, batch 256, no clipping (its scheduler is commented out).
AUTHORS_OPTIMISER = dict(learning_rate=1e-3, weight_decay=0.0, batch_size=256, schedule="constant", warmup=0.0,
                         clip=0.0)
AUTHORS_REPOSITORY = "https://github.com/ChunyuLiu188/SpectrumFM"

def variant(base: Rung, description: str, **changes) -> Rung:
    """``base`` with ``changes``; ``config`` and ``optimiser`` changes are merged into base's."""
    for name in ("config", "optimiser"):
        if name in changes:
            changes[name] = {**getattr(base, name), **changes[name]}
    return replace(base, description=description, **changes)


SMALL_CPU = Rung("conformer at the small preset: amplitude/phase min-max, 1 symbol per token, kernel 3, "
                 "sinusoidal positions, LSTM head, initialiser std 0.02, preset optimiser")
# The cumulative ladder: each rung adds one change to the one above it.
FAN_IN_INIT = variant(SMALL_CPU, "+ initialiser std 1/sqrt(d) = 0.125 instead of 0.02",
                      config=dict(initializer_range=0.125))
MEAN_POOL = variant(FAN_IN_INIT, "+ mean pooling over the symbols instead of the LSTM's last state", head="mean")
UNIT_POWER = variant(MEAN_POOL, "+ I/Q rails at unit mean power instead of amplitude/phase min-max",
                     input="iq-unit-power")
KERNEL_15 = variant(UNIT_POWER, "+ depthwise convolution kernel 15 instead of 3", config=dict(conv_kernel_size=15))
BEST = KERNEL_15
AUTHORS = Rung("the authors' ConformerClassifier, imported from --authors-repo, at d=64, 4 layers, 4 heads, "
               "feed-forward 128: post-norm, half-step FFN, BatchNorm conv (kernel 3), relative positions, "
               "dropout 0.2, LoRA r=16 trained with the rest, bidirectional GRU read at the last symbol; "
               "log-amplitude/phase min-max input; preset optimiser", model="authors", input="log-amplitude-phase")

RUNGS: dict[str, Rung] = {
    "resnet": Rung("1-D ResNet reference on raw I/Q rails (transfer study's network and recipe)", model="resnet",
                   input="rails", optimiser=RESNET_OPTIMISER),
    "small-cpu": SMALL_CPU,
    "+fan-in-init": FAN_IN_INIT,
    "+mean-pool": MEAN_POOL,
    "+iq-unit-power": UNIT_POWER,
    "+kernel-15": KERNEL_15,
    # One change each from the best rung.
    "best/post-norm": variant(BEST, "post-norm (the paper's RN)", config=dict(norm_placement="post")),
    "best/lstm-head": variant(BEST, "the paper's LSTM last state instead of mean pooling", head="rnn"),
    "best/attention-pool": variant(BEST, "attention pooling (one learned query)", head="attention"),
    "best/init-0.02": variant(BEST, "initialiser std 0.02 (transformers' default)",
                              config=dict(initializer_range=0.02)),
    "best/amplitude-phase": variant(BEST, "amplitude/phase min-max input (eq. 4-7)", input="amplitude-phase"),
    "best/iq-peak": variant(BEST, "I/Q rails scaled by the window's peak into [0, 1]", input="iq"),
    "best/amplitude-phase-iq": variant(BEST, "amplitude/phase min-max and peak-scaled I/Q: four channels",
                                       input="both"),
    "best/kernel-31": variant(BEST, "depthwise kernel 31 (the Conformer paper's)", config=dict(conv_kernel_size=31)),
    "best/patch-4": variant(BEST, "patches of 4 samples per token (32 tokens)", patch_size=4),
    "best/conv-batch-norm": variant(BEST, "BatchNorm after the depthwise convolution (the authors' code)",
                                    config=dict(conv_norm="batch_norm")),
    "best/relative-positions": variant(BEST, "the authors' learned relative-position bias instead of sinusoidal",
                                       config=dict(position_embedding_type="relative")),
    "best/lr-3e-4": variant(BEST, "learning rate 3e-4", optimiser=dict(learning_rate=3e-4)),
    "best/lr-2e-3": variant(BEST, "learning rate 2e-3", optimiser=dict(learning_rate=2e-3)),
    "best/lr-3e-3": variant(BEST, "learning rate 3e-3", optimiser=dict(learning_rate=3e-3)),
    "best/epochs-16": variant(BEST, "16 epochs instead of 8 (twice the budget): does the validation loss still fall?",
                              epochs=16),
    "best/batch-128": variant(BEST, "batch 128", optimiser=dict(batch_size=128)),
    "best/weight-decay": variant(BEST, "weight decay 0.05", optimiser=dict(weight_decay=0.05)),
    "best/clip": variant(BEST, "gradient clipping at norm 1", optimiser=dict(clip=1.0)),
    "best/constant-lr": variant(BEST, "constant learning rate, no warm-up (the paper states no schedule)",
                                optimiser=dict(schedule="constant", warmup=0.0)),
    "best/resnet-optimiser": variant(BEST, "the ResNet's optimiser: one-cycle to 3e-3, batch 128, weight decay 1e-4",
                                     optimiser=RESNET_OPTIMISER),
    "best/dropout-0.1": variant(BEST, "dropout 0.1 on every module's output", config=dict(hidden_dropout_prob=0.1)),
    "best/label-smoothing": variant(BEST, "label smoothing 0.1", label_smoothing=0.1),
    "best/augment": variant(BEST, "random phase rotation, time shift and frequency offset up to 1 %",
                            augment=("phase", "shift", "frequency")),
    # The authors' own code as a reference: a checkout of theirs, never copied here (build_authors_classifier()).
    "authors-classifier": AUTHORS,
    "authors-classifier/authors-optimiser": variant(AUTHORS, "the authors' optimiser: Adam at a constant 1e-3, "
                                                    "batch 256", optimiser=AUTHORS_OPTIMISER),
}


# ------------------------------------------------------------------------------- data


def make_split(preset: str, snr_grid: list[float], examples_per_pair: int, seed: int):
    """Complex windows ``(n, 128)``, labels and SNRs of ``examples_per_pair`` windows per (class, SNR)."""
    generator = AMCGenerator("rml2016.10a", preset=preset, snr_db_grid=snr_grid)
    count = generator.num_classes * len(snr_grid) * examples_per_pair
    batch = generator.generate(seed, np.arange(count))
    iq = batch["iq"][..., 0] + 1j * batch["iq"][..., 1]
    return torch.from_numpy(iq.astype(np.complex64)), torch.from_numpy(batch["label"]), torch.from_numpy(batch["snr_db"])


def model_input(iq: torch.Tensor, representation: str) -> torch.Tensor:
    """Complex windows ``(n, N)`` -> model input ``(n, N, C)``.

    ``rails``: raw I and Q; ``amplitude-phase``, ``iq``, ``iq-unit-power``: the feature
    extractor's windows in that representation; ``log-amplitude-phase``: log amplitude and phase,
    each min-max (the authors' ``iq2ap`` then ``normalize``); ``both``: amplitude/phase and iq
    side by side (four channels).
    """
    if representation == "rails":
        return torch.view_as_real(iq).float()
    if representation == "both":
        return torch.cat([model_input(iq, "amplitude-phase"), model_input(iq, "iq")], dim=-1)
    log_amplitude = representation == "log-amplitude-phase"
    extractor = SpectrumFMFeatureExtractor(window_length=iq.shape[1], log_amplitude=log_amplitude,
                                           representation="amplitude-phase" if log_amplitude else representation)
    return extractor(iq.numpy(), return_tensors="pt")["input_values"].float()


def augment(iq: torch.Tensor, kinds: tuple[str, ...], generator: torch.Generator) -> torch.Tensor:
    """Label-preserving channel changes on complex windows: phase rotation, circular time shift,
    frequency offset of up to 1 % of the sample rate."""
    n, length = iq.shape
    if "phase" in kinds:
        iq = iq * torch.exp(1j * 2 * math.pi * torch.rand(n, 1, generator=generator))
    if "shift" in kinds:
        shifts = torch.randint(0, length, (n,), generator=generator)
        index = (torch.arange(length)[None, :] + shifts[:, None]) % length
        iq = torch.gather(iq, 1, index)
    if "frequency" in kinds:
        offset = (torch.rand(n, 1, generator=generator) * 2 - 1) * 0.01
        iq = iq * torch.exp(1j * 2 * math.pi * offset * torch.arange(length)[None, :])
    return iq.to(torch.complex64)


# ------------------------------------------------------------------------------- models


class ConformerClassifier(nn.Module):
    """The package's classifier, called on plain input tensors."""

    def __init__(self, config: SpectrumFMConfig):
        super().__init__()
        self.model = SpectrumFMForSequenceClassification(config)

    def forward(self, input_values: torch.Tensor) -> torch.Tensor:
        return self.model(input_values=input_values).logits


def import_authors_model(repo: Path | None):
    """The authors' ``Model/model.py``, imported from their checkout ``repo``; exits with one line when it cannot be."""
    if repo is None:
        sys.exit(f"the authors-classifier rungs need the authors' code, which this repository does not hold (it has "
                 f"no licence): git clone {AUTHORS_REPOSITORY}, then pass --authors-repo PATH "
                 f"or set SPECTRUMFM_AUTHORS_REPO")
    repo = repo.expanduser().resolve()
    if not (repo / "Model" / "model.py").is_file():
        sys.exit(f"--authors-repo {repo} has no Model/model.py: expected a checkout of {AUTHORS_REPOSITORY} "
                 f"(git clone {AUTHORS_REPOSITORY})")
    # Appended, not prepended: their top-level utils.py and dataset.py must not shadow anything else.
    if str(repo) not in sys.path:
        sys.path.append(str(repo))
    try:
        module = importlib.import_module("Model.model")
    except ModuleNotFoundError as error:
        sys.exit(f"the authors' Model/model.py imports {error.name}, which is not installed: pip install {error.name}")
    if Path(module.__file__).resolve() != repo / "Model" / "model.py":
        sys.exit(f"Model.model was imported from {module.__file__}, not from --authors-repo {repo}")
    return module


def build_authors_classifier(repo: Path | None, num_labels: int, channels: int) -> nn.Module:
    """The authors' ``ConformerClassifier`` at the small preset's size, randomly initialised, every weight trainable.

    Their constructor takes the sizes and fixes the rest: dropout 0.2, depthwise kernel 3 with BatchNorm,
    post-norm with half-step feed-forward residuals, a learned relative-position bias, LoRA (r=16, alpha=32)
    on the attention and feed-forward projections, a bidirectional GRU head read at the last symbol.
    ``max_len`` only sizes the relative-position table: 128 gives every offset of a 128-symbol window its own
    entry, as their 1024 does.
    """
    authors = import_authors_model(repo)
    size = dict(input_dim=channels, model_dim=SMALL_PRESET_MODEL["hidden_size"],
                num_heads=SMALL_PRESET_MODEL["num_attention_heads"], num_layers=SMALL_PRESET_MODEL["num_hidden_layers"],
                ff_hidden_dim=SMALL_PRESET_MODEL["intermediate_size"], max_len=128)
    # Their constructor loads their pre-trained encoder (Checkpoint/pretrain_model_full.pt, not published); the
    # ladder trains from random initialisation, so it gets a freshly initialised encoder of the same shape.
    random_encoder = authors.ConformerEncoder(**size).state_dict()
    with mock.patch.object(torch, "load", return_value=random_encoder):
        model = authors.ConformerClassifier(num_classes=num_labels, **size)
    # It then freezes all but the LoRA adapters, for fine-tuning; the ladder trains every weight.
    return model.requires_grad_(True)


def authors_provenance(repo: Path) -> dict:
    """Which code of the authors a result measured: the checkout and a hash of its ``Model/model.py``."""
    source = (repo.expanduser().resolve() / "Model" / "model.py").read_bytes()
    return dict(repository=AUTHORS_REPOSITORY, checkout=str(repo), model_py_sha256=hashlib.sha256(source).hexdigest())


def build_model(rung: Rung, num_labels: int, channels: int, authors_repo: Path | None = None) -> nn.Module:
    if rung.model == "resnet":
        return SmallResNet(num_labels)
    if rung.model == "authors":
        return build_authors_classifier(authors_repo, num_labels, channels)
    settings = dict(SMALL_PRESET_MODEL, num_input_channels=channels * rung.patch_size,
                    max_position_embeddings=128 // rung.patch_size, num_labels=num_labels,
                    classifier_pooling=rung.head,
                    # Inputs the feature extractor has no representation for are checked here, not by the model.
                    validate_input_range=False)
    settings.update(rung.config)
    return ConformerClassifier(SpectrumFMConfig(**settings))


def to_tokens(values: torch.Tensor, rung: Rung) -> torch.Tensor:
    """``(n, N, C)`` -> the model's input: ``(n, C, N)`` for the ResNet, ``(n, N / P, C * P)`` tokens otherwise."""
    if rung.model == "resnet":
        return values.transpose(1, 2).contiguous()
    n, length, channels = values.shape
    return values.reshape(n, length // rung.patch_size, channels * rung.patch_size)


# ------------------------------------------------------------------------------- training


def learning_rate_factor(step: int, total: int, schedule: str, warmup: float) -> float:
    warmup_steps = int(round(warmup * total))
    if schedule == "onecycle":  # linear up, cosine down (torch's OneCycleLR shape, from lr/25)
        if step < warmup_steps:
            return 0.04 + 0.96 * step / max(warmup_steps, 1)
        progress = (step - warmup_steps) / max(total - warmup_steps, 1)
        return 0.5 * (1 + math.cos(math.pi * progress))
    if step < warmup_steps:
        return (step + 1) / warmup_steps
    if schedule == "constant":
        return 1.0
    progress = (step - warmup_steps) / max(total - warmup_steps, 1)
    return 0.5 * (1 + math.cos(math.pi * progress))


@torch.no_grad()
def evaluate(model: nn.Module, inputs: torch.Tensor, labels: torch.Tensor, batch_size: int = 512):
    model.eval()
    logits = torch.cat([model(inputs[start : start + batch_size]) for start in range(0, len(inputs), batch_size)])
    loss = float(nn.functional.cross_entropy(logits, labels))
    return loss, logits.argmax(-1)


def run_rung(name: str, rung: Rung, preset: str, seed: int, args) -> dict:
    started = time.perf_counter()
    optimiser_settings = dict(SMALL_PRESET_OPTIMISER, **rung.optimiser)
    train_iq, train_labels, _ = make_split(preset, TRAIN_SNR_DB, args.examples_per_pair, seed)
    val_iq, val_labels, _ = make_split(preset, TRAIN_SNR_DB, args.validation_examples_per_pair,
                                       seed + VALIDATION_SEED_OFFSET)
    test_iq, test_labels, test_snr = make_split(preset, TRAIN_SNR_DB, args.test_examples_per_pair, seed + TEST_SEED_OFFSET)
    prepare = lambda iq: to_tokens(model_input(iq, rung.input), rung)  # noqa: E731
    train_inputs, val_inputs, test_inputs = prepare(train_iq), prepare(val_iq), prepare(test_iq)
    channels = model_input(train_iq[:1], rung.input).shape[-1]

    torch.manual_seed(seed)
    model = build_model(rung, len(RML2016_10A_CLASSES), channels, args.authors_repo)
    parameters = sum(p.numel() for p in model.parameters())
    batch_size = optimiser_settings["batch_size"]
    optimiser = torch.optim.AdamW(model.parameters(), lr=optimiser_settings["learning_rate"],
                                  weight_decay=optimiser_settings["weight_decay"])
    epochs = rung.epochs or args.epochs
    steps_per_epoch = -(-len(train_labels) // batch_size)
    total = epochs * steps_per_epoch
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda step: learning_rate_factor(step, total, optimiser_settings["schedule"], optimiser_settings["warmup"])
    )
    generator = torch.Generator().manual_seed(seed)
    history, best_state, best_loss = [], None, math.inf
    for epoch in range(epochs):
        model.train()
        order = torch.randperm(len(train_labels), generator=generator)
        running, batches = 0.0, 0
        for start in range(0, len(train_labels), batch_size):
            rows = order[start : start + batch_size]
            inputs = (prepare(augment(train_iq[rows], rung.augment, generator)) if rung.augment else train_inputs[rows])
            loss = nn.functional.cross_entropy(model(inputs), train_labels[rows], label_smoothing=rung.label_smoothing)
            optimiser.zero_grad()
            loss.backward()
            if optimiser_settings["clip"]:
                nn.utils.clip_grad_norm_(model.parameters(), optimiser_settings["clip"])
            optimiser.step()
            schedule.step()
            running, batches = running + loss.item(), batches + 1
        val_loss, val_predictions = evaluate(model, val_inputs, val_labels)
        val_accuracy = float((val_predictions == val_labels).double().mean())
        history.append(dict(epoch=epoch + 1, train_loss=running / batches, validation_loss=val_loss,
                            validation_accuracy=val_accuracy, seconds=time.perf_counter() - started))
        print(f"{name} {preset} seed {seed} epoch {epoch + 1}: train loss {running / batches:.3f}, "
              f"validation loss {val_loss:.3f}, accuracy {100 * val_accuracy:.1f} % "
              f"({time.perf_counter() - started:.0f} s)", flush=True)
        if val_loss < best_loss:
            best_loss, best_state = val_loss, {key: value.clone() for key, value in model.state_dict().items()}
    model.load_state_dict(best_state)
    best_epoch = int(np.argmin([entry["validation_loss"] for entry in history])) + 1
    _, predictions = evaluate(model, test_inputs, test_labels)
    hits = (predictions == test_labels).double()
    by_snr = {f"{snr:g}": float(hits[test_snr == snr].mean()) for snr in TRAIN_SNR_DB}
    return dict(
        rung=name, description=rung.description, preset=preset, seed=seed, parameters=parameters,
        settings=asdict(rung), optimiser=optimiser_settings,
        accuracy_high_snr=float(hits[test_snr >= HIGH_SNR_DB].mean()), accuracy=float(hits.mean()),
        accuracy_by_snr_db=by_snr, best_epoch=best_epoch,
        validation_accuracy=history[best_epoch - 1]["validation_accuracy"],
        history=history, seconds=time.perf_counter() - started,
        scale=dict(examples_per_pair=args.examples_per_pair, validation_examples_per_pair=args.validation_examples_per_pair,
                   test_examples_per_pair=args.test_examples_per_pair, snr_db=TRAIN_SNR_DB, epochs=epochs,
                   classes="rml2016.10a", window=128),
        machine=dict(cpu=cpu_features().model_name, threads=torch.get_num_threads(), torch=torch.__version__),
        command=f"python examples/ablation_amc.py --rungs {name} --presets {preset} --seeds {seed}"
        + (" --authors-repo PATH" if rung.model == "authors" else ""),
        **(dict(authors_code=authors_provenance(args.authors_repo)) if rung.model == "authors" else {}),
    )


# ------------------------------------------------------------------------------- report


def load_results(out: Path) -> list[dict]:
    return [json.loads(path.read_text()) for path in sorted(out.glob("*.json"))]


def summary_table(results: list[dict]) -> str:
    """A markdown table of the results: one row per (preset, rung), mean ± std over seeds."""
    groups = group_results(results)
    lines = ["| preset | rung | what changes | parameters | validation accuracy (%) | test accuracy at SNR >= 10 dB (%) | "
             "test, all SNRs (%) | seeds | best epoch | s per run |", "|---|---|---|---|---|---|---|---|---|---|"]
    for (preset, name), runs in groups.items():
        high = 100 * np.array([run["accuracy_high_snr"] for run in runs])
        overall = 100 * np.array([run["accuracy"] for run in runs])
        validation = 100 * np.array([run["validation_accuracy"] for run in runs])
        lines.append(
            f"| {preset} | {name} | {runs[0]['description']} | {runs[0]['parameters']:,} | "
            f"{validation.mean():.1f} ± {validation.std():.1f} | "
            f"{high.mean():.1f} ± {high.std():.1f} | {overall.mean():.1f} ± {overall.std():.1f} | "
            f"{','.join(str(run['seed']) for run in runs)} | {np.mean([run['best_epoch'] for run in runs]):.1f} | "
            f"{np.mean([run['seconds'] for run in runs]):.0f} |"
        )
    return "\n".join(lines)


def group_results(results: list[dict]) -> dict[tuple[str, str], list[dict]]:
    """{(preset, rung): runs sorted by seed}, presets in name order and rungs in the ladder's order."""
    groups: dict[tuple[str, str], list[dict]] = {}
    for result in sorted(results, key=lambda result: result["seed"]):
        groups.setdefault((result["preset"], result["rung"]), []).append(result)
    order = {name: index for index, name in enumerate(RUNGS)}
    return dict(sorted(groups.items(), key=lambda item: (item[0][0], order.get(item[0][1], len(order)))))


def report(out: Path) -> str:
    """Write ``table.md`` and ``accuracy_vs_snr.png`` from the results in ``out``; return the table."""
    results = load_results(out)
    groups = group_results(results)
    table = summary_table(results)
    (out / "table.md").write_text(table + "\n")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    presets = sorted({preset for preset, _ in groups})
    figure, axes = plt.subplots(1, len(presets), figsize=(7 * len(presets), 5), squeeze=False)
    for axis, preset in zip(axes[0], presets):
        for (group_preset, name), runs in groups.items():
            if group_preset != preset:
                continue
            curve = np.mean([[run["accuracy_by_snr_db"][f"{snr:g}"] for snr in TRAIN_SNR_DB] for run in runs], axis=0)
            axis.plot(TRAIN_SNR_DB, 100 * curve, marker="o", label=name)
        axis.set(title=f"{preset}: from random initialisation", xlabel="SNR (dB)", ylabel="test accuracy (%)")
        axis.grid(alpha=0.3)
        axis.legend(fontsize=7)
    figure.tight_layout()
    figure.savefig(out / "accuracy_vs_snr.png", dpi=110)
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter,
                                     allow_abbrev=False)
    parser.add_argument("--rungs", nargs="+", default=[], choices=list(RUNGS))
    parser.add_argument("--presets", nargs="+", default=["rml2016.10a-recipe"],
                        choices=["broad", "rml2016.10a-recipe", "torchsig"])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--examples-per-pair", type=int, default=150)
    parser.add_argument("--validation-examples-per-pair", type=int, default=30)
    parser.add_argument("--test-examples-per-pair", type=int, default=100)
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--authors-repo", type=Path, default=os.environ.get("SPECTRUMFM_AUTHORS_REPO"),
                        help=f"a checkout of {AUTHORS_REPOSITORY}, for the authors-classifier rungs "
                             "(default: $SPECTRUMFM_AUTHORS_REPO)")
    parser.add_argument("--report", action="store_true", help="write table.md and accuracy_vs_snr.png from the results")
    args = parser.parse_args()
    if any(RUNGS[name].model == "authors" for name in args.rungs):
        import_authors_model(args.authors_repo)  # a missing checkout fails here, before any data is generated
    torch.set_num_threads(args.threads)
    args.out.mkdir(parents=True, exist_ok=True)
    for preset in args.presets:
        for name in args.rungs:
            for seed in args.seeds:
                path = args.out / f"{preset}__{name.replace('/', '--').replace('+', 'plus-')}__seed{seed}.json"
                if path.exists():
                    continue
                result = run_rung(name, RUNGS[name], preset, seed, args)
                print(f"{name} {preset} seed {seed}: {100 * result['accuracy_high_snr']:.1f} % at SNR >= 10 dB "
                      f"({result['seconds']:.0f} s)", flush=True)
                temporary = path.with_suffix(".tmp")
                temporary.write_text(json.dumps(result, indent=1) + "\n")
                os.replace(temporary, path)
    if args.report:
        print(report(args.out))


if __name__ == "__main__":
    main()
