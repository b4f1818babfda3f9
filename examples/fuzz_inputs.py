"""Seeded fuzz of every input path: the feature extractor (inputs and options), the
configuration, and each model head on a tiny configuration.

Each case ends in one outcome, counted per target: ``finite`` (a result with only finite
values, features inside [0, 1]), one of the documented errors (``SpectrumFMInputError``,
``SpectrumFMInputTypeError``, ``SpectrumFMConfigError``), ``undocumented <Type>`` (any other
exception), ``non-finite output`` / ``features outside [0, 1]`` (a silently wrong result) or
``hang`` (a case that ran past ``--case-seconds``). The address space is capped
(``--memory-gib``) so that a memory blow-up surfaces as a ``MemoryError`` instead of
starving the machine.

    python examples/fuzz_inputs.py --cases 10000 --seed 0

Exits 1 when any case is undocumented, non-finite, out of range or hung.
"""

from __future__ import annotations

import argparse
import json
import resource
import signal
import sys
import time
import warnings
import zlib
from collections import Counter, defaultdict
from collections.abc import Mapping

import numpy as np
import torch

from spectrumfm_hf import (
    SpectrumFMConfig,
    SpectrumFMConfigError,
    SpectrumFMFeatureExtractor,
    SpectrumFMForAnomalyDetection,
    SpectrumFMForPretraining,
    SpectrumFMForSequenceClassification,
    SpectrumFMInputError,
    SpectrumFMInputTypeError,
    SpectrumFMModel,
)

DOCUMENTED_ERRORS = (SpectrumFMInputError, SpectrumFMInputTypeError, SpectrumFMConfigError)
MODEL_CLASSES = (SpectrumFMModel, SpectrumFMForPretraining, SpectrumFMForSequenceClassification,
                 SpectrumFMForAnomalyDetection)
# Share of the cases each target gets; the model heads share the rest equally.
TARGET_SHARES = {"extractor input": 0.4, "extractor options": 0.1, "config": 0.1}

NUMPY_DTYPES = [np.float16, np.float32, np.float64, np.longdouble, np.int8, np.int16, np.int32, np.int64,
                np.uint8, np.uint16, np.bool_, np.complex64, np.complex128, np.clongdouble, ">f8", ">c16"]
TORCH_DTYPES = [torch.float16, torch.bfloat16, torch.float32, torch.float64, torch.int32, torch.int64, torch.uint8,
                torch.bool, torch.complex64]
FLOAT8_DTYPES = [torch.float8_e4m3fn, torch.float8_e5m2]
SPECIAL_VALUES = [np.nan, np.inf, -np.inf, 1e38, -1e38, 1e300, 5e-324, 0.0, -0.0, 65504.0, 2.0, -1.0]


def _nested(depth: int, leaf) -> list:
    """``depth`` nested one-item lists around ``leaf``: numpy and repr recurse once per level."""
    value = leaf
    for _ in range(depth):
        value = [value]
    return value


def _memo_doubled(levels: int) -> list:
    """A list whose naive traversal or repr visits 2**levels leaves while it holds only ``levels`` lists."""
    value = [1j, 2j]
    for _ in range(levels):
        value = [value, value]
    return value


# Built once: each is a denial of service for code that walks or prints its argument.
HOSTILE_OBJECTS = [_nested(100_000, 1j), tuple(_nested(100_000, 1.0)), _memo_doubled(60), [10**5000, 1],
                   [1 + 1j] * 3 + [_memo_doubled(60)]]


def random_shape(rng, max_dims=4, max_size=300, max_elements=100_000) -> tuple:
    """A random shape of up to ``max_dims`` axes; leading axes are dropped to stay within ``max_elements``."""
    shape = tuple(int(rng.choice([0, 1, 2, 3, 31, 32, 33, 128, int(rng.integers(0, max_size))]))
                  for _ in range(int(rng.integers(0, max_dims + 1))))
    while np.prod(shape) > max_elements:
        shape = shape[1:]
    return shape


def poison(rng, array, probability=0.6):
    """Scatter special values (NaN, Inf, huge, subnormal) into a float or complex array."""
    if array.size and array.dtype.kind in "fc" and rng.random() < probability:
        flat = array.reshape(-1)
        for _ in range(int(rng.integers(1, 4))):
            with np.errstate(over="ignore", invalid="ignore"):
                flat[int(rng.integers(0, flat.size))] = rng.choice(SPECIAL_VALUES)
    return array


