"""Specifications of the SNR conventions, the AMC presets and the recipe-following transmitter ranges."""

import math

import numpy as np
import pytest

from spectrumfm_hf.data.base import SpectrumDataError
from spectrumfm_hf.data.impairments import AdditiveNoise, CarrierOffset, ImpairmentChain
from spectrumfm_hf.data.labels import RML2016_10A_CLASSES
from spectrumfm_hf.data.tasks.amc import AMC_PRESETS, ANALOG_CLASSES, AMCGenerator
from spectrumfm_hf.data.transmitters import TransmitterRanges, make_transmitter

OCCUPIED_BANDWIDTH = 0.2


def _band_limited_signal(batch=64, num_samples=4096, seed=0):
    """QPSK with RRC pulses at 5 samples per symbol and roll-off 0: exactly 0.2 of the band."""
    ranges = TransmitterRanges(samples_per_symbol=(5.0, 5.0), pulse_shape_weights=(1.0, 0.0, 0.0), rolloff=(0.0, 0.0))
    transmitter = make_transmitter("QPSK", ranges)
    uniforms = np.random.default_rng(seed).random((batch, transmitter.num_uniforms(num_samples)))
    return transmitter.render(uniforms, num_samples)[0]


def _noise_of(convention, snr_db):
    signal = _band_limited_signal()
    batch, num_samples = signal.shape
    stage = AdditiveNoise(snr_convention=convention)
    rng = np.random.default_rng(1)
    columns = {"snr_db": np.full(batch, snr_db), "bandwidth": np.full(batch, OCCUPIED_BANDWIDTH)}
    noisy = stage.apply(signal, rng.random((batch, 1)), rng.standard_normal((batch, 2 * num_samples)), columns)
    return signal, noisy - signal, columns


@pytest.mark.parametrize("snr_db", [0.0, 10.0])
def test_per_sample_convention_gives_the_snr_over_the_whole_band(snr_db):
    signal, noise, columns = _noise_of("per-sample", snr_db)
    measured_db = 10 * np.log10(np.mean(np.abs(signal) ** 2) / np.mean(np.abs(noise) ** 2))
    assert abs(measured_db - snr_db) < 0.5
    assert set(columns["snr_convention"].tolist()) == {"per-sample"}


@pytest.mark.parametrize("snr_db", [0.0, 10.0])
def test_in_band_convention_gives_the_snr_inside_the_occupied_band(snr_db):
    signal, noise, columns = _noise_of("in-band", snr_db)
    spectrum = np.abs(np.fft.fft(noise, axis=-1)) ** 2
    in_band = np.abs(np.fft.fftfreq(noise.shape[1])) <= OCCUPIED_BANDWIDTH / 2
    noise_in_band = np.sum(spectrum[:, in_band]) / np.sum(spectrum) * np.mean(np.abs(noise) ** 2)
    measured_db = 10 * np.log10(np.mean(np.abs(signal) ** 2) / noise_in_band)
    assert abs(measured_db - snr_db) < 0.5
    assert set(columns["snr_convention"].tolist()) == {"in-band"}


def test_an_unknown_snr_convention_is_rejected_where_it_is_given():
    with pytest.raises(SpectrumDataError, match="snr_convention must be one of"):
        AdditiveNoise(snr_convention="per-symbol")
    with pytest.raises(SpectrumDataError, match="snr_convention must be one of"):
        AMCGenerator(snr_convention="Eb/N0")


@pytest.mark.parametrize(
    "preset, conventions",
    [
        ("broad", {"per-sample", "in-band"}),
        ("rml2016.10a-recipe", {"per-sample"}),
        ("clean", {"per-sample"}),
        ("torchsig", {"in-band"}),
    ],
)
def test_every_record_states_its_presets_snr_convention(preset, conventions):
    batch = AMCGenerator(preset=preset, num_samples=64).generate(0, range(110))
    assert set(batch["snr_convention"].tolist()) == conventions


def test_snr_convention_argument_overrides_the_presets():
    generator = AMCGenerator(preset="torchsig", num_samples=64, snr_convention="per-sample")
    assert generator.snr_convention == "per-sample"
    assert set(generator.generate(0, range(11))["snr_convention"].tolist()) == {"per-sample"}


