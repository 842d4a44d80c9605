"""G.711 μ-law against the ITU-T table, and the PCM16 helpers."""

from __future__ import annotations

import struct

import numpy as np
import pytest

from media import ULAW_SILENCE, pcm16_to_ulaw, silence_pcm16, ulaw_to_pcm16

# Code -> linear value, from the G.711 μ-law decoding table (16-bit scale, i.e. the 14-bit value × 4).
G711_ULAW_TABLE = {
    0x00: -32124,  # largest negative: segment 7, mantissa 15
    0x01: -31100,
    0x0F: -16764,  # segment 7, mantissa 0
    0x10: -15996,  # segment 6, mantissa 15
    0x20: -7932,
    0x30: -3900,
    0x40: -1884,
    0x50: -876,
    0x60: -372,
    0x70: -120,  # segment 0, mantissa 15
    0x7E: -8,
    0x7F: 0,  # "negative zero"
    0x80: 32124,
    0x8F: 16764,
    0xCE: 988,
    0xF0: 120,
    0xFD: 16,
    0xFE: 8,
    0xFF: 0,
}


def g711_ulaw_decode(code: int) -> int:
    """The G.711 expansion rule, written out independently of audioop (complemented code, then
    magnitude = ((2·mantissa + 33) << segment) − 33 in 14-bit units)."""
    code = ~code & 0xFF
    sign, segment, mantissa = code & 0x80, (code >> 4) & 0x07, code & 0x0F
    magnitude = (((2 * mantissa + 33) << segment) - 33) * 4
    return -magnitude if sign else magnitude


def decode_all(codes: bytes) -> list[int]:
    pcm = ulaw_to_pcm16(codes)
    return list(struct.unpack(f"<{len(codes)}h", pcm))


def encode_one(value: int) -> int:
    return pcm16_to_ulaw(struct.pack("<h", value))[0]


def test_decode_matches_the_g711_table() -> None:
    for code, linear in G711_ULAW_TABLE.items():
        assert decode_all(bytes([code])) == [linear], hex(code)


def test_decode_matches_the_g711_rule_for_every_code() -> None:
    assert decode_all(bytes(range(256))) == [g711_ulaw_decode(c) for c in range(256)]


def test_decode_output_is_little_endian_pcm16() -> None:
    assert ulaw_to_pcm16(bytes([0x80, 0x00])) == b"\x7c\x7d\x84\x82"  # +32124, -32124
    assert ulaw_to_pcm16(b"") == b""


@pytest.mark.parametrize(
    ("linear", "code"),
    [
        (0, 0xFF),
        (3, 0xFF),  # below the first decision level (1 in 14-bit units = 4 here)
        (4, 0xFE),
        (11, 0xFE),
        (12, 0xFD),
        (120, 0xF0),
        (-120, 0x70),
        (1000, 0xCE),  # nearest reconstruction level is 988 (segment 3 steps by 64)
        (-1000, 0x4E),
        (32124, 0x80),
        (32767, 0x80),  # beyond the last level: clipped
        (-32768, 0x00),
    ],
)
def test_encode_known_values(linear: int, code: int) -> None:
    assert encode_one(linear) == code


def test_silence_encodes_to_the_silence_code() -> None:
    assert pcm16_to_ulaw(silence_pcm16(160)) == bytes([ULAW_SILENCE]) * 160
    assert decode_all(bytes([ULAW_SILENCE])) == [0]


def test_every_code_survives_decode_then_encode() -> None:
    back = pcm16_to_ulaw(ulaw_to_pcm16(bytes(range(256))))
    expected = bytes(0xFF if code == 0x7F else code for code in range(256))  # both zeros encode as +0
    assert back == expected


def test_round_trip_error_is_bounded_by_the_segment_step_over_all_of_int16() -> None:
    samples = np.arange(-32768, 32768, dtype=np.int16)
    codes = np.frombuffer(pcm16_to_ulaw(samples.tobytes()), dtype=np.uint8)
    decoded = np.frombuffer(ulaw_to_pcm16(codes.tobytes()), dtype=np.int16).astype(np.int32)
    x = samples.astype(np.int32)
    error = np.abs(decoded - x)
    segment = ((~codes) >> 4) & 0x07
    # Half a quantisation step of the segment (4 << segment), plus 3 for the 16 -> 14-bit truncation.
    bound = (4 << segment.astype(np.int32)) + 3
    in_range = np.abs(x) <= 32124 + 512
    assert np.all(error[in_range] <= bound[in_range])
    assert np.all(np.abs(decoded[~in_range]) == 32124)  # beyond the last level values clip
    assert error[np.abs(x) <= 120].max() <= 7  # segment 0: fine steps where speech is quiet
    assert np.all(np.diff(decoded) >= 0)  # monotonic: never inverts a waveform
    assert np.all(np.sign(decoded[x >= 4]) == 1)
    assert np.all(np.sign(decoded[x <= -4]) == -1)


def test_odd_pcm_is_refused() -> None:
    with pytest.raises(ValueError, match="even"):
        pcm16_to_ulaw(b"\x00\x00\x00")


def test_silence_pcm16() -> None:
    assert silence_pcm16(3) == b"\x00" * 6
    assert silence_pcm16(0) == b""
    with pytest.raises(ValueError):
        silence_pcm16(-1)
