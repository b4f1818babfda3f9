"""The measured figures of the README, the docs and the shipped cards are the committed result files' own."""

import importlib.util
import json
import re
import shlex
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_SPEC = importlib.util.spec_from_file_location("render_results", ROOT / "examples" / "render_results.py")
render_results = importlib.util.module_from_spec(_SPEC)
sys.modules["render_results"] = render_results  # dataclasses look their module up while the script loads
_SPEC.loader.exec_module(render_results)

# What a measurement looks like in prose: a percentage with decimals, a spread, a duration, a
# throughput, a file size, a loss or AUC to three places, a speed-up. Settings ("10 % of the
# labels", "4 epochs", "r=16") do not match.
MEASURED_FIGURE = re.compile(
    r"\d+\.\d+\s?%"
    r"|\d\s?±\s?\d"
    r"|\b\d[\d,]*(?:\.\d+)?\s?(?:s|ms|min)\b(?!/)"
    r"|\b\d[\d,]*(?:\.\d+)?\s?(?:samples|windows|examples|steps)/s\b"
    r"|\b\d[\d,]*(?:\.\d+)?\s?(?:kB|MB|MiB|GiB)\b"
    r"|\b0\.\d{3,}\b"
    r"|\b\d+(?:\.\d+)?x (?:faster|slower)"
)
FENCE = re.compile(r"^```.*?^```[^\n]*$", re.DOTALL | re.MULTILINE)
HEADING = re.compile(r"^(#+) ")


def prose(text: str) -> str:
    """``text`` without its generated regions and code blocks: what was written by hand."""
    return FENCE.sub("", render_results.REGION.sub("\n\n", text))


def unmarked_figures(text: str) -> list[str]:
    """Hand-written blocks holding a measured figure outside any section marked as not yet recorded.

    A block that says :data:`render_results.UNRECORDED` marks itself and every later block up to
    the next heading of its level or above.
    """
    found = []
    marked_level = None
    level = 0
    for block in re.split(r"\n\s*\n", prose(text)):
        heading = HEADING.match(block.lstrip("\n"))
        if heading:
            level = len(heading.group(1))
            if marked_level is not None and level <= marked_level:
                marked_level = None
        if render_results.UNRECORDED in " ".join(block.split()) and marked_level is None:
            marked_level = level
        if marked_level is None and MEASURED_FIGURE.search(block):
            found.append(block.strip())
    return found


def test_documents_and_cards_agree_with_their_result_files():
    disagreements = render_results.render_all(check=True)
    assert [str(disagreement) for disagreement in disagreements] == []


def test_check_exits_1_and_names_the_region_whose_text_its_files_contradict(tmp_path, monkeypatch, capsys):
    document = tmp_path / "README.md"
    rendered = render_results.RENDERERS["benchmark-time"].render()
    document.write_text(f"# Results\n\n<!-- results: benchmark-time -->\n{rendered.replace('4,272', '4,000')}"
                        "<!-- /results -->\n")
    monkeypatch.setattr(render_results, "DOCUMENTS", (str(document),))
    monkeypatch.setattr(render_results, "shipped_cards", lambda: [])
    assert render_results.main(["--check"]) == 1
    assert f"{document}: region 'benchmark-time' disagrees with examples/benchmarks/results/cpu/manifest.json" in (
        capsys.readouterr().out)
    assert "4,000" in document.read_text()


def test_rendering_rewrites_a_stale_region_from_its_files(tmp_path):
    document = tmp_path / "README.md"
    document.write_text("Before.\n<!-- results: benchmark-time -->\nThe cells took 1 s.\n<!-- /results -->\nAfter.\n")
    disagreements = render_results.render_all(check=False, documents=[str(document)], cards=False)
    assert [disagreement.region for disagreement in disagreements] == ["benchmark-time"]
    manifest = json.loads((render_results.BENCHMARK / "manifest.json").read_text())
    assert document.read_text() == (
        "Before.\n<!-- results: benchmark-time -->\n"
        f"The cells took {manifest['cells_wall_s_total']:,.0f} s in all on a 2-core AMD EPYC (fp32, 1 torch thread "
        "per process; `manifest.json`).\n<!-- /results -->\nAfter.\n")
    assert render_results.render_all(check=True, documents=[str(document)], cards=False) == []


