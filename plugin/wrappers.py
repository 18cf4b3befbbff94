"""The user's own pass-through wrappers: functions that hand back a fresh task.

`def spawn(c) -> Task[None]: return asyncio.create_task(c)` is a spawner in
all but name: dropping its result drops the only reference to the task.  A
function whose every `return` hands back a task fresh from a spawner (or a
local holding one that the function only calls non-retaining methods on) is
judged a wrapper; one that keeps the task anywhere (a set, `self`, another
call) is not, and is then not reported by unused-task either.

The verdict is read from the wrapper's body, so it is only given when the
wrapper is defined in the module being checked: mypy's incremental cache and
dmypy re-check a module when its own source changes, but not when only the
body of a function in another module changes.  Everything the verdict reads
besides that module's own source is part of another module's interface
(declared signatures and attribute types, the plugin's configuration), which
both re-check on.  Declared types only: an inferred attribute type depends on
the order in which mypy checks the module's functions.

The analysis runs only for a call whose value is dropped, once per function
and checker pass.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import NamedTuple, Union

from mypy.nodes import (
    AssignmentStmt,
    CallExpr,
    Decorator,
    Expression,
    ExpressionStmt,
    FuncDef,
    GlobalDecl,
    MemberExpr,
    MypyFile,
    NameExpr,
    NonlocalDecl,
    SymbolTableNode,
    RefExpr,
    ReturnStmt,
    Statement,
    TypeInfo,
    Var,
)
from mypy.plugin import CheckerPluginInterface
from mypy.types import CallableType, Instance, Type, get_proper_type

from . import _compat, errorcodes
from .names import (
    LOCALS_INTROSPECTION,
    NON_RETAINING_METHODS,
    WRAPPER_TRANSPARENT_DECORATORS,
)
from .syntax import statements
from .spawners import MethodRoute, Spawner
from .typeops import Lookup, alias_target, has_any_base, inherited_method, is_task, named_node

Callee = Union[FuncDef, Decorator]


class Verdict(NamedTuple):
    """`through`: the spawner a pass-through wrapper hands on; `keeps`: a
    function whose returned tasks are all fresh and also kept elsewhere;
    `read`: the declarations of other modules the verdict was read from."""

    through: Spawner | None = None
    keeps: bool = False
    read: frozenset[str] = frozenset()


UNKNOWN = Verdict()
KEEPS = Verdict(keeps=True)


class SpawnerNames(NamedTuple):
    """What counts as a spawner inside a wrapper's body: the plugin's table
    (spawners.py) merged with the user's configuration."""

    #: Functions and classes by fullname (the plugin's `function_spawners`).
    functions: Mapping[str, Spawner]
    #: Method names and their receivers (the plugin's `method_routes`).
    routes: Mapping[str, MethodRoute]
    #: Classes that keep every task they create.
    retaining: tuple[str, ...]

    def function(self, fullname: str) -> Spawner | None:
        """A spawner whose result is a fresh task, as a wrapper declared `-> Task` returns."""
        spawner = self.functions.get(fullname)
        if spawner is None or spawner.wrapping or spawner.returns != "Task":
            return None
        return spawner


