"""Vonage's HTTP side: the answer webhook (NCCO), the event webhook, and the media WebSocket endpoint.

Signed webhooks carry an HS256 JWT (``VONAGE_SIGNATURE_SECRET``); unsigned or forged ones get 401. The
media socket is authorised by the per-call token our answer webhook put in the NCCO's ``headers``
(checked after ``websocket:connected`` and before any Nova session opens), and, when
``VONAGE_WS_AUTHORIZATION`` is on, by Vonage's own JWT on the upgrade.
"""

from __future__ import annotations

import logging
from typing import Any

import orjson
from fastapi import APIRouter, Request, WebSocket
from fastapi.responses import JSONResponse, Response

from app.calls import run_media_call
from app.context import AppContext, get_context
from providers.vonage.ncco import connect_websocket_ncco, talk_ncco
from providers.vonage.protocol import VonageMediaProtocol
from providers.vonage.signature import SignatureError, verify_vonage_jwt

log = logging.getLogger(__name__)

ANSWER_PATH, EVENTS_PATH, MEDIA_PATH = "/vonage/answer", "/vonage/events", "/vonage/media"
BUSY_MESSAGE = "All of our agents are busy right now. Please call again in a few minutes. Goodbye."
ENDED_STATUSES = frozenset({"completed", "cancelled", "failed", "rejected", "busy", "timeout", "unanswered"})

router = APIRouter()


def _check_signature(ctx: AppContext, request: Request, body: bytes | None) -> str | None:
    """None when the request is authentic (or checks are off); else the reason to refuse."""
    settings = ctx.settings
    if not settings.vonage_validate_signatures:
        return None
    query = (list(request.query_params.multi_items()), request.url.query) if body is None else None
    try:
        verify_vonage_jwt(
            request.headers.get("authorization", ""),
            settings.vonage_signature_secret.get_secret_value(),
            body=body,
            query=query,
            application_id=settings.vonage_application_id,
        )
    except SignatureError as exc:
        return exc.reason
    return None


def _params(raw: bytes) -> dict[str, Any]:
    try:
        doc = orjson.loads(raw) if raw else {}
    except orjson.JSONDecodeError:
        return {}
    return doc if isinstance(doc, dict) else {}


@router.api_route(ANSWER_PATH, methods=["GET", "POST"])
async def vonage_answer(request: Request) -> Response:
    ctx = get_context(request)
    settings = ctx.settings
    body = await request.body() if request.method == "POST" else None
    refused = _check_signature(ctx, request, body)
    if refused is not None:
        log.warning("vonage.answer_refused", extra={"why": refused})
        return Response(status_code=401)
    params = _params(body) if body is not None else dict(request.query_params)
    uuid = str(params.get("uuid", ""))
    if not uuid:
        return Response("missing uuid", status_code=400)
    if not ctx.registry.accepting:
        log.warning("vonage.busy", extra={"call_id": uuid, "live_calls": len(ctx.registry)})
        return JSONResponse(talk_ncco(BUSY_MESSAGE))
    caller, callee = str(params.get("from", "")), str(params.get("to", ""))
    headers = {
        "call_uuid": uuid,
        "from": caller,
        "to": callee,
        "token": ctx.tokens.mint(uuid, profile="default"),
    }
    ncco = connect_websocket_ncco(
        uri=settings.public_ws_base + MEDIA_PATH,
        rate=settings.vonage_audio_rate,
        headers=headers,
        event_url=settings.public_base_url + EVENTS_PATH,
        from_number=settings.vonage_number or callee,
        vonage_authorization=settings.vonage_ws_authorization,
    )
    log.info("vonage.answer", extra={"call_id": uuid, "rate": settings.vonage_audio_rate})
    return JSONResponse(ncco)


@router.post(EVENTS_PATH)
async def vonage_events(request: Request) -> Response:
    ctx = get_context(request)
    body = await request.body()
    refused = _check_signature(ctx, request, body)
    if refused is not None:
        log.warning("vonage.event_refused", extra={"why": refused})
        return Response(status_code=401)
    event = _params(body)
    uuid, status = str(event.get("uuid", "")), str(event.get("status", ""))
    log.info("vonage.event", extra={"call_id": uuid, "status": status, "to": str(event.get("to", ""))[:80]})
    record = ctx.registry.get(uuid)
    if record is not None:
        record.provider_status = status
        if status in ENDED_STATUSES and record.control is not None:
            await record.control.hang_up(f"vonage_{status}")
    return Response(status_code=204)


@router.websocket(MEDIA_PATH)
async def vonage_media(ws: WebSocket) -> None:
    ctx = get_context(ws)
    settings = ctx.settings
    if settings.vonage_ws_authorization:
        try:
            verify_vonage_jwt(
                ws.headers.get("authorization", ""),
                settings.vonage_signature_secret.get_secret_value(),
                application_id=settings.vonage_application_id,
            )
        except SignatureError as exc:
            log.warning("vonage.media_refused", extra={"why": exc.reason})
            await ws.close(code=1008)
            return
    await ws.accept()
    protocol = VonageMediaProtocol(settings.vonage_audio_rate, max_message_bytes=settings.max_message_bytes)
    await run_media_call(ctx, ws, protocol, "vonage", upgrade_signed=settings.vonage_ws_authorization)
