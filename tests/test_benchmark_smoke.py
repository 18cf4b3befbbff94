"""benchmarks/overhead.py --smoke: the overhead benchmark runs end to end.

The smoke run checks one small package (packages.SMOKE) for one round (after
a warm-up round) in every command set, and the test reads its `--json`
output.  It uses the packages cache (benchmarks/.cache), which the benchmark
fills from PyPI when it is missing.

Besides the shape of the numbers, the runs themselves are checked: the plugin
side must report findings (it was loaded, so the ratios compare mypy with and
without it), the same ones cold, warm (from the cache) and under dmypy, and
mypy's own errors must be the same with and without the plugin.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any, Final

import pytest

import packages

ROOT: Final = Path(__file__).resolve().parent.parent
SCRIPT: Final = ROOT / "benchmarks" / "overhead.py"
TIMEOUT: Final = 600  # well under a minute on an idle machine, minutes on a busy one
SETS: Final = ("cold", "warm", "dmypy")
SIDES: Final = ("plain", "plugin")
STATS: Final = ("plain_min", "plain_median", "plugin_min", "plugin_median")
RATIOS: Final = ("ratio_min", "ratio_median", "ratio_cpu_min", "ratio_cpu_median", "rss_ratio")
NAMES: Final = [package.key for package in packages.select(packages.SMOKE)]

# Half a minute of benchmark rounds (cold, warm, dmypy), and a download when uncached.
pytestmark = pytest.mark.slow


def check(data: dict[str, Any]) -> None:
    """The smoke run's numbers and findings are sane (AssertionError if not)."""
    assert data["rounds"] == 1
    assert set(data["summary"]) == set(data["runs"]) == set(SETS)
    for name in NAMES:
        assert data["lines"][name] > 1000, data["lines"]
        findings: dict[str, set[int]] = {}
        for set_name in SETS:
            row = data["summary"][set_name][name]
            for key in STATS:
                assert 0 < row[key] < TIMEOUT, (set_name, key, row)
                assert 0 < row[key.replace("_", "_cpu_")] < TIMEOUT, (set_name, key, row)
            for key in RATIOS:
                assert math.isfinite(row[key]) and 0.1 < row[key] < 10, (set_name, key, row)
            runs = data["runs"][set_name][name]
            for side in SIDES:
                assert len(runs[side]) == 1, (set_name, side, runs)
                assert all(run["rss_kib"] > 10_000 for run in runs[side]), (set_name, runs)
            assert all(run["findings"] == 0 for run in runs["plain"]), (set_name, runs)
            findings[set_name] = {run["findings"] for run in runs["plugin"]}
            other = {side: {r["errors"] - r["findings"] for r in runs[side]} for side in SIDES}
            assert other["plain"] == other["plugin"], (set_name, "mypy's own errors differ", runs)
        assert len(set().union(*findings.values())) == 1, findings
        assert findings["cold"] != {0}, findings


def spoiled(data: dict[str, Any], path: tuple[str | int, ...], value: object) -> dict[str, Any]:
    """A copy of `data` with the item at `path` set to `value` (deleted for None)."""
    copy: dict[str, Any] = json.loads(json.dumps(data))
    target: Any = copy
    for key in path[:-1]:
        target = target[key]
    if value is None:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return copy


def test_smoke_run_measures_every_set_with_the_plugin_loaded(tmp_path: Path) -> None:
    data_file = tmp_path / "overhead.json"
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--smoke", "--json", str(data_file)],
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    output = f"stdout:\n{done.stdout[-4000:]}\nstderr:\n{done.stderr[-4000:]}"
    assert done.returncode == 0, f"exit {done.returncode}\n{output}"
    data = json.loads(data_file.read_text(encoding="utf-8"))
    check(data)

    # The checks catch a broken run: each of these spoiled copies must fail.
    name = NAMES[0]
    plugin_run: tuple[str | int, ...] = ("runs", "cold", name, "plugin", 0)
    for path, value in [
        (("summary", "warm"), None),
        (("summary", "cold", name, "ratio_min"), float("nan")),
        (("summary", "dmypy", name, "ratio_median"), 0.0),
        ((*plugin_run, "findings"), 0),
        ((*plugin_run, "errors"), data["runs"]["cold"][name]["plugin"][0]["errors"] + 1),
        (("runs", "dmypy", name, "plain", 0, "findings"), 1),
    ]:
        with pytest.raises(AssertionError):
            check(spoiled(data, path, value))
