"""NCCO documents (JSON arrays of actions) for the answer webhook. Pure functions."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

RATES = (8000, 16000, 24000)
MAX_HEADERS_BYTES = 512
"""Vonage: the endpoint's custom headers may total at most 512 bytes."""


def connect_websocket_ncco(
    *,
    uri: str,
    rate: int,
    headers: dict[str, str],
    event_url: str,
    from_number: str = "",
    vonage_authorization: bool = False,
) -> list[dict[str, Any]]:
    """``connect`` the call to our media WebSocket at ``rate`` (both directions)."""
    if rate not in RATES:
        raise ValueError(f"Vonage L16 rate must be one of {RATES}, not {rate}")
    if urlsplit(uri).scheme not in ("wss", "ws"):
        raise ValueError(f"the WebSocket URI must be wss:// (ws:// only for local tests): {uri!r}")
    if sum(len(k) + len(v) for k, v in headers.items()) > MAX_HEADERS_BYTES:
        raise ValueError("Vonage endpoint headers exceed 512 bytes")
    endpoint: dict[str, Any] = {
        "type": "websocket",
        "uri": uri,
        "content-type": f"audio/l16;rate={rate}",
        "headers": headers,
    }
    if vonage_authorization:
        endpoint["authorization"] = {"type": "vonage"}
    connect: dict[str, Any] = {
        "action": "connect",
        "eventType": "synchronous",
        "eventUrl": [event_url],
        "endpoint": [endpoint],
    }
    digits = from_number.lstrip("+")
    if digits.isdigit():
        connect["from"] = digits
    return [connect]


def talk_ncco(text: str, language: str = "en-US") -> list[dict[str, Any]]:
    """Say something and end the call (busy, errors): the call completes after the last action."""
    return [{"action": "talk", "text": text, "language": language}]
