"""Readers of the real IQ formats, on small files written here in those formats."""

from __future__ import annotations

import pickle
import struct

import h5py
import numpy as np
import pytest
import sigmf
from sigmf.sigmffile import SigMFFile

from spectrumfm_hf.data.base import GENERATION_PARAMETERS, SpectrumDataError
from spectrumfm_hf.data.formats import (
    RML2016_10A_CLASSES,
    RML2016_10B_CLASSES,
    RML2018_01A_CLASSES,
    RawIQReader,
    RML2016Reader,
    RML2018Reader,
    SigMFReader,
    UnsafePickleError,
    load_pickle,
    write_sigmf,
)

RECORD_COLUMNS = {"iq", "label", *GENERATION_PARAMETERS}


# --- RML2016 pickles -------------------------------------------------------------------------


def _py2_string(text: bytes) -> bytes:
    """A Python 2 ``str`` as cPickle protocol 2 writes it (SHORT_BINSTRING / BINSTRING)."""
    if len(text) < 256:
        return b"U" + bytes([len(text)]) + text
    return b"T" + struct.pack("<I", len(text)) + text


def _py2_int(value: int) -> bytes:
    return b"K" + bytes([value]) if 0 <= value < 256 else b"J" + struct.pack("<i", value)


def _py2_float32_array(array: np.ndarray) -> bytes:
    """Opcodes Python 2 numpy emits for a C-ordered little-endian float32 array."""
    shape = b"(" + b"".join(_py2_int(size) for size in array.shape) + b"t"
    dtype = (
        b"cnumpy\ndtype\n" + _py2_string(b"f4") + b"\x89\x88\x87R"
        b"(" + _py2_int(3) + _py2_string(b"<") + b"NNN" + _py2_int(-1) + _py2_int(-1) + _py2_int(0) + b"tb"
    )
    return (
        b"cnumpy.core.multiarray\n_reconstruct\n" + b"cnumpy\nndarray\n" + _py2_int(0) + b"\x85" + _py2_string(b"b") + b"\x87R"
        + b"(" + _py2_int(1) + shape + dtype + b"\x89" + _py2_string(array.astype("<f4").tobytes()) + b"tb"
    )


def python2_rml_pickle(contents: dict[tuple[str, int], np.ndarray]) -> bytes:
    """The bytes Python 2 ``cPickle.dump(contents, f, protocol=2)`` writes for an RML2016 dict."""
    items = b"".join(
        _py2_string(modulation.encode()) + _py2_int(snr_db) + b"\x86" + _py2_float32_array(frames)
        for (modulation, snr_db), frames in contents.items()
    )
    return b"\x80\x02}(" + items + b"u."


def rml2016_contents(modulations=("QPSK", "BPSK", "AM-SSB"), snrs_db=(-4, 2), per_key=3, seed=0):
    rng = np.random.default_rng(seed)
    return {
        (modulation, snr_db): rng.standard_normal((per_key, 2, 128)).astype(np.float32)
        for modulation in modulations
        for snr_db in snrs_db
    }


@pytest.fixture
def rml2016_file(tmp_path):
    contents = rml2016_contents()
    path = tmp_path / "RML2016.10a_dict.pkl"
    path.write_bytes(python2_rml_pickle(contents))
    return path, contents


def test_python2_style_pickle_is_what_stock_pickle_reads(rml2016_file):
    path, contents = rml2016_file
    with open(path, "rb") as handle:
        reference = pickle.load(handle, encoding="latin1")
    assert reference.keys() == contents.keys()
    assert all(np.array_equal(reference[key], contents[key]) for key in contents)


def test_restricted_unpickler_reads_python2_rml_pickle(rml2016_file):
    path, contents = rml2016_file
    loaded = load_pickle(path)
    assert loaded.keys() == contents.keys()
    for key, frames in contents.items():
        assert loaded[key].dtype == np.float32
        assert np.array_equal(loaded[key], frames)


def test_restricted_unpickler_reads_python3_protocol2_pickle(tmp_path):
    contents = rml2016_contents()
    path = tmp_path / "resaved.pkl"
    path.write_bytes(pickle.dumps(contents, protocol=2))
    loaded = load_pickle(path)
    assert all(np.array_equal(loaded[key], contents[key]) for key in contents)


