"""StreamResampler: continuous across chunk borders, right length, low constant latency, no aliasing."""

from __future__ import annotations

import math
import random

import numpy as np
import numpy.typing as npt
import pytest

from media import StreamResampler
from media.resample import Quality

PAIRS = [(8000, 16000), (16000, 8000), (8000, 24000), (24000, 8000), (16000, 24000), (24000, 16000)]
AMPLITUDE = 12000
FREQ = 440.0


def sine(rate: int, seconds: float, freq: float = FREQ) -> npt.NDArray[np.int16]:
    t = np.arange(int(rate * seconds)) / rate
    return np.round(np.sin(2 * math.pi * freq * t) * AMPLITUDE).astype(np.int16)


def samples(pcm: bytes) -> npt.NDArray[np.float64]:
    return np.frombuffer(pcm, dtype=np.int16).astype(np.float64)


def in_random_chunks(resampler: StreamResampler, pcm: bytes, seed: int) -> list[bytes]:
    rng = random.Random(seed)
    pieces = []
    offset = 0
    while offset < len(pcm):
        size = 2 * rng.choice([1, 2, 3, 80, 160, 159, 161, rng.randint(1, 1000)])
        pieces.append(resampler.process(pcm[offset : offset + size]))
        offset += size
    pieces.append(resampler.flush())
    return pieces


def fitted_sine_residual(y: npt.NDArray[np.float64], rate: int, freq: float) -> npt.NDArray[np.float64]:
    """What is left after removing the best-fitting sine at ``freq`` (any amplitude and phase)."""
    t = np.arange(len(y)) / rate
    basis = np.stack([np.sin(2 * math.pi * freq * t), np.cos(2 * math.pi * freq * t)], axis=1)
    coef, *_ = np.linalg.lstsq(basis, y, rcond=None)
    residual: npt.NDArray[np.float64] = y - basis @ coef
    return residual


@pytest.mark.parametrize("quality", ["VR", "MQ"])
@pytest.mark.parametrize(("src", "dst"), PAIRS)
def test_random_chunks_equal_one_call_and_have_no_border_clicks(src: int, dst: int, quality: Quality) -> None:
    signal = sine(src, 1.0).tobytes()
    whole = StreamResampler(src, dst, quality)
    reference = samples(whole.process(signal) + whole.flush())
    chunked = StreamResampler(src, dst, quality)
    pieces = in_random_chunks(chunked, signal, seed=src + dst)
    out = samples(b"".join(pieces))

    assert len(out) == len(reference)
    assert abs(len(out) - len(signal) // 2 * dst / src) <= 1
    assert np.abs(out - reference).max() <= 2  # int16 rounding only

    core = slice(dst // 20, -dst // 20)  # skip the filter's start-up and end transients
    # A sine of amplitude A moves at most 2πfA/rate per sample; a border glitch would exceed it.
    slope = 2 * math.pi * FREQ * AMPLITUDE / dst
    assert np.abs(np.diff(out[core])).max() <= slope + 2
    # Stronger: the output is that sine plus int16 rounding noise, everywhere, borders included.
    assert np.abs(fitted_sine_residual(out[core], dst, FREQ)).max() <= 6


@pytest.mark.parametrize(("src", "dst"), PAIRS)
def test_default_mode_latency_is_low_and_constant(src: int, dst: int) -> None:
    resampler = StreamResampler(src, dst)
    chunk = sine(src, 0.02).tobytes()
    fed_s = out_s = 0.0
    held_ms = []
    for _ in range(100):
        out_s += len(resampler.process(chunk)) / 2 / dst
        fed_s += len(chunk) / 2 / src
        held_ms.append((fed_s - out_s) * 1000)
    steady = held_ms[5:]
    assert max(steady) <= 30.5  # measured: 30 ms upsampling from 8 kHz, 10-25 ms otherwise
    assert max(steady) - min(steady) <= 0.5  # no block bursts


def test_output_is_aligned_with_the_input() -> None:
    """A click comes out where it went in (soxr compensates its filter delay)."""
    src, dst = 8000, 24000
    impulse = np.zeros(src, dtype=np.int16)
    impulse[4000] = 20000
    resampler = StreamResampler(src, dst)
    out = samples(resampler.process(impulse.tobytes()) + resampler.flush())
    assert abs(int(np.argmax(np.abs(out))) - 4000 * dst // src) <= 1


def test_downsampling_rejects_what_the_lower_rate_cannot_carry() -> None:
    """A 5 kHz tone has no place at 8 kHz: it must be filtered out, not folded down to 3 kHz."""
    resampler = StreamResampler(24000, 8000)
    out = samples(resampler.process(sine(24000, 1.0, freq=5000).tobytes()) + resampler.flush())
    rms = float(np.sqrt(np.mean(out[800:-800] ** 2)))
    assert rms < AMPLITUDE / math.sqrt(2) / 1000  # more than 60 dB down


def test_passband_keeps_the_telephone_band() -> None:
    resampler = StreamResampler(8000, 16000)
    out = samples(resampler.process(sine(8000, 1.0, freq=3400).tobytes()) + resampler.flush())
    rms = float(np.sqrt(np.mean(out[1600:-1600] ** 2)))
    assert rms == pytest.approx(AMPLITUDE / math.sqrt(2), rel=0.03)  # within ~0.25 dB at 3.4 kHz


def test_flush_ends_the_stream_and_leaves_the_resampler_ready_for_a_new_one() -> None:
    signal = sine(16000, 0.3).tobytes()
    used = StreamResampler(16000, 8000)
    first = used.process(signal) + used.flush()
    second = used.process(signal) + used.flush()
    assert len(first) == len(signal) // 2
    assert len(second) == len(first)
    assert np.abs(samples(second) - samples(first)).max() <= 2  # libsoxr dithers int16 output: ±LSBs


def test_reset_drops_held_audio() -> None:
    noise = np.random.default_rng(1).integers(-20000, 20000, 800, dtype=np.int16).tobytes()
    signal = sine(8000, 0.3).tobytes()
    fresh = StreamResampler(8000, 16000)
    expected = fresh.process(signal) + fresh.flush()
    reused = StreamResampler(8000, 16000)
    reused.process(noise)
    reused.reset()
    out = reused.process(signal) + reused.flush()
    assert len(out) == len(expected)
    assert np.abs(samples(out) - samples(expected)).max() <= 2  # none of the noise comes out


def test_identity_passes_input_through_unchanged() -> None:
    same = StreamResampler(8000, 8000)
    data = sine(8000, 0.1).tobytes()
    assert same.passthrough
    assert same.process(data) is data
    assert same.flush() == b""
    assert not StreamResampler(8000, 16000).passthrough


@pytest.mark.parametrize("rates", [(8000, 8000), (8000, 16000)])
def test_odd_length_pcm_is_refused(rates: tuple[int, int]) -> None:
    with pytest.raises(ValueError, match="even"):
        StreamResampler(*rates).process(b"\x00\x00\x00")


def test_rates_must_be_positive() -> None:
    with pytest.raises(ValueError):
        StreamResampler(0, 8000)
