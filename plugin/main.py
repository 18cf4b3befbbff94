"""The Plugin subclass: which hook answers which fullname.

mypy asks `get_function_hook` / `get_method_hook` for every call in the
program, most names many times, so each answer is remembered per fullname
and a repeated question costs one dict lookup.  The hooks are bound from
the spawner table (spawners.py) on the first question that needs one, which
is also when the analysis modules are imported: a warm run that checks
nothing never loads them.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from mypy.errors import CompileError
from mypy.nodes import MypyFile, SymbolTableNode, Var
from mypy.options import Options
from mypy.plugin import FunctionContext, MethodContext, Plugin, ReportConfigContext
from mypy.types import Type

from . import __version__, codes_config, config, errorcodes
from .guard import guarded
from .names import SELF_RETAINING_CLASSES, TASK_CLASSES
from .spawners import MethodRoute, Spawner, function_spawners, method_routes
from .symbols import aliased_function, class_has_base, declared_to_return

if TYPE_CHECKING:
    from .checks import Knowledge

FunctionHook = Callable[[FunctionContext], Type]
MethodHook = Callable[[MethodContext], Type]
Hook = TypeVar("Hook", FunctionHook, MethodHook)
# The hook functions of checks.py that _hook binds (test_self checks each one exists).
HookName = Literal[
    "spawner_function_hook",
    "task_function_hook",
    "wrapper_function_hook",
    "wrapper_method_hook",
    "method_hook",
]


class DanglingTasksPlugin(Plugin):
    def __init__(self, options: Options) -> None:
        super().__init__(options)
        codes_config.restore_dropped_settings(options)
        loaded = config.load(options.config_file)
        self._config = loaded.config
        self._config_errors = loaded.errors
        self._unused_task = _unused_task_enabled(options)
        self._functions = function_spawners(self._config.spawners, self._config.self_retaining)
        self._retaining_functions = frozenset(self._config.self_retaining)
        # Built on first need: they depend on which configured owners are modules.
        self._routes: dict[str, MethodRoute] | None = None
        self._knowledge: Knowledge | None = None
        self._hooks: dict[str, Callable[[Any], Type]] = {}
        self._configured_modules = config.modules_named_in(self._config)
        self._check_configured_names = guarded(self._warn_about_missing_names, _nothing)
        self._warned: set[str] = set()
        # Answers that depend only on what mypy has parsed and analysed, kept
        # until it parses a module again (get_additional_deps; dmypy re-parses
        # the modules it updates).  An answer that read a variable is not kept:
        # its type may still be inferred later in the run.
        self._function_hooks: dict[str, FunctionHook | None] = {}
        self._method_hooks: dict[str, MethodHook | None] = {}
        self._read_variable = False
        self._defined_functions = guarded(_functions_defined_in, _no_functions)

    # -- mypy's questions --------------------------------------------------

    def set_modules(self, modules: dict[str, MypyFile]) -> None:
        if self._config_errors:
            raise CompileError(self._config_errors)
        super().set_modules(modules)

    def report_config_data(self, ctx: ReportConfigContext) -> Any:
        # A new plugin version may judge differently: re-check cached modules.
        return {"version": __version__, **self._config.as_data()}

    def get_additional_deps(self, file: MypyFile) -> list[tuple[int, str, int]]:
        # A module's syntax and meaning may have changed: forget every answer.
        self._function_hooks.clear()
        self._method_hooks.clear()
        # Called once per parsed module: the moment to notice a configured
        # name that its own module does not define (a typo would otherwise
        # silently disable the check the user asked for).
        if file.fullname in self._configured_modules:
            self._check_configured_names(file)
        return []

    def get_function_hook(self, fullname: str) -> FunctionHook | None:
        if fullname in self._function_hooks:
            return self._function_hooks[fullname]
        return self._remembered(self._function_hooks, fullname, self._decide_function_hook)

    def get_method_hook(self, fullname: str) -> MethodHook | None:
        if fullname in self._method_hooks:
            return self._method_hooks[fullname]
        return self._remembered(self._method_hooks, fullname, self._decide_method_hook)

    # -- deciding ------------------------------------------------------------

    def _remembered(
        self, memo: dict[str, Hook | None], fullname: str, decide: Callable[[str], Hook | None]
    ) -> Hook | None:
        self._read_variable = False
        hook = decide(fullname)
        if not self._read_variable:
            memo[fullname] = hook
        return hook

    def _decide_function_hook(self, fullname: str) -> FunctionHook | None:
        if fullname not in self._functions:
            # `spawn = asyncio.create_task`: mypy asks with the variable's name.
            fullname = aliased_function(self._lookup, fullname) or fullname
        spawner = self._functions.get(fullname)
        if spawner is not None:
            return self._hook(f"spawner {fullname}", "spawner_function_hook", spawner=spawner)
        if self._defined_with_body(fullname) and self._declared_task(fullname, fullname):
            return self._hook(
                f"wrapper {fullname}",
                "wrapper_function_hook",
                fullname=fullname,
                display=_short(fullname),
            )
        if self._unused_task and self._declared_task(fullname, fullname):
            spawner = Spawner(_short(fullname), code=errorcodes.UNUSED_TASK)
            return self._hook(f"task {fullname}", "task_function_hook", spawner=spawner)
        return None

    def _decide_method_hook(self, fullname: str) -> MethodHook | None:
        owner, _, method = fullname.rpartition(".")
        # A receiver typed with a TypeVar: mypy asks "create_task of Bound",
        # without the module; the hook judges the receiver's real type.
        name, of_type_variable, _ = method.partition(" of ")
        route = self._method_routes().get(name)
        if route is not None and (of_type_variable or self._has_base(owner, route.owners)):
            return self._method_hook(name, route)
        if self._defined_with_body(fullname) and self._declared_task(owner, fullname):
            return self._hook(
                f"wrapper {fullname}",
                "wrapper_method_hook",
                method=name,
                fullname=fullname,
                route=route or MethodRoute(),
            )
        if self._unused_task and (of_type_variable or self._declared_task(owner, fullname)):
            return self._method_hook(name, route or MethodRoute())
        return None

    # -- building hooks ------------------------------------------------------

    def _hook(self, key: str, hook: HookName, **bound: object) -> Callable[[Any], Type]:
        """The hook function `hook` of checks.py with its arguments bound, made once per key."""
        made = self._hooks.get(key)
        if made is None:
            from . import checks

            function = getattr(checks, hook)
            made = guarded(functools.partial(function, knows=self._knows(), **bound), _default_type)
            self._hooks[key] = made
        return made

    def _method_hook(self, name: str, route: MethodRoute) -> MethodHook:
        return self._hook(f"method {name}", "method_hook", method=name, route=route)

    def _knows(self) -> Knowledge:
        if self._knowledge is None:
            from . import checks, wrappers

            retaining = (*SELF_RETAINING_CLASSES, *self._config.self_retaining)
            names = wrappers.SpawnerNames(self._functions, self._method_routes(), retaining)
            self._knowledge = checks.Knowledge(
                reporter=checks.Reporter(),
                functions=self._functions,
                routes=self._method_routes(),
                retaining=retaining,
                alias_target=functools.partial(aliased_function, self._lookup),
                unused_task=self._unused_task,
                wrappers=wrappers.WrapperAnalysis(names, self._lookup, self._unused_task),
            )
        return self._knowledge

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
            self._read_variable = True  # its type may be inferred later in the run
        return symbol

    def _has_base(self, owner: str, bases: tuple[str, ...]) -> bool:
        return bool(bases) and class_has_base(self._lookup, owner, bases)

    def _declared_task(self, name: str, fullname: str) -> bool:
        """unused-task: is `fullname` declared to return a Task (and not configured to keep it)?"""
        if name in self._retaining_functions or fullname in self._retaining_functions:
            return False
        return declared_to_return(self._lookup, fullname, TASK_CLASSES)

    def _defined_with_body(self, fullname: str) -> bool:
        """Is `fullname` a function or method with a body in a checked module?

        A cheap filter before the lookup of a declared return type: most
        names are typeshed's.  Names of stubs are answered at once, others by
        the names the module defines (an inherited method by its bare name).
        """
        modules = self._modules or {}
        module = fullname
        for _ in range(3):  # function, method, method of a nested class
            module = module.rpartition(".")[0]
            tree = modules.get(module)
            if tree is None:
                continue
            if tree.is_stub:
                return False
            functions, methods = self._defined_functions(tree)  # remembered per module
            return fullname in functions or fullname.rpartition(".")[2] in methods
        return False  # "<list>" and other names mypy gives to what is not a function

    def _warn_about_missing_names(self, file: MypyFile) -> None:
        from .configured_names import missing_in_module

        for key, names in (
            ("spawners", self._config.spawners),
            ("self_retaining", self._config.self_retaining),
        ):
            for name in missing_in_module(file, names):
                if name not in self._warned:
                    self._warned.add(name)
                    print(
                        f"{self._config.source}: warning: [{config.section_name(self._config)}] "
                        f'{key}: "{name}" is not defined in module {file.fullname} '
                        f"({file.path}); it is ignored",
                        file=sys.stderr,
                    )


def _default_type(ctx: FunctionContext | MethodContext) -> Type:
    return ctx.default_return_type


def _nothing(file: MypyFile) -> None:
    return None


def _functions_defined_in(tree: MypyFile) -> tuple[frozenset[str], frozenset[str]]:
    from .wrappers import defined_functions

    return defined_functions(tree)


def _no_functions(tree: MypyFile) -> tuple[frozenset[str], frozenset[str]]:
    return frozenset(), frozenset()


def _short(fullname: str) -> str:
    return ".".join(fullname.split(".")[-2:])


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
