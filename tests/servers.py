"""Real servers for the tests: started on 127.0.0.1 free ports, waited for with a deadline, always stopped."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator, Sequence

import httpx

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def child_env(**extra: str) -> dict[str, str]:
    """This environment without the RAG_* settings of whoever runs the tests, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
    env.update(HF_HUB_OFFLINE="1", ANONYMIZED_TELEMETRY="False", PYTHONUNBUFFERED="1", **extra)
    return env


@contextlib.contextmanager
def running(args: Sequence[str], ready_url: str, log: Path, *, env: dict[str, str] | None = None,
            timeout: float = 180.0) -> Iterator[subprocess.Popen]:
    """Start `args`, wait until GET `ready_url` answers 2xx (or the process dies, or `timeout`), yield, then stop it
    (SIGTERM, then SIGKILL after 10 s). Output goes to `log`, shown in the failure message."""
    out = log.open("wb")
    proc = subprocess.Popen(list(args), stdout=out, stderr=subprocess.STDOUT, env=env or child_env(),
                            start_new_session=True)
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise AssertionError(f"{args[0]} exited with {proc.returncode}:\n{tail(log)}")
            try:
                if httpx.get(ready_url, timeout=2).is_success:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"{' '.join(args)} not ready after {timeout:g} s:\n{tail(log)}")
            time.sleep(0.3)
        yield proc
    finally:
        stop(proc)
        out.close()


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)


def tail(log: Path, lines: int = 40) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def rag_cli(*args: str, env: dict[str, str] | None = None, timeout: float = 300.0) -> subprocess.CompletedProcess:
    """`rag ARGS` in a new process (the CLI as a user runs it)."""
    return subprocess.run([str(BIN / "rag"), *args], capture_output=True, text=True, env=env or child_env(),
                          timeout=timeout)
