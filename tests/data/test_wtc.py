"""Specification of the wireless-technology-classification generator."""

import numpy as np
import pytest

from spectrumfm_hf.data.base import GENERATION_PARAMETERS, SpectrumDataError
from spectrumfm_hf.data.tasks.wtc import DEFAULT_SNR_GRID_DB, WTCGenerator
from spectrumfm_hf.data.transmitters.technologies import TECHNOLOGY_TRANSMITTERS, LTETransmitter


def test_class_names_are_the_seven_technologies_in_label_order():
    generator = WTCGenerator(num_samples=128)
    assert generator.class_names == ["LTE", "NR", "WiFi", "DVB-T", "Bluetooth", "LoRa", "ZigBee"]
    assert generator.name == "wtc"


def test_each_example_carries_the_technology_its_label_names():
    generator = WTCGenerator(num_samples=128)
    batch = generator.generate(0, range(21))
    assert list(batch["label"]) == [index % 7 for index in range(21)]
    assert list(batch["transmitter"]) == [generator.class_names[label] for label in batch["label"]]


def test_snr_cycles_over_the_grid_and_every_block_holds_each_technology_snr_pair_once():
    generator = WTCGenerator(num_samples=32, snr_db_grid=(-10.0, 0.0, 10.0))
    batch = generator.generate(1, range(21))
    pairs = set(zip(batch["label"].tolist(), batch["snr_db"].tolist()))
    assert pairs == {(label, snr) for label in range(7) for snr in (-10.0, 0.0, 10.0)}
    assert WTCGenerator(num_samples=32).snr_db_grid == DEFAULT_SNR_GRID_DB


def test_examples_pass_the_impairment_chain_and_are_scaled_to_unit_power():
    batch = WTCGenerator(num_samples=128).generate(0, range(14))
    assert set(batch["fading"]) <= {"none", "rayleigh", "rician"}
    assert np.all(np.isfinite(batch["cfo"]))
    power = np.mean(np.sum(batch["iq"].astype(np.float64) ** 2, axis=-1), axis=-1)
    np.testing.assert_allclose(power, 1.0, rtol=1e-4)


def test_records_have_the_schema_and_the_source():
    record = WTCGenerator(num_samples=128)(0, 3)
    assert record["iq"].shape == (128, 2) and record["iq"].dtype == np.float32
    assert set(GENERATION_PARAMETERS) <= set(record)
    assert record["source"] == "synthetic/wtc" and record["seed"] == 0 and record["index"] == 3
    assert record["configuration"].startswith("channel_bandwidth_mhz=")


def test_a_technology_can_be_given_its_own_configuration():
    generator = WTCGenerator(
        num_samples=64,
        technologies=["LTE", "WiFi"],
        transmitters={"LTE": LTETransmitter(channel_bandwidths_mhz=(5.0,))},
    )
    batch = generator.generate(0, range(0, 10, 2))
    assert all(config.startswith("channel_bandwidth_mhz=5.0") for config in batch["configuration"])


def test_unknown_technology_is_rejected_naming_the_argument():
    with pytest.raises(SpectrumDataError, match="technologies"):
        WTCGenerator(technologies=["LTE", "GSM"])
    assert set(TECHNOLOGY_TRANSMITTERS) == set(WTCGenerator(num_samples=8).class_names)
