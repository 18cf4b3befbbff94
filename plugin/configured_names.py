"""Do the names configured in [mypy_dangling_tasks] exist?  Checked on each module as mypy parses it."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from mypy.nodes import (
    AssignmentStmt,
    ClassDef,
    Decorator,
    FuncDef,
    Import,
    ImportAll,
    ImportFrom,
    MypyFile,
    NameExpr,
    OverloadedFuncDef,
    Statement,
)

from .positions import iter_statements


def missing_in_module(tree: MypyFile, names: Iterable[str]) -> list[str]:
    """Configured names that point into `tree` but name nothing defined there.

    Only judged where the answer is certain: the rest of the name after the
    module is `function` or `Class.method`, and the module is not a package
    `__init__` (whose unknown names may be submodules).  A module with a
    star import or a module-level `__getattr__` is never judged.
    """
    if tree.is_package_init_file():
        return []
    prefix = tree.fullname + "."
    wanted = [name for name in names if name.startswith(prefix)]
    if not wanted:
        return []
    top = _top_level_names(tree.defs)
    if top is None or "__getattr__" in top:
        return []
    missing = []
    for name in wanted:
        parts = name[len(prefix) :].split(".")
        if parts[0] not in top:
            missing.append(name)
        elif len(parts) == 2:
            members = _class_members(tree.defs, parts[0])
            if members is not None and parts[1] not in members:
                missing.append(name)
    return missing


def _top_level_names(statements: list[Statement]) -> set[str] | None:
    """Names a module binds at top level (through if/try too); None if unknowable."""
    found: set[str] = set()
    for stmt in iter_statements(statements, into_functions=False):
        if isinstance(stmt, ImportAll):
            return None
        found.update(_bound_names(stmt))
    return found


def _class_members(statements: list[Statement], class_name: str) -> set[str] | None:
    for stmt in iter_statements(statements, into_functions=False):
        if isinstance(stmt, ClassDef) and stmt.name == class_name:
            if stmt.base_type_exprs or stmt.decorators or stmt.metaclass:
                return None  # inherited or generated members: cannot tell
            members: set[str] = set()
            for inner in iter_statements(stmt.defs.body, into_functions=False):
                members.update(_bound_names(inner))
            return members
    return None


def _bound_names(stmt: Statement) -> Iterator[str]:
    if isinstance(stmt, (FuncDef, ClassDef, OverloadedFuncDef)):
        yield stmt.name
    elif isinstance(stmt, Decorator):
        yield stmt.func.name
    elif isinstance(stmt, AssignmentStmt):
        for lvalue in stmt.lvalues:
            if isinstance(lvalue, NameExpr):
                yield lvalue.name
    elif isinstance(stmt, Import):
        for module, alias in stmt.ids:
            yield alias or module.split(".")[0]
    elif isinstance(stmt, ImportFrom):
        for name, alias in stmt.names:
            yield alias or name
