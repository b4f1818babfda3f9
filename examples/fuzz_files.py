"""Seeded mutation fuzz of the file readers: every outcome must be records or a ``SpectrumDataError``.

    python examples/fuzz_files.py --cases 10000 --seed 1

Writes small valid files of each format the package reads (RML2016 pickles in protocols 2
and 5, an RML2018.01A HDF5 file with compressed chunks, a SigMF recording and archive, a
``.npy`` and a raw cf32 file), then, case after case, a mutated copy of one of them (flipped
bytes, truncation, inserted or duplicated runs, extreme 8-byte values; for SigMF metadata,
hostile JSON values in the fields the reader trusts least) and reads up to 64 records from
it. Prints the count of each outcome per file and the first traceback of every undocumented
exception; exits non-zero if there was one.
"""

from __future__ import annotations

import argparse
import collections
import io
import json
import os
import pickle
import sys
import tarfile
import tempfile
import time
import traceback
import warnings

import h5py
import numpy as np

from spectrumfm_hf.data.base import SpectrumDataError
from spectrumfm_hf.data.formats import RawIQReader, RML2016Reader, RML2018Reader, SigMFReader, write_sigmf

# Values a hostile SigMF writer might put in a field, and the fields the reader must check.
HOSTILE_JSON_VALUES = [None, 0, -1, 10**30, "x", [], {}, 1.5, True, float("nan"), [1, 2], "../../etc/passwd", 2**63]
SIGMF_FIELDS = [
    ("global", "core:datatype"),
    ("global", "core:num_channels"),
    ("global", "spectrumfm:class_names"),
    ("global", "core:dataset"),
    ("global", "core:trailing_bytes"),
    ("captures", 0, "core:header_bytes"),
    ("annotations", 0, "core:sample_start"),
    ("annotations", 0, "core:sample_count"),
    ("annotations", 1, "core:label"),
    ("annotations", 2, "spectrumfm:snr_db"),
    ("annotations", 1, "spectrumfm:seed"),
]
EXTREME_WORDS = [b"\xff" * 8, b"\x00" * 8, b"\x7f\xff\xff\xff\xff\xff\xff\xff", b"\x80" * 8]


def valid_files(work: str) -> tuple[dict[str, bytes], bytes]:
    """One small valid file of each format, by name, and the SigMF recording's data bytes."""
    files = {}
    frames = np.random.default_rng(0).standard_normal((2, 2, 16)).astype(np.float32)
    contents = {(name, snr_db): frames for name in ("QPSK", "BPSK") for snr_db in (-2, 4)}
    for protocol in (2, 5):
        files[f"rml2016_p{protocol}.pkl"] = pickle.dumps(contents, protocol=protocol)
    path = os.path.join(work, "rml2018.hdf5")
    with h5py.File(path, "w") as handle:
        handle.create_dataset("X", data=np.ones((4, 256, 2), np.float32), chunks=(2, 256, 2), compression="gzip")
        handle.create_dataset("Y", data=np.eye(24, dtype=np.int8)[[0, 1, 2, 3]])
        handle.create_dataset("Z", data=np.zeros((4, 1), np.float32))
    files["rml2018.hdf5"] = open(path, "rb").read()
    records = [{"iq": np.ones((32, 2), np.float32) * k, "label": k % 2, "snr_db": 1.0} for k in range(3)]
    meta = write_sigmf(os.path.join(work, "rec"), records, ["a", "b"])
    data_path = os.path.join(work, "rec.sigmf-data")
    files["rec.sigmf-meta"] = open(meta, "rb").read()
    archive = io.BytesIO()
    with tarfile.open(fileobj=archive, mode="w") as tar:
        tar.add(meta, arcname="rec/rec.sigmf-meta")
        tar.add(data_path, arcname="rec/rec.sigmf-data")
    files["rec.sigmf"] = archive.getvalue()
    array = io.BytesIO()
    np.save(array, np.ones((2, 64), np.complex64))
    files["iq.npy"] = array.getvalue()
    files["iq.cf32"] = np.ones(256, np.complex64).tobytes()
    return files, open(data_path, "rb").read()


