"""Run the plugin over a large real codebase: a pinned Home Assistant wheel.

A manual benchmark and robustness check, NOT run in CI (it takes minutes and
downloads about 34 MB).  It answers: does mypy with the plugin finish on a
codebase of thousands of modules without crashing, how long does it take,
and how many `dangling-task` findings does it produce?

What it does:

1. ``pip download --no-deps --only-binary=:all: homeassistant==<PIN>`` into
   ``benchmarks/.cache/`` (git-ignored) and unpacks the wheel into
   ``benchmarks/.cache/homeassistant-<PIN>/`` (reusing ``tests/packages.py``'s
   download/unpack code, so an interrupted fetch never leaves a half folder).
   No dependencies are installed; mypy runs with ``--ignore-missing-imports``.
2. Runs ``python -m mypy`` (this interpreter's mypy) in a subprocess, with
   the unpacked folder as working directory, a generated config file that
   enables the plugin, ``--check-untyped-defs --ignore-missing-imports``, a
   fresh ``--cache-dir`` in a temporary directory (a cold run), and
   ``--show-traceback`` so a crash shows where it happened.
3. Prints: mypy version, the subset checked, wall time, the number of
   modules (``.py`` files under the checked folders), the number of
   ``[dangling-task]`` findings (and of all error lines), mypy's exit code,
   and the crash check: exit code 0 or 1, no ``INTERNAL ERROR`` and no
   ``Traceback (most recent call last)`` in the output.  Exit status 0 when
   the crash check passes, 1 when it fails, 2 when the run timed out.

PIN: 2024.3.3 is the newest Home Assistant release whose wheel declares
support for Python 3.11 (later releases require 3.12+ and use syntax a 3.11
interpreter cannot parse).  Change it together with the interpreter.

Measured (Python 3.11, 2 cores, cold cache): the whole wheel, 6,725 modules,
takes about 23 s on mypy 2.4.1 and 33 s on mypy 1.19.1 (details in MEASURED
below), far under 30 minutes, so ``--subset all`` is the default; the
``components`` and ``core`` subsets are there for quicker looks.

Usage:
    python benchmarks/large_codebase.py [--subset all|components|core]
        [--cache DIR] [--timeout SECONDS] [--findings] [--json FILE]
        [--output FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Final

HERE: Final = Path(__file__).resolve().parent
# packages.py and processes.py, shared with the tests, live in tests/.
sys.path.insert(0, str(HERE.parent / "tests"))

import packages  # noqa: E402  (tests/packages.py, found through sys.path)

PIN: Final = "2024.3.3"
HOMEASSISTANT: Final = packages.Package("homeassistant", PIN, ("homeassistant",))

# One cold run each, Python 3.11, 2 cores (informative only):
MEASURED: Final = (
    "mypy 2.4.1: 6,725 modules in 23 s, 13 dangling-task findings, 1,478 error lines, exit 1; "
    "mypy 1.19.1: 6,725 modules in 33 s, the same 13 findings, 1,891 error lines, exit 1; "
    "no crash on either.  (Before commit 87bf671 there were 12 more: blocking "
    "`run_coroutine_threadsafe(...).result()` calls, false positives now fixed.)"
)

SUBSETS: Final = {
    # everything in the wheel
    "all": ("homeassistant",),
    # the ~1,200 integrations (the bulk of the code)
    "components": ("homeassistant/components",),
    # the core without the integrations
    "core": (
        "homeassistant/__init__.py", "homeassistant/__main__.py", "homeassistant/auth",
        "homeassistant/backports", "homeassistant/block_async_io.py",
        "homeassistant/bootstrap.py", "homeassistant/config.py",
        "homeassistant/config_entries.py", "homeassistant/const.py", "homeassistant/core.py",
        "homeassistant/data_entry_flow.py", "homeassistant/exceptions.py",
        "homeassistant/generated", "homeassistant/helpers", "homeassistant/loader.py",
        "homeassistant/requirements.py", "homeassistant/runner.py", "homeassistant/scripts",
        "homeassistant/setup.py", "homeassistant/util",
    ),
}

CONFIG: Final = (
    "[mypy]\n"
    "plugins = mypy_dangling_tasks\n"
    "check_untyped_defs = True\n"
    "ignore_missing_imports = True\n"
)
FINDING: Final = re.compile(r"^(?P<path>[^:]+):(?P<line>\d+):(?:(?P<col>\d+):)? error: .*\[dangling-task\]$")
ERROR_LINE: Final = re.compile(r"^[^:]+:\d+:(?:\d+:)? error: ")
TRACEBACK: Final = "Traceback (most recent call last)"
SUMMARY: Final = re.compile(r"\(checked (\d+) source files?\)")


@dataclass
class Result:
    mypy_version: str
    package: str
    subset: str
    targets: list[str]
    modules: int
    seconds: float
    exit_code: int | None
    timed_out: bool
    findings: list[str] = field(default_factory=list)
    error_lines: int = 0
    checked_by_mypy: int | None = None  # "(checked N source files)" from mypy's summary
    crash_lines: list[str] = field(default_factory=list)

    @property
    def crash_free(self) -> bool:
        return not self.timed_out and self.exit_code in (0, 1) and not self.crash_lines


def count_modules(root: Path, targets: tuple[str, ...]) -> int:
    total = 0
    for target in targets:
        path = root / target
        if path.is_file():
            total += path.suffix == ".py"
        else:
            total += sum(1 for _ in path.rglob("*.py"))
    return total


def fetch(cache: Path) -> Path:
    """The unpacked wheel's folder (downloaded and unpacked on first use)."""
    cache.mkdir(parents=True, exist_ok=True)
    target = packages.package_dir(HOMEASSISTANT, cache)
    if not target.is_dir():
        # packages.fetch only knows its own pinned list; its helpers do the rest.
        wheel = packages._download(HOMEASSISTANT, cache)
        packages._unpack(HOMEASSISTANT, wheel, target)
    return target


