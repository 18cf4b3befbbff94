"""Is this call's result dropped?  The statement analysis.

mypy has no statement hook, so the spawner hooks ask this module whether the
call they see sits where its value is thrown away.  The answer comes from an
index of one scope (a module or a function body), built on the first
question and kept as long as mypy keeps the same statement list.  Only
syntax is indexed here; whether the call creates a task is decided from
types by the hooks.  A Drop says how the value is lost, in the words of the
error (errorcodes.py): a new way of losing a task is a new template there.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Final, NamedTuple, Union

from mypy.nodes import (
    ARG_STAR,
    ARG_STAR2,
    AssignmentExpr,
    AssignmentStmt,
    AssertTypeExpr,
    AwaitExpr,
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
    FuncDef,
    FuncItem,
    GeneratorExpr,
    GlobalDecl,
    IfStmt,
    LambdaExpr,
    ListComprehension,
    ListExpr,
    MemberExpr,
    MypyFile,
    NameExpr,
    NonlocalDecl,
    OpExpr,
    OverloadedFuncDef,
    RefExpr,
    SetComprehension,
    SetExpr,
    StarExpr,
    Statement,
    StrExpr,
    TupleExpr,
    TryStmt,
    UnaryExpr,
    WhileStmt,
)

from . import _compat, errorcodes
from .names import (
    ADD_DONE_CALLBACK,
    CANCEL_METHOD,
    CREATE_TASK_METHOD,
    LOCAL_NON_RETAINING_METHODS,
    LOCALS_INTROSPECTION,
    NON_RETAINING_METHODS,
    WAIT,
    WAIT_RETURN_WHEN_CONSTANTS,
    WAIT_RETURN_WHEN_PARAMETER,
    WAIT_RETURNING_EARLY,
    WAIT_TASKS_PARAMETER,
    WAIT_TIMEOUT_PARAMETER,
)
from .spawners import LOOP_REGISTRARS
from .syntax import statements

Scope = Union[MypyFile, FuncItem]


# Drop.reason: the value went into `asyncio.wait`, whose "pending" part,
# which may still hold it, is what is lost.
PENDING_AFTER_WAIT: Final = "pending-after-wait"


class Drop(NamedTuple):
    """How a call's value is lost.  `names` empty: discarded outright."""

    names: tuple[str, ...] = ()
    # A name here is an ordinary local: dropped only if it is never read.
    locals_to_check: tuple[str, ...] = ()
    # Empty: the value itself is lost; otherwise one of the reasons above.
    reason: str = ""
    # The local is read only to call these methods, none of which keeps the
    # task (`task.add_done_callback(cb)`); set by ScopeIndex.drop_of.
    methods: tuple[str, ...] = ()
    # The lambda whose result this is: lost only if the callee of the lambda
    # throws its results away (a registrar, judged by the registrar's hook).
    in_lambda: LambdaExpr | None = None

    def message(self, subject: str) -> str:
        """The error: `subject` (whose reference it was) and how it was lost."""
        if self.reason == PENDING_AFTER_WAIT:
            return errorcodes.PENDING_AFTER_WAIT.format(subject=subject)
        name = self.locals_to_check[0] if self.locals_to_check else ""
        if self.methods == (ADD_DONE_CALLBACK,):
            template = errorcodes.ONLY_CALLBACKS_LOCAL
        elif self.methods:
            template = errorcodes.ONLY_METHODS_LOCAL
        elif self.locals_to_check:
            template = errorcodes.UNREAD_LOCAL
        elif self.names:
            template, name = errorcodes.UNDERSCORE, self.names[0]
        else:
            template = errorcodes.DISCARDED
        methods = ", ".join(f'"{method}"' for method in self.methods)
        return template.format(subject=subject, name=name, methods=methods)

    @property
    def note(self) -> str | None:
        """A note of its own, or None for the spawner's."""
        return errorcodes.PENDING_NOTE if self.reason == PENDING_AFTER_WAIT else None


