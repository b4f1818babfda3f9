"""Energy detection, the classic spectrum-sensing baseline (paper section IV-D)."""

from __future__ import annotations

import numpy as np
from scipy.stats import gamma

from ..configuration_spectrumfm import SpectrumFMInputError, SpectrumFMInputTypeError


class EnergyDetector:
    """Declares a window occupied when its mean power exceeds a threshold fixed in advance.

    The statistic is ``mean |x|**2`` over the window's N complex samples. On complex white
    Gaussian noise of power sigma^2 it is Gamma-distributed with shape N and scale
    sigma^2 / N (a scaled chi-square with 2N degrees of freedom), so the threshold for a
    target false-alarm probability is that distribution's upper quantile at the *nominal*
    noise power. Nothing is learnt from data: when the true noise power differs from the
    nominal one (noise-power uncertainty), the false-alarm and detection rates drift, which
    is the weakness the learnt detectors are compared against.

    Args:
        false_alarm_probability: target probability of declaring a noise-only window occupied, in (0, 1).
        noise_power: nominal noise power per complex sample the threshold assumes (linear, > 0).
    """

    def __init__(self, false_alarm_probability: float = 0.1, noise_power: float = 1.0):
        if isinstance(false_alarm_probability, bool) or not isinstance(false_alarm_probability, (int, float)):
            raise SpectrumFMInputTypeError(
                "false_alarm_probability must be a number in (0, 1), "
                f"got {type(false_alarm_probability).__name__}"
            )
        if not 0.0 < false_alarm_probability < 1.0:
            raise SpectrumFMInputError(
                f"false_alarm_probability must lie in (0, 1), got {false_alarm_probability!r}"
            )
        if isinstance(noise_power, bool) or not isinstance(noise_power, (int, float)):
            raise SpectrumFMInputTypeError(
                f"noise_power must be a positive number, got {type(noise_power).__name__}"
            )
        if not (np.isfinite(noise_power) and noise_power > 0.0):
            raise SpectrumFMInputError(f"noise_power must be finite and positive, got {noise_power!r}")
        self.false_alarm_probability = float(false_alarm_probability)
        self.noise_power = float(noise_power)

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(false_alarm_probability={self.false_alarm_probability}, "
                f"noise_power={self.noise_power})")

    def threshold(self, num_samples: int) -> float:
        """The mean-power threshold for windows of ``num_samples`` complex samples (linear power)."""
        if isinstance(num_samples, bool) or not isinstance(num_samples, (int, np.integer)) or num_samples < 1:
            raise SpectrumFMInputError(f"num_samples must be a positive integer, got {num_samples!r}")
        scale = self.noise_power / num_samples
        return float(gamma.isf(self.false_alarm_probability, a=num_samples, scale=scale))

    def score(self, iq) -> np.ndarray:
        """Mean power per window, float64 ``(...)``, the statistic an ROC curve sweeps.

        Args:
            iq: windows, complex ``(..., N)`` or real ``(..., N, 2)`` (I then Q); numpy or torch.
        """
        iq = _as_complex(iq)
        return np.mean(iq.real.astype(np.float64) ** 2 + iq.imag.astype(np.float64) ** 2, axis=-1)

    def decision(self, iq) -> np.ndarray:
        """True (occupied) where a window's mean power exceeds :meth:`threshold`, bool ``(...)``.

        Args:
            iq: windows, complex ``(..., N)`` or real ``(..., N, 2)`` (I then Q); numpy or torch.
        """
        from ..data import energy_detector

        return energy_detector(_as_complex(iq), self.false_alarm_probability, self.noise_power)


def _as_complex(iq) -> np.ndarray:
    """Complex ``(..., N)`` numpy windows from complex or real ``(..., N, 2)`` numpy or torch input."""
    if hasattr(iq, "detach"):  # a torch tensor; numpy cannot read one that needs grad or lives on a GPU
        iq = iq.detach().cpu().numpy()
    iq = np.asarray(iq)
    if not (np.iscomplexobj(iq) or np.issubdtype(iq.dtype, np.floating)):
        raise SpectrumFMInputTypeError(
            f"iq must hold complex or floating-point samples, got dtype {iq.dtype}"
        )
    if not np.iscomplexobj(iq):
        if iq.ndim < 2 or iq.shape[-1] != 2:
            raise SpectrumFMInputError(f"real iq must have shape (..., N, 2) with I then Q, got {iq.shape}")
        iq = iq[..., 0] + 1j * iq[..., 1]
    if iq.ndim < 1 or iq.shape[-1] == 0:
        raise SpectrumFMInputError(f"iq must hold at least one sample per window, got shape {iq.shape}")
    if not np.isfinite(iq).all():
        raise SpectrumFMInputError("iq contains NaN or Inf")
    return iq