def run(root: Path, subset: str, timeout: float, output: Path | None) -> Result:
    targets = SUBSETS[subset]
    missing = [t for t in targets if not (root / t).exists()]
    if missing:
        raise SystemExit(f"error: not in {root}: {', '.join(missing)}")
    version = subprocess.run(
        [sys.executable, "-m", "mypy", "--version"], capture_output=True, text=True, check=True
    ).stdout.strip()
    with tempfile.TemporaryDirectory(prefix="dangling-large-") as tmp:
        config = Path(tmp) / "mypy.ini"
        config.write_text(CONFIG, encoding="utf-8")
        command = [
            sys.executable, "-m", "mypy",
            "--config-file", str(config), "--cache-dir", str(Path(tmp) / "cache"),
            "--check-untyped-defs", "--ignore-missing-imports",
            "--show-column-numbers", "--hide-error-context",
            "--no-pretty", "--no-color-output", "--show-traceback",
            *targets,
        ]
        env = {k: v for k, v in os.environ.items() if not k.startswith("MYPY")}
        start = time.monotonic()
        try:
            done = subprocess.run(
                command, cwd=root, capture_output=True, text=True, timeout=timeout, env=env
            )
            stdout, stderr, code, timed_out = done.stdout, done.stderr, done.returncode, False
        except subprocess.TimeoutExpired as expired:
            stdout = _text(expired.stdout)
            stderr = _text(expired.stderr)
            code, timed_out = None, True
        seconds = time.monotonic() - start
    if output is not None:
        output.write_text(stdout + ("\n--- stderr ---\n" + stderr if stderr else ""), encoding="utf-8")
    lines = (stdout + "\n" + stderr).splitlines()
    return Result(
        mypy_version=version,
        package=HOMEASSISTANT.requirement,
        subset=subset,
        targets=list(targets),
        modules=count_modules(root, targets),
        seconds=round(seconds, 1),
        exit_code=code,
        timed_out=timed_out,
        findings=[line for line in lines if FINDING.match(line)],
        error_lines=sum(1 for line in lines if ERROR_LINE.match(line)),
        checked_by_mypy=_checked(stdout),
        crash_lines=[line for line in lines if "INTERNAL ERROR" in line or TRACEBACK in line],
    )


def _checked(stdout: str) -> int | None:
    match = SUMMARY.search(stdout)
    return int(match.group(1)) if match else None


def _text(data: bytes | str | None) -> str:
    if data is None:
        return ""
    return data if isinstance(data, str) else data.decode("utf-8", "replace")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subset", choices=sorted(SUBSETS), default="all")
    parser.add_argument("--cache", type=Path, default=packages.DEFAULT_CACHE)
    parser.add_argument("--timeout", type=float, default=30 * 60, help="seconds (default 1800)")
    parser.add_argument("--findings", action="store_true", help="print every finding")
    parser.add_argument("--json", type=Path, help="also write the result as JSON here")
    parser.add_argument("--output", type=Path, help="write mypy's full output here")
    args = parser.parse_args(argv)

    root = fetch(args.cache)
    print(f"checking {HOMEASSISTANT.requirement} ({args.subset}) in {root} ...", file=sys.stderr, flush=True)
    result = run(root, args.subset, args.timeout, args.output)

    print(f"mypy:            {result.mypy_version}")
    print(f"package:         {result.package}  subset: {result.subset}")
    print(f"modules:         {result.modules} .py files; mypy checked {result.checked_by_mypy}")
    print(f"wall time:       {result.seconds:.1f} s" + ("  (TIMED OUT)" if result.timed_out else ""))
    print(f"exit code:       {result.exit_code}")
    print(f"error lines:     {result.error_lines} (all codes)")
    print(f"dangling-task:   {len(result.findings)} findings")
    print(f"crash check:     {'ok' if result.crash_free else 'FAILED'}")
    for line in result.crash_lines[:20]:
        print(f"  {line}")
    if args.findings:
        for line in result.findings:
            print(f"  {line}")
    if args.json is not None:
        data = asdict(result)
        data["crash_free"] = result.crash_free
        args.json.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    if result.timed_out:
        return 2
    return 0 if result.crash_free else 1


if __name__ == "__main__":
    sys.exit(main())