def test_snr_convention_argument_overrides_every_part_of_a_mixture():
    generator = AMCGenerator(num_samples=64, snr_convention="in-band")
    assert generator.snr_convention == "in-band"
    assert {component.snr_convention for component in generator.components} == {"in-band"}
    assert set(generator.generate(0, range(110))["snr_convention"].tolist()) == {"in-band"}


def test_default_generator_is_the_broad_preset():
    generator = AMCGenerator()
    assert generator.preset == "broad" and generator.name == "amc-rml2016.10a"
    assert generator.transmitter_ranges == AMC_PRESETS["broad"].transmitter_ranges
    assert generator.snr_convention == "mixed"
    assert AMCGenerator(preset="rml2016.10a-recipe").name == "amc-rml2016.10a-recipe"


def test_broad_mixture_weights_are_as_documented():
    parts = [(c.preset, c.probability, c.snr_convention) for c in AMCGenerator(num_samples=64).components]
    assert parts == [
        ("broad", pytest.approx(0.1), "per-sample"),
        ("rml2016.10a-recipe", 0.5, "per-sample"),
        ("torchsig", 0.35, "in-band"),
        ("broad", 0.05, "in-band"),
    ]


def test_broad_examples_come_from_each_part_with_its_probability():
    batch = AMCGenerator(num_samples=64).generate(0, range(2200))
    # Only the wide part has a power amplifier; the recipes differ in their SNR convention.
    wide = np.isfinite(batch["pa_input_backoff_db"])
    in_band = batch["snr_convention"] == "in-band"
    shares = {
        "wide per-sample": np.mean(wide & ~in_band),
        "rml2016.10a-recipe": np.mean(~wide & ~in_band),
        "torchsig": np.mean(~wide & in_band),
        "wide in-band": np.mean(wide & in_band),
    }
    expected = {"wide per-sample": 0.1, "rml2016.10a-recipe": 0.5, "torchsig": 0.35, "wide in-band": 0.05}
    assert shares == pytest.approx(expected, abs=0.03)
    recipe_linear = ~wide & ~in_band & (batch["pulse_shape"] == "rrc")
    assert np.all(batch["samples_per_symbol"][recipe_linear] == 8.0) and np.all(batch["rolloff"][recipe_linear] == 0.35)


def test_a_mixture_example_is_the_same_alone_and_in_any_batch():
    generator = AMCGenerator(num_samples=64)
    batch = generator.generate(3, range(40, 140))
    np.testing.assert_array_equal(generator.generate(3, range(90, 100))["iq"], batch["iq"][50:60])
    record = generator(3, 97)
    np.testing.assert_array_equal(record["iq"], batch["iq"][57])
    assert record["snr_convention"] == batch["snr_convention"][57]


def test_given_impairments_replace_the_whole_mixture():
    chain = ImpairmentChain([AdditiveNoise(snr_convention="per-sample")])
    generator = AMCGenerator(num_samples=64, impairments=chain)
    assert [(c.preset, c.probability) for c in generator.components] == [("broad", 1.0)]
    batch = generator.generate(0, range(110))
    assert set(batch["snr_convention"].tolist()) == {"per-sample"} and set(batch["fading"].tolist()) == {""}


def test_mixture_parts_name_presets_and_leave_mass_for_the_own_part():
    for name, preset in AMC_PRESETS.items():
        assert all(part.preset in AMC_PRESETS for part in preset.mixture), name
        assert 0.0 <= preset.own_probability <= 1.0, name


def test_an_unknown_preset_is_rejected():
    with pytest.raises(SpectrumDataError, match="preset must be one of"):
        AMCGenerator(preset="rml2018")


