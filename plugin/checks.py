"""The hooks: does this call create a task, and is its value dropped?"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterable, Sequence
from typing import Final, NamedTuple, TypeVar

from mypy.errorcodes import ErrorCode
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
)
from mypy.plugin import CheckerPluginInterface, FunctionContext, MethodContext
from mypy.types import AnyType, Type, UnionType, get_proper_type

from . import _compat, errorcodes
from .asyncio_types import (
    Wraps,
    class_infos,
    is_instance_of,
    is_task,
    may_be_instance_of,
    wrapping_of,
)
from .names import (
    ADD_DONE_CALLBACK,
    CREATE_TASK,
    CREATE_TASK_METHOD,
    DEBUG_ENVIRONMENT_VARIABLE,
    DISPLAY_NAMES,
    ENSURE_FUTURE,
    EVENT_LOOP,
    GATHER,
    REGISTRARS,
    RUN_COROUTINE_THREADSAFE,
    SHIELD,
    TASK_CLASSES,
)
from .positions import Drop, IndexCache, dropped_in_lambda


class Spawner(NamedTuple):
    """What a spawner returns, and why losing it loses work."""

    display: str
    what: str = "Task"
    why: str = errorcodes.TASK_WHY
    code: ErrorCode = errorcodes.DANGLING_TASK
    message: str = errorcodes.MESSAGE
    note: str = errorcodes.NOTE


def display_name(fullname: str) -> str:
    return DISPLAY_NAMES.get(fullname, fullname)


def method_display(receiver: Type, method: str) -> str:
    infos = class_infos(receiver)
    owner = infos[0].name if infos else "loop"
    return f"{owner}.{method}"


class Reporter:
    """Decides whether a call's value is dropped, and reports it once per pass."""

    def __init__(self) -> None:
        self._indexes = IndexCache()
        # Spawner calls whose value a lambda returns, waiting for the call
        # that receives the lambda to say whether it throws results away.
        self._in_lambdas: dict[LambdaExpr, list[tuple[CallExpr, Spawner]]] = {}
        self._lambdas_tree: MypyFile | None = None

    def report_if_dropped(
        self, api: CheckerPluginInterface, call: Context, spawner: Spawner
    ) -> None:
        if not isinstance(call, CallExpr):
            return
        tree = _compat.current_tree(api)
        if tree is None or tree.is_stub:
            return
        stack = _compat.scope_stack(api)
        if any(_compat.is_checker_only(node) for node in stack):
            return
        for node in reversed(stack):
            if isinstance(node, LambdaExpr):
                if call in dropped_in_lambda(node):
                    self._hold_for_registrar(tree, node, call, spawner)
                return
            if isinstance(node, (FuncItem, MypyFile)):
                drop = self._indexes.index_for(tree, node).drop_of(call)
                if drop is not None:
                    self._fail(api, call, spawner, _how(drop))
                return

    def report_callbacks(
        self, api: CheckerPluginInterface, registrar: str, callbacks: Iterable[Expression]
    ) -> None:
        """`registrar` calls each callback and throws its result away."""
        context = errorcodes.LAMBDA_CONTEXT.format(registrar=registrar)
        for callback in callbacks:
            if isinstance(callback, LambdaExpr):
                for call, spawner in self._in_lambdas.get(callback, ()):
                    self._fail(api, call, spawner, errorcodes.DISCARDED, context)

    def report_spawner_callback(
        self, api: CheckerPluginInterface, registrar: str, callback: Expression, spawner: Spawner
    ) -> None:
        message = errorcodes.CALLBACK_MESSAGE.format(
            registrar=registrar, spawner=spawner.display, why=spawner.why
        )
        _report(api, message, callback, spawner.code)

    def _hold_for_registrar(
        self, tree: MypyFile, lambda_expr: LambdaExpr, call: CallExpr, spawner: Spawner
    ) -> None:
        if tree is not self._lambdas_tree:
            self._in_lambdas.clear()
            self._lambdas_tree = tree
        held = self._in_lambdas.setdefault(lambda_expr, [])
        if all(held_call is not call for held_call, _ in held):
            held.append((call, spawner))

    @staticmethod
    def _fail(
        api: CheckerPluginInterface, call: CallExpr, spawner: Spawner, how: str, context: str = ""
    ) -> None:
        message = spawner.message.format(
            what=spawner.what, spawner=spawner.display, how=how, context=context, why=spawner.why
        )
        _report(api, message, call, spawner.code, spawner.note)


