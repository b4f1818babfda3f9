"""Files built to attack the readers: each must be refused with a package error, run nothing, read
nothing outside its folder and allocate nothing near what it declares."""

from __future__ import annotations

import gzip
import io
import json
import os
import pickle
import struct
import subprocess
import sys
import tarfile
import textwrap
import time
from pathlib import Path

import h5py
import numpy as np
import pytest

from spectrumfm_hf.data.base import SpectrumDataError
from spectrumfm_hf.data.formats import RawIQReader, RML2016Reader, RML2018Reader, SigMFReader, UnsafePickleError, load_pickle
from spectrumfm_hf.data.formats.safe_pickle import ALLOWED_GLOBALS

from .test_format_errors import write_recording, write_rml2018_datasets

REPOSITORY = Path(__file__).resolve().parents[2]
MIB = 2**20


def peak_memory_growth(code: str) -> tuple[int, str]:
    """Run ``code`` in a fresh interpreter; return how far its peak resident memory rose above its resident size before (bytes).

    The peak is the kernel's ``VmHWM`` of the new process image (``ru_maxrss`` would carry over the
    parent's peak across ``exec``), reset to the current size first where the kernel allows. The
    package's top level imports torch, so the subprocess imports only the file readers: the parent
    packages are registered as bare namespaces first.
    """
    script = textwrap.dedent(
        """
        import sys, types
        for name in ("spectrumfm_hf", "spectrumfm_hf.data"):
            module = types.ModuleType(name)
            module.__path__ = [str(__import__("pathlib").Path({root!r}, *name.split(".")))]
            sys.modules[name] = module
        from spectrumfm_hf.data.formats import *
        from spectrumfm_hf.data.base import SpectrumDataError

        def status_kib(field):
            with open("/proc/self/status") as status:
                return next(int(line.split()[1]) for line in status if line.startswith(field + ":"))

        try:
            with open("/proc/self/clear_refs", "w") as clear_refs:
                clear_refs.write("5")
        except OSError:
            pass
        baseline_kib = status_kib("VmRSS")
        try:
        {body}
        except SpectrumDataError as error:
            print("refused:", error)
        print("growth_kib", status_kib("VmHWM") - baseline_kib)
        """
    ).format(root=str(REPOSITORY), body=textwrap.indent(textwrap.dedent(code), "    "))
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, env={**os.environ, "OMP_NUM_THREADS": "1"}
    )
    assert result.returncode == 0, result.stderr[-2000:]
    growth_kib = int(result.stdout.rsplit("growth_kib", 1)[1])
    return growth_kib * 1024, result.stdout


def test_peak_memory_growth_sees_what_the_code_allocates():
    growth, _ = peak_memory_growth("block = b'\\x01' * (32 * 2**20)")
    assert 30 * MIB < growth < 40 * MIB


def body(value) -> bytes:
    """Opcodes protocol 2 writes for ``value``, without PROTO and STOP, to splice into a pickle."""
    return pickle.dumps(value, protocol=2)[2:-1]


# --- RML2016 pickles -------------------------------------------------------------------------


def test_dtype_state_set_again_after_an_array_uses_it_is_refused(tmp_path):
    frames = np.ones((2, 2, 4), dtype=np.float32)
    dtype_state = (3, "|", (np.dtype("u1"), (4096,)), None, None, -1, -1, 0)
    path = tmp_path / "reset_dtype.pkl"
    # The array's dtype is memoised as index 1000; after the array is built, BUILD sets its state again.
    path.write_bytes(
        b"\x80\x02}(" + body("QPSK") + body(2) + b"\x86"
        + b"cnumpy._core.multiarray\n_reconstruct\ncnumpy\nndarray\nK\x00\x85U\x01b\x87R"
        + b"(K\x01" + body(frames.shape) + b"cnumpy\ndtype\nU\x02f4\x89\x88\x87Rr\xe8\x03\x00\x00"
        + body((3, "<", None, None, None, -1, -1, 0)) + b"b\x89" + body(frames.tobytes()) + b"tb"
        + b"uj\xe8\x03\x00\x00" + body(dtype_state) + b"b0."
    )
    with pytest.raises(UnsafePickleError, match=r"reset_dtype\.pkl.*dtype's state twice"):
        load_pickle(path)


