"""Malformed files: each becomes a SpectrumDataError naming the file and what was expected."""

from __future__ import annotations

import importlib.util
import json
import pickle
from pathlib import Path

import h5py
import numpy as np
import pytest

from spectrumfm_hf.data.base import SpectrumDataError
from spectrumfm_hf.data.formats import RawIQReader, RML2016Reader, RML2018Reader, SigMFReader, load_pickle
from spectrumfm_hf.data.hf import load_rml2018


def write_rml2018_datasets(handle: h5py.File, num_frames: int, *, skip=(), frame_length: int = 1024, seed: int = 0):
    """Write valid RML2018.01A ``X``, ``Y`` and ``Z`` data sets, except those named in ``skip``."""
    rng = np.random.default_rng(seed)
    classes = np.arange(num_frames) % 24
    contents = {
        "X": rng.standard_normal((num_frames, frame_length, 2)).astype(np.float32),
        "Y": np.eye(24, dtype=np.int8)[classes],
        "Z": (np.arange(num_frames, dtype=np.float32) * 2 - 20).reshape(-1, 1),
    }
    for name, data in contents.items():
        if name not in skip:
            handle.create_dataset(name, data=data)
    return contents


def write_recording(folder: Path, name="capture", *, samples=64, global_fields=None, annotations=None, data=True) -> Path:
    """A ci16_le SigMF recording written as plain JSON (so that any field can be malformed); returns the meta path."""
    if data:
        np.arange(2 * samples, dtype="<i2").tofile(folder / f"{name}.sigmf-data")
    metadata = {
        "global": {"core:datatype": "ci16_le", "core:version": "1.0.0", **(global_fields or {})},
        "captures": [{"core:sample_start": 0}],
        "annotations": annotations
        if annotations is not None
        else [{"core:sample_start": 0, "core:sample_count": samples, "core:label": "lte"}],
    }
    meta = folder / f"{name}.sigmf-meta"
    meta.write_text(json.dumps(metadata))
    return meta


# --- RML2018 HDF5 ----------------------------------------------------------------------------


def test_rml2018_x_that_is_a_group_names_file(tmp_path):
    path = tmp_path / "group.hdf5"
    with h5py.File(path, "w") as handle:
        handle.create_group("X")
        write_rml2018_datasets(handle, 2, skip=("X",))
    with pytest.raises(SpectrumDataError, match=r"group\.hdf5: X is a group, expected a data set"):
        RML2018Reader(path)


def test_rml2018_frames_of_zero_samples_name_file(tmp_path):
    path = tmp_path / "empty_frames.hdf5"
    with h5py.File(path, "w") as handle:
        write_rml2018_datasets(handle, 3, frame_length=0)
    with pytest.raises(SpectrumDataError, match=r"empty_frames\.hdf5: X has shape \(3, 0, 2\); expected at least one frame"):
        RML2018Reader(path)


def test_rml2018_corrupt_chunk_names_file_and_frames(tmp_path):
    path = tmp_path / "corrupt.hdf5"
    with h5py.File(path, "w") as handle:
        frames = np.random.default_rng(0).standard_normal((64, 1024, 2)).astype(np.float32)
        handle.create_dataset("X", data=frames, chunks=(8, 1024, 2), compression="gzip")
        write_rml2018_datasets(handle, 64, skip=("X",))
        offset = handle["X"].id.get_chunk_info(3).byte_offset
    raw = bytearray(path.read_bytes())
    raw[offset : offset + 4096] = bytes(4096)
    path.write_bytes(bytes(raw))
    reader = RML2018Reader(path)
    with pytest.raises(SpectrumDataError, match=r"corrupt\.hdf5: cannot read frames \[24, 32\) of X; the file is corrupt"):
        list(reader.iter_batches(start=3 * 64, stop=4 * 64))


