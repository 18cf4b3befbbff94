"""Shared helpers for the integration tests that drive real tools (dmypy, pylsp, pre-commit).

Each test builds a throw-away project under pytest's tmp_path with a mypy.ini that
enables the plugin, runs the tool in a subprocess with a cleaned environment, and
reads mypy's findings back with `parse_mypy_output`.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Final, NamedTuple

from mypy.version import __version__ as _mypy_version

from mypy_dangling_tasks import _version_tuple, errorcodes

#: (major, minor) of the mypy under test, read as the plugin's version gate reads it.
MYPY_VERSION: Final = _version_tuple(_mypy_version)

NOTE_START: Final = errorcodes.TASK_NOTE[:40]
# Every note the plugin writes (each error comes with one of them).
PLUGIN_NOTES: Final = frozenset(
    value for name, value in vars(errorcodes).items() if name.endswith("_NOTE")
)


def plugin_message(template: str, spawner: str, what: str = "Task", **fields: str) -> str:
    """An error text of the plugin: `template` of errorcodes.py about a task `spawner` created."""
    return template.format(subject=errorcodes.CREATED_BY.format(what=what, spawner=spawner), **fields)


MESSAGE_START: Final = plugin_message(errorcodes.DISCARDED, "asyncio.create_task")

# A module with no findings: the task is kept in a local that is awaited.
KEPT_APP: Final = """\
import asyncio


async def work() -> None:
    await asyncio.sleep(0)


async def main() -> None:
    task = asyncio.create_task(work())
    await task
"""

# The same module with one dropped task; DANGLING_CALL is the offending expression.
DANGLING_CALL: Final = "asyncio.create_task(work())"
DANGLING_APP: Final = """\
import asyncio


async def work() -> None:
    await asyncio.sleep(0)


async def main() -> None:
    asyncio.create_task(work())
    task = asyncio.create_task(work())
    await task
"""

# Variables that would make a subprocess use the developer's own setup instead of
# the temporary project's (search paths, caches, colours, git repositories, hooks).
_DROPPED_PREFIXES: Final = ("MYPY", "GIT_", "PRE_COMMIT", "PYLSP")
_DROPPED_NAMES: Final = ("FORCE_COLOR", "NO_COLOR", "PY_COLORS", "COLUMNS", "TERM")


class Finding(NamedTuple):
    """One line of mypy's text output."""

    file: str
    line: int
    column: int | None  # 1-based, as mypy prints it with --show-column-numbers
    end_line: int | None
    end_column: int | None
    severity: str
    message: str
    code: str | None


_FINDING: Final = re.compile(
    r"^(?P<file>[^\s:][^:]*):(?P<line>\d+):"
    r"(?:(?P<column>\d+):(?:(?P<end_line>\d+):(?P<end_column>\d+):)?)?"
    r" (?P<severity>error|note): (?P<message>.*?)(?:  \[(?P<code>[a-z0-9-]+)\])?$"
)


def parse_mypy_output(output: str) -> list[Finding]:
    """The findings in mypy's (or dmypy's) text output; summary lines are ignored."""
    findings = []
    for raw in output.splitlines():
        match = _FINDING.match(raw.strip())
        if match is None:
            continue
        findings.append(
            Finding(
                file=Path(match["file"]).name,
                line=int(match["line"]),
                column=_int_or_none(match["column"]),
                end_line=_int_or_none(match["end_line"]),
                end_column=_int_or_none(match["end_column"]),
                severity=match["severity"],
                message=match["message"],
                code=match["code"],
            )
        )
    return findings


def _int_or_none(text: str | None) -> int | None:
    return int(text) if text else None


def mypy_ini(*extra: str) -> str:
    """A mypy.ini enabling the plugin; `extra` lines are appended verbatim."""
    return "\n".join(["[mypy]", "plugins = mypy_dangling_tasks", *extra]) + "\n"


def write_source(path: Path, text: str) -> None:
    """Write `text` and move the mtime at least 2 s past the previous one.

    dmypy and mypy's incremental mode notice edits through (mtime, size);
    filesystems with coarse timestamps could otherwise hide a quick edit.
    """
    previous = path.stat().st_mtime_ns if path.exists() else 0
    path.write_text(text, encoding="utf-8")
    stamp = max(path.stat().st_mtime_ns, previous + 2_000_000_000)
    os.utime(path, ns=(stamp, stamp))


def position_of(text: str, needle: str) -> tuple[int, int]:
    """1-based line and 0-based column of the first `needle` in `text`."""
    offset = text.index(needle)
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1)
    return line, column


def clean_env(**extra: str) -> dict[str, str]:
    """os.environ without the variables that would leak the developer's setup."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(_DROPPED_PREFIXES) and name not in _DROPPED_NAMES
    }
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra)
    return env


def describe(*parts: str) -> str:
    """Output for an assertion message, trimmed to something readable."""
    text = "\n".join(part for part in parts if part)
    return text if len(text) < 6000 else text[:3000] + "\n[...]\n" + text[-3000:]


def run_command(
    command: Sequence[str], cwd: Path, env: Mapping[str, str], timeout: float
) -> subprocess.CompletedProcess[str]:
    """A child process with no stdin, its output captured, never left running."""
    return subprocess.run(
        list(command),
        cwd=cwd,
        env=dict(env),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
