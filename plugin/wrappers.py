"""The user's own pass-through wrappers: functions that hand back a fresh task.

`def spawn(c) -> Task[None]: return asyncio.create_task(c)` is a spawner in
all but name: dropping its result drops the only reference to the task.  A
function whose every `return` hands back a task fresh from a spawner (or a
local holding one that the function only calls non-retaining methods on) is
judged a wrapper; one that keeps the task anywhere (a set, `self`, another
call) is not, and is then not reported by unused-task either.

The verdict is read from the wrapper's body.  In the module being checked
it is judged there and then, once per function and checker pass, for a call
whose value is dropped.  A wrapper of another module is judged when mypy
analyses that module (`export_verdicts`): the verdict becomes a hidden
variable of the module, `@dangling_task@spawn: Literal["function
asyncio.tasks.create_task"]`, so it is part of the module's interface.
mypy's incremental cache and dmypy re-check a module when its own source
changes or when the interface of a module it depends on changes, not when
only a function body elsewhere changes: a verdict kept in the interface
changes with the body it was read from.  The caller depends on the
variable (`depend_on`, `add_module_ref`), whether it exists or not.  A
wrapper that hands back another module's wrapper records only that name
(`via`); the caller follows the chain, so no verdict depends on the order
in which mypy analyses the modules of an import cycle.

Everything a verdict reads besides its module's own source is part of
another module's interface (declared signatures and attribute types, the
plugin's configuration), which both re-check on.  Declared types only: an
inferred attribute type depends on the order in which mypy checks the
module's functions, and is not known when a module is analysed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Final, NamedTuple, Union

from mypy.nodes import (
    LDEF,
    AssignmentExpr,
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
    OverloadedFuncDef,
    RefExpr,
    ReturnStmt,
    Statement,
    SymbolTableNode,
    TypeInfo,
    Var,
)
from mypy.plugin import CheckerPluginInterface
from mypy.types import (
    CallableType,
    Instance,
    LiteralType,
    NoneType,
    Type,
    UnboundType,
    UnionType,
    get_proper_type,
)

from . import _compat, errorcodes
from .names import (
    LOCALS_INTROSPECTION,
    NON_RETAINING_METHODS,
    TASK_CLASSES,
    VERDICT_PREFIX,
    WRAPPER_TRANSPARENT_DECORATORS,
)
from .syntax import assigned_values, statements
from .spawners import MethodRoute, Spawner
from .typeops import Lookup, alias_target, has_any_base, inherited_method, is_task, named_node

Callee = Union[FuncDef, Decorator]


class Verdict(NamedTuple):
    """`through`: the spawner a pass-through wrapper hands on, and `origin`,
    how the verdict names it in a module's interface (`encode`); `keeps`: a
    function whose returned tasks are all fresh and also kept elsewhere;
    `via`: while a module is analysed, the verdict variable of another
    module's wrapper whose task this one hands on; `read`: the declarations
    of other modules the verdict was read from."""

    through: Spawner | None = None
    keeps: bool = False
    read: frozenset[str] = frozenset()
    origin: str = ""
    via: str = ""

    @property
    def hands_on(self) -> bool:
        """A fresh task, not kept here: a spawner's, or another module's wrapper's."""
        return self.through is not None or bool(self.via)


UNKNOWN = Verdict()
KEEPS = Verdict(keeps=True)
#: A chain of wrappers across modules longer than this is not followed.
LONGEST_CHAIN: Final = 16


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

    def decode(self, value: str) -> Verdict:
        """The verdict a module's interface holds as `value` (see `encode`)."""
        kind, _, rest = value.partition(" ")
        if kind == KEEPS_VALUE:
            return KEEPS
        if kind == VIA:
            return Verdict(via=rest)
        if kind == FUNCTION:
            spawner = self.function(rest)
        elif kind == METHOD:
            method, _, display = rest.partition(" ")
            route = self.routes.get(method)
            spawner = route.spawner if route is not None else None
            spawner = spawner._replace(display=display) if spawner is not None else None
        else:
            spawner = None
        return Verdict(through=spawner, origin=value) if spawner is not None else UNKNOWN


FUNCTION: Final = "function"
METHOD: Final = "method"
VIA: Final = "via"
KEEPS_VALUE: Final = "keeps"


def encode(verdict: Verdict) -> str | None:
    """How `verdict` is kept in its module's interface; None for no verdict."""
    if verdict.keeps:
        return KEEPS_VALUE
    if verdict.via:
        return f"{VIA} {verdict.via}"
    return verdict.origin if verdict.through is not None else None


