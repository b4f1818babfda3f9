"""The ``spectrumfm`` command: parses arguments, runs one subcommand, turns errors into exit statuses.

Exit statuses: 0 done, 1 an error while working, 2 a usage error, 128 + the signal number when
interrupted (SIGINT 130, SIGTERM 143). Errors are one line on stderr; ``--debug`` adds the traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import signal
import sys
import threading
import traceback
from typing import Iterator

from .. import __version__
from ..io_utils import OutputExistsError
from . import COMMANDS
from .arguments import EXIT_FAILURE, EXIT_USAGE, CommandParser, UsageError, print_error


def build_parser() -> argparse.ArgumentParser:
    """The ``spectrumfm`` parser with every subcommand of :data:`~spectrumfm_hf.commands.COMMANDS`."""
    parser = CommandParser(
        prog="spectrumfm",
        description="SpectrumFM for Hugging Face Transformers: data, model and environment tools.",
        allow_abbrev=False,
    )
    parser.add_argument("--debug", action="store_true", help="show the full traceback of an error")
    parser.add_argument("--version", action="version", version=f"spectrumfm_hf {__version__}")
    subparsers = parser.add_subparsers(title="commands", metavar="<command>")
    for entry in COMMANDS:
        module_name, function_name = entry.split(":")
        command_parser = getattr(importlib.import_module(f".{module_name}", __package__), function_name)
        command_parser(subparsers)
    return parser


class _StopSignal(KeyboardInterrupt):
    """SIGINT or SIGTERM delivered as an exception, so that ``finally`` blocks and context managers clean up."""

    def __init__(self, signal_number: int) -> None:
        super().__init__(signal_number)
        self.signal_number = signal_number


def _raise_stop_signal(signal_number: int, frame: object) -> None:
    raise _StopSignal(signal_number)


# SIGTERM would otherwise end the process at once, skipping all clean-up.
_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@contextlib.contextmanager
def _stop_signals_as_exceptions() -> Iterator[None]:
    # Signal handlers can only be set from the main thread (tests may call main() elsewhere).
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {number: signal.signal(number, _raise_stop_signal) for number in _STOP_SIGNALS}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def main(argv: list[str] | None = None) -> int:
    """Run ``spectrumfm`` with ``argv`` (``sys.argv[1:]`` when ``None``); return the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "func"):
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        with _stop_signals_as_exceptions():
            return args.func(args)
    except KeyboardInterrupt as interrupt:
        signal_number = getattr(interrupt, "signal_number", signal.SIGINT)
        print_error(args.command_prog, f"interrupted by {signal.Signals(signal_number).name}")
        return 128 + signal_number
    except Exception as error:  # every failure becomes one line and a status; --debug shows where
        if args.debug:
            traceback.print_exc()
        print_error(args.command_prog, str(error) or type(error).__name__)
        return EXIT_USAGE if isinstance(error, (UsageError, OutputExistsError)) else EXIT_FAILURE


if __name__ == "__main__":
    sys.exit(main())
