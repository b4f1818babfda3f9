"""``spectrumfm pretrain``: pre-train SpectrumFM on the generated pre-training mixture (Algorithm 1).

Also the machinery ``finetune`` shares: the script options are read from the dataclasses of
:mod:`spectrumfm_hf.training.recipes` (from their source, so that parsing imports neither torch
nor transformers), every other option goes on to ``transformers.TrainingArguments`` through
``HfArgumentParser``, and ``--help`` lists both.
"""

from __future__ import annotations

import argparse
import ast
import functools
import json
import os
import shlex
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from ..io_utils import OutputExistsError
from .arguments import (
    CommandParser,
    UsageError,
    abbreviation_error,
    add_command_parser,
    long_options,
    non_negative_int,
    positive_int,
)

# The recipes' dataclasses, then the modules whose constants their fields name (ADAPTATION_MODES, PRECISION_OPTIONS).
_TRAINING_SOURCES = tuple(
    Path(__file__).resolve().parent.parent / name
    for name in ("training/recipes.py", "training/adaptation.py", "performance.py")
)
_SCRIPT_CLASSES_MODULE = _TRAINING_SOURCES[0]
CHECKPOINT_PREFIX = "checkpoint-"  # transformers.trainer_utils.PREFIX_CHECKPOINT_DIR, without importing it
SCRIPT_CLASS = "PretrainingScriptArguments"


@dataclass(frozen=True)
class ScriptOption:
    """One field of a recipe's script dataclass, as the command line offers it."""

    name: str
    annotation: str
    default: Any
    help: str
    choices: tuple | None
    aliases: tuple[str, ...]


def _module_constants(tree: ast.Module) -> dict[str, Any]:
    constants = {}
    for statement in tree.body:
        if isinstance(statement, ast.Assign) and len(statement.targets) == 1 and isinstance(statement.targets[0], ast.Name):
            try:
                constants[statement.targets[0].id] = ast.literal_eval(statement.value)
            except ValueError:
                continue
    return constants


def _literal(node: ast.expr, constants: dict[str, Any]) -> Any:
    if isinstance(node, ast.Name) and node.id in constants:
        return constants[node.id]
    if isinstance(node, ast.Dict):
        return {_literal(key, constants): _literal(value, constants) for key, value in zip(node.keys, node.values)}
    return ast.literal_eval(node)


@functools.lru_cache(maxsize=None)
def script_options(class_name: str) -> tuple[ScriptOption, ...]:
    """The fields of ``spectrumfm_hf.training.recipes.<class_name>``, read from the source.

    Importing the recipes takes seconds (torch, transformers, datasets, peft); the options are
    needed to parse arguments, which must answer at once.
    """
    trees = [ast.parse(path.read_text(encoding="utf-8")) for path in _TRAINING_SOURCES]
    constants = {name: value for tree in trees for name, value in _module_constants(tree).items()}
    definition = next(
        (node for node in trees[0].body if isinstance(node, ast.ClassDef) and node.name == class_name), None
    )
    if definition is None:
        raise LookupError(f"{_SCRIPT_CLASSES_MODULE} defines no class {class_name!r}")
    options = []
    for statement in definition.body:
        if not isinstance(statement, ast.AnnAssign) or not isinstance(statement.value, ast.Call):
            continue
        keywords = {keyword.arg: keyword.value for keyword in statement.value.keywords}
        metadata = _literal(keywords["metadata"], constants) if "metadata" in keywords else {}
        options.append(
            ScriptOption(
                name=statement.target.id,
                annotation=ast.unparse(statement.annotation),
                default=_literal(keywords["default"], constants) if "default" in keywords else None,
                help=metadata.get("help", ""),
                choices=tuple(metadata["choices"]) if "choices" in metadata else None,
                aliases=tuple(metadata.get("aliases", ())),
            )
        )
    return tuple(options)


def _number_in(text: str, accepts: Callable[[float], bool], expected: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = float("nan")  # fails every range check below
    if not accepts(value):
        raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}")
    return value


def label_fraction(text: str) -> float:
    """An argument that must be a share of the training labels in (0, 1]."""
    return _number_in(text, lambda value: 0 < value <= 1, "a fraction in (0, 1]")


def open_fraction(text: str) -> float:
    """An argument that must be a rate in (0, 1) (a false-alarm rate)."""
    return _number_in(text, lambda value: 0 < value < 1, "a rate in (0, 1)")


