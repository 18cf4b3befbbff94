"""mypy's parallel mode (`--num-workers`, mypy 2.x) reports what a serial run reports.

Every mypy-format case is checked once serially and once by two worker
processes (the batchable ones grouped by flags, as test_cases.py runs
them; the others, with their own files and configuration, one by one);
each case's messages must be the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from data_format import Case, parse_file, run_batch, run_single
from integration_helpers import MYPY_VERSION

DATA = Path(__file__).resolve().parent.parent / "test-data"

pytestmark = [
    pytest.mark.slow,  # every case twice, the parallel run with three processes
    pytest.mark.skipif(
        MYPY_VERSION < (2, 0), reason="SKIPPED: mypy before 2.0 has no --num-workers"
    ),
]


PARALLEL: list[str] = ["--num-workers", "2"]
CASES: list[Case] = [
    case
    for path in sorted(DATA.glob("*.test"))
    for case in parse_file(path)
    if case.unparsable_here() is None
]


@dataclass
class _InParallel(Case):
    @property
    def flags(self) -> list[str]:
        return [*super().flags, *PARALLEL]


def _groups() -> dict[tuple[str, ...], list[Case]]:
    groups: dict[tuple[str, ...], list[Case]] = {}
    for case in CASES:
        if case.batchable:
            groups.setdefault(tuple(case.flags), []).append(case)
    return groups


def test_two_workers_report_what_one_process_reports(tmp_path: Path) -> None:
    compared = 0
    for number, (flags, cases) in enumerate(sorted(_groups().items())):
        serial = run_batch(cases, list(flags), tmp_path / f"serial-{number}")
        parallel = run_batch(cases, [*flags, *PARALLEL], tmp_path / f"parallel-{number}")
        for case in cases:
            assert parallel[case.name].messages == serial[case.name].messages, case.name
            compared += len(serial[case.name].messages)
    assert compared > 200, compared  # the cases report: the comparison means something


@pytest.mark.parametrize(
    "case", [case for case in CASES if not case.batchable], ids=lambda case: case.name
)
def test_two_workers_report_what_one_process_reports_with_other_files(
    case: Case, tmp_path: Path
) -> None:
    serial = run_single(case, tmp_path / "serial")
    parallel = run_single(_InParallel(**vars(case)), tmp_path / "parallel")
    assert (parallel.messages, parallel.status) == (serial.messages, serial.status)
