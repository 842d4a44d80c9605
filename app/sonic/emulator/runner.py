"""Running the emulator inside the service (or a test) on its own thread and event loop.

A separate loop keeps the emulator's work off the bridge's loop, which is what we measure; the thread is
a daemon so a crashed test never hangs the interpreter.
"""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

from app.sonic.emulator.behaviour import EmulatorBehaviour, SessionRecord
from app.sonic.emulator.certs import ensure_certs, server_ssl_context
from app.sonic.emulator.handler import SessionHub
from app.sonic.emulator.server import EmulatorServer


class EmbeddedEmulator:
    def __init__(
        self,
        behaviour: EmulatorBehaviour | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        cert_dir: Path | None = None,
    ) -> None:
        self.hub = SessionHub(behaviour or EmulatorBehaviour())
        self._certs = ensure_certs(cert_dir)
        self._server = EmulatorServer(self.hub.handle, server_ssl_context(self._certs), host, port)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None

    @property
    def endpoint(self) -> str:
        return self._server.endpoint

    @property
    def ca_file(self) -> str:
        return str(self._certs.ca_file)

    @property
    def active_sessions(self) -> int:
        return self.hub.active

    @property
    def sessions_opened(self) -> int:
        return len(self.hub.records)

    def sessions(self) -> list[SessionRecord]:
        return list(self.hub.records)

    def start(self, timeout: float = 10.0) -> EmbeddedEmulator:
        self._thread = threading.Thread(target=self._run, name="nova-emulator", daemon=True)
        self._thread.start()
        if not self._ready.wait(timeout):
            raise RuntimeError("the Nova Sonic emulator did not start")
        if self._error is not None:
            raise RuntimeError(f"the Nova Sonic emulator failed to start: {self._error}") from self._error
        return self

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self._server.start())
        except BaseException as exc:
            self._error = exc
            self._ready.set()
            loop.close()
            return
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            loop.run_until_complete(self._server.stop())
            loop.close()

    def stop(self) -> None:
        if self._loop is not None and self._thread is not None and self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)
