"""The benchmark's profiles: one declarative table of every number each profile scales.

``micro`` exercises every experiment in well under a minute (tiny models, a few dozen
examples, one epoch, a subset of the models, one seed); ``cpu`` reproduces the paper's
experiments at small scale within 90 minutes on two CPU cores; ``paper`` is the paper's
recipe (its model, its data sizes) for a GPU. Nothing here imports torch or numpy, so the
command line can list and check the profiles at once.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

SPECTRUMFM = "spectrumfm"
"""The pre-trained encoder with one LoRA adapter and a trained head per task."""
SPECTRUMFM_RANDOM = "spectrumfm-random"
"""The same LoRA fine-tune from a randomly initialised encoder: the control that shows what pre-training adds."""
SPECTRUMFM_MODELS = (SPECTRUMFM, SPECTRUMFM_RANDOM)
SPECTRUMFM_RECONSTRUCTION = "spectrumfm-reconstruction"
"""Anomaly detection only: SpectrumFM's adapter scored by its reconstruction error (eq. 29, the
paper's score) rather than by the Mahalanobis distance of its embedding (``spectrumfm``)."""

TASKS = ("pretrain", "amc", "wtc", "ss", "ad")
"""Experiment kinds: the encoder's pre-training, modulation and technology classification,
spectrum sensing and anomaly detection."""

AMC_DATA_SETS = ("rml2016.10a", "rml2016.10b", "rml2016.04c")
"""The generated sets shaped like the paper's three AMC data sets (see :mod:`.data`)."""

CONFUSION_SNRS_DB = (-4.0, 0.0, 4.0)
"""SNRs of the paper's confusion matrices (Fig. 4), dB."""
TSNE_SNR_DB = 0.0
"""SNR of the paper's t-SNE map (Fig. 5), dB."""
ROC_SNR_DB = -4.0
"""SNR of the paper's spectrum-sensing ROC (Fig. 9), dB."""
RML2016_SNR_GRID_DB = tuple(float(snr) for snr in range(-20, 19, 2))
"""RML2016's published SNR grid, dB (the data package's grid, restated here to stay torch-free)."""


class BenchmarkProfileError(ValueError):
    """An unknown profile name."""