@pytest.mark.parametrize("state", [{"__defaults__": (True, True)}, (None, {"__defaults__": (True, True)})])
def test_build_on_an_allowed_global_is_refused_and_changes_nothing(tmp_path, state):
    stand_in = ALLOWED_GLOBALS[("numpy", "dtype")]
    path = tmp_path / "defaults.pkl"
    path.write_bytes(b"\x80\x02cnumpy\ndtype\n" + body(state) + b"b.")
    with pytest.raises(UnsafePickleError, match=r"refusing to change the state of numpy\.dtype"):
        load_pickle(path)
    assert ALLOWED_GLOBALS[("numpy", "dtype")] is stand_in and not hasattr(stand_in, "__dict__")
    objects = tmp_path / "objects.pkl"
    objects.write_bytes(pickle.dumps(np.array([1, "a"], dtype=object), protocol=2))
    with pytest.raises(UnsafePickleError, match="object"):
        load_pickle(objects)


def test_declared_terabyte_is_refused_before_allocating(tmp_path):
    path = tmp_path / "terabyte.pkl"
    path.write_bytes(b"\x80\x04\x8e" + struct.pack("<Q", 2**40) + b"\x00" * 8)
    assert path.stat().st_size == 19
    growth, output = peak_memory_growth(f"load_pickle({str(path)!r})")
    assert "refused:" in output and "declares 1099511627776 bytes" in output
    assert growth < 16 * MIB


def test_zero_sample_frames_declaring_a_trillion_records_are_refused(tmp_path):
    path = tmp_path / "empty_frames.pkl"
    path.write_bytes(pickle.dumps({("QPSK", 2): np.zeros((10**12, 2, 0), dtype=np.float32)}, protocol=2))
    with pytest.raises(SpectrumDataError, match=r"empty_frames\.pkl.*dimension of 1000000000000 exceeds max_bytes"):
        load_pickle(path)


def test_rml2016_frames_of_zero_samples_are_refused(tmp_path):
    path = tmp_path / "no_samples.pkl"
    path.write_bytes(pickle.dumps({("QPSK", 2): np.zeros((1000, 2, 0), dtype=np.float32)}, protocol=2))
    with pytest.raises(SpectrumDataError, match=r"no_samples\.pkl.*\('QPSK', 2\) holds frames of 0 samples"):
        RML2016Reader(path)


def test_one_array_shared_by_many_keys_cannot_outgrow_max_bytes(tmp_path):
    frames = np.ones((64, 2, 128), dtype=np.float32)
    path = tmp_path / "shared.pkl"
    path.write_bytes(pickle.dumps({("QPSK", snr_db): frames for snr_db in range(-20, 20, 2)}, protocol=2))
    with pytest.raises(SpectrumDataError, match=r"shared\.pkl.*more than max_bytes=1000000"):
        RML2016Reader(path, max_bytes=10**6)


def test_array_data_shorter_than_its_shape_is_refused(tmp_path):
    path = tmp_path / "short_data.pkl"
    path.write_bytes(pickle.dumps(np.ones(8, dtype=np.float32), protocol=2).replace(b"K\x08\x85", b"M\x00\x10\x85"))
    with pytest.raises(SpectrumDataError, match=r"short_data\.pkl.*shape \(4096,\).*16384 bytes.*holds 32 bytes"):
        load_pickle(path)


def test_memo_index_far_beyond_the_opcodes_is_refused(tmp_path):
    path = tmp_path / "memo.pkl"
    path.write_bytes(b"\x80\x02Nr\xff\xff\xff\x7f.")
    with pytest.raises(UnsafePickleError, match=r"memo\.pkl.*memo index 2147483647"):
        load_pickle(path)


def test_key_of_memo_doubled_tuples_is_refused_at_once(tmp_path):
    doubling = b"".join(b"q%ch%ch%c\x86" % (level, level, level) for level in range(80))
    path = tmp_path / "doubling.pkl"
    path.write_bytes(b"\x80\x02}X\x01\x00\x00\x00a" + doubling + b"K\x00s.")
    started = time.perf_counter()
    with pytest.raises(UnsafePickleError, match=r"tuples nested 9 deep"):
        load_pickle(path)
    assert time.perf_counter() - started < 1.0


def test_tuple_nested_100000_deep_is_refused_without_recursion_error(tmp_path):
    path = tmp_path / "deep.pkl"
    path.write_bytes(b"\x80\x02" + b"(" * 100_000 + b")" + b"t" * 100_000 + b".")
    with pytest.raises(UnsafePickleError, match="at most 8 levels"):
        load_pickle(path)


def test_list_nested_deeper_than_the_limit_is_refused(tmp_path):
    path = tmp_path / "deep_list.pkl"
    path.write_bytes(b"\x80\x02" + b"]" * 1000 + b"a" * 999 + b".")
    with pytest.raises(SpectrumDataError, match="more than 64 levels deep"):
        load_pickle(path)