@pytest.mark.parametrize(
    "module, name, argument",
    [("os", "system", "touch {marker}"), ("builtins", "eval", "open({marker!r}, 'w').close()"),
     ("subprocess", "check_call", "touch {marker}")],
)
def test_malicious_pickle_is_refused_and_runs_nothing(tmp_path, module, name, argument):
    marker = tmp_path / "pwned"
    payload = argument.format(marker=str(marker)).encode()
    path = tmp_path / "evil.pkl"
    # A valid RML dict whose last value is a call to the payload.
    path.write_bytes(
        b"\x80\x02}(" + _py2_string(b"QPSK") + _py2_int(0) + b"\x86"
        + f"c{module}\n{name}\n".encode() + _py2_string(payload) + b"\x85R" + b"u."
    )
    with pytest.raises(UnsafePickleError, match=rf"evil\.pkl.*{module}\.{name}"):
        load_pickle(path)
    assert not marker.exists()


def test_ndarray_call_without_data_allocates_nothing(tmp_path):
    path = tmp_path / "allocate.pkl"
    path.write_bytes(b"\x80\x02cnumpy\nndarray\n" + _py2_int(1 << 30) + b"\x85\x85R.")
    with pytest.raises(SpectrumDataError, match=r"allocate\.pkl.*shape \(1073741824,\) but never gives its data"):
        load_pickle(path)


def test_codecs_encode_with_other_codec_is_refused(tmp_path):
    path = tmp_path / "codec.pkl"
    path.write_bytes(b"\x80\x02c_codecs\nencode\n" + _py2_string(b"eJw=") + _py2_string(b"base64") + b"\x86R.")
    with pytest.raises(UnsafePickleError, match="latin1"):
        load_pickle(path)


def test_object_dtype_array_is_refused(tmp_path):
    path = tmp_path / "objects.pkl"
    path.write_bytes(pickle.dumps(np.array([1, "a"], dtype=object), protocol=2))
    with pytest.raises(UnsafePickleError, match="object"):
        load_pickle(path)


def test_truncated_pickle_names_file(tmp_path, rml2016_file):
    path, _ = rml2016_file
    truncated = tmp_path / "truncated.pkl"
    truncated.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(SpectrumDataError, match=r"truncated\.pkl.*truncated"):
        load_pickle(truncated)


def test_rml2016_reader_orders_records_by_class_then_snr(rml2016_file):
    path, contents = rml2016_file
    reader = RML2016Reader(path)
    assert reader.class_names == RML2016_10A_CLASSES and reader.source == "rml2016.10a"
    assert len(reader) == 18 and reader.num_samples == 128
    records = list(reader.iter_records(batch_size=4))
    assert set(records[0]) == RECORD_COLUMNS
    assert [(r["transmitter"], r["snr_db"]) for r in records[::3]] == [
        ("AM-SSB", -4.0), ("AM-SSB", 2.0), ("BPSK", -4.0), ("BPSK", 2.0), ("QPSK", -4.0), ("QPSK", 2.0)
    ]
    record = records[7]
    assert record["label"] == RML2016_10A_CLASSES.index("AM-SSB") + 1 == RML2016_10A_CLASSES.index("BPSK")
    assert record["index"] == 1
    assert record["iq"].dtype == np.float32 and record["iq"].shape == (128, 2)
    assert np.array_equal(record["iq"], contents[("BPSK", -4)][1].T)


def test_rml2016_without_am_ssb_is_10b(tmp_path):
    path = tmp_path / "RML2016.10b.dat"
    path.write_bytes(python2_rml_pickle(rml2016_contents(modulations=("WBFM", "8PSK"))))
    reader = RML2016Reader(path)
    assert reader.class_names == RML2016_10B_CLASSES and reader.source == "rml2016.10b"
    assert reader[0]["label"] == RML2016_10B_CLASSES.index("8PSK")