DISCARDED: Final = Drop()


class ScopeIndex:
    """Dropped call positions of one scope, and what is needed to judge locals."""

    def __init__(self, scope: Scope, statements: list[Statement]) -> None:
        self.scope = scope
        self.statements = statements
        self._read_names: frozenset[str] | None = None
        self._reads_everything = False
        # Locals read only as `name.method(...)` statements, and those methods.
        self._methods_called: dict[str, tuple[str, ...]] = {}
        self._spawn_calls: dict[Expression, CallExpr] | None = None
        self._registrar_calls: dict[Expression, CallExpr] | None = None
        indexer = _Indexer(in_function=isinstance(scope, FuncItem))
        indexer.scope(statements)
        self.drops = indexer.drops
        self.stores = indexer.stores
        self.wait_locals = indexer.wait_locals

    def registrar_call_of(self, callback: LambdaExpr) -> CallExpr | None:
        """The `x.call_later(..., callback)` call (any loop registrar) that
        `callback` is handed to, if any."""
        if self._registrar_calls is None:
            body = self.scope if isinstance(self.scope, MypyFile) else self.scope.body
            found = _compat.subexpressions(body) or []
            self._registrar_calls = {
                arg: call
                for call in found
                if isinstance(call, CallExpr)
                and isinstance(call.callee, MemberExpr)
                and call.callee.name in LOOP_REGISTRARS
                for arg in call.args
                if isinstance(arg, LambdaExpr)
            }
        return self._registrar_calls.get(callback)

    def spawn_call_of(self, argument: Expression) -> CallExpr | None:
        """The dropped `x.create_task(argument)` call, if `argument` is its coroutine."""
        if self._spawn_calls is None:
            self._spawn_calls = {}
            for call in self.drops:
                coroutine = create_task_argument(call)
                if coroutine is not None and isinstance(call, CallExpr):
                    self._spawn_calls[coroutine] = call
        return self._spawn_calls.get(argument)

    def drop_of(self, call: Expression) -> Drop | None:
        drop = self.drops.get(call)
        if drop is None or not drop.locals_to_check:
            return drop
        drop = self._through_wait(drop)
        if any(self._is_read(name) for name in drop.locals_to_check):
            return None
        return self._with_methods(drop)

    def _with_methods(self, drop: Drop) -> Drop:
        """Name first the local whose methods are called, and which ones."""
        used = [name for name in drop.locals_to_check if name in self._methods_called]
        if not used:
            return drop
        unused = [name for name in drop.locals_to_check if name not in self._methods_called]
        methods = sorted({m for name in used for m in self._methods_called[name]})
        return drop._replace(locals_to_check=(*used, *unused), methods=tuple(methods))

    def _through_wait(self, drop: Drop) -> Drop:
        """A local read only as a task of `asyncio.wait`: the value is lost
        with the "pending" part, so the locals holding that part must be
        unread too (and so on, when they are handed to another wait)."""
        if not self.wait_locals or self.wait_locals.keys().isdisjoint(drop.locals_to_check):
            return drop
        names = list(drop.locals_to_check)
        seen = set(names)
        for name in names:  # grows while iterating: the closure
            for holder in self.wait_locals.get(name, ()):
                if holder not in seen:
                    seen.add(holder)
                    names.append(holder)
        return Drop(drop.names, tuple(names), PENDING_AFTER_WAIT)

    def _is_read(self, name: str) -> bool:
        if self._read_names is None:
            self._collect_reads()
        assert self._read_names is not None
        return self._reads_everything or name in self._read_names

    def _collect_reads(self) -> None:
        assert isinstance(self.scope, FuncItem)
        names = _compat.name_expressions(self.scope.body)
        if names is None:  # cannot tell which locals are read: every one may be
            self._reads_everything = True
            self._read_names = frozenset()
            return
        method_calls = non_retaining_method_calls(self.scope.body.body)
        if self.wait_locals:
            method_calls.update(_checks_of_waited(self.scope.body.body, self.wait_locals.keys()))
        reads = {
            expr.name for expr in names if expr not in self.stores and expr not in method_calls
        }
        body = self.scope.body.body
        for stmt in statements(body, into_functions=True, into_classes=True, reachable_only=False):
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
        methods: dict[str, set[str]] = {}
        for receiver, method in method_calls.items():
            methods.setdefault(receiver.name, set()).add(method)
        self._methods_called = {
            name: tuple(sorted(found)) for name, found in methods.items() if name not in reads
        }


