"""The hooks: find the drop, judge the spawner, report.

Each hook is a plain function of mypy's context and of what the plugin
knows (`Knowledge`); the plugin class binds them with `functools.partial`.
A hook first asks positions.py whether the call's value is dropped (most
calls are awaited or kept: then nothing else is done), then judges from
the types whether the call creates a task, then reports.  Every hook
returns the type mypy inferred, unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Final, NamedTuple

from mypy.nodes import (
    ArgKind,
    CallExpr,
    Context,
    Expression,
    FuncItem,
    LambdaExpr,
    MemberExpr,
    MypyFile,
    RefExpr,
    Statement,
    TypeInfo,
)
from mypy.plugin import CheckerPluginInterface, FunctionContext, MethodContext
from mypy.types import AnyType, Type, UnionType, get_proper_type

from . import _compat, errorcodes
from .positions import (
    PENDING_AFTER_WAIT,
    Drop,
    IndexCache,
    ScopeIndex,
    create_task_argument,
    dropped_in_lambda,
    returned_value,
)
from .names import CREATE_TASK_METHOD, EVENT_LOOP
from .spawners import MethodRoute, Spawner, unknown_receiver
from .syntax import display_of, says_loop, spans_one_of
from .unchecked import call_lines, source_of
from .typeops import Wraps, all_have_base, any_has_base, class_infos, is_task, wrapping_of

if TYPE_CHECKING:
    from .wrappers import WrapperAnalysis


class Knowledge(NamedTuple):
    """The spawner table merged with the user's configuration, and the shared reporter."""

    reporter: Reporter
    functions: Mapping[str, Spawner]
    routes: Mapping[str, MethodRoute]
    #: Classes that keep every task they create.
    retaining: tuple[str, ...]
    #: `spawn = asyncio.create_task`: the function a variable stands for.
    alias_target: Callable[[str], str | None]
    unused_task: bool


# -- hooks --------------------------------------------------------------------


def spawner_function_hook(ctx: FunctionContext, *, spawner: Spawner, knows: Knowledge) -> Type:
    """A spawner function or class: create_task, ensure_future, Task(...), configured ones."""
    drop = knows.reporter.drop_of(ctx.api, ctx.context)
    if drop is not None:
        # ensure_future, gather, shield: judged from their arguments, only now.
        judged = _wrapped(spawner, ctx) if spawner.wrapping else spawner
        knows.reporter.report(ctx.api, ctx.context, drop, judged)
    return ctx.default_return_type


def task_function_hook(ctx: FunctionContext, *, spawner: Spawner, knows: Knowledge) -> Type:
    """unused-task: any function or constructor whose result is a Task."""
    drop = knows.reporter.drop_of(ctx.api, ctx.context)
    if drop is not None and is_task(ctx.default_return_type):
        knows.reporter.report(ctx.api, ctx.context, drop, spawner)
    return ctx.default_return_type


def wrapper_function_hook(
    ctx: FunctionContext,
    *,
    fullname: str,
    display: str,
    wrappers: WrapperAnalysis,
    knows: Knowledge,
) -> Type:
    """A function of a checked module declared to return a Task: a pass-through
    wrapper is a spawner (`wrappers`, the verdicts on the checked program's
    own wrappers); any other is left to unused-task."""
    drop = knows.reporter.drop_of(ctx.api, ctx.context)
    if drop is not None and is_task(ctx.default_return_type):
        spawner = wrappers.spawner(ctx.api, fullname, display)
        knows.reporter.report(ctx.api, ctx.context, drop, spawner)
    return ctx.default_return_type


