"""Specification of the record schema's conversions and validators."""

import numpy as np
import pytest

from spectrumfm_hf.data.base import (
    GENERATION_PARAMETERS,
    SpectrumDataError,
    check_positive_integer,
    make_batch,
    python_scalar,
    record_from_batch,
    records_from_batch,
)


def _batch():
    iq = np.arange(2 * 4 * 2, dtype=np.float32).reshape(2, 4, 2)
    return make_batch(iq, [1, 0], {"snr_db": [3.0, -2.0], "source": "test", "configuration": np.array(["a", "b"], object)})


def test_make_batch_fills_every_parameter_with_its_schema_dtype_and_default():
    batch = _batch()
    assert set(batch) == {"iq", "label"} | set(GENERATION_PARAMETERS)
    assert batch["snr_db"].dtype == np.float32 and batch["seed"].dtype == np.int64
    assert batch["source"].dtype.kind == "U" and list(batch["source"]) == ["test", "test"]
    assert np.isnan(batch["cfo"]).all() and list(batch["index"]) == [-1, -1]


def test_records_from_batch_gives_iq_rows_and_python_scalars():
    records = list(records_from_batch(_batch()))
    assert len(records) == 2
    np.testing.assert_array_equal(records[1]["iq"], _batch()["iq"][1])
    assert records[1]["label"] == 0 and records[1]["snr_db"] == -2.0 and records[1]["configuration"] == "b"
    assert all(type(value) in (int, float, str) for name, value in records[0].items() if name != "iq")


def test_record_from_batch_is_the_same_row_as_records_from_batch():
    batch = _batch()
    single, listed = record_from_batch(batch, 1), list(records_from_batch(batch))[1]
    assert single.keys() == listed.keys()
    for name in single:
        np.testing.assert_array_equal(single[name], listed[name], err_msg=name)


def test_python_scalar_unwraps_numpy_scalars_only():
    assert type(python_scalar(np.float32(1.5))) is float and type(python_scalar(np.str_("x"))) is str
    array = np.zeros(2)
    assert python_scalar(array) is array


@pytest.mark.parametrize("value", [0, -3, 2.5, True, "4", None])
def test_check_positive_integer_rejects_naming_the_argument_and_the_value(value):
    with pytest.raises(SpectrumDataError, match=rf"num_windows must be a positive integer, got {value!r}"):
        check_positive_integer("num_windows", value)


def test_check_positive_integer_accepts_integral_values_and_a_higher_minimum():
    assert check_positive_integer("order", np.int64(4), minimum=2) == 4
    assert check_positive_integer("num_samples", 128.0) == 128
    with pytest.raises(SpectrumDataError, match="order must be an integer >= 2, got 1"):
        check_positive_integer("order", 1, minimum=2)
