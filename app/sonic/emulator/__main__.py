"""``python -m app.sonic.emulator [--host --port --cert-dir]``: the emulator on its own, for benchmarks."""

from __future__ import annotations

import argparse
import signal
import threading
from pathlib import Path

from app.sonic.emulator.runner import EmbeddedEmulator


def main() -> None:
    parser = argparse.ArgumentParser(description="Local Amazon Nova Sonic emulator (TLS + HTTP/2)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8443)
    parser.add_argument("--cert-dir", type=Path, default=None)
    args = parser.parse_args()
    emulator = EmbeddedEmulator(host=args.host, port=args.port, cert_dir=args.cert_dir).start()
    print(f"LISTENING {emulator.endpoint} CA={emulator.ca_file}", flush=True)
    done = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: done.set())
    done.wait()
    emulator.stop()


if __name__ == "__main__":
    main()
