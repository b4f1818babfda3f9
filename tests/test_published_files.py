"""Committed results, cards and docs name no machine's folders; the pre-training benefit records what it ran on."""

import hashlib
import json
import os
import re
import types
from pathlib import Path

import pytest

from spectrumfm_hf import pretrained_path
from spectrumfm_hf.performance import cpu_features

REPOSITORY = Path(__file__).resolve().parent.parent
EXAMPLES = REPOSITORY / "examples"
BENEFIT = EXAMPLES / "results" / "pretraining_benefit" / "pretraining_benefit.json"
PUBLISHED = [
    *(EXAMPLES / "results").rglob("*"),
    *(EXAMPLES / "benchmarks" / "results").rglob("*"),
    *(REPOSITORY / "spectrumfm_hf" / "pretrained").rglob("*.md"),
    *(REPOSITORY / "spectrumfm_hf" / "pretrained").rglob("*.json"),
    *(REPOSITORY / "hub_cards").rglob("*"),
    *(REPOSITORY / "docs").rglob("*"),
    REPOSITORY / "README.md",
]
# A POSIX home, temporary or work folder written from the root ("../runs" is relative and allowed),
# or a Windows drive ("C:\\", also as JSON's "C:\\\\").
ABSOLUTE_PATH = re.compile(r"(?<![\w.~-])/(?:work|tmp|home|root|Users|mnt)/|(?<![\w])[A-Za-z]:\\")


def text_of(path: Path) -> str | None:
    """The file's text, or None for a folder or a binary file (figures)."""
    if not path.is_file():
        return None
    data = path.read_bytes()
    if b"\0" in data:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def absolute_paths(text: str) -> list[tuple[int, str]]:
    """``(line number, line)`` of each line of ``text`` that holds an absolute machine path."""
    return [(number, line.strip()) for number, line in enumerate(text.splitlines(), start=1)
            if ABSOLUTE_PATH.search(line)]


@pytest.mark.parametrize(
    "line, flagged",
    [
        ('"output_dir": "/work/runs/benefit"', True),
        ("--pretrained_model /home/someone/spectrumfm-small", True),
        ("written to /tmp/pytest-of-root/run", True),
        ('"path": "C:\\\\Users\\\\someone\\\\run"', True),
        ("--output_dir ../runs/benefit/random-seed0", False),
        ("https://huggingface.co/docs/home/index", False),
        ("spectrumfm_hf/pretrained/spectrumfm-small", False),
    ],
)
def test_the_scan_flags_absolute_machine_paths_and_leaves_relative_ones(line, flagged):
    assert bool(absolute_paths(line)) is flagged


def test_published_results_cards_and_docs_hold_no_absolute_machine_paths():
    texts = {path: text_of(path) for path in PUBLISHED}
    assert sum(text is not None for text in texts.values()) > 20, "the scan found almost nothing to read"
    hits = [f"{path.relative_to(REPOSITORY)}:{number}: {line[:160]}"
            for path, text in sorted(texts.items()) if text is not None for number, line in absolute_paths(text)]
    assert not hits, "absolute machine paths in published files:\n" + "\n".join(hits)


def test_committed_pretraining_benefit_names_the_shipped_weights_it_was_measured_on():
    result = json.loads(BENEFIT.read_text())
    weights = REPOSITORY / result["pretrained_model"] / "model.safetensors"
    assert result["pretrained_model"] == "spectrumfm_hf/pretrained/spectrumfm-small"
    assert result["pretrained_weights_sha256"] == hashlib.sha256(weights.read_bytes()).hexdigest()
    assert isinstance(result["cpu_features"], list) and "avx512f" in result["cpu_features"]
    assert result["cpu_features"] == sorted(result["cpu_features"])


@pytest.fixture
def benefit_script(monkeypatch):
    """``examples/pretraining_benefit.py`` with its fine-tuning runs replaced by a fixed summary per run."""
    ran = []

    def finetune(argv):
        ran.append(argv)
        seed = int(argv[argv.index("--seed") + 1])
        return {"test": {"test_accuracy_snr_ge_10db": 0.5 + seed / 10, "test_accuracy": 0.25},
                "wall_s": 1.0, "precision": {"precision": "fp32"}}

    monkeypatch.setitem(__import__("sys").modules, "finetune", types.SimpleNamespace(main=finetune))
    monkeypatch.syspath_prepend(str(EXAMPLES))
    import pretraining_benefit

    return pretraining_benefit, ran


def test_pretraining_benefit_records_paths_relative_to_the_repository(benefit_script, tmp_path):
    script, ran = benefit_script
    output_dir = tmp_path / "benefit"
    result = script.main(["--output_dir", str(output_dir), "--seeds", "0", "1"])
    shipped = pretrained_path("spectrumfm-small")
    # The runs themselves get the real folders ...
    assert ran[0][ran[0].index("--output_dir") + 1] == str(output_dir / "pretrained-seed0")
    assert ran[0][ran[0].index("--pretrained_model") + 1] == str(shipped)
    # ... the record names them from the repository root, where its commands run.
    relative_output = os.path.relpath(output_dir, REPOSITORY)
    written = json.loads((output_dir / "pretraining_benefit.json").read_text())
    assert written == result
    assert [run["command"].split("--output_dir ")[1].split()[0] for run in written["runs"]] == [
        f"{relative_output}/{arm}-seed{seed}" for seed in (0, 1) for arm in ("pretrained", "random")]
    assert written["pretrained_model"] == os.path.relpath(shipped, REPOSITORY)
    assert "--pretrained_model spectrumfm_hf/pretrained/spectrumfm-small" in written["runs"][0]["command"]
    assert not any(word.startswith("/") for run in written["runs"] for word in run["command"].split())


def test_pretraining_benefit_records_the_weights_digest_and_the_cpu_flags_as_a_list(benefit_script, tmp_path):
    script, _ = benefit_script
    written = script.main(["--output_dir", str(tmp_path / "benefit"), "--seeds", "0", "1"])
    weights = pretrained_path("spectrumfm-small") / "model.safetensors"
    assert written["pretrained_weights_sha256"] == hashlib.sha256(weights.read_bytes()).hexdigest()
    assert written["cpu_features"] == sorted(cpu_features().flags)
    assert written["cpu_model"] == cpu_features().model_name
    assert written["per_arm"]["pretrained"]["values"] == pytest.approx([50.0, 60.0])
