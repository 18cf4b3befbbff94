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
from typing import TYPE_CHECKING, Any, Literal

from mypy.errors import CompileError
from mypy.nodes import MypyFile, SymbolTableNode, Var
from mypy.options import Options
from mypy.plugin import FunctionContext, MethodContext, Plugin, ReportConfigContext
from mypy.types import Type

from . import __version__, codes_config, config, errorcodes
from .guard import guarded
from .names import SELF_RETAINING_CLASSES, TASK_CLASSES
from .spawners import MethodRoute, Spawner, function_spawners, method_routes
from .symbols import alias_target, aliased_function, class_has_base, declared_to_return

if TYPE_CHECKING:
    # Only for the type checker: typing's generic aliases are built by Python
    # code, which mypy would run on every start for nothing.
    from .checks import Knowledge
    from .wrappers import WrapperAnalysis

    FunctionHook = Callable[[FunctionContext], Type]
    MethodHook = Callable[[MethodContext], Type]
    AnyHook = Callable[[Any], Type]

# The hook functions of checks.py that _hook binds (test_self checks each one exists).
HookName = Literal[
    "spawner_function_hook",
    "task_function_hook",
    "wrapper_function_hook",
    "wrapper_method_hook",
    "method_hook",
]


class DanglingTasksPlugin(Plugin):
    # mypy asks every plugin about every hook, including the many this one
    # does not use, and each question looks the method up on the instance
    # first: without an instance dict that costs about 180 fewer machine
    # instructions (callgrind: 1,315 instead of 1,443 per question through
    # mypy's plugin chain; a plugin with no attributes costs 1,265).
    __slots__ = (
        "get_function_hook",
        "get_method_hook",
        "_config",
        "_config_errors",
        "_unused_task",
        "_functions",
        "_retaining_functions",
        "_routes",
        "_knowledge",
        "_wrappers",
        "_hooks",
        "_configured_modules",
        "_check_configured_names",
        "_warned",
        "_variables_read",
        "_function_hooks",
        "_method_hooks",
        "_defined_functions",
    )

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
        self._wrappers: WrapperAnalysis | None = None
        self._hooks: dict[str, AnyHook] = {}
        self._configured_modules = config.modules_named_in(self._config)
        self._check_configured_names = guarded(self._warn_about_missing_names, _nothing)
        self._warned: set[str] = set()
        # Answers that depend only on what mypy has parsed and analysed, kept
        # until it parses a module again (get_additional_deps; dmypy re-parses
        # the modules it updates).  The variables a decision read, with the
        # types they had: mypy may infer a variable's type after the question.
        self._variables_read: list[tuple[Var, Type | None]] = []
        self._function_hooks = _Answers(self, self._decide_function_hook)
        self._method_hooks = _Answers(self, self._decide_method_hook)
        # mypy asks every plugin about every call, tens of thousands of times
        # a run, mostly again: a repeated question is answered by the dict in
        # C, without running a Python method (200 instead of 1,500 machine
        # instructions, measured with callgrind).  The two slots stand where
        # the methods would, so mypy's plugin chain finds the dicts.
        setattr(self, "get_function_hook", self._function_hooks.__getitem__)
        setattr(self, "get_method_hook", self._method_hooks.__getitem__)
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
        self._function_hooks.forget()
        self._method_hooks.forget()
        # Called once per parsed module: the moment to notice a configured
        # name that its own module does not define (a typo would otherwise
        # silently disable the check the user asked for).
        if file.fullname in self._configured_modules:
            self._check_configured_names(file)
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
            return self._hook(f"spawner {fullname}", "spawner_function_hook", spawner=spawner)
        returner = self._task_returner(fullname, fullname, symbol)
        if returner == "wrapper":
            return self._hook(
                f"wrapper {fullname}",
                "wrapper_function_hook",
                fullname=fullname,
                display=_short(fullname),
                wrappers=self._wrapper_analysis(),
            )
        if returner == "task" and self._unused_task:
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
        if of_type_variable:
            return self._method_hook(name, route or MethodRoute()) if self._unused_task else None
        returner = self._task_returner(owner, fullname, None)
        if returner == "wrapper":
            return self._hook(
                f"wrapper {fullname}",
                "wrapper_method_hook",
                method=name,
                fullname=fullname,
                route=route or MethodRoute(),
                wrappers=self._wrapper_analysis(),
            )
        if returner == "task" and self._unused_task:
            return self._method_hook(name, route or MethodRoute())
        return None

    def _task_returner(
        self, name: str, fullname: str, symbol: SymbolTableNode | None
    ) -> Literal["wrapper", "task"] | None:
        """Is `fullname` declared to return a Task (and not configured to keep it)?

        "wrapper" if it may be a pass-through wrapper, a function or method
        with a body in a checked module; "task" for any other, which only
        unused-task judges.  `name` is the function, or the method's class;
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
        if not declared_to_return(self._lookup, fullname, symbol, TASK_CLASSES):
            return None
        if checked is not None and self._defined_in(checked, fullname):
            return "wrapper"
        return "task"

    # -- building hooks ------------------------------------------------------

    def _hook(self, key: str, hook: HookName, **bound: object) -> AnyHook:
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
            from . import wrappers

            names = wrappers.SpawnerNames(
                self._functions, self._method_routes(), self._retaining_classes()
            )
            self._wrappers = wrappers.WrapperAnalysis(names, self._lookup, self._unused_task)
        return self._wrappers

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
            self._variables_read.append((symbol.node, symbol.node.type))
        return symbol

    def _has_base(self, owner: str, bases: tuple[str, ...]) -> bool:
        return bool(bases) and class_has_base(self._lookup, owner, bases)

    def _defined_in(self, tree: MypyFile, fullname: str) -> bool:
        """Does the checked module `tree` define the function or method `fullname`
        with a body?  Read from its syntax (an inherited method by its bare name);
        asked only about functions declared to return a Task, so few modules are
        ever read."""
        functions, methods = self._defined_functions(tree)  # remembered per module
        return fullname in functions or fullname.rpartition(".")[2] in methods

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


class _Answers(dict[str, "AnyHook | None"]):
    """The hook for each fullname, decided by `decide` when first asked for.

    An answer that read variables (`spawn = asyncio.create_task`) is kept
    aside with the types they had, and given again only while each still has
    the same type: mypy infers a variable's type when it checks the variable's
    module, which may come after the first question, and a dmypy update may
    infer it again.  (`distributed.metrics.time`, a variable, is asked about
    232 times in a run on distributed.)
    """

    def __init__(
        self, plugin: DanglingTasksPlugin, decide: Callable[[str], AnyHook | None]
    ) -> None:
        super().__init__()
        self._plugin = plugin
        self._decide = decide
        self._kept_with_types: dict[
            str, tuple[tuple[tuple[Var, Type | None], ...], AnyHook | None]
        ] = {}

    def __missing__(self, fullname: str) -> AnyHook | None:
        kept = self._kept_with_types.get(fullname)
        if kept is not None and all(variable.type is seen for variable, seen in kept[0]):
            return kept[1]
        read = self._plugin._variables_read
        read.clear()
        hook = self._decide(fullname)
        if read:
            self._kept_with_types[fullname] = (tuple(read), hook)
            read.clear()
        else:
            self[fullname] = hook
        return hook

    def forget(self) -> None:
        self.clear()
        self._kept_with_types.clear()


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