def non_retaining_method_calls(body: Sequence[Statement]) -> dict[NameExpr, str]:
    """`name` in statements `name.m(...)` / `x = name.m(...)`, m keeping nothing.

    Such a read leaves a task held by `name` as lost as before.  Only
    statements of the scope itself count: a nested function or class reading
    the name is a capture, and keeps it.
    """
    found: dict[NameExpr, str] = {}
    for stmt in statements(body, into_functions=False, into_classes=False, reachable_only=False):
        if isinstance(stmt, ExpressionStmt):
            value: Expression | None = stmt.expr
        elif isinstance(stmt, AssignmentStmt):
            value = stmt.rvalue
        else:
            continue
        call = _method_call(value) if value is not None else None
        if call is not None and call[1] in LOCAL_NON_RETAINING_METHODS:
            found[call[0]] = call[1]
    return found


def _checks_of_waited(body: Sequence[Statement], waited: Iterable[str]) -> dict[NameExpr, str]:
    """Reads of locals handed to a pending-leaving `asyncio.wait` that keep nothing.

    `task.done()` in a condition (`if not task.done(): log(...)`) keeps no
    reference, and neither does a `task.cancel()` that runs on some paths
    only, for a reason that is not the task (in an `except` handler, in an
    `if` whose test does not read it): on the other paths the task is
    dropped while it may still be pending.  A cancel on every path (a
    statement of the scope, `finally:`) or one tested on the task (`if not
    task.done():`, `else:` of `if task in done:`) stays a read.
    """
    names = frozenset(waited)
    found: dict[NameExpr, str] = {}
    one_path: set[Statement] = set()
    for stmt in statements(body, into_functions=False, into_classes=False, reachable_only=False):
        branches: list[Block] = []
        if isinstance(stmt, IfStmt):
            tested = [_reads_any(condition, names) for condition in stmt.expr]
            for condition in stmt.expr:
                found.update(_condition_checks(condition, names))
            branches = [block for block, reads in zip(stmt.body, tested) if not reads]
            if stmt.else_body is not None and not any(tested):
                branches.append(stmt.else_body)
        elif isinstance(stmt, WhileStmt):
            found.update(_condition_checks(stmt.expr, names))
        elif isinstance(stmt, TryStmt):
            branches = list(stmt.handlers)
        for block in branches:  # the walk reaches them after their statement
            one_path.update(
                statements(block.body, into_functions=False, into_classes=False, reachable_only=False)
            )
        if isinstance(stmt, ExpressionStmt) and stmt in one_path:
            call = _method_call(stmt.expr)
            if call is not None and call[0].name in names and call[1] == CANCEL_METHOD:
                found[call[0]] = CANCEL_METHOD
    return found


def _method_call(expr: Expression) -> tuple[NameExpr, str] | None:
    """(`name`, `method`) for `name.method(...)`."""
    if (
        isinstance(expr, CallExpr)
        and isinstance(expr.callee, MemberExpr)
        and isinstance(expr.callee.expr, NameExpr)
    ):
        return expr.callee.expr, expr.callee.name
    return None