def test_rml2018_takes_class_names_like_its_reader(tmp_path):
    path = tmp_path / "renamed.hdf5"
    with h5py.File(path, "w") as handle:
        write_rml2018_datasets(handle, 2)
    names = [f"class{number}" for number in range(24)]
    assert RML2018Reader(path, class_names=names)[8]["transmitter"] == "class1"
    dataset = load_rml2018(path, class_names=names, cache_dir=tmp_path / "cache")
    assert dataset.features["label"].names == names and dataset[8]["transmitter"] == "class1"


def test_rml2018_class_names_that_are_a_string_name_argument(tmp_path):
    path = tmp_path / "rml.hdf5"
    with h5py.File(path, "w") as handle:
        write_rml2018_datasets(handle, 2)
    with pytest.raises(SpectrumDataError, match=r"rml\.hdf5: class_names must be a sequence of strings, got 'abc'"):
        RML2018Reader(path, class_names="abc")


def test_rml2018_reads_only_the_windows_of_a_batch_within_one_frame(tmp_path):
    path = tmp_path / "long_frames.hdf5"
    with h5py.File(path, "w") as handle:
        contents = write_rml2018_datasets(handle, 2, frame_length=4096)
    batch = next(RML2018Reader(path, window=128).iter_batches(start=37, stop=40))
    assert np.array_equal(batch["iq"], contents["X"][1, 5 * 128 : 8 * 128].reshape(3, 128, 2))
    assert batch["sample_offset"].tolist() == [640, 768, 896] and batch["index"].tolist() == [1, 1, 1]


def test_rml2018_snr_beyond_float32_names_row(tmp_path):
    path = tmp_path / "huge_snr.hdf5"
    with h5py.File(path, "w") as handle:
        write_rml2018_datasets(handle, 2, skip=("Z",))
        handle.create_dataset("Z", data=np.array([[0.0], [1e300]]))
    with pytest.raises(SpectrumDataError, match=r"huge_snr\.hdf5: row 1 of Z is not a finite SNR in dB"):
        list(RML2018Reader(path).iter_batches())


# --- SigMF -----------------------------------------------------------------------------------


def test_sigmf_zero_channels_names_file(tmp_path):
    meta = write_recording(tmp_path, global_fields={"core:num_channels": 0})
    with pytest.raises(SpectrumDataError, match=r"capture: core:num_channels must be a positive integer, got 0"):
        SigMFReader(tmp_path / "capture")


def test_sigmf_list_datatype_names_file(tmp_path):
    meta = write_recording(tmp_path, global_fields={"core:datatype": ["ci16_le"]})
    with pytest.raises(SpectrumDataError, match=r"capture\.sigmf-meta: unsupported datatype \['ci16_le'\]; expected a complex one"):
        SigMFReader(meta)


def test_sigmf_non_numeric_snr_annotation_names_annotation(tmp_path):
    annotations = [{"core:sample_start": 0, "core:sample_count": 64, "core:label": "lte", "spectrumfm:snr_db": "high"}]
    meta = write_recording(tmp_path, annotations=annotations)
    with pytest.raises(SpectrumDataError, match=r"capture\.sigmf-meta: annotation 0: spectrumfm:snr_db must be a number \(float32\), got 'high'"):
        SigMFReader(meta)


def test_sigmf_archive_that_is_not_a_tar_names_file(tmp_path):
    path = tmp_path / "random.sigmf"
    path.write_bytes(np.random.default_rng(0).bytes(4096).replace(b"\x1f\x8b", b"\x00\x00"))
    with pytest.raises(SpectrumDataError, match=r"random\.sigmf: not a tar archive"):
        SigMFReader(path)


@pytest.mark.parametrize("name, mode", [("capture.sigmf", "w"), ("capture.sigmf.gz", "w:gz"), ("capture.sigmf.xz", "w:xz")])
def test_sigmf_tar_archives_are_read(tmp_path, name, mode):
    import tarfile

    folder = tmp_path / "parts"
    folder.mkdir()
    meta = write_recording(folder, samples=64)
    archive = tmp_path / name
    with tarfile.open(archive, mode) as tar:
        for part in (meta, folder / "capture.sigmf-data"):
            tar.add(part, arcname=f"capture/{part.name}")
    record = SigMFReader(archive)[0]
    assert np.allclose(record["iq"], np.arange(128, dtype="<i2").reshape(64, 2) / 32768.0)


