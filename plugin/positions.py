"""Is this call's result dropped?  The statement analysis.

mypy has no statement hook, so the spawner hooks ask this module whether the
call they see sits where its value is thrown away.  The answer comes from an
index of one scope (a module or a function body), built once on the first
question asked in that scope and kept as long as mypy keeps the same
statement list.  Only syntax is indexed here; whether the call creates a task
is decided from types by the hooks.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Final, NamedTuple, Union

from mypy.nodes import (
    AssignmentExpr,
    AssignmentStmt,
    AssertTypeExpr,
    Block,
    CallExpr,
    CastExpr,
    ClassDef,
    ConditionalExpr,
    Decorator,
    DictExpr,
    DictionaryComprehension,
    Expression,
    ExpressionStmt,
    ForStmt,
    FuncDef,
    FuncItem,
    GlobalDecl,
    IfStmt,
    LambdaExpr,
    ListComprehension,
    ListExpr,
    MatchStmt,
    MemberExpr,
    MypyFile,
    NameExpr,
    NonlocalDecl,
    OpExpr,
    OverloadedFuncDef,
    SetComprehension,
    SetExpr,
    StarExpr,
    Statement,
    TryStmt,
    TupleExpr,
    WhileStmt,
    WithStmt,
)

from . import _compat
from .names import LOCALS_INTROSPECTION, NON_RETAINING_METHODS, TYPE_CHECKING_GUARDS

Scope = Union[MypyFile, FuncItem]


class Drop(NamedTuple):
    """How a call's value is lost.  `names` empty: discarded outright."""

    names: tuple[str, ...] = ()
    # A name here is an ordinary local: dropped only if it is never read.
    locals_to_check: tuple[str, ...] = ()


DISCARDED: Final = Drop()


class ScopeIndex:
    """Dropped call positions of one scope, and what is needed to judge locals."""

    __slots__ = ("scope", "statements", "drops", "stores", "_read_names", "_reads_everything")

    def __init__(self, scope: Scope, statements: list[Statement]) -> None:
        self.scope = scope
        self.statements = statements
        self.drops: dict[Expression, Drop] = {}
        # NameExprs that only store (plain assignment targets): not reads.
        self.stores: set[NameExpr] = set()
        self._read_names: frozenset[str] | None = None
        self._reads_everything = False

    def drop_of(self, call: Expression) -> Drop | None:
        drop = self.drops.get(call)
        if drop is None or not drop.locals_to_check:
            return drop
        if any(self._is_read(name) for name in drop.locals_to_check):
            return None
        return drop

    def _is_read(self, name: str) -> bool:
        if self._read_names is None:
            self._collect_reads()
        assert self._read_names is not None
        return self._reads_everything or name in self._read_names

    def _collect_reads(self) -> None:
        assert isinstance(self.scope, FuncItem)
        reads = {
            expr.name for expr in _compat.name_expressions(self.scope) if expr not in self.stores
        }
        for stmt in iter_statements(self.scope.body.body, into_functions=True):
            if isinstance(stmt, (GlobalDecl, NonlocalDecl)):
                reads.update(stmt.names)
            elif isinstance(stmt, (FuncDef, ClassDef)):
                reads.add(stmt.name)
            elif isinstance(stmt, Decorator):
                reads.add(stmt.func.name)
            elif isinstance(stmt, OverloadedFuncDef) and stmt.items:
                reads.add(stmt.name)
        self._reads_everything = not LOCALS_INTROSPECTION.isdisjoint(reads)
        self._read_names = frozenset(reads)


class IndexCache:
    """The indexes of the module being checked, one per statement list.

    dmypy replaces a module's or a function's statement list when it is
    edited while keeping the owning node, so the list itself is the key; the
    index holds the list, which keeps its id() from being reused.  Only the
    current module's indexes are kept, so memory stays bounded by one module
    and a long-lived daemon holds on to no old trees.
    """

    def __init__(self) -> None:
        self._tree: MypyFile | None = None
        self._by_list: dict[int, ScopeIndex] = {}

    def index_for(self, tree: MypyFile, scope: Scope) -> ScopeIndex:
        if tree is not self._tree:
            self._tree = tree
            self._by_list = {}
        statements = scope.defs if isinstance(scope, MypyFile) else scope.body.body
        index = self._by_list.get(id(statements))
        if index is None or index.statements is not statements:
            index = build_index(scope, statements)
            self._by_list[id(statements)] = index
        return index


def build_index(scope: Scope, statements: list[Statement]) -> ScopeIndex:
    index = ScopeIndex(scope, statements)
    _Indexer(index, in_function=isinstance(scope, FuncItem)).block(statements)
    return index


def dropped_in_lambda(lambda_expr: LambdaExpr) -> dict[Expression, Drop]:
    """Calls whose value is lost when the lambda's result is thrown away."""
    index = ScopeIndex(lambda_expr, lambda_expr.body.body)
    indexer = _Indexer(index, in_function=False)
    body = lambda_expr.body.body
    if body:
        expr = getattr(body[-1], "expr", None)
        if isinstance(expr, Expression):
            indexer.value(expr, DISCARDED)
    return index.drops


def is_underscore(name: str) -> bool:
    return name != "" and name.strip("_") == ""


