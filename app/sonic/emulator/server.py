"""The emulator's transport: HTTP/2 over TLS on asyncio, close enough to Bedrock for the real SDK.

The awscrt client only speaks HTTP/2 over TLS (ALPN ``h2``), and it never sets TCP_NODELAY, so with
Linux delayed ACKs its back-to-back small writes stall ~40 ms. We therefore run TLS ourselves over
``ssl.MemoryBIO`` inside an ``asyncio.Protocol`` (asyncio's own TLS hides the reads we need) and re-arm
TCP_QUICKACK after every received segment. Large flow-control windows keep the client from stalling on
us; our sends respect the client's window.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import socket
import ssl
import urllib.parse
from collections.abc import Awaitable, Callable
from typing import Any

import h2.config
import h2.connection
import h2.events
import h2.exceptions
import h2.settings

from app.sonic.emulator.codec import (
    EventStreamParser,
    encode_chunk,
    encode_error,
    encode_exception,
    unwrap_input,
)

log = logging.getLogger(__name__)

PATH_RE = re.compile(r"^/model/(?P<model>[^/]+)/invoke-with-bidirectional-stream$")
INPUT_CLOSED = None
"""What ``StreamSession.recv`` returns once the client has closed its input."""


class StreamSession:
    """One InvokeModelWithBidirectionalStream call = one HTTP/2 stream."""

    def __init__(self, conn: H2Connection, stream_id: int, model_id: str) -> None:
        self.conn = conn
        self.stream_id = stream_id
        self.model_id = model_id
        self.inbox: asyncio.Queue[dict[str, Any] | ValueError | None] = asyncio.Queue()
        self.input_closed = False
        self.ended = False

    async def recv(self) -> dict[str, Any] | ValueError | None:
        return await self.inbox.get()

    async def send_event(self, payload: bytes) -> None:
        await self.conn.send_data(self.stream_id, encode_chunk(payload))

    async def send_exception(self, exception_type: str, message: str) -> None:
        await self.conn.send_data(self.stream_id, encode_exception(exception_type, message))

    async def send_error(self, code: str, message: str) -> None:
        await self.conn.send_data(self.stream_id, encode_error(code, message))

    async def end(self) -> None:
        if not self.ended:
            self.ended = True
            await self.conn.send_data(self.stream_id, b"", end_stream=True)

    def _deliver(self, item: dict[str, Any] | ValueError | None) -> None:
        if item is None:
            if self.input_closed:
                return
            self.input_closed = True
        self.inbox.put_nowait(item)


Handler = Callable[[StreamSession], Awaitable[None]]
HttpRejector = Callable[[str], tuple[int, str, str] | None]


class H2Connection(asyncio.Protocol):
    """One TCP connection: TLS via MemoryBIO, then an h2 server state machine."""

    def __init__(self, server: EmulatorServer) -> None:
        self.server = server
        config = h2.config.H2Configuration(
            client_side=False, header_encoding="utf-8", validate_inbound_headers=False
        )
        self.h2 = h2.connection.H2Connection(config=config)
        self.sessions: dict[int, StreamSession] = {}
        self.parsers: dict[int, EventStreamParser] = {}
        self.window_open = asyncio.Event()
        self.transport: asyncio.Transport | None = None
        self._sock: socket.socket | None = None
        self._in, self._out = ssl.MemoryBIO(), ssl.MemoryBIO()
        self._tls = server.ssl_context.wrap_bio(self._in, self._out, server_side=True)
        self._h2_started = False

    def _quickack(self) -> None:
        if self._sock is not None:
            with contextlib.suppress(OSError, AttributeError):
                self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.server.connections.add(self)
        self._sock = transport.get_extra_info("socket")
        self._quickack()

    def _write(self, data: bytes = b"") -> None:
        if self.transport is None or self.transport.is_closing():
            return
        if data:
            self._tls.write(data)
        out = self._out.read()
        if out:
            self.transport.write(out)

    def flush(self) -> None:
        self._write(self.h2.data_to_send())

    def data_received(self, data: bytes) -> None:
        self._quickack()
        self._in.write(data)
        if not self._h2_started and not self._handshake():
            return
        chunks = []
        while True:
            try:
                chunk = self._tls.read(1 << 17)
            except ssl.SSLWantReadError:
                break
            except ssl.SSLError as exc:  # includes a clean TLS close (SSLZeroReturnError)
                log.debug("emulator TLS read ended: %s", exc)
                self.abort()
                return
            if not chunk:
                break
            chunks.append(chunk)
        self._write()  # TLS 1.3 session tickets and key updates
        if chunks:
            self._feed_h2(b"".join(chunks))

    def _handshake(self) -> bool:
        try:
            self._tls.do_handshake()
        except ssl.SSLWantReadError:
            self._write()
            return False
        except ssl.SSLError as exc:
            log.info("emulator TLS handshake failed: %s", exc)
            self._write()
            self.abort()
            return False
        self._write()
        self._h2_started = True
        self.h2.initiate_connection()
        self.h2.update_settings({h2.settings.SettingCodes.INITIAL_WINDOW_SIZE: 1 << 24})
        self.h2.increment_flow_control_window(1 << 30)
        self.flush()
        return True

    def _feed_h2(self, data: bytes) -> None:
        try:
            events = self.h2.receive_data(data)
        except h2.exceptions.ProtocolError as exc:
            log.warning("emulator h2 protocol error: %s", exc)
            self.flush()
            self.abort()
            return
        for event in events:
            self._on_h2_event(event)
        self.flush()

    def abort(self) -> None:
        if self.transport is not None:
            self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self.server.connections.discard(self)
        for session in self.sessions.values():
            session.ended = True
            session._deliver(INPUT_CLOSED)
        self.sessions.clear()
        self.window_open.set()

    def _on_h2_event(self, event: Any) -> None:
        if isinstance(event, h2.events.RequestReceived):
            self._on_request(event.stream_id, {str(k).lower(): str(v) for k, v in event.headers})
        elif isinstance(event, h2.events.DataReceived):
            if event.flow_controlled_length:
                self.h2.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
            self._on_data(event.stream_id, event.data)
        elif isinstance(event, h2.events.StreamEnded):
            session = self.sessions.get(event.stream_id)
            if session is not None:
                session._deliver(INPUT_CLOSED)
        elif isinstance(event, h2.events.StreamReset):
            session = self.sessions.pop(event.stream_id, None)
            if session is not None:
                session.ended = True
                session._deliver(INPUT_CLOSED)
        elif isinstance(event, h2.events.WindowUpdated):
            self.window_open.set()

    def _on_data(self, stream_id: int, data: bytes) -> None:
        session = self.sessions.get(stream_id)
        if session is None:
            return
        for message in self.parsers[stream_id].feed(data):
            try:
                session._deliver(unwrap_input(message))
            except (ValueError, KeyError) as exc:
                session._deliver(ValueError(f"undecodable input event: {exc}"))

    def _reply_error(self, stream_id: int, status: int, error_type: str, message: str) -> None:
        body = json.dumps({"message": message}).encode()
        headers = [
            (":status", str(status)),
            ("content-type", "application/json"),
            ("x-amzn-errortype", error_type),
            ("x-amzn-requestid", f"emulator-{stream_id}"),
            ("content-length", str(len(body))),
        ]
        self.h2.send_headers(stream_id, headers)
        self.h2.send_data(stream_id, body, end_stream=True)

    def _on_request(self, stream_id: int, headers: dict[str, str]) -> None:
        path = headers.get(":path", "").split("?")[0]
        match = PATH_RE.match(path)
        if headers.get(":method") != "POST" or not match:
            self._reply_error(stream_id, 404, "ResourceNotFoundException", f"unknown route {path}")
            return
        model_id = urllib.parse.unquote(match.group("model"))
        rejection = self.server.reject(model_id)
        if rejection is not None:
            self._reply_error(stream_id, *rejection)
            return
        self.h2.send_headers(
            stream_id,
            [
                (":status", "200"),
                ("content-type", "application/vnd.amazon.eventstream"),
                ("x-amzn-requestid", f"emulator-{stream_id}"),
            ],
        )
        session = StreamSession(self, stream_id, model_id)
        self.sessions[stream_id] = session
        self.parsers[stream_id] = EventStreamParser()
        self.server.start_handler(session)

    async def send_data(self, stream_id: int, data: bytes, end_stream: bool = False) -> None:
        view = memoryview(data)
        while view:
            if stream_id not in self.sessions:
                return
            try:
                window = self.h2.local_flow_control_window(stream_id)
            except h2.exceptions.StreamClosedError:
                return
            if window <= 0:
                self.window_open.clear()
                await self.window_open.wait()
                continue
            size = min(len(view), window, self.h2.max_outbound_frame_size)
            self.h2.send_data(stream_id, bytes(view[:size]))
            view = view[size:]
            self.flush()
        if end_stream and stream_id in self.sessions:
            with contextlib.suppress(h2.exceptions.StreamClosedError, h2.exceptions.ProtocolError):
                self.h2.end_stream(stream_id)
            self.flush()
            self.sessions.pop(stream_id, None)
            self.parsers.pop(stream_id, None)


class EmulatorServer:
    """Listens on TLS; runs ``handler`` once per bidirectional stream."""

    def __init__(
        self, handler: Handler, ssl_context: ssl.SSLContext, host: str = "127.0.0.1", port: int = 0
    ) -> None:
        self.handler = handler
        self.ssl_context = ssl_context
        self.host = host
        self.port = port
        self.connections: set[H2Connection] = set()
        self.rejections: dict[str, tuple[int, str, str]] = {}
        self._handlers: set[asyncio.Task[None]] = set()
        self._server: asyncio.Server | None = None

    @property
    def endpoint(self) -> str:
        return f"https://{self.host}:{self.port}"

    def reject(self, model_id: str) -> tuple[int, str, str] | None:
        return self.rejections.get(model_id)

    def start_handler(self, session: StreamSession) -> None:
        task = asyncio.get_running_loop().create_task(self._run(session))
        self._handlers.add(task)
        task.add_done_callback(self._handlers.discard)

    async def _run(self, session: StreamSession) -> None:
        try:
            await self.handler(session)
        except Exception:
            log.exception("emulator session handler failed")
            with contextlib.suppress(Exception):
                await session.send_exception("internalServerException", "emulator handler crashed")
        finally:
            with contextlib.suppress(Exception):
                await session.end()

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(lambda: H2Connection(self), self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for conn in list(self.connections):
            conn.abort()
        for task in list(self._handlers):
            task.cancel()
        if self._handlers:
            await asyncio.gather(*self._handlers, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()