def random_array(rng) -> np.ndarray:
    shape = random_shape(rng)
    if rng.random() < 0.4 and shape:  # a trailing I/Q axis, to get past the first shape check
        shape = shape[:-1] + (2,)
    dtype = np.dtype(NUMPY_DTYPES[int(rng.integers(0, len(NUMPY_DTYPES)))])
    with np.errstate(over="ignore", invalid="ignore"):
        scale = float(rng.choice([1.0, 1e-30, 1e30, 1e300]))
        values = rng.standard_normal(shape) * scale
        if dtype.kind == "c":
            values = values + 1j * rng.standard_normal(shape) * scale
        array = values.astype(dtype) if dtype.kind in "fc" else rng.integers(-5, 5, shape).astype(dtype)
    return poison(rng, array)


def plausible_capture(rng):
    """A well-formed capture with extreme but finite values, constant stretches or integer samples."""
    length = int(rng.choice([1, 5, 31, 32, 33, 100, 257]))
    scale = float(rng.choice([1.0, 1e-300, 1e-30, 1e30, 1e300]))
    iq = (rng.standard_normal(length) + 1j * rng.standard_normal(length)) * scale
    if rng.random() < 0.3:
        iq[: int(rng.integers(0, length + 1))] = complex(rng.choice([0.0, scale]))
    form = rng.random()
    if form < 0.4:
        return iq
    if form < 0.7:
        return np.stack([iq.real, iq.imag], axis=-1)
    if form < 0.85:
        return np.stack([iq.real, iq.imag], axis=-1).clip(-3e4, 3e4).astype(np.int16)
    return iq.astype(np.complex64) if scale < 1e30 else iq


def exotic_tensor(rng) -> torch.Tensor:
    """Tensors whose dtype or layout numpy cannot take: float8, complex32, sparse, meta, quantised."""
    shape = (int(rng.choice([1, 40])), 2)
    kind = int(rng.integers(0, 6))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # complex32 is "experimental"
        if kind == 0:
            return torch.rand(shape).to(torch.float8_e4m3fn if rng.random() < 0.5 else torch.float8_e5m2)
        if kind == 1:
            return torch.rand(shape[0], dtype=torch.complex64).to(torch.complex32)
        if kind == 2:
            return torch.rand(shape).to_sparse()
        if kind == 3:
            return torch.empty(shape, device="meta")
        if kind == 4:
            return torch.quantize_per_tensor(torch.rand(shape), 0.1, 0, torch.quint8)
        return torch.rand(shape[::-1], requires_grad=True).t()  # non-contiguous, tracked by autograd


def exotic_array(rng):
    """Array-likes beside the plain ndarray: matrix, masked, object, string, structured, datetime."""
    kind = int(rng.integers(0, 9))
    if kind < 2:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", PendingDeprecationWarning)  # np.matrix still exists in users' code
            if kind == 0:
                return np.matrix(rng.standard_normal((int(rng.choice([1, 40])), 2)))
            return np.matrix(rng.standard_normal(40) + 1j)
    if kind == 2:
        return np.ma.masked_array(np.zeros(0, complex))
    if kind == 3:
        data = rng.standard_normal(40) + 1j * rng.standard_normal(40)
        return np.ma.masked_array(data, mask=rng.random(40) < float(rng.choice([0.0, 0.2, 1.0])))
    if kind == 4:
        return np.array([1j, None, 2.0], dtype=object)
    if kind == 5:
        return str(rng.choice(["iq", "", "1+2j", "\x00" * 100]))
    if kind == 6:
        return np.zeros(40, dtype=[("i", "f4"), ("q", "f4")])
    if kind == 7:
        return np.arange(40).astype("datetime64[s]")
    return HOSTILE_OBJECTS[int(rng.integers(0, len(HOSTILE_OBJECTS)))]


def extractor_input_case(rng):
    """One random extractor input: plausible captures, random arrays, lists, tensors and exotic objects."""
    kind = rng.random()
    if kind < 0.25:
        return plausible_capture(rng) if rng.random() < 0.7 else [plausible_capture(rng) for _ in range(3)]
    if kind < 0.55:
        return random_array(rng)
    if kind < 0.65:
        return [random_array(rng) for _ in range(int(rng.integers(0, 4)))]
    if kind < 0.72:
        array = random_array(rng)
        as_complex = array.dtype.kind == "c" and rng.random() < 0.5
        return torch.from_numpy(np.ascontiguousarray(array.astype(np.complex128) if as_complex
                                                     else np.real(array).astype(np.float64)))
    if kind < 0.8:
        return exotic_tensor(rng)
    if kind < 0.92:
        return exotic_array(rng)
    return [None, "iq", {"i": 1}, 3.0, [[1, 2], [3]], b"\x00\x01", [1 + 1j, None], {1j, 2j}, iter([1j]),
            [np.ones(3, complex), 2.0]][int(rng.integers(0, 10))]