class WrapperAnalysis:
    """Verdicts on the functions of the module being checked, one checker pass at a time.

    The cache is dropped when the checker changes: a new module, or a new pass
    over the same module (dmypy re-checks a module with a new checker), so a
    verdict never outlives the declarations it was read from.
    """

    def __init__(self, names: SpawnerNames, lookup: Lookup, unused_task: bool) -> None:
        self._names = names
        self._lookup = lookup
        self._unused_task = unused_task
        self._checker: object = None
        self._tree: MypyFile | None = None
        self._local: set[FuncDef] | None = None
        self._verdicts: dict[FuncDef, Verdict] = {}
        # Names of other modules read by the verdicts being judged.
        self._reads: set[str] = set()

    def spawner(self, api: CheckerPluginInterface, fullname: str, display: str) -> Spawner | None:
        """What a dropped call of `fullname` (shown as `display`) lost, if anything.

        A pass-through wrapper is a spawner (dangling-task); one that keeps
        its task is silent; anything else is left to unused-task.
        """
        verdict = self.verdict(api, self._callee(fullname))
        inner = verdict.through
        if inner is not None:
            return inner._replace(
                display=display,
                through=inner.display,
                subject=errorcodes.THROUGH_WRAPPER,
                code=errorcodes.DANGLING_TASK,
            )
        if verdict.keeps or not self._unused_task:
            return None
        return Spawner(display, code=errorcodes.UNUSED_TASK)

    def _callee(self, fullname: str) -> Callee | None:
        """The function or method `fullname` names, if it is one."""
        node = named_node(self._lookup, fullname, self._lookup(fullname))
        return node if isinstance(node, (FuncDef, Decorator)) else None

    def verdict(
        self, api: CheckerPluginInterface, callee: Callee | None
    ) -> Verdict:
        """The verdict on `callee`, if it is a function of the module being checked."""
        tree = _compat.current_tree(api)
        if tree is None or callee is None:
            return UNKNOWN
        if api is not self._checker or tree is not self._tree:
            self._checker = api
            self._tree = tree
            self._local = None
            self._verdicts = {}
        func = _plain_function(callee)
        if func is None or func not in self._local_functions(tree):
            return UNKNOWN
        verdict = self._judge(func)
        _compat.depend_on(api, sorted(verdict.read))
        return verdict

    def _local_functions(self, tree: MypyFile) -> set[FuncDef]:
        if self._local is None:
            self._local = set(_functions_of(tree.defs))
        return self._local

    def _judge(self, func: FuncDef) -> Verdict:
        known = self._verdicts.get(func)
        if known is not None:
            return known
        self._verdicts[func] = UNKNOWN  # a recursive wrapper is not a wrapper
        outer_reads = self._reads
        self._reads = set()
        try:
            verdict = self._judge_body(func)
            verdict = verdict._replace(read=frozenset(self._reads))
        finally:
            outer_reads.update(self._reads)
            self._reads = outer_reads
        self._verdicts[func] = verdict
        return verdict

    def _judge_body(self, func: FuncDef) -> Verdict:
        if func.is_generator or func.is_coroutine or func.is_async_generator:
            return UNKNOWN
        if not isinstance(func.type, CallableType) or not is_task(func.type.ret_type):
            return UNKNOWN
        returns = list(_returns(func.body.body))
        if not returns:
            return UNKNOWN
        through: Spawner | None = None
        kept = 0
        for value in returns:
            if isinstance(value, CallExpr):
                spawner = self._spawner_of(value, func)
                if spawner is None:
                    return UNKNOWN
            elif isinstance(value, NameExpr):
                local = self._local_verdict(func, value.name)
                if local is None:
                    return UNKNOWN
                spawner, keeps = local
                if keeps:
                    kept += 1
                    continue
            else:
                return UNKNOWN
            through = through or spawner
        if kept == len(returns):
            return KEEPS
        if kept:
            return UNKNOWN
        return Verdict(through=through)

    def _local_verdict(self, func: FuncDef, name: str) -> tuple[Spawner, bool] | None:
        """`t = spawner(...)` ... `return t`: (spawner, whether `t` is kept), or None."""
        own = list(_own_statements(func.body.body))
        if any(
            isinstance(stmt, (GlobalDecl, NonlocalDecl)) and name in stmt.names
            for stmt in own
        ):
            return None
        assignments = [
            stmt
            for stmt in own
            if isinstance(stmt, AssignmentStmt)
            and len(stmt.lvalues) == 1
            and isinstance(stmt.lvalues[0], NameExpr)
            and stmt.lvalues[0].name == name
        ]
        if len(assignments) != 1 or not isinstance(assignments[0].rvalue, CallExpr):
            return None
        spawner = self._spawner_of(assignments[0].rvalue, func)
        if spawner is None:
            return None
        names = _compat.name_expressions(func.body)
        if names is None:
            return None
        if not LOCALS_INTROSPECTION.isdisjoint(expr.name for expr in names):
            return spawner, True
        accounted = 1  # the assignment's target
        for stmt in own:
            if isinstance(stmt, ReturnStmt):
                accounted += isinstance(stmt.expr, NameExpr) and stmt.expr.name == name
            elif isinstance(stmt, ExpressionStmt) and _is_non_retaining_call(stmt.expr, name):
                accounted += 1
        occurrences = sum(1 for expr in names if expr.name == name)
        return spawner, occurrences != accounted

    def _spawner_of(self, call: CallExpr, func: FuncDef) -> Spawner | None:
        """The spawner whose fresh task `call` hands back, judged from declarations only."""
        callee = call.callee
        names = self._names
        if isinstance(callee, RefExpr):
            target = callee.fullname
            spawner = names.function(target) if target else None
            if spawner is not None:
                return spawner
            node = callee.node
            if isinstance(node, Var) and target and self._tree is not None:
                self._note_read(target)
                # `spawn = asyncio.create_task` at module level.
                symbol = _names_of(self._tree)(target)
                alias = alias_target(symbol, self._noted_lookup)
                spawner = names.function(alias) if alias is not None else None
                if spawner is not None:
                    return spawner
            if isinstance(node, (FuncDef, Decorator)) and not isinstance(callee, MemberExpr):
                return self._through_local(node)
        if isinstance(callee, MemberExpr):
            receiver = _declared_type(callee.expr, func, self._note_read)
            info = receiver.type if isinstance(receiver, Instance) else None
            if info is None and isinstance(callee.expr, RefExpr):
                # `Pool.start(...)` on the class itself.
                owner = callee.expr.node
                info = owner if isinstance(owner, TypeInfo) else None
            if info is None:
                return None
            self._note_read(info.fullname)
            route = names.routes.get(callee.name)
            if (
                route is not None
                and route.spawner is not None
                and has_any_base(info, route.spawner_owners)
            ):
                if has_any_base(info, (*names.retaining, *route.retaining_owners)):
                    return None
                return route.spawner._replace(display=f"{info.name}.{callee.name}")
            method = inherited_method(info, callee.name)
            if isinstance(method, (FuncDef, Decorator)):
                return self._through_local(method)
        return None

    def _noted_lookup(self, fullname: str) -> SymbolTableNode | None:
        self._note_read(fullname)
        return self._lookup(fullname)

    def _note_read(self, fullname: str) -> None:
        if self._tree is not None and not fullname.startswith(self._tree.fullname + "."):
            self._reads.add(fullname)

    def _through_local(self, node: Callee) -> Spawner | None:
        func = _plain_function(node)
        if func is None or self._local is None or func not in self._local:
            return None
        verdict = self._judge(func)
        self._reads.update(verdict.read)
        return verdict.through


