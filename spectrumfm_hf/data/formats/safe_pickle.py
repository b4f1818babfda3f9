"""Unpickling of numpy-array pickles that can neither run code nor build objects of the file's choosing.

``pickle.load`` calls whatever callable a file names, so a downloaded RadioML pickle could run
anything. Restricting the callables is not enough: numpy's own constructors trust the shapes,
dtypes and buffers they are given, and an unpickler that hands them real numpy objects lets a file
re-set a dtype's state under an existing array (a segfault) or rewrite the state of an allowed
function for the whole process. So loading has three stages:

1. a validating pass over the opcodes (:func:`pickletools.genops`), before anything is built:
   every declared length must fit in the rest of the file, memo indices must stay near the number
   of opcodes, tuples may not nest deeper than :data:`MAX_TUPLE_NESTING` (hashing a key made of
   shared tuples would take exponential time), and opcodes that build arbitrary objects
   (``INST``, ``OBJ``, ``NEWOBJ``, extensions, persistent ids, sets, out-of-band buffers) and
   globals outside :data:`ALLOWED_GLOBALS` are refused;
2. the unpickling itself, in which every allowed global is an inert stand-in: calling it records a
   *description* of an array, dtype or scalar (shape, dtype string, bytes), and ``BUILD`` either
   fills in a description once, as numpy's own pickles do, or is refused;
3. the result: plain dicts, lists, tuples, strings, numbers and bytes are kept, and every array or
   numpy scalar is built here by :func:`numpy.frombuffer` from its validated (dtype, shape, bytes)
   triple, after checking that the bytes are exactly what the shape and dtype need.

The layouts this reads are those numpy writes: ``_reconstruct`` + ``BUILD`` (protocols 2-4, Python
2 ``cPickle`` included, whose array bytes are ``latin1`` text), ``_frombuffer`` (protocol 5, numpy 1
and 2 module names), and ``ndarray(shape, dtype, buffer)`` with or without a ``BUILD`` of its state.
Arrays come back read-only (they are views of the file's bytes); copy one to modify it.
"""

from __future__ import annotations

import io
import math
import os
import pickle
import pickletools
import re
from typing import Any, BinaryIO, Callable

import numpy as np

from ..base import SpectrumDataError

DEFAULT_MAX_BYTES = 4 * 2**30
"""Default cap in bytes on a file, on what one declares and on what a reader decompresses (4 GiB)."""

MAX_TUPLE_NESTING = 8
"""Deepest tuple nesting a pickle may build: hashing shared sub-tuples costs ``2**depth`` (an RML2016 key nests one level)."""

MAX_NESTING = 64
"""Deepest nesting of containers in a loaded pickle."""

MAX_DIMENSIONS = 32
"""Most dimensions an unpickled array may declare (numpy allows 64)."""


class UnsafePickleError(SpectrumDataError):
    """A pickle asked for something outside what numpy-array pickles need (it could run code or corrupt memory)."""


def check_max_bytes(max_bytes: Any) -> int:
    """``max_bytes`` as a positive ``int``, or an error naming the argument."""
    if isinstance(max_bytes, bool) or not isinstance(max_bytes, (int, np.integer)) or max_bytes < 1:
        raise SpectrumDataError(f"max_bytes must be a positive integer number of bytes, got {_describe_value(max_bytes)}")
    return int(max_bytes)


# --- bounded descriptions of untrusted values ------------------------------------------------


