"""The Plugin subclass: which hook answers which fullname.

mypy asks `get_function_hook` / `get_method_hook` for every call in the
program, so both reject unrelated names with one set lookup.  The analysis
modules are imported on the first hook that is really needed: a warm run
that checks nothing never loads them.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from mypy.errors import CompileError
from mypy.nodes import MypyFile
from mypy.options import Options
from mypy.plugin import FunctionContext, MethodContext, Plugin, ReportConfigContext
from mypy.types import Type

from . import _compat, codes_config, config, errorcodes
from .names import (
    DEBUG_ENVIRONMENT_VARIABLE,
    CREATE_TASK,
    CREATE_TASK_METHOD,
    ENSURE_FUTURE,
    EVENT_LOOP,
    GATHER,
    REGISTRARS,
    RUN_COROUTINE_THREADSAFE,
    SELF_RETAINING_CLASSES,
    SHIELD,
    TASK_CLASSES,
)

if TYPE_CHECKING:
    from .checks import FunctionHook, Hooks, MethodHook

BUILTIN_SPAWNER_FUNCTIONS = (
    CREATE_TASK, ENSURE_FUTURE, GATHER, SHIELD, RUN_COROUTINE_THREADSAFE, *TASK_CLASSES
)


class DanglingTasksPlugin(Plugin):
    def __init__(self, options: Options) -> None:
        super().__init__(options)
        codes_config.restore_dropped_settings(options)
        loaded = config.load(options.config_file)
        self._config = loaded.config
        self._config_errors = loaded.errors
        self._modules: dict[str, MypyFile] = {}
        self._unused_task = _unused_task_enabled(options)
        retained = set(self._config.self_retaining)
        self._function_names = frozenset(
            name
            for name in (*BUILTIN_SPAWNER_FUNCTIONS, *self._config.spawners)
            if name not in retained
        )
        # method name -> classes whose method of that name spawns
        self._spawner_methods: dict[str, tuple[str, ...]] = {CREATE_TASK_METHOD: (EVENT_LOOP,)}
        for name in self._config.spawners:
            owner, _, method = name.rpartition(".")
            self._spawner_methods[method] = (*self._spawner_methods.get(method, ()), owner)
        self._method_names = frozenset((*self._spawner_methods, *REGISTRARS))
        self._retaining = (*SELF_RETAINING_CLASSES, *self._config.self_retaining)
        self._configured_modules = {
            name.rsplit(".", depth)[0]
            for name in (*self._config.spawners, *self._config.self_retaining)
            for depth in (1, 2)
            if name.count(".") >= depth
        }
        self._warned: set[str] = set()
        # Built on first need (see the module docstring).
        self._hooks: Hooks | None = None
        self._functions: dict[str, FunctionHook] = {}
        self._method_hooks: dict[str, MethodHook] = {}
        self._task_function_hooks: dict[str, FunctionHook] = {}

    # -- mypy's questions --------------------------------------------------

    def set_modules(self, modules: dict[str, MypyFile]) -> None:
        if self._config_errors:
            raise CompileError(self._config_errors)
        self._modules = modules

    def report_config_data(self, ctx: ReportConfigContext) -> Any:
        return self._config.as_data()

    def get_additional_deps(self, file: MypyFile) -> list[tuple[int, str, int]]:
        # Called once per parsed module: the moment to notice a configured
        # name that its own module does not define (a typo would otherwise
        # silently disable the check the user asked for).
        if self._configured_modules and file.fullname in self._configured_modules:
            try:
                self._warn_about_missing_names(file)
            except Exception:  # a warning must never cost the user the type check
                if os.environ.get(DEBUG_ENVIRONMENT_VARIABLE):
                    raise
        return []

    def get_function_hook(self, fullname: str) -> Callable[[FunctionContext], Type] | None:
        if fullname in self._function_names:
            return self._function_hook(fullname)
        # `spawn = asyncio.create_task`: mypy asks with the variable's name.
        target = _compat.aliased_function(fullname, self._modules)
        if target is not None and target in self._function_names:
            return self._function_hook(target)
        if not self._unused_task or fullname in self._retaining:
            return None
        if not _compat.declared_to_return(fullname, self._modules, TASK_CLASSES):
            return None
        return self._task_function_hook(fullname)

    def get_method_hook(self, fullname: str) -> Callable[[MethodContext], Type] | None:
        owner, _, method = fullname.rpartition(".")
        if method not in self._method_names and not self._unused_task and " of " not in method:
            return None
        if " of " in method:
            # A receiver typed with a TypeVar: mypy asks "create_task of Bound",
            # without the module; the hook judges the receiver's real type.
            method = method.split(" of ", 1)[0]
            owner = ""
        registrar = REGISTRARS.get(method)
        if registrar is not None:
            owners = registrar[0]
            if not owner or _compat.class_has_base(owner, self._modules, owners):
                return self._method_hook(method, registrar=True)
            return None
        if self._is_spawner_method(owner, method):
            return self._method_hook(method)
        if self._unused_task and (
            not owner or _compat.declared_to_return(fullname, self._modules, TASK_CLASSES)
        ):
            return self._method_hook(method)
        return None

    # -- building hooks ------------------------------------------------------

    def _load_hooks(self) -> Hooks:
        if self._hooks is None:
            from .checks import Hooks, Reporter, function_table

            self._hooks = Hooks(Reporter())
            self._functions = function_table(self._hooks, self._config.spawners)
        return self._hooks

    def _function_hook(self, fullname: str) -> FunctionHook:
        self._load_hooks()
        return self._functions[fullname]

    def _task_function_hook(self, fullname: str) -> FunctionHook:
        hook = self._task_function_hooks.get(fullname)
        if hook is None:
            from .checks import Spawner

            spawner = Spawner(_short(fullname), code=errorcodes.UNUSED_TASK)
            hook = self._load_hooks().returning_task(spawner)
            self._task_function_hooks[fullname] = hook
        return hook

    def _is_spawner_method(self, owner: str, method: str) -> bool:
        spawner_classes = self._spawner_methods.get(method)
        if spawner_classes is None:
            return False
        return not owner or _compat.class_has_base(owner, self._modules, spawner_classes)

    def _method_hook(self, method: str, *, registrar: bool = False) -> MethodHook:
        key = f"registrar:{method}" if registrar else method
        hook = self._method_hooks.get(key)
        if hook is None:
            hooks = self._load_hooks()
            if registrar:
                hook = hooks.registrar(method)
            else:
                retaining = (
                    *self._retaining,
                    *(
                        owner
                        for owner, _, name in (
                            entry.rpartition(".") for entry in self._config.self_retaining
                        )
                        if name == method
                    ),
                )
                hook = hooks.method(
                    method, self._spawner_methods.get(method, ()), retaining, self._unused_task
                )
            self._method_hooks[key] = hook
        return hook

    def _warn_about_missing_names(self, file: MypyFile) -> None:
        from .resolve import missing_in_module

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
