"""The Vonage Voice WebSocket, message by message. Sans-I/O.

Vonage opens the socket and sends one text message, ``websocket:connected``, carrying the content type
and the custom headers of our NCCO flattened into its top level. Audio then flows as binary frames of
raw L16 (PCM16 LE mono) at the negotiated rate, exactly 20 ms each, both ways. Control messages are
JSON text: ``websocket:dtmf`` in; ``{"action":"clear"}`` → ``websocket:cleared`` and
``{"action":"notify"}`` → ``websocket:notify`` as acknowledgements. No in-band "stop": the call ends
when the socket closes.
"""

from __future__ import annotations

import logging
from typing import Any

import orjson

from providers.base import (
    AudioFormat,
    AudioIn,
    CallStarted,
    Dtmf,
    Event,
    PlaybackCleared,
    PlaybackMark,
    ProtocolError,
    WireMessage,
)
from providers.vonage.ncco import RATES

log = logging.getLogger(__name__)

DTMF_DIGITS = frozenset("0123456789*#ABCD")
CLEAR_MESSAGE = '{"action":"clear"}'


class VonageMediaProtocol:
    def __init__(self, rate: int = 16000, max_message_bytes: int = 64 * 1024) -> None:
        if rate not in RATES:
            raise ValueError(f"unsupported Vonage rate {rate}")
        self.fmt = AudioFormat("l16", rate)
        self.max_message_bytes = max_message_bytes
        self._connected = False

    def parse(self, msg: WireMessage) -> list[Event]:
        if isinstance(msg, bytes):
            return [self._audio(msg)]
        if len(msg) > self.max_message_bytes:
            raise ProtocolError(
                f"message of {len(msg)} bytes exceeds the {self.max_message_bytes}-byte limit"
            )
        try:
            doc = orjson.loads(msg)
        except orjson.JSONDecodeError as exc:
            raise ProtocolError(f"invalid JSON text message: {exc}") from exc
        if not isinstance(doc, dict) or not isinstance(doc.get("event"), str):
            raise ProtocolError("text message is not a JSON object with an 'event'")
        event = doc["event"]
        if event == "websocket:connected":
            return [self._connected_event(doc)]
        if not self._connected:
            raise ProtocolError(f"{event!r} before 'websocket:connected'")
        if event == "websocket:dtmf":
            return [self._dtmf(doc)]
        if event == "websocket:cleared":
            return [PlaybackCleared()]
        if event == "websocket:notify":
            payload = doc.get("payload")
            name = payload.get("name") if isinstance(payload, dict) else None
            return [PlaybackMark(str(name))] if name is not None else []
        if event.startswith("websocket:"):
            # Vonage: "various JSON text-based messages may be sent at any point": a new one is not an error.
            log.info("vonage.unknown_event", extra={"vonage_event": event})
            return []
        raise ProtocolError(f"unknown event {event!r}")

    def _connected_event(self, doc: dict[str, Any]) -> CallStarted:
        if self._connected:
            raise ProtocolError("second 'websocket:connected'")
        content_type = str(doc.get("content-type", "")).replace(" ", "").lower()
        expected = f"audio/l16;rate={self.fmt.rate}"
        if content_type != expected:
            raise ProtocolError(f"content-type {content_type!r} where {expected!r} was negotiated")
        params = {str(k): str(v) for k, v in doc.items() if k not in ("event", "content-type")}
        call_id = params.get("call_uuid", "")
        if not call_id:
            raise ProtocolError("'websocket:connected' carries no call_uuid header")
        self._connected = True
        return CallStarted(
            call_id=call_id,
            stream_id=call_id,
            caller=params.get("from", ""),
            callee=params.get("to", ""),
            params=params,
        )

    def _audio(self, frame: bytes) -> AudioIn:
        if not self._connected:
            raise ProtocolError("binary audio before 'websocket:connected'")
        if len(frame) % 2:
            raise ProtocolError(f"odd-length L16 frame ({len(frame)} bytes)")
        if len(frame) != self.fmt.pcm_frame_bytes:
            expected = self.fmt.pcm_frame_bytes
            raise ProtocolError(
                f"L16 frame of {len(frame)} bytes; {expected} (20 ms at {self.fmt.rate} Hz) expected"
            )
        return AudioIn(frame)

    def _dtmf(self, doc: dict[str, Any]) -> Dtmf:
        digit = doc.get("digit")
        if not isinstance(digit, str) or digit not in DTMF_DIGITS:
            raise ProtocolError(f"invalid DTMF digit {digit!r}")
        return Dtmf(digit)

    def audio(self, pcm16: bytes) -> list[WireMessage]:
        """Exactly one 20 ms frame per binary message; a trailing partial frame is padded, never dropped."""
        size = self.fmt.pcm_frame_bytes
        if len(pcm16) % size:
            pcm16 += bytes(size - len(pcm16) % size)
        if len(pcm16) == size:
            return [pcm16]
        return [pcm16[i : i + size] for i in range(0, len(pcm16), size)]

    def clear(self) -> list[WireMessage]:
        return [CLEAR_MESSAGE]

    def mark(self, name: str) -> list[WireMessage]:
        return [orjson.dumps({"action": "notify", "payload": {"name": name}}).decode()]
