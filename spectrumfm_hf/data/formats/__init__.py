"""Readers for the public IQ data formats, all yielding records in the generators' schema.

Each reader checks a file's layout when it is opened, then reads samples lazily in batches:
:class:`RML2016Reader` (RadioML 2016 pickles, through a restricted unpickler),
:class:`RML2018Reader` (RadioML 2018.01A HDF5), :class:`SigMFReader` (annotated SigMF recordings)
and :class:`RawIQReader` (raw interleaved binary and ``.npy``). :func:`write_sigmf` stores records
as SigMF. Files that are truncated, corrupt or mislabelled raise
:class:`~spectrumfm_hf.data.base.SpectrumDataError` naming the file and the problem.
"""

from .labels import RML2016_10A_CLASSES, RML2016_10B_CLASSES, RML2018_01A_CLASSES
from .raw import COMPLEX_DATATYPES, RawIQReader
from .reader import RecordReader, make_batch, records_from_batch
from .rml2016 import RML2016Reader
from .rml2018 import RML2018Reader
from .safe_pickle import ALLOWED_GLOBALS, RestrictedUnpickler, UnsafePickleError, load_pickle
from .sigmf_io import SigMFReader, write_sigmf

__all__ = [
    "ALLOWED_GLOBALS",
    "COMPLEX_DATATYPES",
    "RML2016_10A_CLASSES",
    "RML2016_10B_CLASSES",
    "RML2018_01A_CLASSES",
    "RML2016Reader",
    "RML2018Reader",
    "RawIQReader",
    "RecordReader",
    "RestrictedUnpickler",
    "SigMFReader",
    "UnsafePickleError",
    "load_pickle",
    "make_batch",
    "records_from_batch",
    "write_sigmf",
]