@dataclass(frozen=True)
class BenchmarkProfile:
    """Every number one profile fixes.

    Attributes:
        name: the profile's name.
        description: what it is for and what it costs.
        seeds: default seeds (data split, initialisation and training order of every cell).
        spectrumfm_model: ``SpectrumFMConfig`` arguments of the encoder it pre-trains.
        shipped_encoder: a shipped pre-trained base used instead of pre-training when installed
            (``spectrumfm_hf.available_pretrained()``); None always pre-trains.
        pretraining_preset: the training preset (``"small-cpu"`` or ``"paper"``) behind pre-training and fine-tuning.
        pretraining_examples: generated pre-training captures (validation: an eighth more, at least 16).
        pretraining_epochs: pre-training epochs (early stopping on the validation loss may end it sooner).
        amc_examples_per_class_snr: AMC data set -> generated examples per (class, SNR) pair.
        amc_snr_grid_db: SNRs of the AMC sets, dB.
        wtc_examples_per_class_snr: technology captures per (technology, SNR) pair (1024 samples, 8 windows each).
        wtc_snr_grid_db: SNRs of the technology set, dB.
        ss_examples: spectrum-sensing captures (half vacant).
        ss_snr_grid_db: SNRs of the sensing set, dB in the signal's band against the nominal noise.
        ss_noise_uncertainty_db: half-width of the true noise power's spread around the nominal one, dB.
        ad_normal_examples: normal captures the anomaly detectors train and validate on.
        ad_test_examples: captures of the anomaly test set (half normal, the rest four interferences).
        ad_isr_db_grid: interference-to-signal ratios of the anomaly test set, dB.
        ad_snr_db: SNR of every anomaly capture, dB.
        epochs: fine-tuning epochs (early stopping on the validation loss may end a cell sooner).
        early_stopping_patience: validation evaluations without a lower loss before stopping.
        batch_size: training batch (windows).
        learning_rate: fine-tuning learning rate (AdamW).
        lora_rank: LoRA rank r; alpha is twice it (the authors' 16 and 32).
        amc_models: models of Table II and Figs. 3, 4, 7.
        few_shot_fractions: label fractions below 1 of Fig. 6 (1 is the main cell).
        few_shot_models: models of Fig. 6.
        wtc_models: models of Table III and Fig. 8.
        ss_models: detectors of Fig. 9.
        ad_models: anomaly detectors of Fig. 11.
        baseline_config: baseline name -> configuration arguments over its paper's sizes.
        tsne_points: most test windows at 0 dB embedded for Fig. 5.
        false_alarm_probability: energy detector's target false-alarm probability at the nominal noise.
    """

    name: str
    description: str
    seeds: tuple[int, ...]
    spectrumfm_model: dict[str, Any]
    shipped_encoder: str | None
    pretraining_preset: str
    pretraining_examples: int
    pretraining_epochs: int
    amc_examples_per_class_snr: dict[str, int]
    amc_snr_grid_db: tuple[float, ...]
    wtc_examples_per_class_snr: int
    wtc_snr_grid_db: tuple[float, ...]
    ss_examples: int
    ss_snr_grid_db: tuple[float, ...]
    ss_noise_uncertainty_db: float
    ad_normal_examples: int
    ad_test_examples: int
    ad_isr_db_grid: tuple[float, ...]
    ad_snr_db: float
    epochs: int
    early_stopping_patience: int
    batch_size: int
    learning_rate: float
    lora_rank: int
    amc_models: tuple[str, ...]
    few_shot_fractions: tuple[float, ...]
    few_shot_models: tuple[str, ...]
    wtc_models: tuple[str, ...]
    ss_models: tuple[str, ...]
    ad_models: tuple[str, ...]
    baseline_config: dict[str, dict[str, Any]] = field(default_factory=dict)
    tsne_points: int = 1000
    false_alarm_probability: float = 0.1

    def as_dict(self) -> dict[str, Any]:
        """The profile as plain JSON values (for the manifest)."""
        return asdict(self)

    def scaled_down(self) -> list[str]:
        """What this profile scales down against the ``paper`` profile, one line per experiment part."""
        return scale_summary(self, PROFILES["paper"])


_ALL_CLASSIFIERS = (
    "resnet",
    "mcnet",
    "vgg",
    "cnn2",
    "gru2",
    "dae",
    "cgdnn",
    "pet-cgdnn",
    "transformer",
    "msnet",
    "amc-net",
)

