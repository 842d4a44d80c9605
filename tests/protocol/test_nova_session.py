"""NovaSession over the real SDK (awscrt, HTTP/2, TLS) against the emulator: no app, no provider."""

from __future__ import annotations

import asyncio
import math
import struct
from collections.abc import AsyncIterator, Iterator

import pytest

from app.sonic import events as ev
from app.sonic.emulator import EmbeddedEmulator
from app.sonic.session import NovaClient, NovaSession, NovaSessionError, SessionConfig
from app.sonic.transport import build_bedrock_client

RATE = 8000


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmbeddedEmulator]:
    emu = EmbeddedEmulator().start()
    yield emu
    emu.stop()


@pytest.fixture
async def client(emulator: EmbeddedEmulator) -> AsyncIterator[NovaClient]:
    sdk = await build_bedrock_client(
        region="us-east-1",
        endpoint_uri=emulator.endpoint,
        ca_file=emulator.ca_file,
        static_credentials=("AKIDEXAMPLE", "secret", None),
    )
    nova = NovaClient(sdk, "amazon.nova-2-sonic-v1:0", "emulator", open_timeout_s=5)
    yield nova
    await nova.close()


def config(rate: int = RATE) -> SessionConfig:
    return SessionConfig(system_prompt="Be brief.", voice="matthew", input_rate=rate, output_rate=rate)


def tone(seconds: float) -> bytes:
    n = int(RATE * seconds)
    return struct.pack(f"<{n}h", *(int(8000 * math.sin(2 * math.pi * 300 * i / RATE)) for i in range(n)))


async def collect(session: NovaSession, until: type, within: float = 5.0) -> list[ev.OutputEvent]:
    seen: list[ev.OutputEvent] = []

    async def run() -> None:
        async for event in session.events():
            seen.append(event)
            if isinstance(event, until):
                return

    await asyncio.wait_for(run(), within)
    return seen


async def wait_idle(emulator: EmbeddedEmulator) -> None:
    for _ in range(200):
        if emulator.active_sessions == 0:
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"{emulator.active_sessions} emulator sessions still open")


async def test_greeting_then_echo_then_clean_close(client: NovaClient, emulator: EmbeddedEmulator) -> None:
    session = await client.open_session(config())
    await session.send_user_text("Greet the caller.")
    events = await collect(session, ev.ContentEnd)
    assert any(isinstance(e, ev.TextOutput) for e in events)
    greeting = await collect(session, ev.ContentEnd)  # audio of the greeting, up to its AUDIO contentEnd
    assert sum(len(e.pcm16) for e in greeting if isinstance(e, ev.AudioOutput)) > RATE  # > 0.5 s at 8 kHz
    for chunk_start in range(0, int(RATE * 2 * 2.0), 640):  # 0.6 s of tone then silence, sent fast
        pcm = tone(0.6)[chunk_start : chunk_start + 640] if chunk_start < RATE * 2 * 0.6 else bytes(640)
        assert await session.send_audio(pcm)
    echo: list[ev.OutputEvent] = []
    while not any(isinstance(e, ev.AudioOutput) for e in echo):
        echo += await collect(session, ev.AudioOutput)
    record = emulator.sessions()[-1]
    assert record.texts[0] == ("SYSTEM", False, "Be brief.")
    assert record.texts[1] == ("USER", True, "Greet the caller.")
    await session.close()
    assert not session.alive
    assert not await session.send_audio(b"\x00\x00")  # nothing is sent after close
    await wait_idle(emulator)
    assert emulator.sessions()[-1].ended_cleanly


async def test_validation_error_surfaces_as_a_session_fault(
    client: NovaClient, emulator: EmbeddedEmulator
) -> None:
    session = await client.open_session(config())
    # A bad event straight on the stream, as a buggy client would send it.
    await session._send_raw(
        [b'{"event": {"audioInput": {"promptName": "x", "contentName": "nope", "content": ""}}}']
    )
    with pytest.raises(NovaSessionError) as failure:
        await collect(session, ev.ContentEnd)
    assert failure.value.kind == "validation"
    assert not session.alive
    await session.close()
    await wait_idle(emulator)


async def test_many_sessions_share_one_connection(client: NovaClient, emulator: EmbeddedEmulator) -> None:
    opened = emulator.sessions_opened
    sessions = await asyncio.gather(*(client.open_session(config(16000)) for _ in range(10)))
    for _ in range(100):  # the emulator answers HTTP 200 before its per-stream task has started
        if emulator.sessions_opened - opened == 10:
            break
        await asyncio.sleep(0.01)
    assert emulator.sessions_opened - opened == 10
    await asyncio.gather(*(s.send_user_text("hi") for s in sessions))
    firsts = await asyncio.gather(*(collect(s, ev.AudioOutput) for s in sessions))
    assert all(isinstance(f[-1], ev.AudioOutput) for f in firsts)
    await asyncio.gather(*(s.close() for s in sessions))
    await wait_idle(emulator)