# Each option: values a user might pass, good and bad.
EXTRACTOR_OPTION_VALUES = {
    "window_length": [32, 1, 2, 16, 0, -1, 10**9, 2**40, 2.0, "32", True, None, np.int64(16), np.nan],
    "hop_length": [None, 1, 16, 33, 0, -3, 10**12, 1.5, "1", False],
    "last_window": ["pad", "drop", "wrap", None, 1, ["pad"]],
    "log_amplitude": [False, True, "false", 0, 1, None, np.bool_(True)],
    "log_amplitude_floor": [1e-8, 0.5, 0.0, 1.0, -1.0, np.nan, np.inf, "1e-8", None, 10**5000],
    "constant_window": ["fill", "error", "skip", None],
    "constant_fill_value": [0.5, 0.0, 1.0, np.nan, np.inf, -0.1, 5.0, "0.5", None, True],
    "constant_tolerance": [1e-6, 0.0, -1.0, np.nan, np.inf, "0", None],
    "padding_value": [0.0, 1.0, 0.25, 5.0, -1.0, np.nan, "0", None],
    "return_attention_mask": [True, False, "false", 0, None],
    "sampling_rate": [None, 1e6, 0.0, -1.0, np.nan, np.inf, "1e6", 16000],
}


def extractor_options_case(rng) -> dict:
    """Random constructor options, each present with probability 1/3."""
    return {name: values[int(rng.integers(0, len(values)))]
            for name, values in EXTRACTOR_OPTION_VALUES.items() if rng.random() < 1 / 3}


CONFIG_VALUES = {
    "hidden_size": [32, 0, -32, 33, 32.0, "32", None, True, 2**40],
    "num_hidden_layers": [2, 0, -1, 2.5, "2", 100_000, None],
    "num_attention_heads": [4, 0, 3, -4, 4.0, None],
    "intermediate_size": [64, 0, "64", 10**12],
    "hidden_act": ["gelu", "relu", "swish", "not_an_activation", None, 3],
    "hidden_dropout_prob": [0.0, 0.5, 1.0, -0.1, np.nan, "0.1"],
    "attention_probs_dropout_prob": [0.0, np.nan, 2.0],
    "max_position_embeddings": [32, 1, 0, 10**9, "32"],
    "position_embedding_type": ["sinusoidal", "relative", "rotary", None],
    "conv_kernel_size": [3, 4, 1, 0, 3.0],
    "norm_placement": ["post", "pre", "sandwich"],
    "feed_forward_residual_weight": [1.0, 0.5, 0.0, np.nan, "1"],
    "conv_norm": ["none", "batch_norm", None],
    "layer_norm_eps": [1e-5, 0.0, -1e-5, np.nan, np.inf, "1e-5", None],
    "initializer_range": [0.02, 0.0, -1.0, np.nan, "0.02"],
    "mask_ratio": [0.15, 0.0, 1.0, np.nan, "0.15"],
    "validate_input_range": [True, False, "false", 0, None],
    "input_noise_std": [0.0, 1e-3, -1.0, np.nan, np.inf],
    "reconstruction_loss_weight": [1.0, 0.0, np.nan, np.inf, -1.0, "1"],
    "next_slot_loss_weight": [1.0, np.nan, None],
    "pretraining_single_pass": [True, False, "no", 1],
    "next_slot_rnn_type": ["lstm", "gru", "transformer"],
    "classifier_rnn_type": ["lstm", "rnn"],
    "classifier_bidirectional": [False, True, "true"],
    "classifier_hidden_size": [None, 16, 0, -1, 16.5],
    "classifier_dropout": [0.1, 1.0, np.nan],
    "anomaly_threshold": [None, 0.25, np.nan, np.inf, "0.2"],
    "anomaly_false_alarm_rate": [None, 0.01, 0.0, 1.0, np.nan, "0.01"],
}


def config_case(rng) -> tuple[dict, bool]:
    """Random configuration arguments over a tiny base, and whether to pass them through ``from_dict``
    (as ``config.json`` is read) instead of the constructor."""
    settings = dict(hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=64,
                    max_position_embeddings=32)
    for name, values in CONFIG_VALUES.items():
        if rng.random() < 0.08:
            value = values[int(rng.integers(0, len(values)))]
            settings[name] = float(value) if isinstance(value, np.floating) else value
    return settings, bool(rng.random() < 0.5)


