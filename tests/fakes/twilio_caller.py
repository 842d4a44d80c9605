"""A fake Twilio: dials the voice webhook and plays the Media Streams side of a call, byte for byte.

It signs requests the way Twilio does (HMAC-SHA1 over the URL and sorted form fields; the WebSocket
upgrade over the exact stream URL with no params), sends ``connected``/``start``/``media``/``stop`` with
Twilio's field names and string-typed counters, and records everything the service sends back with the
time it arrived, so tests can assert on greeting, echo, clear and pacing.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import time
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any

import audioop
import httpx
import websockets
from twilio.request_validator import RequestValidator

FRAME_BYTES = 160  # 20 ms of μ-law at 8 kHz


def new_sid(prefix: str) -> str:
    return prefix + uuid.uuid4().hex


@dataclass
class Received:
    at: float
    message: dict[str, Any]


@dataclass
class TwilioCaller:
    base_url: str
    auth_token: str
    call_sid: str = field(default_factory=lambda: new_sid("CA"))
    stream_sid: str = field(default_factory=lambda: new_sid("MZ"))
    caller: str = "+15551230001"
    callee: str = "+15557650002"
    received: list[Received] = field(default_factory=list)
    close_code: int | None = None
    stream_url: str = ""
    parameters: dict[str, str] = field(default_factory=dict)
    _ws: Any = None
    _reader: asyncio.Task[None] | None = None
    _seq: int = 0
    _chunk: int = 0
    _sent_at: float = 0.0

    def sign(self, url: str, params: dict[str, str]) -> str:
        return str(RequestValidator(self.auth_token).compute_signature(url, params))

    async def dial(self, signature: str | None = None) -> httpx.Response:
        """POST the voice webhook like Twilio and remember the <Stream> it answers with."""
        url = self.base_url + "/twilio/voice"
        form = {
            "CallSid": self.call_sid,
            "AccountSid": "AC" + "0" * 32,
            "From": self.caller,
            "To": self.callee,
            "CallStatus": "ringing",
            "Direction": "inbound",
            "ApiVersion": "2010-04-01",
        }
        headers = {"X-Twilio-Signature": signature if signature is not None else self.sign(url, form)}
        async with httpx.AsyncClient() as http:
            response = await http.post(url, data=form, headers=headers)
        if response.status_code == 200 and "<Stream" in response.text:
            stream = ET.fromstring(response.text).find("./Connect/Stream")
            assert stream is not None
            self.stream_url = stream.attrib["url"]
            self.parameters = {p.attrib["name"]: p.attrib["value"] for p in stream.findall("Parameter")}
        return response

    async def connect(self, signature: str | None = None, start: bool = True) -> None:
        sig = signature if signature is not None else self.sign(self.stream_url, {})
        self._ws = await websockets.connect(
            self.stream_url, additional_headers={"x-twilio-signature": sig}, max_size=2**20
        )
        self._reader = asyncio.create_task(self._read())
        await self.send_json({"event": "connected", "protocol": "Call", "version": "1.0.0"})
        if start:
            await self.send_start()

    async def send_start(self, parameters: dict[str, str] | None = None) -> None:
        self._sent_at = time.monotonic()
        await self.send_json(
            {
                "event": "start",
                "sequenceNumber": self._next_seq(),
                "start": {
                    "accountSid": "AC" + "0" * 32,
                    "streamSid": self.stream_sid,
                    "callSid": self.call_sid,
                    "tracks": ["inbound"],
                    "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1},
                    "customParameters": self.parameters if parameters is None else parameters,
                },
                "streamSid": self.stream_sid,
            }
        )

    def _next_seq(self) -> str:
        self._seq += 1
        return str(self._seq)

    async def send_json(self, doc: dict[str, Any]) -> None:
        await self._ws.send(json.dumps(doc))

    async def send_raw(self, message: str | bytes) -> None:
        await self._ws.send(message)

    async def send_ulaw_frame(self, frame: bytes) -> None:
        self._chunk += 1
        await self.send_json(
            {
                "event": "media",
                "sequenceNumber": self._next_seq(),
                "media": {
                    "track": "inbound",
                    "chunk": str(self._chunk),
                    "timestamp": str(self._chunk * 20),
                    "payload": base64.b64encode(frame).decode(),
                },
                "streamSid": self.stream_sid,
            }
        )

    async def play(self, pcm16_8k: bytes, realtime: bool = True) -> None:
        """Send audio as 20 ms μ-law media frames, on a real-time schedule (no drift)."""
        ulaw = audioop.lin2ulaw(pcm16_8k, 2)
        start = time.monotonic()
        for index, offset in enumerate(range(0, len(ulaw), FRAME_BYTES)):
            frame = ulaw[offset : offset + FRAME_BYTES].ljust(FRAME_BYTES, b"\xff")
            await self.send_ulaw_frame(frame)
            if realtime:
                delay = start + (index + 1) * 0.02 - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)

    async def silence(self, seconds: float) -> None:
        await self.play(bytes(int(8000 * seconds) * 2))

    async def send_dtmf(self, digit: str) -> None:
        await self.send_json(
            {
                "event": "dtmf",
                "streamSid": self.stream_sid,
                "sequenceNumber": self._next_seq(),
                "dtmf": {"track": "inbound_track", "digit": digit},
            }
        )

    async def stop(self) -> None:
        await self.send_json(
            {
                "event": "stop",
                "sequenceNumber": self._next_seq(),
                "stop": {"accountSid": "AC" + "0" * 32, "callSid": self.call_sid},
                "streamSid": self.stream_sid,
            }
        )

    async def _read(self) -> None:
        try:
            async for raw in self._ws:
                self.received.append(Received(time.monotonic(), json.loads(raw)))
        except websockets.ConnectionClosed:
            pass
        finally:
            self.close_code = self._ws.close_code

    async def wait_closed(self, within: float = 5.0) -> int | None:
        if self._reader is not None:
            await asyncio.wait_for(asyncio.shield(self._reader), within)
        return self.close_code

    async def hang_up(self) -> None:
        """Drop the socket without a stop message (an abrupt disconnect)."""
        with contextlib.suppress(Exception):
            await self._ws.close()
        if self._reader is not None:
            with contextlib.suppress(Exception):
                await self._reader

    # --- what came back --------------------------------------------------------------------------

    def events(self, name: str) -> list[Received]:
        return [r for r in self.received if r.message.get("event") == name]

    def audio(self, since: float = 0.0) -> bytes:
        """All μ-law audio received after ``since`` (monotonic seconds)."""
        return b"".join(
            base64.b64decode(r.message["media"]["payload"]) for r in self.events("media") if r.at >= since
        )

    @property
    def first_audio_ms(self) -> float | None:
        media = self.events("media")
        return (media[0].at - self._sent_at) * 1000 if media else None

    async def wait_for(self, predicate: Any, within: float, poll: float = 0.02) -> None:
        deadline = time.monotonic() + within
        while not predicate():
            if time.monotonic() > deadline:
                raise AssertionError(f"condition not met within {within} s")
            await asyncio.sleep(poll)