def test_huge_integer_snr_gives_a_short_message(tmp_path):
    path = tmp_path / "huge_snr.pkl"
    path.write_bytes(pickle.dumps({("QPSK", 10**5000): np.ones((1, 2, 4), dtype=np.float32)}, protocol=2))
    with pytest.raises(SpectrumDataError, match=r"key \('QPSK', <int of about 5001 digits>\)") as caught:
        RML2016Reader(path)
    assert len(str(caught.value)) < 300


def test_bytes_of_a_declared_size_are_refused(tmp_path):
    path = tmp_path / "bytes_size.pkl"
    path.write_bytes(b"\x80\x02c__builtin__\nbytes\n" + body(10**12) + b"\x85R.")
    with pytest.raises(UnsafePickleError, match=r"builtins\.bytes\(1000000000000,\)"):
        load_pickle(path)


@pytest.mark.parametrize(
    "opcodes",
    [
        b"(S'touch {marker}'\nios\nsystem\n.",  # INST: protocol 0 instantiation
        b"\x80\x04\x8c\x02os\x8c\x06system\x93{command}\x85R.",  # STACK_GLOBAL
        b"\x80\x02(cos\nsystem\nS'touch {marker}'\no.",  # OBJ
    ],
)
def test_instantiating_opcodes_run_nothing(tmp_path, opcodes):
    marker = tmp_path / "pwned"
    command = f"touch {marker}".encode()
    payload = (
        opcodes.replace(b"{command}", b"X" + struct.pack("<I", len(command)) + command)
        .replace(b"{marker}", str(marker).encode())
    )
    path = tmp_path / "evil.pkl"
    path.write_bytes(payload)
    with pytest.raises(UnsafePickleError, match=r"evil\.pkl.*(INST|OBJ|os\.system)"):
        load_pickle(path)
    assert not marker.exists()


def test_pickle_larger_than_max_bytes_is_refused(tmp_path):
    path = tmp_path / "large.pkl"
    path.write_bytes(pickle.dumps({("QPSK", 0): np.ones((64, 2, 128), dtype=np.float32)}, protocol=2))
    with pytest.raises(SpectrumDataError, match=r"large\.pkl.*more than max_bytes=4096"):
        load_pickle(path, max_bytes=4096)


# --- RML2018 HDF5 ----------------------------------------------------------------------------


def test_hdf5_external_storage_is_refused_and_the_secret_never_read(tmp_path):
    secret = tmp_path / "secret.bin"
    secret.write_bytes(b"TOP-SECRET" * 820)
    path = tmp_path / "data" / "external.hdf5"
    path.parent.mkdir()
    with h5py.File(path, "w") as handle:
        handle.create_dataset("X", shape=(1, 1024, 2), dtype="<f4", external=[(str(secret), 0, 8192)])
        write_rml2018_datasets(handle, 1, skip=("X",))
    with pytest.raises(SpectrumDataError, match=r"external\.hdf5: X keeps its data in external file") as caught:
        RML2018Reader(path)
    assert b"TOP-SECRET" not in str(caught.value).encode()


def test_hdf5_virtual_data_set_is_refused(tmp_path):
    source = tmp_path / "source.hdf5"
    with h5py.File(source, "w") as handle:
        handle.create_dataset("X", data=np.ones((1, 1024, 2), dtype=np.float32))
    path = tmp_path / "virtual.hdf5"
    layout = h5py.VirtualLayout(shape=(1, 1024, 2), dtype="<f4")
    layout[:] = h5py.VirtualSource(str(source), "X", shape=(1, 1024, 2))
    with h5py.File(path, "w") as handle:
        handle.create_virtual_dataset("X", layout)
        write_rml2018_datasets(handle, 1, skip=("X",))
    with pytest.raises(SpectrumDataError, match=r"virtual\.hdf5: X is a virtual data set"):
        RML2018Reader(path)


def test_hdf5_link_to_another_file_is_refused(tmp_path):
    source = tmp_path / "elsewhere.hdf5"
    with h5py.File(source, "w") as handle:
        handle.create_dataset("X", data=np.ones((1, 1024, 2), dtype=np.float32))
    path = tmp_path / "linked.hdf5"
    with h5py.File(path, "w") as handle:
        handle["X"] = h5py.ExternalLink(str(source), "X")
        write_rml2018_datasets(handle, 1, skip=("X",))
    with pytest.raises(SpectrumDataError, match=r"linked\.hdf5: X is a link to .*elsewhere\.hdf5"):
        RML2018Reader(path)


