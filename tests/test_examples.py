"""`mypy examples/` (the README's quick start) flags exactly the lines marked BUG."""

from __future__ import annotations

import os
import re
from pathlib import Path

from mypy import api

ROOT = Path(__file__).resolve().parent.parent


def test_mypy_examples_reports_exactly_the_marked_lines(tmp_path: Path) -> None:
    marked = {
        (path.name, number)
        for path in (ROOT / "examples").glob("*.py")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if "# BUG" in line
    }
    assert len(marked) >= 5
    old = os.getcwd()
    os.chdir(ROOT)  # the repository's pyproject.toml enables the plugin
    try:
        stdout, stderr, status = api.run(["--cache-dir", str(tmp_path), "examples/"])
    finally:
        os.chdir(old)
    errors = re.findall(r"^examples/(\w+\.py):(\d+): error: .*$", stdout, re.MULTILINE)
    flagged = {(name, int(line)) for name, line in errors}
    assert status == 1, stdout + stderr
    assert flagged == marked, stdout
    assert all("[dangling-task]" in line for line in stdout.splitlines() if ": error:" in line)