def wrapper_method_hook(
    ctx: MethodContext,
    *,
    method: str,
    fullname: str,
    route: MethodRoute,
    wrappers: WrapperAnalysis,
    knows: Knowledge,
) -> Type:
    """A method of a checked module declared to return a Task (see wrapper_function_hook)."""
    drop = knows.reporter.drop_of(ctx.api, ctx.context)
    if drop is None or not is_task(ctx.default_return_type):
        return ctx.default_return_type
    infos = class_infos(ctx.type)
    if any_has_base(infos, (*knows.retaining, *route.retaining_owners)):
        return ctx.default_return_type
    if _receiver_may_be_anything(ctx):
        return ctx.default_return_type
    spawner = wrappers.spawner(ctx.api, fullname, _method_display(infos, method))
    knows.reporter.report(ctx.api, ctx.context, drop, spawner)
    return ctx.default_return_type


def coroutine_hook(ctx: FunctionContext | MethodContext, *, knows: Knowledge) -> Type:
    """A coroutine function of the checked program: its call may be handed to
    `create_task` on a receiver typed Any, which mypy asks no hook about."""
    knows.reporter.report_unknown_receiver(ctx.api, ctx.context)
    return ctx.default_return_type


def method_hook(ctx: MethodContext, *, method: str, route: MethodRoute, knows: Knowledge) -> Type:
    """A method whose meaning the receiver's class decides (see MethodRoute)."""
    infos = class_infos(ctx.type)
    if any_has_base(infos, (*knows.retaining, *route.retaining_owners)):
        return ctx.default_return_type
    if _receiver_may_be_anything(ctx):
        if route.registrar is None:
            # `loop = loop or asyncio.get_event_loop()`: a loop, or an object of unknown type.
            _report_loop_or_any(ctx, route, infos, knows)
        return ctx.default_return_type
    display = _method_display(infos, method)
    if route.registrar is not None and all_have_base(infos, route.registrar.owners):
        if route.registrar.callback < len(ctx.args):
            callbacks = ctx.args[route.registrar.callback]
            knows.reporter.report_callbacks(ctx.api, display, callbacks)
            for callback in callbacks:
                _report_spawner_callback(ctx, display, callback, knows)
        return ctx.default_return_type
    drop = knows.reporter.drop_of(ctx.api, ctx.context)
    if drop is None:
        return ctx.default_return_type
    if route.spawner is not None and all_have_base(infos, route.spawner_owners):
        knows.reporter.report(ctx.api, ctx.context, drop, route.spawner._replace(display=display))
    elif knows.unused_task and is_task(ctx.default_return_type):
        spawner = Spawner(display, code=errorcodes.UNUSED_TASK)
        knows.reporter.report(ctx.api, ctx.context, drop, spawner)
    return ctx.default_return_type


def _report_loop_or_any(
    ctx: MethodContext, route: MethodRoute, infos: Sequence[TypeInfo] | None, knows: Knowledge
) -> None:
    """A create_task whose receiver is a union of event loops and Any."""
    if route.spawner is None or EVENT_LOOP not in route.spawner_owners:
        return
    if not all_have_base(infos, (EVENT_LOOP,)):
        return
    drop = knows.reporter.drop_of(ctx.api, ctx.context)
    if drop is None or not isinstance(ctx.context, CallExpr):
        return
    callee = ctx.context.callee
    receiver = display_of(callee.expr) if isinstance(callee, MemberExpr) else "loop"
    spawner = unknown_receiver(f"{receiver}.{route.spawner.display}")
    knows.reporter.report(ctx.api, ctx.context, drop, spawner)


# -- finding the drop and reporting ------------------------------------------------