PROFILES: dict[str, BenchmarkProfile] = {
    "micro": BenchmarkProfile(
        name="micro",
        description="Every experiment end to end in well under a minute: for tests, not for conclusions.",
        seeds=(0,),
        spectrumfm_model=dict(
            hidden_size=16,
            intermediate_size=32,
            num_attention_heads=2,
            num_hidden_layers=1,
            norm_placement="pre",
        ),
        shipped_encoder=None,
        pretraining_preset="small-cpu",
        pretraining_examples=32,
        pretraining_epochs=1,
        amc_examples_per_class_snr={"rml2016.10a": 2, "rml2016.10b": 2, "rml2016.04c": 2},
        amc_snr_grid_db=(-4.0, 0.0, 4.0),
        wtc_examples_per_class_snr=1,
        wtc_snr_grid_db=(-4.0, 0.0, 4.0),
        ss_examples=60,
        ss_snr_grid_db=(-4.0, 0.0),
        ss_noise_uncertainty_db=1.0,
        ad_normal_examples=20,
        ad_test_examples=40,
        ad_isr_db_grid=(0.0,),
        ad_snr_db=10.0,
        epochs=1,
        early_stopping_patience=2,
        batch_size=16,
        learning_rate=1e-3,
        lora_rank=4,
        amc_models=(SPECTRUMFM, SPECTRUMFM_RANDOM, "cnn2"),
        few_shot_fractions=(0.3,),
        few_shot_models=(SPECTRUMFM,),
        wtc_models=(SPECTRUMFM, "cnn2"),
        ss_models=("energy-detector", "lstm-detector", SPECTRUMFM),
        ad_models=(SPECTRUMFM, "aae"),
        baseline_config={
            "cnn2": dict(conv_filters=[4, 4], dense_size=8, dropout=0.0),
            "lstm-detector": dict(hidden_size=8),
            "aae": dict(hidden_sizes=[16], latent_size=4, discriminator_sizes=[8]),
        },
        tsne_points=40,
    ),
    "cpu": BenchmarkProfile(
        name="cpu",
        description="The paper's experiments at small scale: about 75 minutes on two CPU cores (one thread).",
        seeds=(0, 1, 2),
        spectrumfm_model=dict(
            hidden_size=64,
            intermediate_size=128,
            num_attention_heads=4,
            num_hidden_layers=4,
            norm_placement="pre",
        ),
        shipped_encoder="spectrumfm-small",
        pretraining_preset="small-cpu",
        pretraining_examples=8192,
        pretraining_epochs=4,
        amc_examples_per_class_snr={"rml2016.10a": 12, "rml2016.10b": 15, "rml2016.04c": 10},
        amc_snr_grid_db=RML2016_SNR_GRID_DB,
        wtc_examples_per_class_snr=3,
        wtc_snr_grid_db=tuple(float(snr) for snr in range(-20, 31, 4)),
        ss_examples=2000,
        ss_snr_grid_db=tuple(float(snr) for snr in range(-20, 11, 2)),
        ss_noise_uncertainty_db=1.0,
        ad_normal_examples=1000,
        ad_test_examples=1000,
        ad_isr_db_grid=(-10.0, 0.0, 10.0),
        ad_snr_db=10.0,
        epochs=4,
        early_stopping_patience=2,
        batch_size=32,
        learning_rate=1e-3,
        lora_rank=16,
        amc_models=(SPECTRUMFM, SPECTRUMFM_RANDOM, *_ALL_CLASSIFIERS),
        few_shot_fractions=(0.1, 0.2, 0.3),
        few_shot_models=(SPECTRUMFM, "mcnet"),
        wtc_models=(SPECTRUMFM, SPECTRUMFM_RANDOM, "resnet", "mcnet", "transformer"),
        ss_models=("energy-detector", "lstm-detector", "resnet-detector", SPECTRUMFM),
        ad_models=(SPECTRUMFM, SPECTRUMFM_RECONSTRUCTION, "aae"),
        baseline_config={},
        tsne_points=1000,
    ),
    "paper": BenchmarkProfile(
        name="paper",
        description="The paper's recipe (d=256, 16 layers; its data sizes; every baseline) for a GPU.",
        seeds=(0, 1, 2),
        spectrumfm_model={},
        shipped_encoder=None,
        pretraining_preset="paper",
        pretraining_examples=1_000_000,
        pretraining_epochs=10,
        amc_examples_per_class_snr={"rml2016.10a": 1000, "rml2016.10b": 6000, "rml2016.04c": 737},
        amc_snr_grid_db=RML2016_SNR_GRID_DB,
        wtc_examples_per_class_snr=400,
        # TechRec's SNRs, the paper's WTC data.
        wtc_snr_grid_db=tuple(float(snr) for snr in range(-6, 13, 2)),
        ss_examples=100_000,
        ss_snr_grid_db=tuple(float(snr) for snr in range(-20, 21, 2)),
        ss_noise_uncertainty_db=1.0,
        ad_normal_examples=50_000,
        ad_test_examples=50_000,
        ad_isr_db_grid=(-10.0, 0.0, 10.0),
        ad_snr_db=10.0,
        epochs=10,
        early_stopping_patience=2,
        batch_size=256,
        learning_rate=1e-3,
        lora_rank=16,
        amc_models=(SPECTRUMFM, SPECTRUMFM_RANDOM, *_ALL_CLASSIFIERS),
        few_shot_fractions=(0.1, 0.2, 0.3),
        few_shot_models=(SPECTRUMFM, SPECTRUMFM_RANDOM, *_ALL_CLASSIFIERS),
        wtc_models=(SPECTRUMFM, SPECTRUMFM_RANDOM, *_ALL_CLASSIFIERS),
        ss_models=("energy-detector", "lstm-detector", "resnet-detector", SPECTRUMFM),
        ad_models=(SPECTRUMFM, SPECTRUMFM_RECONSTRUCTION, "aae"),
        baseline_config={},
        tsne_points=2000,
    ),
}
"""Every profile by name."""