def test_sigmf_zip_archive_is_read(tmp_path):
    import zipfile

    folder = tmp_path / "parts"
    folder.mkdir()
    meta = write_recording(folder, samples=64)
    archive = tmp_path / "capture.sigmf.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as handle:
        for part in (meta, folder / "capture.sigmf-data"):
            handle.write(part, arcname=f"capture/{part.name}")
    assert np.allclose(SigMFReader(archive)[0]["iq"], np.arange(128, dtype="<i2").reshape(64, 2) / 32768.0)


def test_sigmf_sample_start_that_is_not_an_integer_names_annotation(tmp_path):
    meta = write_recording(tmp_path, annotations=[{"core:sample_start": "0", "core:label": "lte"}])
    with pytest.raises(SpectrumDataError, match=r"annotation 0: core:sample_start must be a non-negative integer, got '0'"):
        SigMFReader(meta)


def test_sigmf_label_that_is_not_a_string_names_annotation(tmp_path):
    meta = write_recording(tmp_path, annotations=[{"core:sample_start": 0, "core:label": [1, 2]}])
    with pytest.raises(SpectrumDataError, match=r"annotation 0: core:label must be a class name string, got \[1, 2\]"):
        SigMFReader(meta)


def test_sigmf_metadata_that_is_not_json_names_file(tmp_path):
    meta = write_recording(tmp_path)
    meta.write_text("[" * 100_000)
    with pytest.raises(SpectrumDataError, match=r"capture\.sigmf-meta: not valid SigMF metadata JSON"):
        SigMFReader(meta)


def test_sigmf_checksum_mismatch_names_file(tmp_path):
    meta = write_recording(tmp_path, global_fields={"core:sha512": "0" * 128})
    with pytest.raises(SpectrumDataError, match=r"capture\.sigmf-data: the data does not match core:sha512"):
        SigMFReader(meta)
    assert len(SigMFReader(meta, skip_checksum=True)) == 1


# --- .npy ------------------------------------------------------------------------------------


def test_empty_npy_names_file(tmp_path):
    path = tmp_path / "empty.npy"
    path.write_bytes(b"")
    with pytest.raises(SpectrumDataError, match=r"empty\.npy: not a plain numeric \.npy array"):
        RawIQReader(path, 4)


def test_npz_named_npy_names_file(tmp_path):
    path = tmp_path / "archive.npy"
    with open(path, "wb") as handle:
        np.savez(handle, iq=np.ones(16, dtype=np.complex64))
    with pytest.raises(SpectrumDataError, match=r"archive\.npy: not a plain numeric \.npy array \(an \.npz archive"):
        RawIQReader(path, 4)


def test_npy_header_declaring_more_than_the_file_holds_names_file(tmp_path):
    path = tmp_path / "truncated.npy"
    np.save(path, np.ones(1024, dtype=np.complex64))
    path.write_bytes(path.read_bytes()[:-100])
    with pytest.raises(SpectrumDataError, match=r"truncated\.npy: the header declares \(1024,\) complex64 \(8192 bytes\) but the file holds 8092"):
        RawIQReader(path, 4)


def test_npy_in_fortran_order_names_file(tmp_path):
    path = tmp_path / "fortran.npy"
    np.save(path, np.asfortranarray(np.ones((4, 64), dtype=np.complex64)))
    with pytest.raises(SpectrumDataError, match=r"fortran\.npy: the array is stored in Fortran order"):
        RawIQReader(path, 4)


def test_raw_datatype_that_is_a_list_names_file(tmp_path):
    path = tmp_path / "capture.bin"
    path.write_bytes(bytes(64))
    with pytest.raises(SpectrumDataError, match=r"capture\.bin: unsupported datatype \['cf32_le'\]"):
        RawIQReader(path, 4, ["cf32_le"])


