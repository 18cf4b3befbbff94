"""The plugin under dmypy: fine-grained updates, cross-module edits, config errors.

Every test drives a real daemon through `python -m mypy.dmypy` with a status file
in its own temporary project; the fixture stops it (and kills it if stopping
fails) so no daemon outlives its test.  The daemon is also started with an idle
timeout, so even a hard-killed pytest run leaves nothing behind for long.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Final

import pytest

from processes import daemon_pid, stop_daemon, wait_gone
from integration_helpers import (
    MYPY_VERSION,
    run_command,
    DANGLING_APP,
    DANGLING_CALL,
    KEPT_APP,
    MESSAGE_START,
    NOTE_START,
    Finding,
    clean_env,
    describe,
    mypy_ini,
    parse_mypy_output,
    position_of,
    write_source,
)

COMMAND_TIMEOUT: Final = 120  # seconds for one dmypy client command
IDLE_SHUTDOWN: Final = 300  # the daemon exits by itself after this many idle seconds
# The same flags on every run: a change of flags would restart the daemon.
RUN_FLAGS: Final = ("--show-column-numbers", "--no-error-summary")

WRAPPERS_NONE: Final = """\
from collections.abc import Coroutine
from typing import Any


def spawn(coro: Coroutine[Any, Any, None]) -> None:
    coro.close()
"""
WRAPPERS_TASK: Final = """\
import asyncio
from collections.abc import Coroutine
from typing import Any


