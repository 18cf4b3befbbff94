"""What editors and CI tools read: mypy's JSON output and its error-end columns.

mypy's JSON formatter (`-O json` / `--output json`) prints one object per error.
A note at the same file, line and column as the error before it is not printed
as an object of its own: it becomes that error's "hint".  So "the note is on the
error's position" shows up as a hint and no separate `severity == "note"` object.
Columns in JSON are 0-based; `end_line`/`end_column` (present in mypy 2.4.1,
absent in 1.19.1) are 0-based and exclusive.  In text output with
--show-column-numbers and --show-error-end, columns are 1-based and the end
column is inclusive.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Final

import pytest
import mypy.version
from mypy import api

from integration_helpers import (
    MYPY_VERSION,
    DANGLING_APP,
    DANGLING_CALL,
    MESSAGE_START,
    NOTE_START,
    describe,
    mypy_ini,
    parse_mypy_output,
    position_of,
)

pytestmark = pytest.mark.skipif(
    MYPY_VERSION < (1, 11),
    reason=f"SKIPPED: mypy {mypy.version.__version__} has no -O json (added in mypy 1.11)",
)

FULL_MESSAGE: Final = MESSAGE_START


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "mypy.ini").write_text(mypy_ini(), encoding="utf-8")
    (tmp_path / "app.py").write_text(DANGLING_APP, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _run_mypy(project: Path, *flags: str) -> tuple[str, str, int]:
    return api.run(
        [
            "--config-file",
            str(project / "mypy.ini"),
            "--cache-dir",
            str(project / ".mypy_cache"),
            *flags,
            "app.py",
        ]
    )


def _json_objects(stdout: str) -> list[dict[str, Any]]:
    objects = []
    for line in stdout.splitlines():
        if line.strip():
            parsed = json.loads(line)
            assert isinstance(parsed, dict), line
            objects.append(parsed)
    return objects


@pytest.mark.parametrize("flags", [("-O", "json"), ("--output", "json"), ("--output=json",)])
def test_json_object_for_the_finding(project: Path, flags: tuple[str, ...]) -> None:
    stdout, stderr, status = _run_mypy(project, *flags)
    output = describe(f"exit status {status}", stdout, stderr)
    assert status == 1, output
    objects = _json_objects(stdout)
    line, column = position_of(DANGLING_APP, DANGLING_CALL)

    assert len(objects) == 1, output
    finding = objects[0]
    assert finding["file"] == "app.py", output
    assert finding["code"] == "dangling-task", output
    assert finding["severity"] == "error", output
    assert (finding["line"], finding["column"]) == (line, column), output  # column is 0-based
    assert finding["message"] == FULL_MESSAGE, output
    # The note shares the error's position, so mypy folds it into the error's hint.
    assert isinstance(finding["hint"], str) and finding["hint"].startswith(NOTE_START), output
    assert [o for o in objects if o["severity"] == "note"] == [], output
    if "end_column" in finding:  # not in mypy 1.19's JSON
        assert (finding["end_line"], finding["end_column"]) == (
            line,
            column + len(DANGLING_CALL),
        ), output


def test_text_output_note_and_error_end_cover_the_call(project: Path) -> None:
    stdout, stderr, status = _run_mypy(
        project, "--show-column-numbers", "--show-error-end", "--no-error-summary"
    )
    output = describe(f"exit status {status}", stdout, stderr)
    assert status == 1, output
    line, column = position_of(DANGLING_APP, DANGLING_CALL)
    # 1-based start, inclusive end: the whole `asyncio.create_task(work())` call.
    span = (line, column + 1, line, column + len(DANGLING_CALL))

    findings = parse_mypy_output(stdout)
    assert [(f.severity, f.code) for f in findings] == [("error", "dangling-task"), ("note", None)]
    error, note = findings
    assert (error.line, error.column, error.end_line, error.end_column) == span, output
    assert (note.line, note.column, note.end_line, note.end_column) == span, output
    assert error.message == FULL_MESSAGE, output
    assert note.message.startswith(NOTE_START), output
