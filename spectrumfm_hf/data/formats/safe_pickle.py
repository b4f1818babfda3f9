"""Unpickling of numpy-array pickles that cannot run code.

``pickle.load`` calls whatever callable a file names, so a downloaded RadioML pickle could run
anything. :class:`RestrictedUnpickler` resolves only the few globals a pickle of numpy arrays
references; dicts, tuples, lists, str, bytes, int, float, bool and None need no global at all.

What an RML2016 pickle references (written by Python 2 ``cPickle`` with protocol 2):

* ``numpy.core.multiarray._reconstruct`` with ``numpy.ndarray`` and ``numpy.dtype`` to rebuild
  each array; the raw array bytes are a Python 2 ``str``, read back as text with the
  ``latin1`` encoding so that every byte maps to one code point;
* the same pickle re-saved by Python 3 names ``numpy._core.multiarray._reconstruct`` (numpy 2)
  and wraps bytes in ``_codecs.encode(text, "latin1")``, because protocol 2 has no bytes opcode;
* ``numpy.core.multiarray.scalar`` appears when a key or value is a numpy scalar.

Each of these is replaced by a guarded version: no object dtypes (which could smuggle arbitrary
objects into an array), no large empty allocations, and only the latin1 codec.
"""

from __future__ import annotations

import math
import os
import pickle
from typing import Any, BinaryIO

import numpy as np
from numpy._core import multiarray as _multiarray

from ..base import SpectrumDataError


class UnsafePickleError(SpectrumDataError):
    """A pickle asked for a global outside the allow-list (it could run arbitrary code)."""


def _checked_dtype(spec: Any, align: bool = False, copy: bool = False) -> np.dtype:
    dtype = np.dtype(spec, align=align, copy=copy)
    if dtype.hasobject:
        raise UnsafePickleError(f"refusing to build numpy dtype {dtype!r}: object dtypes can hold arbitrary objects")
    return dtype


class _ArrayTypeName:
    """Stands for ``numpy.ndarray`` in a pickle: the type argument of ``_reconstruct``, never called.

    Calling the real class would let a pickle allocate arrays of any size, or view a buffer with
    arbitrary strides.
    """

    def __call__(self, *args: Any, **kwargs: Any) -> None:
        raise UnsafePickleError("numpy.ndarray may only appear as the type passed to _reconstruct, not be called")


_ARRAY_TYPE_NAME = _ArrayTypeName()


def _checked_reconstruct(subtype: Any, shape: Any, dtype_code: Any) -> np.ndarray:
    # numpy pickles always start from an empty placeholder that __setstate__ then fills with
    # data read from the file, so anything bigger is an attempt to allocate memory for free.
    if subtype is not _ARRAY_TYPE_NAME:
        raise UnsafePickleError(f"refusing to reconstruct an array of type {subtype!r}; only numpy.ndarray is allowed")
    if not isinstance(shape, tuple) or not all(isinstance(size, int) for size in shape) or math.prod(shape) != 0:
        raise UnsafePickleError(f"refusing to reconstruct an array placeholder of shape {shape!r}; expected an empty one")
    return _multiarray._reconstruct(np.ndarray, shape, _checked_dtype(dtype_code))


def _checked_scalar(dtype: Any, data: Any = None) -> Any:
    if not isinstance(dtype, np.dtype) or dtype.hasobject:
        raise UnsafePickleError(f"refusing to build a numpy scalar of dtype {dtype!r}")
    return _multiarray.scalar(dtype, data)


def _latin1_encode(text: Any, encoding: str = "utf-8", errors: str = "strict") -> bytes:
    if not isinstance(text, str) or encoding.replace("_", "-").lower() not in {"latin1", "latin-1", "iso-8859-1"}:
        raise UnsafePickleError(f"refusing _codecs.encode with encoding {encoding!r}; only latin1 text is allowed")
    return text.encode("latin1", errors)


ALLOWED_GLOBALS: dict[tuple[str, str], Any] = {
    ("numpy.core.multiarray", "_reconstruct"): _checked_reconstruct,
    ("numpy._core.multiarray", "_reconstruct"): _checked_reconstruct,
    ("numpy.core.multiarray", "scalar"): _checked_scalar,
    ("numpy._core.multiarray", "scalar"): _checked_scalar,
    ("numpy", "ndarray"): _ARRAY_TYPE_NAME,
    ("numpy", "dtype"): _checked_dtype,
    ("_codecs", "encode"): _latin1_encode,
}
"""``(module, name)`` a pickle may reference, mapped to what it gets instead."""


class RestrictedUnpickler(pickle.Unpickler):
    """Unpickler that builds only numpy arrays, dtypes, scalars and plain Python containers.

    Args:
        file: binary file object positioned at the pickle.
        encoding: how Python 2 ``str`` objects are decoded; ``"latin1"`` keeps array bytes intact.
    """

    def __init__(self, file: BinaryIO, *, encoding: str = "latin1") -> None:
        super().__init__(file, encoding=encoding)

    def find_class(self, module: str, name: str) -> Any:
        try:
            return ALLOWED_GLOBALS[(module, name)]
        except KeyError:
            raise UnsafePickleError(
                f"refusing to load global {module}.{name}: only numpy arrays, dtypes and plain Python "
                f"values may be unpickled (allowed: {sorted('.'.join(key) for key in ALLOWED_GLOBALS)})"
            ) from None


def load_pickle(path: str | os.PathLike[str]) -> Any:
    """Unpickle ``path`` with :class:`RestrictedUnpickler` (``latin1`` for Python 2 pickles).

    Args:
        path: the pickle file.

    Raises:
        UnsafePickleError: the file references a global outside :data:`ALLOWED_GLOBALS`.
        SpectrumDataError: the file is missing, truncated or not a valid pickle.
    """
    try:
        handle = open(path, "rb")
    except OSError as error:
        raise SpectrumDataError(f"cannot read pickle file {os.fspath(path)!r}: {error}") from error
    try:
        with handle:
            return RestrictedUnpickler(handle).load()
    except UnsafePickleError as error:
        raise UnsafePickleError(f"{os.fspath(path)!r}: {error}") from None
    except EOFError as error:
        raise SpectrumDataError(
            f"pickle file {os.fspath(path)!r} is truncated: it ended before the pickle's STOP opcode"
        ) from error
    except (pickle.UnpicklingError, ValueError, TypeError, AttributeError, IndexError, KeyError) as error:
        raise SpectrumDataError(f"pickle file {os.fspath(path)!r} is corrupt: {type(error).__name__}: {error}") from error