def spawn(coro: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
    raise NotImplementedError  # not a pass-through wrapper: unused-task judges it
"""
SPAWNING_APP: Final = """\
import asyncio

from wrappers import spawn


async def work() -> None:
    await asyncio.sleep(0)


async def main() -> None:
    spawn(work())
"""

UNUSED_TASK_CONFIGS: Final = {
    "per-module": mypy_ini("", "[mypy-app]", "enable_error_code = unused-task"),
    "global": mypy_ini("enable_error_code = unused-task"),
}
# A mypy bug, not the plugin's: from mypy 1.19, which accepts a plugin's error
# codes in the settings (python/mypy#19719), `dmypy run` crashes when [mypy]
# enables one: Options.apply_changes looks the code up before the daemon has
# imported any plugin (seen on 1.19.1 and 2.4.1, the newest release).  A
# per-module section is not looked up there.  Before 1.19 mypy drops the code
# from its settings and the plugin puts it back after loading
# (plugin/_compat.py), so there the crash would be the plugin's failure.
# The xfail is strict: once a mypy fixes the bug, the test passes there and
# fails the run until MYPY_HAS_PLUGIN_CODE_CRASH gets an upper bound.
MYPY_PLUGIN_CODE_CRASH: Final = "KeyError: 'unused-task'"
MYPY_HAS_PLUGIN_CODE_CRASH: Final = MYPY_VERSION >= (1, 19)


class DaemonCrashedOnAPluginCode(AssertionError):
    """`dmypy run` crashed with MYPY_PLUGIN_CODE_CRASH."""


class Daemon:
    """One dmypy daemon, addressed through its own status file."""

    def __init__(self, project: Path) -> None:
        self.project = project
        self.status_file = project / ".dmypy.json"
        self.env = clean_env()

    def command(
        self, *args: str, timeout: float = COMMAND_TIMEOUT
    ) -> subprocess.CompletedProcess[str]:
        return run_command(
            [sys.executable, "-m", "mypy.dmypy", "--status-file", str(self.status_file), *args],
            cwd=self.project,
            env=self.env,
            timeout=timeout,
        )

    def run(self, *files: str) -> subprocess.CompletedProcess[str]:
        """`dmypy run`: starts the daemon if needed, then a fine-grained check."""
        return self.command("run", "--timeout", str(IDLE_SHUTDOWN), "--", *RUN_FLAGS, *files)

    def pid(self) -> int | None:
        return daemon_pid(self.status_file)

    def stop(self) -> None:
        """Stop the daemon; kill it if it does not go."""
        stop_daemon(self.status_file, lambda verb: self.command(verb, timeout=30))


@pytest.fixture
def daemon(tmp_path: Path) -> Iterator[Daemon]:
    started = Daemon(tmp_path)
    try:
        yield started
    finally:
        started.stop()


def _output(result: subprocess.CompletedProcess[str]) -> str:
    return describe(f"exit status {result.returncode}", result.stdout, result.stderr)


def _assert_no_crash(result: subprocess.CompletedProcess[str]) -> None:
    text = result.stdout + result.stderr
    assert "Traceback" not in text and "Daemon crashed" not in text, _output(result)


def _assert_clean(result: subprocess.CompletedProcess[str]) -> None:
    _assert_no_crash(result)
    assert result.returncode == 0, _output(result)
    assert parse_mypy_output(result.stdout + result.stderr) == [], _output(result)


def _assert_only(
    result: subprocess.CompletedProcess[str], *, line: int, column: int, code: str, spawner: str
) -> None:
    """Exactly one error with `code` at (line, 1-based column), with its note there too."""
    shown = _output(result)
    _assert_no_crash(result)
    assert result.returncode == 1, shown
    findings = parse_mypy_output(result.stdout + result.stderr)
    errors = [finding for finding in findings if finding.severity == "error"]
    notes = [finding for finding in findings if finding.severity == "note"]
    assert [(e.file, e.line, e.column, e.code) for e in errors] == [
        ("app.py", line, column, code)
    ], shown
    assert errors[0].message.startswith(f'Task created by "{spawner}" is discarded'), shown
    assert [(n.file, n.line, n.column) for n in notes] == [("app.py", line, column)], shown
    assert notes[0].message.startswith(NOTE_START), shown


def _assert_not_restarted(result: subprocess.CompletedProcess[str]) -> None:
    """The run was an update of the running daemon, not a fresh start."""
    text = result.stdout + result.stderr
    assert "Daemon started" not in text and "Restarting" not in text, _output(result)


def test_dangling_task_follows_edits(daemon: Daemon) -> None:
    project = daemon.project
    (project / "mypy.ini").write_text(mypy_ini(), encoding="utf-8")
    app = project / "app.py"
    write_source(app, KEPT_APP)

    first = daemon.run("app.py")
    _assert_clean(first)
    assert "Daemon started" in first.stdout + first.stderr, _output(first)

    write_source(app, DANGLING_APP)
    line, column = position_of(DANGLING_APP, DANGLING_CALL)
    dangling = daemon.run("app.py")
    _assert_not_restarted(dangling)
    _assert_only(
        dangling, line=line, column=column + 1, code="dangling-task", spawner="asyncio.create_task"
    )
    assert parse_mypy_output(dangling.stdout)[0].message.startswith(MESSAGE_START)

    write_source(app, KEPT_APP)
    fixed = daemon.run("app.py")
    _assert_not_restarted(fixed)
    _assert_clean(fixed)


@pytest.mark.parametrize(
    "config",
    [
        "per-module",
        pytest.param(
            "global",
            marks=pytest.mark.xfail(
                MYPY_HAS_PLUGIN_CODE_CRASH,
                reason="mypy bug (mypy >= 1.19), not the plugin's: `dmypy run` crashes "
                "(KeyError in Options.apply_changes) when [mypy] enables a plugin's error code, "
                "because the daemon compares options before it has imported any plugin; "
                "enabling unused-task in a per-module section ([mypy-app]) works",
                raises=DaemonCrashedOnAPluginCode,
                strict=True,
            ),
        ),
    ],
)
def test_unused_task_follows_an_edit_of_another_module(daemon: Daemon, config: str) -> None:
    """Only wrappers.py changes; app.py's verdict must be recomputed from the new signature."""
    project = daemon.project
    (project / "mypy.ini").write_text(UNUSED_TASK_CONFIGS[config], encoding="utf-8")
    wrappers = project / "wrappers.py"
    write_source(wrappers, WRAPPERS_NONE)
    write_source(project / "app.py", SPAWNING_APP)
    files = ("app.py", "wrappers.py")

    first = daemon.run(*files)
    if MYPY_PLUGIN_CODE_CRASH in first.stdout + first.stderr:
        # Expected (xfail) only for [mypy] on the mypy versions with the bug.
        raise DaemonCrashedOnAPluginCode(_output(first))
    _assert_clean(first)
    # Below mypy 1.19 the plugin puts back the code setting mypy dropped
    # (plugin/_compat.py), so the daemon sees options that differ from
    # the client's and restarts on every run: slower, with the same findings.
    restarts = config == "global" and MYPY_VERSION < (1, 19)

    write_source(wrappers, WRAPPERS_TASK)
    line, column = position_of(SPAWNING_APP, "spawn(work())")
    returning_task = daemon.run(*files)
    if not restarts:
        _assert_not_restarted(returning_task)
    _assert_only(
        returning_task, line=line, column=column + 1, code="unused-task", spawner="wrappers.spawn"
    )

    write_source(wrappers, WRAPPERS_NONE)
    reverted = daemon.run(*files)
    if not restarts:
        _assert_not_restarted(reverted)
    _assert_clean(reverted)


def test_config_error_is_reported_and_daemon_survives(daemon: Daemon) -> None:
    project = daemon.project
    config = project / "mypy.ini"
    config.write_text(mypy_ini("", "[mypy_dangling_tasks]", "spawner = x.y"), encoding="utf-8")
    write_source(project / "app.py", KEPT_APP)

    result = daemon.run("app.py")
    _assert_no_crash(result)
    assert result.returncode == 2, _output(result)
    lines = (result.stdout + result.stderr).splitlines()
    # One line names the file, the section and the key (the word, not "spawners").
    assert any(
        "mypy.ini" in text and "[mypy_dangling_tasks]" in text and re.search(r"\bspawner\b", text)
        for text in lines
    ), _output(result)

    status = daemon.command("status")
    assert status.returncode == 0, _output(status)

    # The same daemon checks the project once the key is fixed.
    write_source(config, mypy_ini("", "[mypy_dangling_tasks]", "spawners = x.y"))
    fixed = daemon.run("app.py")
    _assert_clean(fixed)

    pid = daemon.pid()
    stopped = daemon.command("stop")
    assert stopped.returncode == 0, _output(stopped)
    assert pid is not None and wait_gone(pid, seconds=10), "the daemon did not exit on stop"


def test_findings_parse_with_and_without_columns() -> None:
    """The parser the assertions above rely on."""
    output = (
        "app.py:9:5: error: Task created by ...  [dangling-task]\n"
        "app.py:9: note: Keep a strong reference\n"
        "Found 1 error in 1 file (checked 1 source file)\n"
    )
    assert parse_mypy_output(output) == [
        Finding("app.py", 9, 5, None, None, "error", "Task created by ...", "dangling-task"),
        Finding("app.py", 9, None, None, None, "note", "Keep a strong reference", None),
    ]
