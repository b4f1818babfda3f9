"""``spectrumfm evaluate``: metrics JSON and figures for one or several models or adapters on a test split."""

from __future__ import annotations

import argparse
import os

from .arguments import (
    UsageError,
    add_command_parser,
    add_precision_option,
    command_precision,
    non_negative_int,
    positive_int,
)

TASK_CHOICES = ("amc", "amc24", "wtc", "ss", "ad")  # spectrumfm_hf.training.recipes.TASKS, without importing torch
AMC_PRESET_CHOICES = ("broad", "rml2016.10a-recipe", "torchsig", "clean")  # recipes.AMC_DATA_PRESETS, likewise
# The fine-tuning recipe's defaults, used when neither --data nor the run's summary says otherwise.
DEFAULT_NUM_EXAMPLES = 22_000


def evaluate_command_parser(subparsers: argparse._SubParsersAction | None = None) -> argparse.ArgumentParser:
    """Add ``evaluate`` to ``subparsers`` (or return a parser of its own when ``None``)."""
    parser = add_command_parser(
        subparsers,
        "evaluate",
        "metrics and figures for models or adapters on a task's test split",
        "Evaluate one or several saved models or adapters (or the folders `spectrumfm finetune` wrote) on "
        "the test split only: a saved data set's test split (--data), or the generated data regenerated "
        "from its seed and split 70/10/20 as `spectrumfm finetune` splits it (by default with the first "
        "run's own data settings, so its test split is the one it never trained on). Writes "
        "evaluation.json (accuracy, weighted precision/recall/F1, accuracy per SNR, confusion matrix, ROC "
        "AUC for ss; AUC per interference type and ISR for ad), run_metrics.json for `spectrumfm push` "
        "(run_metrics_NAME.json each when several) for the models whose fine-tuning run left its training "
        "record, finetuning_summary.json, in their folder or the one around it (not the shipped adapters, "
        "which carry their own run_metrics.json), and PNGs: accuracy vs SNR (one line per model), "
        "confusion matrices, ROC curves, t-SNE of the "
        "encoder's embeddings and the loss curves of runs that kept their trainer_state.json. The "
        "models compute in the precision --precision chooses, as `spectrumfm finetune` does, so a run's "
        "figures are its own where both choose the same; both files record it. The output folder appears whole.",
    )
    parser.add_argument("models", nargs="+", metavar="MODEL", help="folders of saved task models or adapters")
    parser.add_argument("--task", required=True, choices=TASK_CHOICES, help="the task the models were trained for")
    parser.add_argument("--output-dir", "--output_dir", dest="output_dir", required=True,
                        help="the folder to write the metrics and figures to")
    parser.add_argument("--overwrite", action="store_true", help="replace --output-dir if it exists")
    parser.add_argument("--data", help="a data set folder with a test split (as `spectrumfm generate` writes)")
    parser.add_argument("--num-examples", type=positive_int,
                        help="captures to generate before the 70/10/20 split (default: the run's, else "
                        f"{DEFAULT_NUM_EXAMPLES}); not with --data")
    parser.add_argument("--num-samples", type=positive_int,
                        help="IQ samples per generated capture (default: the run's, else the task's); not with --data")
    parser.add_argument("--seed", type=non_negative_int,
                        help="data seed of the generated captures (default: the run's, else 0); not with --data")
    parser.add_argument("--amc-preset", "--amc_preset", dest="amc_preset", choices=AMC_PRESET_CHOICES,
                        help="modulation tasks: the AMC data preset to generate (default: the run's, else broad), "
                        "e.g. to score an adapter trained on the broad default on one recipe's data; not with --data")
    parser.add_argument("--min-snr-db", type=float, default=10.0, help="report accuracy at and above this SNR, dB")
    add_precision_option(parser)
    parser.set_defaults(func=evaluate_command)
    return parser


def _check_arguments(args: argparse.Namespace) -> None:
    generated = [f"--{name.replace('_', '-')}" for name in ("num_examples", "num_samples", "seed", "amc_preset")
                 if getattr(args, name) is not None]
    if args.data is not None and generated:
        raise UsageError(f"--data evaluates a saved data set; {', '.join(generated)} only apply to generated data")
    if args.amc_preset is not None and args.task not in ("amc", "amc24"):
        raise UsageError(f"--amc-preset applies to the modulation tasks (amc, amc24), not to --task {args.task}")
    for model in args.models:
        if not os.path.isdir(model):
            raise FileNotFoundError(f"{model}: no such folder; expected a saved model or adapter")
    if args.data is not None and not os.path.isdir(args.data):
        raise FileNotFoundError(f"--data {args.data}: no such folder; expected a saved data set")
    if os.path.lexists(args.output_dir) and not args.overwrite:
        raise UsageError(f"--output-dir {args.output_dir!r} exists; pass --overwrite to replace it")