def _names_of(tree: MypyFile) -> Lookup:
    """A lookup of the names `tree` itself defines at module level."""

    def lookup(fullname: str) -> SymbolTableNode | None:
        module, _, name = fullname.rpartition(".")
        return tree.names.get(name) if module == tree.fullname else None

    return lookup


def _plain_function(node: Callee) -> FuncDef | None:
    """The function itself; None when a decorator may do anything with its result."""
    if isinstance(node, FuncDef):
        return node
    for decorator in node.decorators:
        if not (
            isinstance(decorator, RefExpr)
            and decorator.fullname in WRAPPER_TRANSPARENT_DECORATORS
        ):
            return None
    return node.func


def _functions_of(body: Sequence[Statement]) -> Iterator[FuncDef]:
    """The functions and methods defined at module and class level (not nested in functions)."""
    for stmt in statements(body, into_functions=False, into_classes=True, reachable_only=False):
        if isinstance(stmt, FuncDef):
            yield stmt
        elif isinstance(stmt, Decorator):
            yield stmt.func


_DEFINED: dict[str, tuple[list[Statement], frozenset[str], frozenset[str]]] = {}


def defined_functions(tree: MypyFile) -> tuple[frozenset[str], frozenset[str]]:
    """Fullnames of the functions and methods `tree` defines, and the methods' bare names.

    Read from syntax only, so a module's answer changes only with its
    statement list, which dmypy replaces on an edit: that list is the key.
    """
    known = _DEFINED.get(tree.fullname)
    if known is not None and known[0] is tree.defs:
        return known[1], known[2]
    functions: set[str] = set()
    methods: set[str] = set()
    depth = tree.fullname.count(".") + 1  # the dots of a module-level function's name
    for stmt in statements(tree.defs, into_functions=False, into_classes=True, reachable_only=False):
        func = stmt.func if isinstance(stmt, Decorator) else stmt
        if isinstance(func, FuncDef):
            functions.add(func.fullname)
            if func.fullname.count(".") > depth:
                methods.add(func.name)
    entry = (tree.defs, frozenset(functions), frozenset(methods))
    _DEFINED[tree.fullname] = entry
    return entry[1], entry[2]


def _own_statements(body: Sequence[Statement]) -> Iterator[Statement]:
    """The function's own reachable statements (not those of nested functions or classes)."""
    return statements(body, into_functions=False, into_classes=False, reachable_only=True)


def _returns(body: Sequence[Statement]) -> Iterator[Expression | None]:
    for stmt in _own_statements(body):
        if isinstance(stmt, ReturnStmt):
            yield stmt.expr


def _is_non_retaining_call(expr: Expression, name: str) -> bool:
    """`t.add_done_callback(cb)` as a statement: `t` is not kept by it."""
    return (
        isinstance(expr, CallExpr)
        and isinstance(expr.callee, MemberExpr)
        and expr.callee.name in NON_RETAINING_METHODS
        and isinstance(expr.callee.expr, NameExpr)
        and expr.callee.expr.name == name
    )


def _declared_type(
    expr: Expression, func: FuncDef, note: Callable[[str], None]
) -> Type | None:
    """The type `expr` was declared with, or None if it is inferred or unknown.

    `note` is told the fullname of every declaration read."""
    if isinstance(expr, NameExpr):
        node = expr.node
        if not isinstance(node, Var):
            return None
        note(node.fullname)
        for index, argument in enumerate(func.arguments):
            if argument.variable is node:
                signature = func.type
                if isinstance(signature, CallableType) and index < len(signature.arg_types):
                    return signature.arg_types[index]
                return None
        return _declared_var_type(node)
    if isinstance(expr, MemberExpr):
        owner = get_proper_type(_declared_type(expr.expr, func, note))
        if not isinstance(owner, Instance):
            return None
        note(owner.type.fullname)
        note(f"{owner.type.fullname}.{expr.name}")
        symbol = owner.type.get(expr.name)
        node = symbol.node if symbol is not None else None
        if isinstance(node, Var):
            note(node.fullname)
            return _declared_var_type(node)
        return None
    if isinstance(expr, CallExpr) and isinstance(expr.callee, RefExpr):
        called = expr.callee.node
        if isinstance(called, FuncDef) and isinstance(called.type, CallableType):
            note(called.fullname)
            return called.type.ret_type
    return None


def _declared_var_type(var: Var) -> Type | None:
    """`x: T` and `self.x: T = ...` are declared; `x = value` is inferred while checking."""
    if var.type is not None and (not var.is_inferred or var.explicit_self_type):
        return var.type
    return None
