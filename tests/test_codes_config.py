"""The plugin's error codes in enable_error_code / disable_error_code, on every supported mypy.

mypy before 1.19 drops these settings from the config file when they name a
plugin code (plugin/_compat.py puts them back); a newer mypy applies
them itself.  Either way the same configuration must give the same findings.

Each run is a fresh `python -m mypy` process: in a process that has already
imported the plugin, its codes are registered and even an old mypy accepts
them, so an in-process run would not show what users get.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from integration_helpers import (
    MYPY_VERSION, clean_env, describe, mypy_ini, parse_mypy_output, run_command, write_source,
)
from mypy_dangling_tasks import _compat

OLD_MYPY = MYPY_VERSION < _compat.CODES_ACCEPTED_SINCE

INI = """\
[mypy]
plugins = mypy_dangling_tasks
disable_error_code = dangling-task, name-defined

[mypy-loud,elsewhere]
enable_error_code = dangling-task

[mypy-pkg.*]
enable_error_code = unused-task
"""

APP = """\
import asyncio
import inline, loud, pkg.jobs
async def work() -> None: ...
async def main() -> None:
    asyncio.create_task(work())
    pkg.jobs.spawn(work())
    undefined_name
"""
LOUD = """\
import asyncio
async def work() -> None: ...
async def main() -> None:
    asyncio.create_task(work())
"""
INLINE = '# mypy: enable-error-code="dangling-task"\n' + LOUD
JOBS = """\
import asyncio
from typing import Any, Coroutine
def spawn(coro: Coroutine[Any, Any, None]) -> "asyncio.Task[None]":
    raise NotImplementedError  # declared to return a task: unused-task, not a wrapper
async def work() -> None: ...
async def main() -> None:
    spawn(work())
    asyncio.create_task(work())
"""

TOML = """\
[tool.mypy]
plugins = ["mypy_dangling_tasks"]
enable_error_code = ["unused-task"]

[[tool.mypy.overrides]]
module = ["quiet", "legacy.*"]
disable_error_code = ["dangling-task", "unused-task"]
"""
TOML_APP = JOBS.replace("import asyncio\n", "import asyncio\nimport quiet, legacy.old\n", 1)

Errors = set[tuple[str, int, str]]


def mypy(project: Path, *args: str) -> tuple[str, int]:
    """A fresh mypy process in `project`; its output and exit status."""
    done = run_command(
        [sys.executable, "-m", "mypy", "--cache-dir", ".cache", *args],
        cwd=project,
        env=clean_env(MYPY_DANGLING_TASKS_DEBUG="1"),
        timeout=600,
    )
    return done.stdout + done.stderr, done.returncode


def errors(output: str) -> Errors:
    return {(f.file, f.line, f.code or "") for f in parse_mypy_output(output) if f.severity == "error"}


def invalid_code_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if "Invalid error code(s)" in line]


def write_project(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        write_source(path, text)
    return root


def test_ini_global_and_per_module_settings_and_their_cache(tmp_path: Path) -> None:
    project = write_project(
        tmp_path,
        {
            "mypy.ini": INI, "app.py": APP, "loud.py": LOUD, "inline.py": INLINE,
            "pkg/__init__.py": "", "pkg/jobs.py": JOBS,
        },
    )
    expected: Errors = {
        ("loud.py", 4, "dangling-task"),  # [mypy-loud,elsewhere] enables it again
        ("inline.py", 5, "dangling-task"),  # so does the inline comment
        ("jobs.py", 7, "unused-task"),  # enabled for pkg.* only: not in app.py:6
    }
    for run in ("cold", "warm"):
        output, status = mypy(project, "app.py")
        assert (errors(output), status) == (expected, 1), describe(run, output)
        # Older mypy names each setting it drops, once; the plugin puts them back.
        assert len(invalid_code_lines(output)) == (3 if OLD_MYPY else 0), describe(run, output)

    # The config changes: the cache must not keep the old verdicts.
    write_source(project / "mypy.ini", INI.replace("disable_error_code = dangling-task, name-defined\n", ""))
    output, status = mypy(project, "app.py")
    expected |= {
        ("app.py", 5, "dangling-task"),
        ("app.py", 7, "name-defined"),  # mypy's own code, dropped with the line on older mypy
        ("jobs.py", 8, "dangling-task"),
    }
    assert (errors(output), status) == (expected, 1), describe(output)


def test_pyproject_global_setting_and_overrides(tmp_path: Path) -> None:
    project = write_project(
        tmp_path,
        {
            "pyproject.toml": TOML, "app.py": TOML_APP, "quiet.py": JOBS,
            "legacy/__init__.py": "", "legacy/old.py": JOBS,
        },
    )
    output, status = mypy(project, "app.py")
    expected = {("app.py", 8, "unused-task"), ("app.py", 9, "dangling-task")}
    assert (errors(output), status) == (expected, 1), describe(output)
    # One line for [tool.mypy], one per module the override names.
    assert len(invalid_code_lines(output)) == (3 if OLD_MYPY else 0), describe(output)


@pytest.mark.parametrize("flag", ["--disable-error-code", "--enable-error-code"])
def test_command_line_flags_need_mypy_1_19(tmp_path: Path, flag: str) -> None:
    """mypy validates its command line before loading any plugin: no plugin can help.

    README says so and points to the config file and the inline comment.
    """
    project = write_project(tmp_path, {"mypy.ini": mypy_ini(), "loud.py": LOUD})
    output, status = mypy(project, flag, "dangling-task", "loud.py")
    if OLD_MYPY:
        assert status == 2, describe(output)
        assert "error: Invalid error code(s): dangling-task" in output, describe(output)
    else:
        assert status == (0 if flag == "--disable-error-code" else 1), describe(output)
        assert not invalid_code_lines(output), describe(output)
