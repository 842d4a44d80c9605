"""One call's bridge: provider media socket ⇄ Nova Sonic session, both ways, in real time.

Four tasks in one TaskGroup, one close path:
- ``_read_provider``: socket → provider protocol → canonical events; caller audio goes into a bounded
  uplink buffer (oldest dropped, counted, if Nova stalls: memory never grows).
- ``_uplink``: coalesces caller audio into ~40 ms chunks for Nova and keeps the stream alive with
  silence when the provider sends nothing (Twilio may omit silent frames; Nova times out after ~55 s).
- ``_downlink``: Nova output events → audio frames into the pacer; barge-in; transcripts.
- ``_pace``: releases frames to the provider at 1× real time with a bounded lead.

The bridge knows nothing of Twilio or Vonage: it speaks :class:`providers.base.MediaProtocol`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Protocol

from app.sonic import events as nova
from app.sonic.session import NovaSession, NovaSessionError
from media import Framer, Pacer, StreamResampler
from providers.base import (
    AudioIn,
    CallEnded,
    CallStarted,
    Dtmf,
    MediaProtocol,
    PlaybackCleared,
    PlaybackMark,
    ProtocolError,
    WireMessage,
)

log = logging.getLogger(__name__)


class SocketClosed(Exception):
    """The provider closed the media socket."""


class MediaSocket(Protocol):
    """What the bridge needs of a WebSocket; the route adapts Starlette's to it."""

    async def receive(self) -> WireMessage: ...

    async def send(self, message: WireMessage) -> None: ...


@dataclass(frozen=True, slots=True)
class BridgeConfig:
    nova_input_rate: int
    nova_output_rate: int
    greeting: str | None
    pacer_lead_ms: int = 120
    uplink_chunk_ms: int = 40
    keepalive_after_ms: int = 500
    uplink_max_chunks: int = 50


@dataclass(slots=True)
class CallStats:
    """Figures a call reports at its end (and that metrics read)."""

    started_at: float = field(default_factory=time.monotonic)
    first_audio_at: float | None = None
    frames_out: int = 0
    frames_in: int = 0
    uplink_dropped: int = 0
    barge_ins: int = 0
    frames_discarded_by_barge_in: int = 0
    transcript: list[tuple[str, str]] = field(default_factory=list)

    @property
    def first_audio_ms(self) -> float | None:
        if self.first_audio_at is None:
            return None
        return (self.first_audio_at - self.started_at) * 1000


