"""The resumable benchmark: plan the cells of a profile, run those not yet stored, write tables, figures and a manifest.

Layout of the output folder::

    cells/<task>/<data set>/<model>/seed-S_labels-P.json   one finished cell each
    data/<task>/<data set>/seed-S/                         the splits of each (data set, seed)
    encoder/                                               the pre-trained encoder (when none ships)
    encoder.json                                           its name and weights digest (resumes must match)
    profile.json                                           the profile's settings (resumes must match)
    tables/  tables.md, table2_amc.md, ..., results.csv
    figures/ fig3_*.png ... fig11_*.png
    manifest.json                                          command, seeds, version, hardware, times
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import os
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

from .data import RealDataSet, discover_real_data, task_splits
from .figures import write_figures
from .profiles import AMC_DATA_SETS, SPECTRUMFM, SPECTRUMFM_MODELS, SPECTRUMFM_RECONSTRUCTION, BenchmarkProfile, get_profile
from .runners import run_anomaly_cell, run_classification_cell, run_energy_detector_cell, run_pretraining_cell
from .store import CellKey, CellStore, write_json_atomically
from .tables import write_tables

PRETRAINING_KEY = CellKey("pretrain", "corpus", SPECTRUMFM, seed=0)
"""The encoder's pre-training: one cell, reused by every seed's fine-tuning (seeds vary the fine-tuning)."""


class BenchmarkArgumentError(ValueError):
    """A filter, seed list or folder the benchmark cannot use."""


def plan_cells(
    profile: BenchmarkProfile, seeds: Sequence[int], real: Sequence[RealDataSet] = ()
) -> list[CellKey]:
    """Every fine-tuning cell of ``profile`` for ``seeds``, in the order they run.

    With ``real`` data sets, a real AMC file replaces the generated set of its name (or adds
    one, RML2018.01A) and a SigMF recording adds a technology-classification set.
    """
    amc_sets = list(AMC_DATA_SETS) + [
        found.data_set for found in real if found.task == "amc" and found.data_set not in AMC_DATA_SETS
    ]
    wtc_sets = ["wtc"] + [found.data_set for found in real if found.task == "wtc"]
    cells = []
    for seed in seeds:
        for data_set in amc_sets:
            cells += [CellKey("amc", data_set, model, seed) for model in profile.amc_models]
        cells += [
            CellKey("amc", AMC_DATA_SETS[0], model, seed, fraction)
            for model in profile.few_shot_models
            for fraction in profile.few_shot_fractions
        ]
        for data_set in wtc_sets:
            cells += [CellKey("wtc", data_set, model, seed) for model in profile.wtc_models]
        cells += [CellKey("ss", "ss", model, seed) for model in profile.ss_models]
        cells += [CellKey("ad", "ad", model, seed) for model in profile.ad_models]
    return cells


def check_filters(filters: Sequence[str]) -> list[str]:
    """``--only`` filters, each ``TASK``, ``TASK/MODEL`` or ``TASK/DATA_SET/MODEL`` (shell wildcards allowed)."""
    checked = []
    for text in filters:
        parts = text.split("/")
        if not text or len(parts) > 3 or not all(parts):
            raise BenchmarkArgumentError(
                f"--only takes TASK, TASK/MODEL or TASK/DATA_SET/MODEL (wildcards allowed), got {text!r}"
            )
        checked.append(text)
    return checked


def matches(key: CellKey, filters: Sequence[str]) -> bool:
    """Whether ``key`` passes the ``--only`` filters (every cell passes when there are none)."""
    if not filters:
        return True
    for text in filters:
        parts = text.split("/")
        pattern = {1: f"{parts[0]}/*/*", 2: f"{parts[0]}/*/{parts[-1]}", 3: text}[len(parts)]
        if fnmatch.fnmatchcase(key.selector, pattern):
            return True
    return False


@dataclass
class RunContext:
    """What the cells of one run share."""

    profile: BenchmarkProfile
    output_dir: Path
    real: dict[tuple[str, str], RealDataSet]
    precision: Any
    encoder_folder: Path | None = None
    log: Callable[[str], None] = print
    computed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def compute_cell(key: CellKey, context: RunContext) -> dict[str, Any]:
    """Run one fine-tuning cell and return its result (nothing is stored here)."""
    splits = task_splits(
        key.task,
        key.data_set,
        context.profile,
        key.seed,
        context.output_dir,
        context.real.get((key.task, key.data_set)),
    )
    work_dir = context.output_dir / "work" / key.name
    if key.model == "energy-detector":
        return run_energy_detector_cell(key, context.profile, splits)
    if key.task == "ad":
        return run_anomaly_cell(
            key, context.profile, splits, context.encoder_folder, work_dir, context.precision
        )
    return run_classification_cell(
        key, context.profile, splits, context.encoder_folder, work_dir, context.precision
    )


def _store_cell(
    store: CellStore, key: CellKey, context: RunContext, run: Callable[[], dict[str, Any]]
) -> None:
    if store.has(key):
        context.skipped.append(key.name)
        return
    context.log(f"cell {key.name} ...")
    start = time.perf_counter()
    result = run()
    wall_s = time.perf_counter() - start
    store.put(key, result, wall_s)
    context.computed.append(key.name)
    context.log(f"cell {key.name} done in {wall_s:.1f} s")


def ensure_encoder(context: RunContext, store: CellStore) -> Path:
    """The pre-trained encoder's folder: the shipped base when the profile names an installed one, else pre-trained here once."""
    from spectrumfm_hf.pretrained import available_pretrained, pretrained_path

    shipped = context.profile.shipped_encoder
    if shipped is not None and shipped in available_pretrained():
        return pretrained_path(shipped)
    folder = context.output_dir / "encoder"
    if store.has(PRETRAINING_KEY) and not (folder / "config.json").is_file():
        raise BenchmarkArgumentError(
            f"the pre-training cell is stored but {folder} holds no encoder; delete {store.path(PRETRAINING_KEY)} to pre-train again"
        )
    _store_cell(
        store,
        PRETRAINING_KEY,
        context,
        lambda: run_pretraining_cell(context.profile, PRETRAINING_KEY.seed, folder),
    )
    return folder