class _Indexer:
    def __init__(self, index: ScopeIndex, *, in_function: bool) -> None:
        self.index = index
        self.in_function = in_function

    def block(self, statements: Sequence[Statement]) -> None:
        for stmt in statements:
            self.statement(stmt)

    def statement(self, stmt: Statement) -> None:
        if isinstance(stmt, ExpressionStmt):
            self.value(stmt.expr, DISCARDED)
        elif isinstance(stmt, AssignmentStmt):
            self.assignment(stmt)
        elif isinstance(stmt, ClassDef) and self.in_function:
            # A class body binds class attributes, not locals of the function.
            _Indexer(self.index, in_function=False).block(stmt.defs.body)
        else:
            for block in _child_blocks(stmt, into_functions=False):
                if not block.is_unreachable:
                    self.block(block.body)

    def assignment(self, stmt: AssignmentStmt) -> None:
        for lvalue in stmt.lvalues:
            self._note_stores(lvalue)
        if len(stmt.lvalues) == 1 and isinstance(stmt.lvalues[0], (TupleExpr, ListExpr)):
            self._unpack(stmt.lvalues[0], stmt.rvalue)
            return
        drop = self._target_drop(stmt.lvalues)
        if drop is not None:
            self.value(stmt.rvalue, drop)

    def _unpack(self, target: TupleExpr | ListExpr, rvalue: Expression) -> None:
        if not isinstance(rvalue, (TupleExpr, ListExpr)) or len(rvalue.items) != len(target.items):
            return
        if any(isinstance(item, StarExpr) for item in [*target.items, *rvalue.items]):
            return
        for item_target, item_value in zip(target.items, rvalue.items):
            if isinstance(item_target, (TupleExpr, ListExpr)):
                self._unpack(item_target, item_value)
            else:
                drop = self._target_drop([item_target])
                if drop is not None:
                    self.value(item_value, drop)

    def _target_drop(self, targets: Sequence[Expression]) -> Drop | None:
        """The Drop for a value bound to all of `targets`, or None if one keeps it."""
        names: list[str] = []
        to_check: list[str] = []
        for target in targets:
            if not isinstance(target, NameExpr):
                return None
            if is_underscore(target.name):
                names.append(target.name)
            elif self.in_function:
                names.append(target.name)
                to_check.append(target.name)
            else:
                return None
        return Drop(tuple(names), tuple(to_check))

    def _note_stores(self, lvalue: Expression) -> None:
        if isinstance(lvalue, NameExpr):
            self.index.stores.add(lvalue)
        elif isinstance(lvalue, (TupleExpr, ListExpr)):
            for item in lvalue.items:
                self._note_stores(item)

    def value(self, expr: Expression, drop: Drop) -> None:
        """Record that the value of `expr` is lost in the way `drop` says.

        Iterative: a statement made of a thousand-operand `and` chain must not
        exhaust Python's recursion limit inside mypy.
        """
        pending: list[tuple[Expression, Drop]] = [(expr, drop)]
        while pending:
            expr, drop = pending.pop()
            if isinstance(expr, CallExpr):
                self.index.drops.setdefault(expr, drop)
                callee = expr.callee
                # `create_task(w()).add_done_callback(cb)`: the method's result
                # is what is kept (or not); the task itself is gone either way.
                if (
                    isinstance(callee, MemberExpr)
                    and isinstance(callee.expr, CallExpr)
                    and callee.name in NON_RETAINING_METHODS
                ):
                    pending.append((callee.expr, DISCARDED))
            elif isinstance(expr, AssignmentExpr):
                walrus = self._walrus(expr, drop)
                if walrus is not None:
                    pending.append((expr.value, walrus))
            else:
                pending.extend((part, drop) for part in _dropped_parts(expr))

    def _walrus(self, expr: AssignmentExpr, outer: Drop) -> Drop | None:
        """How the walrus's value is lost: only if its target is never read too."""
        own = self._target_drop([expr.target])
        if own is None:
            return None
        if isinstance(expr.target, NameExpr):  # typed Expression before mypy 1.16
            self.index.stores.add(expr.target)
        return Drop((*outer.names, *own.names), (*outer.locals_to_check, *own.locals_to_check))


def _dropped_parts(expr: Expression) -> Iterator[Expression]:
    """Sub-expressions whose value is lost when the value of `expr` is."""
    if isinstance(expr, OpExpr):
        if expr.op in ("and", "or"):
            yield expr.left
            yield expr.right
    elif isinstance(expr, ConditionalExpr):
        yield expr.if_expr
        yield expr.else_expr
    elif isinstance(expr, (ListExpr, SetExpr, TupleExpr)):
        yield from expr.items
    elif isinstance(expr, DictExpr):
        for key, item in expr.items:
            if key is not None:
                yield key
            yield item
    elif isinstance(expr, (ListComprehension, SetComprehension)):
        yield expr.generator.left_expr
    elif isinstance(expr, DictionaryComprehension):
        for part in (expr.key, expr.value):
            if part is not None:
                yield part
    elif isinstance(expr, (CastExpr, AssertTypeExpr)):
        yield expr.expr


def _is_type_checking_guard(expr: Expression) -> bool:
    if isinstance(expr, (NameExpr, MemberExpr)):
        return expr.name in TYPE_CHECKING_GUARDS
    return False


def _child_blocks(stmt: Statement, *, into_functions: bool) -> Iterator[Block]:
    """The blocks directly nested in a compound statement."""
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


def iter_statements(statements: Sequence[Statement], *, into_functions: bool) -> Iterator[Statement]:
    """Every statement in `statements`, depth first, compound ones included."""
    stack = list(reversed(statements))
    while stack:
        stmt = stack.pop()
        yield stmt
        for block in _child_blocks(stmt, into_functions=into_functions):
            stack.extend(reversed(block.body))
