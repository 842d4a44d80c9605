"""A local HTTPS stand-in for a provider's REST API, reached through the provider's real SDK.

It serves TLS with the emulator's throw-away CA (the SDKs insist on https) and records every request,
answering each with a canned JSON body. Tests point the SDK's host at it and trust the CA through
``REQUESTS_CA_BUNDLE``, which both the twilio and the vonage SDK (requests-based) honour.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from app.sonic.emulator.certs import CertPaths, ensure_certs
from tests.fakes.server import free_socket, running_uvicorn


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class FakeRestApi:
    host: str
    certs: CertPaths
    requests: list[Recorded] = field(default_factory=list)
    reply: dict[str, Any] = field(default_factory=dict)
    status: int = 200


@contextlib.asynccontextmanager
async def fake_rest_api() -> AsyncIterator[FakeRestApi]:
    certs = ensure_certs()
    sock = free_socket()
    fake = FakeRestApi(f"127.0.0.1:{sock.getsockname()[1]}", certs)
    app = FastAPI()

    @app.api_route("/{path:path}", methods=["GET", "POST", "PUT", "DELETE", "PATCH"])
    async def record(path: str, request: Request) -> JSONResponse:
        body = await request.body()
        fake.requests.append(Recorded(request.method, "/" + path, dict(request.headers), body))
        if fake.status == 204:
            return JSONResponse(None, status_code=204)
        return JSONResponse(fake.reply, status_code=fake.status)

    tls = {"ssl_certfile": str(certs.cert_file), "ssl_keyfile": str(certs.key_file)}
    async with running_uvicorn(app, sock, lifespan="off", **tls):
        yield fake
