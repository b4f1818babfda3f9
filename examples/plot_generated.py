"""Gallery of generated examples: constellation, spectrum and spectrogram of every class.

One row per class at high SNR, for the AMC class sets and, when their generators are
available, wireless-technology classification and anomaly detection:

* constellation: for root-raised-cosine linear modulations, the capture after a matched
  filter, sampled once per symbol at the clock phase with the widest eye; otherwise the raw
  IQ samples,
* spectrum: Welch power spectral density, with the recorded occupied bandwidth marked,
* spectrogram: short-time power over the capture.

By default the channel is AWGN only, so the transmitters can be judged; ``--impairments
full`` shows the whole impairment chain instead (fading, offsets, receiver defects).

    python examples/plot_generated.py --output gallery.png
    python examples/plot_generated.py --output rml2018.png --sections amc-rml2018.01a
"""

from __future__ import annotations

import argparse

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from scipy.signal import spectrogram, welch  # noqa: E402

from spectrumfm_hf.data.base import real_to_iq  # noqa: E402
from spectrumfm_hf.data.dsp import rrc_pulse  # noqa: E402
from spectrumfm_hf.data.impairments import AdditiveNoise, ImpairmentChain, default_impairments  # noqa: E402
from spectrumfm_hf.data.tasks import AMCGenerator, AnomalyDetectionGenerator, WTCGenerator  # noqa: E402
from spectrumfm_hf.data.transmitters import TransmitterRanges  # noqa: E402

SECTIONS = ("amc-rml2016.10a", "amc-rml2018.01a", "wtc", "anomaly-detection")


def matched_filter_symbols(iq: np.ndarray, samples_per_symbol: float, rolloff: float, offset_quadrature: bool):
    """Symbol-spaced samples of an RRC signal after its matched filter, at the best clock phase."""
    half_span = int(np.ceil(6 * samples_per_symbol))
    taps = rrc_pulse(np.arange(-half_span, half_span + 1) / samples_per_symbol, rolloff)
    filtered = np.convolve(iq, taps, mode="same")[half_span:-half_span]
    time = np.arange(filtered.size)
    best, best_power = None, -np.inf
    for phase in np.linspace(0, samples_per_symbol, 48, endpoint=False):
        instants = np.arange(phase, filtered.size - samples_per_symbol, samples_per_symbol)
        in_phase = np.interp(instants, time, filtered.real)
        quadrature_instants = instants + samples_per_symbol / 2 if offset_quadrature else instants
        quadrature = np.interp(quadrature_instants, time, filtered.imag)
        # The widest eye has the most power at the sampling instants.
        symbols = in_phase + 1j * quadrature
        power = np.mean(np.abs(symbols) ** 2)
        if power > best_power:
            best, best_power = symbols, power
    return best / np.sqrt(np.mean(np.abs(best) ** 2))


def one_per_class(generator, seed: int, search: int = 400) -> list[tuple[str, np.ndarray, dict]]:
    """The first example of each class among the first ``search`` indices."""
    batch = generator.generate(seed, range(search))
    rows = []
    for label, name in enumerate(generator.class_names):
        hits = np.flatnonzero(batch["label"] == label)
        if hits.size == 0:
            continue
        row = int(hits[0])
        params = {key: value[row] for key, value in batch.items() if key not in ("iq", "label")}
        rows.append((name, real_to_iq(batch["iq"][row]), params))
    return rows


def section_generators(section: str, num_samples: int, snr_db: float, impairments: str):
    chain = default_impairments() if impairments == "full" else ImpairmentChain([AdditiveNoise()])
    if section.startswith("amc-"):
        rrc_only = TransmitterRanges(pulse_shape_weights=(1.0, 0.0, 0.0))
        return AMCGenerator(
            section[4:], num_samples=num_samples, snr_db_grid=[snr_db], transmitter_ranges=rrc_only, impairments=chain
        )
    generator_class = {"wtc": WTCGenerator, "anomaly-detection": AnomalyDetectionGenerator}[section]
    return generator_class(num_samples=num_samples, snr_db_grid=(snr_db,), channel=chain)


