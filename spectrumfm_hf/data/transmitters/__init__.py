"""Transmitters: what is sent, as unit-power complex baseband, knowing nothing of the channel.

* :mod:`.modulations`: the RML digital and analog modulations, rendered in batches from
  per-example uniform numbers.
* :mod:`.technologies`: LTE, 5G NR, Wi-Fi, DVB-T, Bluetooth, LoRa and ZigBee-like signals.
* :mod:`.interferers`: swept tones for anomaly detection.
* :mod:`.constellations`: the linear modulations' constellations.
"""

from .constellations import constellation, square_qam
from .interferers import sweeping_tones
from .modulations import (
    TRANSMITTER_NAMES,
    AnalogModulator,
    FrequencyShiftKeying,
    LinearModulator,
    Modulator,
    TransmitterRanges,
    compatible_groups,
    make_transmitter,
    render_together,
)
from .technologies import COMMON_SAMPLE_RATE_HZ, TECHNOLOGY_TRANSMITTERS

__all__ = [
    "AnalogModulator",
    "COMMON_SAMPLE_RATE_HZ",
    "FrequencyShiftKeying",
    "LinearModulator",
    "Modulator",
    "TECHNOLOGY_TRANSMITTERS",
    "TRANSMITTER_NAMES",
    "TransmitterRanges",
    "compatible_groups",
    "constellation",
    "make_transmitter",
    "render_together",
    "square_qam",
    "sweeping_tones",
]