def test_hdf5_declaring_frames_it_does_not_store_is_refused(tmp_path):
    path = tmp_path / "declared.hdf5"
    with h5py.File(path, "w") as handle:
        handle.create_dataset("X", shape=(10**6, 1024, 2), dtype="<f4")
        handle.create_dataset("Y", shape=(10**6, 24), dtype="i1")
        handle.create_dataset("Z", shape=(10**6, 1), dtype="<f4")
    with pytest.raises(SpectrumDataError, match=r"declared\.hdf5: X declares shape \(1000000, 1024, 2\).*stores only 0 bytes"):
        RML2018Reader(path)


def write_compressed_bomb(path, num_frames, chunk_frames):
    """Zeros in gzip chunks of ``chunk_frames`` frames: a small file that expands to ``num_frames`` frames."""
    with h5py.File(path, "w") as handle:
        zeros = np.zeros((num_frames, 1024, 2), dtype="<f4")
        handle.create_dataset("X", data=zeros, chunks=(chunk_frames, 1024, 2), compression="gzip", compression_opts=1)
        write_rml2018_datasets(handle, num_frames, skip=("X",))


def test_hdf5_chunk_larger_than_max_chunk_bytes_is_refused_before_reading(tmp_path):
    path = tmp_path / "bomb.hdf5"
    write_compressed_bomb(path, num_frames=1024, chunk_frames=1024)
    assert path.stat().st_size < MIB
    growth, output = peak_memory_growth(f"RML2018Reader({str(path)!r}, max_chunk_bytes=2**20)")
    assert "refused:" in output and "8388608 bytes decompressed), more than max_chunk_bytes=1048576" in output
    assert growth < 4 * MIB


def test_hdf5_small_chunks_are_read_in_bounded_memory(tmp_path):
    path = tmp_path / "zeros.hdf5"
    write_compressed_bomb(path, num_frames=2048, chunk_frames=8)
    growth, output = peak_memory_growth(
        f"""
        reader = RML2018Reader({str(path)!r})
        total = sum(len(batch["iq"]) for batch in reader.iter_batches(batch_size=256))
        print("records", total)
        """
    )
    assert "records 16384" in output
    assert growth < 8 * MIB  # the frames alone are 16 MiB


# --- SigMF -----------------------------------------------------------------------------------


@pytest.fixture
def secret(tmp_path):
    path = tmp_path / "secret.bin"
    path.write_bytes(b"SECRETSECRET" * 32)
    return path


def test_sigmf_dataset_with_absolute_path_is_refused(tmp_path, secret):
    folder = tmp_path / "recording"
    folder.mkdir()
    meta = write_recording(folder, global_fields={"core:dataset": str(secret)}, data=False)
    with pytest.raises(SpectrumDataError, match=r"capture\.sigmf-meta: the data file .*outside the recording's folder") as caught:
        SigMFReader(meta)
    assert "SECRET" not in str(caught.value).replace(str(secret), "")


def test_sigmf_dataset_climbing_out_with_dotdot_is_refused(tmp_path, secret):
    folder = tmp_path / "recording"
    folder.mkdir()
    meta = write_recording(folder, global_fields={"core:dataset": "../secret.bin"}, data=False)
    with pytest.raises(SpectrumDataError, match="outside the recording's folder.*allow_data_outside_folder=True"):
        SigMFReader(meta)


def test_sigmf_data_file_symlinked_out_of_the_folder_is_refused(tmp_path, secret):
    folder = tmp_path / "recording"
    folder.mkdir()
    meta = write_recording(folder, data=False)
    (folder / "capture.sigmf-data").symlink_to(secret)
    with pytest.raises(SpectrumDataError, match="outside the recording's folder"):
        SigMFReader(meta)


def test_sigmf_data_outside_folder_is_read_only_when_allowed(tmp_path, secret):
    folder = tmp_path / "recording"
    folder.mkdir()
    meta = write_recording(folder, samples=64, global_fields={"core:dataset": "../secret.bin"}, data=False)
    record = SigMFReader(meta, allow_data_outside_folder=True)[0]
    expected = np.frombuffer(secret.read_bytes()[:256], dtype="<i2").reshape(64, 2) / 32768.0
    assert np.allclose(record["iq"], expected)


