"""Audio only: pure functions and small state machines, no I/O, no asyncio and no clocks of their own.

PCM16 everywhere means signed 16-bit little-endian mono bytes. Time, where it matters (the pacer), is
passed in by the caller as float seconds from a monotonic clock.
"""

from media.codec import ULAW_SILENCE, pcm16_to_ulaw, silence_pcm16, ulaw_to_pcm16
from media.framing import Framer
from media.pacer import Pacer
from media.resample import DEFAULT_QUALITY, Quality, StreamResampler

__all__ = [
    "DEFAULT_QUALITY",
    "ULAW_SILENCE",
    "Framer",
    "Pacer",
    "Quality",
    "StreamResampler",
    "pcm16_to_ulaw",
    "silence_pcm16",
    "ulaw_to_pcm16",
]
