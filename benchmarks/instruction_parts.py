"""Instructions of parts of the plugin's work, each counted alone.

    python benchmarks/instruction_parts.py [--packages NAME ...] [--parts PART ...]

instructions.py counts whole runs; this script says where the plugin's part
of a cold run goes.  Each part runs mypy once with the plugin under
valgrind's callgrind with collection off, except inside one C function that
the part's Python code is routed through (`--toggle-collect`):

- decisions: the questions mypy asked the plugin's decisions during the run,
  asked again after it (answers forgotten, as a parse forgets them), inside
  `itertools.starmap`, which mypy never calls;
- hooks: the plugin's hook functions (checks.py, `*_hook`), each call run
  inside `map`;
- whole: the indexes of whole scopes (ScopeIndex construction) inside `map`.

mypy itself calls `map`, so hooks and whole are printed minus a run that
routes nothing through it.  Same venv advice as instructions.py; needs
valgrind on PATH.  Each part takes a run about 40 times slower than plain mypy.
"""

from __future__ import annotations

import argparse
import inspect
import itertools
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Final

# packages.py and processes.py, shared with the tests, live in tests/.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from instructions import COLLECTED  # noqa: E402
from overhead import COLD_FLAGS, write_configs  # noqa: E402
from packages import DEFAULT_CACHE, fetch, package_dir, select  # noqa: E402

PARTS: Final = ("decisions", "hooks", "whole")


def _through_map(function: Callable[..., Any]) -> Callable[..., Any]:
    def routed(*args: Any, **kwargs: Any) -> Any:
        return next(map(lambda _: function(*args, **kwargs), (None,)))

    return routed


def _recorded(
    decide: Callable[[str], Any], questions: list[tuple[Callable[[str], Any], str]]
) -> Callable[[str], Any]:
    def recording(name: str) -> Any:
        questions.append((decide, name))
        return decide(name)

    return recording


def inner(part: str, mypy_args: list[str]) -> None:
    """In the counted process: route `part` through its C function, run mypy."""
    from mypy import api

    from mypy_dangling_tasks import checks, main, positions

    questions: list[tuple[Callable[[str], Any], str]] = []
    plugins: list[main.DanglingTasksPlugin] = []
    if part == "hooks":
        for name, function in list(vars(checks).items()):  # every hook main.py binds
            if name.endswith("_hook") and inspect.isfunction(function):
                setattr(checks, name, _through_map(function))
    elif part == "whole":
        setattr(positions.ScopeIndex, "__init__", _through_map(positions.ScopeIndex.__init__))
    elif part == "decisions":
        original = main.DanglingTasksPlugin.__init__

        def recording(self: main.DanglingTasksPlugin, options: Any) -> None:
            original(self, options)
            plugins.append(self)
            self._decide_function_hook = _recorded(self._decide_function_hook, questions)  # type: ignore[method-assign]
            self._decide_method_hook = _recorded(self._decide_method_hook, questions)  # type: ignore[method-assign]

        setattr(main.DanglingTasksPlugin, "__init__", recording)
    api.run(mypy_args)
    if part == "decisions":
        for _ in itertools.starmap(lambda decide, name: decide(name), questions):
            pass
        print(f"decisions: {len(questions)}", file=sys.stderr)


def count(part: str, toggle: str, cwd: Path, mypy_args: list[str]) -> int:
    argv = ["env", "PYTHONHASHSEED=0", "valgrind", "--tool=callgrind",
            "--collect-atstart=no", f"--toggle-collect={toggle}",
            f"--callgrind-out-file={os.devnull}",
            sys.executable, str(Path(__file__).resolve()), "--inner", part, "--", *mypy_args]
    done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, check=False)
    found = COLLECTED.search(done.stderr)
    if found is None:
        raise SystemExit(f"no count from callgrind for {part} in {cwd}:\n{done.stderr[-2000:]}")
    return int(found[1])


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Instructions of parts of the plugin's work.")
    parser.add_argument("--packages", nargs="+", metavar="NAME", default=["aiortc"])
    parser.add_argument("--parts", nargs="+", choices=PARTS, default=list(PARTS))
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="packages cache")
    parser.add_argument("--inner", help=argparse.SUPPRESS)
    parser.add_argument("mypy_args", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.inner:
        inner(args.inner, args.mypy_args)
        return 0
    if shutil.which("valgrind") is None:
        print("error: valgrind is not on PATH", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="dangling-parts-") as tmp:
        config = write_configs(Path(tmp), null_baseline=False)["plugin"]
        fetched = fetch(args.packages, args.cache)
        for package in select(args.packages):
            cwd = package_dir(package, args.cache)
            mypy_args = ["--config-file", str(config), *COLD_FLAGS,
                         *[folder.name for folder in fetched[package.key]]]
            baseline = None
            for part in args.parts:
                if part == "decisions":
                    counted = count(part, "starmap_next", cwd, mypy_args)
                else:
                    if baseline is None:
                        baseline = count("none", "map_next", cwd, mypy_args)
                    counted = count(part, "map_next", cwd, mypy_args) - baseline
                print(f"{package.name:14} {part:10} {counted:16,}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
