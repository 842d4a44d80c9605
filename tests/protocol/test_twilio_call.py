"""A whole Twilio call against the real app (uvicorn), the real SDK and the embedded emulator."""

from __future__ import annotations

import asyncio

import audioop
import httpx
import pytest
import websockets

from tests.conftest import RunningApp
from tests.fakes.twilio_caller import TwilioCaller


async def _call(app: RunningApp) -> TwilioCaller:
    caller = TwilioCaller(app.base_url, app.settings.twilio_auth_token.get_secret_value())
    response = await caller.dial()
    assert response.status_code == 200, response.text
    await caller.connect()
    return caller


async def _no_leaks(app: RunningApp, baseline_tasks: int) -> None:
    """Every call's registry entry, Nova stream and task is gone."""
    deadline = asyncio.get_running_loop().time() + 5
    while asyncio.get_running_loop().time() < deadline:
        if (
            len(app.ctx.registry) == 0
            and app.emulator.active_sessions == 0
            and len(asyncio.all_tasks()) <= baseline_tasks
        ):
            return
        await asyncio.sleep(0.05)
    raise AssertionError(
        f"leak: registry={len(app.ctx.registry)} emulator_active={app.emulator.active_sessions} "
        f"tasks={len(asyncio.all_tasks())} baseline={baseline_tasks}: {asyncio.all_tasks()}"
    )


def _greeting_done(caller: TwilioCaller, quiet_s: float = 0.4) -> bool:
    media = caller.events("media")
    return bool(media) and asyncio.get_running_loop().time() - media[-1].at > quiet_s