def _saved_test_split(folder: str, task: str):
    from datasets import Dataset, DatasetDict, load_from_disk

    try:
        stored = load_from_disk(folder)
    except (FileNotFoundError, ValueError) as error:
        raise UsageError(f"--data {folder}: not a saved data set ({error})") from None
    if not isinstance(stored, DatasetDict) or "test" not in stored:
        splits = list(stored) if isinstance(stored, DatasetDict) else "none" if isinstance(stored, Dataset) else stored
        raise UsageError(f"--data {folder}: expected a data set with a test split, got splits {splits}")
    test = stored["test"]
    label = test.features.get("label")
    if getattr(label, "names", None) is None:
        raise UsageError(f"--data {folder}: the test split has no class-labelled 'label' column")
    data = {"name": f"data set at {folder}", "type": "local", "split": "test", "config": os.path.abspath(folder),
            "how": f"the test split of the data set saved at {folder}"}
    return test, list(label.names), data


def _generated_test_split(args: argparse.Namespace, first_summary: dict | None):
    from ..training.recipes import anomaly_test_split, dataset_description, task_splits

    run = first_summary or {}
    num_examples = args.num_examples or run.get("num_examples") or DEFAULT_NUM_EXAMPLES
    num_samples = args.num_samples or run.get("num_samples")
    seed = args.seed if args.seed is not None else run.get("data_seed", 0)
    amc_preset = (args.amc_preset or run.get("amc_preset", "broad")) if args.task in ("amc", "amc24") else "broad"
    generator, splits = task_splits(args.task, num_examples, seed, num_samples, amc_preset)
    if args.task == "ad":
        test_generator, test = anomaly_test_split(num_examples, seed, num_samples)
        how = (f"{max(1, num_examples // 5)} anomaly-detection test captures generated with seed {seed + 1}, "
               "as `spectrumfm finetune --task ad` makes them")
    else:
        test_generator, test = generator, splits["test"]
        how = (f"the 20 % test split of {num_examples} {generator.name} captures generated with seed {seed}, "
               "split 70/10/20 by class and SNR as `spectrumfm finetune` splits them")
    samples = len(test[0]["iq"])
    data = {**dataset_description(test_generator, samples, seed + 1 if args.task == "ad" else seed), "how": how}
    return test, list(generator.class_names), data


def evaluate_command(args: argparse.Namespace) -> int:
    """Evaluate every model of ``args`` on one test split and write metrics and figures."""
    _check_arguments(args)
    precision = command_precision(args)
    from ..io_utils import atomic_output_dir
    from ..training.evaluation import artefact_folder, evaluate_saved_runs, load_saved_run, run_summary

    # Folders and data are checked before any model loads: a wrong argument answers sooner.
    artefacts = [artefact_folder(model) for model in args.models]
    if args.data is not None:
        test, class_names, data = _saved_test_split(args.data, args.task)
    else:
        test, class_names, data = _generated_test_split(args, run_summary(artefacts[0]))
    runs = [load_saved_run(artefact, args.task) for artefact in artefacts]
    names = [run.name for run in runs]
    for index, run in enumerate(runs):
        if names.count(run.name) > 1:  # two runs of the same name: number them in order
            run.name = f"{run.name}-{index + 1}"
    for run in runs:
        labels = getattr(run.model.config, "num_labels", None)
        if args.task != "ad" and labels != len(class_names):
            raise UsageError(f"{run.artefact} classifies {labels} classes but --task {args.task} has "
                             f"{len(class_names)}; pass the --task it was trained for")
    print(f"precision: {precision.precision} on {precision.device} ({precision.reason})")
    for run in runs:
        trained = ((run.summary or {}).get("precision") or {}).get("precision")
        if trained in ("fp32", "bf16") and trained != precision.precision:
            print(f"note: {run.name} was fine-tuned and scored in {trained}; figures in {precision.precision} differ "
                  f"slightly from its own (pass --precision {trained} to reproduce them)")
    with atomic_output_dir(args.output_dir, overwrite=args.overwrite) as staging:
        record = evaluate_saved_runs(runs, args.task, test, class_names, staging, data, min_snr_db=args.min_snr_db,
                                     precision=precision)
    for name, metrics in record["models"].items():
        if args.task == "ad":
            print(f"{name}: test AUC {metrics['auc']:.3f} over {metrics['windows']} windows")
        else:
            print(f"{name}: test accuracy at SNR >= {args.min_snr_db:g} dB "
                  f"{100 * metrics[f'accuracy_snr_ge_{args.min_snr_db:g}db']:.1f} %, "
                  f"{100 * metrics['accuracy']:.1f} % over all SNRs ({metrics['windows']} windows)")
    written = sorted(record["run_metrics"].values()) + sorted(record["figures"].values())
    print(f"wrote evaluation.json, {', '.join(written)} to {args.output_dir} ({data['how']})")
    untrained = [name for name in record["models"] if name not in record["run_metrics"]]
    if untrained:
        print(f"no run_metrics.json for {', '.join(untrained)}: no finetuning_summary.json (the training record "
              "a card states) in the model's folder or the one around it")
    return 0
