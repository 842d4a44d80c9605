"""G.711 μ-law ⇄ PCM16, done in C by ``audioop`` (the audioop-lts package on Python 3.13).

Twilio media streams carry 8 kHz μ-law; everything else in the bridge works on PCM16 (signed 16-bit
little-endian mono). ``audioop`` implements the ITU-T G.711 tables in C, which matters because this runs
on every 20 ms frame of every call: on a 160-sample frame ``audioop`` takes ~0.2 µs to decode and
~0.4 µs to encode, where a numpy table lookup takes ~2 µs (numpy's per-call overhead dominates).
"""

from __future__ import annotations

import audioop

ULAW_SILENCE = 0xFF
"""The μ-law code for 0: the positive-zero code, which G.711 encoders (and Twilio) emit for silence.

0x7F (negative zero) decodes to 0 as well, but encoders never produce it.
"""


def ulaw_to_pcm16(data: bytes) -> bytes:
    """Expand μ-law (one byte per sample) to PCM16 (two bytes per sample). Every byte is a valid code."""
    return audioop.ulaw2lin(data, 2)


def pcm16_to_ulaw(pcm: bytes) -> bytes:
    """Compress PCM16 to μ-law.

    An odd length means the caller lost track of sample boundaries somewhere upstream; encoding it
    anyway would shift every later sample by one byte (loud noise), so it is refused instead.
    """
    if len(pcm) % 2:
        raise ValueError(f"PCM16 must have an even number of bytes, got {len(pcm)}")
    return audioop.lin2ulaw(pcm, 2)


def silence_pcm16(n_samples: int) -> bytes:
    """``n_samples`` of PCM16 digital silence (zero bytes), e.g. to pad or to keep a stream alive."""
    if n_samples < 0:
        raise ValueError(f"n_samples must not be negative, got {n_samples}")
    return bytes(2 * n_samples)
