"""Streaming sample-rate conversion that keeps its filter state across chunks.

Only used when two sides run at different rates (the normal paths run Nova at the provider's rate). A
stateless converter (``audioop.ratecv`` without its state, or dropping samples) clicks at every chunk
border and aliases; soxr's streaming resampler does neither. ``MQ`` keeps the filter delay small (a few
milliseconds at telephone rates) while staying far cleaner than the phone network itself.
"""

from __future__ import annotations

import numpy as np
import soxr


class StreamResampler:
    def __init__(self, in_rate: int, out_rate: int, quality: str = "MQ") -> None:
        self.in_rate = in_rate
        self.out_rate = out_rate
        self._stream = (
            None if in_rate == out_rate else soxr.ResampleStream(in_rate, out_rate, 1, "int16", quality)
        )

    @property
    def passthrough(self) -> bool:
        return self._stream is None

    def process(self, pcm16: bytes) -> bytes:
        if self._stream is None:
            return pcm16
        samples = np.frombuffer(pcm16, dtype=np.int16)
        out: np.ndarray = self._stream.resample_chunk(samples)
        return out.tobytes()

    def flush(self) -> bytes:
        """The samples still inside the filter, at the end of a stream."""
        if self._stream is None:
            return b""
        out: np.ndarray = self._stream.resample_chunk(np.zeros(0, dtype=np.int16), last=True)
        return out.tobytes()
