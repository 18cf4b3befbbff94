"""Wrapper verdicts under mypy's incremental cache, dmypy and parallel mode.

A wrapper's verdict is read from its body when mypy analyses its module and
kept in that module's interface (see plugin/wrappers.py).  These tests edit
one module of a small project at a time, in both directions, and require
that a run with a warm cache, a dmypy recheck and (mypy 2.x) a run with two
workers and their own warm cache report exactly what a cold run reports:

* a wrapper in another module turns from pass-through to keeping and back,
  as a function, as a method, through a wrapper in a third module, through
  a re-export, and across an import cycle;
* the wrapper's own module reads a declaration of another module (the class
  of its receiver); the edit there flips the verdict;
* a variable (`spawn = helpers.make`) stands for a spawner, then for a plain
  function, then for the spawner again: its answer is kept with its type;
* the scan of unannotated functions (plugin/unchecked.py), also of calls of
  another module's wrapper; it is off in parallel mode, so those scenarios
  have no parallel run.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Final, NamedTuple

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

# The same wrapper reached through a third module: a re-export, and a
# wrapper of its own that hands on helpers.spawn's task.
REEXPORT: Final = "from helpers import spawn as spawn\n"
REEXPORT_APP: Final = CALLER_APP.replace("from helpers import spawn", "from reexport import spawn")
RELAY: Final = """\
import asyncio
from collections.abc import Coroutine
from typing import Any

import helpers


def relay(c: Coroutine[Any, Any, None]) -> "asyncio.Task[None]":
    return helpers.spawn(c)
"""
RELAY_APP: Final = """\
from mid import relay


async def work() -> None: ...


async def main() -> None:
    relay(work())
"""
# A method: pass-through on a declared loop, then keeping in a set.
POOL_HELPERS: Final = """\
import asyncio
from collections.abc import Coroutine
from typing import Any


class Pool:
    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop: asyncio.AbstractEventLoop = loop
        self._tasks: set["asyncio.Task[None]"] = set()

    def start(self, c: Coroutine[Any, Any, None]) -> "asyncio.Task[None]":
        task = self._loop.create_task(c)
        return task
"""
KEEPING_POOL_HELPERS: Final = POOL_HELPERS.replace(
    "        return task", "        self._tasks.add(task)\n        return task"
)
POOL_APP: Final = """\
from helpers import Pool


class MyPool(Pool):
    pass


async def work() -> None: ...


async def main(pool: MyPool) -> None:
    pool.start(work())
"""
# helpers.spawn is a wrapper while loops.MyLoop is an event loop: an edit of
# a third module flips the verdict kept in helpers' interface.
LOOP_RECEIVER_HELPERS: Final = RECEIVER_APP.replace("import helpers", "import loops").replace(
    "helpers.MyLoop", "loops.MyLoop"
).split("\n\n\nasync def work")[0] + "\n"

# An import cycle: a.spawn hands on b.make's task, b.relay hands on a.spawn's.
CYCLE_A: Final = """\
import asyncio
from collections.abc import Coroutine
from typing import Any

import b


def spawn(c: Coroutine[Any, Any, None]) -> "asyncio.Task[None]":
    return b.make(c)
"""
CYCLE_B: Final = """\
import asyncio
from collections.abc import Coroutine
from typing import Any

import a

TASKS: set["asyncio.Task[None]"] = set()


def make(c: Coroutine[Any, Any, None]) -> "asyncio.Task[None]":
    task = asyncio.create_task(c)
    return task


def relay(c: Coroutine[Any, Any, None]) -> "asyncio.Task[None]":
    return a.spawn(c)
"""
KEEPING_CYCLE_B: Final = CYCLE_B.replace(
    "    task = asyncio.create_task(c)\n    return task",
    "    task = asyncio.create_task(c)\n    TASKS.add(task)\n    return task",
)
KEEPING_CYCLE_A: Final = CYCLE_A.replace(
    "    return b.make(c)", "    task = b.make(c)\n    b.TASKS.add(task)\n    return task"
)
CYCLE_APP: Final = """\
import a
import b


async def work() -> None: ...


async def main() -> None:
    a.spawn(work())
    b.relay(work())
"""
# A wrapper that stops being one: its verdict goes, then comes back.
NOT_A_WRAPPER_HELPERS: Final = PASS_THROUGH_HELPERS.replace(
    "    task = asyncio.create_task(c)\n    return task",
    "    return next(iter(TASKS))",
)

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
# An unannotated caller of another module's wrapper, judged by the scan.
UNANNOTATED_CALLER_APP: Final = """\
import asyncio

from helpers import spawn


async def work():
    await asyncio.sleep(0)


def start():
    spawn(work())
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


Step = dict[str, str]  # file name -> source


