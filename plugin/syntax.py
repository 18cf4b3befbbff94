"""The one statement walker: which statements a scope holds.

Every analysis of the plugin that reads statements walks them here, and
says what it wants: into nested functions or not, into class bodies or not,
unreachable blocks or not.  Code under `if TYPE_CHECKING:` never runs and is
never walked.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator, Sequence

from mypy.nodes import (
    AssignmentStmt,
    Block,
    ClassDef,
    Context,
    Decorator,
    DelStmt,
    Expression,
    ForStmt,
    FuncDef,
    GlobalDecl,
    IfStmt,
    Import,
    ImportAll,
    ImportFrom,
    ListExpr,
    MatchStmt,
    MemberExpr,
    NameExpr,
    NonlocalDecl,
    OperatorAssignmentStmt,
    OverloadedFuncDef,
    StarExpr,
    Statement,
    TryStmt,
    TupleExpr,
    WhileStmt,
    WithStmt,
)

from .names import TYPE_CHECKING_GUARDS


def statements(
    body: Sequence[Statement],
    *,
    into_functions: bool,
    into_classes: bool,
    reachable_only: bool,
    lines: Sequence[int] | None = None,
) -> Iterator[Statement]:
    """Every statement in `body`, depth first in source order, compound ones
    included; with `lines` (sorted), only those that span one of them."""
    stack = list(reversed(body))
    while stack:
        stmt = stack.pop()
        if lines is not None and not spans_one_of(stmt, lines):
            continue
        yield stmt
        if isinstance(stmt, ClassDef) and not into_classes:
            continue
        for block in child_blocks(stmt, into_functions=into_functions):
            if not (reachable_only and block.is_unreachable):
                stack.extend(reversed(block.body))


def assigned_values(
    body: Sequence[Statement], name: str, *, into_functions: bool
) -> list[Expression] | None:
    """The values `name = value` statements in `body` give `name` (class
    bodies aside); None if `name` is also bound another way (unpacking,
    `for`, `with`, `except`, `del`, an import, `global`, a `match`), which
    says nothing certain.  Not walrus expressions: a caller that cares looks."""
    values = []
    for stmt in statements(
        body, into_functions=into_functions, into_classes=False, reachable_only=False
    ):
        if isinstance(stmt, AssignmentStmt):
            for lvalue in stmt.lvalues:
                if isinstance(lvalue, NameExpr):
                    if lvalue.name == name:
                        values.append(stmt.rvalue)
                elif name in _targets([lvalue]):
                    return None
            continue
        bound = _bound_names(stmt)
        if bound is None or name in bound:
            return None
    return values


def _bound_names(stmt: Statement) -> set[str] | None:
    """The names a statement other than an assignment binds; None if it may bind any."""
    if isinstance(stmt, OperatorAssignmentStmt):
        return _targets([stmt.lvalue])
    if isinstance(stmt, ForStmt):
        return _targets([stmt.index])
    if isinstance(stmt, WithStmt):
        return _targets([target for target in stmt.target if target is not None])
    if isinstance(stmt, TryStmt):
        return _targets([var for var in stmt.vars if var is not None])
    if isinstance(stmt, DelStmt):
        return _targets([stmt.expr])
    if isinstance(stmt, (GlobalDecl, NonlocalDecl)):
        return set(stmt.names)
    if isinstance(stmt, ImportFrom):
        return {alias or name for name, alias in stmt.names}
    if isinstance(stmt, Import):
        return {alias or module.partition(".")[0] for module, alias in stmt.ids}
    if isinstance(stmt, (ImportAll, MatchStmt)):
        return None
    return set()


def _targets(targets: list[Expression]) -> set[str]:
    """The names bound by assigning to `targets` (tuples and starred unpacked)."""
    names: set[str] = set()
    while targets:
        target = targets.pop()
        if isinstance(target, NameExpr):
            names.add(target.name)
        elif isinstance(target, (TupleExpr, ListExpr)):
            targets.extend(target.items)
        elif isinstance(target, StarExpr):
            targets.append(target.expr)
    return names


def child_blocks(stmt: Statement, *, into_functions: bool) -> Iterator[Block]:
    """The blocks directly nested in a statement (a class's body included)."""
    if isinstance(stmt, IfStmt):
        for condition, body in zip(stmt.expr, stmt.body):
            if not _is_type_checking_guard(condition):
                yield body
        if stmt.else_body is not None:
            yield stmt.else_body
    elif isinstance(stmt, (ForStmt, WhileStmt)):
        yield stmt.body
        if stmt.else_body is not None:
            yield stmt.else_body
    elif isinstance(stmt, WithStmt):
        yield stmt.body
    elif isinstance(stmt, TryStmt):
        yield stmt.body
        yield from stmt.handlers
        if stmt.else_body is not None:
            yield stmt.else_body
        if stmt.finally_body is not None:
            yield stmt.finally_body
    elif isinstance(stmt, MatchStmt):
        yield from stmt.bodies
    elif isinstance(stmt, Block):
        yield stmt
    elif isinstance(stmt, ClassDef):
        yield stmt.defs
    elif into_functions:
        if isinstance(stmt, FuncDef):
            yield stmt.body
        elif isinstance(stmt, Decorator):
            yield stmt.func.body
        elif isinstance(stmt, OverloadedFuncDef):
            for item in stmt.items:
                func = item.func if isinstance(item, Decorator) else item
                yield func.body
            if stmt.impl is not None:
                impl = stmt.impl.func if isinstance(stmt.impl, Decorator) else stmt.impl
                yield impl.body


def spans_one_of(node: Context, lines: Sequence[int]) -> bool:
    """Does the node's source span one of `lines` (sorted)?  Yes if unknown."""
    if node.end_line is None:
        return True
    first = bisect.bisect_left(lines, node.line)
    return first < len(lines) and lines[first] <= node.end_line


def _is_type_checking_guard(expr: Expression) -> bool:
    if isinstance(expr, (NameExpr, MemberExpr)):
        return expr.name in TYPE_CHECKING_GUARDS
    return False


def display_of(expr: Expression) -> str:
    """`loop`, `self.loop`: a receiver as the user wrote it (else "loop")."""
    if isinstance(expr, NameExpr):
        return expr.name
    if isinstance(expr, MemberExpr) and isinstance(expr.expr, NameExpr):
        return f"{expr.expr.name}.{expr.name}"
    return "loop"


def says_loop(expr: Expression) -> bool:
    """`loop`, `self._loop`, `event_loop`: a name that says event loop."""
    return isinstance(expr, (NameExpr, MemberExpr)) and expr.name.lower().endswith("loop")
