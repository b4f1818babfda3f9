"""Benchmark cells: their keys, atomic storage, and mean ± std over seeds."""

import json
import math
import os

import pytest

from spectrumfm_hf.benchmarks.store import (
    CellKey,
    CellStore,
    CellStoreError,
    aggregate,
    aggregate_cells,
    write_json_atomically,
)
from spectrumfm_hf.benchmarks.tables import anomaly_table, few_shot_table, markdown_table, results_csv


def record(model, seed, accuracy, data_set="rml2016.10a", label_fraction=1.0, task="amc"):
    return {
        "key": CellKey(task, data_set, model, seed, label_fraction).as_dict(),
        "wall_s": 1.0,
        "result": {"accuracy": accuracy},
    }


HAND_MADE = [
    record("spectrumfm", 0, 0.80),
    record("spectrumfm", 1, 0.70),
    record("spectrumfm", 2, 0.60),
    record("cnn2", 0, 0.50),
    record("cnn2", 1, 0.50),
    record("spectrumfm", 0, 0.40, label_fraction=0.1),
]


def test_aggregate_is_the_mean_and_sample_standard_deviation_over_seeds():
    found = aggregate([0.80, 0.70, 0.60])
    assert found.count == 3
    assert found.mean == pytest.approx(0.70)
    assert found.std == pytest.approx(0.10)  # sqrt(((0.1)^2 + 0 + (0.1)^2) / 2)


def test_aggregate_of_one_seed_has_zero_spread_and_formats_without_it():
    found = aggregate([0.5])
    assert (found.mean, found.std, found.count) == (0.5, 0.0, 1)
    assert found.format() == "50.0"


def test_aggregate_formats_mean_plus_minus_std_in_percent():
    assert aggregate([0.80, 0.70, 0.60]).format() == "70.0 ± 10.0"


def test_aggregate_skips_missing_values():
    assert aggregate([0.4, None, math.nan, 0.6]).mean == pytest.approx(0.5)
    assert aggregate([]).count == 0


def test_aggregate_cells_groups_by_task_data_set_model_and_label_fraction():
    groups = aggregate_cells(HAND_MADE, "accuracy")
    assert set(groups) == {
        ("amc", "rml2016.10a", "spectrumfm", 1.0),
        ("amc", "rml2016.10a", "cnn2", 1.0),
        ("amc", "rml2016.10a", "spectrumfm", 0.1),
    }
    assert groups[("amc", "rml2016.10a", "spectrumfm", 1.0)].mean == pytest.approx(0.70)
    assert groups[("amc", "rml2016.10a", "cnn2", 1.0)].std == 0.0
    assert groups[("amc", "rml2016.10a", "spectrumfm", 0.1)].count == 1


def test_aggregate_cells_skips_results_where_the_metric_is_not_a_number():
    other = {
        "key": CellKey("pretrain", "corpus", "spectrumfm").as_dict(),
        "wall_s": 1.0,
        "result": {"precision": {"precision": "fp32"}},
    }
    assert aggregate_cells([other], "precision") == {}


def test_results_csv_has_one_row_per_group_and_metric_with_mean_std_and_seed_count():
    lines = results_csv(HAND_MADE).splitlines()
    assert lines[0] == "task,data_set,model,label_fraction,metric,mean,std,seeds"
    assert "amc,rml2016.10a,spectrumfm,1.0,accuracy,0.7,0.1,3" in lines
    assert len(lines) == 1 + 3


def test_few_shot_table_lists_each_label_fraction_of_the_models_run_with_fewer_labels():
    text = few_shot_table(HAND_MADE, ["spectrumfm", "cnn2"])
    assert "| 10 % labels | 100 % labels |" in text
    assert "| rml2016.10a | spectrumfm | 40.0 | 70.0 ± 10.0 |" in text
    assert "cnn2" not in text


def test_markdown_table_has_a_header_rule_and_one_line_per_row():
    assert markdown_table(["a", "b"], [["1", "2"]]) == "| a | b |\n|---|---|\n| 1 | 2 |\n"


def test_cell_store_round_trips_a_result_with_its_key_and_wall_time(tmp_path):
    store = CellStore(tmp_path)
    key = CellKey("ss", "ss", "energy-detector", seed=2, label_fraction=0.3)
    assert not store.has(key)
    store.put(key, {"accuracy": 0.9}, wall_s=1.5)
    assert store.has(key)
    assert store.path(key) == tmp_path / "cells" / "ss" / "ss" / "energy-detector" / "seed-2_labels-30.json"
    assert store.get(key) == {"key": key.as_dict(), "wall_s": 1.5, "result": {"accuracy": 0.9}}
    assert store.records() == [store.get(key)]


def test_atomic_write_leaves_the_previous_file_and_no_temporary_when_serialisation_fails(tmp_path):
    path = tmp_path / "cell.json"
    write_json_atomically(path, {"accuracy": 0.5})
    with pytest.raises(TypeError, match="cannot store a object"):
        write_json_atomically(path, {"accuracy": object()})
    assert json.loads(path.read_text()) == {"accuracy": 0.5}
    assert os.listdir(tmp_path) == ["cell.json"]


def test_a_corrupt_cell_file_names_itself_and_the_way_out(tmp_path):
    store = CellStore(tmp_path)
    key = CellKey("amc", "rml2016.10a", "cnn2")
    store.path(key).parent.mkdir(parents=True)
    store.path(key).write_text("{")
    with pytest.raises(CellStoreError, match="not valid JSON.*delete it to recompute the cell"):
        store.get(key)


@pytest.mark.parametrize(
    "arguments, message",
    [
        (("amc", "a/b", "cnn2"), "data_set must be a non-empty name without '/', got 'a/b'"),
        (("amc", "rml2016.10a", ""), "model must be a non-empty name"),
        (("amc", "rml2016.10a", "cnn2", -1), "seed must be a non-negative integer, got -1"),
        (("amc", "rml2016.10a", "cnn2", 0, 1.5), r"label_fraction must lie in \(0, 1\], got 1.5"),
    ],
)
def test_cell_key_refuses_impossible_values_naming_them(arguments, message):
    with pytest.raises(CellStoreError, match=message):
        CellKey(*arguments)


def anomaly_record(model, seed, auc_by_isr):
    result = {"auc": 0.5, "auc_per_interference_isr": {"single_tone": auc_by_isr}}
    return {"key": CellKey("ad", "ad", model, seed).as_dict(), "wall_s": 1.0, "result": result}


def test_anomaly_table_orders_the_isrs_by_value_and_averages_over_seeds():
    records = [
        anomaly_record("aae", 0, {"10.0": 0.9, "-10.0": 0.5, "0.0": 0.7}),
        anomaly_record("aae", 1, {"10.0": 0.7, "-10.0": 0.5, "0.0": 0.7}),
    ]
    text = anomaly_table(records, ["aae"])
    assert (
        "| model | AUC all | single_tone ISR -10 dB | single_tone ISR 0 dB | single_tone ISR 10 dB |" in text
    )
    assert "| aae | 50.0 ± 0.0 | 50.0 ± 0.0 | 70.0 ± 0.0 | 80.0 ± 14.1 |" in text
