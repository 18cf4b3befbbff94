"""How much does mypy-dangling-tasks cost on top of plain mypy?

Every measurement compares two sides in the same run, alternating
plain, plugin, plain, plugin, ... so that drift of the machine (thermal,
other load) hits both sides alike:

* plain:  mypy with a generated config ``[mypy]`` + ``check_untyped_defs`` +
          ``ignore_missing_imports``
* plugin: the same config plus ``plugins = mypy_dangling_tasks``

Each mypy run is a subprocess (``sys.executable -m mypy``) whose working
directory is the unpacked package (see packages.py); its wall time is taken
with time.perf_counter and its peak RSS with os.wait4 on its pid.

Modes (``--modes``, all by default):

* cold     ``--no-incremental --cache-dir=/dev/null``
* warm     a cache per side filled once, then timed runs with nothing changed
* dmypy    a daemon per side on a private copy of the package: one check to
           fill it, then per round a one-line edit appended to a large module
           (the largest one mentioning create_task/ensure_future), a timed
           ``dmypy check``, the edit reverted and an untimed check
* scaling  synthetic modules of N functions with K spawner calls each (half
           of them dropped) and K awaited calls; plugin extra seconds per
           spawner call show whether the cost per call stays flat

Progress goes to stderr; the Markdown report to stdout (and ``--out``), the
raw numbers to ``--json``.  ``--profile PACKAGE`` instead runs mypy once
in-process under cProfile with the plugin and lists where the plugin's own
functions spend their time.

Usage:
    python benchmarks/overhead.py [--packages NAME ...] [--rounds N] [--modes ...]
                                  [--out FILE] [--json FILE]
    python benchmarks/overhead.py --smoke
    python benchmarks/overhead.py --profile discord.py [--top N]

Exit status: 0 when every check passed, 1 when a sanity check failed (the
report lists it under "Problems"), 2 when a run could not be done at all.
"""

from __future__ import annotations

import argparse
import cProfile
import dataclasses
import importlib.metadata
import importlib.util
import json
import os
import platform
import re
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import types
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Final, Literal

from processes import wait_gone
from packages import DEFAULT_CACHE, PACKAGES, SMOKE, FetchError, Package, fetch, package_dir, select

ROOT: Final = Path(__file__).resolve().parent.parent
PLUGIN_MODULE: Final = "mypy_dangling_tasks"
DEFAULT_PACKAGES: Final = ("discord.py", "distributed", "aiohttp", "textual", "aiortc", "prefect")
DEFAULT_ROUNDS: Final = 5
MODES: Final = ("cold", "warm", "dmypy", "scaling")
# (functions, spawner calls per function): 100 to 1,000 calls, then 10,000 calls in
# four shapes (many short functions .. two functions 12,500 lines long), then
# 40,000 calls as 4,000 short functions or two functions 50,000 lines long.
SCALING_GRID: Final = (
    (10, 10),
    (100, 10),
    (10, 100),
    (1000, 10),
    (100, 100),
    (10, 1000),
    (2, 5000),
    (4000, 10),
    (2, 20000),
)
SMOKE_GRID: Final = ((10, 10), (10, 100))
# The row without spawner calls: what the plugin costs before any call is seen.
BASELINE_FUNCTIONS: Final = 10
RUN_TIMEOUT: Final = 900.0
DAEMON_IDLE_TIMEOUT: Final = 900
MYPY_OPTIONS: Final = ("check_untyped_defs = True", "ignore_missing_imports = True")
COLD_FLAGS: Final = ("--no-incremental", f"--cache-dir={os.devnull}")
# mypy's text output: "path:line[:col]: error: message  [code]"
ERROR_LINE: Final = re.compile(
    r"^[^\s:][^:]*:\d+:(?:\d+:)? error: .*?(?:  \[(?P<code>[a-z0-9-]+)\])?$"
)
FINDING_CODE: Final = "dangling-task"
SPAWNER_WORDS: Final = ("create_task", "ensure_future")
DAEMON_TRACEBACK: Final = re.compile(r"^Traceback \(most recent call last\):$", re.MULTILINE)

NULL_PLUGIN: Final = Path(__file__).resolve().parent / "null_plugin.py"

Side = Literal["plain", "plugin"]
SIDES: Final[tuple[Side, Side]] = ("plain", "plugin")


class BenchmarkError(Exception):
    """A run could not be done; the message says why."""