def hardware_description(precision) -> dict[str, Any]:
    """``spectrumfm env``'s record (versions, CPU model and its bf16 features, GPU), the CPU's flags and the run's precision."""
    from spectrumfm_hf.commands.env import environment_info
    from spectrumfm_hf.performance import cpu_features

    return {**environment_info(), "cpu_flags": sorted(cpu_features().flags), "precision": precision.as_dict()}


def _check_same_profile(output: Path, profile: BenchmarkProfile) -> None:
    """Record the profile in ``output/profile.json`` on the first run; refuse to resume a folder of another.

    Stored cells and data splits are of the recorded profile's sizes: mixing them with another
    profile's (or an edited one's) would average unlike things.
    """
    recorded = output / "profile.json"
    current = json.loads(json.dumps(profile.as_dict()))
    if not recorded.is_file():
        write_json_atomically(recorded, current)
        return
    previous = json.loads(recorded.read_text(encoding="utf-8"))
    if previous != current:
        changed = sorted(
            name for name in set(previous) | set(current) if previous.get(name) != current.get(name)
        )
        raise BenchmarkArgumentError(
            f"output_dir {os.fspath(output)!r} holds results of profile {previous.get('name')!r} with other settings "
            f"than profile {profile.name!r} has now (differing: {', '.join(changed)}); give each profile its own folder"
        )


ENCODER_RECORD = "encoder.json"


def encoder_record(folder: Path, shipped_name: str | None) -> dict[str, Any]:
    """What identifies the encoder of the SpectrumFM cells: its name and the SHA-256 of its weights."""
    digest = hashlib.sha256()
    with open(folder / "model.safetensors", "rb") as weights:
        for block in iter(lambda: weights.read(2**20), b""):
            digest.update(block)
    return {"name": shipped_name or "pre-trained in this folder", "weights_sha256": digest.hexdigest()}


def _check_same_encoder(output: Path, record: dict[str, Any]) -> None:
    """Record the encoder in ``output/encoder.json`` on first use; refuse to resume with another.

    Stored SpectrumFM cells were fine-tuned from the recorded encoder: adding cells of another
    (a rebuilt shipped base, say) would put unlike results side by side under one name. Cells
    stored before the record existed are taken to be of the encoder recorded first.
    """
    recorded = output / ENCODER_RECORD
    if not recorded.is_file():
        write_json_atomically(recorded, record)
        return
    previous = json.loads(recorded.read_text(encoding="utf-8"))
    if previous.get("weights_sha256") != record["weights_sha256"]:
        raise BenchmarkArgumentError(
            f"output_dir {os.fspath(output)!r} holds SpectrumFM cells of encoder {previous.get('name')!r} with weights "
            f"sha256 {str(previous.get('weights_sha256'))[:12]}..., but encoder {record['name']!r} now has "
            f"{record['weights_sha256'][:12]}...; delete the SpectrumFM cells and {ENCODER_RECORD} to recompute them, "
            "or give this run its own folder"
        )


