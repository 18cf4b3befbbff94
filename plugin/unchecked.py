"""Dropped tasks in the functions mypy does not check.

Without `--check-untyped-defs`, mypy walks an unannotated function's
statements but gives every expression the type Any and asks no hook, so the
spawner hooks never see the calls there.  For such code the plugin puts one
statement at the top of each module that imports asyncio: a call of a
string literal's method (the anchor), which the plugin hooks.  When mypy
checks it, the module's unannotated functions are judged here, from what
the semantic analyzer resolved (`asyncio.create_task` under any spelling,
functions declared `async def`, attributes declared as event loops) and
from names (a receiver called `loop`).  What could be a Future, a TaskGroup
or anything else that keeps its tasks stays silent.

The anchor is replaced by a no-op once it fired, so that mypy's reports are
unchanged; dmypy re-checks a module's top level on its own and keeps it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Final, NamedTuple

from mypy.nodes import (
    ARG_POS,
    AssignmentStmt,
    CallExpr,
    Decorator,
    Expression,
    ExpressionStmt,
    FakeInfo,
    FuncBase,
    FuncDef,
    GDEF,
    LDEF,
    Import,
    ImportAll,
    ImportBase,
    ImportFrom,
    MemberExpr,
    MypyFile,
    NameExpr,
    OpExpr,
    RefExpr,
    StrExpr,
    SymbolNode,
    TypeInfo,
    Var,
)
from mypy.plugin import CheckerPluginInterface, MethodContext
from mypy.types import CallableType, Type

from . import _compat, errorcodes
from .names import (
    ANCHOR_METHOD,
    EVENT_LOOP,
    LOOP_GETTERS,
    NOT_NEW_WORK,
    NOT_NEW_WORK_METHODS,
    VERDICT_PREFIX,
)
from .positions import ScopeIndex
from .spawners import Spawner, short_display, unknown_receiver
from .syntax import assigned_values, display_of, says_loop, statements
from .typeops import Wraps, all_have_base, any_has_base, class_infos, wrapping_of

if TYPE_CHECKING:
    from .checks import Knowledge
    from .wrappers import WrapperAnalysis

_ANCHOR_TEXT: Final = "mypy_dangling_tasks"
_NOT_WRAPPED: Final = ("loop", "return_exceptions")


def wants_anchor(file: MypyFile) -> bool:
    """Can the module name a spawner of asyncio?  Only then is it worth a scan."""
    return any(_imports_asyncio(node) for node in file.imports)


def add_anchor(file: MypyFile) -> CallExpr:
    """Put the anchor at the top of the module (always reachable there)."""
    callee = MemberExpr(StrExpr(_ANCHOR_TEXT), ANCHOR_METHOD)
    call = CallExpr(callee, [], [], [])
    stmt = ExpressionStmt(call)
    line = file.defs[0].line if file.defs else 1
    for node in (stmt, call, callee, callee.expr):
        node.set_line(line)
    file.defs.insert(0, stmt)
    return call


def anchor_hook(
    ctx: MethodContext,
    *,
    anchors: dict[str, CallExpr],
    rescan: set[str],
    keep: bool,
    modules: dict[str, MypyFile],
    wrappers: Callable[[], WrapperAnalysis],
    knows: Knowledge,
) -> Type:
    """mypy checks the anchor of a module: judge its unchecked functions.

    A module with findings, or whose verdicts read another module, goes
    into `rescan`: mypy re-checks a cached module whose dependency changed
    without parsing it anew, so without its anchor; the plugin then makes
    mypy's cache of it invalid (main.py, report_config_data).
    """
    tree = _compat.current_tree(ctx.api)
    if tree is None or anchors.get(tree.fullname) is not ctx.context:
        return ctx.default_return_type
    if not keep:
        del anchors[tree.fullname]
        for position, stmt in enumerate(tree.defs):
            if isinstance(stmt, ExpressionStmt) and stmt.expr is ctx.context:
                # A string statement (line -1): reports count it as an empty line.
                tree.defs[position] = ExpressionStmt(StrExpr(""))
                break
    rescan.discard(tree.fullname)
    if not ctx.api.options.check_untyped_defs and report_unchecked(
        ctx.api, tree, modules, wrappers, knows
    ):
        rescan.add(tree.fullname)
    return ctx.default_return_type


def report_unchecked(
    api: CheckerPluginInterface,
    tree: MypyFile,
    modules: dict[str, MypyFile],
    wrappers: Callable[[], WrapperAnalysis],
    knows: Knowledge,
) -> bool:
    """Report the module's dropped tasks in unchecked functions.  True if it
    has any, or if a verdict read a declaration of another checked module."""
    depend: list[str] = []
    reported = False
    lines = spawner_lines(tree, knows, modules)
    if lines == []:
        return False
    for func in unchecked_functions(tree, lines):
        index = ScopeIndex(func, func.body.body)
        judge = _Judge(tree, func, knows, depend.append, functools.partial(_wrapper, api, wrappers))
        for expr in index.drops:
            if not isinstance(expr, CallExpr):
                continue
            spawner = judge.spawner(expr)
            if spawner is None:
                continue
            drop = index.drop_of(expr)
            if drop is not None:
                knows.reporter.report(api, expr, drop, spawner)
                reported = True
    others = [name for name in depend if _of_another_checked_module(name, tree, modules)]
    # dmypy re-checks the top level when what a verdict read changes.
    _compat.depend_on(api, others)
    return reported or bool(others)


def _wrapper(
    api: CheckerPluginInterface, wrappers: Callable[[], WrapperAnalysis], fullname: str
) -> Spawner | None:
    """A pass-through wrapper of the checked program (wrappers.py), as its
    hook judges it in checked code; unused-task is left to checked code."""
    if "." not in fullname or _compat.current_tree(api) is None:
        return None
    spawner = wrappers().spawner(api, fullname, short_display(fullname))
    return spawner if spawner is not None and spawner.through else None


def _of_another_checked_module(fullname: str, tree: MypyFile, modules: dict[str, MypyFile]) -> bool:
    module = fullname
    for _ in range(3):  # function, method, method of a nested class
        module = module.rpartition(".")[0]
        found = modules.get(module)
        if found is not None:
            return found is not tree and not found.is_stub
    return False


def spawner_lines(
    tree: MypyFile, knows: Knowledge, modules: dict[str, MypyFile]
) -> list[int] | None:
    """The lines of the module's source that name a spawner (or a local alias of
    one, or a pass-through wrapper it can name), sorted; None if the source
    cannot be read.  Only the functions that span one are judged: most
    unannotated code never names a spawner."""
    words = {name.rpartition(".")[2] for name in knows.functions}
    words.update(name for name, route in knows.routes.items() if route.spawner is not None)
    words.update(_local_aliases(tree, words))
    words.update(_wrapper_names(tree, modules))
    text = source_of(tree)
    return None if text is None else call_lines(text, words)


def call_lines(text: bytes, names: Iterable[str]) -> list[int]:
    """The lines of `text` that call one of `names` (`create_task(`, not
    `Task[...]` in an annotation), sorted.  Plain substring search: a regular
    expression that starts with an alternation tries it at every byte."""
    found: list[int] = []
    for name in names:
        word = name.encode()
        start = text.find(word)
        while start >= 0:
            end = start + len(word)
            before = text[start - 1 : start] if start else b" "
            called = text[end : end + 80].lstrip().startswith(b"(")
            if called and not (before.isalnum() or before == b"_"):
                found.append(start)
            start = text.find(word, end)
    found.sort()
    lines: list[int] = []
    line, counted = 1, 0
    for position in found:
        line += text.count(b"\n", counted, position)
        counted = position
        if not lines or lines[-1] != line:
            lines.append(line)
    return lines


def _local_aliases(tree: MypyFile, names: set[str]) -> Iterator[str]:
    """`from asyncio import create_task as spawn`, `spawn = asyncio.create_task`."""
    for node in tree.imports:
        if isinstance(node, ImportFrom):
            yield from (alias for name, alias in node.names if alias and name in names)
    for stmt in tree.defs:
        if isinstance(stmt, AssignmentStmt) and isinstance(stmt.rvalue, (NameExpr, MemberExpr)):
            if stmt.rvalue.name in names:
                yield from (lvalue.name for lvalue in stmt.lvalues if isinstance(lvalue, NameExpr))


def _wrapper_names(tree: MypyFile, modules: dict[str, MypyFile]) -> Iterator[str]:
    """The names under which the module may call a function with a verdict
    (wrappers.py): its own functions, those it imports, those of the
    modules it imports."""
    for name, symbol in tree.names.items():
        node = symbol.node
        if name.startswith(VERDICT_PREFIX):
            yield name.rpartition("@")[2]
        elif isinstance(node, MypyFile) and not node.is_stub and node is not tree:
            yield from (key.rpartition("@")[2] for key in node.names if key.startswith(VERDICT_PREFIX))
        elif isinstance(node, (FuncDef, Decorator)):
            module = modules.get(node.fullname.rpartition(".")[0])
            if module is not None and module is not tree and VERDICT_PREFIX + node.name in module.names:
                yield name


def source_of(tree: MypyFile) -> bytes | None:
    """The module's source as mypy read it from disk, or None (`mypy -c`, gone)."""
    try:
        with open(tree.path, "rb") as source:
            return source.read()
    except (OSError, ValueError):
        return None


