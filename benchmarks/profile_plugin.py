"""Where the plugin spends its time: one cold mypy run in-process under cProfile.

    python benchmarks/profile_plugin.py [PACKAGE] [--top N] [--default-options]

checks PACKAGE (from tests/packages.py; discord.py by default) with the plugin, as
overhead.py does, and lists the time spent inside the plugin (calls from mypy
into plugin code, inclusive), its functions by cumulative time, and what they
call outside the plugin.  cProfile slows pure-Python code (the plugin) far more
than mypyc-compiled mypy, so the share it shows is an upper bound; overhead.py
gives the real cost.  (Not named profile.py: that would shadow the standard
library's profile module, which cProfile imports, for every script here.)
"""

from __future__ import annotations

import argparse
import cProfile
import importlib.util
import os
import sys
import tempfile
import time
import types
from collections.abc import Sequence
from pathlib import Path
from typing import Final

from mypy import api

# packages.py and processes.py, shared with the tests, live in tests/.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from overhead import COLD_FLAGS, counts, write_configs  # noqa: E402
from packages import DEFAULT_CACHE, fetch, package_dir, select  # noqa: E402

_SPEC: Final = importlib.util.find_spec("mypy_dangling_tasks")
PLUGIN_DIR: Final = str(Path(_SPEC.origin).resolve().parent) if _SPEC and _SPEC.origin else "?"


def label(code: types.CodeType | str) -> str:
    if isinstance(code, str):
        return code
    where = "/".join(Path(code.co_filename).parts[-2:])
    return f"{where}:{code.co_firstlineno}({getattr(code, 'co_qualname', code.co_name)})"


def is_plugin(code: types.CodeType | str) -> bool:
    if isinstance(code, str):
        return False
    return str(Path(code.co_filename).resolve()).startswith(PLUGIN_DIR)


def from_mypy(code: types.CodeType | str) -> bool:
    """A caller that is mypy, not a builtin or importlib run by the plugin itself.

    Compiled mypy shows up as its outermost builtin (`mypy.api.run`).
    """
    if isinstance(code, str):
        return "mypy" in code
    return "importlib" not in code.co_filename


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="cProfile the plugin on one package.")
    parser.add_argument("package", nargs="?", default="discord.py")
    parser.add_argument("--top", type=int, default=15, help="functions listed (default 15)")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="packages cache")
    parser.add_argument("--default-options", action="store_true",
                        help="mypy's default options: no check_untyped_defs")
    args = parser.parse_args(argv)
    (package,) = select([args.package])
    targets = [folder.name for folder in fetch([package.name], args.cache)[package.name]]
    profiler = cProfile.Profile()
    with tempfile.TemporaryDirectory(prefix="dangling-profile-") as tmp:
        config = write_configs(Path(tmp), False, args.default_options)["plugin"]
        os.chdir(package_dir(package, args.cache))
        start = time.perf_counter()
        profiler.enable()
        stdout, stderr, status = api.run(["--config-file", str(config), *COLD_FLAGS, *targets])
        profiler.disable()
        elapsed = time.perf_counter() - start
    if status not in (0, 1):
        print(stdout + stderr, file=sys.stderr)
        return 2
    entered = 0.0
    own: dict[str, tuple[float, float, int]] = {}  # cumulative s, own s, calls
    outside: dict[str, tuple[float, int]] = {}
    for entry in profiler.getstats():
        inside = is_plugin(entry.code)
        if inside:
            own[label(entry.code)] = (entry.totaltime, entry.inlinetime, entry.callcount)
        for sub in entry.calls or ():
            if is_plugin(sub.code) and not inside and from_mypy(entry.code):
                entered += sub.totaltime
            elif inside and not is_plugin(sub.code):
                total, calls = outside.get(label(sub.code), (0.0, 0))
                outside[label(sub.code)] = (total + sub.totaltime, calls + sub.callcount)
    findings, errors = counts(stdout)
    print(f"{package.name} {package.version}: mypy in-process under cProfile, {elapsed:.2f} s, "
          f"exit {status}, {findings} dangling-task of {errors} errors")
    print(f"inside the plugin: {entered:.3f} s = {entered / elapsed:.1%} of the run\n")
    print(f"{'cumulative s':>12} {'own s':>8} {'calls':>9}  plugin function")
    for name, (total, inline, calls) in sorted(own.items(), key=lambda i: -i[1][0])[: args.top]:
        print(f"{total:12.4f} {inline:8.4f} {calls:9,}  {name}")
    print(f"\n{'cumulative s':>12} {'calls':>9}  called by the plugin outside it")
    for name, (total, calls) in sorted(outside.items(), key=lambda i: -i[1][0])[:10]:
        print(f"{total:12.4f} {calls:9,}  {name}")
    return 0 if findings else 1


if __name__ == "__main__":
    sys.exit(main())
