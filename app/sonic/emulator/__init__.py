"""A wire-level Amazon Nova Sonic emulator: the real SDK talks to it over TLS + HTTP/2."""

from app.sonic.emulator.behaviour import EmulatorBehaviour, SessionRecord
from app.sonic.emulator.runner import EmbeddedEmulator

__all__ = ["EmbeddedEmulator", "EmulatorBehaviour", "SessionRecord"]