def unchecked_functions(tree: MypyFile, lines: Sequence[int] | None = None) -> Iterator[FuncDef]:
    """The functions mypy checks without types: unannotated ones, nested or not
    (with `lines`, those that span one of them)."""
    for stmt in statements(
        tree.defs, into_functions=True, into_classes=True, reachable_only=True, lines=lines
    ):
        func = stmt.func if isinstance(stmt, Decorator) else stmt
        if isinstance(func, FuncDef) and func.is_dynamic() and not _compat.is_mypy_only(func):
            yield func


class _Receiver(NamedTuple):
    """What a receiver of create_task is known to be."""

    display: str
    #: False: no type, but the name or an assignment says it is a loop.
    certain: bool


class _Judge:
    """Is a call of an unchecked function a spawner?  From names and declarations."""

    def __init__(
        self,
        tree: MypyFile,
        func: FuncDef,
        knows: Knowledge,
        depend: Callable[[str], None],
        wrapper: Callable[[str], Spawner | None],
    ) -> None:
        self.tree = tree
        self.func = func
        self.knows = knows
        self.depend = depend
        self.wrapper = wrapper

    def spawner(self, call: CallExpr) -> Spawner | None:
        callee = call.callee
        if isinstance(callee, RefExpr) and callee.fullname:
            return self._function(call, callee.fullname, callee.node)
        if not isinstance(callee, MemberExpr):
            return None
        route = self.knows.routes.get(callee.name)
        if route is None or route.spawner is None or EVENT_LOOP not in route.spawner_owners:
            return None
        receiver = self._receiver(callee.expr)
        if receiver is None:
            return None
        display = f"{receiver.display}.{callee.name}"
        if receiver.certain:
            return route.spawner._replace(display=display)
        return unknown_receiver(display)

    def _function(self, call: CallExpr, fullname: str, node: SymbolNode | None) -> Spawner | None:
        self.depend(fullname)  # another module's function may become `f = create_task`
        spawner = self.knows.functions.get(fullname)
        if spawner is None and isinstance(node, Var) and fullname == f"{self.tree.fullname}.{node.name}":
            # `spawn = asyncio.create_task` here: mypy has not typed it yet.
            values = assigned_values(self.tree.defs, node.name, into_functions=False) or []
            targets = {value.fullname if isinstance(value, RefExpr) else "" for value in values}
            spawner = self.knows.functions.get(targets.pop()) if len(targets) == 1 else None
        elif spawner is None and isinstance(node, (FuncDef, Decorator)):
            return self.wrapper(fullname)
        elif spawner is None:
            target = self.knows.alias_target(fullname)
            if target is not None:
                spawner = self.knows.functions.get(target)
        if spawner is None or not spawner.wrapping:
            return spawner
        # ensure_future, gather, shield: a new task only from a coroutine.
        wrapped = [
            (arg, kind)
            for arg, kind, name in zip(call.args, call.arg_kinds, call.arg_names)
            if name not in _NOT_WRAPPED
        ]
        # `*tasks`: what the iterable holds is not known from names.
        answers = [self._makes_coroutine(arg) if kind == ARG_POS else False for arg, kind in wrapped]
        if True in answers:
            return spawner
        if None in answers:
            subject = errorcodes.UNKNOWN_ARGUMENT
            if len(wrapped) > 1:
                subject = errorcodes.UNKNOWN_ARGUMENTS
            return spawner._replace(
                subject=subject, note=errorcodes.UNKNOWN_ARGUMENT_NOTE, certain=False
            )
        return None

    def _makes_coroutine(self, arg: Expression, depth: int = 0) -> bool | None:
        """True: a coroutine (a call of an `async def`, a local holding one);
        False: not new work (a Future, a call declared to return one);
        None: unknown, as an argument typed Any is in checked code."""
        if isinstance(arg, (NameExpr, MemberExpr)) and not isinstance(arg.node, FuncBase):
            return self._value_makes_coroutine(arg, depth)
        if not isinstance(arg, CallExpr):
            return False
        callee = arg.callee
        node: SymbolNode | None = None
        if isinstance(callee, RefExpr) and callee.fullname:
            if callee.fullname in NOT_NEW_WORK:
                return False
            node = callee.node
            self.depend(callee.fullname)
        elif isinstance(callee, MemberExpr):
            if callee.name in NOT_NEW_WORK_METHODS:
                return False
            node = self._own_member(callee)
            if node is None:
                return None
        if isinstance(node, Decorator):
            node = node.func
        if not isinstance(node, FuncDef):
            return None if node is None else False
        if node.is_coroutine:
            return True
        if not isinstance(node.type, CallableType):  # unannotated: returns anything
            return None
        return _makes_a_task(node.type.ret_type)

    def _value_makes_coroutine(self, expr: NameExpr | MemberExpr, depth: int) -> bool | None:
        """A name's value: its declared type, else what a local is assigned."""
        declared = self._own_member(expr) if isinstance(expr, MemberExpr) else expr.node
        if isinstance(declared, Var) and declared.type is not None and not declared.is_inferred:
            return _makes_a_task(declared.type)
        # An attribute or a global is typed where it is assigned: not judged here.
        if not isinstance(expr, NameExpr) or expr.kind != LDEF or not isinstance(declared, Var):
            return False
        if self._is_parameter(expr.name):
            return None  # typed Any, as in checked code
        values = assigned_values(self.func.body.body, expr.name, into_functions=False)
        if not values or depth > 2:
            return False
        answers = {self._makes_coroutine(value, depth + 1) for value in values}
        return False if False in answers else None if None in answers else True

    def _is_parameter(self, name: str) -> bool:
        return any(arg.variable.name == name for arg in self.func.arguments)

    def _receiver(self, expr: Expression) -> _Receiver | None:
        if isinstance(expr, CallExpr):
            callee = expr.callee
            if isinstance(callee, RefExpr) and callee.fullname in LOOP_GETTERS:
                return _Receiver("AbstractEventLoop", certain=True)
            return None
        if isinstance(expr, NameExpr):
            return self._name_receiver(expr)
        if isinstance(expr, MemberExpr):
            declared = self._own_member(expr)
            # A declared type only: an inferred one may not be known yet.
            if isinstance(declared, Var) and declared.type is not None and not declared.is_inferred:
                infos = class_infos(declared.type)
                if infos is not None:
                    return _loop_instance(infos, self.knows)
            if says_loop(expr) and (declared is None or isinstance(declared, Var)):
                return _Receiver(display_of(expr), certain=False)
        return None

    def _name_receiver(self, expr: NameExpr) -> _Receiver | None:
        """A local or global: what every assignment to it in its scope says."""
        if not isinstance(expr.node, Var) or expr.kind not in (LDEF, GDEF):
            return None
        body = self.tree.defs if expr.kind == GDEF else self.func.body.body
        values = assigned_values(body, expr.name, into_functions=False)
        if values is None:
            return None
        parameter = expr.kind == LDEF and self._is_parameter(expr.name)
        if values and all(_is_loop_getter(value) for value in values):
            if parameter:  # a getter's loop, or whatever the caller passed
                return _Receiver(expr.name, certain=False)
            return _Receiver("AbstractEventLoop", certain=True)
        if says_loop(expr) and all(_is_loopish(value) for value in values):
            return _Receiver(expr.name, certain=False)
        return None

    def _own_member(self, expr: MemberExpr) -> SymbolNode | None:
        """`self.name` in a method: what the class declares under that name."""
        info = self.func.info
        if not isinstance(expr.expr, NameExpr) or isinstance(info, FakeInfo):
            return None
        if not self.func.arguments or self.func.is_static:
            return None
        if expr.expr.name != self.func.arguments[0].variable.name:
            return None
        symbol = info.get(expr.name)
        if symbol is None or symbol.node is None:
            return None
        owner = symbol.node.fullname.rpartition(".")[0] if symbol.node.fullname else ""
        if owner and owner != info.fullname:
            self.depend(symbol.node.fullname)
        return symbol.node


