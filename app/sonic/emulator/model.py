"""The emulator's scripted "model": speak first, echo the caller after a pause, stop on barge-in.

Sans-I/O: feed it input events and the time, collect output events (JSON bytes) and failures, and ask
it when it next wants to run. The async driver in ``handler.py`` does the sending and sleeping, so this
logic is tested with plain calls. Shapes follow Nova 2's output events (reference nova-sonic.md §2).
"""

from __future__ import annotations

import base64
import json
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import audioop
import numpy as np
import soxr

from app.sonic.emulator.behaviour import EmulatorBehaviour, SessionRecord

RATES = (8000, 16000, 24000)
GREETING_TEXT = "Hello! This is the Nova Sonic emulator. Say something, and I will repeat it."
INTERRUPTED_MARKER = '{ "interrupted" : true }'


@dataclass(frozen=True)
class Failure:
    """End the stream with a modeled exception, as Bedrock does for bad input."""

    exception_type: str
    message: str


@dataclass
class _Turn:
    text: str
    pcm: bytes
    content_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    chunks: deque[tuple[float, bytes]] = field(default_factory=deque)
    started: bool = False
    first_chunk_at: float | None = None
    sent_s: float = 0.0


class ScriptedModel:
    def __init__(
        self, behaviour: EmulatorBehaviour, record: SessionRecord, greeting: Callable[[int], bytes]
    ) -> None:
        self.b = behaviour
        self.record = record
        self._greeting = greeting
        self.finished = False
        self._started = False
        self._prompt = ""
        self._completion = str(uuid.uuid4())
        self._completion_started = False
        self._open: dict[str, dict[str, Any]] = {}
        self._audio_content: str | None = None
        self._greeted = False
        self._turns: deque[_Turn] = deque()
        self._audible_until = 0.0
        self._vad = _Vad(behaviour)

    # --- input -----------------------------------------------------------------------------------

    def on_event(self, doc: dict[str, Any], now: float) -> list[bytes | Failure]:
        event = doc.get("event")
        if not isinstance(event, dict) or len(event) != 1:
            return [Failure("validationException", "Invalid input: expected exactly one event")]
        ((name, body),) = event.items()
        self.record.events[name] += 1
        if not self._started and name != "sessionStart":
            return [
                Failure("validationException", f"Invalid input: sessionStart must come first, got {name}")
            ]
        handler = getattr(self, f"_on_{name}", None)
        if handler is None:
            return [Failure("validationException", f"Invalid input: unknown event {name}")]
        result: list[bytes | Failure] = handler(body if isinstance(body, dict) else {}, now)
        return result

    def _on_sessionStart(self, body: dict[str, Any], now: float) -> list[bytes | Failure]:
        if self._started:
            return [Failure("validationException", "Invalid input: duplicate sessionStart")]
        self._started = True
        return []

    def _on_promptStart(self, body: dict[str, Any], now: float) -> list[bytes | Failure]:
        audio = body.get("audioOutputConfiguration") or {}
        rate = audio.get("sampleRateHertz")
        if rate not in RATES:
            return [
                Failure("validationException", f"Invalid audioOutputConfiguration.sampleRateHertz: {rate}")
            ]
        if not audio.get("voiceId"):
            return [Failure("validationException", "Invalid audioOutputConfiguration: voiceId is required")]
        self._prompt = str(body.get("promptName", ""))
        self.record.output_rate, self.record.voice = rate, str(audio["voiceId"])
        return []

    def _on_contentStart(self, body: dict[str, Any], now: float) -> list[bytes | Failure]:
        name, kind = str(body.get("contentName", "")), body.get("type")
        if kind == "AUDIO":
            rate = (body.get("audioInputConfiguration") or {}).get("sampleRateHertz")
            if rate not in RATES:
                return [
                    Failure("validationException", f"Invalid audioInputConfiguration.sampleRateHertz: {rate}")
                ]
            self.record.input_rate = rate
            self._audio_content = name
        elif kind not in ("TEXT", "TOOL"):
            return [Failure("validationException", f"Invalid content type {kind}")]
        self._open[name] = {**body, "text": []}
        return []

    def _on_textInput(self, body: dict[str, Any], now: float) -> list[bytes | Failure]:
        block = self._open.get(str(body.get("contentName", "")))
        if block is None or block.get("type") != "TEXT":
            return [
                Failure("validationException", "Invalid input: textInput for a content that is not open TEXT")
            ]
        block["text"].append(str(body.get("content", "")))
        return []

    def _on_toolResult(self, body: dict[str, Any], now: float) -> list[bytes | Failure]:
        block = self._open.get(str(body.get("contentName", "")))
        if block is None or block.get("type") != "TOOL":
            return [
                Failure(
                    "validationException", "Invalid input: toolResult for a content that is not open TOOL"
                )
            ]
        tool_use_id = (block.get("toolResultInputConfiguration") or {}).get("toolUseId", "")
        self.record.tool_results.append((str(tool_use_id), str(body.get("content", ""))))
        return []

    def _on_audioInput(self, body: dict[str, Any], now: float) -> list[bytes | Failure]:
        name = str(body.get("contentName", ""))
        if name != self._audio_content or name not in self._open:
            return [
                Failure("validationException", "Invalid input: audioInput for an unknown or closed content")
            ]
        if any(b.get("type") == "TEXT" for b in self._open.values()):
            return [
                Failure(
                    "validationException", "Chat history should be sent completely before streaming audio."
                )
            ]
        try:
            pcm = base64.b64decode(str(body.get("content", "")), validate=True)
        except ValueError:
            return [Failure("validationException", "Invalid input: audioInput content is not base64")]
        rate = self.record.input_rate
        self.record.audio_in_s += len(pcm) / 2 / rate
        out: list[bytes | Failure] = []
        for change, utterance in self._vad.feed(pcm, rate):
            if change == "onset":
                out += self._barge_in(now)
            else:
                out += self._answer(utterance, now)
        return out

    def _on_contentEnd(self, body: dict[str, Any], now: float) -> list[bytes | Failure]:
        block = self._open.pop(str(body.get("contentName", "")), None)
        if block is None:
            return [
                Failure("validationException", "Invalid input: contentEnd for a content that is not open")
            ]
        if block.get("type") != "TEXT":
            return []
        text = "".join(block["text"])
        interactive = bool(block.get("interactive"))
        self.record.texts.append((str(block.get("role", "")), interactive, text))
        if interactive and block.get("role") == "USER":
            if not self._greeted and self.b.greeting:
                self._greeted = True
                self._turns.append(_Turn(GREETING_TEXT, self._greeting(self.record.output_rate)))
            else:
                silence = bytes(self.record.output_rate * 2 // 5)
                self._turns.append(_Turn(f"(emulator heard the text: {text[:60]})", silence))
        return []

    def _on_promptEnd(self, body: dict[str, Any], now: float) -> list[bytes | Failure]:
        if self._open.keys() - {self._audio_content}:
            return [Failure("validationException", "All contents must be closed before ending prompt")]
        self.finished = True
        return []

    def _on_sessionEnd(self, body: dict[str, Any], now: float) -> list[bytes | Failure]:
        self.finished = True
        self.record.ended_cleanly = True
        return []

    # --- output ----------------------------------------------------------------------------------

    def _event(self, name: str, **body: Any) -> bytes:
        body = {
            "sessionId": self.record.session_id,
            "promptName": self._prompt,
            "completionId": self._completion,
            **body,
        }
        return json.dumps({"event": {name: body}}).encode()

    def _text_block(self, role: str, stage: str, text: str, stop: str) -> list[bytes]:
        cid = str(uuid.uuid4())
        extra = json.dumps({"generationStage": stage})
        return [
            self._event(
                "contentStart",
                contentId=cid,
                type="TEXT",
                role=role,
                additionalModelFields=extra,
                textOutputConfiguration={"mediaType": "text/plain"},
            ),
            self._event("textOutput", contentId=cid, role=role, content=text),
            self._event("contentEnd", contentId=cid, type="TEXT", stopReason=stop),
        ]

    def _answer(self, utterance: bytes, now: float) -> list[bytes | Failure]:
        seconds = len(utterance) / 2 / self.record.input_rate
        out: list[bytes | Failure] = list(
            self._text_block("USER", "FINAL", f"(caller spoke for {seconds:.1f} s)", "PARTIAL_TURN")
        )
        echo = _resample(utterance, self.record.input_rate, self.record.output_rate)
        self._turns.append(_Turn(f"(echo of {seconds:.1f} s of audio)", echo))
        return out

    def _barge_in(self, now: float) -> list[bytes | Failure]:
        turn = self._turns[0] if self._turns and self._turns[0].started else None
        if turn is None and now >= self._audible_until:
            return []
        out: list[bytes | Failure] = []
        if turn is not None:
            self._turns.popleft()
            out.append(
                self._event("contentEnd", contentId=turn.content_id, type="AUDIO", stopReason="END_TURN")
            )
        out += self._text_block("ASSISTANT", "FINAL", INTERRUPTED_MARKER, "INTERRUPTED")
        self._audible_until = 0.0
        self.record.barge_ins += 1
        return out

    def _start_turn(self, turn: _Turn, now: float) -> list[bytes]:
        out: list[bytes] = []
        if not self._completion_started:
            self._completion_started = True
            out.append(self._event("completionStart"))
        out += self._text_block("ASSISTANT", "SPECULATIVE", turn.text, "PARTIAL_TURN")
        rate = self.record.output_rate
        out.append(
            self._event(
                "contentStart",
                contentId=turn.content_id,
                type="AUDIO",
                role="ASSISTANT",
                audioOutputConfiguration={
                    "mediaType": "audio/lpcm",
                    "sampleRateHertz": rate,
                    "sampleSizeBits": 16,
                    "encoding": "base64",
                    "channelCount": 1,
                },
            )
        )
        step = rate * 2 * self.b.chunk_ms // 1000
        gap = self.b.chunk_ms / 1000 / self.b.speedup
        for index, offset in enumerate(range(0, len(turn.pcm), step)):
            turn.chunks.append((now + index * gap, turn.pcm[offset : offset + step]))
        turn.started = True
        self.record.turns += 1
        return out

    def due(self, now: float) -> list[bytes]:
        """Output whose time has come: turn openings, paced audio chunks, turn endings."""
        out: list[bytes] = []
        while self._turns:
            turn = self._turns[0]
            if not turn.started:
                out += self._start_turn(turn, now)
            while turn.chunks and turn.chunks[0][0] <= now:
                _, pcm = turn.chunks.popleft()
                if turn.first_chunk_at is None:
                    turn.first_chunk_at = now
                turn.sent_s += len(pcm) / 2 / self.record.output_rate
                self._audible_until = turn.first_chunk_at + turn.sent_s
                out.append(
                    self._event(
                        "audioOutput", contentId=turn.content_id, content=base64.b64encode(pcm).decode()
                    )
                )
            if turn.chunks:
                break
            self._turns.popleft()
            out.append(
                self._event("contentEnd", contentId=turn.content_id, type="AUDIO", stopReason="END_TURN")
            )
            out += self._text_block("ASSISTANT", "FINAL", turn.text, "END_TURN")
        return out

    def next_wakeup(self) -> float | None:
        if not self._turns:
            return None
        turn = self._turns[0]
        if not turn.started or not turn.chunks:
            return 0.0
        return turn.chunks[0][0]


def _resample(pcm: bytes, in_rate: int, out_rate: int) -> bytes:
    if in_rate == out_rate or not pcm:
        return pcm
    samples = np.frombuffer(pcm, dtype=np.int16)
    out: np.ndarray = soxr.resample(samples, in_rate, out_rate)
    return out.astype(np.int16).tobytes()


class _Vad:
    """Energy-based speech detection over 20 ms windows: onsets and finished utterances."""

    def __init__(self, b: EmulatorBehaviour) -> None:
        self.b = b
        self._buf = bytearray()
        self._speaking = False
        self._loud_ms = 0
        self._quiet_ms = 0
        self._preroll: deque[bytes] = deque(maxlen=max(1, b.preroll_ms // 20))
        self._candidate: list[bytes] = []
        self._utterance = bytearray()

    def feed(self, pcm: bytes, rate: int) -> list[tuple[str, bytes]]:
        self._buf += pcm
        window = rate * 2 // 50
        events: list[tuple[str, bytes]] = []
        while len(self._buf) >= window:
            chunk = bytes(self._buf[:window])
            del self._buf[:window]
            change = self._window(chunk, audioop.rms(chunk, 2) >= self.b.speech_rms, rate)
            if change is not None:
                events.append(change)
        return events

    def _window(self, chunk: bytes, loud: bool, rate: int) -> tuple[str, bytes] | None:
        if not self._speaking:
            if not loud:
                self._preroll.extend(self._candidate)
                self._candidate, self._loud_ms = [], 0
                self._preroll.append(chunk)
                return None
            self._candidate.append(chunk)
            self._loud_ms += 20
            if self._loud_ms < self.b.onset_ms:
                return None
            self._speaking, self._quiet_ms = True, 0
            self._utterance = bytearray(b"".join(self._preroll) + b"".join(self._candidate))
            self._preroll.clear()
            self._candidate = []
            return ("onset", b"")
        self._utterance += chunk
        self._quiet_ms = 0 if loud else self._quiet_ms + 20
        too_long = len(self._utterance) >= self.b.max_utterance_s * rate * 2
        if self._quiet_ms < self.b.silence_ms and not too_long:
            return None
        self._speaking = False
        keep = len(self._utterance) - max(0, self._quiet_ms - 100) * rate * 2 // 1000
        utterance = bytes(self._utterance[:keep])
        self._utterance = bytearray()
        return ("end", utterance)