def progress(message: str) -> None:
    print(f"[overhead] {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------
# Running one measured subprocess
# ---------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Run:
    """One measured subprocess: wall seconds, peak RSS, exit status, what mypy said."""

    seconds: float
    max_rss_kib: int
    status: int
    findings: int  # error lines with the plugin's code
    errors: int  # all error lines

    @property
    def other_errors(self) -> int:
        return self.errors - self.findings


def child_env() -> dict[str, str]:
    """os.environ without what would change mypy's behaviour (MYPY_*, MYPYPATH, colours)."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("MYPY") and name not in ("FORCE_COLOR", "NO_COLOR", "TERM")
    }
    env["PYTHONUNBUFFERED"] = "1"
    return env


def count_errors(output: str) -> tuple[int, int]:
    """(dangling-task error lines, all error lines) in mypy's output."""
    findings = errors = 0
    for line in output.splitlines():
        match = ERROR_LINE.match(line.strip())
        if match is None:
            continue
        errors += 1
        if match["code"] == FINDING_CODE:
            findings += 1
    return findings, errors


def run_measured(
    command: Sequence[str],
    cwd: Path,
    *,
    timeout: float = RUN_TIMEOUT,
    allowed: Sequence[int] = (0, 1),
) -> tuple[Run, str]:
    """Run `command`; its wall time, its own peak RSS (wait4) and its output.

    Output goes to temporary files, not pipes: nothing has to be read while
    the child runs, and a daemon that inherits them cannot block us.
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(
            list(command),
            cwd=cwd,
            env=child_env(),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
        )
        timed_out = threading.Event()

        def kill() -> None:
            timed_out.set()
            proc.kill()

        timer = threading.Timer(timeout, kill)
        timer.start()
        try:
            _pid, wait_status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        seconds = time.perf_counter() - start
        status = os.waitstatus_to_exitcode(wait_status)
        proc.returncode = status  # reaped here; keeps Popen from waiting again
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8", "replace")
        stderr = err.read().decode("utf-8", "replace")
    text = stdout + stderr
    if timed_out.is_set():
        raise BenchmarkError(f"timed out after {timeout:.0f} s: {shlex.join(command)} (in {cwd})")
    if status not in allowed:
        raise BenchmarkError(
            f"exit status {status}: {shlex.join(command)} (in {cwd})\n{_tail(text)}"
        )
    findings, errors = count_errors(stdout)
    # ru_maxrss is in KiB on Linux.
    return Run(seconds, int(usage.ru_maxrss), status, findings, errors), text


def _tail(text: str, lines: int = 40) -> str:
    return "\n".join(text.splitlines()[-lines:])


# ---------------------------------------------------------------------------
# Configuration and bookkeeping
# ---------------------------------------------------------------------------


@dataclasses.dataclass
class Workspace:
    """Temporary files of one benchmark run: configs, caches, copies, daemons."""

    root: Path
    # The baseline side loads a do-nothing plugin instead of none at all.
    null_baseline: bool = False

    def config(self, side: Side) -> Path:
        path = self.root / f"{side}.ini"
        if not path.exists():
            lines = ["[mypy]", *MYPY_OPTIONS]
            if side == "plugin":
                lines.append(f"plugins = {PLUGIN_MODULE}")
            elif self.null_baseline:
                lines.append(f"plugins = {NULL_PLUGIN}")
            path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path

    def fresh_dir(self, *parts: str) -> Path:
        path = self.root.joinpath(*parts)
        shutil.rmtree(path, ignore_errors=True)
        path.mkdir(parents=True)
        return path


def mypy_command(workspace: Workspace, side: Side, *args: str) -> list[str]:
    return [sys.executable, "-m", "mypy", "--config-file", str(workspace.config(side)), *args]


@dataclasses.dataclass
class Series:
    """The runs of one side of one measurement."""

    runs: list[Run] = dataclasses.field(default_factory=list)

    @property
    def min(self) -> float:
        return min(run.seconds for run in self.runs)

    @property
    def median(self) -> float:
        return statistics.median(run.seconds for run in self.runs)

    @property
    def max_rss_kib(self) -> int:
        return max(run.max_rss_kib for run in self.runs)

    @property
    def findings(self) -> int:
        return max(run.findings for run in self.runs)

    @property
    def other_errors(self) -> int:
        return max(run.other_errors for run in self.runs)

    def as_json(self) -> dict[str, object]:
        return {
            "seconds": [round(run.seconds, 4) for run in self.runs],
            "min": round(self.min, 4),
            "median": round(self.median, 4),
            "max_rss_kib": self.max_rss_kib,
            "findings": [run.findings for run in self.runs],
            "errors": [run.errors for run in self.runs],
        }


def new_pair() -> dict[Side, Series]:
    return {"plain": Series(), "plugin": Series()}


@dataclasses.dataclass
class DaemonResult:
    edited: str
    initial: dict[Side, Run] = dataclasses.field(default_factory=dict)
    recheck: dict[Side, Series] = dataclasses.field(default_factory=new_pair)
    revert: dict[Side, Series] = dataclasses.field(default_factory=new_pair)
    peak_rss_kib: dict[Side, int | None] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass
class PackageResult:
    package: Package
    files: int
    lines: int
    cold: dict[Side, Series] | None = None
    warm: dict[Side, Series] | None = None
    warm_fill: dict[Side, Run] = dataclasses.field(default_factory=dict)
    dmypy: DaemonResult | None = None


@dataclasses.dataclass
class ScalingResult:
    functions: int
    calls_per_function: int
    lines: int
    calls: int
    dropped: int
    runs: dict[Side, Series] = dataclasses.field(default_factory=new_pair)

    @property
    def extra(self) -> float:
        return self.runs["plugin"].min - self.runs["plain"].min


def source_stats(folders: Sequence[Path]) -> tuple[int, int]:
    """(number of .py/.pyi files, their total lines) under `folders`."""
    files = lines = 0
    for path in python_files(folders):
        files += 1
        with path.open("rb") as handle:
            lines += sum(1 for _ in handle)
    return files, lines


def python_files(folders: Sequence[Path]) -> Iterator[Path]:
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            if path.suffix in (".py", ".pyi") and path.is_file():
                yield path


def ratio(plugin: float, plain: float) -> float:
    return plugin / plain if plain > 0 else float("nan")


# ---------------------------------------------------------------------------
# cold and warm
# ---------------------------------------------------------------------------


def targets(folders: Sequence[Path], cwd: Path) -> list[str]:
    return [str(folder.relative_to(cwd)) for folder in folders]


def bench_cold(
    workspace: Workspace, name: str, cwd: Path, folders: Sequence[Path], rounds: int
) -> dict[Side, Series]:
    # Untimed: warms the page cache and writes the plugin's .pyc files.
    run_measured(mypy_command(workspace, "plugin", *COLD_FLAGS, *targets(folders, cwd)), cwd)
    pair = new_pair()
    for round_no in range(1, rounds + 1):
        for side in SIDES:
            run, _ = run_measured(
                mypy_command(workspace, side, *COLD_FLAGS, *targets(folders, cwd)), cwd
            )
            pair[side].runs.append(run)
            progress(f"{name}: cold round {round_no}/{rounds} {describe_run(side, run)}")
    return pair


def bench_warm(
    workspace: Workspace, result: PackageResult, cwd: Path, folders: Sequence[Path], rounds: int
) -> dict[Side, Series]:
    name = result.package.name
    caches = {side: workspace.fresh_dir("warm", result.package.dirname, side) for side in SIDES}
    for side in SIDES:
        command = mypy_command(
            workspace, side, f"--cache-dir={caches[side]}", *targets(folders, cwd)
        )
        run, _ = run_measured(command, cwd)
        result.warm_fill[side] = run
        progress(f"{name}: warm fill {describe_run(side, run)}")
    pair = new_pair()
    for round_no in range(1, rounds + 1):
        for side in SIDES:
            command = mypy_command(
                workspace, side, f"--cache-dir={caches[side]}", *targets(folders, cwd)
            )
            run, _ = run_measured(command, cwd)
            pair[side].runs.append(run)
            progress(f"{name}: warm round {round_no}/{rounds} {describe_run(side, run)}")
    for side in SIDES:
        shutil.rmtree(caches[side], ignore_errors=True)
    return pair


def describe_run(side: Side, run: Run) -> str:
    return (
        f"{side:6} {run.seconds:7.3f} s {run.max_rss_kib / 1024:7.1f} MiB "
        f"exit {run.status} {FINDING_CODE}={run.findings} errors={run.errors}"
    )


# ---------------------------------------------------------------------------
# dmypy
# ---------------------------------------------------------------------------


def module_to_edit(folders: Sequence[Path]) -> Path:
    """The largest .py file mentioning a spawner, else the largest .py file."""
    candidates = [path for path in python_files(folders) if path.suffix == ".py"]
    if not candidates:
        raise BenchmarkError(f"no .py file under {', '.join(map(str, folders))}")
    spawning = [
        path
        for path in candidates
        if any(word in path.read_text("utf-8", "replace") for word in SPAWNER_WORDS)
    ]
    return max(spawning or candidates, key=lambda path: (path.stat().st_size, str(path)))


class Daemon:
    """One dmypy daemon for one side, addressed through its own status file."""

    def __init__(self, workspace: Workspace, side: Side, project: Path, key: str) -> None:
        self.side: Side = side
        self.project = project
        base = workspace.fresh_dir("dmypy-state", key, side)
        self.status_file = base / "status.json"
        self.log_file = base / "daemon.log"
        self.cache_dir = base / "cache"
        self.config = workspace.config(side)

    def client(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "mypy.dmypy", "--status-file", str(self.status_file), *args]

    def start(self) -> None:
        command = self.client(
            "start",
            "--log-file",
            str(self.log_file),
            "--timeout",
            str(DAEMON_IDLE_TIMEOUT),
            "--",
            "--config-file",
            str(self.config),
            f"--cache-dir={self.cache_dir}",
        )
        try:
            run_measured(command, self.project, timeout=120, allowed=(0,))
        except BenchmarkError as error:
            raise BenchmarkError(f"{error}\n{self._log_tail()}") from None

    def check(self, files: Sequence[str]) -> Run:
        try:
            run, text = run_measured(self.client("check", *files), self.project)
        except BenchmarkError as error:
            raise BenchmarkError(f"{error}\n{self._log_tail()}") from None
        if "Daemon crashed" in text or DAEMON_TRACEBACK.search(text):
            raise BenchmarkError(f"dmypy ({self.side}) crashed:\n{_tail(text)}\n{self._log_tail()}")
        return run

    def pid(self) -> int | None:
        try:
            data: object = json.loads(self.status_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        pid = data.get("pid") if isinstance(data, dict) else None
        return pid if isinstance(pid, int) else None

    def peak_rss_kib(self) -> int | None:
        """VmHWM of the daemon process (it is not our child, so wait4 cannot tell)."""
        pid = self.pid()
        if pid is None:
            return None
        try:
            status = Path(f"/proc/{pid}/status").read_text(encoding="utf-8")
        except OSError:
            return None
        match = re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE)
        return int(match[1]) if match else None

    def stop(self) -> None:
        """Stop the daemon; kill it (only it, by its pid) if it does not go."""
        pid = self.pid()
        if pid is None:
            return
        for verb in ("stop", "kill"):
            try:
                subprocess.run(
                    self.client(verb),
                    cwd=self.project,
                    env=child_env(),
                    stdin=subprocess.DEVNULL,
                    capture_output=True,
                    timeout=30,
                    check=False,
                )
            except subprocess.TimeoutExpired:
                pass
            if wait_gone(pid, seconds=10):
                return
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            return
        wait_gone(pid, seconds=5)

    def _log_tail(self) -> str:
        try:
            return "daemon log:\n" + _tail(self.log_file.read_text("utf-8", "replace"))
        except OSError:
            return "(no daemon log)"


def write_bumped(path: Path, data: bytes) -> None:
    """Write `data` and move the mtime forward, so no edit can go unnoticed."""
    previous = path.stat().st_mtime_ns
    path.write_bytes(data)
    stamp = max(path.stat().st_mtime_ns, previous + 1_000_000_000)
    os.utime(path, ns=(stamp, stamp))


def bench_dmypy(
    workspace: Workspace, package: Package, cwd: Path, folders: Sequence[Path], rounds: int
) -> DaemonResult:
    """Daemons per side on private copies; per round edit, timed check, revert, check."""
    name = package.name
    daemons: dict[Side, Daemon] = {}
    edited: dict[Side, Path] = {}
    relative_edit = module_to_edit(folders).relative_to(cwd)
    result = DaemonResult(edited=str(relative_edit))
    files = targets(folders, cwd)
    try:
        for side in SIDES:
            project = workspace.fresh_dir("dmypy-projects", package.dirname, side)
            for folder in folders:
                shutil.copytree(folder, project / folder.relative_to(cwd))
            edited[side] = project / relative_edit
            daemon = daemons[side] = Daemon(workspace, side, project, package.dirname)
            daemon.start()
            result.initial[side] = run = daemon.check(files)
            progress(f"{name}: dmypy initial check {describe_run(side, run)}")
        originals = {side: edited[side].read_bytes() for side in SIDES}
        for round_no in range(1, rounds + 1):
            for side in SIDES:
                original = originals[side]
                separator = b"" if original.endswith(b"\n") or not original else b"\n"
                line = f"_bench_edit_{round_no} = {round_no}\n".encode()
                write_bumped(edited[side], original + separator + line)
                try:
                    run = daemons[side].check(files)
                finally:
                    write_bumped(edited[side], original)
                result.recheck[side].runs.append(run)
                revert = daemons[side].check(files)
                result.revert[side].runs.append(revert)
                progress(
                    f"{name}: dmypy round {round_no}/{rounds} recheck {describe_run(side, run)}"
                    f" (revert {revert.seconds:.3f} s)"
                )
        for side in SIDES:
            result.peak_rss_kib[side] = daemons[side].peak_rss_kib()
    finally:
        for daemon in daemons.values():
            daemon.stop()
    return result


# ---------------------------------------------------------------------------
# scaling
# ---------------------------------------------------------------------------

# Spawner statements in turn; the even ones drop the task, the odd ones keep
# it in a local that is awaited at the end of the function.
SPAWNER_STATEMENTS: Final = (
    "asyncio.create_task(work())",
    "t{i} = asyncio.create_task(work())",
    "loop.create_task(work())",
    "t{i} = loop.create_task(work())",
    "asyncio.ensure_future(work())",
    "t{i} = asyncio.ensure_future(work())",
)


def scaling_module(functions: int, calls_per_function: int) -> tuple[str, int, int]:
    """A module of `functions` coroutines with K spawner and K awaited calls each.

    Returns (source, spawner calls, dropped calls).
    """
    lines = ["import asyncio", "", "", "async def work() -> None:", "    await asyncio.sleep(0)"]
    calls = dropped = 0
    for number in range(functions):
        lines += [
            "",
            "",
            f"async def f{number}() -> None:",
            "    loop = asyncio.get_running_loop()",
        ]
        kept: list[str] = []
        for i in range(calls_per_function):
            statement = SPAWNER_STATEMENTS[i % len(SPAWNER_STATEMENTS)].format(i=i)
            lines.append(f"    {statement}")
            lines.append("    await work()")
            calls += 1
            if i % 2 == 0:
                dropped += 1
            else:
                kept.append(f"t{i}")
        lines += [f"    await {name}" for name in kept]
        if not calls_per_function:
            lines.append("    await work()")
    return "\n".join(lines) + "\n", calls, dropped


def bench_scaling(
    workspace: Workspace, grid: Sequence[tuple[int, int]], rounds: int
) -> list[ScalingResult]:
    folder = workspace.fresh_dir("scaling")
    results: list[ScalingResult] = []
    cells = [(BASELINE_FUNCTIONS, 0), *grid]
    for index, (functions, per_function) in enumerate(cells):
        source, calls, dropped = scaling_module(functions, per_function)
        module = folder / f"scale_n{functions}_k{per_function}.py"
        module.write_text(source, encoding="utf-8")
        result = ScalingResult(functions, per_function, source.count("\n"), calls, dropped)
        label = f"scaling N={functions} K={per_function} ({calls} calls, {result.lines} lines)"
        if index == 0:
            # Untimed warm-up, as for the packages.
            run_measured(mypy_command(workspace, "plugin", *COLD_FLAGS, module.name), folder)
        for round_no in range(1, rounds + 1):
            for side in SIDES:
                run, _ = run_measured(
                    mypy_command(workspace, side, *COLD_FLAGS, module.name), folder
                )
                result.runs[side].runs.append(run)
                progress(f"{label} round {round_no}/{rounds} {describe_run(side, run)}")
        results.append(result)
        module.unlink()
    return results


# ---------------------------------------------------------------------------
# The machine
# ---------------------------------------------------------------------------


def machine_info() -> dict[str, str]:
    info: dict[str, str] = {}
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        cpu = platform.processor() or "unknown"
    info["CPU"] = cpu
    logical = os.cpu_count() or 0
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else logical
    info["cores"] = f"{logical} logical ({usable} usable by this process)"
    try:
        meminfo = Path("/proc/meminfo").read_text(encoding="utf-8")
        match = re.search(r"^MemTotal:\s+(\d+) kB", meminfo, re.MULTILINE)
        info["RAM"] = f"{int(match[1]) / 1024 / 1024:.1f} GiB" if match else "unknown"
    except OSError:
        info["RAM"] = "unknown"
    info["OS"] = platform.platform()
    info["Python"] = f"{platform.python_version()} ({sys.executable})"
    version = subprocess.run(
        [sys.executable, "-m", "mypy", "--version"],
        capture_output=True,
        text=True,
        check=False,
        env=child_env(),
    )
    info["mypy"] = version.stdout.strip() or version.stderr.strip() or "not runnable"
    info["plugin"] = plugin_description()
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    if load is not None:
        info["load average at start"] = " ".join(f"{value:.2f}" for value in load)
    return info


def plugin_location() -> Path:
    spec = importlib.util.find_spec(PLUGIN_MODULE)
    if spec is None or spec.origin is None:
        raise BenchmarkError(
            f"{PLUGIN_MODULE} is not importable by {sys.executable}; install it (pip install -e .)"
        )
    return Path(spec.origin).resolve().parent


def plugin_description() -> str:
    try:
        version = importlib.metadata.version("mypy-dangling-tasks")
    except importlib.metadata.PackageNotFoundError:
        version = "unknown version"
    where = plugin_location()
    return f"{version} from {where}, commit {git_commit()}"


def git_commit() -> str:
    """HEAD of the repository, and whether plugin/ differs from it (read-only git)."""
    git = ["git", "--no-optional-locks", "-C", str(ROOT)]
    try:
        head = subprocess.run(
            [*git, "rev-parse", "HEAD"], capture_output=True, text=True, check=False, timeout=30
        )
        if head.returncode != 0:
            return "unknown (not a git checkout)"
        dirty = subprocess.run(
            [*git, "status", "--porcelain", "--untracked-files=all", "--", "plugin"],
            capture_output=True,
            text=True,
            check=False,
            timeout=30,
        )
    except (OSError, subprocess.TimeoutExpired):
        return "unknown (git not available)"
    commit = head.stdout.strip()
    if dirty.stdout.strip():
        return f"{commit} + uncommitted changes in plugin/"
    return commit


# ---------------------------------------------------------------------------
# The report
# ---------------------------------------------------------------------------


def seconds(value: float) -> str:
    return f"{value:.3f}"


def times(value: float) -> str:
    return f"{value:.3f}x"


def mib(kib: int | None) -> str:
    return f"{kib / 1024:.0f}" if kib is not None else "n/a"


def table(header: Sequence[str], rows: Sequence[Sequence[str]], align: str) -> list[str]:
    """A Markdown table; `align` has one letter per column, l or r."""
    out = ["| " + " | ".join(header) + " |"]
    out.append("|" + "|".join("---" if a == "l" else "---:" for a in align) + "|")
    out += ["| " + " | ".join(row) + " |" for row in rows]
    return out


def timing_rows(
    results: Sequence[tuple[str, dict[Side, Series]]], with_findings: bool
) -> list[list[str]]:
    rows: list[list[str]] = []
    for label, pair in results:
        plain, plugin = pair["plain"], pair["plugin"]
        row = [
            label,
            seconds(plain.min),
            seconds(plain.median),
            seconds(plugin.min),
            seconds(plugin.median),
            times(ratio(plugin.min, plain.min)),
            times(ratio(plugin.median, plain.median)),
        ]
        if with_findings:
            row += [
                f"{plain.findings} / {plugin.findings}",
                f"{plain.other_errors} / {plugin.other_errors}",
            ]
        rows.append(row)
    if len(results) > 1:
        sums = {
            side: (
                sum(pair[side].min for _, pair in results),
                sum(pair[side].median for _, pair in results),
            )
            for side in SIDES
        }
        row = [
            f"**total ({len(results)} packages)**",
            seconds(sums["plain"][0]),
            seconds(sums["plain"][1]),
            seconds(sums["plugin"][0]),
            seconds(sums["plugin"][1]),
            f"**{times(ratio(sums['plugin'][0], sums['plain'][0]))}**",
            f"**{times(ratio(sums['plugin'][1], sums['plain'][1]))}**",
        ]
        if with_findings:
            row += [
                " / ".join(str(sum(pair[side].findings for _, pair in results)) for side in SIDES),
                " / ".join(
                    str(sum(pair[side].other_errors for _, pair in results)) for side in SIDES
                ),
            ]
        rows.append(row)
    return rows


TIMING_HEADER: Final = (
    "package",
    "plain min s",
    "plain median s",
    "plugin min s",
    "plugin median s",
    "ratio of min",
    "ratio of median",
)
FINDINGS_HEADER: Final = (f"{FINDING_CODE} plain / plugin", "other errors plain / plugin")


def report(
    info: dict[str, str],
    command: str,
    rounds: int,
    results: Sequence[PackageResult],
    scaling: Sequence[ScalingResult],
    problems: Sequence[str],
    elapsed: float,
    workspace_note: str,
) -> str:
    out = ["# mypy-dangling-tasks: overhead against plain mypy", ""]
    out += ["## Machine", ""]
    out += [f"- {key}: {value}" for key, value in info.items()]
    out += ["", "## Command", "", "```", command, "```", ""]
    out += [
        f"Total benchmark wall time: {elapsed:.0f} s.  {rounds} round(s) per measurement, "
        "alternating plain, plugin, plain, plugin ...  Each mypy run is a subprocess "
        "started in the unpacked package's folder; time is wall time (time.perf_counter), "
        "memory is the child's peak RSS (os.wait4).",
        "",
        "Configs (generated; the plugin side adds one line):",
        "",
        "```ini",
        "[mypy]",
        *MYPY_OPTIONS,
        f"plugins = {PLUGIN_MODULE}    # plugin side only",
        "```",
        "",
    ]
    if "--null-baseline" in command:
        out += [
            "Baseline: the plain side loads benchmarks/null_plugin.py, a plugin that does "
            "nothing, so the ratios show this plugin's own work.",
            "",
        ]
    if workspace_note:
        out += [workspace_note, ""]

    if results:
        out += ["## Packages", ""]
        out += table(
            ("package", "version", "files", "lines"),
            [[r.package.name, r.package.version, str(r.files), f"{r.lines:,}"] for r in results],
            "llrr",
        )
        out.append("")

    cold = [(r.package.name, r.cold) for r in results if r.cold is not None]
    if cold:
        out += [f"## Cold (`{' '.join(COLD_FLAGS)}`)", ""]
        out += table((*TIMING_HEADER, *FINDINGS_HEADER), timing_rows(cold, True), "lrrrrrrrr")
        out += [
            "",
            "The total row sums the per-package minimums (and medians); its ratio is the "
            f"ratio of those sums.  `{FINDING_CODE}` counts the plugin's findings (the "
            "plain side must have none); other errors are the same on both sides when the "
            "plugin leaves mypy's own checking alone.",
            "",
        ]

    warm = [(r.package.name, r.warm) for r in results if r.warm is not None]
    if warm:
        out += ["## Warm (incremental cache per side, filled once, nothing changed)", ""]
        out += table((*TIMING_HEADER, *FINDINGS_HEADER), timing_rows(warm, True), "lrrrrrrrr")
        fills = [r for r in results if len(r.warm_fill) == 2]
        if fills:
            out += [
                "",
                "Filling the caches (one run each, not in the ratios): "
                + "; ".join(
                    f"{r.package.name} {seconds(r.warm_fill['plain'].seconds)} / "
                    f"{seconds(r.warm_fill['plugin'].seconds)} s"
                    for r in fills
                )
                + ".",
            ]
        out.append("")

    daemons = [(r.package.name, r.dmypy) for r in results if r.dmypy is not None]
    if daemons:
        out += ["## dmypy (recheck after a one-line edit)", ""]
        rows = timing_rows([(label, d.recheck) for label, d in daemons], False)
        for row, (_, result) in zip(rows, daemons):
            row.insert(1, f"`{result.edited}`")
            row += [
                f"{seconds(result.initial['plain'].seconds)} / "
                f"{seconds(result.initial['plugin'].seconds)}",
                f"{seconds(result.revert['plain'].median)} / "
                f"{seconds(result.revert['plugin'].median)}",
                f"{result.recheck['plain'].findings} / {result.recheck['plugin'].findings}",
            ]
        if len(rows) > len(daemons):
            rows[-1].insert(1, "")
            rows[-1] += ["", "", ""]
        header = (
            "package",
            "edited module",
            *TIMING_HEADER[1:],
            "initial check plain / plugin s",
            "revert recheck median plain / plugin s",
            f"{FINDING_CODE} plain / plugin",
        )
        out += table(header, rows, "llrrrrrrrrr")
        out += [
            "",
            "Each round appends `_bench_edit_<round> = <round>` to the edited module, times "
            "`dmypy check`, restores the module and checks again (the revert column).  The "
            "initial check (one per side, daemon just started) fills the daemon.",
            "",
        ]

    memory_rows: list[list[str]] = []
    for r in results:
        row = [r.package.name]
        for pair in (r.cold, r.warm):
            if pair is None:
                row += ["", "", ""]
            else:
                plain, plugin = pair["plain"].max_rss_kib, pair["plugin"].max_rss_kib
                row += [mib(plain), mib(plugin), times(ratio(plugin, plain))]
        if r.dmypy is None:
            row += ["", "", ""]
        else:
            plain_rss, plugin_rss = r.dmypy.peak_rss_kib.get("plain"), r.dmypy.peak_rss_kib.get(
                "plugin"
            )
            row += [
                mib(plain_rss),
                mib(plugin_rss),
                times(ratio(plugin_rss, plain_rss)) if plain_rss and plugin_rss else "n/a",
            ]
        memory_rows.append(row)
    if memory_rows:
        out += ["## Memory (peak RSS in MiB, max over rounds)", ""]
        out += table(
            (
                "package",
                "cold plain",
                "cold plugin",
                "cold ratio",
                "warm plain",
                "warm plugin",
                "warm ratio",
                "dmypy daemon plain",
                "dmypy daemon plugin",
                "dmypy ratio",
            ),
            memory_rows,
            "lrrrrrrrrr",
        )
        out += [
            "",
            "cold/warm: ru_maxrss of the mypy process (os.wait4).  dmypy: VmHWM of the "
            "daemon process after all rounds (/proc/<pid>/status).",
            "",
        ]

    if scaling:
        out += scaling_report(scaling)

    out += ["## Problems", ""]
    out += [f"- {problem}" for problem in problems] or ["None: every sanity check passed."]
    out.append("")
    return "\n".join(out)


def scaling_report(scaling: Sequence[ScalingResult]) -> list[str]:
    baseline = next((s for s in scaling if s.calls == 0), None)
    fixed = baseline.extra if baseline is not None else 0.0
    rows: list[list[str]] = []
    for s in scaling:
        per_call = f"{s.extra / s.calls * 1e6:.1f}" if s.calls else "-"
        net = f"{(s.extra - fixed) / s.calls * 1e6:.1f}" if s.calls else "-"
        rows.append(
            [
                str(s.functions),
                str(s.calls_per_function),
                f"{s.lines:,}",
                f"{s.calls:,}",
                f"{s.dropped:,}",
                f"{s.runs['plain'].findings} / {s.runs['plugin'].findings}",
                seconds(s.runs["plain"].min),
                seconds(s.runs["plugin"].min),
                times(ratio(s.runs["plugin"].min, s.runs["plain"].min)),
                f"{s.extra:+.3f}",
                per_call,
                net,
            ]
        )
    out = ["## Scaling (synthetic modules, cold, one module)", ""]
    out += table(
        (
            "N functions",
            "K spawner calls / function",
            "lines",
            "spawner calls",
            "dropped (expected findings)",
            f"{FINDING_CODE} plain / plugin",
            "plain min s",
            "plugin min s",
            "ratio",
            "plugin extra s",
            "µs / call",
            "µs / call net of fixed",
        ),
        rows,
        "rrrrrrrrrrrr",
    )
    out += [
        "",
        "Each function holds K spawner calls (asyncio.create_task, loop.create_task, "
        "asyncio.ensure_future in turn; every other one dropped, the rest kept in locals "
        "awaited at the end) and K `await work()` calls.  Plugin extra = plugin min - plain "
        f"min; the N={BASELINE_FUNCTIONS} K=0 row is the fixed cost (no spawner call), which "
        "the last column subtracts.  A flat µs / call down the rows (for the same number "
        "of calls: many short functions vs. a few functions thousands of lines long) means "
        "no superlinear growth; small rows are dominated by noise.",
        "",
    ]
    big = [s for s in scaling if s.calls >= 5000]
    if len(big) >= 2:
        nets = [(s.extra - fixed) / s.calls * 1e6 for s in big]
        out += [
            f"Rows with ≥ 5,000 calls: {min(nets):.1f} to {max(nets):.1f} µs per call "
            f"(net), spread {max(nets) - min(nets):.1f} µs.",
            "",
        ]
    return out


def sanity_problems(
    results: Sequence[PackageResult], scaling: Sequence[ScalingResult]
) -> list[str]:
    problems: list[str] = []
    for r in results:
        for mode, pair in (("cold", r.cold), ("warm", r.warm)):
            if pair is None:
                continue
            if pair["plain"].findings:
                problems.append(f"{r.package.name} {mode}: plain mypy reported {FINDING_CODE}")
            plain_other = {run.other_errors for run in pair["plain"].runs}
            plugin_other = {run.other_errors for run in pair["plugin"].runs}
            if plain_other != plugin_other:
                problems.append(
                    f"{r.package.name} {mode}: other errors differ (plain {sorted(plain_other)}, "
                    f"plugin {sorted(plugin_other)})"
                )
            counts = {run.findings for run in pair["plugin"].runs}
            if len(counts) > 1:
                problems.append(
                    f"{r.package.name} {mode}: plugin findings vary between rounds {sorted(counts)}"
                )
        if r.cold is not None and r.warm is not None:
            if r.cold["plugin"].findings != r.warm["plugin"].findings:
                problems.append(
                    f"{r.package.name}: cold found {r.cold['plugin'].findings}, warm "
                    f"{r.warm['plugin'].findings} {FINDING_CODE}"
                )
        if r.dmypy is not None and r.cold is not None:
            expected = r.cold["plugin"].findings
            for side in SIDES:
                want = expected if side == "plugin" else 0
                got = {run.findings for run in r.dmypy.recheck[side].runs}
                if got != {want}:
                    problems.append(
                        f"{r.package.name} dmypy {side}: {FINDING_CODE} {sorted(got)}, expected {want}"
                    )
    measured = [r.cold or r.warm for r in results]
    if measured and all(pair is not None and pair["plugin"].findings == 0 for pair in measured):
        problems.append(f"the plugin side reported no {FINDING_CODE} on any package: did it load?")
    for s in scaling:
        seen = (s.runs["plain"].findings, s.runs["plugin"].findings)
        if seen != (0, s.dropped):
            problems.append(
                f"scaling N={s.functions} K={s.calls_per_function}: {FINDING_CODE} plain / plugin "
                f"{seen[0]} / {seen[1]}, expected 0 / {s.dropped}"
            )
        other = {run.errors - run.findings for side in SIDES for run in s.runs[side].runs}
        if other != {0}:
            problems.append(
                f"scaling N={s.functions} K={s.calls_per_function}: unexpected other errors {sorted(other)}"
            )
    return problems


def to_json(
    info: dict[str, str],
    command: str,
    rounds: int,
    results: Sequence[PackageResult],
    scaling: Sequence[ScalingResult],
    problems: Sequence[str],
    elapsed: float,
) -> dict[str, object]:
    def pair_json(pair: dict[Side, Series] | None) -> dict[str, object] | None:
        return None if pair is None else {side: pair[side].as_json() for side in SIDES}

    packages: list[dict[str, object]] = []
    for r in results:
        entry: dict[str, object] = {
            "name": r.package.name,
            "version": r.package.version,
            "files": r.files,
            "lines": r.lines,
            "cold": pair_json(r.cold),
            "warm": pair_json(r.warm),
            "warm_fill_seconds": {side: round(run.seconds, 4) for side, run in r.warm_fill.items()},
        }
        if r.dmypy is not None:
            entry["dmypy"] = {
                "edited": r.dmypy.edited,
                "initial_seconds": {
                    side: round(run.seconds, 4) for side, run in r.dmypy.initial.items()
                },
                "recheck": pair_json(r.dmypy.recheck),
                "revert": pair_json(r.dmypy.revert),
                "daemon_peak_rss_kib": r.dmypy.peak_rss_kib,
            }
        packages.append(entry)
    return {
        "machine": info,
        "command": command,
        "rounds": rounds,
        "elapsed_seconds": round(elapsed, 1),
        "packages": packages,
        "scaling": [
            {
                "functions": s.functions,
                "calls_per_function": s.calls_per_function,
                "lines": s.lines,
                "calls": s.calls,
                "dropped": s.dropped,
                "runs": pair_json(s.runs),
                "extra_seconds": round(s.extra, 4),
            }
            for s in scaling
        ],
        "problems": list(problems),
    }


# ---------------------------------------------------------------------------
# --profile
# ---------------------------------------------------------------------------


@dataclasses.dataclass
class Profiled:
    label: str
    calls: int
    inline: float
    total: float


@contextmanager
def working_directory(path: Path) -> Iterator[None]:
    before = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(before)


def code_label(code: types.CodeType | str, plugin_dir: Path) -> str:
    if isinstance(code, str):
        return code
    filename = code.co_filename
    try:
        filename = str(Path(filename).resolve().relative_to(plugin_dir.parent))
    except ValueError:
        parts = Path(filename).parts
        filename = "/".join(parts[-2:])
    qualname = getattr(code, "co_qualname", code.co_name)
    return f"{filename}:{code.co_firstlineno}({qualname})"


def is_plugin_code(code: types.CodeType | str, plugin_dir: str) -> bool:
    if isinstance(code, str):
        return False
    filename = code.co_filename
    return filename.startswith(plugin_dir) or "/plugin/" in filename or PLUGIN_MODULE in filename


def is_mypy_caller(code: types.CodeType | str) -> bool:
    """Is this caller mypy calling into the plugin (not a builtin or an import)?

    Compiled mypy shows up as its outermost built-in (`mypy.api.run`); builtins
    such as any() or list.extend() calling the plugin's generators, and
    importlib running the plugin's modules, were themselves called by plugin
    code and must not be counted twice.
    """
    if isinstance(code, str):
        return "mypy" in code
    filename = code.co_filename
    return not filename.startswith("<frozen importlib") and "importlib" not in filename


def profile(
    name: str, cache: Path, workspace: Workspace, top: int, info: dict[str, str], command: str
) -> tuple[str, int]:
    from mypy import api

    fetched = fetch([name], cache)
    (package,) = select([name])
    cwd = package_dir(package, cache)
    folders = fetched[package.name]
    plugin_dir = plugin_location()
    args = ["--config-file", str(workspace.config("plugin")), *COLD_FLAGS, *targets(folders, cwd)]
    progress(f"profile: mypy {' '.join(args)} in {cwd}")
    profiler = cProfile.Profile()
    with working_directory(cwd):
        start = time.perf_counter()
        profiler.enable()
        try:
            stdout, stderr, status = api.run(args)
        finally:
            profiler.disable()
        elapsed = time.perf_counter() - start
    if status not in (0, 1):
        raise BenchmarkError(f"mypy exited with {status}:\n{_tail(stdout + stderr)}")
    findings, errors = count_errors(stdout)
    prefix = str(plugin_dir)
    entries = profiler.getstats()
    own: list[Profiled] = []
    entered = 0.0  # inclusive time of calls into the plugin from outside it
    callees: dict[str, Profiled] = {}
    for entry in entries:
        caller_is_plugin = is_plugin_code(entry.code, prefix)
        if caller_is_plugin:
            own.append(
                Profiled(
                    code_label(entry.code, plugin_dir),
                    entry.callcount,
                    entry.inlinetime,
                    entry.totaltime,
                )
            )
        for sub in entry.calls or ():
            callee_is_plugin = is_plugin_code(sub.code, prefix)
            if callee_is_plugin and not caller_is_plugin and is_mypy_caller(entry.code):
                entered += sub.totaltime
            elif caller_is_plugin and not callee_is_plugin:
                label = code_label(sub.code, plugin_dir)
                seen = callees.setdefault(label, Profiled(label, 0, 0.0, 0.0))
                seen.calls += sub.callcount
                seen.total += sub.totaltime
    own.sort(key=lambda p: p.total, reverse=True)
    outside = sorted(callees.values(), key=lambda p: p.total, reverse=True)
    out = [
        f"# mypy-dangling-tasks: where the plugin spends its time ({package.name} {package.version})",
        "",
    ]
    out += ["## Machine", ""] + [f"- {key}: {value}" for key, value in info.items()]
    out += ["", "## Command", "", "```", command, "```", ""]
    out += [
        f"mypy ran in-process (mypy.api.run, {' '.join(COLD_FLAGS)}, plugin enabled) under "
        f"cProfile in {elapsed:.2f} s: exit {status}, {findings} {FINDING_CODE} findings, "
        f"{errors} errors in all.",
        "",
        f"Time inside the plugin (calls into plugin code from mypy, inclusive): "
        f"**{entered:.3f} s = {entered / elapsed * 100:.1f}% of the profiled run**.  "
        "cProfile inflates pure-Python code (the plugin) much more than mypyc-compiled "
        "mypy, so the real share is smaller; the subprocess benchmark gives the real "
        "overhead.",
        "",
        f"### Top {top} plugin functions by cumulative time",
        "",
    ]
    out += table(
        ("cumulative s", "own s", "calls", "function"),
        [[f"{p.total:.4f}", f"{p.inline:.4f}", f"{p.calls:,}", f"`{p.label}`"] for p in own[:top]],
        "rrrl",
    )
    out += ["", "### What the plugin calls outside itself (mypy, builtins), top 10", ""]
    out += table(
        ("cumulative s", "calls", "function"),
        [[f"{p.total:.4f}", f"{p.calls:,}", f"`{p.label}`"] for p in outside[:10]],
        "rrl",
    )
    out.append("")
    return "\n".join(out), 0 if findings else 1


# ---------------------------------------------------------------------------
# main
# ---------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Measure mypy-dangling-tasks' overhead against plain mypy in the same run."
    )
    parser.add_argument(
        "--packages",
        nargs="+",
        metavar="NAME",
        help=f"packages from packages.py, or 'all' (default: {' '.join(DEFAULT_PACKAGES)})",
    )
    parser.add_argument(
        "--rounds", type=int, help=f"rounds per measurement (default: {DEFAULT_ROUNDS})"
    )
    parser.add_argument(
        "--modes",
        nargs="+",
        choices=MODES,
        default=list(MODES),
        help="what to measure (default: all)",
    )
    parser.add_argument(
        "--smoke",
        action="store_true",
        help=f"quick check: {', '.join(SMOKE)}, one round, a small scaling grid",
    )
    parser.add_argument(
        "--cache", type=Path, default=DEFAULT_CACHE, help="packages cache directory"
    )
    parser.add_argument("--out", type=Path, help="also write the Markdown report to this file")
    parser.add_argument("--json", type=Path, help="write the raw numbers as JSON to this file")
    parser.add_argument(
        "--profile",
        metavar="PACKAGE",
        help="instead of benchmarking: run mypy once in-process under cProfile on PACKAGE",
    )
    parser.add_argument("--top", type=int, default=15, help="functions listed by --profile")
    parser.add_argument(
        "--keep-workspace", action="store_true", help="keep the temporary configs and caches"
    )
    parser.add_argument(
        "--null-baseline",
        action="store_true",
        help="the plain side loads benchmarks/null_plugin.py (a plugin that does nothing): "
        "separates mypy's price of any plugin from this plugin's own work",
    )
    args = parser.parse_args(argv)
    if args.rounds is not None and args.rounds < 1:
        parser.error("--rounds must be at least 1")
    return args


def rerun_command(argv: Sequence[str]) -> str:
    script = Path(__file__).resolve()
    try:
        shown = str(script.relative_to(Path.cwd()))
    except ValueError:
        shown = str(script)
    return shlex.join([sys.executable, shown, *argv])


def emit(text: str, out: Path | None) -> None:
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    sys.stdout.flush()
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    raw_argv = list(sys.argv[1:] if argv is None else argv)
    args = parse_args(raw_argv)
    command = rerun_command(raw_argv)
    started = time.perf_counter()
    workspace = Workspace(
        Path(tempfile.mkdtemp(prefix="dangling-overhead-")), null_baseline=args.null_baseline
    )
    try:
        plugin_location()
        info = machine_info()
        if args.profile:
            text, status = profile(args.profile, args.cache, workspace, args.top, info, command)
            emit(text, args.out)
            return status
        names: list[str] | None
        if args.packages:
            names = None if args.packages == ["all"] else list(args.packages)
        else:
            names = list(SMOKE) if args.smoke else list(DEFAULT_PACKAGES)
        rounds = args.rounds or (1 if args.smoke else DEFAULT_ROUNDS)
        grid = SMOKE_GRID if args.smoke else SCALING_GRID
        modes = set(args.modes)
        results: list[PackageResult] = []
        package_modes = modes & {"cold", "warm", "dmypy"}
        if package_modes:
            fetched = fetch(names, args.cache)
            for package in select(names):
                folders = fetched[package.name]
                cwd = package_dir(package, args.cache)
                files, lines = source_stats(folders)
                result = PackageResult(package, files, lines)
                progress(f"{package.name} {package.version}: {files} files, {lines:,} lines")
                if "cold" in modes:
                    result.cold = bench_cold(workspace, package.name, cwd, folders, rounds)
                if "warm" in modes:
                    result.warm = bench_warm(workspace, result, cwd, folders, rounds)
                if "dmypy" in modes:
                    result.dmypy = bench_dmypy(workspace, package, cwd, folders, rounds)
                results.append(result)
        scaling = bench_scaling(workspace, grid, rounds) if "scaling" in modes else []
        problems = sanity_problems(results, scaling)
        elapsed = time.perf_counter() - started
        if hasattr(os, "getloadavg"):
            info["load average at end"] = " ".join(f"{value:.2f}" for value in os.getloadavg())
        note = f"Workspace kept in {workspace.root}." if args.keep_workspace else ""
        text = report(info, command, rounds, results, scaling, problems, elapsed, note)
        emit(text, args.out)
        if args.json is not None:
            data = to_json(info, command, rounds, results, scaling, problems, elapsed)
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        progress(f"done in {elapsed:.0f} s" + (f"; {len(problems)} problem(s)" if problems else ""))
        return 1 if problems else 0
    except (BenchmarkError, FetchError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyError as error:
        print(f"error: {error.args[0]}", file=sys.stderr)
        return 2
    finally:
        if not args.keep_workspace:
            shutil.rmtree(workspace.root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
