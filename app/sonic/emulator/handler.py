"""Drives one :class:`ScriptedModel` over one stream: receive, wake for paced output, send, end."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
import wave
from functools import cache
from pathlib import Path

from app.sonic.emulator.behaviour import EmulatorBehaviour, SessionRecord
from app.sonic.emulator.model import Failure, ScriptedModel
from app.sonic.emulator.server import StreamSession

log = logging.getLogger(__name__)
ASSETS = Path(__file__).parent / "assets"


@cache
def greeting_pcm(rate: int) -> bytes:
    """The recorded greeting at ``rate`` (made once with espeak-ng: scripts/make_emulator_assets.sh)."""
    with wave.open(str(ASSETS / f"greeting_{rate}.wav"), "rb") as wav:
        return wav.readframes(wav.getnframes())


class SessionHub:
    """Creates a model per stream and keeps every session's record (read by tests, from any thread)."""

    def __init__(self, behaviour: EmulatorBehaviour) -> None:
        self.behaviour = behaviour
        self.records: list[SessionRecord] = []
        self.active = 0

    async def handle(self, stream: StreamSession) -> None:
        record = SessionRecord(session_id=str(uuid.uuid4()), model_id=stream.model_id)
        self.records.append(record)
        self.active += 1
        try:
            await _drive(stream, ScriptedModel(self.behaviour, record, greeting_pcm), record)
        finally:
            record.closed = True
            self.active -= 1


async def _drive(stream: StreamSession, model: ScriptedModel, record: SessionRecord) -> None:
    while not model.finished:
        wake = model.next_wakeup()
        timeout = None if wake is None else max(0.0, wake - time.monotonic())
        item: dict[str, object] | ValueError | str | None = "tick"
        if timeout is None or timeout > 0:
            with contextlib.suppress(TimeoutError):
                item = await asyncio.wait_for(stream.recv(), timeout)
        if item is None:  # the client closed its input without ending the session
            await stream.end()
            return
        if isinstance(item, ValueError):
            await _fail(stream, record, Failure("validationException", str(item)))
            return
        outputs = model.on_event(item, time.monotonic()) if isinstance(item, dict) else []
        outputs += model.due(time.monotonic())
        for output in outputs:
            if isinstance(output, Failure):
                await _fail(stream, record, output)
                return
            await stream.send_event(output)
    # promptEnd: take what follows (sessionEnd) until the client's end-of-input frame, then end our side.
    with contextlib.suppress(TimeoutError):
        while isinstance(item := await asyncio.wait_for(stream.recv(), 5), dict):
            model.on_event(item, time.monotonic())
    await stream.end()


async def _fail(stream: StreamSession, record: SessionRecord, failure: Failure) -> None:
    record.error = f"{failure.exception_type}: {failure.message}"
    log.info("emulator session %s failed: %s", record.session_id[:8], record.error)
    await stream.send_exception(failure.exception_type, failure.message)
    await stream.end()
