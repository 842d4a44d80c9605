"""Vonage: every WebSocket message in and out, NCCO shapes, signed-webhook JWT vectors."""

from __future__ import annotations

import hashlib
import json
import time

import jwt
import pytest

from providers.base import AudioIn, CallStarted, Dtmf, PlaybackCleared, PlaybackMark, ProtocolError
from providers.vonage.ncco import connect_websocket_ncco, talk_ncco
from providers.vonage.protocol import VonageMediaProtocol
from providers.vonage.signature import SignatureError, verify_vonage_jwt

CONNECTED = {
    "event": "websocket:connected",
    "content-type": "audio/l16;rate=16000",
    "call_uuid": "aaaa-bbbb",
    "from": "14155550100",
    "to": "14155550199",
    "token": "tok",
}


def connected(rate: int = 16000) -> VonageMediaProtocol:
    protocol = VonageMediaProtocol(rate)
    protocol.parse(json.dumps({**CONNECTED, "content-type": f"audio/l16;rate={rate}"}))
    return protocol


def test_connected_carries_the_ncco_headers() -> None:
    (event,) = VonageMediaProtocol(16000).parse(json.dumps(CONNECTED))
    assert event == CallStarted(
        call_id="aaaa-bbbb",
        stream_id="aaaa-bbbb",
        caller="14155550100",
        callee="14155550199",
        params={"call_uuid": "aaaa-bbbb", "from": "14155550100", "to": "14155550199", "token": "tok"},
    )