class _CallOver(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class CallBridge:
    def __init__(
        self,
        *,
        call: CallStarted,
        protocol: MediaProtocol,
        socket: MediaSocket,
        session: NovaSession,
        config: BridgeConfig,
        started_at: float | None = None,
    ) -> None:
        self.call = call
        self._protocol = protocol
        self._socket = socket
        self._session = session
        self._config = config
        self.stats = CallStats() if started_at is None else CallStats(started_at=started_at)
        fmt = protocol.fmt
        chunk_bytes = config.nova_input_rate * config.uplink_chunk_ms // 1000 * 2
        self._up_resampler = StreamResampler(fmt.rate, config.nova_input_rate)
        self._up_framer = Framer(chunk_bytes)
        self._uplink: deque[bytes] = deque()
        self._uplink_ready = asyncio.Event()
        self._last_uplink = time.monotonic()
        self._down_resampler = StreamResampler(config.nova_output_rate, fmt.rate)
        self._down_framer = Framer(fmt.pcm_frame_bytes)
        self._pacer = Pacer(frame_ms=fmt.frame_ms, lead_ms=config.pacer_lead_ms)
        self._pacer_wake = asyncio.Event()
        self._send_lock = asyncio.Lock()
        self._audio_content: str | None = None
        self._dropping_content: str | None = None
        self._text_stage: dict[str, tuple[str, str]] = {}
        self._hangup_reason: str | None = None
        self._hangup = asyncio.Event()

    async def run(self) -> str:
        """Bridge until the call ends; return why it ended. Never raises for a per-call fault."""
        if self._config.greeting:
            await self._session.send_user_text(self._config.greeting)
        reason = "unknown"
        try:
            async with asyncio.TaskGroup() as tasks:
                tasks.create_task(self._guard(self._read_provider()))
                tasks.create_task(self._guard(self._uplink_loop()))
                tasks.create_task(self._guard(self._keepalive()))
                tasks.create_task(self._guard(self._downlink()))
                tasks.create_task(self._guard(self._pace()))
                tasks.create_task(self._guard(self._wait_hangup()))
        except* _CallOver as group:
            first = group.exceptions[0]
            reason = first.reason if isinstance(first, _CallOver) else "unknown"
        return reason

    async def hang_up(self, reason: str) -> None:
        """End the call from outside (API, drain, tools)."""
        self._hangup_reason = reason
        self._hangup.set()

    async def _wait_hangup(self) -> str:
        await self._hangup.wait()
        return self._hangup_reason or "hung_up"

    async def _guard(self, job: asyncio.Future[str] | object) -> None:
        """Turn a task's end, normal or not, into the call's end reason (first one wins)."""
        try:
            reason = await job  # type: ignore[misc]
        except SocketClosed:
            reason = "provider_disconnected"
        except ProtocolError as exc:
            log.warning("call.protocol_error", extra={"call_id": self.call.call_id, "error": str(exc)})
            reason = "protocol_error"
        except NovaSessionError as exc:
            log.warning(
                "call.nova_error",
                extra={"call_id": self.call.call_id, "fault": exc.kind, "error": exc.message},
            )
            reason = f"nova_{exc.kind}"
        except Exception:
            log.exception("call.internal_error", extra={"call_id": self.call.call_id})
            reason = "internal_error"
        raise _CallOver(str(reason))

    # --- caller → Nova ---------------------------------------------------------------------------

    async def _read_provider(self) -> str:
        parse = self._protocol.parse
        while True:
            message = await self._socket.receive()
            for event in parse(message):
                if isinstance(event, AudioIn):
                    self._on_caller_audio(event.pcm16)
                elif isinstance(event, CallEnded):
                    return event.reason
                elif isinstance(event, Dtmf):
                    await self._on_dtmf(event.digit)
                elif isinstance(event, PlaybackMark | PlaybackCleared):
                    pass  # playback tracking: used for transcript trimming
                elif isinstance(event, CallStarted):
                    raise ProtocolError("a second start/connected message on a live call")

    def _on_caller_audio(self, pcm16: bytes) -> None:
        self.stats.frames_in += 1
        for chunk in self._up_framer.push(self._up_resampler.process(pcm16)):
            if len(self._uplink) >= self._config.uplink_max_chunks:
                self._uplink.popleft()
                self.stats.uplink_dropped += 1
            self._uplink.append(chunk)
        if self._uplink:
            self._uplink_ready.set()

    async def _uplink_loop(self) -> str:
        session = self._session
        while True:
            await self._uplink_ready.wait()
            self._uplink_ready.clear()
            while self._uplink:
                await session.send_audio(self._uplink.popleft())
                self._last_uplink = time.monotonic()

    async def _keepalive(self) -> str:
        """Send silence while the caller sends nothing, so Nova's idle timeout never fires."""
        period = self._config.keepalive_after_ms / 1000
        silence = bytes(self._config.nova_input_rate * 2 * self._config.keepalive_after_ms // 1000)
        while True:
            await asyncio.sleep(period)
            if time.monotonic() - self._last_uplink >= period:
                await self._session.send_audio(silence)
                self._last_uplink = time.monotonic()

    async def _on_dtmf(self, digit: str) -> None:
        log.info("call.dtmf", extra={"call_id": self.call.call_id, "digit": digit})
        await self._session.send_user_text(f"The caller pressed {digit} on the keypad.")

    # --- Nova → caller ---------------------------------------------------------------------------

    async def _downlink(self) -> str:
        async for event in self._session.events():
            if isinstance(event, nova.AudioOutput):
                self._audio_content = event.content_id
                if event.content_id != self._dropping_content:
                    await self._on_bot_audio(event.pcm16)
            elif isinstance(event, nova.Interrupted):
                await self._barge_in()
            elif isinstance(event, nova.ContentStart):
                self._on_content_start(event)
            elif isinstance(event, nova.ContentEnd):
                await self._on_content_end(event)
            elif isinstance(event, nova.TextOutput):
                self._on_text(event)
        failure = self._session.failure
        if failure is not None:
            raise failure
        return "nova_ended"

    async def _on_bot_audio(self, pcm16: bytes) -> None:
        frames = self._down_framer.push(self._down_resampler.process(pcm16))
        if not frames:
            return
        for frame in frames:
            self._pacer.push(frame)
        await self._pump()

    def _on_content_start(self, event: nova.ContentStart) -> None:
        if event.type == "AUDIO" and event.role == "ASSISTANT":
            self._audio_content = event.content_id
            self._dropping_content = None
        elif event.type == "TEXT":
            self._text_stage[event.content_id] = (event.role, event.stage)

    async def _on_content_end(self, event: nova.ContentEnd) -> None:
        if event.stop_reason == "INTERRUPTED":
            await self._barge_in()
        elif event.type == "AUDIO" and event.content_id != self._dropping_content:
            tail = self._down_framer.flush()  # the last partial frame is padded, never dropped
            if tail is not None:
                self._pacer.push(tail)
                await self._pump()
        self._text_stage.pop(event.content_id, None)

    def _on_text(self, event: nova.TextOutput) -> None:
        role, stage = self._text_stage.get(event.content_id, (event.role, ""))
        if stage == "SPECULATIVE":
            return
        self.stats.transcript.append((role or event.role, event.text))
        log.info("call.transcript", extra={"call_id": self.call.call_id, "role": role, "text": event.text})

    async def _barge_in(self) -> None:
        """Stop the bot at once: drop queued audio, tell the provider to flush, ignore the turn's tail."""
        dropped = self._pacer.clear()
        self._down_framer.reset()
        self._dropping_content = self._audio_content
        async with self._send_lock:
            for message in self._protocol.clear():
                await self._socket.send(message)
        self.stats.barge_ins += 1
        self.stats.frames_discarded_by_barge_in += dropped
        log.info("call.barge_in", extra={"call_id": self.call.call_id, "frames_dropped": dropped})

    async def _pump(self) -> bool:
        """Send every frame the pacer allows now. The lock keeps frames in order across tasks."""
        async with self._send_lock:
            frames = self._pacer.pop_due(time.monotonic())
            if not frames:
                self._pacer_wake.set()
                return False
            if self.stats.first_audio_at is None:
                self.stats.first_audio_at = time.monotonic()
            for message in self._protocol.audio(b"".join(frames)):
                await self._socket.send(message)
            self.stats.frames_out += len(frames)
        self._pacer_wake.set()
        return True

    async def _pace(self) -> str:
        while True:
            due = self._pacer.next_due(time.monotonic())
            if due is None:
                self._pacer_wake.clear()
                await self._pacer_wake.wait()
                continue
            delay = due - time.monotonic()
            if delay > 0:
                self._pacer_wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._pacer_wake.wait(), delay)
                continue
            if not await self._pump():
                await asyncio.sleep(0.001)  # the pacer's clock and ours disagree by rounding: never spin
