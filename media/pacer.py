"""Releasing audio to a provider at real time, keeping a small, bounded lead.

Nova produces speech faster than real time. Sending it all at once would fill the provider's buffer
with seconds of audio that a barge-in then has to flush (and that a slow provider plays late); sending
at exactly 1x turns any start-up stall into a permanent delay. The pacer keeps an estimate of when the
provider's buffer runs dry (``play_until``) and lets a frame go whenever the provider holds less than
``lead_ms``. If the buffer ran dry (a stall), the estimate restarts from now: no debt is carried.

Sans-I/O: the caller passes the current time and does the sending and the sleeping.
"""

from __future__ import annotations

from collections import deque


class Pacer:
    def __init__(self, frame_ms: int = 20, lead_ms: int = 120, max_queue_ms: int = 120_000) -> None:
        if frame_ms <= 0 or lead_ms < frame_ms:
            raise ValueError("need frame_ms > 0 and lead_ms >= frame_ms")
        self.frame_s = frame_ms / 1000
        self.lead_s = lead_ms / 1000
        self.max_queue_frames = max(1, max_queue_ms // frame_ms)
        self._queue: deque[bytes] = deque()
        self._play_until = 0.0
        self.frames_sent = 0
        self.frames_dropped = 0

    @property
    def queued_frames(self) -> int:
        return len(self._queue)

    @property
    def queued_ms(self) -> float:
        return len(self._queue) * self.frame_s * 1000

    def buffered_ms(self, now: float) -> float:
        """Audio the provider still holds, by our estimate."""
        return max(0.0, self._play_until - now) * 1000

    def push(self, frame: bytes) -> None:
        if len(self._queue) >= self.max_queue_frames:
            self._queue.popleft()
            self.frames_dropped += 1
        self._queue.append(frame)

    def pop_due(self, now: float) -> list[bytes]:
        if not self._queue:
            return []
        play_until = max(self._play_until, now)
        limit = now + self.lead_s + 1e-9
        due: list[bytes] = []
        while self._queue and play_until + self.frame_s <= limit:
            due.append(self._queue.popleft())
            play_until += self.frame_s
        self._play_until = play_until
        self.frames_sent += len(due)
        return due

    def next_due(self, now: float) -> float | None:
        """When the next queued frame may go (``now`` or earlier means at once); None if nothing is queued."""
        if not self._queue:
            return None
        play_until = max(self._play_until, now)
        return play_until + self.frame_s - self.lead_s

    def clear(self) -> int:
        """Barge-in: drop everything queued; the provider is told to flush its buffer too."""
        dropped = len(self._queue)
        self._queue.clear()
        self._play_until = 0.0
        return dropped
