"""The FastAPI application: settings, Nova backend, provider routers, health endpoints."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from app.context import AppContext, get_context
from app.settings import Settings
from app.sonic.backend import start_backend
from providers.twilio.routes import router as twilio_router
from providers.vonage.routes import router as vonage_router

log = logging.getLogger(__name__)


def _warn_about_insecure_settings(settings: Settings) -> None:
    if not settings.twilio_validate_signatures:
        log.warning(
            "security: TWILIO_VALIDATE_SIGNATURES=false - Twilio requests are NOT verified (local dev only)"
        )
    elif not settings.twilio_auth_token.get_secret_value():
        log.warning("config: TWILIO_AUTH_TOKEN is not set - every Twilio request will be refused with 403")
    if not settings.vonage_validate_signatures:
        log.warning(
            "security: VONAGE_VALIDATE_SIGNATURES=false - Vonage requests are NOT verified (local dev only)"
        )
    elif not settings.vonage_signature_secret.get_secret_value():
        log.warning(
            "config: VONAGE_SIGNATURE_SECRET is not set - every Vonage webhook will be refused with 401"
        )
    if settings.public_base_url.startswith("http://"):
        log.warning(
            "config: PUBLIC_BASE_URL is %s; Twilio needs the public https URL (e.g. your ngrok URL)",
            settings.public_base_url,
        )


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    ctx = AppContext.from_settings(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        _warn_about_insecure_settings(settings)
        ctx.backend = await start_backend(settings)
        try:
            yield
        finally:
            await ctx.backend.close()
            ctx.backend = None

    app = FastAPI(title="Nova Sonic phone bridge", lifespan=lifespan)
    app.state.ctx = ctx
    app.include_router(twilio_router)
    app.include_router(vonage_router)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz")
    async def readyz(request: Request) -> JSONResponse:
        c = get_context(request)
        ready = c.backend is not None and c.registry.accepting
        body = {
            "ready": ready,
            "backend": c.backend.client.backend if c.backend else None,
            "live_calls": len(c.registry),
            "max_calls": c.registry.max_calls,
            "draining": c.registry.draining,
        }
        return JSONResponse(body, status_code=200 if ready else 503)

    return app
