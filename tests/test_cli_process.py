"""``spectrumfm`` as a process: usage errors answer at once, interrupts leave no half-written data set."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from datasets import load_from_disk

from spectrumfm_hf.cli import main

from .conftest import restore_sigint

REPOSITORY_ROOT = Path(__file__).resolve().parent.parent
COMMAND = [sys.executable, "-m", "spectrumfm_hf.commands.spectrumfm_cli"]
ENVIRONMENT = {**os.environ, "PYTHONPATH": str(REPOSITORY_ROOT), "OMP_NUM_THREADS": "1"}
# Enough examples that generating them takes seconds, so the signal lands mid-run.
SLOW_GENERATION = ["generate", "amc-rml2016.10a", "--num-examples", "40000"]


def test_usage_error_answers_in_under_a_second_with_one_line_and_status_2(tmp_path):
    start = time.perf_counter()
    child = subprocess.run(
        [*COMMAND, "generate", "wtc", "--num-examples", "0", "--output", str(tmp_path / "w")],
        capture_output=True,
        text=True,
        env=ENVIRONMENT,
        timeout=60,
    )
    seconds = time.perf_counter() - start
    assert child.returncode == 2
    assert child.stderr == "spectrumfm generate: error: argument --num-examples: expected a positive integer, got '0'\n"
    assert seconds < 1.0, f"a usage error took {seconds:.2f} s"


def hidden_staging_has_files(parent: Path) -> bool:
    """Whether a staging or cache folder beside the output holds a file yet (generation has begun writing)."""
    return any(
        path.is_file() for folder in parent.iterdir() if folder.name.startswith(".") for path in folder.rglob("*")
    )


def interrupt_mid_write(arguments: list[str], parent: Path, signal_number: int) -> subprocess.Popen:
    child = subprocess.Popen([*COMMAND, *arguments], env=ENVIRONMENT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             preexec_fn=restore_sigint)
    deadline = time.monotonic() + 120
    while not hidden_staging_has_files(parent):
        assert child.poll() is None, f"finished before the signal: {child.communicate()[1][-500:]!r}"
        assert time.monotonic() < deadline, "generation never started writing"
        time.sleep(0.01)
    child.send_signal(signal_number)
    child.communicate(timeout=120)
    return child


@pytest.mark.slow
def test_sigint_mid_generation_leaves_nothing(tmp_path):
    child = interrupt_mid_write([*SLOW_GENERATION, "--output", str(tmp_path / "amc")], tmp_path, signal.SIGINT)
    assert child.returncode == 128 + signal.SIGINT
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_sigterm_mid_overwrite_leaves_the_previous_data_set_loadable(tmp_path, capsys):
    output = tmp_path / "amc"
    assert main(["generate", "amc-rml2016.10a", "--num-examples", "110", "--output", str(output)]) == 0
    arguments = [*SLOW_GENERATION, "--output", str(output), "--overwrite", "--seed", "1"]
    child = interrupt_mid_write(arguments, tmp_path, signal.SIGTERM)
    assert child.returncode == 128 + signal.SIGTERM
    assert [path.name for path in tmp_path.iterdir()] == ["amc"]
    assert sum(len(split) for split in load_from_disk(str(output)).values()) == 110
    assert "seed `0`" in (output / "README.md").read_text()
