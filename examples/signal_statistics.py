"""Per-class statistics of the AMC presets' windows, beside the ranges the public recipes give.

For each class and preset, the 10 %, 50 % and 90 % quantiles over windows at high SNR of:

* ``bw90``: 90 %-power bandwidth, normalised to the sample rate (the width between the 5 % and
  95 % points of the cumulative periodogram),
* ``carrier``: carrier fraction, the strongest periodogram bin's share of the power (a
  residual carrier offset moves the carrier off DC but keeps it in one bin),
* ``amp_var``: amplitude variance over squared mean amplitude (0 for a constant envelope),
* ``eig``: IQ covariance eigenvalue ratio, smaller over larger (0 for a signal on one axis,
  1 for a circular one; a carrier phase does not change it, a carrier offset spinning the
  window does).

Then the reference ranges derived from the public recipes, each with its source. Use it to
check that the broad default covers both recipes class by class.

    python examples/signal_statistics.py
    python examples/signal_statistics.py --presets broad torchsig --snr-db 10 --examples-per-class 300
"""

from __future__ import annotations

import argparse

import numpy as np

from spectrumfm_hf.data.tasks.amc import AMC_PRESETS, AMCGenerator

STATISTICS = ("bw90", "carrier", "amp_var", "eig")
QUANTILES = (0.1, 0.5, 0.9)

# Ranges (about the 10-90 % of windows) that the published recipes' parameters give at high
# SNR and 128 samples. RML2016.10a: generate_RML2016.10a.py, transmitters.py and
# source_alphabet.py of github.com/radioML/dataset (8 samples per symbol, RRC 0.35, CPFSK
# h 0.5, GFSK sensitivity 0.1 rad/sample = h 0.25 with BT 0.35, WBFM wfm_tx with 75 kHz
# deviation, AM with carrier 1 plus a podcast's speech, 200 kHz, dynamic channel with CFO
# up to 500 Hz). TorchSig: torchsig/signals/builders/{constellation,fsk,am,fm}.py
# (bandwidth sample_rate/20-/10, SRRC 0.1-0.5 or rectangular, FSK h 0.7-1, GFSK h 0.1-0.5,
# AM index 0.8-4 or suppressed carrier with a filtered-noise message, FM index 1-10).
REFERENCE_RANGES: dict[str, dict[str, str]] = {
    "linear (PSK/QAM/PAM)": {
        "bw90": "RML 0.12-0.16 (1.35/8 less the RRC skirts); TorchSig 0.05-0.12",
        "amp_var": "RML 0.05-0.3 (RRC 0.35 at 8 sps); TorchSig 0-0.3 (rectangular pulses near 0 for PSK)",
        "eig": "BPSK/PAM4 near 0 in both (one axis, at most 0.3 turn of CFO per window); QPSK/QAM near 1",
    },
    "CPFSK": {
        "bw90": "RML about 0.1 (MSK, h 0.5, 8 sps); TorchSig 0.05-0.15 (h 0.7-1)",
        "amp_var": "0 in both (constant envelope)",
    },
    "GFSK": {
        "bw90": "RML about 0.05 (h 0.25, BT 0.35, 8 sps); TorchSig 0.02-0.08 (h 0.1-0.5)",
        "amp_var": "0 in both (constant envelope)",
    },
    "AM-DSB": {
        "carrier": "RML 0.6-1 (carrier 1 plus speech: most windows close to a static point); "
        "TorchSig 0-0.6 (index 0.8-4, or suppressed carrier)",
        "bw90": "RML under 0.03 (speech at 200 kHz); TorchSig 0.05-0.1",
    },
    "AM-SSB": {
        "carrier": "RML 0.6-1 (carrier added after the Hilbert filter); TorchSig 0 (no carrier)",
        "bw90": "RML under 0.03; TorchSig 0.05-0.1",
    },
    "WBFM": {
        "bw90": "RML mostly under 0.06 (speech levels and pauses under 75 kHz full-scale deviation); "
        "TorchSig 0.05-0.1",
        "amp_var": "0 in both (constant envelope)",
    },
}


def window_statistics(iq: np.ndarray) -> dict[str, np.ndarray]:
    """The four statistics of each window of complex ``(batch, num_samples)`` captures."""
    num_samples = iq.shape[1]
    spectrum = np.abs(np.fft.fftshift(np.fft.fft(iq, axis=-1), axes=-1)) ** 2
    power = spectrum / spectrum.sum(axis=-1, keepdims=True)
    cumulative = np.cumsum(power, axis=-1)
    low = np.argmax(cumulative >= 0.05, axis=-1)
    high = np.argmax(cumulative >= 0.95, axis=-1)
    amplitude = np.abs(iq)
    rails = np.stack([iq.real, iq.imag], axis=1)
    rails = rails - rails.mean(axis=-1, keepdims=True)
    covariance = np.einsum("bin,bjn->bij", rails, rails) / num_samples
    eigenvalues = np.linalg.eigvalsh(covariance)
    return {
        "bw90": (high - low + 1) / num_samples,
        "carrier": power.max(axis=-1),
        "amp_var": amplitude.var(axis=-1) / np.maximum(amplitude.mean(axis=-1) ** 2, 1e-12),
        "eig": eigenvalues[:, 0] / np.maximum(eigenvalues[:, 1], 1e-12),
    }


def class_quantiles(preset: str, snr_db: float, examples_per_class: int, seed: int) -> dict[str, dict[str, np.ndarray]]:
    """Class name -> statistic -> its quantiles over ``examples_per_class`` windows of ``preset``."""
    generator = AMCGenerator("rml2016.10a", preset=preset, snr_db_grid=[snr_db])
    batch = generator.generate(seed, np.arange(examples_per_class * generator.num_classes))
    iq = batch["iq"][..., 0].astype(np.float64) + 1j * batch["iq"][..., 1]
    statistics = window_statistics(iq)
    return {
        name: {key: np.quantile(values[batch["label"] == label], QUANTILES) for key, values in statistics.items()}
        for label, name in enumerate(generator.class_names)
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--presets", nargs="+", default=list(AMC_PRESETS), choices=list(AMC_PRESETS))
    parser.add_argument("--snr-db", type=float, default=30.0, help="SNR of every window, dB (each preset's convention)")
    parser.add_argument("--examples-per-class", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    print(f"Quantiles {QUANTILES} per class over {args.examples_per_class} windows of 128 samples, "
          f"SNR {args.snr_db:g} dB, seed {args.seed}")
    results = {preset: class_quantiles(preset, args.snr_db, args.examples_per_class, args.seed) for preset in args.presets}
    header = f"{'class':8s} {'preset':20s} " + " ".join(f"{key:>20s}" for key in STATISTICS)
    print(header)
    print("-" * len(header))
    for name in next(iter(results.values())):
        for preset, per_class in results.items():
            cells = " ".join(
                f"{'/'.join(f'{value:.2f}' for value in per_class[name][key]):>20s}" for key in STATISTICS
            )
            print(f"{name:8s} {preset:20s} {cells}")
    print("\nReference ranges from the public recipes:")
    for family, entries in REFERENCE_RANGES.items():
        for key, text in entries.items():
            print(f"  {family:22s} {key:8s} {text}")


if __name__ == "__main__":
    main()
