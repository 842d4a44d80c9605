"""Every Nova input builder against the documented JSON, and output parsing of every event kind."""

from __future__ import annotations

import base64
import json

import pytest

from app.sonic import events as ev


def load(raw: bytes) -> dict[str, object]:
    doc = json.loads(raw)
    assert isinstance(doc, dict)
    return doc


def test_session_start_nests_turn_detection() -> None:
    doc = load(ev.session_start(max_tokens=1024, top_p=0.9, temperature=0.7, endpointing="HIGH"))
    assert doc == {
        "event": {
            "sessionStart": {
                "inferenceConfiguration": {"maxTokens": 1024, "topP": 0.9, "temperature": 0.7},
                "turnDetectionConfiguration": {"endpointingSensitivity": "HIGH"},
            }
        }
    }
    bare = load(ev.session_start(max_tokens=10, top_p=1.0, temperature=0.0, endpointing=None))
    assert "turnDetectionConfiguration" not in bare["event"]["sessionStart"]  # type: ignore[index]


def test_prompt_start_without_and_with_tools() -> None:
    doc = load(ev.prompt_start(prompt_name="p1", voice="matthew", output_rate=8000))
    assert doc == {
        "event": {
            "promptStart": {
                "promptName": "p1",
                "textOutputConfiguration": {"mediaType": "text/plain"},
                "audioOutputConfiguration": {
                    "mediaType": "audio/lpcm",
                    "sampleRateHertz": 8000,
                    "sampleSizeBits": 16,
                    "channelCount": 1,
                    "voiceId": "matthew",
                    "encoding": "base64",
                    "audioType": "SPEECH",
                },
            }
        }
    }
    spec = ev.tool_spec("hang_up", "End the call", {"type": "object", "properties": {}, "required": []})
    with_tools = load(ev.prompt_start(prompt_name="p1", voice="tiffany", output_rate=24000, tools=[spec]))
    body = with_tools["event"]["promptStart"]  # type: ignore[index]
    assert body["toolUseOutputConfiguration"] == {"mediaType": "application/json"}
    schema = body["toolConfiguration"]["tools"][0]["toolSpec"]["inputSchema"]["json"]
    assert isinstance(schema, str)  # Nova wants the schema as a JSON string
    assert json.loads(schema) == {"type": "object", "properties": {}, "required": []}


def test_text_content_start_and_input() -> None:
    assert load(
        ev.text_content_start(prompt_name="p", content_name="c", role="SYSTEM", interactive=False)
    ) == {
        "event": {
            "contentStart": {
                "promptName": "p",
                "contentName": "c",
                "type": "TEXT",
                "interactive": False,
                "role": "SYSTEM",
                "textInputConfiguration": {"mediaType": "text/plain"},
            }
        }
    }
    assert load(ev.text_input(prompt_name="p", content_name="c", content="hi")) == {
        "event": {"textInput": {"promptName": "p", "contentName": "c", "content": "hi"}}
    }


def test_long_text_is_split_into_1kb_inputs_in_one_block() -> None:
    text = "é" * 1500  # 3000 UTF-8 bytes
    block = [
        load(raw)
        for raw in ev.text_block(prompt_name="p", content_name="c", role="USER", interactive=True, text=text)
    ]
    assert "contentStart" in block[0]["event"]  # type: ignore[operator]
    assert "contentEnd" in block[-1]["event"]  # type: ignore[operator]
    pieces = [b["event"]["textInput"]["content"] for b in block[1:-1]]  # type: ignore[index]
    assert "".join(pieces) == text
    assert all(len(p.encode()) <= 1024 for p in pieces)
    assert len(pieces) == 3


