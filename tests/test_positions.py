"""The statement index answers from the statements on the call's line alone
exactly what the index of the whole scope answers.

Every program of test-data is analysed by mypy, and for every call in every
scope (module and function bodies) the drop found by a fresh index, by an
index already asked about other lines, and by a whole-scope index must agree.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from mypy import build
from mypy.modulefinder import BuildSource
from mypy.nodes import (
    CallExpr,
    Decorator,
    FuncDef,
    MemberExpr,
    MypyFile,
    OverloadedFuncDef,
    Statement,
)
from mypy.options import Options
from mypy.server.subexpr import get_subexpressions

from data_format import TARGET_PYTHON, module_name, parse_file
from mypy_dangling_tasks import positions
from mypy_dangling_tasks.positions import (
    LINES_BEFORE_WHOLE_SCOPE,
    Drop,
    Scope,
    ScopeIndex,
    iter_statements,
)

DATA = Path(__file__).resolve().parent.parent / "test-data"


def _analysed_trees() -> list[MypyFile]:
    sources = {}
    for path in sorted(DATA.glob("*.test")):
        for case in parse_file(path):
            if case.batchable and case.unparsable_here() is None:
                sources[module_name(case)] = case.main
    return _analysed(sources)


def _analysed(sources: dict[str, str]) -> list[MypyFile]:
    options = Options()
    options.python_version = tuple(int(part) for part in TARGET_PYTHON.split("."))  # type: ignore[assignment]
    options.incremental = False
    options.check_untyped_defs = True
    options.preserve_asts = True  # the trees are read after the build
    result = build.build(
        [BuildSource(None, name, text) for name, text in sources.items()], options
    )
    return [result.files[name] for name in sources]


def _statements(scope: Scope) -> list[Statement]:
    return scope.defs if isinstance(scope, MypyFile) else scope.body.body


def _whole(scope: Scope) -> ScopeIndex:
    index = ScopeIndex(scope, _statements(scope))
    index._index_whole_scope()
    return index


def _scopes_and_calls(tree: MypyFile) -> Iterator[tuple[Scope, list[CallExpr]]]:
    """The module and each function in it (methods and nested ones too), with
    the calls anywhere inside."""
    scopes: list[Scope] = [tree]
    for stmt in iter_statements(tree.defs, into_functions=True):
        if isinstance(stmt, Decorator):
            scopes.append(stmt.func)
        elif isinstance(stmt, FuncDef):
            scopes.append(stmt)
        elif isinstance(stmt, OverloadedFuncDef) and stmt.impl is not None:
            impl = stmt.impl
            scopes.append(impl.func if isinstance(impl, Decorator) else impl)
    for scope in scopes:
        yield scope, [e for e in get_subexpressions(scope) if isinstance(e, CallExpr)]


def test_an_index_of_the_call_s_line_answers_as_the_whole_scope() -> None:
    compared = dropped = 0
    for tree in _analysed_trees():
        for scope, calls in _scopes_and_calls(tree):
            whole = _whole(scope)
            shared = ScopeIndex(scope, _statements(scope))
            for call in reversed(calls):  # other lines first, as mypy may ask
                expected: Drop | None = whole.drop_of(call)
                alone = ScopeIndex(scope, _statements(scope)).drop_of(call)
                assert alone == expected, f"{tree.fullname}:{call.line}: {alone} != {expected}"
                assert shared.drop_of(call) == expected, f"{tree.fullname}:{call.line}"
                compared += 1
                dropped += expected is not None
    # About 2,300 calls, 440 of them dropped, on mypy 2.4.1.
    assert compared > 1000 and dropped > 300, (compared, dropped)


def test_a_scope_asked_about_many_lines_is_indexed_whole_once() -> None:
    calls = 3 * LINES_BEFORE_WHOLE_SCOPE
    body = "".join(f"    asyncio.create_task(work())\n    x{i} = 1\n" for i in range(calls))
    source = f"import asyncio\nasync def work() -> None: ...\ndef spawn() -> None:\n{body}"
    [tree] = _analysed({"many": source})
    [(function, spawns)] = [
        (scope, [c for c in found if isinstance(c.callee, MemberExpr)])
        for scope, found in _scopes_and_calls(tree)
        if isinstance(scope, FuncDef) and scope.name == "spawn"
    ]
    assert len(spawns) == calls
    index = ScopeIndex(function, _statements(function))
    for asked, call in enumerate(spawns, start=1):
        assert index.drop_of(call) is not None
        if asked <= LINES_BEFORE_WHOLE_SCOPE:
            # Only the lines asked about so far are indexed.
            assert len(index.drops) == asked
        else:
            # Then the whole body, once: every spawner call's drop is known.
            assert len(index.drops) == calls


def _isinstance_classes(function: ast.AST, *, stop_at: str | None = None) -> set[str]:
    """The classes named in isinstance() tests in `function`, up to the test of `stop_at`."""
    found: set[str] = set()
    for node in ast.walk(function):
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == stop_at:
            for inner in ast.walk(node):
                if isinstance(inner, ast.Call):
                    inner.func = ast.Name("skipped")  # the branch `stop_at` guards
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "isinstance":
            classes = node.args[1]
            items = classes.elts if isinstance(classes, ast.Tuple) else [classes]
            found.update(item.id for item in items if isinstance(item, ast.Name))
    return found


def _function(tree: ast.Module, name: str) -> ast.AST:
    return next(
        node for node in ast.walk(tree) if isinstance(node, ast.FunctionDef) and node.name == name
    )


def test_the_shortcuts_of_the_walk_name_every_kind_it_looks_into() -> None:
    tree = ast.parse(Path(positions.__file__).read_text(encoding="utf-8"))
    parts = _isinstance_classes(_function(tree, "_dropped_parts"))
    assert {c.__name__ for c in positions.MAY_DROP_A_CALL} == parts | {"CallExpr", "AssignmentExpr"}
    assert {"CallExpr", "AssignmentExpr"} <= _isinstance_classes(_function(tree, "value"))
    blocks = _isinstance_classes(_function(tree, "_child_blocks"), stop_at="into_functions")
    assert {c.__name__ for c in positions.COMPOUND_STATEMENTS} == blocks
