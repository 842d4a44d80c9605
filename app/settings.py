"""Every setting of the service, read once from the environment and `.env`.

Invalid values stop the service at start-up with a message naming the setting, rather than failing on
the first call. `.env.example` documents each one.
"""

from __future__ import annotations

from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

NOVA_VOICES = frozenset(
    {"matthew", "tiffany", "amy", "olivia", "lupe", "carlos", "ambre", "florian", "lennart", "beatrice"}
    | {"lorenzo", "tina", "carolina", "leo", "kiara", "arjun"}
)

DEFAULT_SYSTEM_PROMPT = (
    "You are a friendly, concise voice assistant answering a phone call. Keep answers short: one or two "
    "sentences. Speak naturally; never use lists or markdown."
)
DEFAULT_GREETING = "Greet the caller warmly in one short sentence and ask how you can help."


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    host: str = "0.0.0.0"
    port: int = Field(8000, ge=1, le=65535)
    public_base_url: str = "http://localhost:8000"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["auto", "json", "console"] = "auto"

    twilio_account_sid: str = ""
    twilio_auth_token: SecretStr = SecretStr("")
    twilio_validate_signatures: bool = True

    vonage_application_id: str = ""
    vonage_private_key: SecretStr = SecretStr("")
    vonage_signature_secret: SecretStr = SecretStr("")
    vonage_number: str = ""
    vonage_audio_rate: Literal[8000, 16000, 24000] = 16000
    vonage_validate_signatures: bool = True
    vonage_ws_authorization: bool = False
    vonage_api_host: str = "api.nexmo.com"

    call_token_secret: SecretStr = SecretStr("")
    call_token_ttl_s: int = Field(120, ge=5, le=3600)
    max_calls: int = Field(100, ge=1)
    max_message_bytes: int = Field(64 * 1024, ge=1024)

    aws_region: str = "us-east-1"
    nova_model_id: str = "amazon.nova-2-sonic-v1:0"
    nova_voice: str = "matthew"
    nova_backend: Literal["auto", "bedrock", "emulator"] = "auto"
    nova_endpoint_url: str = ""
    nova_audio_rate: Literal[0, 8000, 16000, 24000] = 0
    nova_max_tokens: int = Field(1024, ge=1, le=10000)
    nova_temperature: float = Field(0.7, ge=0.0, le=1.0)
    nova_top_p: float = Field(0.9, ge=0.0, le=1.0)
    nova_endpointing: Literal["HIGH", "MEDIUM", "LOW"] = "MEDIUM"
    nova_open_timeout_s: float = Field(10.0, gt=0)

    system_prompt: str = DEFAULT_SYSTEM_PROMPT
    greeting: str = DEFAULT_GREETING

    pacer_lead_ms: int = Field(120, ge=20, le=2000)
    uplink_chunk_ms: int = Field(40, ge=20, le=200)
    keepalive_after_ms: int = Field(500, ge=100, le=30000)

    @field_validator("public_base_url")
    @classmethod
    def _check_base_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("must be an absolute http(s) URL such as https://abc.ngrok.app")
        if parts.query or parts.fragment:
            raise ValueError("must not carry a query string or fragment")
        return value.rstrip("/")

    @field_validator("nova_voice")
    @classmethod
    def _check_voice(cls, value: str) -> str:
        if value not in NOVA_VOICES:
            raise ValueError(f"unknown Nova 2 Sonic voice; choose one of {', '.join(sorted(NOVA_VOICES))}")
        return value

    @property
    def public_ws_base(self) -> str:
        """The wss:// (or ws:// for plain-http local runs) twin of PUBLIC_BASE_URL."""
        scheme, rest = self.public_base_url.split("://", 1)
        return ("wss://" if scheme == "https" else "ws://") + rest
