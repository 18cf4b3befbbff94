"""Does the plugin's cost per spawner call stay flat as modules grow?

Generated modules of N coroutines with K spawner calls each (asyncio.create_task,
loop.create_task, asyncio.ensure_future in turn; every other one dropped, the
rest kept in locals awaited at the end) and K awaited calls, checked cold by
plain mypy and by mypy with the plugin (overhead.measure: shuffled order, a
warm-up round dropped).  The plugin's extra CPU seconds per spawner call, net
of the fixed cost measured on a module without spawner calls, should not grow
from 5,000 to 40,000 calls, nor from many short functions to two long ones.

    python benchmarks/scaling.py [--rounds N] [--small]

Exit status 1 when the plugin's findings differ from the dropped calls.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Final

from overhead import COLD_FLAGS, SIDES, measure, mypy, write_configs

# (functions, spawner calls per function); the first cell has no spawner call.
GRID: Final = ((10, 0), (10, 10), (100, 10), (10, 100), (1000, 10), (100, 100), (10, 1000),
               (2, 5000), (4000, 10), (2, 20000))
SMALL_GRID: Final = ((10, 0), (10, 10), (10, 100))
STATEMENTS: Final = (
    "asyncio.create_task(work())",
    "t{i} = asyncio.create_task(work())",
    "loop.create_task(work())",
    "t{i} = loop.create_task(work())",
    "asyncio.ensure_future(work())",
    "t{i} = asyncio.ensure_future(work())",
)


def module(functions: int, calls_per_function: int) -> tuple[str, int]:
    """The source and the number of dropped calls in it."""
    lines = ["import asyncio", "", "async def work() -> None:", "    await asyncio.sleep(0)"]
    for number in range(functions):
        lines += ["", f"async def f{number}() -> None:", "    loop = asyncio.get_running_loop()"]
        for i in range(calls_per_function):
            lines += [f"    {STATEMENTS[i % len(STATEMENTS)].format(i=i)}", "    await work()"]
        lines += [f"    await t{i}" for i in range(1, calls_per_function, 2)]
        lines.append("    await work()")
    return "\n".join(lines) + "\n", functions * ((calls_per_function + 1) // 2)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="The plugin's cost per spawner call.")
    parser.add_argument("--rounds", type=int, default=5, help="timed rounds (default 5)")
    parser.add_argument("--small", action="store_true", help="three small modules only")
    args = parser.parse_args(argv)
    wrong: list[str] = []
    fixed = 0.0
    print(f"{'N':>5} {'K':>6} {'calls':>7} {'dropped':>7} {'findings':>8} {'plain s':>8} "
          f"{'plugin s':>8} {'extra s':>8} {'µs/call net':>11}   (CPU seconds, min over rounds)")
    with tempfile.TemporaryDirectory(prefix="dangling-scaling-") as tmp:
        work = Path(tmp)
        configs = write_configs(work, null_baseline=False)
        for functions, per_function in SMALL_GRID if args.small else GRID:
            source, dropped = module(functions, per_function)
            name = f"scale_{functions}_{per_function}.py"
            (work / name).write_text(source, encoding="utf-8")
            commands = {side: mypy(configs[side], work, [name], *COLD_FLAGS) for side in SIDES}
            runs = measure(commands, args.rounds, f"N={functions} K={per_function}")
            best = {side: min(run.cpu for run in runs[side]) for side in SIDES}
            findings = max(run.findings for run in runs["plugin"])
            calls = functions * per_function
            extra = best["plugin"] - best["plain"]
            fixed = fixed if calls else extra
            net = f"{(extra - fixed) / calls * 1e6:11.1f}" if calls else f"{'-':>11}"
            print(f"{functions:5} {per_function:6} {calls:7} {dropped:7} {findings:8} "
                  f"{best['plain']:8.3f} {best['plugin']:8.3f} {extra:+8.3f} {net}", flush=True)
            if findings != dropped:
                wrong.append(f"N={functions} K={per_function}: {findings} findings, "
                             f"{dropped} dropped calls")
    print("\n".join(wrong), file=sys.stderr)
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
