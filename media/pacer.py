"""Releasing audio to a provider at real time, keeping a small, bounded lead.

Nova produces speech faster than real time. Sending it all at once would fill the provider's buffer
with seconds of audio that a barge-in then has to flush (and that a slow provider plays late); sending
at exactly 1x turns any start-up stall into a permanent delay. The provider plays at 1x, so the pacer
models its buffer by one number, ``play_until``: the time at which the provider runs dry. A frame may go
once, after sending it, the provider would hold at most ``lead_ms``. If the provider already ran dry (a
stall, a pause between turns), ``play_until`` restarts from now: the lead is refilled at once and no debt
is carried, so a stall never becomes a permanent delay.

``play_until`` is kept as an anchor plus a count of frames, not as a running sum, so hours of continuous
audio accumulate no floating-point drift. Sans-I/O: the caller passes the current (monotonic) time in
float seconds and does the sending and the sleeping.
"""

from __future__ import annotations

import math
from collections import deque

_EPS_S = 1e-6
"""Slack for float rounding (e.g. 0.1 vs 5 × 0.02): a frame due within 1 µs of ``now`` goes now."""


class Pacer:
    """Queue of equal frames plus the model of the provider's buffer that decides when each may go."""

    def __init__(self, frame_ms: int = 20, lead_ms: int = 120, max_queue_ms: int = 120_000) -> None:
        if frame_ms <= 0:
            raise ValueError(f"frame_ms must be positive, got {frame_ms}")
        if lead_ms < frame_ms:
            raise ValueError(f"lead_ms ({lead_ms}) must be at least one frame ({frame_ms}) or nothing goes")
        if max_queue_ms < frame_ms:
            raise ValueError(f"max_queue_ms ({max_queue_ms}) must hold at least one frame ({frame_ms})")
        self.frame_ms = frame_ms
        self.lead_ms = lead_ms
        self.max_queue_frames = max_queue_ms // frame_ms
        self._frame_s = frame_ms / 1000
        self._lead_s = lead_ms / 1000
        self._queue: deque[bytes] = deque()
        self._anchor = -math.inf  # start of the provider's current run of audio; -inf: it holds nothing
        self._run_frames = 0  # frames sent since the anchor
        self.frames_sent = 0
        self.frames_dropped = 0  # lost to a full queue only; clear() returns its own count

    @property
    def queued_frames(self) -> int:
        return len(self._queue)

    @property
    def queued_ms(self) -> int:
        """Audio waiting here, not yet sent."""
        return len(self._queue) * self.frame_ms

    def buffered_ms(self, now: float) -> float:
        """Audio the provider still holds at ``now``, by our estimate."""
        return max(0.0, self._play_until() - now) * 1000

    def push(self, frame: bytes) -> None:
        """Queue one frame. When the queue is full the oldest frame goes, so memory stays bounded even if
        the provider connection is wedged while Nova keeps talking."""
        if len(self._queue) >= self.max_queue_frames:
            self._queue.popleft()
            self.frames_dropped += 1
        self._queue.append(frame)

    def pop_due(self, now: float) -> list[bytes]:
        """Every frame that may be sent at ``now``, oldest first; the caller must send them all."""
        if not self._queue:
            return []
        anchor, run = self._view(now)
        allowed = math.floor((now + self._lead_s + _EPS_S - anchor) / self._frame_s)
        count = min(len(self._queue), allowed - run)
        if count <= 0:
            return []
        self._anchor, self._run_frames = anchor, run + count
        self.frames_sent += count
        popleft = self._queue.popleft
        return [popleft() for _ in range(count)]

    def next_due(self, now: float) -> float | None:
        """The earliest time (≥ ``now``) at which ``pop_due`` returns a frame; None if nothing is queued."""
        if not self._queue:
            return None
        anchor, run = self._view(now)
        return max(now, anchor + (run + 1) * self._frame_s - self._lead_s)

    def clear(self) -> int:
        """Barge-in: drop every queued frame and return how many. The caller also tells the provider to
        flush its buffer, so the model restarts empty and the next frame goes at once."""
        dropped = len(self._queue)
        self._queue.clear()
        self._anchor, self._run_frames = -math.inf, 0
        return dropped

    def _play_until(self) -> float:
        return self._anchor + self._run_frames * self._frame_s

    def _view(self, now: float) -> tuple[float, int]:
        """(anchor, frames since anchor) as seen at ``now``: restarted at ``now`` if the provider ran dry."""
        if self._play_until() < now:
            return now, 0
        return self._anchor, self._run_frames
