"""Audio only: pure functions and small state machines, no I/O and no clocks of their own."""

from media.codec import ULAW_SILENCE, pcm16_to_ulaw, silence_pcm16, ulaw_to_pcm16
from media.framing import Framer
from media.pacer import Pacer
from media.resample import StreamResampler

__all__ = [
    "ULAW_SILENCE",
    "Framer",
    "Pacer",
    "StreamResampler",
    "pcm16_to_ulaw",
    "silence_pcm16",
    "ulaw_to_pcm16",
]
