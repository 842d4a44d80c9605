"""One Nova Sonic bidirectional stream, over the real SDK, with its pitfalls handled in one place.

The SDK does not fail a ``send`` after the server has ended the stream (the data goes into a buffer and
a CRT task dies later, unobserved), so a session's health is read from the *output* side only: a reader
task owned by the session drains ``receive()`` into a bounded queue and records how the stream ended.
That reader is never cancelled while the CRT owns its future (cancelling it raises InvalidStateError in
the CRT); :meth:`NovaSession.close` ends our input and waits for the server to finish instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from aws_sdk_bedrock_runtime.client import AsyncBedrockRuntimeClient
from aws_sdk_bedrock_runtime.models import (
    BidirectionalInputPayloadPart,
    InvokeModelWithBidirectionalStreamInputChunk,
    InvokeModelWithBidirectionalStreamOperationInput,
)

from app.sonic import events as ev

log = logging.getLogger(__name__)

_END = object()
CLOSE_TIMEOUT_S = 3.0


class NovaSessionError(Exception):
    """The stream failed or ended unexpectedly. ``kind`` names the fault for logs and metrics."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(f"{kind}: {message}")
        self.kind = kind
        self.message = message


def classify_error(exc: BaseException) -> NovaSessionError:
    """Map SDK/transport exceptions to a small set of fault kinds the bridge can act on."""
    if isinstance(exc, NovaSessionError):
        return exc
    name = type(exc).__name__
    message = str(getattr(exc, "message", "") or exc)
    kinds = {
        "ThrottlingException": "throttled",
        "ServiceUnavailableException": "unavailable",
        "ModelNotReadyException": "unavailable",
        "ValidationException": "validation",
        "ModelTimeoutException": "model_timeout",
        "ModelStreamErrorException": "stream_error",
        "InternalServerException": "server_error",
        "AccessDeniedException": "access_denied",
        "UnmodeledEventError": "server_error",
        "TimeoutError": "timeout",
    }
    kind = kinds.get(name, "transport")
    if kind == "validation" and ("Timed out waiting" in message or "RST_STREAM" in message):
        kind = "idle_timeout"
    return NovaSessionError(kind, f"{name}: {message}")


@dataclass(frozen=True, slots=True)
class SessionConfig:
    """What a Nova session is opened with. Fixed for the session's lifetime (Nova's rule, not ours)."""

    system_prompt: str
    voice: str
    input_rate: int
    output_rate: int
    max_tokens: int = 1024
    top_p: float = 0.9
    temperature: float = 0.7
    endpointing: str | None = "MEDIUM"
    tools: list[dict[str, Any]] = field(default_factory=list)
    history: list[tuple[ev.TextRole, str]] = field(default_factory=list)
    """(role, text) pairs, USER first, replayed as non-interactive text after the system prompt."""


def _consume_crt_writer_errors() -> None:
    """Retrieve the exception of awscrt's request-body writer tasks, which nobody awaits.

    When Nova ends a stream while our input is still open, the CRT's writer task fails with
    AWS_ERROR_HTTP_STREAM_HAS_COMPLETED and asyncio logs "Task exception was never retrieved". The
    session already learns of the end from the output side, so the error carries no news: consume it.
    """
    for task in asyncio.all_tasks():
        name = getattr(task.get_coro(), "__qualname__", "")
        if name.endswith("_set_request_body_generator") and not hasattr(task, "_nova_seen"):
            task._nova_seen = True  # type: ignore[attr-defined]
            task.add_done_callback(lambda t: t.cancelled() or t.exception())


def _chunk(payload: bytes) -> InvokeModelWithBidirectionalStreamInputChunk:
    return InvokeModelWithBidirectionalStreamInputChunk(value=BidirectionalInputPayloadPart(bytes_=payload))


