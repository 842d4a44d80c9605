"""Shared bench helpers: run the real service as a child process, and summarise samples."""

from __future__ import annotations

import contextlib
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx

AUTH_TOKEN = "bench-auth-token-0123456789abcdef"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Service:
    base_url: str
    process: subprocess.Popen[bytes]


@contextlib.contextmanager
def run_service(extra_env: dict[str, str] | None = None, cpu: str | None = None) -> Iterator[Service]:
    """``python -m app serve`` on a free port, on the emulator, optionally pinned with taskset."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "PORT": str(port),
        "HOST": "127.0.0.1",
        "PUBLIC_BASE_URL": base,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "NOVA_BACKEND": "emulator",
        "LOG_LEVEL": "WARNING",
        "CALL_TOKEN_SECRET": "bench-call-token-secret-0123456789",
        **(extra_env or {}),
    }
    command = [sys.executable, "-m", "app", "serve"]
    if cpu is not None:
        command = ["taskset", "-c", cpu, *command]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(base + "/readyz", timeout=1).status_code == 200:
                    break
            time.sleep(0.1)
        else:
            raise RuntimeError("the service did not become ready")
        yield Service(base, process)
    finally:
        process.terminate()
        process.wait(10)


def summary(samples: list[float]) -> str:
    ordered = sorted(samples)

    def pct(p: float) -> float:
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]

    return (
        f"n={len(ordered)} p50={pct(50):.1f} p90={pct(90):.1f} p99={pct(99):.1f} "
        f"max={ordered[-1]:.1f} mean={statistics.fmean(ordered):.1f}"
    )