def test_rml2016_unknown_modulation_names_file_and_key(tmp_path):
    path = tmp_path / "mislabeled.pkl"
    path.write_bytes(python2_rml_pickle(rml2016_contents(modulations=("QPSK", "OFDM"))))
    with pytest.raises(SpectrumDataError, match=r"mislabeled\.pkl.*unknown modulation 'OFDM'"):
        RML2016Reader(path)


def test_rml2016_wrong_array_shape_names_key(tmp_path):
    contents = rml2016_contents(modulations=("QPSK",))
    contents[("QPSK", 2)] = np.zeros((3, 128, 2), dtype=np.float32)
    path = tmp_path / "transposed.pkl"
    path.write_bytes(python2_rml_pickle(contents))
    with pytest.raises(SpectrumDataError, match=r"transposed\.pkl.*\('QPSK', 2\)"):
        RML2016Reader(path)


# --- RML2018 HDF5 ----------------------------------------------------------------------------


def write_rml2018(path, num_frames=3, *, drop=None, y_rows=None, onehot=None, seed=0):
    rng = np.random.default_rng(seed)
    iq = rng.standard_normal((num_frames, 1024, 2)).astype(np.float32)
    classes = np.arange(num_frames) * 5 % 24
    if onehot is None:
        onehot = np.eye(24, dtype=np.int64)[classes]
    snrs_db = (np.arange(num_frames) * 2 - 20).reshape(-1, 1)
    with h5py.File(path, "w") as handle:
        for name, data in {"X": iq, "Y": onehot[:y_rows], "Z": snrs_db}.items():
            if name != drop:
                handle.create_dataset(name, data=data)
    return iq, classes, snrs_db.ravel()


def test_rml2018_cuts_each_frame_into_eight_windows(tmp_path):
    path = tmp_path / "GOLD_XYZ_OSC.0001_1024.hdf5"
    iq, classes, snrs_db = write_rml2018(path)
    reader = RML2018Reader(path)
    assert len(reader) == 24 and reader.num_samples == 128
    records = list(reader.iter_records(batch_size=5))
    for number, record in enumerate(records):
        frame, window = divmod(number, 8)
        assert np.array_equal(record["iq"], iq[frame, window * 128 : (window + 1) * 128])
        assert record["label"] == classes[frame]
        assert record["transmitter"] == RML2018_01A_CLASSES[classes[frame]]
        assert record["snr_db"] == snrs_db[frame]
        assert (record["index"], record["sample_offset"]) == (frame, window * 128)


def test_rml2018_keeps_frames_whole_when_window_is_none(tmp_path):
    path = tmp_path / "rml2018.hdf5"
    iq, _, _ = write_rml2018(path)
    reader = RML2018Reader(path, window=None)
    assert len(reader) == 3 and reader.num_samples == 1024
    assert np.array_equal(reader[2]["iq"], iq[2])


def test_rml2018_reader_holds_no_samples(tmp_path):
    path = tmp_path / "rml2018.hdf5"
    write_rml2018(path, num_frames=16)
    assert len(pickle.dumps(RML2018Reader(path))) < 2_000 < path.stat().st_size // 50


def test_rml2018_class_order_is_corrected_one():
    assert RML2018_01A_CLASSES[:4] == ("OOK", "4ASK", "8ASK", "BPSK")
    assert RML2018_01A_CLASSES[-3:] == ("FM", "GMSK", "OQPSK") and len(RML2018_01A_CLASSES) == 24


def test_rml2018_missing_y_names_file(tmp_path):
    path = tmp_path / "no_labels.hdf5"
    write_rml2018(path, drop="Y")
    with pytest.raises(SpectrumDataError, match=r"no_labels\.hdf5.*missing.*'Y'"):
        RML2018Reader(path)


def test_rml2018_mismatched_frame_counts_name_file(tmp_path):
    path = tmp_path / "short_y.hdf5"
    write_rml2018(path, y_rows=2)
    with pytest.raises(SpectrumDataError, match=r"short_y\.hdf5.*same number of frames.*3, 2 and 3"):
        RML2018Reader(path)


