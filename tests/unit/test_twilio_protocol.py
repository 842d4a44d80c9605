"""Every Twilio Media Streams message, in and out, plus TwiML and signature vectors."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

import audioop
import pytest

from providers.base import AudioIn, CallEnded, CallStarted, Dtmf, PlaybackMark, ProtocolError
from providers.twilio.protocol import TwilioMediaProtocol
from providers.twilio.twiml import connect_stream_twiml, say_and_hangup_twiml, validate_twilio_signature

SID = "MZXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"
CONNECTED = {"event": "connected", "protocol": "Call", "version": "1.0.0"}
START = {
    "event": "start",
    "sequenceNumber": "1",
    "start": {
        "accountSid": "ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
        "streamSid": SID,
        "callSid": "CAXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
        "tracks": ["inbound"],
        "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1},
        "customParameters": {"token": "abc", "from": "+15551230001", "to": "+15557650002"},
    },
    "streamSid": SID,
}
PCM = b"".join(int(v).to_bytes(2, "little", signed=True) for v in (0, 1000, -1000, 8000, -8000, 30000) * 27)[
    :320
]
ULAW = audioop.lin2ulaw(PCM, 2)


def media(payload: str, stream_sid: str = SID) -> dict[str, Any]:
    return {
        "event": "media",
        "sequenceNumber": "4",
        "media": {"track": "inbound", "chunk": "2", "timestamp": "5", "payload": payload},
        "streamSid": stream_sid,
    }


def started() -> TwilioMediaProtocol:
    protocol = TwilioMediaProtocol()
    assert protocol.parse(json.dumps(CONNECTED)) == []
    protocol.parse(json.dumps(START))
    return protocol


def test_start_becomes_call_started() -> None:
    protocol = TwilioMediaProtocol()
    assert protocol.parse(json.dumps(CONNECTED)) == []
    (event,) = protocol.parse(json.dumps(START))
    assert event == CallStarted(
        call_id="CAXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
        stream_id=SID,
        caller="+15551230001",
        callee="+15557650002",
        params={"token": "abc", "from": "+15551230001", "to": "+15557650002"},
    )
    assert protocol.stream_sid == SID


def test_media_is_decoded_to_pcm16() -> None:
    (event,) = started().parse(json.dumps(media(base64.b64encode(ULAW).decode())))
    assert isinstance(event, AudioIn)
    assert event.pcm16 == audioop.ulaw2lin(ULAW, 2)
    assert len(event.pcm16) == 2 * len(ULAW)


def test_dtmf_mark_and_stop() -> None:
    protocol = started()
    dtmf = {
        "event": "dtmf",
        "streamSid": SID,
        "sequenceNumber": "5",
        "dtmf": {"track": "inbound_track", "digit": "1"},
    }
    assert protocol.parse(json.dumps(dtmf)) == [Dtmf("1")]
    mark = {"event": "mark", "sequenceNumber": "4", "streamSid": SID, "mark": {"name": "my label"}}
    assert protocol.parse(json.dumps(mark)) == [PlaybackMark("my label")]
    stop = {
        "event": "stop",
        "sequenceNumber": "5",
        "stop": {"accountSid": "AC", "callSid": "CA"},
        "streamSid": SID,
    }
    assert protocol.parse(json.dumps(stop)) == [CallEnded("stop")]


def test_outbound_messages_are_exact() -> None:
    protocol = started()
    (audio,) = protocol.audio(PCM)
    assert isinstance(audio, str)
    assert json.loads(audio) == {
        "event": "media",
        "streamSid": SID,
        "media": {"payload": base64.b64encode(ULAW).decode()},
    }
    assert [json.loads(m) for m in protocol.clear()] == [{"event": "clear", "streamSid": SID}]
    assert [json.loads(m) for m in protocol.mark("resp1")] == [
        {"event": "mark", "streamSid": SID, "mark": {"name": "resp1"}}
    ]


def test_outbound_before_start_is_an_error() -> None:
    protocol = TwilioMediaProtocol()
    with pytest.raises(ProtocolError, match="before 'start'"):
        protocol.audio(PCM)
    with pytest.raises(ProtocolError, match="before 'start'"):
        protocol.clear()
    with pytest.raises(ProtocolError, match="before 'start'"):
        protocol.mark("m")


@pytest.mark.parametrize(
    ("message", "match"),
    [
        (b'{"event":"media"}', "binary frame"),
        ("{not json", "invalid JSON"),
        ("[1, 2]", "not a JSON object"),
        ('{"event":"bogus"}', "unknown event"),
        (json.dumps(media("!!!not-base64")), "not valid base64"),
        (json.dumps(media("")), "empty media payload"),
        (json.dumps(media(base64.b64encode(ULAW).decode(), stream_sid="MZother")), "not this stream's"),
        (json.dumps({"event": "media", "streamSid": SID}), "'media' missing"),
        (json.dumps({"event": "dtmf", "streamSid": SID, "dtmf": {"digit": "x"}}), "invalid DTMF digit"),
        (json.dumps({"event": "mark", "streamSid": SID, "mark": {}}), "'name' missing"),
        (json.dumps(START), "second 'start'"),
        (json.dumps(CONNECTED), "first message"),
        ("x" * (64 * 1024 + 1), "exceeds"),
    ],
)
def test_malformed_messages_raise_clear_errors(message: str | bytes, match: str) -> None:
    with pytest.raises(ProtocolError, match=match):
        started().parse(message)


def test_order_is_enforced() -> None:
    fresh = TwilioMediaProtocol()
    with pytest.raises(ProtocolError, match="before 'start'"):
        fresh.parse(json.dumps(media(base64.b64encode(ULAW).decode())))
    with pytest.raises(ProtocolError, match="before 'connected'"):
        TwilioMediaProtocol().parse(json.dumps(START))
    protocol = started()
    protocol.parse(json.dumps({"event": "stop", "streamSid": SID, "stop": {}}))
    with pytest.raises(ProtocolError, match="after 'stop'"):
        protocol.parse(json.dumps(media(base64.b64encode(ULAW).decode())))


def test_missing_start_fields() -> None:
    protocol = TwilioMediaProtocol()
    protocol.parse(json.dumps(CONNECTED))
    broken = {**START, "start": {**START["start"], "callSid": ""}}  # type: ignore[dict-item]
    with pytest.raises(ProtocolError, match="empty streamSid or callSid"):
        protocol.parse(json.dumps(broken))


def test_connect_stream_twiml_is_exact() -> None:
    xml = connect_stream_twiml("wss://example.ngrok.app/twilio/media", {"token": "abc123", "from": "+1555"})
    assert xml == (
        '<?xml version="1.0" encoding="UTF-8"?><Response><Connect>'
        '<Stream url="wss://example.ngrok.app/twilio/media">'
        '<Parameter name="token" value="abc123" /><Parameter name="from" value="+1555" />'
        "</Stream></Connect></Response>"
    )


@pytest.mark.parametrize(
    ("url", "params"),
    [
        ("wss://example.ngrok.app/twilio/media?x=1", {}),
        ("https://example.ngrok.app/twilio/media", {}),
        ("wss://example.ngrok.app/twilio/media", {"token": "x" * 600}),
    ],
)
def test_connect_stream_twiml_refuses_what_twilio_refuses(url: str, params: dict[str, str]) -> None:
    with pytest.raises(ValueError):
        connect_stream_twiml(url, params)


def test_say_and_hangup() -> None:
    xml = say_and_hangup_twiml("All agents are busy.")
    assert "<Say>All agents are busy.</Say><Hangup />" in xml


def twilio_signature(token: str, url: str, params: dict[str, str]) -> str:
    """Twilio's algorithm, written out: HMAC-SHA1 over URL + sorted name/value pairs, base64."""
    data = url + "".join(name + params[name] for name in sorted(params))
    return base64.b64encode(hmac.new(token.encode(), data.encode(), hashlib.sha1).digest()).decode()


def test_signature_vectors() -> None:
    token, url = "12345", "https://mycompany.com/myapp.php?foo=1&bar=2"
    params = {
        "CallSid": "CA1234567890ABCDE",
        "Caller": "+12349013030",
        "Digits": "1234",
        "From": "+12349013030",
    }
    good = twilio_signature(token, url, params)
    assert validate_twilio_signature(token, url, params, good)
    assert not validate_twilio_signature("wrong", url, params, good)
    assert not validate_twilio_signature(token, url, {**params, "Digits": "9999"}, good)
    assert not validate_twilio_signature(token, url, params, "")
    assert not validate_twilio_signature("", url, params, good)


def test_websocket_signature_is_over_the_wss_url_with_no_params() -> None:
    token = "secret-token"
    wss, https = "wss://abc.ngrok.app/twilio/media", "https://abc.ngrok.app/twilio/media"
    signature = twilio_signature(token, wss, {})
    assert validate_twilio_signature(token, wss, {}, signature)
    assert not validate_twilio_signature(token, https, {}, signature)
