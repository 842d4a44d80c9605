"""Twilio Media Streams, message by message (bidirectional ``<Connect><Stream>``). Sans-I/O.

Twilio sends JSON text frames only: ``connected``, then one ``start`` (call and stream ids, custom
parameters), then ``media`` (base64 μ-law, 8 kHz), ``dtmf`` and ``mark`` echoes, and finally ``stop``.
We send ``media`` (any size), ``mark`` and ``clear``. Anything else, or anything out of order, is a
:class:`ProtocolError`: Twilio itself rejects unknown fields and wrong stream ids (error 31951).
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

import audioop
import orjson

from providers.base import (
    AudioFormat,
    AudioIn,
    CallEnded,
    CallStarted,
    Dtmf,
    Event,
    PlaybackMark,
    ProtocolError,
    WireMessage,
)

DTMF_DIGITS = frozenset("0123456789*#ABCD")
TWILIO_FORMAT = AudioFormat("mulaw", 8000)


def _field(doc: dict[str, Any], name: str, kind: type) -> Any:
    value = doc.get(name)
    if not isinstance(value, kind):
        raise ProtocolError(f"'{name}' missing or not a {kind.__name__}")
    return value


class TwilioMediaProtocol:
    fmt = TWILIO_FORMAT

    def __init__(self, max_message_bytes: int = 64 * 1024) -> None:
        self.max_message_bytes = max_message_bytes
        self._connected = False
        self._stream_sid: str | None = None
        self._stopped = False

    @property
    def stream_sid(self) -> str | None:
        return self._stream_sid

    # --- inbound ---------------------------------------------------------------------------------

    def parse(self, msg: WireMessage) -> list[Event]:
        if not isinstance(msg, str):
            raise ProtocolError("binary frame: Twilio Media Streams sends JSON text frames only")
        if len(msg) > self.max_message_bytes:
            raise ProtocolError(
                f"message of {len(msg)} bytes exceeds the {self.max_message_bytes}-byte limit"
            )
        if self._stopped:
            raise ProtocolError("message after 'stop'")
        try:
            doc = orjson.loads(msg)
        except orjson.JSONDecodeError as exc:
            raise ProtocolError(f"invalid JSON: {exc}") from exc
        if not isinstance(doc, dict):
            raise ProtocolError("message is not a JSON object")
        event = doc.get("event")
        if event == "media":  # by far the most frequent: checked first
            return [self._media(doc)]
        if event == "connected":
            return self._on_connected()
        if event == "start":
            return [self._start(doc)]
        if event == "dtmf":
            return [self._dtmf(doc)]
        if event == "mark":
            self._check_stream(doc)
            return [PlaybackMark(str(_field(_field(doc, "mark", dict), "name", str)))]
        if event == "stop":
            self._check_stream(doc)
            self._stopped = True
            return [CallEnded("stop")]
        raise ProtocolError(f"unknown event {event!r}")

    def _on_connected(self) -> list[Event]:
        if self._connected or self._stream_sid is not None:
            raise ProtocolError("'connected' must be the first message, once")
        self._connected = True
        return []

    def _start(self, doc: dict[str, Any]) -> CallStarted:
        if self._stream_sid is not None:
            raise ProtocolError("second 'start' on one stream")
        if not self._connected:
            raise ProtocolError("'start' before 'connected'")
        start = _field(doc, "start", dict)
        stream_sid = _field(start, "streamSid", str)
        call_sid = _field(start, "callSid", str)
        if not stream_sid or not call_sid:
            raise ProtocolError("'start' has an empty streamSid or callSid")
        raw_params = start.get("customParameters") or {}
        if not isinstance(raw_params, dict):
            raise ProtocolError("'customParameters' is not an object")
        params = {str(k): str(v) for k, v in raw_params.items()}
        self._stream_sid = stream_sid
        return CallStarted(
            call_id=call_sid,
            stream_id=stream_sid,
            caller=params.get("from", ""),
            callee=params.get("to", ""),
            params=params,
        )

    def _check_stream(self, doc: dict[str, Any]) -> None:
        if self._stream_sid is None:
            raise ProtocolError(f"'{doc.get('event')}' before 'start'")
        if doc.get("streamSid") != self._stream_sid:
            raise ProtocolError(f"streamSid {doc.get('streamSid')!r} is not this stream's")

    def _media(self, doc: dict[str, Any]) -> AudioIn:
        self._check_stream(doc)
        media = _field(doc, "media", dict)
        track = media.get("track", "inbound")
        if track != "inbound":
            raise ProtocolError(f"unexpected media track {track!r} on a bidirectional stream")
        payload = _field(media, "payload", str)
        try:
            ulaw = base64.b64decode(payload, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ProtocolError(f"media payload is not valid base64: {exc}") from exc
        if not ulaw:
            raise ProtocolError("empty media payload")
        return AudioIn(audioop.ulaw2lin(ulaw, 2))

    def _dtmf(self, doc: dict[str, Any]) -> Dtmf:
        self._check_stream(doc)
        digit = _field(_field(doc, "dtmf", dict), "digit", str)
        if digit not in DTMF_DIGITS:
            raise ProtocolError(f"invalid DTMF digit {digit!r}")
        return Dtmf(digit)

    # --- outbound --------------------------------------------------------------------------------

    def _sid(self) -> str:
        if self._stream_sid is None:
            raise ProtocolError("cannot send before 'start': no streamSid yet")
        return self._stream_sid

    def audio(self, pcm16: bytes) -> list[WireMessage]:
        payload = base64.b64encode(audioop.lin2ulaw(pcm16, 2)).decode("ascii")
        # Formatted by hand: the ids are Twilio's plain ASCII and this runs 50 times a second per call.
        return [f'{{"event":"media","streamSid":"{self._sid()}","media":{{"payload":"{payload}"}}}}']

    def clear(self) -> list[WireMessage]:
        return [orjson.dumps({"event": "clear", "streamSid": self._sid()}).decode()]

    def mark(self, name: str) -> list[WireMessage]:
        return [orjson.dumps({"event": "mark", "streamSid": self._sid(), "mark": {"name": name}}).decode()]
