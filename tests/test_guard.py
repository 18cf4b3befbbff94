"""A bug in the plugin never costs the user the type check.

Each entry point mypy calls into the plugin (and the patch it schedules in
mypy's semantic analyzer) is made to fail in turn, in a
real mypy run: mypy's own errors and exit status stay what they are without
the plugin, the plugin says one line naming its version and mypy's, and
reports nothing after that.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from mypy import api
from mypy.version import __version__ as mypy_version

import mypy_dangling_tasks
from mypy_dangling_tasks import _compat, checks, config, main

APP = """\
import asyncio

async def work() -> None: ...

def current() -> "asyncio.Task[None]":  # a Task annotation: the type-analyze hook
    raise NotImplementedError

async def run(loop: asyncio.AbstractEventLoop) -> None:
    asyncio.create_task(work())
    loop.create_task(work())
    count: int = "one"
"""


def _broken(*args: object, **kwargs: object) -> object:
    raise RuntimeError("injected")


# Entry point -> (owner, attribute) whose failure it must contain.
INJECTIONS = {
    "constructor: config": (config, "load"),
    "constructor: error-code settings": (_compat, "restore_dropped_error_code_settings"),
    "set_modules": (main.DanglingTasksPlugin, "_set_modules"),
    "report_config_data": (main.DanglingTasksPlugin, "_config_data"),
    "get_additional_deps": (main.DanglingTasksPlugin, "_parsed"),
    "get_function_hook": (main.DanglingTasksPlugin, "_decide_function_hook"),
    "get_method_hook": (main.DanglingTasksPlugin, "_decide_method_hook"),
    "get_type_analyze_hook": (_compat, "schedule_after_analysis"),
    "semantic analyzer patch": (main.DanglingTasksPlugin, "_export_wrapper_verdicts"),
    "function hook": (checks, "spawner_function_hook"),
    "method hook": (checks, "method_hook"),
}


def _mypy(tmp_path: Path, plugin: bool) -> tuple[str, str, int]:
    project = tmp_path / ("with" if plugin else "without")
    project.mkdir()
    (project / "app.py").write_text(APP, encoding="utf-8")
    ini = project / "mypy.ini"
    ini.write_text(
        "[mypy]\n" + ("plugins = mypy_dangling_tasks\n" if plugin else ""), encoding="utf-8"
    )
    return api.run(
        [
            "--config-file", str(ini), "--no-incremental", "--no-error-summary",
            "--cache-dir", str(project / "cache"), str(project / "app.py"),
        ]
    )


def test_without_a_failure_the_plugin_reports_both_tasks(tmp_path: Path) -> None:
    """The program of the tests below: what the failures must take away."""
    stdout, stderr, status = _mypy(tmp_path, plugin=True)
    assert stdout.count("[dangling-task]") == 2 and status == 1, stdout + stderr


@pytest.mark.parametrize("entry", sorted(INJECTIONS))
def test_a_failing_entry_point_leaves_mypy_s_own_result(
    entry: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.delenv(_compat.DEBUG_ENVIRONMENT_VARIABLE, raising=False)
    owner, attribute = INJECTIONS[entry]
    monkeypatch.setattr(owner, attribute, _broken)
    stdout, stderr, status = _mypy(tmp_path, plugin=True)
    stderr += capsys.readouterr().err  # the plugin writes to the process's stderr
    plain_stdout, _, plain_status = _mypy(tmp_path, plugin=False)
    plain_stdout = plain_stdout.replace(str(tmp_path / "without"), str(tmp_path / "with"))
    own = [line for line in stdout.splitlines() if "dangling-task" not in line and ": note:" not in line]
    assert (own, status) == (plain_stdout.splitlines(), plain_status), stdout
    # What was reported before the failure stays; nothing is reported after it.
    assert stdout.count("[dangling-task]") < 2, stdout
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    assert re.fullmatch(
        rf"mypy_dangling_tasks {re.escape(mypy_dangling_tasks.__version__)} "
        rf"\(mypy {re.escape(mypy_version)}\): internal error \(RuntimeError: injected\); "
        r"the plugin is off for the rest of this run, mypy's own checks go on\. "
        r"Please report this at https://\S+",
        lines[0],
    ), lines[0]


def test_a_failure_crashes_under_the_debug_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The test suite runs with the variable set, so that a bug fails a test."""
    monkeypatch.setenv(_compat.DEBUG_ENVIRONMENT_VARIABLE, "1")
    monkeypatch.setattr(checks, "spawner_function_hook", _broken)
    stdout, stderr, status = _mypy(tmp_path, plugin=True)
    stderr += capsys.readouterr().err
    assert status == 2 and "INTERNAL ERROR" in stdout + stderr, stdout + stderr


def test_bad_configuration_still_stops_mypy(tmp_path: Path) -> None:
    """The guard lets the plugin's deliberate stop through: one message, exit 2."""
    (tmp_path / "app.py").write_text(APP, encoding="utf-8")
    ini = tmp_path / "mypy.ini"
    ini.write_text(
        "[mypy]\nplugins = mypy_dangling_tasks\n[mypy_dangling_tasks]\nspawners = not a name\n",
        encoding="utf-8",
    )
    stdout, stderr, status = api.run(
        ["--config-file", str(ini), "--cache-dir", str(tmp_path / "cache"), str(tmp_path / "app.py")]
    )
    assert status == 2 and "Traceback" not in stdout + stderr, stdout + stderr
    assert "spawners" in stdout + stderr and "internal error" not in stdout + stderr