def run_benchmark(
    profile_name: str,
    output_dir: str | os.PathLike[str],
    seeds: Sequence[int] | None = None,
    only: Sequence[str] = (),
    data_dir: str | os.PathLike[str] | None = None,
    command_line: Sequence[str] | None = None,
    log: Callable[[str], None] = print,
    precision: str | None = None,
) -> dict[str, Any]:
    """Run (or resume) the benchmark of profile ``profile_name`` into ``output_dir``; return the manifest.

    Cells already stored are skipped; each new cell is stored as soon as it finishes. Tables,
    figures and ``manifest.json`` are rewritten from every stored cell at the end.

    Args:
        profile_name: ``"micro"``, ``"cpu"`` or ``"paper"``.
        output_dir: the results folder (created if needed; an existing one is resumed).
        seeds: seeds of every configuration; the profile's when None.
        only: ``--only`` filters (see :func:`check_filters`); every cell when empty.
        data_dir: a folder of real files in their own layouts (see :func:`~.data.discover_real_data`).
        command_line: the command as typed, for the manifest.
        log: where progress lines go.
        precision: ``"auto"``, ``"fp32"`` or ``"bf16"`` for every cell (see
            :func:`~spectrumfm_hf.performance.choose_precision`); None reads ``SPECTRUMFM_PRECISION``.
    """
    from spectrumfm_hf import __version__
    from spectrumfm_hf.performance import choose_precision

    start = time.perf_counter()
    profile = get_profile(profile_name)
    seeds = list(profile.seeds if seeds is None else seeds)
    if (
        not seeds
        or len(set(seeds)) != len(seeds)
        or any(isinstance(seed, bool) or not isinstance(seed, int) or seed < 0 for seed in seeds)
    ):
        raise BenchmarkArgumentError(f"seeds must be distinct non-negative integers, got {seeds!r}")
    filters = check_filters(only)
    real = discover_real_data(data_dir) if data_dir is not None else []
    output = Path(output_dir)
    output.mkdir(parents=True, exist_ok=True)
    _check_same_profile(output, profile)
    store = CellStore(output)
    context = RunContext(
        profile, output, {(found.task, found.data_set): found for found in real}, choose_precision(precision), log=log
    )
    cells = [key for key in plan_cells(profile, seeds, real) if matches(key, filters)]
    if not cells:
        raise BenchmarkArgumentError(
            f"--only {' '.join(filters)} matches no cell of profile {profile.name!r}"
        )
    if any(key.model in (*SPECTRUMFM_MODELS, SPECTRUMFM_RECONSTRUCTION) for key in cells):
        context.encoder_folder = ensure_encoder(context, store)
        if context.encoder_folder is not None:
            encoder = encoder_record(context.encoder_folder, profile.shipped_encoder
                                     if context.encoder_folder.name == profile.shipped_encoder else None)
            _check_same_encoder(output, encoder)
    for key in cells:
        _store_cell(store, key, context, lambda key=key: compute_cell(key, context))
    shutil.rmtree(output / "work", ignore_errors=True)
    records = store.records()
    model_order = list(
        dict.fromkeys([*profile.amc_models, *profile.wtc_models, *profile.ss_models, *profile.ad_models])
    )
    tables = write_tables(records, output / "tables", model_order)
    figures = write_figures(records, output / "figures", model_order)
    manifest = {
        "command_line": list(sys.argv if command_line is None else command_line),
        "profile": profile.as_dict(),
        "scaled_down": profile.scaled_down(),
        "seeds": seeds,
        "only": filters,
        "data_dir": None if data_dir is None else os.fspath(data_dir),
        "real_data": [
            {"task": found.task, "data_set": found.data_set, "path": os.fspath(found.path)} for found in real
        ],
        "package_version": __version__,
        "hardware": hardware_description(context.precision),
        "encoder": None if context.encoder_folder is None else json.loads((output / ENCODER_RECORD).read_text()),
        "cells_computed_this_run": context.computed,
        "cells_skipped_as_stored": context.skipped,
        "cell_wall_s": {CellKey(**record["key"]).name: record["wall_s"] for record in records},
        "cells_wall_s_total": sum(record["wall_s"] for record in records),
        "this_run_wall_s": time.perf_counter() - start,
        "tables": [os.fspath(path.relative_to(output)) for path in tables],
        "figures": [os.fspath(path.relative_to(output)) for path in figures],
    }
    write_json_atomically(output / "manifest.json", manifest)
    return manifest
