"""Class names of the public RadioML data sets, in the order their labels are numbered.

Defined once, in :mod:`spectrumfm_hf.data.labels`, for the readers and the synthetic
transmitters alike. For RML2018.01A that is the corrected order of the one-hot ``Y`` columns:
the ``classes.txt`` shipped with the data set lists the names in an order that does not match ``Y``.
"""

from __future__ import annotations

from ..labels import RML2016_10A_CLASSES, RML2016_10B_CLASSES, RML2018_01A_CLASSES

__all__ = ["RML2016_10A_CLASSES", "RML2016_10B_CLASSES", "RML2018_01A_CLASSES"]