class WrapperAnalysis:
    """Verdicts on the functions of one module: the module being checked, one
    checker pass at a time, or (`export_verdicts`) the module being analysed.

    The cache is dropped when the checker changes: a new module, or a new pass
    over the same module (dmypy re-checks a module with a new checker), so a
    verdict never outlives the declarations it was read from.
    """

    def __init__(
        self,
        names: SpawnerNames,
        lookup: Lookup,
        unused_task: bool,
        module_of: Callable[[str], MypyFile | None],
    ) -> None:
        self._names = names
        self._lookup = lookup
        self._unused_task = unused_task
        self._module_of = module_of
        self._checker: CheckerPluginInterface | None = None
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
        """The verdict on `callee`, a function of the checked program."""
        tree = _compat.current_tree(api)
        if tree is None or callee is None:
            return UNKNOWN
        if api is not self._checker or tree is not self._tree:
            self._checker = api
            self._start(tree)
        func = _plain_function(callee)
        if func is None:
            return UNKNOWN
        if func in self._local_functions(tree):
            verdict = self._judge(func)
        else:
            verdict = self._foreign(func)
        _compat.depend_on(api, sorted(verdict.read))
        return verdict

    def export(self, tree: MypyFile) -> dict[str, str]:
        """Verdicts on the wrappers `tree` defines: the value (`encode`) by
        the name of its variable (`verdict_name`).

        Called when mypy has analysed the module, before any module is
        checked: only a function whose return annotation names `Task` is
        judged, so that every new analysis of it calls the plugin again
        (see `DanglingTasksPlugin.get_type_analyze_hook`).
        """
        self._checker = None
        self._start(tree)
        functions = list(_functions_of(tree.defs))  # in order: the interface is stable
        self._local = set(functions)
        exported: dict[str, str | None] = {}
        for func in functions:
            if _annotated_task(func):
                name = verdict_name(tree.fullname, func.fullname)
                # A function defined twice (under `if`): no verdict.
                exported[name] = None if name in exported else encode(self._judge(func))
        return {name: value for name, value in exported.items() if value is not None}

    def reads(self) -> dict[str, frozenset[str]]:
        """What the verdicts judged so far read of other modules, by function."""
        return {func.fullname: verdict.read for func, verdict in self._verdicts.items()}

    def _start(self, tree: MypyFile) -> None:
        self._tree = tree
        self._local = None
        self._verdicts = {}

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
        handed_on: list[Verdict] = []
        kept = 0
        for value in returns:
            if isinstance(value, CallExpr):
                source = self._source_of(value, func)
                if source.keeps:
                    kept += 1
                    continue
                if not source.hands_on:
                    return UNKNOWN
            elif isinstance(value, NameExpr):
                local = self._local_verdict(func, value.name)
                if local is None:
                    return UNKNOWN
                source, keeps = local
                if keeps:
                    kept += 1
                    continue
            else:
                return UNKNOWN
            handed_on.append(source)
        if kept == len(returns):
            return KEEPS
        if kept:
            return UNKNOWN
        vias = {source.via for source in handed_on}
        if vias == {""}:
            return handed_on[0]
        # Another module's wrapper on every path, the same one: its verdict is this one's.
        return Verdict(via=vias.pop()) if len(vias) == 1 and "" not in vias else UNKNOWN

    def _local_verdict(self, func: FuncDef, name: str) -> tuple[Verdict, bool] | None:
        """`t = spawner(...)` ... `return t`: (what made `t`, whether `t` is kept), or None."""
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
        source = self._source_of(assignments[0].rvalue, func)
        if source.keeps:
            return source, True
        if not source.hands_on:
            return None
        names = _compat.name_expressions(func.body)
        if names is None:
            return None
        if not LOCALS_INTROSPECTION.isdisjoint(expr.name for expr in names):
            return source, True
        accounted = 1  # the assignment's target
        for stmt in own:
            if isinstance(stmt, ReturnStmt):
                accounted += isinstance(stmt.expr, NameExpr) and stmt.expr.name == name
            elif isinstance(stmt, ExpressionStmt) and _is_non_retaining_call(stmt.expr, name):
                accounted += 1
        occurrences = sum(1 for expr in names if expr.name == name)
        return source, occurrences != accounted

    def _source_of(self, call: CallExpr, func: FuncDef) -> Verdict:
        """The spawner or wrapper whose fresh task `call` hands back (KEEPS
        for a wrapper that keeps it), judged from declarations only; UNKNOWN
        for anything else."""
        callee = call.callee
        names = self._names
        if isinstance(callee, RefExpr):
            target = callee.fullname
            spawner = names.function(target) if target else None
            if spawner is not None:
                return Verdict(through=spawner, origin=f"{FUNCTION} {target}")
            node = callee.node
            if isinstance(node, Var) and target and self._tree is not None:
                self._note_read(target)
                # `spawn = asyncio.create_task` at module level.
                symbol = _names_of(self._tree)(target)
                alias = alias_target(symbol, self._noted_lookup)
                spawner = names.function(alias) if alias is not None else None
                if spawner is not None:
                    return Verdict(through=spawner, origin=f"{FUNCTION} {alias}")
            if isinstance(node, (FuncDef, Decorator)) and _is_function_name(callee):
                return self._wrapper(node)
        if isinstance(callee, MemberExpr):
            receiver = _instance(_declared_type(callee.expr, func, self._note_read))
            info = self._current(receiver.type) if receiver is not None else None
            if info is None and isinstance(callee.expr, RefExpr):
                # `Pool.start(...)` on the class itself.
                owner = callee.expr.node
                info = owner if isinstance(owner, TypeInfo) else None
            if info is None:
                return UNKNOWN
            self._note_read(info.fullname)
            route = names.routes.get(callee.name)
            if (
                route is not None
                and route.spawner is not None
                and has_any_base(info, route.spawner_owners)
            ):
                if has_any_base(info, (*names.retaining, *route.retaining_owners)):
                    return UNKNOWN
                display = f"{info.name}.{callee.name}"
                return Verdict(
                    through=route.spawner._replace(display=display),
                    origin=f"{METHOD} {callee.name} {display}",
                )
            method = inherited_method(info, callee.name)
            if isinstance(method, (FuncDef, Decorator)):
                return self._wrapper(method)
        return UNKNOWN

    def _current(self, info: TypeInfo) -> TypeInfo:
        """The class as mypy knows it now: dmypy's new analysis of a module's
        top level makes new classes, which a declared type may not name yet."""
        symbol = self._lookup(info.fullname)
        node = symbol.node if symbol is not None else None
        return node if isinstance(node, TypeInfo) else info

    def _noted_lookup(self, fullname: str) -> SymbolTableNode | None:
        self._note_read(fullname)
        return self._lookup(fullname)

    def _note_read(self, fullname: str) -> None:
        if self._tree is not None and not fullname.startswith(self._tree.fullname + "."):
            self._reads.add(fullname)

    def _wrapper(self, node: Callee) -> Verdict:
        """The verdict on a function the wrapper calls, if it hands on or keeps a fresh task."""
        func = _plain_function(node)
        if func is None or self._local is None:
            return UNKNOWN
        if func in self._local:
            verdict = self._judge(func)
            self._reads.update(verdict.read)
        else:
            verdict = self._foreign(func)
        return verdict if verdict.hands_on or verdict.keeps else UNKNOWN

    def _foreign(self, func: FuncDef) -> Verdict:
        """The verdict on a function of another module, read from the variable
        its module's analysis wrote (`export_verdicts`).  While a module is
        analysed, only the variable's name: the caller follows the chain."""
        module = self._module_of(func.fullname)
        if module is None or module.is_stub:
            return UNKNOWN
        name = f"{module.fullname}.{verdict_name(module.fullname, func.fullname)}"
        if self._checker is None:
            return Verdict(via=name)
        read: set[str] = set()
        verdict = UNKNOWN
        for _ in range(LONGEST_CHAIN):
            read.add(name)
            if not _compat.add_module_ref(self._checker, name.partition(".@")[0]):
                verdict = UNKNOWN  # only the module's own wrappers, then
                break
            verdict = self._names.decode(_verdict_value(self._lookup(name)))
            if not verdict.via:
                break
            if verdict.via in read:  # wrappers handing on each other's tasks, in a circle
                verdict = UNKNOWN
                break
            name = verdict.via
        self._reads.update(read)
        return (UNKNOWN if verdict.via else verdict)._replace(read=frozenset(read))


