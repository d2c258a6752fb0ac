"""Steady room noise for tests of listening in a noisy room."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from knotvoice.audio import RATE


def coloured_noise(
    seconds: float, exponent: float, dbfs: float, seed: int
) -> npt.NDArray[np.float32]:
    """Steady noise whose power falls as 1/f**exponent (1: pink, like a fan; 2: brown, like
    traffic) from 20 Hz up (below, a microphone hears little), at ``dbfs`` RMS."""
    rng = np.random.default_rng(seed)
    spectrum = np.fft.rfft(rng.standard_normal(round(seconds * RATE)))
    frequencies = np.fft.rfftfreq(round(seconds * RATE), 1.0 / RATE)
    spectrum /= np.maximum(frequencies, 20.0) ** (exponent / 2.0)
    noise = np.fft.irfft(spectrum, round(seconds * RATE))
    noise *= 10.0 ** (dbfs / 20.0) / np.sqrt(np.mean(noise**2))
    return noise.astype(np.float32)


def at_level(samples: npt.NDArray[np.float32], dbfs: float) -> npt.NDArray[np.float32]:
    gain = 10.0 ** (dbfs / 20.0) / float(np.sqrt(np.mean(samples**2)))
    scaled: npt.NDArray[np.float32] = (samples * gain).astype(np.float32)
    return scaled