def _condition_checks(condition: Expression, names: frozenset[str]) -> dict[NameExpr, str]:
    """`task.done()` and the like in a condition, through `not`, `and` and `or`."""
    found: dict[NameExpr, str] = {}
    pending = [condition]
    while pending:
        expr = pending.pop()
        if isinstance(expr, UnaryExpr) and expr.op == "not":
            pending.append(expr.expr)
        elif isinstance(expr, OpExpr) and expr.op in ("and", "or"):
            pending.extend((expr.left, expr.right))
        else:
            call = _method_call(expr)
            if call is not None and call[0].name in names and call[1] in LOCAL_NON_RETAINING_METHODS:
                found[call[0]] = call[1]
    return found


def _reads_any(expr: Expression, names: frozenset[str]) -> bool:
    found = _compat.name_expressions(expr)
    return found is None or any(name.name in names for name in found)


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
            index = ScopeIndex(scope, statements)
            self._by_list[id(statements)] = index
        return index


def dropped_in_lambda(lambda_expr: LambdaExpr) -> dict[Expression, Drop]:
    """Calls whose value is lost when the lambda's result is thrown away."""
    indexer = _Indexer(in_function=False)
    value = returned_value(lambda_expr)
    if value is not None:
        indexer.value(value, DISCARDED)
    return indexer.drops


def returned_value(lambda_expr: LambdaExpr) -> Expression | None:
    """The expression a lambda returns."""
    body = lambda_expr.body.body
    expr = getattr(body[-1], "expr", None) if body else None
    return expr if isinstance(expr, Expression) else None


def create_task_argument(expr: Expression) -> Expression | None:
    """`argument` of `x.create_task(argument, ...)`."""
    if (
        isinstance(expr, CallExpr)
        and isinstance(expr.callee, MemberExpr)
        and expr.callee.name == CREATE_TASK_METHOD
        and expr.args
    ):
        return expr.args[0]
    return None


def is_underscore(name: str) -> bool:
    return name != "" and name.strip("_") == ""