def test_raw_snr_that_is_not_a_number_names_argument(tmp_path):
    path = tmp_path / "capture.cf32"
    path.write_bytes(bytes(64))
    with pytest.raises(SpectrumDataError, match="snr_db must be a number in dB, got 'high'"):
        RawIQReader(path, 4, "cf32_le", snr_db="high")


def test_raw_nan_sample_names_file_and_record(tmp_path):
    iq = np.ones(64, dtype="<c8")
    iq[37] = np.nan
    path = tmp_path / "nan.cf32"
    iq.tofile(path)
    with pytest.raises(SpectrumDataError, match=r"nan\.cf32: record 2 holds NaN or infinite samples"):
        list(RawIQReader(path, 16, "cf32_le").iter_batches())


# --- pickles ---------------------------------------------------------------------------------


def test_pickle_of_a_plain_object_names_the_global(tmp_path):
    path = tmp_path / "object.pkl"
    path.write_bytes(pickle.dumps(Path("x"), protocol=2))
    with pytest.raises(SpectrumDataError, match=r"object\.pkl.*refusing to load global 'pathlib\.PosixPath'"):
        load_pickle(path)


# --- Seeded mutation fuzz --------------------------------------------------------------------

# The mutations of examples/fuzz_files.py, which runs the same check at 10,000 cases.
_FUZZ_SPEC = importlib.util.spec_from_file_location(
    "fuzz_files", Path(__file__).resolve().parents[2] / "examples" / "fuzz_files.py"
)
fuzz_files = importlib.util.module_from_spec(_FUZZ_SPEC)
_FUZZ_SPEC.loader.exec_module(fuzz_files)



def _valid_file(tmp_path: Path, kind: str) -> Path:
    """A small valid file of ``kind`` for the readers to be fuzzed with."""
    if kind == "rml2016":
        path = tmp_path / "valid.pkl"
        contents = {(name, snr): np.ones((2, 2, 16), np.float32) * snr for name in ("QPSK", "BPSK") for snr in (-2, 4)}
        path.write_bytes(pickle.dumps(contents, protocol=2))
    elif kind == "rml2018":
        path = tmp_path / "valid.hdf5"
        with h5py.File(path, "w") as handle:
            handle.create_dataset("X", data=np.ones((4, 256, 2), np.float32), chunks=(2, 256, 2), compression="gzip")
            write_rml2018_datasets(handle, 4, skip=("X",))
    elif kind == "sigmf":
        path = write_recording(tmp_path, samples=64, annotations=[
            {"core:sample_start": 0, "core:sample_count": 32, "core:label": "lte", "spectrumfm:snr_db": 3.0},
            {"core:sample_start": 32, "core:sample_count": 32, "core:label": "wifi"},
        ])
    else:
        path = tmp_path / "valid.npy"
        np.save(path, np.ones((2, 64), np.complex64))
    return path


READERS = {
    "rml2016": RML2016Reader,
    "rml2018": lambda path: RML2018Reader(path, window=64),
    "sigmf": lambda path: SigMFReader(path, num_samples=16),
    "npy": lambda path: RawIQReader(path, 16),
}


@pytest.mark.parametrize("kind", sorted(READERS))
def test_mutated_files_give_records_or_a_package_error(tmp_path, kind):
    valid = _valid_file(tmp_path, kind)
    original = valid.read_bytes()
    rng = np.random.default_rng(sorted(READERS).index(kind))
    outcomes = {"records": 0, "refused": 0}
    for _ in range(150):
        valid.write_bytes(fuzz_files.mutate_bytes(original, rng))
        try:
            reader = READERS[kind](valid)
            batches = list(reader.iter_batches(0, min(len(reader), 64), batch_size=16))
            assert all(batch["iq"].dtype == np.float32 and batch["iq"].shape[1:] == (reader.num_samples, 2) for batch in batches)
            outcomes["records"] += 1
        except SpectrumDataError:
            outcomes["refused"] += 1
    assert outcomes["refused"] > 0 and outcomes["records"] + outcomes["refused"] == 150
