"""Choosing and starting the Nova backend: Bedrock when AWS credentials exist, else the emulator.

``NOVA_BACKEND=auto`` looks for credentials the cheap way (environment, shared files, container and
web-identity variables) rather than probing the instance-metadata endpoint, which would stall start-up
by seconds off EC2. On EC2 with an instance profile, set ``NOVA_BACKEND=bedrock``.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

from app.settings import Settings
from app.sonic.emulator.runner import EmbeddedEmulator
from app.sonic.session import NovaClient
from app.sonic.transport import build_bedrock_client

log = logging.getLogger(__name__)

_CREDENTIAL_VARIABLES = (
    "AWS_ACCESS_KEY_ID",
    "AWS_PROFILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
)


def aws_credentials_present(environ: dict[str, str] | None = None, home: Path | None = None) -> bool:
    env = os.environ if environ is None else environ
    if any(env.get(name) for name in _CREDENTIAL_VARIABLES):
        return True
    base = home if home is not None else Path.home()
    files = (env.get("AWS_SHARED_CREDENTIALS_FILE"), env.get("AWS_CONFIG_FILE"))
    candidates = [Path(f) for f in files if f] + [base / ".aws" / "credentials", base / ".aws" / "config"]
    return any(path.is_file() and path.stat().st_size > 0 for path in candidates)


def resolve_backend(settings: Settings) -> str:
    if settings.nova_backend != "auto":
        return settings.nova_backend
    return "bedrock" if aws_credentials_present() else "emulator"


@dataclass
class NovaBackend:
    client: NovaClient
    emulator: EmbeddedEmulator | None

    async def close(self) -> None:
        await self.client.close()
        if self.emulator is not None:
            self.emulator.stop()


async def start_backend(settings: Settings) -> NovaBackend:
    backend = resolve_backend(settings)
    if backend == "bedrock":
        client = await build_bedrock_client(
            region=settings.aws_region, endpoint_uri=settings.nova_endpoint_url or None
        )
        log.info(
            "nova.backend",
            extra={"backend": "bedrock", "region": settings.aws_region, "model": settings.nova_model_id},
        )
        return NovaBackend(
            NovaClient(client, settings.nova_model_id, "bedrock", settings.nova_open_timeout_s), None
        )
    emulator = EmbeddedEmulator()
    emulator.start()
    client = await build_bedrock_client(
        region=settings.aws_region,
        endpoint_uri=emulator.endpoint,
        ca_file=emulator.ca_file,
        static_credentials=("AKIDEMULATOR", "emulator-secret-not-checked", None),
    )
    log.warning(
        "nova.backend: NO AWS CREDENTIALS FOUND - using the embedded Nova Sonic EMULATOR (it greets, then "
        "echoes what the caller says). Set AWS credentials or NOVA_BACKEND=bedrock for Amazon Nova 2 Sonic.",
        extra={"backend": "emulator", "endpoint": emulator.endpoint},
    )
    return NovaBackend(
        NovaClient(client, settings.nova_model_id, "emulator", settings.nova_open_timeout_s), emulator
    )
