"""The emulator's scripted model, driven with plain calls and a fake clock."""

from __future__ import annotations

import base64
import json
import math
import struct
from typing import Any

from app.sonic.emulator.behaviour import EmulatorBehaviour, SessionRecord
from app.sonic.emulator.model import GREETING_TEXT, INTERRUPTED_MARKER, Failure, ScriptedModel

RATE = 8000
GREETING = bytes(RATE * 2)  # one second stands in for the recorded prompt


def tone(seconds: float, rate: int = RATE, amplitude: int = 8000) -> bytes:
    n = int(rate * seconds)
    return struct.pack(f"<{n}h", *(int(amplitude * math.sin(2 * math.pi * 300 * i / rate)) for i in range(n)))


def quiet(seconds: float, rate: int = RATE) -> bytes:
    return bytes(int(rate * seconds) * 2)


def event(name: str, **body: Any) -> dict[str, Any]:
    return {"event": {name: body}}


class Harness:
    def __init__(self, output_rate: int = RATE, behaviour: EmulatorBehaviour | None = None) -> None:
        self.record = SessionRecord("s1", "amazon.nova-2-sonic-v1:0")
        self.model = ScriptedModel(behaviour or EmulatorBehaviour(), self.record, lambda rate: GREETING)
        self.now = 100.0
        self.out: list[dict[str, Any]] = []
        self.failures: list[Failure] = []
        self.feed(event("sessionStart", inferenceConfiguration={"maxTokens": 1024}))
        audio_cfg = {"sampleRateHertz": output_rate, "voiceId": "matthew"}
        self.feed(event("promptStart", promptName="p", audioOutputConfiguration=audio_cfg))
        self.text("SYSTEM", False, "be brief")
        self.feed(
            event(
                "contentStart",
                contentName="audio",
                type="AUDIO",
                audioInputConfiguration={"sampleRateHertz": RATE},
            )
        )

    def feed(self, doc: dict[str, Any]) -> None:
        for item in self.model.on_event(doc, self.now) + self.model.due(self.now):
            if isinstance(item, Failure):
                self.failures.append(item)
            else:
                self.out.append(json.loads(item))

    def text(self, role: str, interactive: bool, content: str) -> None:
        name = f"t{len(self.record.texts)}"
        self.feed(event("contentStart", contentName=name, type="TEXT", role=role, interactive=interactive))
        self.feed(event("textInput", contentName=name, content=content))
        self.feed(event("contentEnd", contentName=name))

    def audio(self, pcm: bytes, realtime: bool = True) -> None:
        step = RATE * 2 * 40 // 1000  # 40 ms chunks, as the bridge sends
        for offset in range(0, len(pcm), step):
            chunk = pcm[offset : offset + step]
            self.feed(event("audioInput", contentName="audio", content=base64.b64encode(chunk).decode()))
            if realtime:
                self.advance(len(chunk) / 2 / RATE)

    def advance(self, seconds: float) -> None:
        self.now += seconds
        for item in self.model.due(self.now):
            self.out.append(json.loads(item))

    def names(self) -> list[str]:
        return [next(iter(doc["event"])) for doc in self.out]

    def audio_out(self) -> bytes:
        return b"".join(
            base64.b64decode(doc["event"]["audioOutput"]["content"])
            for doc in self.out
            if "audioOutput" in doc["event"]
        )

    def texts_out(self) -> list[tuple[str, str]]:
        return [
            (doc["event"]["textOutput"]["role"], doc["event"]["textOutput"]["content"])
            for doc in self.out
            if "textOutput" in doc["event"]
        ]


def test_speak_first_greeting_turn_shape() -> None:
    h = Harness()
    h.text("USER", True, "Greet the caller")
    h.advance(2.0)
    names = h.names()
    assert names[0] == "completionStart"
    assert names[1:4] == ["contentStart", "textOutput", "contentEnd"]  # SPECULATIVE text
    assert names[4] == "contentStart"  # AUDIO
    audio_start = h.out[4]["event"]["contentStart"]
    assert audio_start["type"] == "AUDIO"
    assert audio_start["role"] == "ASSISTANT"
    assert audio_start["audioOutputConfiguration"]["sampleRateHertz"] == RATE
    assert h.audio_out() == GREETING
    assert names[-4:] == ["contentEnd", "contentStart", "textOutput", "contentEnd"]
    assert h.out[-4]["event"]["contentEnd"] == {
        **h.out[-4]["event"]["contentEnd"],
        "type": "AUDIO",
        "stopReason": "END_TURN",
    }
    stages = [
        json.loads(doc["event"]["contentStart"]["additionalModelFields"])["generationStage"]
        for doc in h.out
        if doc["event"].get("contentStart", {}).get("type") == "TEXT"
    ]
    assert stages == ["SPECULATIVE", "FINAL"]
    assert h.texts_out() == [("ASSISTANT", GREETING_TEXT), ("ASSISTANT", GREETING_TEXT)]
    for doc in h.out:
        body = next(iter(doc["event"].values()))
        assert body["sessionId"] == "s1"
        assert body["promptName"] == "p"
        assert "completionId" in body


