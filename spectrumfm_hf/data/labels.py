"""Class names of every data set, in the order their labels are numbered.

The public RadioML data sets and the synthetic generators share their class lists, so both the
file readers and the transmitters take them from here.
"""

from __future__ import annotations

RML2016_10A_CLASSES: tuple[str, ...] = (
    "8PSK", "AM-DSB", "AM-SSB", "BPSK", "CPFSK", "GFSK", "PAM4", "QAM16", "QAM64", "QPSK", "WBFM",
)
"""Label order of RML2016.10a (alphabetical, as the keys of the published pickle sort)."""

# RML2016.10b dropped AM-SSB (its 10a examples were mostly carrier-free noise) and kept the
# alphabetical numbering of the remaining ten.
RML2016_10B_CLASSES: tuple[str, ...] = tuple(name for name in RML2016_10A_CLASSES if name != "AM-SSB")
"""Label order of RML2016.10b."""

RML2018_01A_CLASSES: tuple[str, ...] = (
    "OOK", "4ASK", "8ASK", "BPSK", "QPSK", "8PSK", "16PSK", "32PSK",
    "16APSK", "32APSK", "64APSK", "128APSK",
    "16QAM", "32QAM", "64QAM", "128QAM", "256QAM",
    "AM-SSB-WC", "AM-SSB-SC", "AM-DSB-WC", "AM-DSB-SC", "FM", "GMSK", "OQPSK",
)
"""Label order of RML2018.01A, i.e. the column order of its one-hot ``Y``.

The ``classes.txt`` distributed with the data set lists the names in a different order that
does not match the one-hot columns; this is the order established by the community by
inspecting the frames (constellations and spectra) of each column, and it is the one to use
when reading the HDF5 file.
"""

TECHNOLOGY_CLASSES: tuple[str, ...] = ("LTE", "NR", "WiFi", "DVB-T", "Bluetooth", "LoRa", "ZigBee")
"""Label order of wireless technology classification."""

SS_CLASS_NAMES: list[str] = ["vacant", "occupied"]
"""Label names of spectrum sensing, in label order."""

AD_CLASS_NAMES: list[str] = ["normal", "single_tone", "multi_tone", "aliased_10mhz", "aliased_30mhz"]
"""Label names of anomaly detection, in label order; label 0 is the normal (interference-free) class."""