def _is_function_name(callee: RefExpr) -> bool:
    """`spawn` or `helpers.spawn`, not a method reached through an object."""
    if not isinstance(callee, MemberExpr):
        return True
    module = callee.expr
    return isinstance(module, RefExpr) and isinstance(module.node, MypyFile)


def verdict_name(module: str, fullname: str) -> str:
    """The name of the variable holding the verdict on the function or
    method `fullname` of `module`: `@dangling_task@Pool@start`.

    It has no dot: mypy's fullname of a module variable is `module.name`.
    The `@` keeps it out of reach of Python code and of dmypy's new analysis
    of a module's top level, which deletes every other name.
    """
    return VERDICT_PREFIX + fullname[len(module) + 1 :].replace(".", "@")


def _verdict_value(symbol: SymbolTableNode | None) -> str:
    var = symbol.node if symbol is not None else None
    typ = var.type if isinstance(var, Var) else None
    return typ.value if isinstance(typ, LiteralType) and isinstance(typ.value, str) else ""


def export_verdicts(analysis: WrapperAnalysis, tree: MypyFile, str_type: Instance) -> None:
    """Write the verdicts on `tree`'s wrappers into its names (module docstring).

    Run when mypy has analysed the module's SCC.  Each function whose
    verdict read another module's declarations depends on them in dmypy,
    which then analyses the function again, and the plugin writes the
    verdicts again.
    """
    exported = analysis.export(tree)
    for name in [name for name in tree.names if name.startswith(VERDICT_PREFIX)]:
        if name not in exported:
            del tree.names[name]
    for name, value in exported.items():
        tree.names[name] = _compat.hidden_module_variable(
            tree.fullname, name, LiteralType(value, str_type)
        )
    for function, read in analysis.reads().items():
        _compat.depend_on_in(tree, function, sorted(read))


