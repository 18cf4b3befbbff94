"""The plugin's own code: strict typing and a boring entry point."""

from __future__ import annotations

import inspect
import re
import sys
from collections import Counter
from pathlib import Path

import pytest
from mypy import api
from mypy.errors import CompileError
from mypy.nodes import FuncItem, LambdaExpr, MypyFile, NameExpr, OpExpr
from mypy.options import Options
from mypy.plugins.default import DefaultPlugin

import mypy_dangling_tasks
from mypy_dangling_tasks import _compat, checks, main, names

ROOT = Path(__file__).resolve().parent.parent


def test_plugin_source_passes_mypy_strict(tmp_path: Path) -> None:
    stdout, stderr, status = api.run(
        ["--strict", "--config-file", "/dev/null", "--cache-dir", str(tmp_path), str(ROOT / "plugin")]
    )
    assert status == 0, stdout + stderr


def test_the_floor_is_the_one_pyproject_declares() -> None:
    """pyproject.toml declares the floor; the version gate and its sentence follow it."""
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    declared = re.search(r'"mypy>=(\d+)\.(\d+)"', pyproject)
    assert declared is not None
    floor = (int(declared[1]), int(declared[2]))
    assert mypy_dangling_tasks.SUPPORTED == floor
    assert mypy_dangling_tasks.SUPPORTED_TEXT == f"mypy {floor[0]}.{floor[1]} or newer"


def test_entry_point_returns_the_plugin_class_on_supported_versions() -> None:
    assert mypy_dangling_tasks.plugin("1.10.0") is main.DanglingTasksPlugin
    assert mypy_dangling_tasks.plugin("1.15.0") is main.DanglingTasksPlugin
    assert mypy_dangling_tasks.plugin("2.4.1+dev.abc") is main.DanglingTasksPlugin


def test_old_mypy_is_refused_with_one_sentence() -> None:
    refusing = mypy_dangling_tasks.plugin("1.9.0")
    assert refusing is not main.DanglingTasksPlugin
    instance = refusing(Options())
    try:
        instance.set_modules({})
    except CompileError as error:
        assert len(error.messages) == 1
        assert "supports mypy 1.10 or newer, but this is mypy 1.9.0" in error.messages[0]
    else:
        raise AssertionError("the refusing plugin did not stop mypy")


def test_hooked_names_do_not_shadow_mypys_default_plugin() -> None:
    """mypy runs the first hook a plugin returns: ours must not hide the default ones."""
    default = DefaultPlugin(Options())
    functions = [
        names.CREATE_TASK, names.ENSURE_FUTURE, names.GATHER, names.SHIELD,
        names.RUN_COROUTINE_THREADSAFE, *names.TASK_CLASSES,
    ]
    assert all(default.get_function_hook(name) is None for name in functions)
    methods = [f"{names.EVENT_LOOP}.{names.CREATE_TASK_METHOD}"] + [
        f"{owner}.{method}"
        for method, (owners, _) in names.REGISTRARS.items()
        for owner in owners
    ]
    assert all(default.get_method_hook(name) is None for name in methods)


class _Ctx:
    """Just enough of a hook context for the guard."""

    default_return_type = "the default"


def _broken(ctx: object) -> object:
    raise RuntimeError("a bug in a hook")