def test_an_indented_region_keeps_its_indentation_inside_a_list_item(tmp_path):
    document = tmp_path / "list.md"
    document.write_text("* item\n  <!-- results: benchmark-time -->\n  stale\n  <!-- /results -->\n")
    render_results.render_all(check=False, documents=[str(document)], cards=False)
    assert document.read_text().endswith("per process; `manifest.json`).\n  <!-- /results -->\n")


def test_a_region_without_a_renderer_is_refused_by_name(tmp_path):
    document = tmp_path / "README.md"
    document.write_text("<!-- results: no-such-figure -->\n<!-- /results -->\n")
    with pytest.raises(render_results.ResultsError, match="region 'no-such-figure' has no renderer"):
        render_results.render_all(check=True, documents=[str(document)], cards=False)


def test_every_renderer_fills_a_region_of_the_documents():
    used = {match.group("name") for document in render_results.DOCUMENTS
            for match in render_results.REGION.finditer((ROOT / document).read_text(encoding="utf-8"))}
    assert used == set(render_results.RENDERERS)


def test_readme_holds_no_measured_figure_outside_generated_regions():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert [block for block in re.split(r"\n\s*\n", prose(readme)) if MEASURED_FIGURE.search(block)] == []


@pytest.mark.parametrize("document", [name for name in render_results.DOCUMENTS if name != "README.md"])
def test_docs_mark_every_figure_outside_generated_regions_as_not_yet_recorded(document):
    assert unmarked_figures((ROOT / document).read_text(encoding="utf-8")) == []


def test_figure_check_finds_a_typed_timing_and_accepts_it_once_marked():
    typed = "# Speed\n\nThe step took 4.31 s.\n"
    assert unmarked_figures(typed) == ["The step took 4.31 s."]
    marked = f"# Speed\n\nMeasured by hand ({render_results.UNRECORDED}).\n\nThe step took 4.31 s.\n"
    assert unmarked_figures(marked) == []
    assert unmarked_figures("# Speed\n\n<!-- results: realtime -->\nThe step took 4.31 s.\n<!-- /results -->\n") == []


def test_a_mark_ends_at_the_next_heading_of_its_level():
    text = f"## A\n\nNot measured here ({render_results.UNRECORDED}).\n\n### A.1\n\n1.5 %\n\n## B\n\n2.5 %\n"
    assert unmarked_figures(text) == ["2.5 %"]


def test_amc_table_lists_every_model_the_benchmark_profile_ran_with_the_best_in_bold():
    table = render_results.RENDERERS["benchmark-amc"].render()
    manifest = json.loads((render_results.BENCHMARK / "manifest.json").read_text())
    rows = [line for line in table.splitlines() if line.startswith("| ") and not line.startswith("| model")]
    assert len(rows) == len(manifest["profile"]["amc_models"]) == 13
    assert rows[0] == "| MSNet | **30.1 ± 1.7** | **36.1 ± 1.6** | **19.8 ± 2.1** |"
    assert "| SpectrumFM from a random encoder | 5.5 ± 1.4 | 6.8 ± 1.5 | 4.2 ± 0.8 |" in rows


def test_benchmark_profile_lists_the_reconstruction_scored_anomaly_model_its_manifest_names():
    profile = render_results.RENDERERS["benchmark-cpu-profile"].render()
    assert "AD spectrumfm, spectrumfm-reconstruction, aae" in profile


