from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# tests/ holds the helpers the tests share: data_format, integration_helpers,
# and packages and processes, which the benchmarks import from here too.
sys.path.insert(0, str(Path(__file__).resolve().parent))

# Internal errors in the plugin's hooks crash mypy during the tests instead of
# being silenced as they are for users (see plugin/_compat.py, Guard).
os.environ["MYPY_DANGLING_TASKS_DEBUG"] = "1"

SLOW_OPTION = "--slow"
SLOW_REASON = "slow suite: run with pytest --slow"


def pytest_addoption(parser: "pytest.Parser") -> None:
    parser.addoption(
        "--update-data",
        action="store_true",
        help="rewrite the expectations of failing test-data cases to what mypy now reports "
        "(review the result with git diff)",
    )
    parser.addoption(
        SLOW_OPTION,
        action="store_true",
        help="also run the tests marked slow: real code, editor servers, packaging, "
        "pre-commit, benchmark smoke, and the full sets of generated programs and "
        "cache/daemon scenarios (.ci/run passes it)",
    )


def run_slow(config: "pytest.Config") -> bool:
    """Whether this session runs the tests marked slow (pytest --slow)."""
    return bool(config.getoption(SLOW_OPTION))


def pytest_report_header(config: "pytest.Config") -> str:
    if run_slow(config):
        return "slow suites: included (--slow)"
    return f"slow suites: SKIPPED ({SLOW_REASON})"


def pytest_collection_modifyitems(config: "pytest.Config", items: list[pytest.Item]) -> None:
    if run_slow(config):
        return
    skip = pytest.mark.skip(reason=SLOW_REASON)
    for item in items:
        if item.get_closest_marker("slow") is not None:
            item.add_marker(skip)


def pytest_terminal_summary(
    terminalreporter: "pytest.TerminalReporter", exitstatus: int, config: "pytest.Config"
) -> None:
    if run_slow(config):
        return
    skipped = [
        report
        for report in terminalreporter.stats.get("skipped", [])
        if isinstance(report.longrepr, tuple) and SLOW_REASON in str(report.longrepr[2])
    ]
    if skipped:
        tests = "1 test marked slow was" if len(skipped) == 1 else f"{len(skipped)} tests marked slow were"
        terminalreporter.write_sep("=", f"{tests} SKIPPED: {SLOW_REASON}", yellow=True)