class Reporter:
    """Finds where a call's value is dropped, and reports it.

    mypy may ask a hook more than once about one call (overload candidates,
    inference of displays); it drops an error it already has, so reporting
    again is harmless.  A task that a lambda returns is held until the hook
    of the call that receives the lambda says whether it throws results away.
    """

    def __init__(self) -> None:
        self._indexes = IndexCache()
        self._in_lambdas: dict[LambdaExpr, list[tuple[CallExpr, Spawner]]] = {}
        self._lambdas_tree: MypyFile | None = None
        # Module path -> (its statement list, the lines that call create_task).
        self._create_task_calls: dict[str, tuple[list[Statement], list[int] | None]] = {}

    def drop_of(self, api: CheckerPluginInterface, call: Context) -> Drop | None:
        """How the value of `call` is lost where mypy is checking it, or None if it is kept."""
        if not isinstance(call, CallExpr):
            return None
        scope = self._scope(api)
        if isinstance(scope, LambdaExpr):
            drop = dropped_in_lambda(scope).get(call)
            return drop._replace(in_lambda=scope) if drop is not None else None
        return scope.drop_of(call) if scope is not None else None

    def report_unknown_receiver(self, api: CheckerPluginInterface, argument: Context) -> None:
        """`loop.create_task(argument)`, `loop` typed Any: report it if the name
        says event loop (mypy has typed the receiver before the arguments)."""
        if not isinstance(argument, CallExpr):
            return
        lines = self._create_task_lines(api)
        stack = _compat.scope_stack(api)
        if lines is not None and (not stack or not spans_one_of(stack[-1], lines)):
            return
        scope = self._scope(api)
        if isinstance(scope, LambdaExpr):
            value = returned_value(scope)
            spawns = isinstance(value, CallExpr) and create_task_argument(value) is argument
            call = value if isinstance(value, CallExpr) and spawns else None
            found = dropped_in_lambda(scope).get(call) if call is not None else None
            drop = found._replace(in_lambda=scope) if found is not None else None
        else:
            call = scope.spawn_call_of(argument) if scope is not None else None
            drop = scope.drop_of(call) if scope is not None and call is not None else None
        if call is None or drop is None or not isinstance(call.callee, MemberExpr):
            return
        receiver = call.callee.expr
        if says_loop(receiver) and _is_any(_compat.lookup_type(api, receiver)):
            spawner = unknown_receiver(f"{display_of(receiver)}.{call.callee.name}")
            self.report(api, call, drop, spawner)

    def _create_task_lines(self, api: CheckerPluginInterface) -> list[int] | None:
        """The lines of the module being checked that call create_task, sorted
        (None: its source cannot be read).  A coroutine called elsewhere is not
        handed to it: no index is built for the many functions that only
        await coroutines."""
        tree = _compat.current_tree(api)
        if tree is None:
            return []
        known = self._create_task_calls.get(tree.path)
        if known is None or known[0] is not tree.defs:  # dmypy: a new statement list
            text = source_of(tree)
            lines = None if text is None else call_lines(text, (CREATE_TASK_METHOD,))
            known = self._create_task_calls[tree.path] = (tree.defs, lines)
        return known[1]

    def _scope(
        self, api: CheckerPluginInterface, *, through_lambdas: bool = False
    ) -> ScopeIndex | LambdaExpr | None:
        """The index of the scope mypy is checking, or the lambda it is in
        (unless `through_lambdas`: then the scope that holds the lambda)."""
        tree = _compat.current_tree(api)
        if tree is None or tree.is_stub:
            return None
        stack = _compat.scope_stack(api)
        if any(_compat.is_mypy_only(node) for node in stack):
            return None
        for node in reversed(stack):
            if isinstance(node, LambdaExpr):
                if through_lambdas:
                    continue
                return node
            if isinstance(node, FuncItem):
                return self._indexes.index_for(tree, _compat.checked_copy(node))
            if isinstance(node, MypyFile):
                return self._indexes.index_for(tree, node)
        return None

    def report(
        self, api: CheckerPluginInterface, call: Context, drop: Drop, spawner: Spawner | None
    ) -> None:
        """The error and its note for `call`, whose value `drop` loses, if `spawner` made a task."""
        if spawner is None:
            return
        if drop.in_lambda is not None:
            self._hold_for_registrar(api, drop.in_lambda, call, spawner)
        elif drop.reason != PENDING_AFTER_WAIT or spawner.certain:  # wait on a future: no mistake
            report(api, call, spawner, drop.message(_subject(spawner)), drop.note)

    def report_callbacks(
        self, api: CheckerPluginInterface, registrar: str, callbacks: Iterable[Expression]
    ) -> None:
        """`registrar` calls each callback and throws its result away."""
        for callback in callbacks:
            if isinstance(callback, LambdaExpr):
                for call, spawner in self._in_lambdas.get(callback, ()):
                    message = errorcodes.RETURNED_TO_REGISTRAR.format(
                        subject=_subject(spawner), registrar=registrar
                    )
                    report(api, call, spawner, message)

    def _hold_for_registrar(
        self, api: CheckerPluginInterface, lambda_expr: LambdaExpr, call: Context, spawner: Spawner
    ) -> None:
        tree = _compat.current_tree(api)
        if tree is not self._lambdas_tree:
            self._in_lambdas.clear()
            self._lambdas_tree = tree
        held = self._in_lambdas.setdefault(lambda_expr, [])
        if isinstance(call, CallExpr) and all(held_call is not call for held_call, _ in held):
            held.append((call, spawner))
            self._report_unknown_registrar(api, lambda_expr, call, spawner)

    def _report_unknown_registrar(
        self, api: CheckerPluginInterface, lambda_expr: LambdaExpr, call: CallExpr, spawner: Spawner
    ) -> None:
        """`loop.call_later(1, lambda: create_task(c))`, `loop` typed Any (no
        hook of its own): reported if the receiver's name says event loop."""
        index = self._scope(api, through_lambdas=True)
        registrar = index.registrar_call_of(lambda_expr) if isinstance(index, ScopeIndex) else None
        if registrar is None or not isinstance(registrar.callee, MemberExpr):
            return
        receiver = registrar.callee.expr
        if not says_loop(receiver) or not _is_any(_compat.lookup_type(api, receiver)):
            return
        message = errorcodes.RETURNED_TO_UNKNOWN_REGISTRAR.format(
            subject=_subject(spawner), registrar=f"{display_of(receiver)}.{registrar.callee.name}"
        )
        report(api, call, spawner, message, errorcodes.UNKNOWN_RECEIVER_NOTE)


