"""benchmarks/overhead.py --smoke: the overhead benchmark runs end to end.

The smoke run checks one small package (packages.SMOKE) for one round in every
mode and a small scaling grid.  It uses the packages cache
(benchmarks/.cache), which the benchmark fills from PyPI when it is missing.
The plugin side must report findings: that proves the plugin was loaded, so
the ratios compare mypy with and without it.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Final

ROOT: Final = Path(__file__).resolve().parent.parent
SCRIPT: Final = ROOT / "benchmarks" / "overhead.py"
TIMEOUT: Final = 300
RATIO: Final = re.compile(r"\b\d+\.\d{3}x\b")


def _section(report: str, title_start: str) -> str:
    """The text of the `## title...` section of the Markdown report."""
    match = re.search(rf"^## {re.escape(title_start)}.*?(?=^## |\Z)", report, re.M | re.S)
    assert match is not None, f"no section {title_start!r} in:\n{report}"
    return match.group(0)


def test_smoke_run_reports_cold_ratios_and_plugin_findings(tmp_path: Path) -> None:
    out = tmp_path / "report.md"
    data_file = tmp_path / "report.json"
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--smoke", "--out", str(out), "--json", str(data_file)],
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    context = (
        f"exit {done.returncode}\nstdout:\n{done.stdout[-4000:]}\nstderr:\n{done.stderr[-4000:]}"
    )
    assert done.returncode == 0, context
    report = done.stdout
    assert out.read_text(encoding="utf-8").strip() == report.strip()

    data = json.loads(data_file.read_text(encoding="utf-8"))
    assert data["problems"] == [], context
    names = [package["name"] for package in data["packages"]]
    assert names, context

    cold = _section(report, "Cold")
    for name in names:
        rows = [line for line in cold.splitlines() if line.startswith(f"| {name} |")]
        assert len(rows) == 1, cold
        assert RATIO.search(rows[0]), rows[0]

    for package in data["packages"]:
        cold_runs = package["cold"]
        assert all(count == 0 for count in cold_runs["plain"]["findings"]), package
        assert all(count > 0 for count in cold_runs["plugin"]["findings"]), package
        assert cold_runs["plain"]["min"] > 0 and cold_runs["plugin"]["min"] > 0

    # The synthetic modules: the plugin reports exactly the dropped calls.
    assert data["scaling"], context
    for cell in data["scaling"]:
        assert cell["runs"]["plugin"]["findings"] == [cell["dropped"]] * len(
            cell["runs"]["plugin"]["findings"]
        ), cell