def test_output_is_paced_faster_than_real_time_in_chunks() -> None:
    h = Harness()
    h.text("USER", True, "hi")
    chunks_at_start = h.names().count("audioOutput")
    assert chunks_at_start == 1  # 100 ms chunk; the rest follows at 4x real time
    h.advance(0.125)
    assert h.names().count("audioOutput") == 6
    h.advance(1.0)
    assert len(h.audio_out()) == len(GREETING)


def test_echo_after_silence_returns_the_callers_audio() -> None:
    h = Harness()
    speech = tone(1.0)
    h.audio(quiet(0.5) + speech + quiet(0.6))
    assert h.audio_out() == b""  # not yet: 700 ms of silence ends an utterance
    h.audio(quiet(0.2))
    h.advance(2.0)
    echoed = h.audio_out()
    assert speech in echoed
    assert len(echoed) < len(speech) + RATE * 2 * 0.4  # only pre-roll and a little tail added
    assert h.texts_out()[0] == ("USER", "(caller spoke for 1.2 s)")
    assert h.record.audio_in_s >= 2.2


def test_echo_is_resampled_to_the_output_rate() -> None:
    h = Harness(output_rate=24000)
    h.audio(tone(0.8) + quiet(0.9))
    h.advance(2.0)
    echoed = h.audio_out()
    assert abs(len(echoed) / 2 / 24000 - len(tone(0.8) + quiet(0.2)) / 2 / RATE) < 0.15


def test_barge_in_stops_the_turn_and_signals_interruption() -> None:
    h = Harness()
    h.text("USER", True, "hi")
    h.advance(0.1)
    sent_before = len(h.audio_out())
    assert 0 < sent_before < len(GREETING)
    h.audio(tone(0.2))  # caller talks over the greeting
    names = h.names()
    interrupted = [t for t in h.texts_out() if t[1] == INTERRUPTED_MARKER]
    assert interrupted == [("ASSISTANT", INTERRUPTED_MARKER)]
    ends = [doc["event"]["contentEnd"] for doc in h.out if "contentEnd" in doc["event"]]
    assert ends[-2]["type"] == "AUDIO"
    assert ends[-1] == {**ends[-1], "type": "TEXT", "stopReason": "INTERRUPTED"}
    marker_at = names.index("textOutput", len(names) - 3)
    h.advance(3.0)
    assert "audioOutput" not in h.names()[marker_at:]  # nothing of the interrupted turn after the signal
    assert len(h.audio_out()) < len(GREETING)
    assert h.record.barge_ins == 1


def test_no_barge_in_once_the_turn_has_played() -> None:
    h = Harness()
    h.text("USER", True, "hi")
    h.advance(1.5)  # one second of greeting, fully played by now
    h.audio(tone(0.3))
    assert INTERRUPTED_MARKER not in [t[1] for t in h.texts_out()]


def test_validation_errors() -> None:
    h = Harness()
    h.feed(event("audioInput", contentName="nope", content=""))
    assert h.failures[-1].exception_type == "validationException"
    first = ScriptedModel(EmulatorBehaviour(), SessionRecord("s", "m"), lambda rate: b"")
    (failure,) = first.on_event(event("promptStart"), 0.0)
    assert isinstance(failure, Failure)
    assert "sessionStart must come first" in failure.message
    bad_rate = Harness()
    bad_rate.feed(
        event(
            "contentStart", contentName="a2", type="AUDIO", audioInputConfiguration={"sampleRateHertz": 44100}
        )
    )
    assert "sampleRateHertz" in bad_rate.failures[-1].message


def test_audio_inside_an_open_text_block_is_refused() -> None:
    h = Harness()
    h.feed(event("contentStart", contentName="h", type="TEXT", role="USER", interactive=False))
    h.audio(quiet(0.04), realtime=False)
    assert h.failures[-1].message == "Chat history should be sent completely before streaming audio."


def test_clean_end_is_recorded() -> None:
    h = Harness()
    h.feed(event("contentEnd", contentName="audio"))
    h.feed(event("promptEnd", promptName="p"))
    h.feed(event("sessionEnd"))
    assert h.failures == []
    assert h.model.finished
    assert h.record.ended_cleanly
