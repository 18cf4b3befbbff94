"""What mypy-dangling-tasks costs on top of plain mypy, on pinned real packages.

Every package (tests/packages.py) is checked with `--check-untyped-defs
--ignore-missing-imports` by plain mypy and by mypy with the plugin, in three
command sets:

* cold:  ``--no-incremental``, no cache;
* warm:  a cache per side, nothing changed since it was filled;
* dmypy: a daemon per side on its own copy of the package; the timed command
         is ``dmypy check`` after a one-line edit of a large module.

`measure` runs the plain and plugin commands of a set in a new random order
every round and throws the first round away (it fills the caches, the page
cache and the .pyc files), as mypy's misc/perf_compare.py does: neither side
profits from going second.  Wall time is time.perf_counter around the
subprocess, CPU time and peak RSS os.wait4's (the daemon's, from /proc, for dmypy).

    python benchmarks/overhead.py [--packages NAME ...] [--rounds N] [--json FILE]
    python benchmarks/overhead.py --null-baseline   # plain side loads null_plugin.py
    python benchmarks/overhead.py --smoke           # one small package, one round

The scaling grid is benchmarks/scaling.py, the profile benchmarks/profile_plugin.py.
Exit status 2 when a run failed (mypy crashed, exit status above 1, timeout).
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import platform
import random
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Final

# packages.py and processes.py, shared with the tests, live in tests/.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from packages import DEFAULT_CACHE, SMOKE, FetchError, fetch, package_dir, select  # noqa: E402
from processes import daemon_pid, stop_daemon  # noqa: E402

DEFAULT_PACKAGES: Final = ("discord.py", "distributed", "aiohttp", "textual", "aiortc", "prefect")
DEFAULT_ROUNDS: Final = 5
SETS: Final = ("cold", "warm", "dmypy")
SIDES: Final = ("plain", "plugin")
NULL_PLUGIN: Final = Path(__file__).resolve().parent / "null_plugin.py"
CONFIG: Final = "[mypy]\ncheck_untyped_defs = True\nignore_missing_imports = True\n"
COLD_FLAGS: Final = ("--no-incremental", f"--cache-dir={os.devnull}")
TIMEOUT: Final = 900.0
# os.environ without what changes mypy's or the plugin's behaviour.
ENV: Final = {k: v for k, v in os.environ.items() if not k.startswith(("MYPY", "FORCE_COLOR"))}
ERROR: Final = re.compile(r"^[^\s:][^:]*:\d+:(?:\d+:)? error: .*?(?:  \[(?P<code>[a-z0-9-]+)\])?$")
SPAWNERS: Final = ("create_task", "ensure_future")


class BenchmarkError(Exception):
    """A run failed; the message says which and why."""


@dataclass(frozen=True)
class Run:
    seconds: float  # wall time
    cpu: float  # user + system seconds of mypy (of the daemon for dmypy)
    rss_kib: int
    findings: int  # dangling-task errors
    errors: int  # all errors, the plugin's included


Command = Callable[[], Run]


def measure(commands: dict[str, Command], rounds: int, label: str = "") -> dict[str, list[Run]]:
    """`rounds` runs of each command after a warm-up round, in a new random order every round."""
    runs: dict[str, list[Run]] = {name: [] for name in commands}
    for round_no in range(rounds + 1):
        order = list(commands.items())
        random.shuffle(order)
        for name, command in order:
            run = command()
            kept = "warm-up, dropped" if round_no == 0 else f"{round_no}/{rounds}"
            print(f"[overhead] {label} {name:6} {run.seconds:7.3f} s {run.rss_kib // 1024:5} MiB "
                  f"findings {run.findings:3} errors {run.errors:5} ({kept})", file=sys.stderr)
            if round_no:
                runs[name].append(run)
    return runs


def execute(
    argv: Sequence[str], cwd: Path, allowed: Sequence[int] = (0, 1), timeout: float = TIMEOUT
) -> tuple[float, float, int, str]:
    """Wall seconds, CPU seconds, peak RSS (KiB) and output of one subprocess,
    killed after `timeout` seconds.

    Output goes to a file, not a pipe: a daemon that inherits it cannot block us.
    """
    with tempfile.TemporaryFile() as out:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=cwd, env=ENV, stdin=subprocess.DEVNULL,
                                stdout=out, stderr=subprocess.STDOUT)
        timer = threading.Timer(timeout, proc.kill)
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        seconds = time.perf_counter() - start
        proc.returncode = code = os.waitstatus_to_exitcode(status)
        out.seek(0)
        output = out.read().decode("utf-8", "replace")
    if code not in allowed or "Traceback (most recent call last)" in output:
        tail = "\n".join(output.splitlines()[-30:])
        raise BenchmarkError(f"exit status {code}: {shlex.join(argv)} (in {cwd})\n{tail}")
    return seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, output


def counts(output: str) -> tuple[int, int]:
    """(dangling-task errors, all errors) in mypy's output."""
    matches = [m for m in map(ERROR.match, output.splitlines()) if m is not None]
    return sum(m["code"] == "dangling-task" for m in matches), len(matches)


