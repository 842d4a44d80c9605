"""Nova 2 Sonic input events (builders) and output events (typed parsing). Pure: no I/O.

Shapes follow the AWS "Handling input/output events with the bidirectional API" pages for Nova 2 (see
shared/reference/nova-sonic.md §1-§2). Builders return the JSON bytes sent as one event-stream chunk, so
the hot audio path serialises once. Output parsing turns Nova's JSON into small dataclasses the bridge
can match on, and folds the two barge-in signals into one :class:`Interrupted` event.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Any, Literal

import orjson

TextRole = Literal["SYSTEM", "USER", "ASSISTANT", "SYSTEM_SPEECH"]
INTERRUPTED_MARKER = '{ "interrupted" : true }'
MAX_TEXT_INPUT_BYTES = 1024
"""Nova rejects a single textInput over 1 KB; longer text goes as several textInputs in one block."""


def _dump(event_name: str, body: dict[str, Any]) -> bytes:
    return orjson.dumps({"event": {event_name: body}})


# --- input builders ------------------------------------------------------------------------------


def session_start(
    *, max_tokens: int, top_p: float, temperature: float, endpointing: str | None = "MEDIUM"
) -> bytes:
    body: dict[str, Any] = {
        "inferenceConfiguration": {"maxTokens": max_tokens, "topP": top_p, "temperature": temperature}
    }
    if endpointing is not None:
        body["turnDetectionConfiguration"] = {"endpointingSensitivity": endpointing}
    return _dump("sessionStart", body)


def prompt_start(
    *, prompt_name: str, voice: str, output_rate: int, tools: list[dict[str, Any]] | None = None
) -> bytes:
    """Open the prompt. Tools must be declared here: Nova cannot change them mid-session."""
    body: dict[str, Any] = {
        "promptName": prompt_name,
        "textOutputConfiguration": {"mediaType": "text/plain"},
        "audioOutputConfiguration": {
            "mediaType": "audio/lpcm",
            "sampleRateHertz": output_rate,
            "sampleSizeBits": 16,
            "channelCount": 1,
            "voiceId": voice,
            "encoding": "base64",
            "audioType": "SPEECH",
        },
    }
    if tools:
        body["toolUseOutputConfiguration"] = {"mediaType": "application/json"}
        body["toolConfiguration"] = {"tools": tools}
    return _dump("promptStart", body)


def tool_spec(name: str, description: str, input_schema: dict[str, Any]) -> dict[str, Any]:
    """A tool declaration; Nova wants the JSON schema as a JSON *string*."""
    schema = orjson.dumps(input_schema).decode()
    return {"toolSpec": {"name": name, "description": description, "inputSchema": {"json": schema}}}


def text_content_start(*, prompt_name: str, content_name: str, role: TextRole, interactive: bool) -> bytes:
    return _dump(
        "contentStart",
        {
            "promptName": prompt_name,
            "contentName": content_name,
            "type": "TEXT",
            "interactive": interactive,
            "role": role,
            "textInputConfiguration": {"mediaType": "text/plain"},
        },
    )


def text_input(*, prompt_name: str, content_name: str, content: str) -> bytes:
    return _dump("textInput", {"promptName": prompt_name, "contentName": content_name, "content": content})


def split_text(content: str, limit: int = MAX_TEXT_INPUT_BYTES) -> list[str]:
    """Split text into pieces of at most ``limit`` UTF-8 bytes without cutting a character in two."""
    pieces: list[str] = []
    current: list[str] = []
    size = 0
    for char in content:
        width = len(char.encode())
        if size + width > limit and current:
            pieces.append("".join(current))
            current, size = [], 0
        current.append(char)
        size += width
    if current or not pieces:
        pieces.append("".join(current))
    return pieces


def text_block(
    *, prompt_name: str, content_name: str, role: TextRole, interactive: bool, text: str
) -> list[bytes]:
    """A whole TEXT content block: contentStart, one textInput per ≤1 KB piece, contentEnd."""
    events = [
        text_content_start(
            prompt_name=prompt_name, content_name=content_name, role=role, interactive=interactive
        )
    ]
    events += [
        text_input(prompt_name=prompt_name, content_name=content_name, content=piece)
        for piece in split_text(text)
    ]
    events.append(content_end(prompt_name=prompt_name, content_name=content_name))
    return events


def audio_content_start(*, prompt_name: str, content_name: str, input_rate: int) -> bytes:
    return _dump(
        "contentStart",
        {
            "promptName": prompt_name,
            "contentName": content_name,
            "type": "AUDIO",
            "interactive": True,
            "role": "USER",
            "audioInputConfiguration": {
                "mediaType": "audio/lpcm",
                "sampleRateHertz": input_rate,
                "sampleSizeBits": 16,
                "channelCount": 1,
                "audioType": "SPEECH",
                "encoding": "base64",
            },
        },
    )


def audio_input(*, prompt_name: str, content_name: str, pcm16: bytes) -> bytes:
    # Built by hand: this runs ~25 times a second per call, and the names are plain ASCII ids.
    b64 = base64.b64encode(pcm16).decode("ascii")
    return (
        f'{{"event":{{"audioInput":{{"promptName":"{prompt_name}","contentName":"{content_name}",'
        f'"content":"{b64}"}}}}}}'
    ).encode()


def tool_result_block(
    *, prompt_name: str, content_name: str, tool_use_id: str, result: dict[str, Any]
) -> list[bytes]:
    start = _dump(
        "contentStart",
        {
            "promptName": prompt_name,
            "contentName": content_name,
            "interactive": False,
            "type": "TOOL",
            "role": "TOOL",
            "toolResultInputConfiguration": {
                "toolUseId": tool_use_id,
                "type": "TEXT",
                "textInputConfiguration": {"mediaType": "text/plain"},
            },
        },
    )
    payload = _dump(
        "toolResult",
        {"promptName": prompt_name, "contentName": content_name, "content": orjson.dumps(result).decode()},
    )
    return [start, payload, content_end(prompt_name=prompt_name, content_name=content_name)]


def content_end(*, prompt_name: str, content_name: str) -> bytes:
    return _dump("contentEnd", {"promptName": prompt_name, "contentName": content_name})


def prompt_end(*, prompt_name: str) -> bytes:
    return _dump("promptEnd", {"promptName": prompt_name})


def session_end() -> bytes:
    return _dump("sessionEnd", {})


# --- output parsing ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ContentStart:
    content_id: str
    type: str
    role: str
    stage: str = ""
    """``FINAL`` or ``SPECULATIVE`` for text (Nova sends it inside a JSON string), else empty."""


@dataclass(frozen=True, slots=True)
class TextOutput:
    content_id: str
    role: str
    text: str


@dataclass(frozen=True, slots=True)
class AudioOutput:
    content_id: str
    pcm16: bytes


@dataclass(frozen=True, slots=True)
class ToolUse:
    content_id: str
    tool_use_id: str
    name: str
    arguments: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ContentEnd:
    content_id: str
    type: str
    stop_reason: str


@dataclass(frozen=True, slots=True)
class Interrupted:
    """The caller talked over the assistant: drop every unplayed byte of the current turn."""

    content_id: str


@dataclass(frozen=True, slots=True)
class Other:
    """Events the bridge does not act on (completionStart/End, usageEvent, speech start/end, …)."""

    name: str
    body: dict[str, Any] = field(default_factory=dict)


OutputEvent = ContentStart | TextOutput | AudioOutput | ToolUse | ContentEnd | Interrupted | Other


def _generation_stage(body: dict[str, Any]) -> str:
    extra = body.get("additionalModelFields")
    if not isinstance(extra, str):
        return ""
    try:
        parsed = orjson.loads(extra)
    except orjson.JSONDecodeError:
        return ""
    stage = parsed.get("generationStage", "") if isinstance(parsed, dict) else ""
    return stage if isinstance(stage, str) else ""


def _tool_arguments(raw: object) -> dict[str, Any]:
    """Tool input is a JSON string, occasionally double-encoded (seen by LiveKit): unwrap up to twice."""
    value: object = raw
    for _ in range(3):
        if isinstance(value, dict):
            return value
        if not isinstance(value, str) or not value.strip():
            return {}
        try:
            value = orjson.loads(value)
        except orjson.JSONDecodeError:
            return {}
    return value if isinstance(value, dict) else {}


def parse_output(raw: bytes) -> OutputEvent:
    """Decode one output chunk's JSON. Raises ValueError on anything that is not a Nova event."""
    try:
        doc = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise ValueError(f"output chunk is not JSON: {exc}") from exc
    event = doc.get("event") if isinstance(doc, dict) else None
    if not isinstance(event, dict) or len(event) != 1:
        raise ValueError("output chunk has no single 'event' member")
    ((name, body),) = event.items()
    if not isinstance(body, dict):
        raise ValueError(f"output event {name!r} has a non-object body")
    content_id = str(body.get("contentId", ""))
    if name == "audioOutput":
        return AudioOutput(content_id, base64.b64decode(body.get("content", "")))
    if name == "textOutput":
        text = str(body.get("content", ""))
        if text.strip() == INTERRUPTED_MARKER:
            return Interrupted(content_id)
        return TextOutput(content_id, str(body.get("role", "")), text)
    if name == "contentStart":
        return ContentStart(
            content_id, str(body.get("type", "")), str(body.get("role", "")), _generation_stage(body)
        )
    if name == "contentEnd":
        return ContentEnd(content_id, str(body.get("type", "")), str(body.get("stopReason", "")))
    if name == "toolUse":
        return ToolUse(
            content_id,
            str(body.get("toolUseId", "")),
            str(body.get("toolName", "")),
            _tool_arguments(body.get("content")),
        )
    return Other(name, body)
