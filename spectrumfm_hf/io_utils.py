"""Writing output folders all at once: a reader sees the previous complete folder or the new one, never a mix."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import uuid
from pathlib import Path
from typing import Iterator

# The signals a user sends to stop a run. They are held back during the few renames that swap
# the new folder in, so an interrupt lands before the swap (old folder kept) or after it.
_STOP_SIGNALS = frozenset({signal.SIGINT, signal.SIGTERM})


class OutputExistsError(FileExistsError, ValueError):
    """Raised when an output folder exists and overwriting it was not asked for."""


def _unique_sibling(target: Path, suffix: str) -> Path:
    # Hidden, beside the target (same file system, so the final rename is atomic), and named after it.
    return target.parent / f".{target.name}.{os.getpid()}-{uuid.uuid4().hex[:12]}{suffix}"


@contextlib.contextmanager
def _stop_signals_held() -> Iterator[None]:
    # Python runs its handlers in the main thread, so this only matters there; elsewhere (and on
    # Windows, which has no signal masks) holding back is harmless or impossible.
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS) if hasattr(signal, "pthread_sigmask") else None
    try:
        yield
    finally:
        if previous is not None:
            signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _swap_in(staging: Path, target: Path) -> None:
    """Rename ``staging`` to ``target``; an existing ``target`` is renamed aside first and deleted after."""
    if not os.path.lexists(target):
        os.replace(staging, target)
        return
    aside = _unique_sibling(target, ".old")
    os.replace(target, aside)
    try:
        os.replace(staging, target)
    except BaseException:
        os.replace(aside, target)
        raise
    if aside.is_dir() and not aside.is_symlink():
        shutil.rmtree(aside)
    else:
        aside.unlink()


@contextlib.contextmanager
def atomic_output_dir(target: str | os.PathLike[str], overwrite: bool = False) -> Iterator[Path]:
    """A fresh staging folder to write into, renamed to ``target`` only if the block completes.

    If the block raises (including ``KeyboardInterrupt``), the staging folder is deleted and
    ``target`` is left as it was. The swap holds back SIGINT and SIGTERM, so an interrupt at any
    moment leaves either the previous complete folder or the new complete one, and no staging
    folder behind (only SIGKILL or a power cut can leave a hidden ``.<name>.*`` folder).

    Args:
        target: the output folder.
        overwrite: replace ``target`` if it exists; otherwise an existing ``target`` raises
            :class:`OutputExistsError` before anything is written.

    Yields:
        The staging folder (beside ``target``, on the same file system).
    """
    if not isinstance(target, (str, os.PathLike)):
        raise TypeError(f"target must be a path, got {type(target).__name__}")
    if not isinstance(overwrite, bool):
        raise TypeError(f"overwrite must be a bool, got {type(overwrite).__name__}")
    target = Path(target).absolute()
    if os.path.lexists(target) and not overwrite:
        raise OutputExistsError(
            f"output folder {os.fspath(target)!r} exists; "
            "pass overwrite=True (on the command line, --overwrite) to replace it"
        )
    if target.exists() and not target.is_dir():
        raise OutputExistsError(f"output {os.fspath(target)!r} exists and is not a folder")
    target.parent.mkdir(parents=True, exist_ok=True)
    staging: Path | None = None
    try:
        with _stop_signals_held():
            staging = _unique_sibling(target, ".partial")
            staging.mkdir()  # mkdir, not mkdtemp: the folder gets the umask's permissions, not 0700
        yield staging
        with _stop_signals_held():
            _swap_in(staging, target)
    finally:
        with _stop_signals_held():
            if staging is not None and staging.exists():
                shutil.rmtree(staging, ignore_errors=True)
