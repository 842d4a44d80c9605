"""Shared fixtures: real speech audio, and the real app served by uvicorn on a random port."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import wave
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

from app.context import AppContext
from app.main import create_app
from app.settings import Settings
from tests.fakes.server import free_socket, running_uvicorn

ASSETS = Path(__file__).resolve().parents[1] / "app" / "sonic" / "emulator" / "assets"
TWILIO_TOKEN = "test-auth-token-0123456789abcdef"
VONAGE_SECRET = "test-vonage-signature-secret-0123456789"
SPEECH_TEXT = "Hello, I would like to check the status of my order, please. It has not arrived yet."


def read_wav_pcm16(path: Path) -> tuple[bytes, int]:
    with wave.open(str(path), "rb") as wav:
        assert wav.getsampwidth() == 2 and wav.getnchannels() == 1
        return wav.readframes(wav.getnframes()), wav.getframerate()


def make_speech(tmp: Path, rate: int) -> bytes:
    """Real synthetic speech from espeak-ng at ``rate``; the shipped recorded prompt if it is missing."""
    espeak, sox = shutil.which("espeak-ng"), shutil.which("sox")
    if espeak and sox:
        raw, out = tmp / "speech_raw.wav", tmp / f"speech_{rate}.wav"
        subprocess.run([espeak, "-s", "150", "-w", str(raw), SPEECH_TEXT], check=True, capture_output=True)
        subprocess.run(
            [sox, str(raw), "-r", str(rate), "-c", "1", "-b", "16", "-e", "signed-integer", str(out)],
            check=True,
            capture_output=True,
        )
        pcm, got_rate = read_wav_pcm16(out)
    else:
        pcm, got_rate = read_wav_pcm16(ASSETS / f"greeting_{rate}.wav")
    assert got_rate == rate
    return pcm


@pytest.fixture(scope="session")
def speech_8k(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return make_speech(tmp_path_factory.mktemp("speech"), 8000)


@pytest.fixture(scope="session")
def speech(tmp_path_factory: pytest.TempPathFactory) -> dict[int, bytes]:
    """Real speech at every rate Vonage and Nova share."""
    tmp = tmp_path_factory.mktemp("speech_rates")
    return {rate: make_speech(tmp, rate) for rate in (8000, 16000, 24000)}


@dataclass
class RunningApp:
    base_url: str
    app: FastAPI
    settings: Settings

    @property
    def ctx(self) -> AppContext:
        ctx: AppContext = self.app.state.ctx
        return ctx

    @property
    def emulator(self) -> Any:
        assert self.ctx.backend is not None and self.ctx.backend.emulator is not None
        return self.ctx.backend.emulator


@contextlib.asynccontextmanager
async def serve_app(**overrides: Any) -> AsyncIterator[RunningApp]:
    """Serve the real app with uvicorn on a random port, in this event loop."""
    sock = free_socket()
    port = sock.getsockname()[1]
    base_url = f"http://127.0.0.1:{port}"
    values: dict[str, Any] = {
        "public_base_url": base_url,
        "twilio_auth_token": TWILIO_TOKEN,
        "vonage_signature_secret": VONAGE_SECRET,
        "vonage_application_id": "app-1",
        "nova_backend": "emulator",
        "call_token_secret": "test-call-token-secret-0123456789",
        "log_format": "console",
    }
    values.update(overrides)
    settings = Settings(_env_file=None, **values)
    app = create_app(settings)
    async with running_uvicorn(app, sock, ws_max_size=settings.max_message_bytes, lifespan="on"):
        yield RunningApp(base_url, app, settings)


@pytest.fixture
async def running_app() -> AsyncIterator[RunningApp]:
    async with serve_app() as running:
        yield running
