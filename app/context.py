"""What every route and call needs, built once per app instance and kept on ``app.state.ctx``."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass, field

from fastapi import Request
from starlette.requests import HTTPConnection

from app.registry import CallRegistry
from app.settings import Settings
from app.sonic.backend import NovaBackend
from app.tokens import CallTokens

log = logging.getLogger(__name__)


@dataclass
class AppContext:
    settings: Settings
    tokens: CallTokens
    registry: CallRegistry
    backend: NovaBackend | None = None
    tasks: set[object] = field(default_factory=set)

    @classmethod
    def from_settings(cls, settings: Settings) -> AppContext:
        secret = settings.call_token_secret.get_secret_value().encode()
        if not secret:
            # Fine for one process; replicas behind a load balancer must share CALL_TOKEN_SECRET.
            log.warning("config: CALL_TOKEN_SECRET is not set; using a random per-process secret")
            secret = secrets.token_bytes(32)
        return cls(
            settings=settings,
            tokens=CallTokens(secret, settings.call_token_ttl_s),
            registry=CallRegistry(settings.max_calls),
        )


def get_context(conn: HTTPConnection | Request) -> AppContext:
    ctx: AppContext = conn.app.state.ctx
    return ctx