class Scenario(NamedTuple):
    config: str
    #: The project's files at each step; a file not changed keeps its mtime.
    steps: tuple[Step, ...]
    #: Whether the first edit changes the findings.
    flips: bool
    #: Also compared with a parallel run (mypy 2.x); the scan is off there.
    parallel: bool = True


def _helpers_edited(app: str, *helpers: str) -> tuple[Step, ...]:
    return _edited({"app.py": app}, "helpers.py", *helpers)


def _edited(fixed: Step, name: str, *versions: str) -> tuple[Step, ...]:
    """The project `fixed` plus the file `name`, in each of its versions."""
    return tuple({**fixed, name: version} for version in versions)


def _unannotated(*steps: Step) -> Scenario:
    return Scenario(mypy_ini(), steps, flips=True, parallel=False)


SCENARIOS: Final = {
    "receiver-class-in-another-module": Scenario(
        mypy_ini(), _helpers_edited(RECEIVER_APP, LOOP_HELPERS, PLAIN_HELPERS, LOOP_HELPERS), True
    ),
    # With unused-task on, the call is reported in every state but the keeping one.
    "wrapper-body-in-another-module": Scenario(
        mypy_ini("", "[mypy-app]", "enable_error_code = unused-task"),
        _helpers_edited(CALLER_APP, PASS_THROUGH_HELPERS, KEEPING_HELPERS, PASS_THROUGH_HELPERS),
        True,
    ),
    "wrapper-goes-and-comes-back-in-another-module": Scenario(
        mypy_ini(),
        _helpers_edited(CALLER_APP, PASS_THROUGH_HELPERS, NOT_A_WRAPPER_HELPERS, PASS_THROUGH_HELPERS),
        True,
    ),
    "wrapper-through-a-re-export": Scenario(
        mypy_ini(),
        _edited(
            {"app.py": REEXPORT_APP, "reexport.py": REEXPORT},
            "helpers.py",
            PASS_THROUGH_HELPERS,
            KEEPING_HELPERS,
            PASS_THROUGH_HELPERS,
        ),
        True,
    ),
    "transitive-wrapper-far-module-edited": Scenario(
        mypy_ini(),
        _edited(
            {"app.py": RELAY_APP, "mid.py": RELAY},
            "helpers.py",
            PASS_THROUGH_HELPERS,
            KEEPING_HELPERS,
            PASS_THROUGH_HELPERS,
        ),
        True,
    ),
    "inherited-method-wrapper-in-another-module": Scenario(
        mypy_ini(),
        _helpers_edited(POOL_APP, POOL_HELPERS, KEEPING_POOL_HELPERS, POOL_HELPERS),
        True,
    ),
    "wrappers-in-an-import-cycle": Scenario(
        mypy_ini(),
        _edited({"app.py": CYCLE_APP, "a.py": CYCLE_A}, "b.py", CYCLE_B, KEEPING_CYCLE_B, CYCLE_B),
        True,
    ),
    "wrapper-in-another-module-reads-a-third": Scenario(
        mypy_ini(),
        _edited(
            {"app.py": CALLER_APP, "helpers.py": LOOP_RECEIVER_HELPERS},
            "loops.py",
            LOOP_HELPERS,
            PLAIN_HELPERS,
            LOOP_HELPERS,
        ),
        True,
    ),
    "wrappers-in-an-import-cycle-other-side-edited": Scenario(
        mypy_ini(),
        _edited({"app.py": CYCLE_APP, "b.py": CYCLE_B}, "a.py", CYCLE_A, KEEPING_CYCLE_A, CYCLE_A),
        True,
    ),
    "variable-alias-of-another-module": Scenario(
        mypy_ini(),
        _helpers_edited(
            ALIAS_APP, SPAWNER_ALIAS_HELPERS, PLAIN_FUNCTION_HELPERS, SPAWNER_ALIAS_HELPERS
        ),
        True,
    ),
    "unannotated-function-edited": _unannotated(
        {"app.py": UNANNOTATED_DROPPING_APP, "helpers.py": COROUTINE_HELPERS},
        {"app.py": UNANNOTATED_KEEPING_APP, "helpers.py": COROUTINE_HELPERS},
        {"app.py": UNANNOTATED_DROPPING_APP, "helpers.py": COROUTINE_HELPERS},
    ),
    "unannotated-function-reads-another-module": _unannotated(
        *_helpers_edited(
            UNANNOTATED_DROPPING_APP, COROUTINE_HELPERS, FUTURE_HELPERS, COROUTINE_HELPERS
        )
    ),
    "unannotated-caller-of-a-wrapper-in-another-module": _unannotated(
        *_helpers_edited(
            UNANNOTATED_CALLER_APP, PASS_THROUGH_HELPERS, KEEPING_HELPERS, PASS_THROUGH_HELPERS
        )
    ),
    "unannotated-finding-survives-a-dependency-edit": _unannotated(
        *_helpers_edited(
            UNANNOTATED_IMPORTING_APP, COROUTINE_HELPERS, SYNC_HELPERS, COROUTINE_HELPERS
        )
    )._replace(flips=False),
    "any-receiver-coroutine-in-another-module": Scenario(
        mypy_ini(),
        _helpers_edited(ANY_RECEIVER_APP, COROUTINE_HELPERS, SYNC_HELPERS, COROUTINE_HELPERS),
        True,
    ),
    # The finding moves with the call: the verdict "flips" by its line.
    "variable-alias-from-the-cache": Scenario(
        mypy_ini(),
        (
            {"app.py": ALIAS_APP, "helpers.py": SPAWNER_ALIAS_HELPERS},
            {"app.py": MOVED_ALIAS_APP, "helpers.py": SPAWNER_ALIAS_HELPERS},
            {"app.py": ALIAS_APP, "helpers.py": SPAWNER_ALIAS_HELPERS},
        ),
        True,
    ),
}
# A function type that mypy loads from its cache does not name its function;
# the plugin then reads the function's name from its type variables, which
# mypy 1.10 does not record: there a warm run misses a variable alias of a
# spawner (`make = asyncio.create_task`) once asyncio's types come from the cache.
ALIAS_NEEDS_TYPE_VARIABLE_NAMESPACES: Final = MYPY_VERSION < (1, 11)
# Each scenario costs ten to fifteen seconds (nine to twelve mypy runs and a
# daemon): plain pytest runs one of each kind (a receiver's class, a
# wrapper's body in another module, in an import cycle, a variable alias,
# the scan), pytest --slow all of them.
SLOW_SCENARIOS: Final = frozenset(
    {
        "variable-alias-of-another-module",
        "unannotated-function-edited",
        "unannotated-function-reads-another-module",
        "wrapper-goes-and-comes-back-in-another-module",
        "wrapper-through-a-re-export",
        "transitive-wrapper-far-module-edited",
        "inherited-method-wrapper-in-another-module",
        "wrappers-in-an-import-cycle-other-side-edited",
        "wrapper-in-another-module-reads-a-third",
        "unannotated-caller-of-a-wrapper-in-another-module",
    }
)
# mypy 2.x runs in parallel with --num-workers.
PARALLEL: Final = ("--num-workers", "2") if MYPY_VERSION >= (2, 0) else None