def random_tensor(rng, shape=None, dtype=None, poison_probability=0.6, dtypes=TORCH_DTYPES) -> torch.Tensor:
    shape = shape if shape is not None else random_shape(rng, max_size=40)
    dtype = dtype if dtype is not None else dtypes[int(rng.integers(0, len(dtypes)))]
    values = poison(rng, rng.random(shape), poison_probability)
    if rng.random() < 0.1:
        with np.errstate(over="ignore", invalid="ignore"):
            values = values * float(rng.choice([-1.0, 1e3, 1e30]))
    with np.errstate(over="ignore", invalid="ignore"):
        return torch.from_numpy(np.asarray(values)).to(dtype)


def model_kwargs_case(rng, model, exotic_tensors: bool = True) -> dict:
    """Random keyword arguments for ``model``: well-shaped batches, random tensors, masks and labels;
    with ``exotic_tensors``, also layouts and dtypes numpy cannot hold (sparse, meta, float8, complex32)."""
    dtypes = TORCH_DTYPES + FLOAT8_DTYPES if exotic_tensors else TORCH_DTYPES
    if rng.random() < 0.5:  # a well-shaped batch, so that masks, labels and values get exercised
        batch, symbols = int(rng.integers(1, 5)), int(rng.choice([1, 2, 16, 32, 33]))
        dtype = torch.float32 if rng.random() < 0.7 else None
        kwargs = {"input_values": random_tensor(rng, (batch, symbols, 2), dtype, 0.15, dtypes)}
    else:
        batch, symbols = 2, 32
        kwargs = {"input_values": random_tensor(rng, dtypes=dtypes)}
    if exotic_tensors and rng.random() < 0.1:
        kwargs["input_values"] = exotic_model_tensor(rng, (batch, symbols, 2))
    if rng.random() < 0.4:
        mask = rng.integers(0, 2 if rng.random() < 0.9 else 3, (batch, symbols))
        if rng.random() < 0.8:  # real symbols first, padding after: the layout the models accept
            mask = -np.sort(-mask, axis=1)
        if rng.random() < 0.1:
            mask = mask[:, :-1]
        kwargs["attention_mask"] = torch.from_numpy(mask).to(torch.long if rng.random() < 0.8 else torch.float32)
        if exotic_tensors and rng.random() < 0.1:
            kwargs["attention_mask"] = exotic_model_tensor(rng, (batch, symbols))
    if isinstance(model, SpectrumFMForSequenceClassification) and rng.random() < 0.5:
        labels = rng.integers(0, 3, (batch,)) if rng.random() < 0.6 else rng.integers(-1, 5, (batch + 1,))
        kwargs["labels"] = torch.from_numpy(labels).to(torch.long if rng.random() < 0.8 else torch.float32)
    if isinstance(model, SpectrumFMForPretraining) and rng.random() < 0.4:
        kwargs["symbol_mask"] = torch.from_numpy(rng.integers(0, 2, (batch, symbols))).bool()
    return kwargs


def exotic_model_tensor(rng, shape) -> torch.Tensor:
    values = torch.rand(shape)
    kind = int(rng.integers(0, 5))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if kind == 0:
            return values.to(torch.float8_e4m3fn)
        if kind == 1:
            return values.to(torch.complex32)
        if kind == 2:
            return values.to_sparse()
        if kind == 3:
            return torch.empty(shape, device="meta")
        return values.to(torch.complex64)


def _all_finite(value) -> bool:
    if isinstance(value, torch.Tensor):
        return not (value.is_floating_point() or value.is_complex()) or bool(torch.isfinite(value).all())
    if isinstance(value, np.ndarray):
        return value.dtype.kind not in "fc" or bool(np.isfinite(value).all())
    if isinstance(value, (tuple, list)):
        return all(_all_finite(item) for item in value)
    if isinstance(value, Mapping):
        return all(_all_finite(item) for item in value.values())
    return True


def outcome_of(call) -> str:
    """Run ``call`` and name its outcome; the result must be finite (features also inside [0, 1])."""
    try:
        with np.errstate(all="ignore"):
            result = call()
    except DOCUMENTED_ERRORS as error:
        return type(error).__name__
    except CaseTimeout:
        return "hang"
    except Exception as error:  # the point of the fuzz: anything else is a finding
        return f"undocumented {type(error).__name__}: {str(error)[:100]}"
    if not _all_finite(result):
        return "non-finite output"
    features = result.get("input_values") if isinstance(result, Mapping) else None
    if features is not None and np.asarray(features).size and not (
            (np.asarray(features) >= 0).all() and (np.asarray(features) <= 1).all()):
        return "features outside [0, 1]"
    return "finite"