class _Indexer:
    """Records the drops (and stores) of a scope's statements."""

    def __init__(self, *, in_function: bool) -> None:
        self.in_function = in_function
        self.drops: dict[Expression, Drop] = {}
        # NameExprs that are not reads: plain assignment targets, and the
        # tasks handed to an `asyncio.wait` whose "pending" part is lost
        # (they do not keep a task alive; wait_locals says why).
        self.stores: set[NameExpr] = set()
        # Local -> the locals that hold the "pending" part of an
        # `asyncio.wait` it is handed to (empty: that part is thrown away).
        self.wait_locals: dict[str, tuple[str, ...]] = {}

    def scope(self, body: Sequence[Statement]) -> None:
        in_function = self.in_function
        for stmt in statements(
            body, into_functions=False, into_classes=not in_function, reachable_only=True
        ):
            if isinstance(stmt, ExpressionStmt):
                self.value(stmt.expr, DISCARDED)
                self.wait_result(stmt.expr, DISCARDED)
            elif isinstance(stmt, AssignmentStmt):
                self.assignment(stmt)
                self.wait_assignment(stmt)
            elif isinstance(stmt, ClassDef) and in_function:
                # A class body binds class attributes, not locals of the function.
                self.in_function = False
                self.scope(stmt.defs.body)
                self.in_function = True

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
            self.stores.add(lvalue)
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
                self.drops.setdefault(expr, drop)
                callee = expr.callee
                # `create_task(w()).add_done_callback(cb)`: the method's result
                # is what is kept (or not); the task itself is gone either way.
                # `create_task(c).cancel()` closes the coroutine unstarted: nothing is lost.
                if (
                    isinstance(callee, MemberExpr)
                    and isinstance(callee.expr, CallExpr)
                    and callee.name in NON_RETAINING_METHODS
                    and callee.name != CANCEL_METHOD
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
            self.stores.add(expr.target)
        return Drop(
            (*outer.names, *own.names),
            (*outer.locals_to_check, *own.locals_to_check),
            outer.reason,
        )

    # -- asyncio.wait ----------------------------------------------------

    def wait_assignment(self, stmt: AssignmentStmt) -> None:
        """`done, pending = await asyncio.wait(...)`, `_ = ...`, `res = ...`."""
        if _awaited_wait(stmt.rvalue) is None:
            return
        if len(stmt.lvalues) == 1 and isinstance(stmt.lvalues[0], (TupleExpr, ListExpr)):
            targets = stmt.lvalues[0].items
            if len(targets) != 2 or any(isinstance(item, StarExpr) for item in targets):
                return
            pending = self._target_drop([targets[1]])
        else:
            pending = self._target_drop(stmt.lvalues)
        if pending is not None:
            self.wait_result(stmt.rvalue, pending)

    def wait_result(self, expr: Expression, pending: Drop) -> None:
        """`expr` is perhaps `await asyncio.wait(tasks, ...)` whose "pending"
        part is lost as `pending` says: the tasks created in `tasks`, and
        the locals read there, are lost with it if they may still run."""
        call = _awaited_wait(expr)
        if call is None or not _may_return_early(call):
            return
        tasks = _argument(call, WAIT_TASKS_PARAMETER, position=0)
        drop = pending._replace(reason=PENDING_AFTER_WAIT)
        if isinstance(tasks, (ListExpr, SetExpr, TupleExpr)):
            for item in tasks.items:
                if isinstance(item, NameExpr):
                    self._handed_to_wait(item, pending)
                else:
                    self.value(item, drop)
        elif isinstance(tasks, (ListComprehension, SetComprehension)):
            self.value(tasks.generator.left_expr, drop)
        elif isinstance(tasks, GeneratorExpr):
            self.value(tasks.left_expr, drop)
        elif isinstance(tasks, NameExpr):
            self._handed_to_wait(tasks, pending)

    def _handed_to_wait(self, name: NameExpr, pending: Drop) -> None:
        if not self.in_function:
            return
        self.stores.add(name)
        holders = self.wait_locals.get(name.name, ())
        self.wait_locals[name.name] = (*holders, *pending.locals_to_check)


def _awaited_wait(expr: Expression) -> CallExpr | None:
    """The call in `await asyncio.wait(...)`, matched by fullname.

    An un-awaited `asyncio.wait(...)` never runs: mypy reports the unused
    coroutine, which is the bug to fix first.
    """
    if not isinstance(expr, AwaitExpr):
        return None
    call = expr.expr
    if isinstance(call, CallExpr) and isinstance(call.callee, RefExpr):
        if call.callee.fullname == WAIT:
            return call
    return None


def _may_return_early(call: CallExpr) -> bool:
    """Can this `asyncio.wait` return while some of its tasks still run?

    Yes with a timeout that is not the literal None, or with return_when
    FIRST_COMPLETED / FIRST_EXCEPTION; no with neither; and no (not
    judged) when return_when is an expression whose value is not known.
    """
    if any(kind in (ARG_STAR, ARG_STAR2) for kind in call.arg_kinds):
        return False
    timeout = _argument(call, WAIT_TIMEOUT_PARAMETER)
    if timeout is not None and not (isinstance(timeout, NameExpr) and timeout.name == "None"):
        return True
    return_when = _argument(call, WAIT_RETURN_WHEN_PARAMETER)
    if isinstance(return_when, StrExpr):
        return return_when.value in WAIT_RETURNING_EARLY
    if isinstance(return_when, RefExpr):
        return WAIT_RETURN_WHEN_CONSTANTS.get(return_when.fullname) in WAIT_RETURNING_EARLY
    return False


def _argument(call: CallExpr, name: str, position: int | None = None) -> Expression | None:
    """The argument passed for parameter `name` (or at `position`), if any."""
    positional = 0
    for arg, arg_name in zip(call.args, call.arg_names):
        if arg_name == name:
            return arg
        if arg_name is None:
            if positional == position:
                return arg
            positional += 1
    return None


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