def _findings(result: subprocess.CompletedProcess[str]) -> list[str]:
    text = result.stdout + result.stderr
    assert "Traceback" not in text and "INTERNAL ERROR" not in text, describe(text)
    assert result.returncode in (0, 1), describe(f"exit {result.returncode}", text)
    return sorted(
        line for line in result.stdout.splitlines() if ": error: " in line or ": note: " in line
    )


def _mypy(project: Path, cache: Path, *options: str) -> list[str]:
    result = run_command(
        [sys.executable, "-m", "mypy", "--cache-dir", str(cache), *FLAGS, *options, *_files(project)],
        cwd=project,
        env=clean_env(),
        timeout=TIMEOUT,
    )
    return _findings(result)


def _files(project: Path) -> list[str]:
    return sorted(path.name for path in project.glob("*.py"))


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
            self.command("run", "--timeout", "300", "--", *FLAGS, *_files(self.project))
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
    config, steps, flips, parallel = SCENARIOS[scenario]
    if parallel and PARALLEL is None:
        print(f"\nSKIPPED the parallel run of {scenario}: mypy {MYPY_VERSION} has no --num-workers")
    warm = tmp_path / "warm"
    projects = [warm, daemon.project]
    for project in projects:
        project.mkdir(exist_ok=True)
        (project / "mypy.ini").write_text(config, encoding="utf-8")
    seen = []
    for step, files in enumerate(steps):
        cold_project = tmp_path / f"cold{step}"
        cold_project.mkdir()
        (cold_project / "mypy.ini").write_text(config, encoding="utf-8")
        for project in (*projects, cold_project):
            for name, text in files.items():
                path = project / name
                if not path.exists() or path.read_text(encoding="utf-8") != text:
                    write_source(path, text)  # an untouched file keeps its mtime
        cold = _mypy(cold_project, cold_project / ".cache")
        assert _mypy(warm, warm / ".cache") == cold, f"warm cache, step {step}"
        assert daemon.check() == cold, f"dmypy, step {step}"
        if parallel and PARALLEL is not None:
            # Its own cache, warm from the second step on.
            assert _mypy(warm, warm / ".parallel", *PARALLEL) == cold, f"parallel, step {step}"
        seen.append(cold)
    # The edits must change the verdict where the scenario says so, else the
    # test could not tell a stale run from a fresh one.
    assert (seen[0] != seen[1]) == flips, seen
    assert seen[0] == seen[2] != [], seen


def test_the_slow_scenarios_are_scenarios() -> None:
    assert SLOW_SCENARIOS < set(SCENARIOS)
