"""Knobs of the scripted model, and what each session leaves behind for tests to inspect."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass(frozen=True)
class EmulatorBehaviour:
    speech_rms: int = 500
    """RMS of a 20 ms window above which the caller counts as speaking."""
    onset_ms: int = 60
    """Speech must last this long before it counts (ignores clicks and line noise)."""
    silence_ms: int = 700
    """This much quiet after speech ends an utterance, which is then echoed."""
    preroll_ms: int = 100
    """Audio kept from before the onset, so the echo does not clip the first syllable."""
    chunk_ms: int = 100
    """Duration of each audioOutput chunk."""
    speedup: float = 4.0
    """Output is sent this many times faster than real time, as Bedrock does."""
    greeting: bool = True
    """Answer the first interactive USER text (speak first) with the recorded greeting."""
    max_utterance_s: float = 20.0


@dataclass
class SessionRecord:
    """What one stream received and how it ended."""

    session_id: str
    model_id: str
    events: Counter[str] = field(default_factory=Counter)
    audio_in_s: float = 0.0
    input_rate: int = 0
    output_rate: int = 0
    voice: str = ""
    texts: list[tuple[str, bool, str]] = field(default_factory=list)
    """(role, interactive, content) of every text block received."""
    tool_results: list[tuple[str, str]] = field(default_factory=list)
    turns: int = 0
    barge_ins: int = 0
    error: str | None = None
    ended_cleanly: bool = False
    """The client sent sessionEnd and closed its input."""
    closed: bool = False
