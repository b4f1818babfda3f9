"""What every ``spectrumfm`` subcommand shares: the parser, argument checks and usage errors.

Nothing here imports torch or the data package, so that argument errors answer at once.
"""

from __future__ import annotations

import argparse
import math
import sys
from typing import NoReturn

# Exit statuses: argparse's for usage errors, 1 for an error while working.
EXIT_USAGE = 2
EXIT_FAILURE = 1


class UsageError(ValueError):
    """An argument value that cannot work, found by a command after parsing (exit status 2)."""


def one_line(text: str, limit: int = 500) -> str:
    """``text`` on one line (whitespace runs collapsed), cut to ``limit`` characters."""
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 3] + "..."


def long_options(parser: argparse.ArgumentParser) -> list[str]:
    """The ``--name`` option strings ``parser`` declares."""
    return [option for action in parser._actions for option in action.option_strings
            if option.startswith("--")]


def abbreviation_error(arguments: list[str], known_options: list[str]) -> str | None:
    """The error for the first of ``arguments`` that abbreviates one of ``known_options`` (None if none does).

    Abbreviations are refused rather than expanded: a command line must mean the same once an
    option sharing the prefix is added, and the training commands tell the options the user
    wrote from those a preset fills by their full names.
    """
    known = set(known_options)
    for argument in arguments:
        name = argument.split("=", 1)[0]
        if not name.startswith("--") or name in known:
            continue
        expansions = [option for option in known_options if option.startswith(name)]
        if expansions:
            return (f"{name}: abbreviated options are not accepted; write "
                    f"{' or '.join(dict.fromkeys(expansions))} in full")
    return None


class CommandParser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose errors are one line on stderr (``--help`` shows the usage).

    It refuses abbreviated options (``--num-ex`` for ``--num-examples``) with an error naming the
    full option; ``spectrumfm`` gives each subcommand a parser of this class.
    """

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)

    def parse_known_args(self, args=None, namespace=None):
        namespace, extras = super().parse_known_args(args, namespace)
        self.refuse_abbreviations(extras)
        return namespace, extras

    def refuse_abbreviations(self, arguments: list[str]) -> None:
        """Exit with a usage error if one of ``arguments`` (those left unparsed) abbreviates an option here."""
        message = abbreviation_error(arguments, long_options(self))
        if message is not None:
            self.error(message)

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {one_line(message)}\n")


class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Shows an option's default in its help, except where there is none to show (required, flags)."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        # Identity, not equality: a default of 0 (a seed) is worth showing, False is not.
        if any(action.default is nothing for nothing in (None, False, argparse.SUPPRESS)):
            return action.help
        return super()._get_help_string(action)


def add_command_parser(
    subparsers: argparse._SubParsersAction | None, name: str, help_text: str, description: str | None = None
) -> argparse.ArgumentParser:
    """The parser of subcommand ``name`` (standalone when ``subparsers`` is ``None``), with ``--debug``.

    Args:
        subparsers: the ``spectrumfm`` parser's subcommands, or ``None`` for a parser of its own.
        name: the subcommand's name.
        help_text: one line for ``spectrumfm --help``.
        description: the subcommand's ``--help`` text; ``help_text`` when ``None``.
    """
    options = {"description": description or help_text, "formatter_class": HelpFormatter}
    if subparsers is None:
        parser = CommandParser(prog=f"spectrumfm {name}", **options)
    else:
        parser = subparsers.add_parser(name, help=help_text, **options)
    # SUPPRESS: an absent --debug must not overwrite one given before the subcommand.
    parser.add_argument(
        "--debug", action="store_true", default=argparse.SUPPRESS, help="show the full traceback of an error"
    )
    parser.set_defaults(command_prog=parser.prog)
    return parser


def _integer(text: str, minimum: int, expected: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}") from None
    if value < minimum:
        raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}")
    return value


def positive_int(text: str) -> int:
    """An argument that must be an integer of at least 1."""
    return _integer(text, 1, "a positive integer")


def non_negative_int(text: str) -> int:
    """An argument that must be an integer of at least 0 (seeds)."""
    return _integer(text, 0, "a non-negative integer")


def _float(text: str) -> float:
    # NaN fails every range check below, so text that is not a number reads as out of range.
    try:
        return float(text)
    except ValueError:
        return math.nan


def fraction(text: str) -> float:
    """An argument that must be a fraction in [0, 1)."""
    value = _float(text)
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"expected a fraction in [0, 1), got {text!r}")
    return value


def finite_float(text: str) -> float:
    """An argument that must be a finite number."""
    value = _float(text)
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
    return value


def sample_rate_hz(text: str) -> float:
    """An argument that must be a positive, finite sample rate in Hz (``2.4e6`` accepted)."""
    value = _float(text)
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive sample rate in Hz, got {text!r}")
    return value


def print_error(prog: str, message: str) -> None:
    """Report an error as argparse does: one line on stderr, after the command's name."""
    print(f"{prog}: error: {one_line(message)}", file=sys.stderr)


def add_precision_option(parser: argparse.ArgumentParser) -> None:
    """Declare ``--precision {auto,fp32,bf16}`` on a command that runs a model (default: ``SPECTRUMFM_PRECISION``)."""
    from ..performance import PRECISION_ENVIRONMENT_VARIABLE, PRECISION_OPTIONS

    parser.add_argument(
        "--precision", choices=PRECISION_OPTIONS, default=None,
        help="what the model computes in: auto follows the hardware (bf16 on a CUDA GPU with native bf16 or a "
        "CPU with AMX, fp32 otherwise); fp32 or bf16 force one (bf16 warns where the hardware has no bf16 "
        f"units). Default: ${PRECISION_ENVIRONMENT_VARIABLE}, else auto",
    )


def command_precision(args: argparse.Namespace, device: str | None = None):
    """The :class:`~spectrumfm_hf.performance.PrecisionChoice` of a command's ``--precision`` (a bad
    ``SPECTRUMFM_PRECISION`` is a usage error).

    Args:
        args: the parsed command line, with ``precision``.
        device: ``"cpu"`` or ``"cuda"``; CUDA when torch sees a device, else the CPU, when None.
    """
    from ..performance import PrecisionError, choose_precision

    try:
        return choose_precision(args.precision, device)
    except PrecisionError as error:
        raise UsageError(str(error)) from None
