"""mypy's parallel mode (`--num-workers`, mypy 2.x) reports what a serial run reports.

Every mypy-format case is checked serially and by two worker processes
(the batchable ones grouped by flags, as test_cases.py runs them; the
others, with their own files and configuration, one by one); each case's
messages must be the same.

But for one rule: the scan of unannotated functions (plugin/unchecked.py)
needs a plugin call per module before mypy checks it, which workers never
make, so it is off under --num-workers (docs/rules.md).  The parallel run
must therefore report exactly what a serial run reports with the scan
turned off (`check_unannotated = false`); the batched cases whose serial
findings the scan changes are counted and printed, so that the comparison
is seen to cover them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from data_format import DEFAULT_CONFIG, WITHOUT_SCAN, Case, parse_file, run_batch, run_single
from integration_helpers import MYPY_VERSION

DATA = Path(__file__).resolve().parent.parent / "test-data"

pytestmark = [
    pytest.mark.slow,  # every batched case thrice, the parallel run with three processes
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
    differing = []
    scanned = []
    for number, (flags, cases) in enumerate(sorted(_groups().items())):
        serial = run_batch(cases, list(flags), tmp_path / f"serial-{number}")
        no_scan = run_batch(
            cases, list(flags), tmp_path / f"no-scan-{number}", DEFAULT_CONFIG + WITHOUT_SCAN
        )
        parallel = run_batch(cases, [*flags, *PARALLEL], tmp_path / f"parallel-{number}")
        for case in cases:
            if parallel[case.name].messages != no_scan[case.name].messages:
                differing.append(case.name)
            if serial[case.name].messages != no_scan[case.name].messages:
                scanned.append(case.name)
            compared += len(serial[case.name].messages)
    assert not differing, differing
    print(f"\nNOTE {len(scanned)} cases have findings of the scan, which is off in parallel mode")
    assert len(scanned) >= 5, scanned  # the scan's cases are among those compared
    assert compared > 200, compared  # the cases report: the comparison means something


@pytest.mark.parametrize(
    "case", [case for case in CASES if not case.batchable], ids=lambda case: case.name
)
def test_two_workers_report_what_one_process_reports_with_other_files(
    case: Case, tmp_path: Path
) -> None:
    serial = run_single(_without_scan(case), tmp_path / "serial")
    parallel = run_single(_InParallel(**vars(case)), tmp_path / "parallel")
    assert (parallel.messages, parallel.status) == (serial.messages, serial.status)


def _without_scan(case: Case) -> Case:
    """The case with check_unannotated = false added to its config file (or the default one)."""
    files = dict(case.files)
    if "pyproject.toml" in files:
        text = files["pyproject.toml"]
        header = "[tool.mypy_dangling_tasks]\n"
        files["pyproject.toml"] = (
            text.replace(header, header + "check_unannotated = false\n")
            if header in text
            else text + "\n" + header + "check_unannotated = false\n"
        )
        return replace(case, files=files)
    name = next((name for name in ("mypy.ini", "setup.cfg") if name in files), None)
    if name is None:
        files["mypy.ini"] = DEFAULT_CONFIG
        name = "mypy.ini"
    header = "[mypy_dangling_tasks]\n"
    text = files[name]
    files[name] = (
        text.replace(header, header + "check_unannotated = false\n")
        if header in text
        else text + WITHOUT_SCAN
    )
    return replace(case, files=files)
