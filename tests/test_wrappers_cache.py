"""Wrapper verdicts under mypy's incremental cache and under dmypy.

A wrapper's verdict is read from its body, so it is given only for a wrapper
of the module being checked (see plugin/wrappers.py).  These tests edit one
module of a two-module project, in both directions, and require that a run
with a warm cache and a dmypy recheck report exactly what a cold run reports:

* the wrapper's own module reads a declaration of another module (the class
  of its receiver); the edit there flips the verdict;
* a wrapper in another module turns from pass-through to keeping and back:
  the caller's module is not judged from that body, so nothing may change;
* a variable (`spawn = helpers.make`) stands for a spawner, then for a plain
  function, then for the spawner again: its answer is kept with its type.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Final

import pytest

from integration_helpers import (
    MYPY_VERSION,
    clean_env,
    describe,
    mypy_ini,
    run_command,
    write_source,
)
from processes import wait_gone

TIMEOUT: Final = 180
FLAGS: Final = ("--show-column-numbers", "--no-error-summary", "--hide-error-context")

# app.py's wrapper hands back `LOOP.create_task(c)`: a spawner call only while
# helpers.MyLoop is an event loop.
LOOP_HELPERS: Final = """\
import asyncio


class MyLoop(asyncio.SelectorEventLoop):
    pass
"""
PLAIN_HELPERS: Final = """\
import asyncio
from collections.abc import Coroutine
from typing import Any


class MyLoop:
    def create_task(self, c: Coroutine[Any, Any, None]) -> "asyncio.Task[None]":
        raise NotImplementedError
"""
RECEIVER_APP: Final = """\
import asyncio
from collections.abc import Coroutine
from typing import Any

import helpers

LOOP: helpers.MyLoop


def spawn(c: Coroutine[Any, Any, None]) -> "asyncio.Task[None]":
    return LOOP.create_task(c)


async def work() -> None: ...


async def main() -> None:
    spawn(work())
"""

PASS_THROUGH_HELPERS: Final = """\
import asyncio
from collections.abc import Coroutine
from typing import Any

TASKS: set["asyncio.Task[None]"] = set()


def spawn(c: Coroutine[Any, Any, None]) -> "asyncio.Task[None]":
    task = asyncio.create_task(c)
    return task
"""
KEEPING_HELPERS: Final = PASS_THROUGH_HELPERS.replace(
    "    return task", "    TASKS.add(task)\n    return task"
)
CALLER_APP: Final = """\
from helpers import spawn


async def work() -> None: ...


async def main() -> None:
    spawn(work())
"""

# app.py's variable `spawn` is whatever helpers.make is: the answer about it
# is kept with the variable's type, which must be read again after the edit.
ALIAS_APP: Final = """\
import helpers

spawn = helpers.make


async def work() -> None: ...


async def main() -> None:
    spawn(work())
"""
SPAWNER_ALIAS_HELPERS: Final = """\
import asyncio

make = asyncio.create_task
"""
PLAIN_FUNCTION_HELPERS: Final = """\
from collections.abc import Coroutine
from typing import Any


def make(c: Coroutine[Any, Any, None]) -> None:
    c.close()
"""

# The same call one line lower: an edit of app.py alone, which leaves helpers.py's
# variable to mypy's cache (whose copy of the function's type no longer names
# the function).
MOVED_ALIAS_APP: Final = ALIAS_APP.replace("spawn = helpers.make\n", "spawn = helpers.make\n\n")


# Unannotated functions, judged by the scan (plugin/unchecked.py): an edit of
# the function itself, and of the coroutine in another module it hands to
# ensure_future (the verdict reads that module's declaration).
UNANNOTATED_DROPPING_APP: Final = """\
import asyncio

import helpers


def start():
    asyncio.ensure_future(helpers.fetch())
"""
UNANNOTATED_KEEPING_APP: Final = UNANNOTATED_DROPPING_APP.replace(
    "    asyncio.ensure_future", "    return asyncio.ensure_future"
)
COROUTINE_HELPERS: Final = """\
async def fetch():
    pass
"""
FUTURE_HELPERS: Final = """\
import asyncio


