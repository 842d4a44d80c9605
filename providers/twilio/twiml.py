"""TwiML documents and Twilio request signatures. Pure functions over the twilio SDK."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlsplit

from twilio.request_validator import RequestValidator
from twilio.twiml.voice_response import Connect, VoiceResponse

MAX_PARAMETER_CHARS = 500
"""Twilio: each <Parameter>'s name and value together must stay under 500 characters."""


def connect_stream_twiml(stream_url: str, parameters: Mapping[str, str]) -> str:
    """``<Connect><Stream>``: bidirectional audio; Twilio forbids a query string on the stream URL."""
    parts = urlsplit(stream_url)
    if parts.scheme not in ("wss", "ws") or not parts.netloc:
        raise ValueError(f"stream URL must be wss:// (ws:// only for local tests): {stream_url!r}")
    if parts.query:
        raise ValueError("Twilio does not allow a query string on the stream URL; use <Parameter>")
    response = VoiceResponse()
    connect = Connect()
    stream = connect.stream(url=stream_url)
    for name, value in parameters.items():
        if len(name) + len(value) >= MAX_PARAMETER_CHARS:
            raise ValueError(f"parameter {name!r} is too long for Twilio")
        stream.parameter(name=name, value=value)
    response.append(connect)
    return str(response)


def say_and_hangup_twiml(text: str, voice: str | None = None) -> str:
    response = VoiceResponse()
    if voice:
        response.say(text, voice=voice)
    else:
        response.say(text)
    response.hangup()
    return str(response)


def validate_twilio_signature(auth_token: str, url: str, params: Mapping[str, str], signature: str) -> bool:
    """True when ``signature`` is Twilio's for this URL and these form fields (empty for a WebSocket)."""
    if not auth_token or not signature:
        return False
    return bool(RequestValidator(auth_token).validate(url, dict(params), signature))
