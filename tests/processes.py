"""Waiting for a process to be gone, and stopping a dmypy daemon (daemon tests and benchmarks)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def wait_gone(pid: int, *, seconds: float) -> bool:
    """True once `pid` has exited, False if it still runs after `seconds`."""
    deadline = time.monotonic() + seconds
    while alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def daemon_pid(status_file: Path) -> int | None:
    """The pid a dmypy status file names, if it names one."""
    try:
        data = json.loads(status_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    pid = data.get("pid") if isinstance(data, dict) else None
    return pid if isinstance(pid, int) else None


def stop_daemon(status_file: Path, client: Callable[[str], object]) -> None:
    """Stop the daemon of `status_file`: `dmypy stop`, then `dmypy kill`, then SIGKILL.

    `client(verb)` runs the dmypy client with that verb (and a timeout); only
    the daemon's own pid is ever signalled.
    """
    pid = daemon_pid(status_file)
    if pid is None:
        return
    for verb in ("stop", "kill"):
        try:
            client(verb)
        except subprocess.TimeoutExpired:
            pass
        if wait_gone(pid, seconds=10):
            break
    else:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        wait_gone(pid, seconds=5)
    status_file.unlink(missing_ok=True)