def test_audio_content_start_and_input() -> None:
    assert load(ev.audio_content_start(prompt_name="p", content_name="a", input_rate=16000)) == {
        "event": {
            "contentStart": {
                "promptName": "p",
                "contentName": "a",
                "type": "AUDIO",
                "interactive": True,
                "role": "USER",
                "audioInputConfiguration": {
                    "mediaType": "audio/lpcm",
                    "sampleRateHertz": 16000,
                    "sampleSizeBits": 16,
                    "channelCount": 1,
                    "audioType": "SPEECH",
                    "encoding": "base64",
                },
            }
        }
    }
    pcm = bytes(range(256)) * 2
    doc = load(ev.audio_input(prompt_name="p", content_name="a", pcm16=pcm))
    assert doc == {
        "event": {
            "audioInput": {"promptName": "p", "contentName": "a", "content": base64.b64encode(pcm).decode()}
        }
    }


def test_tool_result_block_and_closers() -> None:
    start, result, end = (
        load(x)
        for x in ev.tool_result_block(
            prompt_name="p", content_name="t", tool_use_id="tu-1", result={"ok": True}
        )
    )
    assert start["event"]["contentStart"]["toolResultInputConfiguration"] == {  # type: ignore[index]
        "toolUseId": "tu-1",
        "type": "TEXT",
        "textInputConfiguration": {"mediaType": "text/plain"},
    }
    assert start["event"]["contentStart"]["role"] == "TOOL"  # type: ignore[index]
    assert json.loads(result["event"]["toolResult"]["content"]) == {"ok": True}  # type: ignore[index]
    assert end == {"event": {"contentEnd": {"promptName": "p", "contentName": "t"}}}
    assert load(ev.prompt_end(prompt_name="p")) == {"event": {"promptEnd": {"promptName": "p"}}}
    assert load(ev.session_end()) == {"event": {"sessionEnd": {}}}


def out(name: str, **body: object) -> bytes:
    return json.dumps({"event": {name: body}}).encode()


def test_parse_output_events() -> None:
    pcm = b"\x01\x00" * 80
    assert ev.parse_output(
        out("audioOutput", contentId="a1", content=base64.b64encode(pcm).decode())
    ) == ev.AudioOutput("a1", pcm)
    assert ev.parse_output(out("textOutput", contentId="c1", role="USER", content="hello")) == ev.TextOutput(
        "c1", "USER", "hello"
    )
    start = out(
        "contentStart",
        contentId="c2",
        type="TEXT",
        role="ASSISTANT",
        additionalModelFields='{"generationStage":"SPECULATIVE"}',
    )
    assert ev.parse_output(start) == ev.ContentStart("c2", "TEXT", "ASSISTANT", "SPECULATIVE")
    end = out("contentEnd", contentId="c2", type="TEXT", stopReason="INTERRUPTED")
    assert ev.parse_output(end) == ev.ContentEnd("c2", "TEXT", "INTERRUPTED")
    usage = ev.parse_output(out("usageEvent", totalTokens=5))
    assert isinstance(usage, ev.Other) and usage.name == "usageEvent"


@pytest.mark.parametrize("marker", ['{ "interrupted" : true }', '{ "interrupted" : true }\n'])
def test_barge_in_marker_is_never_text(marker: str) -> None:
    assert ev.parse_output(
        out("textOutput", contentId="c9", role="ASSISTANT", content=marker)
    ) == ev.Interrupted("c9")


def test_tool_use_arguments_unwrapped_even_when_double_encoded() -> None:
    single = out("toolUse", contentId="t", toolUseId="u", toolName="f", content='{"a": 1}')
    double = out("toolUse", contentId="t", toolUseId="u", toolName="f", content=json.dumps('{"a": 1}'))
    assert ev.parse_output(single) == ev.ToolUse("t", "u", "f", {"a": 1})
    assert ev.parse_output(double) == ev.ToolUse("t", "u", "f", {"a": 1})


@pytest.mark.parametrize("raw", [b"nope", b"[]", b'{"event": {}}', b'{"event": {"a": 1}}'])
def test_parse_output_rejects_garbage(raw: bytes) -> None:
    with pytest.raises(ValueError):
        ev.parse_output(raw)
