"""A fake Vonage: calls the answer webhook, then plays the Voice API WebSocket side of the call.

Webhooks are signed like Vonage's (HS256 JWT with ``iat``, ``jti``, ``iss`` and ``payload_hash``).
The socket opens on the NCCO's ``uri``, sends ``websocket:connected`` with the NCCO headers flattened
into it, then exact 20 ms binary L16 frames; everything the service sends back is recorded with its
arrival time.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx
import jwt
import websockets


@dataclass
class Frame:
    at: float
    data: bytes | dict[str, Any]


@dataclass
class VonageCaller:
    base_url: str
    secret: str
    rate: int = 16000
    uuid: str = field(default_factory=lambda: str(uuid.uuid4()))
    caller: str = "14155550100"
    callee: str = "14155550199"
    ncco: list[dict[str, Any]] = field(default_factory=list)
    received: list[Frame] = field(default_factory=list)
    close_code: int | None = None
    _ws: Any = None
    _reader: asyncio.Task[None] | None = None
    _connected_at: float = 0.0

    def token(self, payload: bytes | None, *, iat: float | None = None, secret: str | None = None) -> str:
        claims: dict[str, Any] = {
            "iat": int(time.time() if iat is None else iat),
            "jti": str(uuid.uuid4()),
            "iss": "Vonage",
            "api_key": "abcd1234",
            "application_id": "app-1",
        }
        if payload is not None:
            claims["payload_hash"] = hashlib.sha256(payload).hexdigest()
        return str(jwt.encode(claims, secret or self.secret, algorithm="HS256"))

    def _answer_params(self) -> dict[str, str]:
        return {
            "to": self.callee,
            "from": self.caller,
            "conversation_uuid": "CON-" + self.uuid,
            "uuid": self.uuid,
        }

    async def answer(self, method: str = "GET", authorization: str | None = None) -> httpx.Response:
        params = self._answer_params()
        async with httpx.AsyncClient(base_url=self.base_url) as http:
            if method == "GET":
                compact = json.dumps(params, separators=(",", ":")).encode()
                auth = authorization if authorization is not None else "Bearer " + self.token(compact)
                response = await http.get("/vonage/answer", params=params, headers={"Authorization": auth})
            else:
                body = json.dumps(params).encode()
                auth = authorization if authorization is not None else "Bearer " + self.token(body)
                headers = {"Authorization": auth, "Content-Type": "application/json"}
                response = await http.post("/vonage/answer", content=body, headers=headers)
        if response.status_code == 200:
            self.ncco = response.json()
        return response

    async def post_event(self, status: str, authorization: str | None = None) -> httpx.Response:
        event = {
            **self._answer_params(),
            "status": status,
            "direction": "inbound",
            "timestamp": "2026-11-24T00:00:00Z",
        }
        body = json.dumps(event).encode()
        auth = authorization if authorization is not None else "Bearer " + self.token(body)
        async with httpx.AsyncClient(base_url=self.base_url) as http:
            return await http.post(
                "/vonage/events",
                content=body,
                headers={"Authorization": auth, "Content-Type": "application/json"},
            )

    @property
    def endpoint(self) -> dict[str, Any]:
        endpoint: dict[str, Any] = self.ncco[0]["endpoint"][0]
        return endpoint

    @property
    def frame_bytes(self) -> int:
        return self.rate * 2 // 50

    async def connect(self, headers: dict[str, str] | None = None, send_connected: bool = True) -> None:
        upgrade = {}
        if self.endpoint.get("authorization", {}).get("type") == "vonage":
            upgrade["Authorization"] = "Bearer " + self.token(None)
        self._ws = await websockets.connect(self.endpoint["uri"], additional_headers=upgrade, max_size=2**20)
        self._reader = asyncio.create_task(self._read())
        if send_connected:
            await self.send_connected(headers)

    async def send_connected(self, headers: dict[str, str] | None = None) -> None:
        self._connected_at = time.monotonic()
        first = {"event": "websocket:connected", "content-type": self.endpoint["content-type"]}
        await self._ws.send(
            json.dumps({**first, **(self.endpoint["headers"] if headers is None else headers)})
        )

    async def send_raw(self, message: str | bytes) -> None:
        await self._ws.send(message)

    async def play(self, pcm16: bytes, realtime: bool = True) -> None:
        size, start = self.frame_bytes, time.monotonic()
        for index, offset in enumerate(range(0, len(pcm16), size)):
            await self._ws.send(pcm16[offset : offset + size].ljust(size, b"\x00"))
            if realtime:
                delay = start + (index + 1) * 0.02 - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)

    async def silence(self, seconds: float) -> None:
        await self.play(bytes(int(self.rate * seconds) * 2))

    async def send_dtmf(self, digit: str) -> None:
        await self._ws.send(json.dumps({"event": "websocket:dtmf", "digit": digit, "duration": 260}))

    async def _read(self) -> None:
        try:
            async for message in self._ws:
                data = message if isinstance(message, bytes) else json.loads(message)
                self.received.append(Frame(time.monotonic(), data))
                if isinstance(data, dict) and data.get("action") == "clear":
                    await self._ws.send(json.dumps({"event": "websocket:cleared"}))
        except websockets.ConnectionClosed:
            pass
        finally:
            self.close_code = self._ws.close_code

    async def hang_up(self) -> None:
        with contextlib.suppress(Exception):
            await self._ws.close()
        if self._reader is not None:
            with contextlib.suppress(Exception):
                await self._reader

    async def wait_closed(self, within: float = 5.0) -> int | None:
        if self._reader is not None:
            await asyncio.wait_for(asyncio.shield(self._reader), within)
        return self.close_code

    def audio_frames(self, since: float = 0.0) -> list[Frame]:
        return [f for f in self.received if isinstance(f.data, bytes) and f.at >= since]

    def audio(self, since: float = 0.0) -> bytes:
        return b"".join(f.data for f in self.audio_frames(since) if isinstance(f.data, bytes))

    def controls(self, action: str) -> list[Frame]:
        return [f for f in self.received if isinstance(f.data, dict) and f.data.get("action") == action]

    @property
    def first_audio_ms(self) -> float | None:
        frames = self.audio_frames()
        return (frames[0].at - self._connected_at) * 1000 if frames else None

    async def wait_for(self, predicate: Any, within: float, poll: float = 0.02) -> None:
        deadline = time.monotonic() + within
        while not predicate():
            if time.monotonic() > deadline:
                raise AssertionError(f"condition not met within {within} s")
            await asyncio.sleep(poll)
