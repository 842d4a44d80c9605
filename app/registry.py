"""The app's one piece of shared mutable state: which calls are live on this process.

Calls are registered once their provider handshake and token check succeed, and removed by the bridge's
single close path, so a test (or an operator) can see that nothing is left behind after a call.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Protocol


class Hangable(Protocol):
    async def hang_up(self, reason: str) -> None: ...


@dataclass(slots=True)
class CallRecord:
    call_id: str
    provider: str
    caller: str
    callee: str
    profile: str
    started_at: float = field(default_factory=time.time)
    control: Hangable | None = None
    provider_status: str = ""


class CallRegistry:
    def __init__(self, max_calls: int) -> None:
        self.max_calls = max_calls
        self.draining = False
        self._calls: dict[str, CallRecord] = {}

    def __len__(self) -> int:
        return len(self._calls)

    def __contains__(self, call_id: object) -> bool:
        return call_id in self._calls

    @property
    def accepting(self) -> bool:
        """False while draining or full: webhooks answer "busy" and /readyz says not ready."""
        return not self.draining and len(self._calls) < self.max_calls

    def add(self, record: CallRecord) -> bool:
        """Register a call; False when at capacity or the id is already live (a replayed socket)."""
        if len(self._calls) >= self.max_calls or record.call_id in self._calls:
            return False
        self._calls[record.call_id] = record
        return True

    def remove(self, call_id: str) -> None:
        self._calls.pop(call_id, None)

    def get(self, call_id: str) -> CallRecord | None:
        return self._calls.get(call_id)

    def snapshot(self) -> list[CallRecord]:
        return list(self._calls.values())