def _report(
    api: CheckerPluginInterface,
    message: str,
    node: Context,
    code: ErrorCode,
    note: str = errorcodes.NOTE,
) -> None:
    """The error at the node's own position, and the note with the fix beside it."""
    api.fail(message, node, code=code)
    api.msg.note(note, node, code=code)


def _how(drop: Drop) -> str:
    if drop.methods:
        name = drop.locals_to_check[0]
        if drop.methods == (ADD_DONE_CALLBACK,):
            return errorcodes.ONLY_CALLBACKS_LOCAL.format(name=name)
        methods = ", ".join(f'"{method}"' for method in drop.methods)
        return errorcodes.ONLY_METHODS_LOCAL.format(name=name, methods=methods)
    if drop.locals_to_check:
        return errorcodes.UNUSED_LOCAL.format(name=drop.locals_to_check[0])
    if drop.names:
        return errorcodes.UNDERSCORE.format(name=drop.names[0])
    return errorcodes.DISCARDED


FunctionHook = Callable[[FunctionContext], Type]
MethodHook = Callable[[MethodContext], Type]
Ctx = TypeVar("Ctx", FunctionContext, MethodContext)


def guarded(hook: Callable[[Ctx], Type]) -> Callable[[Ctx], Type]:
    """A bug in the plugin must not take down the user's type check.

    An unexpected error makes the hook stay silent (the plugin's answer when
    it is unsure).  The test suite sets MYPY_DANGLING_TASKS_DEBUG=1 so that
    such errors surface as crashes there instead of hiding.
    """

    @functools.wraps(hook)
    def safe(ctx: Ctx) -> Type:
        try:
            return hook(ctx)
        except Exception:
            if os.environ.get(DEBUG_ENVIRONMENT_VARIABLE):
                raise
            return ctx.default_return_type

    return safe


class Hooks:
    """Hook functions bound to one Reporter and the user's configuration."""

    def __init__(self, reporter: Reporter) -> None:
        self.reporter = reporter

    # -- functions -------------------------------------------------------

    def always(self, spawner: Spawner) -> FunctionHook:
        """A function whose every call creates work the caller must keep."""

        def hook(ctx: FunctionContext) -> Type:
            self.reporter.report_if_dropped(ctx.api, ctx.context, spawner)
            return ctx.default_return_type

        return guarded(hook)

    def when_wrapping_new_task(self, spawner: Spawner) -> FunctionHook:
        """ensure_future / gather / shield: a new task only for non-future arguments."""

        def hook(ctx: FunctionContext) -> Type:
            wraps = _wraps_new_task(ctx.arg_types, ctx.arg_kinds, ctx.callee_arg_names)
            if wraps is Wraps.NEW_TASK:
                self.reporter.report_if_dropped(ctx.api, ctx.context, spawner)
            elif wraps is Wraps.UNKNOWN:
                self.reporter.report_if_dropped(ctx.api, ctx.context, _unknown(spawner, ctx))
            return ctx.default_return_type

        return guarded(hook)

    def returning_task(self, spawner: Spawner) -> FunctionHook:
        """unused-task: any function or constructor whose result is a Task."""

        def hook(ctx: FunctionContext) -> Type:
            if is_task(ctx.default_return_type):
                self.reporter.report_if_dropped(ctx.api, ctx.context, spawner)
            return ctx.default_return_type

        return guarded(hook)

    # -- methods ---------------------------------------------------------

    def method(
        self,
        method: str,
        spawner_classes: Sequence[str],
        retaining_classes: Sequence[str],
        unused_task: bool,
    ) -> MethodHook:
        """A method called on a receiver whose class decides the verdict.

        `spawner_classes`: receivers whose `method` is a spawner (an event
        loop for create_task, user-declared classes).  Anything else whose
        result is a Task counts for unused-task unless the receiver keeps its
        tasks itself (TaskGroup and friends).
        """

        def hook(ctx: MethodContext) -> Type:
            receiver = ctx.type
            if may_be_instance_of(receiver, retaining_classes) or _receiver_may_be_anything(ctx):
                return ctx.default_return_type
            if is_instance_of(receiver, spawner_classes):
                spawner = Spawner(method_display(receiver, method))
                self.reporter.report_if_dropped(ctx.api, ctx.context, spawner)
            elif unused_task and is_task(ctx.default_return_type):
                spawner = Spawner(method_display(receiver, method), code=errorcodes.UNUSED_TASK)
                self.reporter.report_if_dropped(ctx.api, ctx.context, spawner)
            return ctx.default_return_type

        return guarded(hook)

    def registrar(self, method: str) -> MethodHook:
        """call_soon & co: the callback's result is thrown away."""
        owners, position = REGISTRARS[method]

        def hook(ctx: MethodContext) -> Type:
            if not is_instance_of(ctx.type, owners) or _receiver_may_be_anything(ctx):
                return ctx.default_return_type
            if position >= len(ctx.args):
                return ctx.default_return_type
            registrar = method_display(ctx.type, method)
            callbacks = ctx.args[position]
            self.reporter.report_callbacks(ctx.api, registrar, callbacks)
            for callback in callbacks:
                spawner = _spawner_reference(ctx.api, callback)
                if spawner is not None:
                    self.reporter.report_spawner_callback(ctx.api, registrar, callback, spawner)
            return ctx.default_return_type

        return guarded(hook)


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