def mypy(config: Path, cwd: Path, targets: Sequence[str], *flags: str) -> Command:
    argv = [sys.executable, "-m", "mypy", "--config-file", str(config), *flags, *targets]

    def command() -> Run:
        seconds, cpu, rss, output = execute(argv, cwd)
        return Run(seconds, cpu, rss, *counts(output))

    return command


class Daemon:
    """A dmypy daemon of one side, on its own copy of the package."""

    def __init__(self, root: Path, config: Path, source: Path, targets: Sequence[str]) -> None:
        self.project = root / "project"
        for target in targets:
            shutil.copytree(source / target, self.project / target)
        self.targets = targets
        self.status_file = root / "status.json"
        self.client = [sys.executable, "-m", "mypy.dmypy", "--status-file", str(self.status_file)]
        execute([*self.client, "start", "--log-file", str(root / "daemon.log"), "--timeout",
                 str(int(TIMEOUT)), "--", "--config-file", str(config),
                 f"--cache-dir={root / 'cache'}"], self.project, allowed=(0,))

    def check(self) -> tuple[float, str]:
        seconds, _, _, output = execute([*self.client, "check", *self.targets], self.project)
        if "Daemon crashed" in output:
            raise BenchmarkError(f"dmypy crashed in {self.project}:\n{output[-3000:]}")
        return seconds, output

    def proc(self, name: str) -> str:
        path = Path(f"/proc/{daemon_pid(self.status_file)}/{name}")
        return path.read_text() if path.exists() else ""

    def cpu(self) -> float:
        fields = self.proc("stat").rpartition(")")[2].split()  # utime, stime: fields 14, 15
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK") if fields else 0.0

    def peak_rss_kib(self) -> int:
        match = re.search(r"^VmHWM:\s+(\d+) kB", self.proc("status"), re.M)
        return int(match[1]) if match else 0

    def recheck_after_edit(self, module: str) -> Command:
        """Append a line to `module` (a private copy), then `dmypy check`.

        Every call adds one more line, so every check sees a one-line edit
        and nothing has to be reverted.
        """
        path = self.project / module
        edits = [path.read_bytes()]

        def command() -> Run:
            edits.append(f"\n_benchmark_edit_{len(edits)} = {len(edits)}\n".encode())
            path.write_bytes(b"".join(edits))  # a new size, which dmypy notices
            cpu = self.cpu()
            seconds, output = self.check()
            return Run(seconds, self.cpu() - cpu, self.peak_rss_kib(), *counts(output))

        return command

    def stop(self) -> None:
        stop_daemon(self.status_file, lambda verb: subprocess.run(
            [*self.client, verb], cwd=self.project, env=ENV, capture_output=True,
            timeout=30, check=False))


