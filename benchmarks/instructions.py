"""The plugin's cold overhead in instructions: a measure that load does not move.

    python benchmarks/instructions.py [--packages NAME ...] [--jobs N] [--seed N] [--layouts N]
                                      [--null-baseline] [--default-options]

Wall and CPU time (overhead.py) vary by 10-30% between identical runs on a
shared or virtual machine, far more than the +1% the plugin may cost.  The
number of instructions a run executes does not: this script runs the cold
command of overhead.py (plain mypy, mypy with the plugin) once per side under
valgrind's callgrind, which counts them, and prints the ratio per package and
in total.  Counting slows mypy about 40-fold, so the runs go in parallel
(--jobs, default: the number of CPUs) and the default packages are the two
smallest of overhead.py's; `--packages discord.py` takes about 10 minutes.

Both sides run with the same PYTHONHASHSEED (--seed, default 0): how much
work mypy does depends on the iteration order of its sets, which follows the
per-process string hash.  With a random seed per run, the plain and plugin
runs of discord.py differed by 1.7% in instructions, mypy calling
is_overlapping_types from one place 18,583 times in one and 16,684 in the
other; with seed 0 for both the calls were the same and 1.0% remained.

The seed does not fix everything: mypy hashes some of its objects by
identity, that is by address, so how much work it does also depends on where
earlier allocations put them.  37 more environment variables (40 bytes
each, 0.06 million instructions to read) moved plain mypy on aiortc by 10.4
million instructions (0.16%), and a plugin that allocates more moves mypy's
work the same way.  `--layouts N` runs each side N times, the n-th
with 37 * n such variables, and prints the mean of each side and its spread
(largest minus smallest): a difference between versions smaller than the
spread is not one.

Both sides run with overhead.py's options (check_untyped_defs on);
`--default-options` runs them with mypy's defaults, where the plugin scans
unannotated functions itself (plugin/unchecked.py).

Instructions are not time (a cache miss costs more than an add), so this
complements overhead.py rather than replacing it.  The plugin's modules are
byte-compiled first, as pip does on install: otherwise every run would also
count compiling the plugin's source.  Needs valgrind on PATH.
"""

from __future__ import annotations

import argparse
import compileall
import importlib.util
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Final

# packages.py and processes.py, shared with the tests, live in tests/.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from overhead import COLD_FLAGS, SIDES, BenchmarkError, counts, execute, write_configs  # noqa: E402
from packages import DEFAULT_CACHE, FetchError, fetch, package_dir, select  # noqa: E402

DEFAULT_PACKAGES: Final = ("aiortc", "aiohttp")
COLLECTED: Final = re.compile(r"^==\d+== Collected : (\d+)$", re.M)
#: Counting is about 40 times slower than a plain run, and slower still on a
#: busy machine: overhead.py's 15 minutes killed distributed's run in one.
CALLGRIND_TIMEOUT: Final = 4 * 3600.0
LAYOUT_STEP: Final = 37


def instructions(
    config: Path, cwd: Path, targets: Sequence[str], seed: int, layout: int
) -> tuple[int, int]:
    """(instructions, dangling-task findings) of one cold mypy run under callgrind.

    `layout` n sets 37 * n padding environment variables: the same run with
    its objects at other addresses (see the module's docstring).
    """
    padding = [f"DANGLING_LAYOUT_{index}={'x' * 40}" for index in range(LAYOUT_STEP * layout)]
    argv = ["env", *padding, f"PYTHONHASHSEED={seed}",
            "valgrind", "--tool=callgrind", f"--callgrind-out-file={os.devnull}",
            sys.executable, "-m", "mypy", "--config-file", str(config), *COLD_FLAGS, *targets]
    _, _, _, output = execute(argv, cwd, timeout=CALLGRIND_TIMEOUT)
    collected = COLLECTED.search(output)
    if collected is None:
        raise BenchmarkError(f"no instruction count from callgrind in {cwd}:\n{output[-2000:]}")
    return int(collected[1]), counts(output)[0]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Instructions: plugin against plain mypy.")
    parser.add_argument("--packages", nargs="+", metavar="NAME", default=list(DEFAULT_PACKAGES))
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--seed", type=int, default=0, help="PYTHONHASHSEED of both sides")
    parser.add_argument("--layouts", type=int, default=1,
                        help="runs per side, each with its objects at other addresses")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="packages cache")
    parser.add_argument("--null-baseline", action="store_true",
                        help="the plain side loads null_plugin.py, a plugin that does nothing")
    parser.add_argument("--default-options", action="store_true",
                        help="mypy's default options: no check_untyped_defs")
    args = parser.parse_args(argv)
    if shutil.which("valgrind") is None:
        print("error: valgrind is not on PATH", file=sys.stderr)
        return 2
    spec = importlib.util.find_spec("mypy_dangling_tasks")
    if spec is None or spec.origin is None:
        print("error: mypy_dangling_tasks is not installed", file=sys.stderr)
        return 2
    compileall.compile_dir(Path(spec.origin).parent, quiet=1)
    layouts = range(max(1, args.layouts))
    with tempfile.TemporaryDirectory(prefix="dangling-instructions-") as tmp:
        configs = write_configs(Path(tmp), args.null_baseline, args.default_options)
        try:
            fetched = fetch(args.packages, args.cache)
            jobs = {(package.name, side, layout): (configs[side], package_dir(package, args.cache),
                                                   [folder.name for folder in fetched[package.key]])
                    for package in select(args.packages) for side in SIDES
                    for layout in layouts}
            with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
                futures = {key: pool.submit(instructions, *job, args.seed, key[2])
                           for key, job in jobs.items()}
                results = {key: future.result() for key, future in futures.items()}
        except (BenchmarkError, FetchError, KeyError) as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
    spread = len(layouts) > 1
    print(f"{'package':14} {'plain':>16} {'plugin':>16} {'ratio':>8} {'findings':>9}"
          + (f" {'plain spread':>13} {'plugin spread':>14}" if spread else ""))
    totals = dict.fromkeys(SIDES, 0)
    for name in args.packages:
        runs = {side: [results[(name, side, layout)][0] for layout in layouts] for side in SIDES}
        counted = {side: sum(runs[side]) // len(layouts) for side in SIDES}
        for side in SIDES:
            totals[side] += counted[side]
        findings = {results[(name, "plugin", layout)][1] for layout in layouts}
        print(f"{name:14} {counted['plain']:16,} {counted['plugin']:16,} "
              f"{counted['plugin'] / counted['plain']:7.4f}x {'/'.join(map(str, sorted(findings))):>9}"
              + "".join(f" {max(runs[side]) - min(runs[side]):{width},}"
                        for side, width in (("plain", 13), ("plugin", 14)) if spread))
    print(f"{'total':14} {totals['plain']:16,} {totals['plugin']:16,} "
          f"{totals['plugin'] / totals['plain']:7.4f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