def json_object(text: str) -> str:
    """An argument that must be a JSON object (kept as text, as the recipes take it)."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise argparse.ArgumentTypeError(f"expected a JSON object, got {text!r} ({error.msg})") from None
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError(f"expected a JSON object, got {text!r}")
    return text


# Checks stricter than the annotation's type, where a bad value would otherwise fail late.
_OPTION_TYPES: dict[str, Callable[[str], Any]] = {
    "few_shot_fraction": label_fraction,
    "false_alarm_rate": open_fraction,
    "config_overrides": json_object,
    "data_seed_offset": non_negative_int,
    "mask_seed": non_negative_int,
}


def _option_type(option: ScriptOption) -> Callable[[str], Any]:
    if option.name in _OPTION_TYPES:
        return _OPTION_TYPES[option.name]
    kind = option.annotation.split("|")[0].strip()
    return {"int": positive_int, "float": float}.get(kind, str)


def add_script_options(parser: argparse.ArgumentParser, class_name: str) -> None:
    """Declare the fields of the recipe dataclass ``class_name`` as options (dashed, underscored and aliases)."""
    group = parser.add_argument_group(f"options of the recipe ({class_name})")
    for option in script_options(class_name):
        # A field with aliases is known on the command line by them alone (few_shot_fraction: --label-fraction).
        names = list(dict.fromkeys(option.aliases or (f"--{option.name.replace('_', '-')}", f"--{option.name}")))
        if option.annotation == "bool":
            group.add_argument(*names, dest=option.name, action="store_true", help=option.help)
            continue
        group.add_argument(
            *names, dest=option.name, type=_option_type(option), default=option.default, choices=option.choices,
            metavar=None if option.choices else names[0].lstrip("-").replace("-", "_").upper(), help=option.help,
        )


def training_arguments_help(formatter: argparse.HelpFormatter) -> str:
    """The ``TrainingArguments`` options as a help section (imports transformers)."""
    from transformers import HfArgumentParser, TrainingArguments

    training_parser = HfArgumentParser(TrainingArguments)
    formatter.start_section(
        "options of transformers.TrainingArguments (any of them; the preset fills those not given)"
    )
    formatter.add_arguments(
        [action for action in training_parser._actions
         if not isinstance(action, argparse._HelpAction) and action.dest != "output_dir"]
    )
    formatter.end_section()
    return formatter.format_help()


class TrainingCommandParser(CommandParser):
    """A subcommand parser that hands the options it does not declare on to ``TrainingArguments``.

    They are kept, in order, in ``training_options``; ``--help`` lists them after the command's own.
    """

    def parse_known_args(self, args=None, namespace=None):
        namespace, extras = super().parse_known_args(args, namespace)
        namespace.training_options = [*getattr(namespace, "training_options", []), *extras]
        return namespace, []

    def refuse_abbreviations(self, arguments: list[str]) -> None:
        # "--data_seed" is a TrainingArguments option, not an abbreviation of "--data_seed_offset":
        # parse_training_command checks the options passed on against both parsers' at once.
        pass

    def format_help(self) -> str:
        return super().format_help() + "\n" + training_arguments_help(self._get_formatter())


def add_training_command_parser(
    subparsers: argparse._SubParsersAction | None, name: str, help_text: str, description: str, class_name: str
) -> argparse.ArgumentParser:
    """A ``pretrain`` / ``finetune`` parser: the recipe's options, the output folder options, pass-through for the rest."""
    parser = add_command_parser(subparsers, name, help_text, description)
    # The parser argparse built gains the pass-through and the longer help; it holds no other state.
    parser.__class__ = TrainingCommandParser
    parser.add_argument(
        "--output-dir", "--output_dir", dest="output_dir", required=True,
        help="the run's folder: checkpoints while training, then the final artefacts, each written whole",
    )
    parser.add_argument(
        "--resume", action="store_true",
        help="continue the interrupted run in --output-dir from its last complete checkpoint (give the same options)",
    )
    parser.add_argument(
        "--overwrite", action="store_true", help="delete what --output-dir holds and start afresh"
    )
    add_script_options(parser, class_name)
    return parser


def check_output_dir(output_dir: str, resume: bool, overwrite: bool, resumable: bool = True) -> None:
    """Refuse a non-empty output folder unless resuming or overwriting, and a resume with nothing to resume.

    Args:
        output_dir: the run's folder.
        resume: ``--resume`` was given.
        overwrite: ``--overwrite`` was given.
        resumable: the command has ``--resume`` (the refusal names it).
    """
    if resume and overwrite:
        raise UsageError("--resume and --overwrite exclude each other: continue the run, or start afresh")
    path = Path(output_dir)
    if path.exists() and not path.is_dir():
        raise UsageError(f"--output-dir {output_dir!r} is a file; expected a folder")
    if resume:
        if not path.is_dir() or not any(entry.name.startswith(CHECKPOINT_PREFIX) for entry in path.iterdir()):
            raise UsageError(f"--resume: {output_dir!r} holds no {CHECKPOINT_PREFIX}* folder to resume from")
    elif path.is_dir() and any(path.iterdir()) and not overwrite:
        remedy = "--resume to continue its run or --overwrite to start afresh" if resumable else "--overwrite to start afresh"
        raise OutputExistsError(f"output folder {output_dir!r} is not empty; pass {remedy}")