def test_rml2018_row_that_is_not_one_hot_names_row(tmp_path):
    path = tmp_path / "two_hot.hdf5"
    onehot = np.eye(24, dtype=np.int64)[[0, 5, 10]]
    onehot[1, 7] = 1
    write_rml2018(path, onehot=onehot)
    reader = RML2018Reader(path)
    with pytest.raises(SpectrumDataError, match=r"two_hot\.hdf5.*row 1 of Y is not one-hot"):
        list(reader.iter_records())


def test_rml2018_window_must_divide_frame(tmp_path):
    path = tmp_path / "rml2018.hdf5"
    write_rml2018(path)
    with pytest.raises(SpectrumDataError, match="window=100 does not divide"):
        RML2018Reader(path, window=100)


def test_rml2018_not_hdf5_names_file(tmp_path):
    path = tmp_path / "garbage.hdf5"
    path.write_bytes(b"not an hdf5 file")
    with pytest.raises(SpectrumDataError, match=r"garbage\.hdf5.*not a readable HDF5"):
        RML2018Reader(path)


# --- SigMF -----------------------------------------------------------------------------------


def example_records(count=6, num_samples=64, seed=1):
    rng = np.random.default_rng(seed)
    return [
        {
            "iq": rng.standard_normal((num_samples, 2)).astype(np.float32),
            "label": number % 3,
            "snr_db": float(number) - 2.5,
            "transmitter": ("BPSK", "QPSK", "8PSK")[number % 3],
            "source": "synthetic/test",
            "seed": 7,
            "index": number,
            "cfo": 0.01 * number,
        }
        for number in range(count)
    ]


def test_sigmf_round_trip_keeps_samples_labels_and_parameters(tmp_path):
    records = example_records()
    meta = write_sigmf(tmp_path / "generated", records, ["BPSK", "QPSK", "8PSK"], sample_rate_hz=1e6, description="tones")
    assert meta.name == "generated.sigmf-meta"
    handle = sigmf.fromfile(meta)
    assert handle.get_global_field("core:sample_rate") == 1e6
    assert handle.get_global_field("core:description") == "tones"
    reader = SigMFReader(meta)
    assert reader.class_names == ("BPSK", "QPSK", "8PSK") and reader.num_samples == 64
    loaded = list(reader.iter_records(batch_size=4))
    assert len(loaded) == len(records)
    for number, (original, record) in enumerate(zip(records, loaded)):
        assert np.array_equal(record["iq"], original["iq"])
        for name in ("label", "transmitter", "source", "seed", "index"):
            assert record[name] == original[name]
        assert record["snr_db"] == pytest.approx(original["snr_db"])
        assert record["cfo"] == pytest.approx(original["cfo"])
        assert np.isnan(record["doppler"]) and record["fading"] == ""
        assert record["sample_offset"] == number * 64


def write_ci16_recording(path, annotations, num_samples=256, label_key="core:label"):
    components = (np.arange(2 * num_samples) - num_samples).astype("<i2")
    components.tofile(path.with_suffix(".sigmf-data"))
    recording = SigMFFile(
        global_info={"core:datatype": "ci16_le", "core:sample_rate": 2e6},
        data_file=path.with_suffix(".sigmf-data"),
    )
    recording.add_capture(0)
    for start, count, label in annotations:
        recording.add_annotation(start, count, metadata={label_key: label})
    recording.tofile(path.with_suffix(".sigmf-meta"), skip_validate=True)
    return components.reshape(-1, 2) / 32768.0


def test_sigmf_ci16_annotations_are_cut_into_scaled_windows(tmp_path):
    path = tmp_path / "capture"
    expected = write_ci16_recording(path, [(0, 100, "wifi"), (128, 128, "lte")])
    reader = SigMFReader(path, num_samples=32, stride=16)
    assert reader.class_names == ("lte", "wifi")
    # [0, 100): starts 0, 16, ..., 64 (5 windows); [128, 256): 128, ..., 224 (7 windows)
    assert len(reader) == 12
    record = reader[6]
    assert (record["transmitter"], record["label"], record["sample_offset"], record["index"]) == ("lte", 0, 144, 1)
    assert np.allclose(record["iq"], expected[144:176])


