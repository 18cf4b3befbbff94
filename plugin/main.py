"""The Plugin subclass: which hook answers which fullname."""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from typing import Any

from mypy.errors import CompileError
from mypy.nodes import MypyFile
from mypy.options import Options
from mypy.plugin import FunctionContext, MethodContext, Plugin, ReportConfigContext
from mypy.types import Type

from . import _compat, config, errorcodes
from .checks import FunctionHook, Hooks, MethodHook, Reporter, Spawner, display_name
from .resolve import missing_in_module
from .names import (
    CREATE_TASK,
    CREATE_TASK_METHOD,
    ENSURE_FUTURE,
    CONCURRENT_FUTURE,
    EVENT_LOOP,
    FUTURE_CLASSES,
    FUTURE_REGISTRARS,
    GATHER,
    LOOP_REGISTRARS,
    RUN_COROUTINE_THREADSAFE,
    SELF_RETAINING_CLASSES,
    SHIELD,
    TASK_CLASSES,
)

REGISTRAR_OWNERS = (*FUTURE_CLASSES, CONCURRENT_FUTURE)
_WRAPPER: Spawner = Spawner("", what="Future", why=errorcodes.WRAPPED_WHY)


class DanglingTasksPlugin(Plugin):
    def __init__(self, options: Options) -> None:
        super().__init__(options)
        loaded = config.load(options.config_file)
        self._config = loaded.config
        self._config_errors = loaded.errors
        self._modules: dict[str, MypyFile] = {}
        self._unused_task = _unused_task_enabled(options)
        self._hooks = Hooks(Reporter())
        self._functions = self._function_table()
        # method name -> classes whose method of that name spawns
        self._spawner_methods: dict[str, tuple[str, ...]] = {CREATE_TASK_METHOD: (EVENT_LOOP,)}
        for name in self._config.spawners:
            owner, _, method = name.rpartition(".")
            self._spawner_methods[method] = (*self._spawner_methods.get(method, ()), owner)
        self._retaining = (*SELF_RETAINING_CLASSES, *self._config.self_retaining)
        self._method_hooks: dict[str, MethodHook] = {}
        self._task_function_hooks: dict[str, FunctionHook] = {}
        self._warned: set[str] = set()
        self._configured_modules = {
            name.rsplit(".", depth)[0]
            for name in (*self._config.spawners, *self._config.self_retaining)
            for depth in (1, 2)
            if name.count(".") >= depth
        }

    def _function_table(self) -> Mapping[str, FunctionHook]:
        hooks = self._hooks
        table: dict[str, FunctionHook] = {
            CREATE_TASK: hooks.always(Spawner(display_name(CREATE_TASK))),
            ENSURE_FUTURE: hooks.when_wrapping_new_task(Spawner(display_name(ENSURE_FUTURE))),
            GATHER: hooks.when_wrapping_new_task(_wrapper(GATHER)),
            SHIELD: hooks.when_wrapping_new_task(_wrapper(SHIELD)),
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
        for name in self._config.spawners:
            table.setdefault(name, hooks.always(Spawner(name)))
        for name in self._config.self_retaining:  # the user's word wins
            table.pop(name, None)
        return table

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
        return []

    def get_function_hook(self, fullname: str) -> Callable[[FunctionContext], Type] | None:
        hook = self._functions.get(fullname)
        if hook is not None:
            return hook
        # `spawn = asyncio.create_task`: mypy asks with the variable's name.
        target = _compat.aliased_function(fullname, self._modules)
        if target is not None:
            hook = self._functions.get(target)
            if hook is not None:
                return hook
        if not self._unused_task or fullname in self._retaining:
            return None
        if not _compat.declared_to_return(fullname, self._modules, TASK_CLASSES):
            return None
        hook = self._task_function_hooks.get(fullname)
        if hook is None:
            spawner = Spawner(_short(fullname), code=errorcodes.UNUSED_TASK)
            hook = self._task_function_hooks[fullname] = self._hooks.returning_task(spawner)
        return hook

    def get_method_hook(self, fullname: str) -> Callable[[MethodContext], Type] | None:
        owner, _, method = fullname.rpartition(".")
        if " of " in method:
            # A receiver typed with a TypeVar: mypy asks "create_task of Bound",
            # without the module; the hook judges the receiver's real type.
            method = method.split(" of ", 1)[0]
            owner = ""
        if method in LOOP_REGISTRARS or method in FUTURE_REGISTRARS:
            owners = REGISTRAR_OWNERS if method in FUTURE_REGISTRARS else (EVENT_LOOP,)
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

    def _is_spawner_method(self, owner: str, method: str) -> bool:
        spawner_classes = self._spawner_methods.get(method)
        if spawner_classes is None:
            return False
        return not owner or _compat.class_has_base(owner, self._modules, spawner_classes)

    def _method_hook(self, method: str, *, registrar: bool = False) -> MethodHook:
        key = f"registrar:{method}" if registrar else method
        hook = self._method_hooks.get(key)
        if hook is None:
            if registrar:
                hook = self._hooks.registrar(method)
            else:
                retaining = (
                    *self._retaining,
                    *(
                        owner
                        for owner, _, name in map(methodcall_parts, self._config.self_retaining)
                        if name == method
                    ),
                )
                hook = self._hooks.method(
                    method, self._spawner_methods.get(method, ()), retaining, self._unused_task
                )
            self._method_hooks[key] = hook
        return hook


def methodcall_parts(fullname: str) -> tuple[str, str, str]:
    return fullname.rpartition(".")


def _wrapper(fullname: str) -> Spawner:
    return Spawner(display_name(fullname), what=_WRAPPER.what, why=_WRAPPER.why)


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