def _makes_a_task(typ: Type) -> bool | None:
    """A value of this declared type handed to ensure_future: a new task (True),
    unknown (None, `Any`), or not new work (False)."""
    wraps = wrapping_of(typ, ARG_POS)
    return True if wraps is Wraps.NEW_TASK else None if wraps is Wraps.UNKNOWN else False


def _loop_instance(infos: list[TypeInfo], knows: Knowledge) -> _Receiver | None:
    if all_have_base(infos, (EVENT_LOOP,)) and not any_has_base(infos, knows.retaining):
        return _Receiver(infos[0].name, certain=True)
    return None


def _is_loop_getter(expr: Expression) -> bool:
    return (
        isinstance(expr, CallExpr)
        and isinstance(expr.callee, RefExpr)
        and expr.callee.fullname in LOOP_GETTERS
    )


def _is_loopish(expr: Expression) -> bool:
    """`get_event_loop()`, `loop or get_event_loop()`, `self.loop`: may be a loop."""
    if isinstance(expr, OpExpr) and expr.op == "or":
        return _is_loopish(expr.left) and _is_loopish(expr.right)
    return says_loop(expr) or _is_loop_getter(expr)


def _imports_asyncio(node: ImportBase) -> bool:
    if isinstance(node, Import):
        return any(_is_asyncio(module) for module, _ in node.ids)
    if isinstance(node, (ImportFrom, ImportAll)):
        return node.relative == 0 and _is_asyncio(node.id)
    return False


def _is_asyncio(module: str) -> bool:
    return module == "asyncio" or module.startswith("asyncio.")
