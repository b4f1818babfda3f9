"""Output folders appear complete or not at all: ``atomic_output_dir``."""

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from spectrumfm_hf.io_utils import OutputExistsError, atomic_output_dir

from .conftest import restore_sigint

REPOSITORY_ROOT = Path(__file__).resolve().parent.parent


def write_split(folder: Path, name: str, text: str) -> None:
    (folder / name).mkdir()
    (folder / name / "data.txt").write_text(text)


def test_output_appears_only_when_the_block_completes(tmp_path):
    target = tmp_path / "out"
    with atomic_output_dir(target) as staging:
        write_split(staging, "train", "new")
        assert not target.exists() and staging.parent == tmp_path
    assert (target / "train" / "data.txt").read_text() == "new"
    assert [path.name for path in tmp_path.iterdir()] == ["out"]


def test_error_in_the_block_leaves_nothing_behind(tmp_path):
    with pytest.raises(RuntimeError, match="generation failed"):
        with atomic_output_dir(tmp_path / "out") as staging:
            write_split(staging, "train", "partial")
            raise RuntimeError("generation failed")
    assert list(tmp_path.iterdir()) == []


def test_existing_output_is_refused_without_overwrite(tmp_path):
    (tmp_path / "out").mkdir()
    with pytest.raises(OutputExistsError, match="exists; pass overwrite=True"):
        with atomic_output_dir(tmp_path / "out"):
            pytest.fail("the block must not run")
    assert [path.name for path in tmp_path.iterdir()] == ["out"]


def test_overwrite_replaces_the_whole_folder_without_mixing_splits(tmp_path):
    target = tmp_path / "out"
    target.mkdir()
    write_split(target, "train", "old")
    write_split(target, "validation", "old")
    with atomic_output_dir(target, overwrite=True) as staging:
        write_split(staging, "train", "new")
    assert sorted(path.name for path in target.iterdir()) == ["train"]
    assert (target / "train" / "data.txt").read_text() == "new"
    assert [path.name for path in tmp_path.iterdir()] == ["out"]


def test_error_during_overwrite_keeps_the_previous_folder(tmp_path):
    target = tmp_path / "out"
    target.mkdir()
    write_split(target, "train", "old")
    with pytest.raises(KeyboardInterrupt):
        with atomic_output_dir(target, overwrite=True) as staging:
            write_split(staging, "train", "new")
            raise KeyboardInterrupt
    assert (target / "train" / "data.txt").read_text() == "old"
    assert [path.name for path in tmp_path.iterdir()] == ["out"]


def test_output_that_is_a_file_is_refused_even_with_overwrite(tmp_path):
    (tmp_path / "out").write_text("not a folder")
    with pytest.raises(OutputExistsError, match="is not a folder"):
        with atomic_output_dir(tmp_path / "out", overwrite=True):
            pytest.fail("the block must not run")


def test_output_folder_gets_the_usual_permissions_not_a_temporary_folders(tmp_path):
    with atomic_output_dir(tmp_path / "out"):
        pass
    umask = os.umask(0)
    os.umask(umask)
    assert (tmp_path / "out").stat().st_mode & 0o777 == 0o777 & ~umask


def test_non_path_target_is_a_type_error():
    with pytest.raises(TypeError, match="target must be a path, got int"):
        with atomic_output_dir(3):
            pass


# A writer that stages split after split slowly, so that a signal lands mid-write.
SLOW_WRITER = textwrap.dedent(
    """
    import signal, sys, time
    from pathlib import Path
    from spectrumfm_hf.io_utils import atomic_output_dir
    def interrupt(signal_number, frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, interrupt)
    with atomic_output_dir(sys.argv[1], overwrite=True) as staging:
        for index in range(200):
            (staging / f"part{index}").write_text("new")
            time.sleep(0.01)
    """
)


@pytest.mark.parametrize("signal_number", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_signal_mid_write_keeps_the_previous_folder_and_no_staging(tmp_path, signal_number):
    target = tmp_path / "out"
    target.mkdir()
    (target / "old").write_text("old")
    environment = {**os.environ, "PYTHONPATH": str(REPOSITORY_ROOT)}
    writer = subprocess.Popen([sys.executable, "-c", SLOW_WRITER, str(target)], env=environment, stderr=subprocess.PIPE,
                              preexec_fn=restore_sigint)
    deadline = time.monotonic() + 30
    while not any(path.name.endswith(".partial") and any(path.iterdir()) for path in tmp_path.iterdir()):
        assert writer.poll() is None and time.monotonic() < deadline, "the writer never started staging"
        time.sleep(0.01)
    writer.send_signal(signal_number)
    writer.wait(timeout=30)
    assert writer.returncode != 0
    assert [path.name for path in tmp_path.iterdir()] == ["out"]
    assert [path.name for path in target.iterdir()] == ["old"]


# A writer whose swap is slow (deleting the old folder takes a second), announced by a marker file.
SLOW_SWAP = textwrap.dedent(
    """
    import shutil, sys, time
    from pathlib import Path
    from spectrumfm_hf.io_utils import atomic_output_dir
    remove_folder = shutil.rmtree
    def slow_remove_folder(path, *args, **kwargs):
        if str(path).endswith(".old"):
            Path(sys.argv[2]).write_text("swapping")
            time.sleep(1)
        remove_folder(path, *args, **kwargs)
    shutil.rmtree = slow_remove_folder
    with atomic_output_dir(sys.argv[1], overwrite=True) as staging:
        (staging / "new").write_text("new")
    """
)


def test_signal_during_the_swap_waits_until_the_new_folder_is_in_place(tmp_path):
    target = tmp_path / "out"
    target.mkdir()
    (target / "old").write_text("old")
    marker = tmp_path.parent / f"{tmp_path.name}-swapping"
    environment = {**os.environ, "PYTHONPATH": str(REPOSITORY_ROOT)}
    writer = subprocess.Popen(
        [sys.executable, "-c", SLOW_SWAP, str(target), str(marker)], env=environment, stderr=subprocess.PIPE,
        preexec_fn=restore_sigint,
    )
    deadline = time.monotonic() + 30
    while not marker.exists():
        assert writer.poll() is None and time.monotonic() < deadline, "the writer never reached the swap"
        time.sleep(0.01)
    writer.send_signal(signal.SIGINT)
    _, stderr = writer.communicate(timeout=30)
    assert b"KeyboardInterrupt" in stderr  # delivered, but only once the swap was done
    assert [path.name for path in tmp_path.iterdir()] == ["out"]
    assert [path.name for path in target.iterdir()] == ["new"]