def gzip_tar_of_zeros(path: Path, data_bytes: int) -> None:
    """A gzip-compressed SigMF tar whose data member is ``data_bytes`` zeros (expands far beyond its size)."""
    meta = json.dumps(
        {"global": {"core:datatype": "ci16_le", "core:version": "1.0.0"}, "captures": [{"core:sample_start": 0}],
         "annotations": [{"core:sample_start": 0, "core:sample_count": 64, "core:label": "lte"}]}
    ).encode()

    class Zeros(io.RawIOBase):
        def __init__(self, size):
            self.left = size

        def readable(self):
            return True

        def readinto(self, buffer):
            count = min(len(buffer), self.left)
            buffer[:count] = bytes(count)
            self.left -= count
            return count

    with tarfile.open(path, "w:gz", compresslevel=1) as archive:
        info = tarfile.TarInfo("bomb/bomb.sigmf-meta")
        info.size = len(meta)
        archive.addfile(info, io.BytesIO(meta))
        info = tarfile.TarInfo("bomb/bomb.sigmf-data")
        info.size = data_bytes
        archive.addfile(info, io.BufferedReader(Zeros(data_bytes)))


def test_gzip_tar_named_sigmf_is_refused_without_decompressing(tmp_path):
    path = tmp_path / "bomb.sigmf"
    gzip_tar_of_zeros(path, 64 * MIB)
    growth, output = peak_memory_growth(f"SigMFReader({str(path)!r})")
    assert "refused:" in output and "a .sigmf archive is an uncompressed tar, but this file is gzip-compressed" in output
    assert growth < 4 * MIB


def test_gzip_archive_expanding_past_max_bytes_is_refused_in_bounded_memory(tmp_path):
    path = tmp_path / "bomb.sigmf.gz"
    gzip_tar_of_zeros(path, 64 * MIB)
    growth, output = peak_memory_growth(f"SigMFReader({str(path)!r}, max_bytes=16 * 2**20)")
    assert "refused:" in output and "expands to more than max_bytes=16777216 bytes" in output
    assert growth < 8 * MIB


def test_zip_archive_declaring_more_than_max_bytes_is_refused(tmp_path):
    import zipfile

    path = tmp_path / "bomb.sigmf.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("bomb.sigmf-meta", json.dumps({"global": {"core:datatype": "ci16_le"}}))
        archive.writestr("bomb.sigmf-data", bytes(4 * MIB))
    with pytest.raises(SpectrumDataError, match=r"bomb\.sigmf\.zip: member 'bomb\.sigmf-data' declares 4194304 bytes, more than max_bytes"):
        SigMFReader(path, max_bytes=MIB)


def test_archive_metadata_over_the_cap_is_refused(tmp_path, monkeypatch):
    from spectrumfm_hf.data.formats import sigmf_io

    monkeypatch.setattr(sigmf_io, "MAX_METADATA_BYTES", 64)
    meta = write_recording(tmp_path)
    with pytest.raises(SpectrumDataError, match=r"capture\.sigmf-meta: \d+ bytes of metadata, more than the 64 read"):
        SigMFReader(meta)


def test_annotations_asking_for_billions_of_windows_are_refused(tmp_path):
    sample_bytes = 4
    data = tmp_path / "capture.sigmf-data"
    with open(data, "wb") as handle:
        handle.truncate(2**32 * sample_bytes)  # sparse: no disk space used
    annotations = [{"core:sample_start": 0, "core:label": "lte"}] * 4
    meta = write_recording(tmp_path, annotations=annotations, data=False)
    with pytest.raises(SpectrumDataError, match=r"17179869184 windows of 1 samples; indexing them takes more than max_bytes"):
        SigMFReader(meta, num_samples=1, skip_checksum=True)


# --- Raw binary ------------------------------------------------------------------------------


def test_sparse_64_gib_raw_file_with_one_sample_windows_allocates_nothing(tmp_path):
    path = tmp_path / "sparse.cf32"
    with open(path, "wb") as handle:
        handle.truncate(64 * 2**30)
    growth, output = peak_memory_growth(
        f"""
        reader = RawIQReader({str(path)!r}, 1, "cf32_le")
        print("records", len(reader), reader[len(reader) - 1]["sample_offset"])
        """
    )
    assert f"records {8 * 2**30} {8 * 2**30 - 1}" in output
    assert growth < 16 * MIB


def test_restricted_unpickler_names_its_input_in_errors():
    from spectrumfm_hf.data.formats import RestrictedUnpickler

    with pytest.raises(SpectrumDataError, match=r"^capture buffer is corrupt: its opcodes do not form a valid pickle"):
        RestrictedUnpickler(io.BytesIO(b"\x80\x02t."), name="capture buffer").load()


def test_a_bare_global_is_never_returned(tmp_path):
    path = tmp_path / "bare_global.pkl"
    path.write_bytes(b"\x80\x02cnumpy\ndtype\n.")
    with pytest.raises(UnsafePickleError, match=r"bare_global\.pkl.*refusing to return <_PickleCallable>"):
        load_pickle(path)
