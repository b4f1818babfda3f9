"""Train, evaluate and ship the package's pre-trained weights: the small base and one LoRA adapter per task.

    OMP_NUM_THREADS=1 python examples/ship_pretrained.py --runs_dir runs/shipped

Runs the ``spectrumfm pretrain`` and ``spectrumfm finetune`` commands below (each printed before
it runs; a run whose folder already holds its summary is not repeated, so an interrupted build
continues), then installs the base and every adapter into ``spectrumfm_hf/pretrained/`` with
:func:`spectrumfm_hf.hub.ship_artefact`, whose cards are filled from each run's
``run_metrics.json``: the figures in the cards are the ones ``spectrumfm finetune``'s
evaluation measured on the held-out test split, never typed in.

The budgets are set so the whole build fits in about an hour on two CPU cores; the cards
state each run's command, data, steps, wall time, hardware and precision. The base's card
also shows whether pre-training helps, once that has been measured on the shipped base:

    python examples/pretraining_benefit.py --output_dir runs/pretraining-benefit
    python examples/ship_pretrained.py --runs_dir runs/shipped --benefit runs/pretraining-benefit

(the second call trains nothing: every run is done, so it only installs again.)
"""

from __future__ import annotations

import argparse
import json
import shlex
import subprocess
import sys
from pathlib import Path

BASE_NAME = "spectrumfm-small"
DEFAULT_RUNS_DIR = "runs/shipped"
HUB_NAMESPACE = "spectrumfm"
SEED = 0

PRETRAIN = ["--preset", "small-cpu", "--num-train-examples", "32768", "--num_train_epochs", "4"]
"""The base: the small-cpu preset (d=64, L=4) on 32,768 captures of the generated pre-training mixture."""

# Shipped name suffix -> (task, fine-tuning options). Every adapter: LoRA r=16, alpha=32, seed 0.
ADAPTERS = {
    # Modulation classification is the slowest to converge: twice the other tasks' epochs
    # (early stopping on the validation split still picks the best one).
    "amc-rml2016": ("amc", ["--num-examples", "22000", "--num_train_epochs", "8"]),
    "amc-rml2018": ("amc24", ["--num-examples", "24960", "--num_train_epochs", "8"]),
    # 1024-sample captures in eight 128-symbol windows: 2,800 captures are 22,400 windows.
    "wtc": ("wtc", ["--num-examples", "2800", "--num_train_epochs", "4"]),
    "ss": ("ss", ["--num-examples", "22000", "--num_train_epochs", "4"]),
    "ad": ("ad", ["--num-examples", "22000", "--num_train_epochs", "4"]),
}

DESCRIPTIONS = {
    "base": (
        "A small SpectrumFM encoder (d=64, 4 layers, 4 heads, N=128 symbols) pre-trained with masked "
        "reconstruction and next-slot prediction (Algorithm 1 of the SpectrumFM paper) on the package's "
        "generated pre-training mixture. It is the base of the package's task adapters and of the quick start."
    ),
    "amc": "A LoRA adapter with its classification head for automatic modulation classification of RML2016.10a's 11 classes.",
    "amc24": "A LoRA adapter with its classification head for automatic modulation classification of RML2018.01A's 24 classes.",
    "wtc": "A LoRA adapter with its classification head for wireless technology classification (7 technologies).",
    "ss": "A LoRA adapter with its classification head for spectrum sensing (vacant or occupied channel).",
    "ad": (
        "A LoRA adapter with its reconstruction decoder for anomaly detection, trained on normal captures only "
        "(eq. 29's reconstruction loss); it scores a window by the Mahalanobis distance of its pooled embedding "
        "from the training windows', with the threshold calibrated on held-out normal captures at a 1 % "
        "false-alarm rate."
    ),
}


def run(command: list[str], done: Path) -> None:
    """Run ``command`` unless ``done`` exists (the run finished before)."""
    print("$ " + shlex.join(command), flush=True)
    if done.is_file():
        print(f"  already done: {done}", flush=True)
        return
    subprocess.run(command, check=True)


def add_benefit_section(card_path: Path, benefit_dir: Path) -> None:
    """Append the pre-trained against random encoder comparison that ``examples/pretraining_benefit.py`` wrote."""
    from huggingface_hub import ModelCard

    from pretraining_benefit import measured_on  # examples/pretraining_benefit.py, beside this script

    table = (benefit_dir / "pretraining_benefit.md").read_text(encoding="utf-8")
    result = json.loads((benefit_dir / "pretraining_benefit.json").read_text(encoding="utf-8"))
    card = ModelCard.load(card_path)
    card.text = card.text.rstrip() + (
        "\n\n## Does pre-training help?\n\nThe same LoRA fine-tuning budget from this encoder and from a "
        "randomly initialised one of the same configuration, measured by "
        "`python examples/pretraining_benefit.py --output_dir runs/pretraining-benefit` "
        f"({measured_on(result)}):\n\n{table}"
    )
    card.save(card_path)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs_dir", default=DEFAULT_RUNS_DIR,
                        help="Folder of the training runs; the cards' commands name the default instead.")
    parser.add_argument("--only", nargs="*", default=None, help="Adapter names to build (all when unset).")
    parser.add_argument("--no_ship", action="store_true", help="Train and evaluate only; install nothing.")
    parser.add_argument("--benefit", default=None,
                        help="Output folder of examples/pretraining_benefit.py, whose table the base's card then shows.")
    args = parser.parse_args(argv)
    runs = Path(args.runs_dir)
    spectrumfm = [sys.executable, "-m", "spectrumfm_hf.commands.spectrumfm_cli"]
    base_dir = runs / BASE_NAME
    run([*spectrumfm, "pretrain", "--output-dir", str(base_dir), "--seed", str(SEED), *PRETRAIN,
         "--disable_tqdm", "true"], base_dir / "pretraining_summary.json")
    adapter_dirs = {}
    for suffix, (task, options) in ADAPTERS.items():
        if args.only is not None and suffix not in args.only:
            continue
        folder = runs / f"{BASE_NAME}-{suffix}"
        run([*spectrumfm, "finetune", "--task", task, "--pretrained-model", str(base_dir), "--output-dir", str(folder),
             "--seed", str(SEED), *options, "--disable_tqdm", "true"], folder / "finetuning_summary.json")
        adapter_dirs[suffix] = (task, folder)
    if args.no_ship:
        return
    from spectrumfm_hf.hub import ship_artefact

    base_repo = f"{HUB_NAMESPACE}/{BASE_NAME}"
    # The cards show the commands as this script runs them by default, whatever folder they ran in.
    folders = {str(runs): DEFAULT_RUNS_DIR}
    shipped = [ship_artefact("model", base_dir, BASE_NAME, description=DESCRIPTIONS["base"], repo_id=base_repo,
                             command_folders=folders)]
    if args.benefit is not None:
        add_benefit_section(shipped[0] / "README.md", Path(args.benefit))
    for suffix, (task, folder) in adapter_dirs.items():
        name = f"{BASE_NAME}-{suffix}"
        shipped.append(ship_artefact("adapter", folder / "adapter", name, description=DESCRIPTIONS[task],
                                     repo_id=f"{HUB_NAMESPACE}/{name}", base_name=BASE_NAME, base_repo_id=base_repo,
                                     command_folders=folders))
    print(json.dumps([str(path) for path in shipped], indent=2))


if __name__ == "__main__":
    main()
