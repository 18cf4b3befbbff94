"""Which function a variable stands for, read from types mypy built and from its cache.

`typeops.alias_target` is asked about every call through a variable.  mypy
links a function type it builds to the function; a copy loaded from its cache
is not linked, and then the function's name is read from its type variables.
Each variable here is judged after a cold build and after a warm one whose
helpers.py comes from the cache, through mypy's own build API.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Final

import pytest
from mypy import build
from mypy.lookup import lookup_fully_qualified
from mypy.modulefinder import BuildSource
from mypy.nodes import MypyFile, SymbolTableNode
from mypy.options import Options

from integration_helpers import MYPY_VERSION
from mypy_dangling_tasks.names import CREATE_TASK
from mypy_dangling_tasks.typeops import alias_target

HELPERS: Final = """\
import asyncio
from typing import Callable, TypeVar

from typing_extensions import ParamSpec

P = ParamSpec("P")
T = TypeVar("T")


def keeping(f: Callable[P, "asyncio.Task[T]"]) -> Callable[P, "asyncio.Task[T]"]:
    return f


def same(f: T) -> T:
    return f


plain = asyncio.create_task
passed_through = same(asyncio.create_task)
made_anew = keeping(asyncio.create_task)
method_of_a_generic_class = asyncio.Task.get_coro
"""
# mypy 1.10 does not record which function a type variable belongs to.
NAMESPACES: Final = MYPY_VERSION >= (1, 11)


def _builds(project: Path) -> Iterator[tuple[str, dict[str, MypyFile]]]:
    """The modules after a cold build, then after a warm one that re-checks only app.py."""
    (project / "helpers.py").write_text(HELPERS, encoding="utf-8")
    for run, app in (("cold", "import helpers\n"), ("warm", "import helpers\n\n")):
        (project / "app.py").write_text(app, encoding="utf-8")
        options = Options()
        options.cache_dir = str(project / ".cache")
        sources = [BuildSource(str(project / name), name[:-3]) for name in ("app.py", "helpers.py")]
        cwd = os.getcwd()
        os.chdir(project)
        try:
            result = build.build(sources, options)
        finally:
            os.chdir(cwd)
        assert not result.errors, result.errors
        yield run, {name: state.tree for name, state in result.graph.items() if state.tree}


@pytest.fixture(scope="module")
def targets(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, str | None]]:
    """alias_target of each helpers variable, per run."""
    found: dict[str, dict[str, str | None]] = {}
    for run, modules in _builds(tmp_path_factory.mktemp("aliases")):

        def lookup(fullname: str) -> SymbolTableNode | None:
            return lookup_fully_qualified(fullname, modules)

        names = modules["helpers"].names
        found[run] = {name: alias_target(names[name], lookup) for name in names}
    return found


def test_a_cold_build_reads_the_function_from_the_type(
    targets: dict[str, dict[str, str | None]],
) -> None:
    assert targets["cold"]["plain"] == CREATE_TASK
    assert targets["cold"]["passed_through"] == CREATE_TASK
    assert targets["cold"]["made_anew"] is None  # a new callable type, not create_task's


@pytest.mark.skipif(not NAMESPACES, reason="mypy 1.10 does not name a type variable's function")
def test_a_warm_build_finds_the_same_spawners(targets: dict[str, dict[str, str | None]]) -> None:
    assert targets["warm"]["plain"] == CREATE_TASK
    assert targets["warm"]["passed_through"] == CREATE_TASK
    assert targets["warm"]["made_anew"] is None


def test_a_generic_class_is_never_the_target(targets: dict[str, dict[str, str | None]]) -> None:
    """`asyncio.Task.get_coro` holds Task's type variable: from the cache its
    namespace names the class, which is a spawner (`asyncio.Task(coro)`)."""
    cold = targets["cold"]["method_of_a_generic_class"]
    assert cold is not None and cold.endswith(".Task.get_coro")
    assert targets["warm"]["method_of_a_generic_class"] in (None, cold)