def report(
    api: CheckerPluginInterface,
    node: Context,
    spawner: Spawner,
    message: str,
    note: str | None = None,
) -> None:
    """The error at the node's own position, and the note with the fix beside it."""
    api.fail(message, node, code=spawner.code)
    api.msg.note(spawner.note if note is None else note, node, code=spawner.code)


def _subject(spawner: Spawner) -> str:
    if spawner.through:
        return spawner.subject.format(
            what=spawner.returns, wrapper=spawner.display, spawner=spawner.through
        )
    return spawner.subject.format(what=spawner.returns, spawner=spawner.display)


def _report_spawner_callback(
    ctx: MethodContext, registrar: str, callback: Expression, knows: Knowledge
) -> None:
    """`loop.call_soon(asyncio.create_task, coro)`: a spawner passed as the callback."""
    spawner = _spawner_reference(ctx.api, callback, knows)
    if spawner is None:
        return
    if spawner.wrapping:
        # The registrar passes its remaining arguments to the callback.
        rest = range(registrar_position(ctx, callback) + 1, len(ctx.args))
        wraps = _wrapping(
            [ctx.arg_types[i] for i in rest], [ctx.arg_kinds[i] for i in rest], [None for _ in rest]
        )
        if wraps is not Wraps.NEW_TASK:
            return
    message = errorcodes.SPAWNER_AS_CALLBACK.format(
        registrar=registrar, spawner=spawner.display, what=spawner.returns.lower()
    )
    report(ctx.api, callback, spawner, message)


def registrar_position(ctx: MethodContext, callback: Expression) -> int:
    for position, args in enumerate(ctx.args):
        if any(arg is callback for arg in args):
            return position
    return len(ctx.args)