def python_modules(cwd: Path, targets: Sequence[str]) -> list[Path]:
    return [path for target in targets for path in sorted((cwd / target).rglob("*.py"))]


def module_to_edit(cwd: Path, targets: Sequence[str]) -> str:
    """The largest module that mentions a spawner (the largest module if none does)."""
    modules = python_modules(cwd, targets)
    spawning = [path for path in modules if any(w in path.read_text("utf-8") for w in SPAWNERS)]
    return str(max(spawning or modules, key=lambda path: path.stat().st_size).relative_to(cwd))


def run_set(name: str, work: Path, configs: dict[str, Path], cwd: Path, targets: Sequence[str],
            rounds: int, label: str) -> dict[str, list[Run]]:
    if name == "cold":
        commands = {side: mypy(configs[side], cwd, targets, *COLD_FLAGS) for side in SIDES}
        return measure(commands, rounds, f"cold  {label}")
    if name == "warm":  # the warm-up round fills each side's cache
        commands = {side: mypy(configs[side], cwd, targets, f"--cache-dir={work / label / side}")
                    for side in SIDES}
        return measure(commands, rounds, f"warm  {label}")
    daemons: dict[str, Daemon] = {}
    try:
        for side in SIDES:
            daemons[side] = Daemon(work / "dmypy" / label / side, configs[side], cwd, targets)
            daemons[side].check()
        module = module_to_edit(cwd, targets)
        commands = {side: daemon.recheck_after_edit(module) for side, daemon in daemons.items()}
        return measure(commands, rounds, f"dmypy {label}")
    finally:
        for daemon in daemons.values():
            daemon.stop()


def ratio(plugin: float, plain: float) -> float:
    return plugin / plain if plain > 0 else float("nan")


def summarize(results: dict[str, dict[str, list[Run]]]) -> dict[str, dict[str, float]]:
    """min / median seconds per side and their ratios, per package and summed over packages."""
    rows: dict[str, dict[str, float]] = {}
    for package, runs in results.items():
        row = {f"{side}{kind}_{stat}": fn([getattr(r, attr) for r in runs[side]])
               for side in SIDES for kind, attr in (("", "seconds"), ("_cpu", "cpu"))
               for stat, fn in (("min", min), ("median", statistics.median))}
        rss = {side: max(r.rss_kib for r in runs[side]) for side in SIDES}
        row["rss_ratio"] = ratio(rss["plugin"], rss["plain"])
        rows[package] = row
    if len(rows) > 1:
        total = {key: sum(row[key] for row in rows.values()) for key in next(iter(rows.values()))}
        total["rss_ratio"] = max(row["rss_ratio"] for row in rows.values())
        rows["total"] = total
    for row in rows.values():
        for key in ("min", "median", "cpu_min", "cpu_median"):
            row[f"ratio_{key}"] = ratio(row[f"plugin_{key}"], row[f"plain_{key}"])
    return rows


def table(name: str, summary: dict[str, dict[str, float]], findings: dict[str, int]) -> str:
    head = ("package", "plain min", "median", "plugin min", "median", "ratio min", "median",
            "cpu ratio", "median", "peak RSS", "findings")
    lines = [f"{name}: wall seconds; ratios plugin/plain of wall time, CPU time, peak RSS "
             "(total: sums; its RSS ratio the largest)",
             " ".join(f"{h:>10}" if i else f"{h:14}" for i, h in enumerate(head))]
    ratios = ("ratio_min", "ratio_median", "ratio_cpu_min", "ratio_cpu_median", "rss_ratio")
    for package, row in summary.items():
        cells = [f"{row[f'{side}_{stat}']:10.3f}" for side in SIDES for stat in ("min", "median")]
        cells += [f"{row[key]:9.3f}x" for key in ratios]
        cells.append(f"{findings.get(package, sum(findings.values())):10}")
        lines.append(" ".join([f"{package:14}", *cells]))
    return "\n".join(lines)