class _Description:
    """Text written piece by piece that stops growing once it is longer than ``limit``."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.parts: list[str] = []
        self.length = 0

    @property
    def full(self) -> bool:
        return self.length > self.limit

    def write(self, text: str) -> None:
        if not self.full:
            text = text[: self.limit - self.length + 1]
            self.parts.append(text)
            self.length += len(text)

    def describe(self, value: Any, depth: int) -> None:
        if self.full:
            return
        if isinstance(value, bool) or value is None:
            self.write(repr(value))
        elif isinstance(value, int):
            # repr of an int of more than 4300 digits raises, and of a long one floods the message.
            digits = math.ceil(value.bit_length() * math.log10(2))
            self.write(repr(value) if digits <= self.limit else f"<int of about {digits} digits>")
        elif isinstance(value, (str, bytes, bytearray)):
            self.write(repr(value[: self.limit + 1]))
        elif isinstance(value, (float, complex, np.generic)):
            self.write(repr(value))
        elif isinstance(value, (tuple, list, dict)):
            if depth >= 8:
                self.write("...")
                return
            opening, closing = "()" if isinstance(value, tuple) else "[]" if isinstance(value, list) else "{}"
            self.write(opening)
            items = value.items() if isinstance(value, dict) else ((item, None) for item in value)
            for number, (item, mapped) in enumerate(items):
                if self.full:
                    return
                if number:
                    self.write(", ")
                self.describe(item, depth + 1)
                if isinstance(value, dict):
                    self.write(": ")
                    self.describe(mapped, depth + 1)
            self.write("," + closing if isinstance(value, tuple) and len(value) == 1 else closing)
        elif isinstance(value, np.ndarray):
            self.write(f"<array {value.dtype} {value.shape}>")
        else:
            self.write(f"<{type(value).__name__}>")


def _describe_value(value: Any, limit: int = 80) -> str:
    """``repr``-like text of an untrusted value, at most ``limit`` characters, in time bounded by ``limit``.

    Attacker-controlled values go into error messages: a plain ``repr`` can take exponential time
    (shared sub-tuples), recurse past the interpreter's limit (deep nesting) or raise (huge ints).
    """
    text = _Description(limit)
    text.describe(value, 0)
    joined = "".join(text.parts)
    return joined if len(joined) <= limit else joined[: limit - 3] + "..."


# --- stand-ins for the globals numpy pickles name ---------------------------------------------

_NUMERIC_DTYPE_CODE = re.compile(r"[<>|=]?(b1|i1|i2|i4|i8|u1|u2|u4|u8|f2|f4|f8|c8|c16|\?|[bBhHiIlLqQefdFD])")


def _dtype_code(code: Any) -> str:
    if isinstance(code, bytes):
        code = code.decode("latin1")
    if not isinstance(code, str) or not _NUMERIC_DTYPE_CODE.fullmatch(code):
        raise UnsafePickleError(
            f"refusing numpy dtype {_describe_value(code)}: only plain numeric dtypes (bool, int, uint, float, "
            "complex) are unpickled; object, string and structured dtypes are refused"
        )
    return code


class _DtypeSpec:
    """A numpy dtype described by a pickle: a numeric type code and, once ``BUILD`` sets it, a byte order."""

    __slots__ = ("code", "byteorder")

    def __init__(self, code: Any) -> None:
        self.code = _dtype_code(code)
        self.byteorder: str | None = None

    def __setstate__(self, state: Any) -> None:
        # numpy writes (version, byteorder, subarray, names, fields, elsize, alignment, flags[, metadata]).
        if self.byteorder is not None:
            raise UnsafePickleError("refusing to set a numpy dtype's state twice; numpy writes it once, when the dtype is made")
        if (
            not isinstance(state, tuple)
            or len(state) not in (8, 9)
            or state[0] not in (3, 4)
            or state[1] not in ("<", ">", "|", "=")
            or any(part is not None for part in state[2:5])
            or (len(state) == 9 and state[8] is not None)
        ):
            raise UnsafePickleError(
                f"refusing numpy dtype state {_describe_value(state)}: expected (3, byte order, None, None, None, "
                "elsize, alignment, flags) of a plain numeric dtype"
            )
        self.byteorder = state[1]

    def resolve(self) -> np.dtype:
        order = "" if self.byteorder in (None, "|", "=") else self.byteorder
        return np.dtype(order + self.code.lstrip("<>|="))


def _as_dtype_spec(dtype: Any) -> _DtypeSpec:
    return dtype if isinstance(dtype, _DtypeSpec) else _DtypeSpec(dtype)


def _shape(shape: Any) -> tuple[int, ...]:
    if isinstance(shape, int) and not isinstance(shape, bool):
        shape = (shape,)
    if (
        not isinstance(shape, tuple)
        or len(shape) > MAX_DIMENSIONS
        or not all(isinstance(size, int) and not isinstance(size, bool) and size >= 0 for size in shape)
    ):
        raise UnsafePickleError(
            f"refusing array shape {_describe_value(shape)}: expected a tuple of at most {MAX_DIMENSIONS} non-negative integers"
        )
    return shape


def _array_bytes(data: Any) -> Any:
    if isinstance(data, (bytes, bytearray, str)):
        return data
    raise UnsafePickleError(
        f"refusing array data of type {type(data).__name__}: expected bytes (a list means an object array, which is refused)"
    )


class _ArraySpec:
    """An array described by a pickle: shape, dtype, memory order and data; only :class:`_Builder` makes it an array."""

    __slots__ = ("shape", "dtype", "order", "axis_order", "data", "state_set")

    def __init__(self, shape: tuple[int, ...], dtype: _DtypeSpec, data: Any = None, order: str = "C", axis_order: Any = None) -> None:
        self.shape, self.dtype, self.data, self.order, self.axis_order = shape, dtype, data, order, axis_order
        self.state_set = False

    def __setstate__(self, state: Any) -> None:
        # numpy writes (version, shape, dtype, is_fortran, data); version-less 4-tuples are older.
        if self.state_set:
            raise UnsafePickleError("refusing to set an array's state twice; numpy writes it once")
        if isinstance(state, tuple) and len(state) == 5 and state[0] == 1:
            state = state[1:]
        if not isinstance(state, tuple) or len(state) != 4 or not isinstance(state[2], (bool, int)):
            raise UnsafePickleError(
                f"refusing array state {_describe_value(state)}: expected (1, shape, dtype, is_fortran, data)"
            )
        shape, dtype, is_fortran, data = state
        self.shape, self.dtype = _shape(shape), _as_dtype_spec(dtype)
        self.order, self.data, self.axis_order, self.state_set = ("F" if is_fortran else "C"), _array_bytes(data), None, True


class _ArrayTypeName:
    """Stands for ``numpy.ndarray``: the type argument of ``_reconstruct``, or called as ``ndarray(shape, dtype, buffer, offset)``."""

    __slots__ = ()

    def __call__(self, shape: Any, dtype: Any = "f8", buffer: Any = None, offset: Any = 0) -> _ArraySpec:
        if buffer is None:
            return _ArraySpec(_shape(shape), _as_dtype_spec(dtype))
        if not isinstance(offset, int) or isinstance(offset, bool) or offset < 0:
            raise UnsafePickleError(f"refusing ndarray buffer offset {_describe_value(offset)}: expected a non-negative integer")
        data = _array_bytes(buffer)
        return _ArraySpec(_shape(shape), _as_dtype_spec(dtype), data[offset:] if offset else data)

    def __setstate__(self, state: Any) -> None:
        raise UnsafePickleError("refusing to change the state of numpy.ndarray")


_ARRAY_TYPE_NAME = _ArrayTypeName()


def _reconstruct(subtype: Any, shape: Any, typecode: Any) -> _ArraySpec:
    # numpy pickles start from an empty placeholder that BUILD then fills with the file's bytes.
    if subtype is not _ARRAY_TYPE_NAME:
        raise UnsafePickleError(f"refusing to reconstruct an array of type {_describe_value(subtype)}; only numpy.ndarray is allowed")
    if math.prod(_shape(shape)) != 0:
        raise UnsafePickleError(f"refusing an array placeholder of shape {_describe_value(shape)}; numpy writes an empty one")
    return _ArraySpec((0,), _DtypeSpec("u1"))


def _frombuffer(buffer: Any, dtype: Any, shape: Any, order: Any, axis_order: Any = None) -> _ArraySpec:
    if order not in ("C", "F", "K"):
        raise UnsafePickleError(f"refusing memory order {_describe_value(order)}: expected 'C', 'F' or 'K'")
    shape = _shape(shape)
    if axis_order is not None and (not isinstance(axis_order, tuple) or sorted(axis_order) != list(range(len(shape)))):
        raise UnsafePickleError(f"refusing axis order {_describe_value(axis_order)}: expected a permutation of {len(shape)} axes")
    return _ArraySpec(shape, _as_dtype_spec(dtype), _array_bytes(buffer), "C" if order == "K" else order, axis_order)


class _ScalarSpec:
    """A numpy scalar described by a pickle: a dtype and its bytes."""

    __slots__ = ("dtype", "data")

    def __init__(self, dtype: Any, data: Any) -> None:
        if not isinstance(dtype, _DtypeSpec):
            raise UnsafePickleError(f"refusing a numpy scalar of dtype {_describe_value(dtype)}")
        self.dtype, self.data = dtype, _array_bytes(data)


def _latin1_encode(text: Any, encoding: Any = "utf-8", errors: Any = "strict") -> bytes:
    # Python 3 writes bytes as _codecs.encode(text, "latin1") under protocol 2.
    if not isinstance(text, str) or not isinstance(encoding, str) or encoding.replace("_", "-").lower() not in {"latin1", "latin-1", "iso-8859-1"}:
        raise UnsafePickleError(f"refusing _codecs.encode with encoding {_describe_value(encoding)}; only latin1 text is allowed")
    if errors != "strict":
        raise UnsafePickleError(f"refusing _codecs.encode with errors={_describe_value(errors)}; expected 'strict'")
    return text.encode("latin1")


def _bytes(*args: Any) -> bytes:
    # bytes() is how protocol 2 writes an empty bytes object; bytes(n) would allocate n bytes.
    if args == () or (len(args) == 1 and isinstance(args[0], (bytes, bytearray))):
        return bytes(*args)
    raise UnsafePickleError(f"refusing builtins.bytes{_describe_value(args)}: only bytes() and bytes(b'...') are allowed")


def _bytearray(*args: Any) -> bytearray:
    if args == () or (len(args) == 1 and isinstance(args[0], (bytes, bytearray))):
        return bytearray(*args)
    if len(args) == 2 and isinstance(args[0], str):
        return bytearray(_latin1_encode(*args))
    raise UnsafePickleError(
        f"refusing builtins.bytearray{_describe_value(args)}: only bytearray(), bytearray(b'...') and bytearray(text, 'latin-1') are allowed"
    )


class _PickleCallable:
    """A global as a pickle sees it: callable through ``REDUCE``, never changed by ``BUILD``."""

    __slots__ = ("qualified_name", "_build")

    def __init__(self, qualified_name: str, build: Callable[..., Any]) -> None:
        self.qualified_name, self._build = qualified_name, build

    def __call__(self, *args: Any) -> Any:
        return self._build(*args)

    def __setstate__(self, state: Any) -> None:
        raise UnsafePickleError(f"refusing to change the state of {self.qualified_name}")


def _callables(builds: dict[tuple[str, str], Callable[..., Any]]) -> dict[tuple[str, str], Any]:
    return {key: _PickleCallable(".".join(key), build) for key, build in builds.items()}


ALLOWED_GLOBALS: dict[tuple[str, str], Any] = {
    **_callables(
        {
            (module, "_reconstruct"): _reconstruct
            for module in ("numpy.core.multiarray", "numpy._core.multiarray")
        }
        | {(module, "scalar"): _ScalarSpec for module in ("numpy.core.multiarray", "numpy._core.multiarray")}
        | {(module, "_frombuffer"): _frombuffer for module in ("numpy.core.numeric", "numpy._core.numeric")}
        | {
            ("numpy", "dtype"): lambda code, align=False, copy=False: _DtypeSpec(code),
            ("_codecs", "encode"): _latin1_encode,
            ("builtins", "bytes"): _bytes,
            ("builtins", "bytearray"): _bytearray,
        }
    ),
    ("numpy", "ndarray"): _ARRAY_TYPE_NAME,
}
"""``(module, name)`` a pickle may reference, mapped to the inert stand-in it gets instead."""

_REFUSED_OPCODES = frozenset(
    {"INST", "OBJ", "NEWOBJ", "NEWOBJ_EX", "PERSID", "BINPERSID", "EXT1", "EXT2", "EXT4",
     "EMPTY_SET", "ADDITEMS", "FROZENSET", "NEXT_BUFFER", "READONLY_BUFFER"}
)


# --- stage 1: the validating pass ------------------------------------------------------------


class _BoundedReader:
    """A file for :func:`pickletools.genops` that refuses any read longer than what is left."""

    def __init__(self, handle: BinaryIO, size: int) -> None:
        self.handle, self.size = handle, size

    def tell(self) -> int:
        return self.handle.tell()

    def read(self, count: int) -> bytes:
        remaining = self.size - self.handle.tell()
        if count > remaining:
            raise SpectrumDataError(
                f"declares {count} bytes at byte {self.handle.tell()} but only {remaining} remain: "
                "the file is truncated or its sizes are forged"
            )
        return self.handle.read(count)

    def readline(self) -> bytes:
        return self.handle.readline()


def _global_name(module: str, name: str) -> tuple[str, str]:
    # Python 2 pickles name builtins "__builtin__"; the unpickler maps it the same way (fix_imports).
    return ("builtins" if module == "__builtin__" else module, name)


def _refuse_global(module: str, name: str) -> UnsafePickleError:
    return UnsafePickleError(
        f"refusing to load global {_describe_value(module + '.' + name)}: only numpy arrays, dtypes "
        f"and plain Python values may be unpickled (allowed: {sorted('.'.join(key) for key in ALLOWED_GLOBALS)})"
    )


def _validate_opcodes(handle: BinaryIO, size: int) -> None:
    """Walk the opcodes without building anything; raise on anything a numpy-array pickle does not need.

    A shadow stack holds each value's tuple nesting depth (0 for non-tuples), enough to bound the
    cost of hashing keys; the memo maps indices to those depths.
    """
    stack: list[int] = []
    marks: list[int] = []
    memo: dict[int, int] = {}
    try:
        for count, (opcode, argument, position) in enumerate(pickletools.genops(_BoundedReader(handle, size))):
            name = opcode.name
            if name in _REFUSED_OPCODES:
                raise UnsafePickleError(f"refusing opcode {name} at byte {position}: numpy-array pickles do not use it")
            if name == "GLOBAL":
                module, _, global_name = argument.partition(" ")
                if _global_name(module, global_name) not in ALLOWED_GLOBALS:
                    raise _refuse_global(module, global_name)
                stack.append(0)
            elif name == "FRAME":
                if argument > size - position:
                    raise SpectrumDataError(f"declares a frame of {argument} bytes at byte {position} but the file ends sooner: it is truncated")
            elif name in ("PUT", "BINPUT", "LONG_BINPUT", "MEMOIZE"):
                index = len(memo) if name == "MEMOIZE" else argument
                # The unpickler sizes its memo table by the largest index: keep it near the opcode count.
                if index > 2 * count + 1024:
                    raise UnsafePickleError(f"refusing memo index {index} at byte {position}: far beyond the {count} opcodes read")
                memo[index] = stack[-1]
            elif name in ("GET", "BINGET", "LONG_BINGET"):
                stack.append(memo[argument])
            elif name == "MARK":
                marks.append(len(stack))
            elif name in ("TUPLE", "LIST", "DICT", "APPENDS", "SETITEMS", "POP_MARK"):
                start = marks.pop()
                items, stack[start:] = stack[start:], []
                if name == "TUPLE":
                    stack.append(1 + max(items, default=0))
                elif name in ("LIST", "DICT"):
                    stack.append(0)
            elif name in ("TUPLE1", "TUPLE2", "TUPLE3"):
                size_of_tuple = int(name[-1])
                if len(stack) < size_of_tuple:
                    raise IndexError("stack underflow")
                items, stack[-size_of_tuple:] = stack[-size_of_tuple:], []
                stack.append(1 + max(items))
            elif name == "EMPTY_TUPLE":
                stack.append(1)
            elif name in ("APPEND", "BUILD", "POP"):
                if name == "POP" and marks and marks[-1] == len(stack):
                    marks.pop()
                else:
                    stack.pop()
            elif name == "SETITEM":
                del stack[-2:]
            elif name in ("REDUCE", "STACK_GLOBAL"):
                del stack[-2:]
                stack.append(0)
            elif name == "DUP":
                stack.append(stack[-1])
            elif name in ("PROTO", "STOP"):
                pass
            else:
                # Every remaining opcode pushes one scalar, string or empty list/dict.
                stack.append(0)
            if stack and stack[-1] > MAX_TUPLE_NESTING:
                raise UnsafePickleError(
                    f"refusing tuples nested {stack[-1]} deep at byte {position}: at most {MAX_TUPLE_NESTING} levels are allowed"
                )
    except (IndexError, KeyError) as error:
        raise SpectrumDataError(f"is corrupt: its opcodes do not form a valid pickle ({type(error).__name__})") from None
    except ValueError as error:
        if isinstance(error, SpectrumDataError):
            raise
        message = str(error)
        if "exhausted" in message or "but only" in message or "no newline" in message:
            raise SpectrumDataError(f"is truncated: it ended before the pickle's STOP opcode ({message[:120]})") from None
        raise SpectrumDataError(f"is corrupt: {message[:160]}") from None


# --- stage 3: building the result ------------------------------------------------------------


class _Builder:
    """Turns an unpickled tree into plain containers and arrays built here, each object once."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.total_bytes = 0
        self.built: dict[int, Any] = {}

    @staticmethod
    def buffer(data: Any) -> Any:
        if not isinstance(data, str):
            return data
        try:
            return data.encode("latin1")
        except UnicodeEncodeError:
            raise SpectrumDataError("holds array data that is not latin1 text (each byte as one character)") from None

    def array(self, spec: _ArraySpec) -> np.ndarray:
        if spec.data is None:
            raise SpectrumDataError(f"declares an array of shape {_describe_value(spec.shape)} but never gives its data")
        dtype = spec.dtype.resolve()
        oversized = [size for size in spec.shape if size > self.max_bytes]
        if oversized:
            raise SpectrumDataError(
                f"declares an array of shape {_describe_value(spec.shape)}: a dimension of {oversized[0]} exceeds max_bytes={self.max_bytes}"
            )
        count = math.prod(spec.shape)
        # Python 2 array bytes arrive as text; keeping only the encoded copy frees the text at once.
        data = spec.data = self.buffer(spec.data)
        if count * dtype.itemsize != len(data):
            raise SpectrumDataError(
                f"declares an array of shape {_describe_value(spec.shape)} and dtype {dtype} ({count * dtype.itemsize} bytes) "
                f"but holds {len(data)} bytes of data"
            )
        self.total_bytes += len(data)
        if self.total_bytes > self.max_bytes:
            raise SpectrumDataError(f"holds arrays of more than max_bytes={self.max_bytes} bytes in total")
        array = np.frombuffer(data, dtype=dtype, count=count)
        if spec.axis_order is not None:
            array = array.reshape(spec.shape).transpose(spec.axis_order)
        else:
            array = array.reshape(spec.shape, order=spec.order)
        array.flags.writeable = False
        return array

    def scalar(self, spec: _ScalarSpec) -> np.generic:
        dtype = spec.dtype.resolve()
        data = self.buffer(spec.data)
        if len(data) != dtype.itemsize:
            raise SpectrumDataError(f"declares a numpy {dtype} scalar but gives {len(data)} bytes for its {dtype.itemsize}")
        return np.frombuffer(data, dtype=dtype, count=1)[0]

    def build(self, value: Any, depth: int = 0) -> Any:
        if value is None or type(value) in (bool, int, float, complex, str, bytes):
            return value
        key = id(value)
        if key in self.built:
            return self.built[key]
        if depth > MAX_NESTING:
            raise SpectrumDataError(f"nests containers more than {MAX_NESTING} levels deep (or holds a container inside itself)")
        if isinstance(value, _ArraySpec):
            result: Any = self.array(value)
        elif isinstance(value, _ScalarSpec):
            result = self.scalar(value)
        elif isinstance(value, _DtypeSpec):
            result = value.resolve()
        elif isinstance(value, bytearray):
            result = bytes(value)
        elif isinstance(value, tuple):
            result = tuple(self.build(item, depth + 1) for item in value)
        elif isinstance(value, list):
            result = [self.build(item, depth + 1) for item in value]
        elif isinstance(value, dict):
            result = {}
            for item_key, item in value.items():
                built_key = self.build(item_key, depth + 1)
                if isinstance(built_key, np.ndarray) or (isinstance(built_key, tuple) and _holds_array(built_key)):
                    raise SpectrumDataError("uses an array as a dict key")
                result[built_key] = self.build(item, depth + 1)
        else:
            raise UnsafePickleError(f"refusing to return {_describe_value(value)}: only plain values and arrays built here are returned")
        self.built[key] = result
        return result


