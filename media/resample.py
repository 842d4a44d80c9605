"""Streaming sample-rate conversion that keeps its filter state across chunks.

Only used when the two sides run at different rates (e.g. 8 kHz phone audio and 16/24 kHz Nova audio). A
stateless converter (``audioop.ratecv`` without its state, or dropping samples) clicks at every chunk
border and aliases; one ``soxr.ResampleStream`` per direction and per call does neither.

Choice of soxr mode, measured with soxr 1.1.0 (libsoxr 0.1.3) on 20 ms chunks. "Held" is the latency that
matters in real time: how much of the audio pushed so far has not come out yet. soxr aligns its output,
so there is no extra group delay on top of it (apart from ~0.2 ms in ``VR`` mode when downsampling).

=============  ======================  =====================  ====================  ===========  ========
mode           8k↔16k held (ms)        8k↔24k held (ms)       16k↔24k held (ms)     3.4 kHz      alias
               min / mean / max        min / mean / max       min / mean / max      at 8 kHz     reject
=============  ======================  =====================  ====================  ===========  ========
QQ (cubic)     0.1-0.2 constant        0-0.2 constant         0.1 constant          -3.5 dB up   0 dB (!)
LQ             4 / 33 / 61             5 / 22 / 40            2.5 / 11 / 20         -7.9 dB      ≥ 90 dB
MQ (HQ ≈)      10 / 64 / 118           10 / 43 / 75           5 / 21 / 38           0 dB         ≥ 90 dB
VR (default)   30 up, 15 down          30 up, 25 down         15 up, 10 down        0 dB         ≥ 90 dB
=============  ======================  =====================  ====================  ===========  ========

The fixed-ratio qualities (LQ, MQ, HQ) process in large blocks: their output comes in bursts of about
100 ms at 8k↔16k, hence the min/mean/max spread above, and the bursts reach the pacer and Nova. libsoxr's
variable-rate engine, used here at a fixed ratio (``vr=True``; soxr's ``quality`` then makes no
measurable difference), has a small constant latency instead, passes 0-90 % of the lower Nyquist flat,
rejects aliases by ≥ 90 dB and has the same SINAD as MQ (~83 dB on a -9 dBFS tone), for 8-28 µs of CPU
per 20 ms chunk (MQ: 4-6 µs). QQ has no anti-alias filter when downsampling (a 5 kHz tone folds to
3 kHz at full level), so it is unfit for 24k→8k. soxr calls ``vr`` "experimental": the unit tests pin its
continuity, length and alignment, and ``quality="MQ"`` is the fallback.

libsoxr dithers its int16 output (TPDF, ±1 LSB): digital silence in comes out as ±1, and a chunked run
may differ from a one-call run by a couple of LSB, both about 90 dB below full scale.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import numpy.typing as npt
import soxr

Quality = Literal["VR", "QQ", "LQ", "MQ", "HQ", "VHQ"]
DEFAULT_QUALITY: Quality = "VR"

_EMPTY: npt.NDArray[np.int16] = np.zeros(0, dtype=np.int16)


class StreamResampler:
    """PCM16 mono at ``in_rate`` in, PCM16 mono at ``out_rate`` out, continuous across calls.

    With equal rates it is a pass-through that creates no soxr object. PCM16 is little-endian, which is
    numpy's native int16 on every platform we run on (x86-64, arm64).
    """

    def __init__(self, in_rate: int, out_rate: int, quality: Quality = DEFAULT_QUALITY) -> None:
        if in_rate <= 0 or out_rate <= 0:
            raise ValueError(f"sample rates must be positive, got {in_rate} -> {out_rate}")
        self.in_rate = in_rate
        self.out_rate = out_rate
        self.quality: Quality = quality
        self._stream: soxr.ResampleStream | None = None
        if in_rate != out_rate:
            vr = quality == "VR"
            self._stream = soxr.ResampleStream(in_rate, out_rate, 1, "int16", "HQ" if vr else quality, vr=vr)

    @property
    def passthrough(self) -> bool:
        """True when the rates are equal and audio is returned untouched."""
        return self._stream is None

    def process(self, pcm16: bytes) -> bytes:
        """Resample one chunk of any size. May return less (or more) than ratio × input: the filter holds
        a few ms back, and those samples come out with later chunks or ``flush()``."""
        if len(pcm16) % 2:
            raise ValueError(f"PCM16 must have an even number of bytes, got {len(pcm16)}")
        if self._stream is None:
            return pcm16
        if not pcm16:
            return b""
        out: npt.NDArray[np.int16] = self._stream.resample_chunk(np.frombuffer(pcm16, dtype=np.int16))
        return out.tobytes()

    def flush(self) -> bytes:
        """End of stream: return what the filter still holds. The resampler is then ready for a new stream."""
        if self._stream is None:
            return b""
        out: npt.NDArray[np.int16] = self._stream.resample_chunk(_EMPTY, last=True)
        self._stream.clear()
        return out.tobytes()

    def reset(self) -> None:
        """Drop what the filter holds without returning it (barge-in: that audio must not be played)."""
        if self._stream is not None:
            self._stream.clear()