# The ranges the dataset card documents for each preset.
DOCUMENTED_RANGES = {
    "rml2016.10a-recipe": {
        "samples_per_symbol": (8.0, 8.0),
        "rolloff": (0.35, 0.35),
        "fsk_modulation_index": (0.5, 0.5),
        "gfsk_modulation_index": (0.8 / math.pi, 0.8 / math.pi),
        "gfsk_bt": (0.35, 0.35),
        "am_modulation_depth": (0.05, 1.0),
        "audio_bandwidth": (0.002, 0.02),
        "wbfm_deviation": (0.002, 0.1),
        "suppressed_carrier_probability": 0.0,
        "noise_message_probability": 0.0,
    },
    "torchsig": {
        "samples_per_symbol": (10.0, 20.0),
        "rolloff": (0.1, 0.5),
        "fsk_modulation_index": (0.7, 1.0),
        "gfsk_modulation_index": (0.1, 0.5),
        "gfsk_bt": (0.2, 0.5),
        "am_modulation_depth": (0.8, 4.0),
        "audio_bandwidth": (0.0025, 0.05),
        "wbfm_deviation": (0.0125, 0.045),
        "suppressed_carrier_probability": 0.5,
        "noise_message_probability": 1.0,
    },
    "broad": {
        "samples_per_symbol": (4.0, 20.0),
        "rolloff": (0.1, 0.6),
        "fsk_modulation_index": (0.5, 1.0),
        "gfsk_modulation_index": (0.1, 0.5),
        "gfsk_bt": (0.2, 0.5),
        "am_modulation_depth": (0.05, 4.0),
        "audio_bandwidth": (0.002, 0.1),
        "wbfm_deviation": (0.002, 0.2),
        "suppressed_carrier_probability": 0.4,
        "noise_message_probability": 0.5,
    },
}


@pytest.mark.parametrize("preset", sorted(DOCUMENTED_RANGES))
def test_each_presets_transmitter_ranges_are_as_documented(preset):
    ranges = AMC_PRESETS[preset].transmitter_ranges
    for name, expected in DOCUMENTED_RANGES[preset].items():
        assert getattr(ranges, name) == pytest.approx(expected), name


def test_recipe_preset_follows_the_rml2016_channel():
    stages = {type(stage).__name__: stage for stage in AMC_PRESETS["rml2016.10a-recipe"].impairments.transforms}
    assert list(stages) == ["MultipathFading", "TimingOffset", "CarrierOffset", "AdditiveNoise"]
    assert stages["MultipathFading"].fading_weights == (0.0, 0.0, 1.0)
    assert stages["MultipathFading"].k_factor_db == pytest.approx((6.02, 6.02), abs=0.01)
    assert stages["CarrierOffset"].cfo == pytest.approx((-0.0025, 0.0025))
    assert stages["TimingOffset"].sample_rate_offset_ppm == (-250.0, 250.0)


@pytest.mark.parametrize("name", sorted(DOCUMENTED_RANGES["broad"]))
def test_broad_ranges_contain_both_recipes(name):
    broad = getattr(AMC_PRESETS["broad"].transmitter_ranges, name)
    for preset in ("rml2016.10a-recipe", "torchsig"):
        other = getattr(AMC_PRESETS[preset].transmitter_ranges, name)
        if isinstance(broad, tuple):
            assert broad[0] <= other[0] and other[1] <= broad[1], (preset, broad, other)
        else:
            # A probability: whatever a recipe can draw (the event when it is above 0, its
            # complement when it is below 1), the broad preset can draw too.
            assert (other == 0.0 or broad > 0.0) and (other == 1.0 or broad < 1.0), (preset, broad, other)


@pytest.mark.parametrize("preset", sorted(AMC_PRESETS))
def test_every_preset_draws_a_random_carrier_phase(preset):
    phases = [stage.phase_offset_rad for stage in AMC_PRESETS[preset].impairments.transforms if isinstance(stage, CarrierOffset)]
    assert phases == [(-math.pi, math.pi)]
    # BPSK at high SNR lies on one axis; its angle must spread over the circle, not sit on the real axis.
    bpsk = RML2016_10A_CLASSES.index("BPSK")
    generator = AMCGenerator(preset=preset, snr_db_grid=[30.0])
    batch = generator.generate(0, [bpsk + 11 * block for block in range(64)])
    iq = batch["iq"][..., 0].astype(np.float64) + 1j * batch["iq"][..., 1]
    axis = np.angle(np.mean(iq**2, axis=-1))  # twice the principal axis angle
    assert abs(np.mean(np.exp(1j * axis))) < 0.35


