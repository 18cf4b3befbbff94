"""Runs every case in test-data/*.test (see data_format.py for the format)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from data_format import Case, Run, compare, parse_file, run_batch, run_single, update_file

DATA = Path(__file__).resolve().parent.parent / "test-data"
CASES: list[Case] = [case for path in sorted(DATA.glob("*.test")) for case in parse_file(path)]


def test_there_are_cases() -> None:
    assert len(CASES) >= 40, f"only {len(CASES)} cases found in {DATA}"
    names = [case.name for case in CASES]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    assert not duplicates, f"duplicate case names: {duplicates}"


class _Results:
    """Runs each group of batchable cases once, on first need."""

    def __init__(self, cache_dir: Path) -> None:
        self.cache_dir = cache_dir
        self.runs: dict[str, Run] = {}

    def get(self, case: Case) -> Run:
        if case.name not in self.runs:
            if case.batchable:
                group = [
                    c for c in CASES
                    if c.batchable and c.flags == case.flags and c.unparsable_here() is None
                ]
                self.runs.update(run_batch(group, case.flags, self.cache_dir))
            else:
                self.runs[case.name] = run_single(case, self.cache_dir)
        return self.runs[case.name]


@pytest.fixture(scope="session")
def results(tmp_path_factory: pytest.TempPathFactory) -> _Results:
    return _Results(tmp_path_factory.mktemp("mypy-cache"))


@pytest.fixture(scope="session")
def updates(request: pytest.FixtureRequest) -> Iterator[dict[Path, dict[str, Run]]]:
    """With --update-data: failing cases' runs, written back at the end of the session."""
    pending: dict[Path, dict[str, Run]] = {}
    yield pending
    for path, runs in pending.items():
        skipped = update_file(path, runs)
        for name in skipped:
            print(f"{path.name}: [case {name}] could not be updated automatically")


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_case(
    case: Case,
    results: _Results,
    updates: dict[Path, dict[str, Run]],
    request: pytest.FixtureRequest,
) -> None:
    unparsable = case.unparsable_here()
    if unparsable is not None:
        pytest.skip(f"SKIPPED on this Python: {unparsable}")
    run = results.get(case)
    problem = compare(case, run)
    if problem is not None:
        if request.config.getoption("--update-data"):
            updates.setdefault(case.source, {})[case.name] = run
        pytest.fail(problem, pytrace=False)