def _spawner_reference(
    api: CheckerPluginInterface, callback: Expression, knows: Knowledge
) -> Spawner | None:
    if not isinstance(callback, RefExpr):
        return None
    if callback.fullname:
        fullname = callback.fullname
        spawner = knows.functions.get(fullname)
        if spawner is None:
            target = knows.alias_target(fullname)
            spawner = knows.functions.get(target) if target is not None else None
        if spawner is not None:
            return spawner
    if isinstance(callback, MemberExpr):
        route = knows.routes.get(callback.name)
        if route is None or route.spawner is None:
            return None
        receiver = _compat.lookup_type(api, callback.expr)
        infos = class_infos(receiver) if receiver is not None else None
        if all_have_base(infos, route.spawner_owners):
            if not any_has_base(infos, (*knows.retaining, *route.retaining_owners)):
                return route.spawner._replace(display=_method_display(infos, callback.name))
    return None


# -- what the types say ------------------------------------------------------------


def _is_any(typ: Type | None) -> bool:
    return typ is not None and isinstance(get_proper_type(typ), AnyType)


def _method_display(infos: Sequence[TypeInfo] | None, method: str) -> str:
    owner = infos[0].name if infos else "loop"
    return f"{owner}.{method}"


def _receiver_may_be_anything(ctx: MethodContext) -> bool:
    """`loop: AbstractEventLoop | Any`: mypy asks about each member of the union
    separately, so the hook sees only the loop; the whole receiver says the
    object may be anything, and then the plugin does not judge."""
    call = ctx.context
    if not isinstance(call, CallExpr) or not isinstance(call.callee, MemberExpr):
        return False
    whole = _compat.lookup_type(ctx.api, call.callee.expr)
    proper = get_proper_type(whole) if whole is not None else None
    return isinstance(proper, UnionType) and any(
        isinstance(get_proper_type(item), AnyType) for item in proper.items
    )


def _wrapping(
    arg_types: list[list[Type]], arg_kinds: list[list[ArgKind]], names: list[str | None]
) -> Wraps:
    """Does at least one awaitable argument become a new task?

    NEW_TASK if one does; else UNKNOWN if one is `Any` (it may be a
    coroutine: a dropped `ensure_future(x)` is pointless unless it is);
    anything else stays silent.
    """
    answers: set[Wraps] = set()
    for name, types, kinds in zip(names, arg_types, arg_kinds):
        if name in _NOT_WRAPPED:
            continue
        for typ, kind in zip(types, kinds):
            answers.add(wrapping_of(typ, kind))
    for answer in (Wraps.NEW_TASK, Wraps.UNKNOWN):
        if answer in answers:
            return answer
    return Wraps.UNJUDGED


_NOT_WRAPPED: Final = ("loop", "return_exceptions")


def _wrapped(spawner: Spawner, ctx: FunctionContext) -> Spawner | None:
    """`spawner` (ensure_future, gather, ...) as its arguments make it: a spawner
    when one becomes a new task, saying less when one is unknown, else None."""
    wraps = _wrapping(ctx.arg_types, ctx.arg_kinds, ctx.callee_arg_names)
    if wraps is Wraps.NEW_TASK:
        return spawner
    if wraps is Wraps.UNKNOWN:
        return _unknown_argument(spawner, ctx)
    return None


def _unknown_argument(spawner: Spawner, ctx: FunctionContext) -> Spawner:
    """The same spawner, saying no more than the types show."""
    wrapped = [
        kind
        for name, kinds in zip(ctx.callee_arg_names, ctx.arg_kinds)
        if name not in _NOT_WRAPPED
        for kind in kinds
    ]
    single = len(wrapped) == 1 and wrapped[0] in (ArgKind.ARG_POS, ArgKind.ARG_NAMED)
    return spawner._replace(
        subject=errorcodes.UNKNOWN_ARGUMENT if single else errorcodes.UNKNOWN_ARGUMENTS,
        note=errorcodes.UNKNOWN_ARGUMENT_NOTE,
        certain=False,
    )