def load() -> list[float]:
    return [round(value, 2) for value in os.getloadavg()]


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="mypy-dangling-tasks against plain mypy.")
    parser.add_argument("--packages", nargs="+", metavar="NAME",
                        help=f"from tests/packages.py, or 'all' (default: {' '.join(DEFAULT_PACKAGES)})")
    parser.add_argument("--rounds", type=int, help=f"timed rounds (default {DEFAULT_ROUNDS})")
    parser.add_argument("--sets", nargs="+", choices=SETS, default=list(SETS))
    parser.add_argument("--smoke", action="store_true", help=f"{', '.join(SMOKE)}, one round")
    parser.add_argument("--null-baseline", action="store_true",
                        help="the plain side loads null_plugin.py, a plugin that does nothing")
    parser.add_argument("--json", type=Path, metavar="FILE", help="write every run's numbers here")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="packages cache")
    args = parser.parse_args(argv)
    if args.rounds is not None and args.rounds < 1:
        parser.error("--rounds must be at least 1")
    return args


def write_configs(
    work: Path, null_baseline: bool, default_options: bool = False
) -> dict[str, Path]:
    """The config file of each side; `default_options`: mypy's, without
    check_untyped_defs (the plugin then scans unannotated functions itself)."""
    configs = {side: work / f"{side}.ini" for side in SIDES}
    config = CONFIG.replace("check_untyped_defs = True\n", "") if default_options else CONFIG
    baseline = f"plugins = {NULL_PLUGIN}\n" if null_baseline else ""
    configs["plain"].write_text(config + baseline, encoding="utf-8")
    configs["plugin"].write_text(config + "plugins = mypy_dangling_tasks\n", encoding="utf-8")
    return configs


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    names = args.packages or list(SMOKE if args.smoke else DEFAULT_PACKAGES)
    names = None if names == ["all"] else names
    rounds = args.rounds or (1 if args.smoke else DEFAULT_ROUNDS)
    started, load_at_start = time.perf_counter(), load()
    results: dict[str, dict[str, dict[str, list[Run]]]] = {name: {} for name in args.sets}
    lines: dict[str, int] = {}
    with tempfile.TemporaryDirectory(prefix="dangling-overhead-") as tmp:
        configs = write_configs(Path(tmp), args.null_baseline)
        try:
            fetched = fetch(names, args.cache)
            for package in select(names):
                cwd = package_dir(package, args.cache)
                targets = [folder.name for folder in fetched[package.key]]
                modules = python_modules(cwd, targets)
                lines[package.name] = sum(len(path.read_bytes().splitlines()) for path in modules)
                for name in args.sets:
                    results[name][package.name] = run_set(
                        name, Path(tmp), configs, cwd, targets, rounds, package.name
                    )
        except (BenchmarkError, FetchError, KeyError) as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
    summaries = {name: summarize(runs) for name, runs in results.items()}
    for name, by_package in results.items():
        findings = {package: max(r.findings for r in runs["plugin"])
                    for package, runs in by_package.items()}
        print(table(name, summaries[name], findings) + "\n")
    machine = {"python": platform.python_version(), "mypy": importlib.metadata.version("mypy"),
               "cpus": os.cpu_count(), "load_at_start": load_at_start, "load_at_end": load(),
               "seconds": round(time.perf_counter() - started, 1)}
    print(f"{rounds} round(s) after a warm-up round; {sum(lines.values()):,} lines; "
          f"load {load_at_start} -> {machine['load_at_end']}; {machine['seconds']} s")
    if args.json is not None:
        runs = {name: {package: {side: [asdict(run) for run in by_side[side]] for side in SIDES}
                       for package, by_side in by_package.items()}
                for name, by_package in results.items()}
        data = {"machine": machine, "rounds": rounds, "null_baseline": args.null_baseline,
                "lines": lines, "summary": summaries, "runs": runs}
        args.json.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
