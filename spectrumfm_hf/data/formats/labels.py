"""Class names of the public RadioML data sets, in the order their labels are numbered.

RML2016.10a and RML2018.01A share their class lists with the synthetic AMC transmitters, so they
are defined once, in :mod:`spectrumfm_hf.data.modulators`. For RML2018.01A that is the corrected
order of the one-hot ``Y`` columns: the ``classes.txt`` shipped with the data set lists the names
in an order that does not match ``Y``.
"""

from __future__ import annotations

from ..modulators import RML2016_10A_CLASSES, RML2018_01A_CLASSES

# RML2016.10b dropped AM-SSB (its 10a examples were mostly carrier-free noise) and kept the
# alphabetical numbering of the remaining ten.
RML2016_10B_CLASSES: tuple[str, ...] = tuple(name for name in RML2016_10A_CLASSES if name != "AM-SSB")

__all__ = ["RML2016_10A_CLASSES", "RML2016_10B_CLASSES", "RML2018_01A_CLASSES"]
