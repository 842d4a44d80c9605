"""Audio building blocks: G.711 μ-law, framing, streaming resampling, pacing."""

from __future__ import annotations

import math
import random
import struct

import numpy as np
import pytest

from media import Framer, Pacer, StreamResampler, pcm16_to_ulaw, silence_pcm16, ulaw_to_pcm16


def g711_ulaw_decode(code: int) -> int:
    """ITU-T G.711 μ-law expansion, written out independently of audioop."""
    code = ~code & 0xFF
    sign, exponent, mantissa = code & 0x80, (code >> 4) & 0x07, code & 0x0F
    magnitude = (((mantissa << 3) + 0x84) << exponent) - 0x84
    return -magnitude if sign else magnitude


def test_known_g711_values() -> None:
    decoded = struct.unpack("<256h", ulaw_to_pcm16(bytes(range(256))))
    assert decoded[0xFF] == 0
    assert decoded[0x7F] == 0
    assert decoded[0x80] == 32124
    assert decoded[0x00] == -32124
    assert decoded[0xF0] == 120  # segment 0 values: (mantissa*2+33)*4-132 ... spot check
    assert list(decoded) == [g711_ulaw_decode(c) for c in range(256)]


def test_encode_round_trips_every_code() -> None:
    pcm = ulaw_to_pcm16(bytes(range(256)))
    codes = pcm16_to_ulaw(pcm)
    for code, back in enumerate(codes):
        if code in (0x7F, 0xFF):
            assert back in (0x7F, 0xFF)  # the two zero codes
        else:
            assert back == code


def test_encode_error_is_bounded_across_the_range() -> None:
    samples = np.arange(-32768, 32768, 7, dtype=np.int16)
    back = np.frombuffer(ulaw_to_pcm16(pcm16_to_ulaw(samples.tobytes())), dtype=np.int16).astype(np.int32)
    error = np.abs(back - samples.astype(np.int32))
    assert error.max() <= 1024  # half the largest segment step
    small = np.abs(samples.astype(np.int32)) < 100
    assert error[small].max() < 8  # one quantisation step of the finest segment


def test_odd_pcm_is_refused_and_silence_is_zero() -> None:
    with pytest.raises(ValueError):
        pcm16_to_ulaw(b"\x00\x00\x00")
    assert silence_pcm16(3) == b"\x00" * 6


def test_framer_reassembles_random_pushes_exactly() -> None:
    rng = random.Random(7)
    data = bytes(rng.getrandbits(8) for _ in range(10_000))
    framer = Framer(320)
    frames: list[bytes] = []
    offset = 0
    while offset < len(data):
        size = rng.randint(0, 900)
        frames += framer.push(data[offset : offset + size])
        offset += size
    assert all(len(f) == 320 for f in frames)
    tail = framer.flush()
    assert tail is not None
    assert len(tail) == 320
    assert b"".join(frames) + tail == data + bytes(320 - len(data) % 320)
    assert framer.flush() is None


def test_framer_exact_frame_and_reset() -> None:
    framer = Framer(4)
    assert framer.push(b"abcd") == [b"abcd"]
    assert framer.push(b"ab") == []
    assert framer.pending == 2
    framer.reset()
    assert framer.pending == 0
    assert framer.push(b"cdef") == [b"cdef"]


def sine(rate: int, seconds: float, freq: float = 440.0) -> np.ndarray:
    t = np.arange(int(rate * seconds)) / rate
    return (np.sin(2 * math.pi * freq * t) * 12000).astype(np.int16)


@pytest.mark.parametrize(("src", "dst"), [(8000, 16000), (16000, 8000), (24000, 8000), (8000, 24000)])
def test_resampler_is_continuous_across_chunks(src: int, dst: int) -> None:
    signal = sine(src, 1.0).tobytes()
    whole = StreamResampler(src, dst)
    reference = whole.process(signal) + whole.flush()
    rng = random.Random(src + dst)
    chunked = StreamResampler(src, dst)
    pieces = []
    offset = 0
    while offset < len(signal):
        size = rng.randint(1, 400) * 2
        pieces.append(chunked.process(signal[offset : offset + size]))
        offset += size
    pieces.append(chunked.flush())
    out = np.frombuffer(b"".join(pieces), dtype=np.int16).astype(np.int32)
    ref = np.frombuffer(reference, dtype=np.int16).astype(np.int32)
    assert abs(len(out) - len(signal) // 2 * dst / src) <= 2
    assert len(out) == len(ref)
    assert np.abs(out - ref).max() <= 2
    # No click at chunk borders: a 440 Hz sine of amplitude 12000 moves at most 2πfA/rate per sample.
    core = out[len(out) // 10 : -len(out) // 10]
    assert np.abs(np.diff(core)).max() <= 2 * math.pi * 440 * 12000 / dst * 1.1


def test_resampler_passthrough_when_rates_match() -> None:
    same = StreamResampler(8000, 8000)
    data = sine(8000, 0.1).tobytes()
    assert same.passthrough
    assert same.process(data) is data
    assert same.flush() == b""


def test_pacer_bursts_up_to_the_lead_then_runs_at_real_time() -> None:
    pacer = Pacer(frame_ms=20, lead_ms=120)
    for i in range(20):
        pacer.push(bytes([i]))
    assert len(pacer.pop_due(0.0)) == 6
    assert pacer.pop_due(0.0) == []
    assert pacer.next_due(0.0) == pytest.approx(0.02)
    assert pacer.buffered_ms(0.0) == pytest.approx(120)
    assert len(pacer.pop_due(0.02)) == 1
    assert len(pacer.pop_due(0.1)) == 4
    assert pacer.frames_sent == 11
    assert pacer.queued_frames == 9


def test_pacer_catches_up_after_a_stall() -> None:
    pacer = Pacer(frame_ms=20, lead_ms=120)
    pacer.push(b"a")
    assert pacer.pop_due(0.0) == [b"a"]
    for _ in range(10):
        pacer.push(b"b")
    # One second later the provider has long run dry: no debt is carried, the lead is refilled at once.
    assert len(pacer.pop_due(1.0)) == 6
    assert pacer.next_due(1.0) == pytest.approx(1.02)


def test_pacer_clear_drops_everything_and_resets() -> None:
    pacer = Pacer(frame_ms=20, lead_ms=60)
    for _ in range(10):
        pacer.push(b"x")
    pacer.pop_due(0.0)
    assert pacer.clear() == 7
    assert pacer.queued_frames == 0
    assert pacer.next_due(0.0) is None
    pacer.push(b"y")
    assert pacer.pop_due(0.01) == [b"y"]  # the provider buffer was flushed too: sends at once


def test_pacer_queue_is_bounded() -> None:
    pacer = Pacer(frame_ms=20, lead_ms=20, max_queue_ms=100)
    for i in range(8):
        pacer.push(bytes([i]))
    assert pacer.queued_frames == 5
    assert pacer.frames_dropped == 3
    assert pacer.pop_due(0.0) == [bytes([3])]
    assert pacer.queued_ms == pytest.approx(80)
