"""Fingerprint the synthetic generators: a hash of every column of their first examples.

Run it before and after a change to the data package; identical lines mean identical output
for those seeds. One JSON line per (generator, seed) with a 16-hex-digit SHA-256 per column.

    python examples/data_fingerprint.py > before.jsonl
    python examples/data_fingerprint.py --num-examples 256 --seeds 0 1 2
"""

from __future__ import annotations

import argparse
import hashlib
import json

import numpy as np

from spectrumfm_hf.data.registry import GENERATOR_NAMES, make_generator


def column_hash(values: np.ndarray) -> str:
    """SHA-256 (first 16 hex digits) of a column's values; text columns by their strings."""
    values = np.asarray(values)
    if values.dtype.kind in "OU":
        payload = "\x00".join(str(value) for value in values.ravel()).encode()
    else:
        payload = np.ascontiguousarray(values).tobytes() + str(values.dtype).encode()
    return hashlib.sha256(payload).hexdigest()[:16]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--num-examples", type=int, default=64, help="examples 0..n-1 of each generator")
    parser.add_argument("--num-samples", type=int, default=128, help="IQ samples per example")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1], help="data set seeds")
    parser.add_argument("--generators", nargs="+", default=list(GENERATOR_NAMES), choices=GENERATOR_NAMES)
    args = parser.parse_args()
    for name in args.generators:
        generator = make_generator(name, args.num_samples)
        for seed in args.seeds:
            batch = generator.generate(seed, np.arange(args.num_examples))
            hashes = {column: column_hash(values) for column, values in sorted(batch.items())}
            print(json.dumps({"generator": name, "seed": seed, "columns": hashes}), flush=True)


if __name__ == "__main__":
    main()