def fetch() -> "asyncio.Future[None]":
    return asyncio.get_event_loop().create_future()
"""
# A finding of the scan that reads nothing of helpers.py, in a module that
# imports it: an edit of helpers.py makes mypy re-check app.py.
UNANNOTATED_IMPORTING_APP: Final = """\
import asyncio

import helpers


async def work():
    await helpers.fetch()


def start():
    asyncio.create_task(work())
"""
# Checked code, a receiver typed Any named loop: judged from the hook of the
# coroutine in its argument, which exists only while helpers.fetch is async.
ANY_RECEIVER_APP: Final = """\
import helpers


class Client:
    def __init__(self, loop):
        self.loop = loop

    async def go(self) -> None:
        self.loop.create_task(helpers.fetch())
"""
SYNC_HELPERS: Final = """\
def fetch() -> None:
    pass
"""


def _helpers_edited(app: str, *helpers: str) -> tuple[tuple[str, str], ...]:
    return tuple((app, version) for version in helpers)


SCENARIOS: Final = {
    # name: (mypy.ini, the (app.py, helpers.py) versions in order, whether the verdict flips)
    "receiver-class-in-another-module": (
        mypy_ini(), _helpers_edited(RECEIVER_APP, LOOP_HELPERS, PLAIN_HELPERS, LOOP_HELPERS), True
    ),
    # unused-task reports the call in every state: the body is not judged.
    "wrapper-body-in-another-module": (
        mypy_ini("", "[mypy-app]", "enable_error_code = unused-task"),
        _helpers_edited(CALLER_APP, PASS_THROUGH_HELPERS, KEEPING_HELPERS, PASS_THROUGH_HELPERS),
        False,
    ),
    "variable-alias-of-another-module": (
        mypy_ini(),
        _helpers_edited(
            ALIAS_APP, SPAWNER_ALIAS_HELPERS, PLAIN_FUNCTION_HELPERS, SPAWNER_ALIAS_HELPERS
        ),
        True,
    ),
    "unannotated-function-edited": (
        mypy_ini(),
        (
            (UNANNOTATED_DROPPING_APP, COROUTINE_HELPERS),
            (UNANNOTATED_KEEPING_APP, COROUTINE_HELPERS),
            (UNANNOTATED_DROPPING_APP, COROUTINE_HELPERS),
        ),
        True,
    ),
    "unannotated-function-reads-another-module": (
        mypy_ini(),
        _helpers_edited(
            UNANNOTATED_DROPPING_APP, COROUTINE_HELPERS, FUTURE_HELPERS, COROUTINE_HELPERS
        ),
        True,
    ),
    "unannotated-finding-survives-a-dependency-edit": (
        mypy_ini(),
        _helpers_edited(
            UNANNOTATED_IMPORTING_APP, COROUTINE_HELPERS, SYNC_HELPERS, COROUTINE_HELPERS
        ),
        False,
    ),
    "any-receiver-coroutine-in-another-module": (
        mypy_ini(),
        _helpers_edited(ANY_RECEIVER_APP, COROUTINE_HELPERS, SYNC_HELPERS, COROUTINE_HELPERS),
        True,
    ),
    # The finding moves with the call: the verdict "flips" by its line.
    "variable-alias-from-the-cache": (
        mypy_ini(),
        (
            (ALIAS_APP, SPAWNER_ALIAS_HELPERS),
            (MOVED_ALIAS_APP, SPAWNER_ALIAS_HELPERS),
            (ALIAS_APP, SPAWNER_ALIAS_HELPERS),
        ),
        True,
    ),
}
# A function type that mypy loads from its cache does not name its function;
# the plugin then reads the function's name from its type variables, which
# mypy 1.10 does not record: there a warm run misses a variable alias of a
# spawner (`make = asyncio.create_task`) once asyncio's types come from the cache.
ALIAS_NEEDS_TYPE_VARIABLE_NAMESPACES: Final = MYPY_VERSION < (1, 11)
# Each scenario costs about ten seconds (nine mypy runs and a daemon): plain
# pytest runs one of each kind (a receiver's class, a wrapper's body, a
# variable alias), pytest --slow the second variable alias too.
SLOW_SCENARIOS: Final = frozenset(
    {"variable-alias-of-another-module", "unannotated-function-edited"}
)


def _findings(result: subprocess.CompletedProcess[str]) -> list[str]:
    text = result.stdout + result.stderr
    assert "Traceback" not in text and "INTERNAL ERROR" not in text, describe(text)
    assert result.returncode in (0, 1), describe(f"exit {result.returncode}", text)
    return sorted(
        line for line in result.stdout.splitlines() if ": error: " in line or ": note: " in line
    )


def _mypy(project: Path, cache: Path) -> list[str]:
    result = run_command(
        [sys.executable, "-m", "mypy", "--cache-dir", str(cache), *FLAGS, "app.py", "helpers.py"],
        cwd=project,
        env=clean_env(),
        timeout=TIMEOUT,
    )
    return _findings(result)


class _Daemon:
    def __init__(self, project: Path) -> None:
        self.project = project
        self.status = project / ".dmypy.json"

    def command(self, *args: str) -> subprocess.CompletedProcess[str]:
        return run_command(
            [sys.executable, "-m", "mypy.dmypy", "--status-file", str(self.status), *args],
            cwd=self.project,
            env=clean_env(),
            timeout=TIMEOUT,
        )

    def check(self) -> list[str]:
        return _findings(
            self.command("run", "--timeout", "300", "--", *FLAGS, "app.py", "helpers.py")
        )

    def stop(self) -> None:
        try:
            text = self.status.read_text(encoding="utf-8")
        except OSError:
            return
        pid = json.loads(text).get("pid")
        try:
            self.command("stop")
        except subprocess.TimeoutExpired:
            pass
        if isinstance(pid, int) and not wait_gone(pid, seconds=10):
            os.kill(pid, signal.SIGKILL)
            wait_gone(pid, seconds=5)


@pytest.fixture
def daemon(tmp_path: Path) -> Iterator[_Daemon]:
    project = tmp_path / "daemon"
    project.mkdir()
    started = _Daemon(project)
    try:
        yield started
    finally:
        started.stop()


@pytest.mark.parametrize(
    "scenario",
    [
        pytest.param(
            name,
            marks=[
                pytest.mark.xfail(
                    name.startswith("variable-alias") and ALIAS_NEEDS_TYPE_VARIABLE_NAMESPACES,
                    reason="known limitation on mypy 1.10: a warm run misses a variable alias of "
                    "a spawner whose type comes from the cache",
                    strict=True,
                ),
                *([pytest.mark.slow] if name in SLOW_SCENARIOS else []),
            ],
        )
        for name in sorted(SCENARIOS)
    ],
)
def test_warm_cache_and_dmypy_report_what_a_cold_run_reports(
    scenario: str, tmp_path: Path, daemon: _Daemon
) -> None:
    config, versions, flips = SCENARIOS[scenario]
    warm = tmp_path / "warm"
    projects = [warm, daemon.project]
    for project in projects:
        project.mkdir(exist_ok=True)
        (project / "mypy.ini").write_text(config, encoding="utf-8")
    seen = []
    for step, (app, helpers) in enumerate(versions):
        cold_project = tmp_path / f"cold{step}"
        cold_project.mkdir()
        (cold_project / "mypy.ini").write_text(config, encoding="utf-8")
        for project in (*projects, cold_project):
            for name, text in (("app.py", app), ("helpers.py", helpers)):
                path = project / name
                if not path.exists() or path.read_text(encoding="utf-8") != text:
                    write_source(path, text)  # an untouched file keeps its mtime
        cold = _mypy(cold_project, cold_project / ".cache")
        assert _mypy(warm, warm / ".cache") == cold, f"warm cache, step {step}"
        assert daemon.check() == cold, f"dmypy, step {step}"
        seen.append(cold)
    # The edits must change the verdict where the scenario says so, else the
    # test could not tell a stale run from a fresh one.
    assert (seen[0] != seen[1]) == flips, seen
    assert seen[0] == seen[2] != [], seen


def test_the_slow_scenarios_are_scenarios() -> None:
    assert SLOW_SCENARIOS < set(SCENARIOS)