def test_carrier_locked_classes_draw_the_residual_offset_without_drift():
    stage = CarrierOffset(cfo=(0.01, 0.02), carrier_locked_modulations=ANALOG_CLASSES, carrier_locked_cfo=(-0.001, 0.001))
    modulation = np.array(["WBFM", "QPSK", "AM-DSB", "BPSK"], dtype=object)
    columns = {"transmitter": modulation}
    rng = np.random.default_rng(0)
    stage.apply(np.ones((4, 16), complex), rng.random((4, 3)), np.zeros((4, 0)), columns)
    locked = np.isin(modulation, ANALOG_CLASSES)
    assert np.all(np.abs(columns["cfo"][locked]) <= 0.001) and np.all(columns["cfo_drift"][locked] == 0)
    assert np.all(columns["cfo"][~locked] >= 0.01)


def test_carrier_locked_modulations_must_be_class_names():
    with pytest.raises(SpectrumDataError, match="carrier_locked_modulations must be a sequence of class names"):
        CarrierOffset(carrier_locked_modulations="WBFM")


def test_gfsk_and_cpfsk_draw_from_their_own_index_ranges():
    ranges = TransmitterRanges(fsk_modulation_index=(0.7, 1.0), gfsk_modulation_index=(0.1, 0.3), gfsk_bt=(0.4, 0.5))
    uniforms_rng = np.random.default_rng(0)
    for name, index_range, bt_range in (("GFSK", (0.1, 0.3), (0.4, 0.5)), ("CPFSK", (0.7, 1.0), None)):
        transmitter = make_transmitter(name, ranges)
        _, columns = transmitter.render(uniforms_rng.random((200, transmitter.num_uniforms(64))), 64)
        assert index_range[0] <= columns["modulation_index"].min() and columns["modulation_index"].max() <= index_range[1]
        if bt_range is not None:
            assert bt_range[0] <= columns["bt_product"].min() and columns["bt_product"].max() <= bt_range[1]


def test_log_uniform_ranges_put_equal_mass_per_octave():
    ranges = TransmitterRanges(audio_bandwidth=(0.001, 0.1), log_uniform=("audio_bandwidth",))
    drawn = ranges.draw("audio_bandwidth", np.random.default_rng(0).random(20000))
    assert np.median(drawn) == pytest.approx(0.01, rel=0.05)  # the geometric mean


def test_log_uniform_must_name_a_positive_range():
    with pytest.raises(SpectrumDataError, match="log_uniform must name ranges"):
        TransmitterRanges(rolloff=(0.0, 0.5), log_uniform=("rolloff",))


def test_noise_like_messages_have_no_harmonic_structure_and_stay_unit_power():
    ranges = TransmitterRanges(noise_message_probability=1.0, am_modulation_depth=(1.0, 1.0))
    transmitter = make_transmitter("AM-DSB-SC", ranges)
    uniforms = np.random.default_rng(0).random((32, transmitter.num_uniforms(256)))
    iq, _ = transmitter.render(uniforms, 256)
    assert transmitter.num_uniforms(256) == make_transmitter("AM-DSB-SC").num_uniforms(256) + 1
    np.testing.assert_allclose(np.mean(np.abs(iq) ** 2, axis=-1), 1.0, rtol=1e-9)


def test_broad_carrier_locked_offset_contains_both_recipes_analog_offsets():
    offsets = {
        preset: next(stage for stage in AMC_PRESETS[preset].impairments.transforms if isinstance(stage, CarrierOffset))
        for preset in ("broad", "rml2016.10a-recipe", "torchsig")
    }
    assert offsets["broad"].carrier_locked_modulations == ANALOG_CLASSES
    low, high = offsets["broad"].carrier_locked_cfo
    for preset in ("rml2016.10a-recipe", "torchsig"):
        assert low <= offsets[preset].cfo[0] and offsets[preset].cfo[1] <= high


def test_clean_preset_has_only_phase_and_noise():
    chain = AMC_PRESETS["clean"].impairments
    assert isinstance(chain, ImpairmentChain)
    assert [type(stage).__name__ for stage in chain.transforms] == ["CarrierOffset", "AdditiveNoise"]
    assert chain.transforms[0].cfo == (0.0, 0.0)