@pytest.mark.parametrize(("rate", "size"), [(8000, 320), (16000, 640), (24000, 960)])
def test_binary_frames_are_exactly_20_ms(rate: int, size: int) -> None:
    protocol = connected(rate)
    frame = bytes(range(256)) * (size // 256) + bytes(size % 256)
    assert protocol.parse(frame) == [AudioIn(frame)]
    with pytest.raises(ProtocolError, match=f"{size} \\(20 ms at {rate} Hz\\) expected"):
        protocol.parse(frame[:-2])


def test_control_messages_in() -> None:
    protocol = connected()
    assert protocol.parse('{"event":"websocket:dtmf","digit":"5","duration":260}') == [Dtmf("5")]
    assert protocol.parse('{"event":"websocket:cleared"}') == [PlaybackCleared()]
    assert protocol.parse('{"event":"websocket:notify","payload":{"name":"turn-3"}}') == [
        PlaybackMark("turn-3")
    ]
    assert protocol.parse('{"event":"websocket:notify","payload":{"other":1}}') == []
    assert protocol.parse('{"event":"websocket:something-new"}') == []  # forward compatible


def test_outbound_audio_is_split_into_exact_frames_and_padded() -> None:
    protocol = connected()
    out = protocol.audio(b"\x01\x00" * 700)  # 1400 bytes: two whole frames and a partial one
    assert [len(m) for m in out] == [640, 640, 640]
    assert out[-1] == b"\x01\x00" * 60 + bytes(520)
    assert protocol.audio(bytes(640)) == [bytes(640)]


def test_outbound_control_messages() -> None:
    protocol = connected()
    assert [json.loads(m) for m in protocol.clear()] == [{"action": "clear"}]
    assert [json.loads(m) for m in protocol.mark("turn-1")] == [
        {"action": "notify", "payload": {"name": "turn-1"}}
    ]


@pytest.mark.parametrize(
    ("message", "match"),
    [
        (b"\x00" * 641, "odd-length"),
        (b"\x00" * 320, "640 \\(20 ms"),
        ("{garbage", "invalid JSON"),
        ("[1]", "JSON object with an 'event'"),
        ('{"event": 5}', "JSON object with an 'event'"),
        ('{"event": "bogus"}', "unknown event"),
        ('{"event": "websocket:dtmf", "digit": "x"}', "invalid DTMF digit"),
        (json.dumps(CONNECTED), "second"),
        ("x" * 70000, "exceeds"),
    ],
)
def test_malformed_messages(message: str | bytes, match: str) -> None:
    with pytest.raises(ProtocolError, match=match):
        connected().parse(message)


def test_order_and_negotiation() -> None:
    with pytest.raises(ProtocolError, match="before 'websocket:connected'"):
        VonageMediaProtocol().parse(bytes(640))
    with pytest.raises(ProtocolError, match="before 'websocket:connected'"):
        VonageMediaProtocol().parse('{"event":"websocket:dtmf","digit":"1"}')
    with pytest.raises(ProtocolError, match="was negotiated"):
        VonageMediaProtocol(16000).parse(json.dumps({**CONNECTED, "content-type": "audio/l16;rate=8000"}))
    with pytest.raises(ProtocolError, match="no call_uuid"):
        VonageMediaProtocol().parse(json.dumps({k: v for k, v in CONNECTED.items() if k != "call_uuid"}))
    with pytest.raises(ValueError, match="unsupported"):
        VonageMediaProtocol(44100)


@pytest.mark.parametrize("rate", [8000, 16000, 24000])
def test_ncco_shape_for_each_rate(rate: int) -> None:
    ncco = connect_websocket_ncco(
        uri="wss://abc.ngrok.app/vonage/media",
        rate=rate,
        headers={"call_uuid": "u1", "token": "t"},
        event_url="https://abc.ngrok.app/vonage/events",
        from_number="+14155550199",
    )
    assert ncco == [
        {
            "action": "connect",
            "eventType": "synchronous",
            "eventUrl": ["https://abc.ngrok.app/vonage/events"],
            "endpoint": [
                {
                    "type": "websocket",
                    "uri": "wss://abc.ngrok.app/vonage/media",
                    "content-type": f"audio/l16;rate={rate}",
                    "headers": {"call_uuid": "u1", "token": "t"},
                }
            ],
            "from": "14155550199",
        }
    ]


def test_ncco_options_and_refusals() -> None:
    ncco = connect_websocket_ncco(
        uri="wss://h/vonage/media", rate=16000, headers={}, event_url="https://h/e", vonage_authorization=True
    )
    assert ncco[0]["endpoint"][0]["authorization"] == {"type": "vonage"}
    assert "from" not in ncco[0]
    with pytest.raises(ValueError, match="rate"):
        connect_websocket_ncco(uri="wss://h/m", rate=44100, headers={}, event_url="https://h/e")
    with pytest.raises(ValueError, match="512"):
        connect_websocket_ncco(uri="wss://h/m", rate=16000, headers={"k": "v" * 600}, event_url="https://h/e")
    with pytest.raises(ValueError, match="wss"):
        connect_websocket_ncco(uri="https://h/m", rate=16000, headers={}, event_url="https://h/e")
    assert talk_ncco("busy") == [{"action": "talk", "text": "busy", "language": "en-US"}]


SECRET = "vonage-signature-secret-for-tests"


def signed(
    payload: bytes | None = None, *, iat: float | None = None, secret: str = SECRET, **extra: object
) -> str:
    claims: dict[str, object] = {
        "iat": int(time.time() if iat is None else iat),
        "jti": "j1",
        "iss": "Vonage",
    }
    if payload is not None:
        claims["payload_hash"] = hashlib.sha256(payload).hexdigest()
    claims.update(extra)
    return "Bearer " + jwt.encode(claims, secret, algorithm="HS256")


def test_jwt_accepts_a_signed_post_body() -> None:
    body = b'{"uuid":"u1","status":"answered"}'
    claims = verify_vonage_jwt(signed(body), SECRET, body=body, application_id="app-1")
    assert claims["iss"] == "Vonage"


def test_jwt_get_payload_hash_over_compact_json_or_raw_query() -> None:
    items = [("to", "447700900000"), ("from", "447700900001"), ("uuid", "u1")]
    compact = json.dumps(dict(items), separators=(",", ":")).encode()
    raw = "to=447700900000&from=447700900001&uuid=u1"
    verify_vonage_jwt(signed(compact), SECRET, query=(items, raw))
    verify_vonage_jwt(signed(raw.encode()), SECRET, query=(items, raw))
    with pytest.raises(SignatureError, match="payload_hash"):
        verify_vonage_jwt(signed(b"{}"), SECRET, query=(items, raw))


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        (signed(b"x", secret="another-secret-entirely-0000000000000"), "bad_signature"),
        (signed(b"x", iat=time.time() - 3600), "stale"),
        (signed(b"x", iat=time.time() + 3600), "stale"),
        (signed(b"other body"), "payload_hash"),
        (signed(b"x", application_id="someone-else"), "wrong_application"),
        ("", "missing"),
        ("Basic abc", "missing"),
        ("Bearer not.a.jwt", "malformed"),
    ],
)
def test_jwt_rejections(header: str, reason: str) -> None:
    with pytest.raises(SignatureError) as refused:
        verify_vonage_jwt(header, SECRET, body=b"x", application_id="app-1")
    assert refused.value.reason == reason


def test_jwt_without_body_for_the_websocket_upgrade() -> None:
    assert verify_vonage_jwt(signed(), SECRET)["jti"] == "j1"
    with pytest.raises(SignatureError, match="no_secret"):
        verify_vonage_jwt(signed(), "")