class NovaSession:
    """A started session: send caller audio and text, iterate typed output events, close once."""

    def __init__(self, stream: Any, config: SessionConfig) -> None:
        self._stream = stream
        self.config = config
        self.prompt_name = str(uuid.uuid4())
        self.audio_content = str(uuid.uuid4())
        self._send_lock = asyncio.Lock()
        self._queue: asyncio.Queue[object] = asyncio.Queue(maxsize=512)
        self._reader: asyncio.Task[None] | None = None
        self._failure: NovaSessionError | None = None
        self._input_open = True
        self._closed = False
        self.ended = asyncio.Event()
        """Set once the output side is finished, whichever way."""

    @property
    def alive(self) -> bool:
        return not self.ended.is_set() and not self._closed

    @property
    def failure(self) -> NovaSessionError | None:
        return self._failure

    async def start(self, open_timeout_s: float) -> None:
        """Send the prompt set-up, wait for the HTTP 200, then open the caller's audio block."""
        cfg = self.config
        name = self.prompt_name
        setup = [
            ev.session_start(
                max_tokens=cfg.max_tokens,
                top_p=cfg.top_p,
                temperature=cfg.temperature,
                endpointing=cfg.endpointing,
            ),
            ev.prompt_start(prompt_name=name, voice=cfg.voice, output_rate=cfg.output_rate, tools=cfg.tools),
            *ev.text_block(
                prompt_name=name,
                content_name=str(uuid.uuid4()),
                role="SYSTEM",
                interactive=False,
                text=cfg.system_prompt,
            ),
        ]
        for role, text in cfg.history:
            setup += ev.text_block(
                prompt_name=name, content_name=str(uuid.uuid4()), role=role, interactive=False, text=text
            )
        await self._send_raw(setup)
        try:
            _, output = await asyncio.wait_for(self._stream.await_output(), open_timeout_s)
        except BaseException as exc:
            raise classify_error(exc) from exc
        self._reader = asyncio.create_task(self._read(output), name=f"nova-reader-{name[:8]}")
        await self._send_raw(
            [
                ev.audio_content_start(
                    prompt_name=name, content_name=self.audio_content, input_rate=cfg.input_rate
                )
            ]
        )

    async def _send_raw(self, payloads: list[bytes]) -> bool:
        """Send events as one uninterrupted group (audio never lands inside a TEXT block)."""
        if not self._input_open:
            return False
        async with self._send_lock:
            for payload in payloads:
                if not self._input_open or self.ended.is_set():
                    return False
                await self._stream.input_stream.send(_chunk(payload))
        return True

    async def send_audio(self, pcm16: bytes) -> bool:
        """Send caller audio. Returns False (and sends nothing) once the session is no longer alive."""
        if not self.alive:
            return False
        payload = ev.audio_input(prompt_name=self.prompt_name, content_name=self.audio_content, pcm16=pcm16)
        return await self._send_raw([payload])

    async def send_user_text(self, text: str) -> bool:
        """Cross-modal (interactive) USER text while audio is open: speak-first, DTMF, notices."""
        if not self.alive:
            return False
        return await self._send_raw(
            ev.text_block(
                prompt_name=self.prompt_name,
                content_name=str(uuid.uuid4()),
                role="USER",
                interactive=True,
                text=text,
            )
        )

    async def send_tool_result(self, tool_use_id: str, result: dict[str, Any]) -> bool:
        if not self.alive:
            return False
        return await self._send_raw(
            ev.tool_result_block(
                prompt_name=self.prompt_name,
                content_name=str(uuid.uuid4()),
                tool_use_id=tool_use_id,
                result=result,
            )
        )

    async def _read(self, output: Any) -> None:
        try:
            while True:
                result = await output.receive()
                if result is None:
                    if self._input_open:
                        self._failure = NovaSessionError("ended", "Nova ended the stream")
                    break
                try:
                    await self._queue.put(ev.parse_output(result.value.bytes_))
                except ValueError as exc:
                    log.warning("nova.bad_output_event", extra={"error": str(exc)})
        except BaseException as exc:  # every way the stream can die is recorded
            self._failure = classify_error(exc)
            if isinstance(exc, asyncio.CancelledError):
                raise
        finally:
            _consume_crt_writer_errors()
            self.ended.set()
            with contextlib.suppress(asyncio.QueueFull):
                self._queue.put_nowait(_END)

    async def events(self) -> AsyncIterator[ev.OutputEvent]:
        """Output events until the stream ends. Raises NovaSessionError if it ended by a fault."""
        while True:
            item = await self._queue.get()
            if item is _END:
                break
            yield item  # type: ignore[misc]
        if self._failure is not None and not self._closed:
            raise self._failure

    async def close(self) -> None:
        """End our input politely (contentEnd, promptEnd, sessionEnd, end frame) and wait for the server."""
        if self._closed:
            return
        self._closed = True
        name = self.prompt_name
        if not self.ended.is_set():
            closing = [
                ev.content_end(prompt_name=name, content_name=self.audio_content),
                ev.prompt_end(prompt_name=name),
                ev.session_end(),
            ]
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._send_raw(closing), CLOSE_TIMEOUT_S)
        self._input_open = False
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._stream.input_stream.close(), CLOSE_TIMEOUT_S)
        _consume_crt_writer_errors()
        if self._reader is not None:
            # Keep draining so a full queue cannot block the reader from seeing the end of stream.
            drain = asyncio.create_task(self._drain())
            try:
                await asyncio.wait_for(asyncio.shield(self._reader), CLOSE_TIMEOUT_S)
            except (TimeoutError, asyncio.CancelledError):
                self._reader.cancel()
                with contextlib.suppress(BaseException):
                    await self._reader
            except Exception:  # the reader already recorded the failure
                pass
            finally:
                drain.cancel()
        self.ended.set()

    async def _drain(self) -> None:
        while True:
            await self._queue.get()


class NovaClient:
    """The process-wide client: one HTTP/2 connection, one stream per call."""

    def __init__(
        self, client: AsyncBedrockRuntimeClient, model_id: str, backend: str, open_timeout_s: float
    ) -> None:
        self._client = client
        self.model_id = model_id
        self.backend = backend
        self.open_timeout_s = open_timeout_s

    async def open_session(self, config: SessionConfig) -> NovaSession:
        try:
            stream = await asyncio.wait_for(
                self._client.invoke_model_with_bidirectional_stream(
                    InvokeModelWithBidirectionalStreamOperationInput(model_id=self.model_id)
                ),
                self.open_timeout_s,
            )
        except BaseException as exc:
            raise classify_error(exc) from exc
        _consume_crt_writer_errors()
        session = NovaSession(stream, config)
        try:
            await session.start(self.open_timeout_s)
        except BaseException:
            await session.close()
            raise
        return session

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self._client.close()