async def test_greeting_echo_and_clean_stop(running_app: RunningApp, speech_8k: bytes) -> None:
    baseline = len(asyncio.all_tasks())
    caller = await _call(running_app)
    await caller.wait_for(lambda: caller.events("media"), within=10)
    assert caller.first_audio_ms is not None
    # Keep streaming silence (as Twilio does) until the greeting has finished playing.
    while not _greeting_done(caller):
        await caller.silence(0.2)
    greeting = caller.audio()
    assert len(greeting) > 8000  # more than a second of greeting speech

    before_echo = asyncio.get_running_loop().time()
    await caller.play(speech_8k)
    await caller.silence(1.5)
    await caller.wait_for(lambda: len(caller.audio(since=before_echo)) > len(speech_8k) // 4, within=10)
    while not _greeting_done(caller):
        await caller.silence(0.2)
    echo = caller.audio(since=before_echo)
    # μ-law → PCM → μ-law is lossless, and 8 kHz runs end to end with no resampling, so the echo must
    # carry the caller's own bytes: a full second from the middle of what we said appears verbatim.
    sent = audioop.lin2ulaw(speech_8k, 2)
    middle = sent[len(sent) // 2 - 4000 : len(sent) // 2 + 4000]
    assert middle in echo
    assert not caller.events("clear")

    await caller.stop()
    assert await caller.wait_closed() == 1000
    await _no_leaks(running_app, baseline)
    record = running_app.emulator.sessions()[-1]
    assert record.ended_cleanly


async def test_barge_in_sends_clear_and_stops_the_greeting(running_app: RunningApp, speech_8k: bytes) -> None:
    caller = await _call(running_app)
    await caller.wait_for(lambda: caller.events("media"), within=10)
    await caller.silence(0.5)  # the greeting is playing
    await caller.play(speech_8k[: 8000 * 2])  # talk over it for a second
    await caller.wait_for(lambda: caller.events("clear"), within=5)
    cleared_at = caller.events("clear")[0].at
    # Nothing of the interrupted greeting may arrive after the clear.
    await caller.silence(0.3)
    late = [r for r in caller.events("media") if r.at > cleared_at]
    assert late == []
    await caller.stop()
    await caller.wait_closed()


async def test_forged_webhook_signature_is_refused(running_app: RunningApp) -> None:
    caller = TwilioCaller(running_app.base_url, running_app.settings.twilio_auth_token.get_secret_value())
    response = await caller.dial(signature="Zm9yZ2Vk")
    assert response.status_code == 403
    other = TwilioCaller(running_app.base_url, "a-different-auth-token")
    assert (await other.dial()).status_code == 403


async def test_forged_socket_signature_is_refused(running_app: RunningApp) -> None:
    caller = TwilioCaller(running_app.base_url, running_app.settings.twilio_auth_token.get_secret_value())
    assert (await caller.dial()).status_code == 200
    with pytest.raises(websockets.InvalidStatus) as refused:
        await caller.connect(signature="Zm9yZ2Vk")
    assert refused.value.response.status_code == 403
    assert running_app.emulator.sessions_opened == 0


@pytest.mark.parametrize("token", ["", "v1.garbage", "tampered"])
async def test_bad_or_reused_token_is_refused_before_nova(running_app: RunningApp, token: str) -> None:
    caller = TwilioCaller(running_app.base_url, running_app.settings.twilio_auth_token.get_secret_value())
    assert (await caller.dial()).status_code == 200
    params = dict(caller.parameters)
    params["token"] = params["token"][:-2] + "AA" if token == "tampered" else token
    await caller.connect(start=False)
    await caller.send_start(params)
    assert await caller.wait_closed() == 1008
    assert running_app.emulator.sessions_opened == 0


async def test_token_is_single_use_and_bound_to_its_call(running_app: RunningApp) -> None:
    first = await _call(running_app)
    await first.wait_for(lambda: first.events("media"), within=10)
    replay = TwilioCaller(running_app.base_url, running_app.settings.twilio_auth_token.get_secret_value())
    replay.stream_url, replay.parameters = first.stream_url, first.parameters
    replay.call_sid = first.call_sid
    await replay.connect()
    assert await replay.wait_closed() == 1008  # reused
    other_call = TwilioCaller(running_app.base_url, running_app.settings.twilio_auth_token.get_secret_value())
    assert (await other_call.dial()).status_code == 200
    other_call.call_sid = "CA" + "f" * 32  # a token minted for one call, used on another
    await other_call.connect()
    assert await other_call.wait_closed() == 1008
    await first.stop()
    await first.wait_closed()


@pytest.mark.parametrize(
    "bad",
    ["{not json", '{"event":"media","streamSid":"MZx","media":{"payload":"!!!"}}', b"\x00\x01binary"],
)
async def test_malformed_message_closes_only_that_call(running_app: RunningApp, bad: str | bytes) -> None:
    baseline = len(asyncio.all_tasks())
    healthy = await _call(running_app)
    broken = await _call(running_app)
    await broken.wait_for(lambda: broken.events("media"), within=10)
    await broken.send_raw(bad)
    assert await broken.wait_closed() == 1007
    # The other call goes on: it keeps receiving its greeting and its socket stays open.
    count = len(healthy.events("media"))
    await healthy.silence(0.5)
    assert len(healthy.events("media")) > count or _greeting_done(healthy)
    assert healthy.close_code is None
    await healthy.stop()
    assert await healthy.wait_closed() == 1000
    await _no_leaks(running_app, baseline)


async def test_abrupt_disconnect_leaves_nothing_behind(running_app: RunningApp) -> None:
    baseline = len(asyncio.all_tasks())
    caller = await _call(running_app)
    await caller.wait_for(lambda: caller.events("media"), within=10)
    await caller.hang_up()
    await _no_leaks(running_app, baseline)


async def test_health_and_readiness(running_app: RunningApp) -> None:
    async with httpx.AsyncClient(base_url=running_app.base_url) as http:
        assert (await http.get("/healthz")).json() == {"status": "ok"}
        ready = await http.get("/readyz")
        assert ready.status_code == 200
        assert ready.json()["backend"] == "emulator"