def test_sigmf_configurable_label_key(tmp_path):
    path = tmp_path / "capture"
    write_ci16_recording(path, [(0, 64, "radar")], label_key="custom:emitter")
    assert SigMFReader(path, label_key="custom:emitter")[0]["transmitter"] == "radar"
    with pytest.raises(SpectrumDataError, match="no annotation carries the label key 'core:label'"):
        SigMFReader(path)


def test_sigmf_annotation_past_end_names_file(tmp_path):
    path = tmp_path / "overrun"
    write_ci16_recording(path, [(200, 100, "lte")])
    with pytest.raises(SpectrumDataError, match=r"overrun.*annotation 0.*\[200, 300\).*256 samples"):
        SigMFReader(path)


def test_sigmf_label_outside_class_names_names_annotation(tmp_path):
    path = tmp_path / "capture"
    write_ci16_recording(path, [(0, 64, "lte"), (64, 64, "dvbt")])
    with pytest.raises(SpectrumDataError, match=r"capture.*unknown class 'dvbt' in annotation 1"):
        SigMFReader(path, class_names=["lte", "wifi"])


def test_sigmf_truncated_data_names_file(tmp_path):
    path = tmp_path / "cut"
    write_ci16_recording(path, [(0, 64, "lte")])
    data = path.with_suffix(".sigmf-data")
    data.write_bytes(data.read_bytes()[:-1])
    with pytest.raises(SpectrumDataError, match=r"cut.*not a whole number of ci16_le samples"):
        SigMFReader(path, skip_checksum=True)


def test_sigmf_unequal_annotations_need_num_samples(tmp_path):
    path = tmp_path / "capture"
    write_ci16_recording(path, [(0, 64, "lte"), (64, 32, "lte")])
    with pytest.raises(SpectrumDataError, match="pass num_samples"):
        SigMFReader(path)


# --- Raw binary and .npy ---------------------------------------------------------------------


def test_raw_cf32_is_windowed_without_overlap(tmp_path):
    iq = (np.arange(300) + 1j * np.arange(300)[::-1]).astype("<c8")
    path = tmp_path / "capture.cf32"
    iq.tofile(path)
    reader = RawIQReader(path, 128, "cf32_le", label="QPSK", snr_db=10.0)
    assert len(reader) == 2
    record = reader[1]
    assert record["sample_offset"] == 128 and record["label"] == 0 and record["transmitter"] == "QPSK"
    assert record["snr_db"] == 10.0 and record["source"] == "raw"
    assert np.array_equal(record["iq"][:, 0] + 1j * record["iq"][:, 1], iq[128:256])


def test_raw_ci16_is_scaled_to_unit_range(tmp_path):
    components = np.array([-32768, 32767, 0, 16384] * 8, dtype="<i2")
    path = tmp_path / "capture.ci16"
    components.tofile(path)
    record = RawIQReader(path, 16, "ci16_le")[0]
    assert np.allclose(record["iq"].ravel(), components / 32768.0)
    assert record["transmitter"] == "" and record["label"] == 0


def test_raw_cu8_uses_mid_scale_offset(tmp_path):
    path = tmp_path / "rtlsdr.cu8"
    np.array([0, 255, 127, 128] * 4, dtype=np.uint8).tofile(path)
    record = RawIQReader(path, 8, "cu8")[0]
    assert np.allclose(record["iq"][:2], [[-1.0, 1.0], [-0.5 / 127.5, 0.5 / 127.5]])


def test_raw_partial_sample_names_file(tmp_path):
    path = tmp_path / "odd.ci16"
    path.write_bytes(b"\x00" * 10)
    with pytest.raises(SpectrumDataError, match=r"odd\.ci16.*10 bytes is not a whole number of ci16_le samples"):
        RawIQReader(path, 2, "ci16_le")


def test_raw_needs_datatype(tmp_path):
    path = tmp_path / "capture.bin"
    path.write_bytes(b"\x00" * 64)
    with pytest.raises(SpectrumDataError, match="datatype is required"):
        RawIQReader(path, 4)
    with pytest.raises(SpectrumDataError, match="unsupported datatype 'rf32_le'"):
        RawIQReader(path, 4, "rf32_le")


