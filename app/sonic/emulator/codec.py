"""AWS event-stream framing as Bedrock's bidirectional endpoint speaks it (see the spike's REPORT §3).

Client → server: each input event is a SigV4-signed *envelope* (headers ``:date``, ``:chunk-signature``)
whose payload is an inner ``chunk`` message carrying ``{"bytes": base64(Nova JSON)}``; an envelope with
an empty payload marks the end of input. Server → client: unsigned ``chunk`` messages, modeled
``exception`` messages, or unmodeled ``error`` messages. The emulator does not verify signatures.
"""

from __future__ import annotations

import base64
import json
from io import BytesIO
from typing import Any

from smithy_aws_event_stream.events import Event, EventMessage

_CHUNK_HEADERS = {":message-type": "event", ":event-type": "chunk", ":content-type": "application/json"}


class EventStreamParser:
    """Incremental decoder: bytes in, complete (CRC-checked) messages out."""

    def __init__(self) -> None:
        self._buf = bytearray()

    def feed(self, data: bytes) -> list[Any]:
        self._buf += data
        messages: list[Any] = []
        while len(self._buf) >= 12:
            total = int.from_bytes(self._buf[0:4], "big")
            if len(self._buf) < total:
                break
            raw = bytes(self._buf[:total])
            del self._buf[:total]
            event = Event.decode(BytesIO(raw))
            if event is not None:
                messages.append(event.message)
        return messages


def encode_chunk(payload: bytes) -> bytes:
    """One output event carrying Nova JSON bytes."""
    body = b'{"bytes":"' + base64.b64encode(payload) + b'"}'
    return bytes(EventMessage(headers=dict(_CHUNK_HEADERS), payload=body).encode())


def encode_exception(exception_type: str, message: str) -> bytes:
    """A modeled exception (``validationException``, ``throttlingException``, …): the SDK raises it."""
    headers = {
        ":message-type": "exception",
        ":exception-type": exception_type,
        ":content-type": "application/json",
    }
    return bytes(EventMessage(headers=headers, payload=json.dumps({"message": message}).encode()).encode())


def encode_error(code: str, message: str) -> bytes:
    headers = {":message-type": "error", ":error-code": code, ":error-message": message}
    return bytes(EventMessage(headers=headers).encode())


def unwrap_input(envelope: Any) -> dict[str, Any] | None:
    """A received envelope → the Nova JSON event, or None for the end-of-input frame.

    Raises ValueError for anything that is not a JSON chunk event.
    """
    message = envelope
    if ":chunk-signature" in envelope.headers:
        if not envelope.payload:
            return None
        inner = Event.decode(BytesIO(envelope.payload))
        if inner is None:
            raise ValueError("empty inner message")
        message = inner.message
    headers = message.headers
    if headers.get(":message-type") != "event" or headers.get(":event-type") != "chunk":
        raise ValueError(f"unexpected input message {headers}")
    part = json.loads(message.payload)
    doc = json.loads(base64.b64decode(part.get("bytes") or b""))
    if not isinstance(doc, dict):
        raise ValueError("input event is not a JSON object")
    return doc