def mutate_bytes(data: bytes, rng: np.random.Generator) -> bytes:
    """One random corruption: flipped bytes, truncation, an inserted or duplicated run, or an extreme word."""
    data = bytearray(data)
    kind = rng.integers(5)
    if kind == 0:
        for _ in range(rng.integers(1, 9)):
            data[rng.integers(len(data))] = rng.integers(256)
    elif kind == 1:
        data = data[: rng.integers(len(data))]
    elif kind == 2:
        at = rng.integers(len(data))
        data[at:at] = rng.bytes(int(rng.integers(1, 64)))
    elif kind == 3:
        start = rng.integers(len(data))
        stop = min(len(data), start + rng.integers(1, 256))
        at = rng.integers(len(data))
        data[at:at] = data[start:stop]
    else:
        at = rng.integers(max(1, len(data) - 8))
        data[at : at + 8] = EXTREME_WORDS[rng.integers(len(EXTREME_WORDS))]
    return bytes(data)


def mutate_sigmf_metadata(text: bytes, rng: np.random.Generator) -> bytes:
    """SigMF metadata with one or two of its trusted fields set to hostile values."""
    meta = json.loads(text)
    for _ in range(rng.integers(1, 3)):
        field = SIGMF_FIELDS[rng.integers(len(SIGMF_FIELDS))]
        node = meta
        for key in field[:-1]:
            node = node[key]
        node[field[-1]] = HOSTILE_JSON_VALUES[rng.integers(len(HOSTILE_JSON_VALUES))]
    return json.dumps(meta).encode()


def open_reader(path: str, name: str, rng: np.random.Generator):
    if name.endswith(".pkl"):
        return RML2016Reader(path)
    if name.endswith(".hdf5"):
        return RML2018Reader(path, window=64)
    if "sigmf" in name:
        return SigMFReader(path, skip_checksum=bool(rng.integers(2)))
    if name.endswith(".npy"):
        return RawIQReader(path, 16)
    return RawIQReader(path, 16, "cf32_le")


def run(num_cases: int, seed: int, only: str | None = None) -> tuple[collections.Counter, list]:
    """Outcome counts per (file, outcome) and the undocumented exceptions as (case, file, message, traceback)."""
    rng = np.random.default_rng(seed)
    undocumented = []
    outcomes: collections.Counter = collections.Counter()
    with tempfile.TemporaryDirectory() as work:
        files, sigmf_data = valid_files(work)
        names = [name for name in files if only is None or only in name]
        for case in range(num_cases):
            name = names[case % len(names)]
            folder = os.path.join(work, f"case{case % 50}")
            os.makedirs(folder, exist_ok=True)
            for leftover in os.listdir(folder):
                os.remove(os.path.join(folder, leftover))
            path = os.path.join(folder, name)
            if name.endswith("-meta"):
                mutated = (mutate_sigmf_metadata if rng.random() < 0.6 else mutate_bytes)(files[name], rng)
                with open(os.path.join(folder, "rec.sigmf-data"), "wb") as handle:
                    handle.write(sigmf_data)
            else:
                mutated = mutate_bytes(files[name], rng)
            with open(path, "wb") as handle:
                handle.write(mutated)
            try:
                reader = open_reader(path, name, rng)
                for batch in reader.iter_batches(0, min(len(reader), 64), batch_size=16):
                    if batch["iq"].dtype != np.float32 or not np.isfinite(batch["iq"]).all():
                        raise AssertionError(f"records of dtype {batch['iq'].dtype} or with non-finite samples")
                outcomes[(name, "records")] += 1
            except SpectrumDataError:
                outcomes[(name, "package error")] += 1
            except Exception as error:  # noqa: BLE001 - counting exactly these is the point
                outcomes[(name, f"undocumented {type(error).__name__}")] += 1
                undocumented.append((case, name, f"{type(error).__name__}: {str(error)[:200]}", traceback.format_exc()))
    return outcomes, undocumented


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000, help="mutated files to read")
    parser.add_argument("--seed", type=int, default=1, help="seed of the mutations")
    parser.add_argument("--only", help="fuzz only the files whose name contains this text (e.g. 'pkl', 'sigmf')")
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    started = time.perf_counter()
    outcomes, undocumented = run(args.cases, args.seed, args.only)
    for key in sorted(outcomes):
        print(f"{outcomes[key]:7d}  {key[0]}: {key[1]}")
    print(f"cases {args.cases}, seed {args.seed}, {time.perf_counter() - started:.1f} s, undocumented {len(undocumented)}")
    seen = set()
    for case, name, message, trace in undocumented:
        if (name, message[:60]) not in seen:
            seen.add((name, message[:60]))
            print(f"--- case {case}, {name}: {message}\n{trace}")
    return 1 if undocumented else 0


if __name__ == "__main__":
    sys.exit(main())
