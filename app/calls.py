"""The provider-independent life of one media socket: handshake, token, registry, Nova, bridge, close.

A provider route checks its own signature, accepts the socket and hands over here with its protocol
object. Everything that can go wrong with one call ends that call alone, with a logged reason and a
WebSocket close code, and always through the same ``finally`` so nothing outlives the call.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from app.bridge import BridgeConfig, CallBridge, SocketClosed
from app.context import AppContext
from app.registry import CallRecord
from app.sonic.session import NovaSessionError, SessionConfig
from app.tokens import TokenError
from providers.base import CallStarted, MediaProtocol, ProtocolError, WireMessage

log = logging.getLogger(__name__)

HANDSHAKE_TIMEOUT_S = 10.0
CLOSE_NORMAL, CLOSE_POLICY, CLOSE_BAD_DATA, CLOSE_INTERNAL, CLOSE_TRY_LATER = 1000, 1008, 1007, 1011, 1013


class StarletteSocket:
    """Adapts Starlette's WebSocket to the bridge's MediaSocket."""

    def __init__(self, ws: WebSocket) -> None:
        self._ws = ws

    async def receive(self) -> WireMessage:
        try:
            message = await self._ws.receive()
        except (WebSocketDisconnect, RuntimeError) as exc:
            raise SocketClosed() from exc
        if message["type"] == "websocket.disconnect":
            raise SocketClosed()
        text = message.get("text")
        if text is not None:
            return str(text)
        return bytes(message.get("bytes") or b"")

    async def send(self, message: WireMessage) -> None:
        try:
            if isinstance(message, str):
                await self._ws.send_text(message)
            else:
                await self._ws.send_bytes(message)
        except (WebSocketDisconnect, RuntimeError, OSError) as exc:
            raise SocketClosed() from exc


class CallRefused(Exception):
    def __init__(self, reason: str, code: int) -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code


async def _handshake(socket: StarletteSocket, protocol: MediaProtocol) -> CallStarted:
    while True:
        message = await socket.receive()
        for event in protocol.parse(message):
            if isinstance(event, CallStarted):
                return event
            raise ProtocolError(f"{type(event).__name__} before the call started")


def nova_rate(ctx: AppContext, provider_rate: int) -> int:
    """Nova runs at the provider's rate (no resampling) unless NOVA_AUDIO_RATE forces another."""
    return ctx.settings.nova_audio_rate or provider_rate


def _session_config(ctx: AppContext, rate: int) -> SessionConfig:
    s = ctx.settings
    return SessionConfig(
        system_prompt=s.system_prompt,
        voice=s.nova_voice,
        input_rate=rate,
        output_rate=rate,
        max_tokens=s.nova_max_tokens,
        top_p=s.nova_top_p,
        temperature=s.nova_temperature,
        endpointing=s.nova_endpointing,
    )


async def run_media_call(
    ctx: AppContext, ws: WebSocket, protocol: MediaProtocol, provider: str, upgrade_signed: bool = False
) -> None:
    """Serve one accepted media socket until the call ends. Never raises.

    ``upgrade_signed``: the provider itself signed the WebSocket upgrade (Vonage's JWT), so a call that
    reached us through someone else's NCCO (a contact-center flow) may come without our call token.
    """
    socket = StarletteSocket(ws)
    call_id = "?"
    code, reason = CLOSE_NORMAL, "ended"
    try:
        started = await asyncio.wait_for(_handshake(socket, protocol), HANDSHAKE_TIMEOUT_S)
        started_at = time.monotonic()  # setup latency counts from the provider's start message
        call_id = started.call_id
        profile = _authorize(ctx, started, provider, upgrade_signed)
        code, reason = await _serve(ctx, socket, protocol, provider, started, started_at, profile)
    except CallRefused as exc:
        code, reason = exc.code, exc.reason
    except TimeoutError:
        code, reason = CLOSE_POLICY, "handshake_timeout"
    except ProtocolError as exc:
        log.warning(
            "call.protocol_error", extra={"call_id": call_id, "provider": provider, "error": str(exc)}
        )
        code, reason = CLOSE_BAD_DATA, "protocol_error"
    except SocketClosed:
        reason = "provider_disconnected"
    except Exception:
        log.exception("call.internal_error", extra={"call_id": call_id, "provider": provider})
        code, reason = CLOSE_INTERNAL, "internal_error"
    finally:
        log.info("call.closed", extra={"call_id": call_id, "provider": provider, "reason": reason})
        if ws.application_state != WebSocketState.DISCONNECTED:
            with contextlib.suppress(Exception):
                await ws.close(code=code, reason=reason[:120])


def _authorize(ctx: AppContext, started: CallStarted, provider: str, upgrade_signed: bool) -> str:
    """The call's agent profile, from its token; refuse the call (before any Nova session) otherwise."""
    token = started.params.get("token", "")
    if not token and upgrade_signed:
        return started.params.get("profile", "default")
    try:
        return ctx.tokens.verify(token, started.call_id).profile
    except TokenError as exc:
        log.warning(
            "call.token_refused", extra={"call_id": started.call_id, "provider": provider, "why": exc.reason}
        )
        raise CallRefused(f"token_{exc.reason}", CLOSE_POLICY) from exc


async def _serve(
    ctx: AppContext,
    socket: StarletteSocket,
    protocol: MediaProtocol,
    provider: str,
    started: CallStarted,
    started_at: float,
    profile: str,
) -> tuple[int, str]:
    record = CallRecord(started.call_id, provider, started.caller, started.callee, profile)
    if not ctx.registry.add(record):
        raise CallRefused("at_capacity", CLOSE_TRY_LATER)
    try:
        return await _bridge(ctx, socket, protocol, provider, started, record, started_at)
    finally:
        ctx.registry.remove(started.call_id)


async def _bridge(
    ctx: AppContext,
    socket: StarletteSocket,
    protocol: MediaProtocol,
    provider: str,
    started: CallStarted,
    record: CallRecord,
    started_at: float,
) -> tuple[int, str]:
    assert ctx.backend is not None, "the Nova backend starts with the app"
    rate = nova_rate(ctx, protocol.fmt.rate)
    log.info(
        "call.started", extra={"call_id": started.call_id, "provider": provider, "profile": record.profile}
    )
    try:
        session = await ctx.backend.client.open_session(_session_config(ctx, rate))
    except NovaSessionError as exc:
        log.error(
            "call.nova_open_failed",
            extra={"call_id": started.call_id, "fault": exc.kind, "error": exc.message},
        )
        return CLOSE_INTERNAL, f"nova_{exc.kind}"
    s = ctx.settings
    config = BridgeConfig(
        nova_input_rate=rate,
        nova_output_rate=rate,
        greeting=s.greeting or None,
        pacer_lead_ms=s.pacer_lead_ms,
        uplink_chunk_ms=s.uplink_chunk_ms,
        keepalive_after_ms=s.keepalive_after_ms,
    )
    bridge = CallBridge(
        call=started, protocol=protocol, socket=socket, session=session, config=config, started_at=started_at
    )
    record.control = bridge
    try:
        reason = await bridge.run()
    finally:
        await session.close()
    stats = bridge.stats
    log.info(
        "call.stats",
        extra={
            "call_id": started.call_id,
            "reason": reason,
            "first_audio_ms": stats.first_audio_ms,
            "frames_in": stats.frames_in,
            "frames_out": stats.frames_out,
            "barge_ins": stats.barge_ins,
            "uplink_dropped": stats.uplink_dropped,
        },
    )
    code = CLOSE_BAD_DATA if reason == "protocol_error" else CLOSE_NORMAL
    return code, reason
