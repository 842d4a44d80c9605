"""Outbound pacing of Vonage audio under concurrent calls: the gap between consecutive 20 ms frames.

Runs the real service as a child process on the emulator and N fake Vonage callers (real WebSockets,
signed webhooks) that stream silence in real time while the greeting plays. Gaps are measured where
Vonage would measure them, on arrival at the client, after the initial lead burst of each call.

    python -m bench.vonage_pacing --calls 20
"""

from __future__ import annotations

import argparse
import asyncio
import time

from bench.common import run_service, summary
from tests.fakes.vonage_caller import VonageCaller

SECRET = "bench-vonage-signature-secret-0123456789"


async def one_call(base_url: str, seconds: float) -> tuple[list[float], int]:
    caller = VonageCaller(base_url, SECRET, rate=16000)
    (await caller.answer()).raise_for_status()
    await caller.connect()
    await caller.silence(seconds)
    await caller.hang_up()
    frames = caller.audio_frames()
    sizes = {len(f.data) for f in frames}
    assert sizes == {640}, sizes
    arrivals = [f.at for f in frames]
    lead = 6  # PACER_LEAD_MS=120: the first 6 frames go at once by design
    gaps = [(b - a) * 1000 for a, b in zip(arrivals[lead:], arrivals[lead + 1 :], strict=False)]
    return gaps, len(frames)


async def main(calls: int, seconds: float) -> None:
    env = {"VONAGE_SIGNATURE_SECRET": SECRET, "VONAGE_APPLICATION_ID": "app-1", "MAX_CALLS": str(calls + 10)}
    with run_service(env) as service:
        started = time.monotonic()
        results = await asyncio.gather(*(one_call(service.base_url, seconds) for _ in range(calls)))
        elapsed = time.monotonic() - started
    gaps = [gap for call_gaps, _ in results for gap in call_gaps]
    frames = sum(count for _, count in results)
    print(
        f"{calls} concurrent Vonage calls at 16 kHz, {seconds:.0f} s each "
        f"({elapsed:.1f} s wall), {frames} frames"
    )
    print(f"inter-frame gap after the lead burst (ms): {summary(gaps)}")
    late = sum(1 for gap in gaps if gap > 40)
    print(f"gaps > 40 ms (a frame's worth late): {late} of {len(gaps)}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    asyncio.run(main(args.calls, args.seconds))
