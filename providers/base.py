"""The contract between phone providers and the bridge.

A provider module turns its media socket's wire messages into the canonical events below, and turns
bridge output (PCM16 audio, clear, mark) back into its exact wire messages. It does no I/O: the bridge
owns the socket, the provider owns the protocol. That split (after python-websockets' sans-I/O core and
pipecat's one-serializer-per-provider) means a new provider is one module, tested with plain calls.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Protocol

WireMessage = str | bytes
"""One WebSocket message: ``str`` goes out as a text frame, ``bytes`` as a binary frame."""


class ProtocolError(Exception):
    """The peer sent something the protocol does not allow. Ends that call only."""


@dataclass(frozen=True, slots=True)
class AudioFormat:
    """Audio as the provider carries it on the wire.

    ``rate`` is also the PCM16 rate of :class:`AudioIn` and of what :meth:`MediaProtocol.audio`
    accepts: decoding the wire encoding never changes the rate.
    """

    encoding: Literal["mulaw", "l16"]
    rate: int
    frame_ms: int = 20

    @property
    def samples_per_frame(self) -> int:
        return self.rate * self.frame_ms // 1000

    @property
    def pcm_frame_bytes(self) -> int:
        """Bytes of PCM16 in one frame: what the pacer hands to :meth:`MediaProtocol.audio`."""
        return self.samples_per_frame * 2


# --- canonical inbound events ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CallStarted:
    """The provider's handshake finished: we know which call this socket carries."""

    call_id: str
    stream_id: str
    caller: str = ""
    callee: str = ""
    params: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class AudioIn:
    """Caller audio, decoded to PCM16 little-endian mono at the provider's rate."""

    pcm16: bytes


@dataclass(frozen=True, slots=True)
class Dtmf:
    digit: str


@dataclass(frozen=True, slots=True)
class PlaybackMark:
    """The provider reports that the audio sent before the mark of this name has played (or was cleared)."""

    name: str


@dataclass(frozen=True, slots=True)
class PlaybackCleared:
    """The provider confirms a ``clear``: everything buffered on its side is gone."""


@dataclass(frozen=True, slots=True)
class CallEnded:
    reason: str


Event = CallStarted | AudioIn | Dtmf | PlaybackMark | PlaybackCleared | CallEnded


class MediaProtocol(Protocol):
    """One instance per media socket. Pure: no sockets, no clocks, no tasks."""

    fmt: AudioFormat

    def parse(self, msg: WireMessage) -> list[Event]:
        """Decode one inbound WebSocket message. Raises :class:`ProtocolError` on anything malformed."""
        ...

    def audio(self, pcm16: bytes) -> list[WireMessage]:
        """Encode outbound PCM16 (at ``fmt.rate``) as the provider's exact frames."""
        ...

    def clear(self) -> list[WireMessage]:
        """Messages that make the provider drop all audio it has buffered (barge-in)."""
        ...

    def mark(self, name: str) -> list[WireMessage]:
        """Messages asking the provider to report back when the audio sent so far has played."""
        ...