def _annotated_task(func: FuncDef) -> bool:
    """Does the function's return annotation name the class `Task` itself?"""
    written = func.unanalyzed_type
    returned = written.ret_type if isinstance(written, CallableType) else None
    analysed = func.type.ret_type if isinstance(func.type, CallableType) else None
    return (
        isinstance(returned, UnboundType)
        and returned.name.rpartition(".")[2] == "Task"
        and isinstance(analysed, Instance)
        and analysed.type.fullname in TASK_CLASSES
    )


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
    """The functions and methods defined at module and class level (not nested
    in functions), but for those a decorator may replace."""
    for stmt in statements(body, into_functions=False, into_classes=True, reachable_only=False):
        func = _plain_function(stmt) if isinstance(stmt, (FuncDef, Decorator)) else None
        if func is not None:
            yield func


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
    expr: Expression, func: FuncDef, note: Callable[[str], None], depth: int = 0
) -> Type | None:
    """The type `expr` was declared with, or None if it is inferred or unknown.

    A local of `func` bound once, by `name = value`, has the declared type of
    its value.  `note` is told the fullname of every declaration read."""
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
        declared = _declared_var_type(node)
        if declared is None and depth < _DEEPEST_LOCAL:
            # `loop = asyncio.get_running_loop()`: the declared type of its only value.
            value = _only_value(func, expr)
            if value is not None:
                return _declared_type(value, func, note, depth + 1)
        return declared
    if isinstance(expr, MemberExpr):
        owner = _instance(_declared_type(expr.expr, func, note, depth))
        if owner is None:
            return None
        note(owner.type.fullname)
        note(f"{owner.type.fullname}.{expr.name}")
        symbol = owner.type.get(expr.name)
        node = symbol.node if symbol is not None else None
        if isinstance(node, OverloadedFuncDef) and node.items:  # a property with a setter
            node = node.items[0]
        if isinstance(node, Decorator) and node.func.is_property:
            node = node.func
        if isinstance(node, FuncDef) and node.is_property and isinstance(node.type, CallableType):
            note(node.fullname)
            return node.type.ret_type
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


def _instance(typ: Type | None) -> Instance | None:
    """The class instance `typ` is, None aside: an `Optional` loop whose
    method is called is a loop there (mypy checks every assignment to it)."""
    proper = get_proper_type(typ)
    if isinstance(proper, UnionType):
        items = [get_proper_type(item) for item in proper.items]
        others = [item for item in items if not isinstance(item, NoneType)]
        proper = others[0] if len(others) == 1 else None
    return proper if isinstance(proper, Instance) else None


#: How many locals `_declared_type` follows (`a = f(); b = a.x; b.create_task(...)`).
_DEEPEST_LOCAL: Final = 4


def _only_value(func: FuncDef, name: NameExpr) -> Expression | None:
    """The value of the local `name` of `func` if one `name = value` statement
    is its only binding anywhere in `func`, nested functions included."""
    if name.kind != LDEF:
        return None
    values = assigned_values(func.body.body, name.name, into_functions=True)
    if values is None or len(values) != 1:
        return None
    found = _compat.subexpressions(func.body)
    if found is None or any(
        isinstance(expr, AssignmentExpr)
        and isinstance(expr.target, NameExpr)
        and expr.target.name == name.name
        for expr in found
    ):
        return None
    return values[0]


def _declared_var_type(var: Var) -> Type | None:
    """`x: T` and `self.x: T = ...` are declared; `x = value` is inferred while checking."""
    if var.type is not None and (not var.is_inferred or var.explicit_self_type):
        return var.type
    return None
