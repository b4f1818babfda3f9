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


class CommandParser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose errors are one line on stderr (``--help`` shows the usage)."""

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