def _wraps_new_task(
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


def _unknown(spawner: Spawner, ctx: FunctionContext) -> Spawner:
    """The same spawner, saying no more than the types show."""
    wrapped = [
        kind
        for name, kinds in zip(ctx.callee_arg_names, ctx.arg_kinds)
        if name not in _NOT_WRAPPED
        for kind in kinds
    ]
    single = len(wrapped) == 1 and wrapped[0] in (ArgKind.ARG_POS, ArgKind.ARG_NAMED)
    return spawner._replace(
        message=errorcodes.UNKNOWN_ARGUMENT if single else errorcodes.UNKNOWN_ARGUMENTS,
        note=errorcodes.UNKNOWN_ARGUMENT_NOTE,
    )


def _spawner_reference(api: CheckerPluginInterface, callback: Expression) -> Spawner | None:
    """`loop.call_soon(asyncio.create_task, coro)`: a spawner passed as the callback."""
    if not isinstance(callback, RefExpr):
        return None
    if callback.fullname == CREATE_TASK or callback.fullname in TASK_CLASSES:
        return Spawner(display_name(callback.fullname))
    if isinstance(callback, MemberExpr) and callback.name == CREATE_TASK_METHOD:
        receiver = _compat.lookup_type(api, callback.expr)
        if receiver is not None and is_instance_of(receiver, (EVENT_LOOP,)):
            return Spawner(method_display(receiver, CREATE_TASK_METHOD))
    return None


def function_table(hooks: Hooks, spawners: Sequence[str]) -> dict[str, FunctionHook]:
    """Hooks for the asyncio spawner functions and the user's own.

    The plugin asks it only for names not listed in `self_retaining`."""
    table: dict[str, FunctionHook] = {
        CREATE_TASK: hooks.always(Spawner(display_name(CREATE_TASK))),
        ENSURE_FUTURE: hooks.when_wrapping_new_task(Spawner(display_name(ENSURE_FUTURE))),
        GATHER: hooks.when_wrapping_new_task(_wrapping(GATHER)),
        SHIELD: hooks.when_wrapping_new_task(_wrapping(SHIELD)),
        RUN_COROUTINE_THREADSAFE: hooks.always(
            Spawner(
                display_name(RUN_COROUTINE_THREADSAFE),
                what="Future",
                why=errorcodes.THREADSAFE_WHY,
            )
        ),
    }
    for task_class in TASK_CLASSES:
        table[task_class] = hooks.always(Spawner(display_name(task_class)))
    for name in spawners:
        table.setdefault(name, hooks.always(Spawner(name)))
    return table


def _wrapping(fullname: str) -> Spawner:
    """gather / shield: the Future returned is the only handle on the tasks inside."""
    return Spawner(display_name(fullname), what="Future", why=errorcodes.WRAPPED_WHY)