def test_findings_rank_spectrumfm_from_the_committed_f1_table():
    findings = render_results.RENDERERS["benchmark-findings"].render()
    assert ("ranks third on the 10A-shaped set, second on the 10B-shaped set, second on the 04C-shaped set "
            "(of 13 models)") in findings
    assert "SpectrumFM's AUC is 53.3 ± 11.0 %, below the energy detector's 75.8 ± 3.5 %" in findings


def test_shipped_table_states_each_artefacts_recorded_figures():
    table = render_results.RENDERERS["shipped-artefacts"].render()
    amc = json.loads((render_results.PRETRAINED / "spectrumfm-small-amc-rml2016" / "run_metrics.json").read_text())
    high_snr = next(metric["value"] for metric in amc["metrics"] if metric.get("config") == "snr_db >= 10")
    assert f"test accuracy {100 * high_snr:.1f} % at SNR ≥ 10 dB" in table
    assert "284,164 parameters" in table
    assert "test AUC 0.634 over ISR -20/-10/0 dB; 0.79-0.88 per interference type at 0 dB ISR" in table


def test_quickstart_paragraph_states_the_recorded_accuracy_seed_and_machine():
    record = json.loads(render_results.record_path("quickstart").read_text())
    paragraph = render_results.RENDERERS["quickstart"].render()
    assert record["command"] == "spectrumfm quickstart --seed 0"
    accuracy = record["results"]["test_accuracy_snr_ge_10db"]
    assert f"**{100 * accuracy:.1f} % test accuracy at SNR >= 10 dB**" in paragraph
    assert f"1 thread on a {record['cpu_cores_usable']}-core {record['cpu']}, {record['precision']}" in paragraph


@pytest.mark.parametrize("seconds, text", [(67.4, "67 s"), (119.6, "2 min 0 s"), (166, "2 min 46 s")])
def test_durations_read_in_seconds_then_minutes(seconds, text):
    assert render_results.duration(seconds) == text


def test_results_of_json_line_commands_keep_every_line():
    stdout = 'loading\n{"config": "small", "sustained_samples_per_second": 29172}\n{"config": "paper"}\n'
    assert render_results._json_lines(Path("."), stdout) == {
        "lines": [{"config": "small", "sustained_samples_per_second": 29172}, {"config": "paper"}]}


def test_shown_commands_drop_a_scratch_output_folder_unless_a_later_command_reads_it():
    pretrain = ("spectrumfm", "pretrain", "--seed", "0", "--output-dir", "{output}/pretrain")
    finetune = ("spectrumfm", "finetune", "--pretrained-model", "{output}/pretrain", "--output-dir", "{output}/amc")
    commands = (pretrain, finetune)
    assert render_results._shown(pretrain, commands) == "spectrumfm pretrain --seed 0 --output-dir runs/pretrain"
    assert render_results._shown(finetune, commands) == "spectrumfm finetune --pretrained-model runs/pretrain"


def test_record_writes_the_commands_figures_with_its_seed_scale_machine_and_precision(tmp_path, monkeypatch):
    line = json.dumps({"config": "small", "precision": "fp32", "sustained_samples_per_second": 100})
    recording = render_results.Recording(
        "toy", (("python", "-c", f"print({line!r})"),), 3, lambda results: {"lines": len(results["lines"])},
        render_results._json_lines)
    monkeypatch.setitem(render_results.RECORDINGS, "toy", recording)
    monkeypatch.setattr(render_results, "RESULTS", tmp_path)
    written = json.loads(render_results.record("toy", threads=1).read_text())
    assert written["command"] == f"python -c {shlex.quote(f'print({line!r})')}"
    assert written["written_by"] == "OMP_NUM_THREADS=1 python examples/render_results.py --record toy"
    assert (written["seed"], written["scale"], written["threads"], written["precision"]) == (3, {"lines": 1}, 1, "fp32")
    assert written["results"] == {"lines": [json.loads(line)]}
    assert written["cpu"] and written["cpu_cores_usable"] >= 1 and len(written["load_average_before"]) == 3
