"""The Plugin subclass: which hook answers which fullname.

mypy asks `get_function_hook` / `get_method_hook` for every call in the
program, most names many times, so each answer is remembered per fullname
and a repeated question costs one dict lookup.  The hooks (checks.py) are
bound from the spawner table (spawners.py) on the first question that needs
one, which is also when the analysis modules are imported: a warm run that
checks nothing never loads them.  Everything mypy calls runs under the
guard (`_compat.Guard`).
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from mypy.errors import CompileError
from mypy.nodes import CallExpr, MypyFile, SymbolTableNode, TypeInfo, Var
from mypy.options import Options
from mypy.plugin import (
    AnalyzeTypeContext,
    FunctionContext,
    MethodContext,
    Plugin,
    ReportConfigContext,
)
from mypy.types import Instance, Type

from . import __version__, _compat, config, errorcodes
from .names import ANCHOR_FULLNAME, SELF_RETAINING_CLASSES, TASK_CLASSES
from .spawners import MethodRoute, Spawner, function_spawners, method_routes, short_display
from .typeops import (
    alias_target,
    aliased_function,
    class_has_base,
    declared_to_return_a_task,
    is_coroutine_function,
)

if TYPE_CHECKING:
    # Only for the type checker: typing's generic aliases are built by Python
    # code, which mypy would run on every start for nothing.
    from .checks import Knowledge
    from .wrappers import WrapperAnalysis

    FunctionHook = Callable[[FunctionContext], Type]
    MethodHook = Callable[[MethodContext], Type]
    AnyHook = Callable[[Any], Type]
    Hook = TypeVar("Hook")


class DanglingTasksPlugin(Plugin):
    def __init__(self, options: Options) -> None:
        super().__init__(options)
        self._guard = _compat.Guard(__version__)
        self._guard.run(False, _compat.restore_dropped_error_code_settings, options)
        loaded = self._guard.run(
            config.LoadResult(config.Config(), []), config.load, options.config_file
        )
        self._config = loaded.config
        self._config_errors = loaded.errors
        # Read in set_modules: mypy's parallel workers construct the plugin
        # before they apply the error-code settings.
        self._unused_task = False
        self._functions = function_spawners(self._config.spawners, self._config.self_retaining)
        self._retaining_functions = frozenset(self._config.self_retaining)
        # Built on first need: they depend on which configured owners are modules.
        self._routes: dict[str, MethodRoute] | None = None
        self._knowledge: Knowledge | None = None
        self._wrappers: WrapperAnalysis | None = None
        self._hooks: dict[str, AnyHook] = {}
        self._configured_modules = config.modules_named_in(self._config)
        self._warned: set[str] = set()
        # The answer for each fullname: mypy asks about every call, tens of
        # thousands of times a run, mostly again.  Kept until mypy parses a
        # module again (get_additional_deps; dmypy re-parses what it updates).
        self._function_hooks: dict[str, FunctionHook | None] = {}
        self._method_hooks: dict[str, MethodHook | None] = {}
        # Set by a lookup that found a variable: mypy may infer its type after
        # the question, so that answer is not remembered.
        self._read_a_variable = False
        # Module -> the anchor statement's call that unchecked.py added to it.
        self._anchors: dict[str, CallExpr] = {}
        # Modules whose cache must not be used (unchecked.anchor_hook).
        self._rescan: set[str] = set()
        # mypy's parallel workers call no plugin method per module before
        # checking it, so no anchor can be added there: the scan is off
        # under --num-workers, in every process alike (docs/rules.md).  mypyc
        # would compile the anchor into the module.
        self._scan_unchecked = (
            self._config.check_unannotated
            and not _checks_every_body(options)
            and not getattr(options, "num_workers", 0)
            and not options.mypyc
        )
        # Verdicts on wrappers, written into each module's names for the
        # modules that import it (wrappers.export_verdicts), from the hook of
        # a Task annotation; mypyc would compile them into the module.
        self._type_hooks: dict[str, Callable[[AnalyzeTypeContext], Type]] = {}
        if not options.mypyc:
            self._type_hooks = dict.fromkeys(TASK_CLASSES, self._task_annotation)
        # get_type_analyze_hook as a dict's own get: mypy asks it about every
        # name of every annotation (80,000 times on discord.py), and a Python
        # method costs 0.24% of the benchmark's instructions (docs/cost.md).
        setattr(self, "get_type_analyze_hook", self._type_hooks.get)
        # Module -> the semantic analyzer's patch list its export went into.
        self._exports: dict[str, object] = {}

    # -- mypy's questions --------------------------------------------------

    def set_modules(self, modules: dict[str, MypyFile]) -> None:
        self._guard.run(None, self._set_modules, modules)

    def report_config_data(self, ctx: ReportConfigContext) -> Any:
        # A new plugin version may judge differently: re-check cached modules.
        fallback: dict[str, object] = {"version": __version__}
        return self._guard.run(fallback, self._config_data, ctx)

    def get_additional_deps(self, file: MypyFile) -> list[tuple[int, str, int]]:
        return self._guard.run([], self._parsed, file)

    def get_function_hook(self, fullname: str) -> FunctionHook | None:
        if fullname in self._function_hooks:
            return self._function_hooks[fullname]
        return self._remember(self._function_hooks, fullname, self._decide_function_hook)

    def get_method_hook(self, fullname: str) -> MethodHook | None:
        if fullname in self._method_hooks:
            return self._method_hooks[fullname]
        return self._remember(self._method_hooks, fullname, self._decide_method_hook)

    def _remember(
        self,
        answers: dict[str, Hook | None],
        fullname: str,
        decide: Callable[[str], Hook | None],
    ) -> Hook | None:
        self._read_a_variable = False
        hook = self._guard.run(None, decide, fullname)
        if not self._read_a_variable:
            answers[fullname] = hook
        return hook

    def _set_modules(self, modules: dict[str, MypyFile]) -> None:
        if self._config_errors:  # mypy prints them and exits 2 (the guard lets it through)
            raise CompileError(self._config_errors)
        self._unused_task = _unused_task_enabled(self.options)
        super().set_modules(modules)

    def _config_data(self, ctx: ReportConfigContext) -> dict[str, object]:
        data: dict[str, object] = {"version": __version__, **self._config.as_data()}
        if not ctx.is_check and ctx.id in self._rescan:
            # Written with the module's cache, never asked for when it is read:
            # mypy parses it anew, with its anchor (unchecked.anchor_hook).
            data["rescan"] = True
        return data

    def _task_annotation(self, ctx: AnalyzeTypeContext) -> Type:
        """A Task annotation: the module's wrappers get a verdict once mypy
        has analysed it; mypy analyses the annotation as it would without
        the plugin."""
        self._guard.run(
            None, _compat.schedule_after_analysis, ctx.api, self._export, self._exports
        )
        hooks = self._type_hooks.copy()
        self._type_hooks.clear()  # mypy analyses it without this hook
        try:
            return _compat.analyze_unbound(ctx.api, ctx.type)
        finally:
            self._type_hooks.update(hooks)

    def _export(self, tree: MypyFile) -> None:
        self._guard.run(None, self._export_wrapper_verdicts, tree)

    def _export_wrapper_verdicts(self, tree: MypyFile) -> None:
        symbol = self._lookup("builtins.str")
        info = symbol.node if symbol is not None else None
        if not isinstance(info, TypeInfo):
            return
        from . import wrappers

        wrappers.export_verdicts(self._new_wrapper_analysis(), tree, Instance(info, []))

    def _parsed(self, file: MypyFile) -> list[tuple[int, str, int]]:
        # A module's syntax and meaning may have changed: forget every answer.
        self._function_hooks.clear()
        self._method_hooks.clear()
        # Called once per parsed module: the moment to notice a configured
        # name that its own module does not define (a typo would otherwise
        # silently disable the check the user asked for).
        if file.fullname in self._configured_modules:
            self._warn_about_missing_names(file)
        # Functions mypy checks without types get no hook: an anchor statement gets one.
        if self._scan_unchecked and not file.is_stub:
            from . import unchecked

            if unchecked.wants_anchor(file):
                self._anchors[file.fullname] = unchecked.add_anchor(file)
        return []

    # -- deciding ------------------------------------------------------------

    def _decide_function_hook(self, fullname: str) -> FunctionHook | None:
        symbol = None
        if fullname not in self._functions and "." in fullname:
            symbol = self._lookup(fullname)
            # `spawn = asyncio.create_task`: mypy asks with the variable's name.
            target = alias_target(symbol, self._lookup)
            if target is not None:
                fullname, symbol = target, None
        spawner = self._functions.get(fullname)
        if spawner is not None:
            from .checks import spawner_function_hook

            return self._hook(f"spawner {fullname}", spawner_function_hook, spawner=spawner)
        returner = self._task_returner(fullname, fullname, symbol)
        if returner == "wrapper":
            from .checks import wrapper_function_hook

            return self._hook(
                f"wrapper {fullname}",
                wrapper_function_hook,
                fullname=fullname,
                display=short_display(fullname),
                wrappers=self._wrapper_analysis(),
            )
        if returner == "coroutine":
            return self._coroutine_hook()
        if returner == "task" and self._unused_task:
            from .checks import task_function_hook

            spawner = Spawner(short_display(fullname), code=errorcodes.UNUSED_TASK)
            return self._hook(f"task {fullname}", task_function_hook, spawner=spawner)
        return None

    def _decide_method_hook(self, fullname: str) -> MethodHook | None:
        if fullname == ANCHOR_FULLNAME and self._scan_unchecked:
            from .unchecked import anchor_hook

            return self._hook(
                "anchor",
                anchor_hook,
                anchors=self._anchors,
                rescan=self._rescan,
                keep=self.options.fine_grained_incremental,
                modules=self._modules or {},
                wrappers=self._wrapper_analysis,
            )
        owner, _, method = fullname.rpartition(".")
        # A receiver typed with a TypeVar: mypy asks "create_task of Bound",
        # without the module; the hook judges the receiver's real type.
        name, of_type_variable, _ = method.partition(" of ")
        route = self._method_routes().get(name)
        if route is not None and (of_type_variable or self._has_base(owner, route.owners)):
            return self._method_hook(name, route)
        if of_type_variable:
            return self._method_hook(name, route or MethodRoute()) if self._unused_task else None
        returner = self._task_returner(owner, fullname, None)
        if returner == "wrapper":
            from .checks import wrapper_method_hook

            return self._hook(
                f"wrapper {fullname}",
                wrapper_method_hook,
                method=name,
                fullname=fullname,
                route=route or MethodRoute(),
                wrappers=self._wrapper_analysis(),
            )
        if returner == "coroutine":
            return self._coroutine_hook()
        if returner == "task" and self._unused_task:
            return self._method_hook(name, route or MethodRoute())
        return None

    def _task_returner(
        self, name: str, fullname: str, symbol: SymbolTableNode | None
    ) -> Literal["wrapper", "task", "coroutine"] | None:
        """Is `fullname` declared to return a Task (and not configured to keep it)?

        "wrapper" if it may be a pass-through wrapper, a function or method
        of a checked module; "task" for any other, which only
        unused-task judges; "coroutine" for an `async def` of a checked
        module, whose call may be handed to a receiver typed Any, which gets
        no hook of its own.  `name` is the function, or the method's class;
        `symbol`, if known, what `fullname` names.  Most names mypy asks
        about are typeshed's: without unused-task they need no lookup.
        """
        tree = self._module_of(fullname)
        checked = tree if tree is not None and not tree.is_stub else None
        if checked is None and not self._unused_task:
            return None
        if name in self._retaining_functions or fullname in self._retaining_functions:
            return None
        if symbol is None:
            symbol = self._lookup(fullname)
        if not declared_to_return_a_task(self._lookup, fullname, symbol):
            if checked is not None and is_coroutine_function(self._lookup, fullname, symbol):
                return "coroutine"
            return None
        return "wrapper" if checked is not None else "task"

    # -- building hooks ------------------------------------------------------

    def _hook(self, key: str, function: Callable[..., Type], **bound: object) -> AnyHook:
        """The hook `function` of checks.py with its arguments bound, made once per key."""
        made = self._hooks.get(key)
        if made is None:
            hook = functools.partial(function, knows=self._knows(), **bound)
            made = self._hooks[key] = self._guard.hook(hook)
        return made

    def _coroutine_hook(self) -> AnyHook:
        from .checks import coroutine_hook

        return self._hook("coroutine", coroutine_hook)

    def _method_hook(self, name: str, route: MethodRoute) -> MethodHook:
        from .checks import method_hook

        return self._hook(f"method {name}", method_hook, method=name, route=route)

    def _knows(self) -> Knowledge:
        if self._knowledge is None:
            from . import checks

            self._knowledge = checks.Knowledge(
                reporter=checks.Reporter(),
                functions=self._functions,
                routes=self._method_routes(),
                retaining=self._retaining_classes(),
                alias_target=functools.partial(aliased_function, self._lookup),
                unused_task=self._unused_task,
            )
        return self._knowledge

    def _wrapper_analysis(self) -> WrapperAnalysis:
        """Verdicts on the checked program's own wrappers, shared by their hooks.
        Made, and wrappers.py loaded, on the first function declared to return
        a Task: many programs have none."""
        if self._wrappers is None:
            self._wrappers = self._new_wrapper_analysis()
        return self._wrappers

    def _new_wrapper_analysis(self) -> WrapperAnalysis:
        from . import wrappers

        names = wrappers.SpawnerNames(
            self._functions, self._method_routes(), self._retaining_classes()
        )
        return wrappers.WrapperAnalysis(names, self._lookup, self._unused_task, self._module_of)

    def _retaining_classes(self) -> tuple[str, ...]:
        return (*SELF_RETAINING_CLASSES, *self._config.self_retaining)

    def _method_routes(self) -> dict[str, MethodRoute]:
        if self._routes is None:
            modules = self._modules or {}
            self._routes = method_routes(
                self._config.spawners, self._config.self_retaining, modules.__contains__
            )
        return self._routes

    # -- lookups -------------------------------------------------------------

    def _lookup(self, fullname: str) -> SymbolTableNode | None:
        symbol = self.lookup_fully_qualified(fullname) if self._modules is not None else None
        if symbol is not None and isinstance(symbol.node, Var):
            self._read_a_variable = True
        return symbol

    def _has_base(self, owner: str, bases: tuple[str, ...]) -> bool:
        return bool(bases) and class_has_base(self._lookup, owner, bases)

    def _module_of(self, fullname: str) -> MypyFile | None:
        """The module that defines the function or method `fullname`, if mypy has it.

        None also for "<list>" and the other names mypy gives to what is not
        a function.
        """
        modules = self._modules or {}
        module = fullname
        for _ in range(3):  # function, method, method of a nested class
            module = module.rpartition(".")[0]
            tree = modules.get(module)
            if tree is not None:
                return tree
        return None

    def _warn_about_missing_names(self, file: MypyFile) -> None:
        for name, key in config.missing_in_module(self._config, file):
            if name not in self._warned:
                self._warned.add(name)
                print(config.missing_name_warning(self._config, key, name, file), file=sys.stderr)


def _checks_every_body(options: Options) -> bool:
    """Does check_untyped_defs hold for every module?  Then no body goes unchecked."""
    if not options.check_untyped_defs:
        return False
    return not any("check_untyped_defs" in section for section in options.per_module_options.values())


def _unused_task_enabled(options: Options) -> bool:
    """Is unused-task enabled anywhere in the configuration?"""
    code = errorcodes.UNUSED_TASK.code
    if code in options.enable_error_code:
        return True
    for section in options.per_module_options.values():
        enabled = section.get("enable_error_code", ())
        if isinstance(enabled, (list, tuple, set)) and code in enabled:
            return True
    return False