class CaseTimeout(BaseException):
    """A case ran past its time limit (a BaseException, so that no ``except Exception`` swallows it)."""


def _raise_timeout(signum, frame):
    raise CaseTimeout()


def run(num_cases: int, seed: int, case_seconds: float = 2.0, exotic_model_tensors: bool = True) -> dict:
    """Run ``num_cases`` seeded cases; return ``{target: Counter(outcome -> count)}``."""
    rng = np.random.default_rng(seed)
    torch.manual_seed(seed)
    counts: dict[str, Counter] = defaultdict(Counter)
    extractor = SpectrumFMFeatureExtractor(window_length=32)
    tiny = dict(hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=64,
                max_position_embeddings=32, hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0,
                classifier_dropout=0.0, num_labels=3)
    models = [cls(SpectrumFMConfig(**tiny)).eval() for cls in MODEL_CLASSES]
    model_share = (1.0 - sum(TARGET_SHARES.values())) / len(models)
    plan = [(target, round(share * num_cases)) for target, share in TARGET_SHARES.items()]
    plan += [(type(model).__name__, round(model_share * num_cases)) for model in models]
    previous = signal.signal(signal.SIGALRM, _raise_timeout)
    try:
        for target, count in plan:
            target_rng = np.random.default_rng([seed, zlib.crc32(target.encode())])
            model = next((m for m in models if type(m).__name__ == target), None)
            for _ in range(count):
                if target == "extractor input":
                    iq = extractor_input_case(target_rng)
                    call = lambda: extractor(iq)  # noqa: E731
                elif target == "extractor options":
                    options = extractor_options_case(target_rng)
                    capture = plausible_capture(target_rng)
                    call = lambda: SpectrumFMFeatureExtractor(**options)(capture)  # noqa: E731
                elif target == "config":
                    settings, through_dict = config_case(target_rng)
                    call = ((lambda: SpectrumFMConfig.from_dict(dict(settings)).to_dict()) if through_dict
                            else (lambda: SpectrumFMConfig(**settings).to_dict()))
                else:
                    kwargs = model_kwargs_case(target_rng, model, exotic_model_tensors)
                    call = lambda: model(**kwargs).to_tuple()  # noqa: E731
                signal.setitimer(signal.ITIMER_REAL, case_seconds)
                try:
                    with torch.no_grad(), warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        counts[target][outcome_of(call)] += 1
                finally:
                    signal.setitimer(signal.ITIMER_REAL, 0)
    finally:
        signal.signal(signal.SIGALRM, previous)
    return counts


def is_clean(outcome: str) -> bool:
    return outcome == "finite" or outcome in {error.__name__ for error in DOCUMENTED_ERRORS}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=10_000, help="number of cases over all targets")
    parser.add_argument("--seed", type=int, default=0, help="seed of every random draw")
    parser.add_argument("--case-seconds", type=float, default=2.0, help="a case running longer counts as a hang")
    parser.add_argument("--memory-gib", type=float, default=8.0, help="address-space cap of this process, GiB")
    parser.add_argument("--json", action="store_true", help="print the counts as one JSON line")
    args = parser.parse_args(argv)
    limit = int(args.memory_gib * 2**30)
    resource.setrlimit(resource.RLIMIT_AS, (limit, resource.getrlimit(resource.RLIMIT_AS)[1]))
    torch.set_num_threads(1)
    start = time.perf_counter()
    counts = run(args.cases, args.seed, args.case_seconds)
    seconds = time.perf_counter() - start
    total = Counter()
    for outcomes in counts.values():
        for outcome, number in outcomes.items():
            total["clean" if is_clean(outcome) else outcome.split(":")[0]] += number
    if args.json:
        print(json.dumps({"seed": args.seed, "cases": args.cases, "seconds": round(seconds, 1),
                          "counts": {t: dict(c) for t, c in counts.items()}}))
    else:
        print(f"{args.cases} cases, seed {args.seed}, {seconds:.1f} s")
        for target, outcomes in counts.items():
            print(f"\n{target}: {sum(outcomes.values())} cases")
            for outcome, number in outcomes.most_common():
                print(f"  {number:6d}  {outcome}")
        print(f"\ntotal: {dict(total)}")
    return 0 if set(total) <= {"clean"} else 1


if __name__ == "__main__":
    sys.exit(main())
