"""Twilio's HTTP side: the voice webhook (TwiML) and the Media Streams WebSocket endpoint.

Both requests are signed by Twilio. The signed URL is rebuilt from PUBLIC_BASE_URL, never from the Host
header, because behind ngrok or a load balancer the app sees an internal URL; the WebSocket upgrade is
signed over the exact ``wss://`` URL of ``<Stream url>`` with no parameters.
"""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request, WebSocket
from fastapi.responses import Response

from app.calls import run_media_call
from app.context import get_context
from providers.twilio.protocol import TwilioMediaProtocol
from providers.twilio.twiml import connect_stream_twiml, say_and_hangup_twiml, validate_twilio_signature

log = logging.getLogger(__name__)

VOICE_PATH = "/twilio/voice"
MEDIA_PATH = "/twilio/media"
BUSY_MESSAGE = "All of our agents are busy right now. Please call again in a few minutes. Goodbye."

router = APIRouter()


def _xml(body: str, status_code: int = 200) -> Response:
    return Response(content=body, status_code=status_code, media_type="application/xml")


@router.post(VOICE_PATH)
async def twilio_voice(request: Request) -> Response:
    ctx = get_context(request)
    settings = ctx.settings
    form = await request.form()
    params = {key: str(value) for key, value in form.multi_items()}
    if settings.twilio_validate_signatures:
        url = (
            settings.public_base_url
            + request.url.path
            + (f"?{request.url.query}" if request.url.query else "")
        )
        signature = request.headers.get("x-twilio-signature", "")
        if not validate_twilio_signature(
            settings.twilio_auth_token.get_secret_value(), url, params, signature
        ):
            log.warning("twilio.webhook_refused", extra={"why": "bad_signature", "url": url})
            return Response(status_code=403)
    call_sid = params.get("CallSid", "")
    if not call_sid:
        return Response("missing CallSid", status_code=400)
    if not ctx.registry.accepting:
        log.warning("twilio.busy", extra={"call_id": call_sid, "live_calls": len(ctx.registry)})
        return _xml(say_and_hangup_twiml(BUSY_MESSAGE))
    token = ctx.tokens.mint(call_sid, profile="default")
    stream_params = {"token": token, "from": params.get("From", ""), "to": params.get("To", "")}
    log.info("twilio.answer", extra={"call_id": call_sid})
    return _xml(connect_stream_twiml(settings.public_ws_base + MEDIA_PATH, stream_params))


@router.websocket(MEDIA_PATH)
async def twilio_media(ws: WebSocket) -> None:
    ctx = get_context(ws)
    settings = ctx.settings
    if settings.twilio_validate_signatures:
        url = settings.public_ws_base + MEDIA_PATH
        signature = ws.headers.get("x-twilio-signature", "")
        if not validate_twilio_signature(settings.twilio_auth_token.get_secret_value(), url, {}, signature):
            log.warning("twilio.media_refused", extra={"why": "bad_signature"})
            await ws.close(code=1008)
            return
    await ws.accept()
    await run_media_call(ctx, ws, TwilioMediaProtocol(max_message_bytes=settings.max_message_bytes), "twilio")