def test_npy_complex_rows_are_windowed_separately(tmp_path):
    iq = (np.arange(2 * 40).reshape(2, 40) * (1 + 0.5j)).astype(np.complex64)
    path = tmp_path / "frames.npy"
    np.save(path, iq)
    reader = RawIQReader(path, 16, label="BPSK")
    assert len(reader) == 4  # two whole windows per 40-sample row
    record = reader[3]
    assert (record["index"], record["sample_offset"]) == (1, 16)
    assert np.array_equal(record["iq"][:, 0] + 1j * record["iq"][:, 1], iq[1, 16:32])


def test_npy_real_pairs_are_read(tmp_path):
    iq = np.random.default_rng(0).standard_normal((64, 2)).astype(np.float32)
    path = tmp_path / "pairs.npy"
    np.save(path, iq)
    assert np.array_equal(RawIQReader(path, 32)[1]["iq"], iq[32:])


def test_npy_object_array_is_refused(tmp_path):
    path = tmp_path / "objects.npy"
    np.save(path, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(SpectrumDataError, match=r"objects\.npy.*not a plain numeric"):
        RawIQReader(path, 4)


# --- Legitimate pickles as numpy writes them -------------------------------------------------


LEGITIMATE_ARRAYS = {
    "float32_frames": np.random.default_rng(3).standard_normal((3, 2, 128)).astype(np.float32),
    "empty_frames": np.zeros((0, 2, 128), dtype=np.float32),
    "big_endian_int16": np.arange(24, dtype=">i2").reshape(4, 6),
    "fortran_float64": np.asfortranarray(np.arange(12, dtype=np.float64).reshape(3, 4)),
    "transposed_complex64": (np.arange(24) * (1 + 1j)).astype(np.complex64).reshape(2, 3, 4).transpose(2, 0, 1),
    "bool": np.array([True, False, True]),
}


@pytest.mark.parametrize("protocol", [0, 1, 2, 3, 4, 5])
@pytest.mark.parametrize("name", sorted(LEGITIMATE_ARRAYS))
def test_restricted_unpickler_reads_what_numpy_writes(tmp_path, protocol, name):
    array = LEGITIMATE_ARRAYS[name]
    path = tmp_path / "array.pkl"
    path.write_bytes(pickle.dumps({("QPSK", np.int64(2)): array}, protocol=protocol))
    loaded = load_pickle(path)[("QPSK", 2)]
    assert loaded.dtype == array.dtype and loaded.shape == array.shape and np.array_equal(loaded, array)


def test_unpickled_arrays_are_read_only(tmp_path):
    path = tmp_path / "array.pkl"
    path.write_bytes(pickle.dumps(np.ones(4, dtype=np.float32), protocol=5))
    assert not load_pickle(path).flags.writeable


def test_restricted_unpickler_reads_numpy1_frombuffer(tmp_path):
    array = LEGITIMATE_ARRAYS["float32_frames"]
    written = pickle.dumps(array, protocol=5)
    # numpy 1.x names the module numpy.core.numeric: one character shorter, inside the first frame.
    renamed = written.replace(b"\x8c\x13numpy._core.numeric", b"\x8c\x12numpy.core.numeric")
    frame_length = int.from_bytes(written[3:11], "little") - 1
    path = tmp_path / "numpy1.pkl"
    path.write_bytes(renamed[:3] + frame_length.to_bytes(8, "little") + renamed[11:])
    assert np.array_equal(load_pickle(path), array)


def test_restricted_unpickler_reads_ndarray_call_with_bytearray_and_build(tmp_path):
    array = LEGITIMATE_ARRAYS["big_endian_int16"]

    def body(value):
        return pickle.dumps(value, protocol=2)[2:-1]

    buffer = bytearray(array.tobytes())
    path = tmp_path / "ndarray_call.pkl"
    path.write_bytes(
        b"\x80\x02cnumpy\nndarray\n" + body(array.shape) + body(array.dtype) + body(buffer) + b"\x87R"
        + body((1, array.shape, array.dtype, False, buffer)) + b"b."
    )
    assert np.array_equal(load_pickle(path), array)
