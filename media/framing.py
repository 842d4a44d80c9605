"""Cutting a byte stream into exact, equal frames, carrying the remainder to the next push.

Providers are strict about frame sizes (Vonage takes exactly one 20 ms frame per message; Nova prefers
~32-40 ms chunks), while audio arrives in whatever sizes the other side produced.
"""

from __future__ import annotations


class Framer:
    def __init__(self, frame_bytes: int) -> None:
        if frame_bytes <= 0:
            raise ValueError("frame_bytes must be positive")
        self.frame_bytes = frame_bytes
        self._buf = bytearray()

    @property
    def pending(self) -> int:
        """Bytes held back because they do not make a whole frame yet."""
        return len(self._buf)

    def push(self, data: bytes) -> list[bytes]:
        size = self.frame_bytes
        if not self._buf and len(data) == size:  # the common case: already one frame, no copy
            return [data]
        self._buf += data
        whole = len(self._buf) - len(self._buf) % size
        if not whole:
            return []
        view = memoryview(self._buf)
        frames = [bytes(view[i : i + size]) for i in range(0, whole, size)]
        view.release()
        del self._buf[:whole]
        return frames

    def flush(self) -> bytes | None:
        """The remainder padded with silence to a whole frame: the end of a turn is never dropped."""
        if not self._buf:
            return None
        frame = bytes(self._buf) + bytes(self.frame_bytes - len(self._buf))
        self._buf.clear()
        return frame

    def reset(self) -> None:
        self._buf.clear()