def clear_output_dir(output_dir: str) -> None:
    """Empty ``output_dir`` (``--overwrite``), keeping the folder."""
    path = Path(output_dir)
    for entry in path.iterdir() if path.is_dir() else ():
        shutil.rmtree(entry) if entry.is_dir() and not entry.is_symlink() else entry.unlink()


def parse_training_command(script_class: type, args: argparse.Namespace):
    """``(script_args, training_args)`` of a parsed ``pretrain`` / ``finetune`` command line (imports transformers).

    Options of ``TrainingArguments`` are parsed by ``HfArgumentParser``; a bad one is a usage
    error. With ``--resume`` the last checkpoint of the output folder is resumed from.
    """
    from transformers import HfArgumentParser, TrainingArguments
    from transformers.trainer_utils import get_last_checkpoint

    from ..training.distributed import deepspeed_on_cpu_options
    from ..training.recipes import explicit_options, with_preset

    class OptionsParser(HfArgumentParser):
        def error(self, message: str):
            raise UsageError(message)

    script_args = script_class(**{option.name: getattr(args, option.name) for option in script_options(script_class.__name__)})
    argv = [*args.training_options, "--output_dir", args.output_dir]
    # Abbreviations are refused: the preset's value would silently win over an option the user wrote.
    parser = OptionsParser(TrainingArguments, allow_abbrev=False)
    command_parser = add_training_command_parser(None, "options", "", "", script_class.__name__)
    abbreviated = abbreviation_error(args.training_options,
                                     long_options(parser) + long_options(command_parser))
    if abbreviated is not None:
        raise UsageError(abbreviated)
    try:
        argv += deepspeed_on_cpu_options(argv)
        training_args, remaining = parser.parse_args_into_dataclasses(argv, return_remaining_strings=True)
        if remaining:
            raise UsageError(f"unrecognized arguments: {' '.join(remaining)}")
        training_args = with_preset(script_args, training_args, explicit_options(parser, argv))
    except UsageError:
        raise
    except ValueError as error:  # TrainingArguments and the presets check combinations of options
        raise UsageError(str(error)) from error
    if args.resume:
        training_args.resume_from_checkpoint = get_last_checkpoint(args.output_dir)
        if training_args.resume_from_checkpoint is None:
            raise UsageError(f"--resume: {args.output_dir!r} holds no complete checkpoint to resume from")
    return script_args, training_args


def command_line(name: str, args: argparse.Namespace, class_name: str) -> str:
    """The ``spectrumfm`` command that repeats this run: every recipe option that differs from its default."""
    words = ["spectrumfm", name]
    for option in script_options(class_name):
        value = getattr(args, option.name)
        if value != option.default:
            flag = option.aliases[0] if option.aliases else f"--{option.name.replace('_', '-')}"
            words += [flag] if value is True else [flag, str(value)]
    words += [*args.training_options, "--output-dir", os.fspath(args.output_dir)]
    return shlex.join(words)


def pretrain_command_parser(subparsers: argparse._SubParsersAction | None = None) -> argparse.ArgumentParser:
    """Add ``pretrain`` to ``subparsers`` (or return a parser of its own when ``None``)."""
    parser = add_training_command_parser(
        subparsers,
        "pretrain",
        "pre-train SpectrumFM on the generated pre-training mixture",
        "Pre-train SpectrumFM (masked reconstruction and next-slot prediction, Algorithm 1) with "
        "transformers.Trainer on the seeded pre-training mixture, with early stopping on the validation "
        "loss. Writes checkpoints while training, then the model, its feature extractor, trainer_state.json "
        "and pretraining_summary.json, each appearing whole. Every TrainingArguments option is accepted "
        "(e.g. --num_train_epochs 4 --learning_rate 5e-4 --max_steps 100); the preset fills the rest.",
        SCRIPT_CLASS,
    )
    parser.set_defaults(func=pretrain_command)
    return parser


def pretrain_command(args: argparse.Namespace) -> int:
    """Pre-train as ``args`` say and print where the model went and how far the validation loss fell."""
    check_output_dir(args.output_dir, args.resume, args.overwrite)
    from ..training.recipes import PretrainingScriptArguments, run_pretraining

    script_args, training_args = parse_training_command(PretrainingScriptArguments, args)
    if args.overwrite:
        clear_output_dir(args.output_dir)
    summary = run_pretraining(script_args, training_args, command=command_line("pretrain", args, SCRIPT_CLASS))
    losses = summary["validation_losses"]
    fall = (
        f"; validation loss {losses[0]:.4f} -> {min(losses):.4f} ({100 * summary['validation_loss_fall']:.0f} % fall)"
        if losses else ""
    )
    print(f"pre-trained {summary['parameters']:,} parameters in {summary['wall_s']:.0f} s{fall}; "
          f"model saved to {args.output_dir}")
    return 0