def _holds_array(key: tuple) -> bool:
    return any(isinstance(item, np.ndarray) or (isinstance(item, tuple) and _holds_array(item)) for item in key)


# --- stage 2 and the public entry points -----------------------------------------------------


class RestrictedUnpickler(pickle.Unpickler):
    """Unpickler that returns only plain Python values and numpy arrays and scalars it built itself.

    :meth:`load` validates the whole pickle first, so ``file`` must be seekable.

    Args:
        file: binary file object positioned at the pickle.
        encoding: how Python 2 ``str`` objects are decoded; ``"latin1"`` keeps array bytes intact.
        max_bytes: cap in bytes on the pickle and on the arrays it holds in total.
        name: how error messages name the pickle, e.g. ``"pickle file 'data.pkl'"``.
    """

    def __init__(
        self, file: BinaryIO, *, encoding: str = "latin1", max_bytes: int = DEFAULT_MAX_BYTES, name: str = "the pickle"
    ) -> None:
        super().__init__(file, encoding=encoding)
        self._file = file
        self.max_bytes = check_max_bytes(max_bytes)
        self.name = name

    def find_class(self, module: str, name: str) -> Any:
        try:
            return ALLOWED_GLOBALS[_global_name(module, name)]
        except (KeyError, TypeError):
            raise _refuse_global(str(module), str(name)) from None

    def load(self) -> Any:
        """Validate, unpickle and build the result (see the module docstring).

        Raises:
            UnsafePickleError: a global, opcode or argument outside what numpy-array pickles use.
            SpectrumDataError: a pickle larger than ``max_bytes``, truncated, declaring sizes its
                bytes do not hold, or otherwise invalid; the message starts with ``name``.
        """
        try:
            return self._load()
        except UnsafePickleError as error:
            raise UnsafePickleError(f"{self.name}: {error}") from None
        except SpectrumDataError as error:
            raise SpectrumDataError(f"{self.name} {error}") from None
        except EOFError:
            raise SpectrumDataError(f"{self.name} is truncated: it ended before the pickle's STOP opcode") from None
        except (pickle.UnpicklingError, ValueError, TypeError, AttributeError, IndexError, KeyError, OverflowError, MemoryError) as error:
            raise SpectrumDataError(f"{self.name} is corrupt: {type(error).__name__}: {str(error)[:160]}") from None

    def _load(self) -> Any:
        start = self._file.tell()
        size = self._file.seek(0, io.SEEK_END) - start
        if size > self.max_bytes:
            raise SpectrumDataError(f"is {size} bytes, more than max_bytes={self.max_bytes}")
        self._file.seek(start)
        _validate_opcodes(self._file, start + size)
        self._file.seek(start)
        unpickled = super().load()
        # The memo still holds every string read; the result alone should keep them alive.
        self.memo.clear()
        return _Builder(self.max_bytes).build(unpickled)


def load_pickle(path: str | os.PathLike[str], *, max_bytes: int = DEFAULT_MAX_BYTES) -> Any:
    """Load ``path`` with :class:`RestrictedUnpickler` (``latin1`` for Python 2 pickles).

    Args:
        path: the pickle file.
        max_bytes: cap in bytes on the file and on the arrays it holds in total.

    Returns:
        Plain dicts, lists, tuples, strings, numbers and bytes, and read-only numpy arrays and scalars.

    Raises:
        UnsafePickleError: the file references a global or opcode outside what numpy-array pickles
            need, or gives an allowed one arguments it never writes.
        SpectrumDataError: the file is missing, larger than ``max_bytes``, truncated, declares
            sizes its bytes do not hold, or is not a valid pickle.
    """
    max_bytes = check_max_bytes(max_bytes)
    name = repr(os.fspath(path))
    try:
        handle = open(path, "rb")
    except OSError as error:
        raise SpectrumDataError(f"cannot read pickle file {name}: {error}") from error
    with handle:
        return RestrictedUnpickler(handle, max_bytes=max_bytes, name=f"pickle file {name}").load()
