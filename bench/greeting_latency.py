"""Time from Twilio's ``start`` message to the first greeting ``media`` frame, on the emulator.

Runs the real service (``python -m app serve``) as a child process and places calls one after another
with the fake Twilio client, so the figure includes token check, Nova stream open on the warm HTTP/2
connection, prompt set-up, the emulator's first audio chunk, framing, pacing and the WebSocket send.

    python -m bench.greeting_latency --calls 50
"""

from __future__ import annotations

import argparse
import asyncio

from bench.common import AUTH_TOKEN, run_service, summary
from tests.fakes.twilio_caller import TwilioCaller


async def one_call(base_url: str) -> float:
    caller = TwilioCaller(base_url, AUTH_TOKEN)
    response = await caller.dial()
    response.raise_for_status()
    await caller.connect()
    await caller.wait_for(lambda: caller.events("media"), within=10, poll=0.001)
    first = caller.first_audio_ms
    await caller.stop()
    await caller.wait_closed()
    assert first is not None
    return first


async def main(calls: int) -> None:
    with run_service() as service:
        cold = await one_call(service.base_url)
        warm = [await one_call(service.base_url) for _ in range(calls)]
    print(f"start -> first greeting frame, cold client (first call, includes TLS + h2 setup): {cold:.1f} ms")
    print(f"start -> first greeting frame, warm client (ms): {summary(warm)}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=50)
    asyncio.run(main(parser.parse_args().calls))
