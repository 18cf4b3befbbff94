"""mypy's parallel mode (`--num-workers`, mypy 2.x) reports what a serial run reports.

Every mypy-format case is checked once serially and once by two worker
processes (the batchable ones grouped by flags, as test_cases.py runs
them; the others, with their own files and configuration, one by one);
each case's messages must be the same.

Except for one rule: the scan of unannotated functions (unchecked.py) needs
a plugin call per module before mypy checks it, which workers never make,
so under --num-workers it is off (README, Limits).  For the cases that
exercise it, the parallel run must report a subset of the serial run: the
same findings less the scan's, never one more.
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
#: Cases with findings of the scan of unannotated functions, off in parallel mode.
SCAN_CASES = frozenset(
    {"testHostilePartiallyTypedLoops"}
    | {case.name for case in parse_file(DATA / "check-unannotated.test")}
)


def _same_or_less_the_scan(case: Case, serial: list[object], parallel: list[object]) -> None:
    if case.name not in SCAN_CASES:
        assert parallel == serial, case.name
        return
    print(f"\nNOTE {case.name}: the scan of unannotated functions is off under --num-workers")
    assert all(message in serial for message in parallel), case.name
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
            _same_or_less_the_scan(case, serial[case.name].messages, parallel[case.name].messages)
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
    _same_or_less_the_scan(case, serial.messages, parallel.messages)
    if case.name not in SCAN_CASES:
        assert parallel.status == serial.status
