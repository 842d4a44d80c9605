"""Vonage calls against the real app (uvicorn), the real SDK and the embedded emulator."""

from __future__ import annotations

import asyncio

import pytest
import websockets

from tests.conftest import VONAGE_SECRET, RunningApp, serve_app
from tests.fakes.twilio_caller import TwilioCaller
from tests.fakes.vonage_caller import VonageCaller
from tests.protocol.test_twilio_call import _no_leaks


async def _call(app: RunningApp, rate: int) -> VonageCaller:
    caller = VonageCaller(app.base_url, VONAGE_SECRET, rate=rate)
    response = await caller.answer()
    assert response.status_code == 200, response.text
    await caller.connect()
    return caller


def _quiet_for(caller: VonageCaller, seconds: float = 0.4) -> bool:
    frames = caller.audio_frames()
    return bool(frames) and asyncio.get_running_loop().time() - frames[-1].at > seconds


@pytest.mark.parametrize("rate", [8000, 16000, 24000])
async def test_call_at_each_rate(rate: int, speech: dict[int, bytes]) -> None:
    async with serve_app(vonage_audio_rate=rate) as app:
        baseline = len(asyncio.all_tasks())
        caller = await _call(app, rate)
        (connect,) = caller.ncco
        assert connect["action"] == "connect"
        assert caller.endpoint["content-type"] == f"audio/l16;rate={rate}"
        assert caller.endpoint["uri"] == app.settings.public_ws_base + "/vonage/media"
        assert set(caller.endpoint["headers"]) == {"call_uuid", "from", "to", "token"}

        await caller.wait_for(lambda: caller.audio_frames(), within=10)
        while not _quiet_for(caller):
            await caller.silence(0.2)
        greeting = caller.audio_frames()
        assert all(len(f.data) == caller.frame_bytes for f in greeting)  # exactly 20 ms per message
        # Paced at real time with a bounded lead: by any moment, no more frames than real time allows
        # plus the lead (an upper bound only: a slow machine cannot make this fail).
        lead_frames = app.settings.pacer_lead_ms // 20
        start = greeting[0].at
        for index, frame in enumerate(greeting):
            assert index < (frame.at - start) / 0.02 + lead_frames + 2
        assert greeting[-1].at - start > len(greeting) * 0.02 - app.settings.pacer_lead_ms / 1000 - 0.1

        before = asyncio.get_running_loop().time()
        await caller.play(speech[rate])
        await caller.silence(1.2)
        await caller.wait_for(lambda: len(caller.audio(since=before)) > len(speech[rate]) // 4, within=10)
        while not _quiet_for(caller):
            await caller.silence(0.2)
        # L16 end to end at one rate: the echo carries the caller's own samples, verbatim.
        middle = len(speech[rate]) // 2 // 2 * 2
        assert speech[rate][middle - rate // 4 * 2 : middle + rate // 4 * 2] in caller.audio(since=before)

        await caller.hang_up()  # Vonage ends a call by closing the socket
        await _no_leaks(app, baseline)
        assert app.emulator.sessions()[-1].ended_cleanly
        assert app.emulator.sessions()[-1].input_rate == rate


async def test_barge_in_sends_clear_and_nothing_after(
    running_app: RunningApp, speech: dict[int, bytes]
) -> None:
    caller = await _call(running_app, 16000)
    await caller.wait_for(lambda: caller.audio_frames(), within=10)
    await caller.silence(0.4)
    await caller.play(speech[16000][: 16000 * 2])
    await caller.wait_for(lambda: caller.controls("clear"), within=5)
    cleared_at = caller.controls("clear")[0].at
    await caller.silence(0.3)
    assert caller.audio_frames(since=cleared_at) == []
    await caller.hang_up()


async def test_answer_by_post_and_signed_webhooks(running_app: RunningApp) -> None:
    caller = VonageCaller(running_app.base_url, VONAGE_SECRET)
    assert (await caller.answer(method="POST")).status_code == 200
    assert caller.ncco[0]["endpoint"][0]["type"] == "websocket"
    forged = VonageCaller(running_app.base_url, "not-the-secret-at-all-0123456789")
    assert (await forged.answer()).status_code == 401
    assert (await forged.answer(method="POST")).status_code == 401
    assert (await forged.post_event("started")).status_code == 401
    stale = "Bearer " + caller.token(None, iat=0)
    assert (await caller.answer(authorization=stale)).status_code == 401
    wrong_hash = "Bearer " + caller.token(b"some other body")
    assert (await caller.answer(method="POST", authorization=wrong_hash)).status_code == 401
    assert (await caller.answer(authorization="")).status_code == 401
    assert (await caller.post_event("ringing")).status_code == 204


async def test_completed_event_ends_our_side(running_app: RunningApp) -> None:
    baseline = len(asyncio.all_tasks())
    caller = await _call(running_app, 16000)
    await caller.wait_for(lambda: caller.audio_frames(), within=10)
    assert (await caller.post_event("completed")).status_code == 204
    assert await caller.wait_closed() == 1000
    await _no_leaks(running_app, baseline)


async def test_bad_token_is_refused_before_nova(running_app: RunningApp) -> None:
    caller = VonageCaller(running_app.base_url, VONAGE_SECRET)
    assert (await caller.answer()).status_code == 200
    headers = {**caller.endpoint["headers"], "token": "v1.forged"}
    await caller.connect(headers=headers)
    assert await caller.wait_closed() == 1008
    assert running_app.emulator.sessions_opened == 0


@pytest.mark.parametrize(
    "bad",
    [
        b"\x00" * 100,
        b"\x00" * 641,
        "{not json",
        '{"event": "bogus"}',
        '["websocket:dtmf"]',
        '{"event":"websocket:dtmf"}',
    ],
)
async def test_malformed_message_closes_only_that_call(running_app: RunningApp, bad: str | bytes) -> None:
    baseline = len(asyncio.all_tasks())
    healthy = await _call(running_app, 16000)
    broken = await _call(running_app, 16000)
    await broken.wait_for(lambda: broken.audio_frames(), within=10)
    await broken.send_raw(bad)
    assert await broken.wait_closed() == 1007
    count = len(healthy.audio_frames())
    await healthy.silence(0.4)
    assert len(healthy.audio_frames()) > count or _quiet_for(healthy)
    assert healthy.close_code is None
    await healthy.hang_up()
    await _no_leaks(running_app, baseline)


async def test_audio_before_connected_is_refused(running_app: RunningApp) -> None:
    caller = VonageCaller(running_app.base_url, VONAGE_SECRET)
    assert (await caller.answer()).status_code == 200
    await caller.connect(send_connected=False)
    await caller.send_raw(bytes(640))
    assert await caller.wait_closed() == 1007


async def test_vonage_jwt_on_the_socket_when_configured(speech: dict[int, bytes]) -> None:
    async with serve_app(vonage_ws_authorization=True) as app:
        caller = await _call(app, 16000)
        assert caller.endpoint["authorization"] == {"type": "vonage"}
        await caller.wait_for(lambda: caller.audio_frames(), within=10)
        await caller.hang_up()
        with pytest.raises(websockets.InvalidStatus):
            await websockets.connect(caller.endpoint["uri"])  # no JWT on the upgrade

        # A contact-center flow with its own NCCO: Vonage-signed upgrade, our call token absent.
        flow = VonageCaller(app.base_url, VONAGE_SECRET)
        flow.ncco = [
            dict(caller.ncco[0], endpoint=[{**caller.endpoint, "headers": {"call_uuid": flow.uuid}}])
        ]
        await flow.connect()
        await flow.wait_for(lambda: flow.audio_frames(), within=10)
        assert app.ctx.registry.get(flow.uuid) is not None
        await flow.hang_up()


async def test_rate_mismatch_is_resampled(speech: dict[int, bytes]) -> None:
    async with serve_app(vonage_audio_rate=16000, nova_audio_rate=24000) as app:
        caller = await _call(app, 16000)
        await caller.wait_for(lambda: caller.audio_frames(), within=10)
        while not _quiet_for(caller):
            await caller.silence(0.2)
        assert all(len(f.data) == 640 for f in caller.audio_frames())
        before = asyncio.get_running_loop().time()
        await caller.play(speech[16000])
        await caller.silence(1.2)
        await caller.wait_for(lambda: len(caller.audio(since=before)) > len(speech[16000]) // 2, within=10)
        assert app.emulator.sessions()[-1].input_rate == 24000
        assert app.emulator.sessions()[-1].output_rate == 24000
        await caller.hang_up()


async def test_twilio_and_vonage_calls_together(running_app: RunningApp, speech: dict[int, bytes]) -> None:
    baseline = len(asyncio.all_tasks())
    vonage = await _call(running_app, 16000)
    twilio = TwilioCaller(running_app.base_url, running_app.settings.twilio_auth_token.get_secret_value())
    assert (await twilio.dial()).status_code == 200
    await twilio.connect()
    await vonage.wait_for(lambda: vonage.audio_frames(), within=10)
    await twilio.wait_for(lambda: twilio.events("media"), within=10)
    assert len(running_app.ctx.registry) == 2
    await asyncio.gather(vonage.silence(0.5), twilio.silence(0.5))
    providers = sorted(r.provider for r in running_app.ctx.registry.snapshot())
    assert providers == ["twilio", "vonage"]
    await twilio.stop()
    await vonage.hang_up()
    await _no_leaks(running_app, baseline)
    rates = sorted(record.input_rate for record in running_app.emulator.sessions()[-2:])
    assert rates == [8000, 16000]  # Twilio at 8 kHz and Vonage at 16 kHz, side by side in one process
