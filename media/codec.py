"""G.711 μ-law ⇄ PCM16, done in C by ``audioop`` (the audioop-lts package on Python 3.13)."""

from __future__ import annotations

import audioop

ULAW_SILENCE = 0xFF
"""The μ-law code for 0 (the positive-zero code, which is what Twilio and G.711 encoders emit)."""


def ulaw_to_pcm16(data: bytes) -> bytes:
    return audioop.ulaw2lin(data, 2)


def pcm16_to_ulaw(pcm: bytes) -> bytes:
    if len(pcm) % 2:
        raise ValueError(f"PCM16 must have an even number of bytes, got {len(pcm)}")
    return audioop.lin2ulaw(pcm, 2)


def silence_pcm16(n_samples: int) -> bytes:
    return bytes(2 * n_samples)