def test_a_failing_hook_stays_silent_for_users(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(names.DEBUG_ENVIRONMENT_VARIABLE, raising=False)
    safe = checks.guarded(_broken)  # type: ignore[arg-type]
    assert safe(_Ctx()) == "the default"  # type: ignore[arg-type]


def test_a_failing_hook_crashes_under_the_debug_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(names.DEBUG_ENVIRONMENT_VARIABLE, "1")
    safe = checks.guarded(_broken)  # type: ignore[arg-type]
    with pytest.raises(RuntimeError, match="a bug in a hook"):
        safe(_Ctx())  # type: ignore[arg-type]


# -- the name walker older mypy gets (plugin/_compat.py) ---------------------

_ANALYSED_FORMS = """\
import asyncio
from typing import Any, NamedTuple, NewType, TypeVar, cast
T = TypeVar("T")
UserId = NewType("UserId", int)
class Point(NamedTuple):
    x: int
Alias = list[int]
class Base:
    def run(self) -> None: ...
class Child(Base):
    def run(self, arg: int = len("default")) -> None:
        super().run()
        seen = cast(int, arg) + {k: v for k, v in {1: 2}.items() if k}[1]
        items = [y for y in range(seen) if y > arg]
        with open("f") as handle, open("g") as other:
            del items[0:seen:2]
        try:
            assert seen, arg
        except (ValueError, TypeError) as error:
            raise RuntimeError(arg) from error
        else:
            pass
        finally:
            print(handle, other)
        match seen:
            case Point(x=value) | [value, *rest] | {"k": value, **rest}:
                print(value, rest)
            case _ if seen > 0:
                pass
        while (count := seen) > 0:
            yield_from = lambda a=seen: (a, count, f"{arg!r:>{seen}}")
            seen -= 1
        for index in range(seen):
            print(index, *items, **{"sep": ""}, end=(lambda: str(yield_from))())
async def spawn() -> None:
    asyncio.create_task(asyncio.sleep(0))
    await asyncio.gather(*[asyncio.sleep(t) for t in (1, 2)])
    reveal_type(spawn)
"""


def _trees(tmp_path: Path) -> list[MypyFile]:
    """Every case, example and test module (parsed), and a module of rare forms (analysed too:
    semantic analysis adds children such as `CallExpr.analyzed`)."""
    from mypy.build import BuildSource, build
    from mypy.errors import Errors
    from mypy.parse import parse

    from data_format import parse_file

    options = Options()
    options.cache_dir = str(tmp_path)
    sources = [
        case.main
        for path in sorted((ROOT / "test-data").glob("*.test"))
        for case in parse_file(path)
    ]
    sources += [path.read_text(encoding="utf-8") for path in (ROOT / "examples").glob("*.py")]
    sources += [path.read_text(encoding="utf-8") for path in (ROOT / "tests").glob("*.py")]
    # mypy 2 parses lazily unless asked not to.
    eager = {"eager": True} if "eager" in inspect.signature(parse).parameters else {}
    trees = [
        parse(text, f"m{number}.py", f"m{number}", Errors(options), options, **eager)
        for number, text in enumerate(sources)
    ]
    result = build([BuildSource(None, "rare_forms", _ANALYSED_FORMS)], options)
    return [*trees, result.files["rare_forms"]]


def _functions(tree: MypyFile) -> list[FuncItem]:
    """Every function (statement lists, walked here) and lambda (mypy's own finder) in a module."""
    from mypy.server.subexpr import get_subexpressions

    found: list[FuncItem] = [e for e in get_subexpressions(tree) if isinstance(e, LambdaExpr)]
    stack: list[object] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, FuncItem):
            found.append(node)
        for name in _STATEMENT_CHILDREN:
            value = getattr(node, name, None)
            if isinstance(value, list):
                stack.extend(value)
            elif value is not None:
                stack.append(value)
    return found


_STATEMENT_CHILDREN = (
    "defs", "body", "else_body", "finally_body", "handlers", "bodies", "items", "impl", "func",
)


@pytest.mark.skipif(
    _compat._all_name_and_member_expressions is None,
    reason="this mypy has no walker of its own to compare with; the cases run on the local one",
)
@pytest.mark.skipif(
    sys.version_info < (3, 11),
    reason="mypy parses with the interpreter's ast; the sources use match and except*",
)
def test_the_local_name_walker_finds_what_mypys_own_finds(tmp_path: Path) -> None:
    from mypy.traverser import all_name_and_member_expressions

    trees = _trees(tmp_path)
    assert len(trees) > 100
    compared = 0
    for tree in trees:
        for func in _functions(tree):
            holder = func if isinstance(func, LambdaExpr) else LambdaExpr([], func.body)
            expected = Counter(id(name) for name in all_name_and_member_expressions(holder)[0])
            root = func if isinstance(func, LambdaExpr) else func.body
            walked = Counter(id(name) for name in _compat.walk_name_expressions(root))
            assert walked == expected, f"{tree.fullname}: {func.name}"
            compared += 1
    assert compared > 100


def test_the_local_name_walker_survives_a_huge_expression() -> None:
    """No recursion: a 100,000-deep expression is walked like a small one."""
    expr: NameExpr | OpExpr = NameExpr("first")
    for _ in range(100_000):
        expr = OpExpr("+", expr, NameExpr("x"))
    names = _compat.walk_name_expressions(expr)
    assert len(names) == 100_001
    assert {name.name for name in names} == {"first", "x"}