def draw_row(axes, name: str, iq: np.ndarray, params: dict) -> None:
    constellation_axis, spectrum_axis, spectrogram_axis = axes
    sps, rolloff = float(params.get("samples_per_symbol", np.nan)), float(params.get("rolloff", np.nan))
    if str(params.get("pulse_shape", "")) == "rrc" and np.isfinite(sps) and np.isfinite(rolloff):
        points = matched_filter_symbols(iq, sps, rolloff, name == "OQPSK")
        constellation_axis.plot(points.real, points.imag, ".", markersize=2)
        title = f"{name}: matched filter"
    else:
        scaled = iq / np.sqrt(np.mean(np.abs(iq) ** 2))
        constellation_axis.plot(scaled.real, scaled.imag, ".", markersize=1, alpha=0.5)
        title = f"{name}: IQ samples"
    constellation_axis.set_title(title, fontsize=8)
    constellation_axis.set_aspect("equal")
    constellation_axis.set_xlim(-2, 2)
    constellation_axis.set_ylim(-2, 2)
    constellation_axis.tick_params(labelsize=6)

    frequency, psd = welch(iq, nperseg=256, return_onesided=False, window="blackmanharris")
    order = np.argsort(frequency)
    spectrum_axis.plot(frequency[order], 10 * np.log10(psd[order] + 1e-20), linewidth=0.8)
    bandwidth = float(params.get("bandwidth", np.nan))
    if np.isfinite(bandwidth):
        for edge in (-bandwidth / 2, bandwidth / 2):
            spectrum_axis.axvline(edge, color="tab:red", linewidth=0.6, linestyle="--")
    spectrum_axis.set_xlim(-0.5, 0.5)
    details = [f"{key}={float(params[key]):.3g}" for key in ("samples_per_symbol", "modulation_index", "bandwidth")
               if key in params and np.isfinite(float(params[key]))]
    spectrum_axis.set_title("PSD (dB), " + ", ".join(details), fontsize=7)
    spectrum_axis.tick_params(labelsize=6)

    frequency, time, power = spectrogram(iq, nperseg=64, noverlap=48, return_onesided=False, window="hann")
    order = np.argsort(frequency)
    spectrogram_axis.pcolormesh(time, frequency[order], 10 * np.log10(power[order] + 1e-20), shading="auto")
    spectrogram_axis.set_title("spectrogram (sample, cycles/sample)", fontsize=7)
    spectrogram_axis.tick_params(labelsize=6)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--output", required=True, help="PNG file to write")
    parser.add_argument("--sections", nargs="+", default=list(SECTIONS), choices=SECTIONS)
    parser.add_argument("--num-samples", type=int, default=2048, help="samples per plotted capture")
    parser.add_argument("--snr-db", type=float, default=30.0, help="SNR in the signal band, dB")
    parser.add_argument("--impairments", choices=("awgn", "full"), default="awgn")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--dpi", type=int, default=80)
    args = parser.parse_args()

    rows = []
    for section in args.sections:
        generator = section_generators(section, args.num_samples, args.snr_db, args.impairments)
        if generator is not None:
            rows += [(f"{section}/{name}", name, iq, params) for name, iq, params in one_per_class(generator, args.seed)]
    figure, axes = plt.subplots(len(rows), 3, figsize=(10, 2.3 * len(rows)), squeeze=False,
                                gridspec_kw={"width_ratios": [1, 1.6, 1.6]})
    for row_axes, (label, name, iq, params) in zip(axes, rows):
        draw_row(row_axes, name, iq, params)
        row_axes[0].set_ylabel(label.split("/")[0], fontsize=7)
    # Keep the title in a fixed half inch at the top, whatever the figure's height.
    height_in = figure.get_figheight()
    figure.suptitle(f"Generated examples at {args.snr_db:g} dB SNR, impairments: {args.impairments}",
                    fontsize=10, y=1 - 0.15 / height_in, va="top")
    figure.tight_layout(rect=(0, 0, 1, 1 - 0.5 / height_in))
    figure.savefig(args.output, dpi=args.dpi)
    print(f"wrote {args.output} ({len(rows)} classes)")


if __name__ == "__main__":
    main()