def get_profile(name: str) -> BenchmarkProfile:
    """The profile called ``name`` (one of :data:`PROFILES`)."""
    if name not in PROFILES:
        raise BenchmarkProfileError(f"profile must be one of {sorted(PROFILES)}, got {name!r}")
    return PROFILES[name]


def _model_size(model: dict[str, Any]) -> str:
    # The paper's configuration (SpectrumFMConfig's defaults) where the profile leaves a size unset.
    return (
        f"d={model.get('hidden_size', 256)}, d_feed={model.get('intermediate_size', 512)}, "
        f"{model.get('num_hidden_layers', 16)} layers"
    )


def _grid(snrs_db: tuple[float, ...]) -> str:
    return f"{len(snrs_db)} SNRs from {min(snrs_db):g} to {max(snrs_db):g} dB"


def scale_summary(profile: BenchmarkProfile, paper: BenchmarkProfile) -> list[str]:
    """``profile``'s sizes beside the ``paper`` profile's, one line per part.

    The paper states the sizes of the RML2016 sets and of its model; its pre-training corpus
    (about 25 GB), TechRec, sensing and anomaly sets are not given in examples, so the
    ``paper`` profile's sizes for those are this package's choice.
    """
    shipped = (
        f"the shipped {profile.shipped_encoder!r} when installed, else " if profile.shipped_encoder else ""
    )
    amc = ", ".join(f"{name} {count}" for name, count in profile.amc_examples_per_class_snr.items())
    paper_amc = ", ".join(str(count) for count in paper.amc_examples_per_class_snr.values())
    return [
        f"encoder: {_model_size(profile.spectrumfm_model)} (paper profile: {_model_size(paper.spectrumfm_model)}); {shipped}"
        f"pre-trained here on {profile.pretraining_examples:,} captures for at most {profile.pretraining_epochs} epochs "
        f"(paper profile: {paper.pretraining_examples:,} for {paper.pretraining_epochs})",
        f"AMC examples per (class, SNR): {amc} (paper profile: {paper_amc}) on {_grid(profile.amc_snr_grid_db)}",
        f"WTC captures of 1024 samples per (technology, SNR): {profile.wtc_examples_per_class_snr} on "
        f"{_grid(profile.wtc_snr_grid_db)} (paper profile: {paper.wtc_examples_per_class_snr} on {_grid(paper.wtc_snr_grid_db)})",
        f"SS captures: {profile.ss_examples:,} on {_grid(profile.ss_snr_grid_db)} (paper profile: {paper.ss_examples:,})",
        f"AD captures: {profile.ad_normal_examples:,} normal for training, {profile.ad_test_examples:,} for test "
        f"(paper profile: {paper.ad_normal_examples:,} and {paper.ad_test_examples:,})",
        f"fine-tuning: at most {profile.epochs} epochs, batch {profile.batch_size}, LoRA rank {profile.lora_rank} "
        f"(paper profile: {paper.epochs}, {paper.batch_size}, {paper.lora_rank})",
        f"models: AMC {', '.join(profile.amc_models)}; few-shot {', '.join(profile.few_shot_models)} at "
        f"{', '.join(f'{round(100 * fraction)} %' for fraction in profile.few_shot_fractions)}; WTC "
        f"{', '.join(profile.wtc_models)}; SS {', '.join(profile.ss_models)}; AD {', '.join(profile.ad_models)} "
        f"(paper profile: all {len(paper.amc_models) - 2} AMC baselines)"
        + (f"; baselines resized: {profile.baseline_config}" if profile.baseline_config else ""),
        f"seeds: {len(profile.seeds)} (paper profile: {len(paper.seeds)})",
    ]
