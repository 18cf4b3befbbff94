"""The plugin's own code: strict typing and a boring entry point."""

from __future__ import annotations

import inspect
import os
import re
import subprocess
import sys
import typing
from pathlib import Path

import pytest
from mypy import api
from mypy.errors import CompileError
from mypy.nodes import GDEF, Block, ClassDef, FuncDef, MypyFile, SymbolTable, SymbolTableNode, TypeInfo, Var
from mypy.options import Options
from mypy.plugin import Plugin
from mypy.plugins.default import DefaultPlugin
from mypy.types import AnyType, CallableType, Instance, TypeOfAny

import mypy_dangling_tasks
from mypy_dangling_tasks import _compat, checks, guard, main, names, spawners

ROOT = Path(__file__).resolve().parent.parent


def test_plugin_source_passes_mypy_strict(tmp_path: Path) -> None:
    stdout, stderr, status = api.run(
        ["--strict", "--config-file", "/dev/null", "--cache-dir", str(tmp_path), str(ROOT / "plugin")]
    )
    assert status == 0, stdout + stderr


def test_the_floor_is_the_one_pyproject_declares() -> None:
    """pyproject.toml declares the floor; the version gate and its sentence follow it."""
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    declared = re.search(r'"mypy>=(\d+)\.(\d+)"', pyproject)
    assert declared is not None
    floor = (int(declared[1]), int(declared[2]))
    assert mypy_dangling_tasks.SUPPORTED == floor
    assert mypy_dangling_tasks.SUPPORTED_TEXT == f"mypy {floor[0]}.{floor[1]} or newer"


def test_entry_point_returns_the_plugin_class_on_supported_versions() -> None:
    assert mypy_dangling_tasks.plugin("1.10.0") is main.DanglingTasksPlugin
    assert mypy_dangling_tasks.plugin("1.15.0") is main.DanglingTasksPlugin
    assert mypy_dangling_tasks.plugin("2.4.1+dev.abc") is main.DanglingTasksPlugin


def test_old_mypy_is_refused_with_one_sentence() -> None:
    refusing = mypy_dangling_tasks.plugin("1.9.0")
    assert refusing is not main.DanglingTasksPlugin
    instance = refusing(Options())
    try:
        instance.set_modules({})
    except CompileError as error:
        assert len(error.messages) == 1
        assert "supports mypy 1.10 or newer, but this is mypy 1.9.0" in error.messages[0]
    else:
        raise AssertionError("the refusing plugin did not stop mypy")


def test_hooked_names_do_not_shadow_mypys_default_plugin() -> None:
    """mypy runs the first hook a plugin returns: ours must not hide the default ones."""
    default = DefaultPlugin(Options())
    assert all(default.get_function_hook(name) is None for name in spawners.SPAWNER_FUNCTIONS)
    methods = [
        f"{owner}.{method}"
        for method, route in spawners.METHODS.items()
        for owner in route.owners
    ]
    assert methods and all(default.get_method_hook(name) is None for name in methods)


def test_every_table_row_gets_its_hook() -> None:
    plugin = main.DanglingTasksPlugin(Options())
    plugin.set_modules({})
    for name in spawners.SPAWNER_FUNCTIONS:
        assert plugin.get_function_hook(name) is not None, name
    for method, route in spawners.METHODS.items():
        for owner in route.owners:
            # No module is loaded, so only a receiver typed with a TypeVar is judged.
            assert plugin.get_method_hook(f"{owner}.{method} of T") is not None, method
    assert plugin.get_function_hook("asyncio.tasks.sleep") is None
    assert plugin.get_method_hook("builtins.list.append") is None


def test_every_hook_name_is_a_keyword_only_function_of_checks() -> None:
    """main._hook binds checks.py functions by name; a renamed one must fail here, not in use."""
    names = typing.get_args(main.HookName)
    assert names
    for name in names:
        function = getattr(checks, name, None)
        assert inspect.isfunction(function), name
        parameters = list(inspect.signature(function).parameters.values())
        assert parameters[0].kind is inspect.Parameter.POSITIONAL_OR_KEYWORD, name  # ctx
        assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in parameters[1:]), name
        assert "knows" in inspect.signature(function).parameters, name


def _module_with_variable(module: str, name: str) -> tuple[MypyFile, Var]:
    variable = Var(name)
    variable._fullname = f"{module}.{name}"
    tree = MypyFile([], [])
    tree._fullname = module
    tree.names = SymbolTable({name: SymbolTableNode(GDEF, variable)})
    return tree, variable


def _signature_of(fullname: str) -> CallableType:
    definition = FuncDef(fullname.rpartition(".")[2], [], Block([]))
    definition._fullname = fullname
    info = TypeInfo(SymbolTable(), ClassDef("function", Block([])), "builtins")
    return CallableType([], [], [], AnyType(TypeOfAny.explicit), Instance(info, []),
                        definition=definition)


def test_an_answer_that_read_a_variable_is_given_again_only_while_its_type_is_the_same() -> None:
    """`spawn = asyncio.create_task`: until mypy infers the variable's type the
    answer is "no hook"; once it has, the next question must see the spawner,
    and a type inferred again (a dmypy update) must be read again."""
    plugin = main.DanglingTasksPlugin(Options())
    tree, variable = _module_with_variable("app", "spawn")
    plugin.set_modules({"app": tree})
    assert plugin.get_function_hook("app.spawn") is None
    variable.type = _signature_of(names.CREATE_TASK)
    hook = plugin.get_function_hook("app.spawn")
    assert hook is not None
    decided = []
    decide = plugin._function_hooks._decide
    plugin._function_hooks._decide = lambda name: decided.append(name) or decide(name)
    assert plugin.get_function_hook("app.spawn") is hook
    assert decided == []  # the variable's type is the one read: the answer is kept
    variable.type = _signature_of("app.not_a_spawner")
    assert plugin.get_function_hook("app.spawn") is None
    variable.type = _signature_of(names.CREATE_TASK)  # equal, but another object
    assert plugin.get_function_hook("app.spawn") is not None
    assert decided == ["app.spawn", "app.spawn"]
    # Answers about other names are remembered until mypy parses a module again.
    assert plugin.get_function_hook("app.other") is None
    assert "app.other" in plugin._function_hooks
    plugin.get_additional_deps(tree)
    assert "app.other" not in plugin._function_hooks



def test_mypy_asks_the_answer_dicts_of_an_instance_without_a_dict(tmp_path: Path) -> None:
    """get_function_hook / get_method_hook are slots holding the answer dicts'
    lookups (the cheap path for repeated questions), and the instance has no
    `__dict__`, which every question about the hooks the plugin does not use
    would look in first.  mypy's plugin chain must reach the dicts."""
    plugin = main.DanglingTasksPlugin(Options())
    # No dict of its own (compiled mypy's Plugin has none either).
    assert hasattr(plugin, "__dict__") == hasattr(Plugin(Options()), "__dict__")
    assert getattr(plugin.get_function_hook, "__self__", None) is plugin._function_hooks
    assert getattr(plugin.get_method_hook, "__self__", None) is plugin._method_hooks
    source = tmp_path / "app.py"
    source.write_text(
        "import asyncio\n"
        "async def work() -> None: ...\n"
        "async def main() -> None:\n"
        "    asyncio.create_task(work())\n"
        "    asyncio.get_running_loop().create_task(work())\n",
        encoding="utf-8",
    )
    config = tmp_path / "mypy.ini"
    config.write_text("[mypy]\nplugins = mypy_dangling_tasks\n", encoding="utf-8")
    stdout, stderr, _ = api.run(
        ["--config-file", str(config), "--no-incremental", "--cache-dir", str(tmp_path / "cache"), str(source)]
    )
    assert re.findall(r"app\.py:(\d+): error", stdout) == ["4", "5"], stdout + stderr


class _Ctx:
    """Just enough of a hook context for the guard."""

    default_return_type = "the default"


def _broken(ctx: object) -> object:
    raise RuntimeError("a bug in a hook")


def _default(ctx: object) -> object:
    return "the default"


def test_a_failing_hook_stays_silent_for_users_and_says_so_once(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv(guard.DEBUG_ENVIRONMENT_VARIABLE, raising=False)
    monkeypatch.setattr(guard, "_warned", set())
    safe = guard.guarded(_broken, _default)
    assert safe(_Ctx()) == "the default"
    assert safe(_Ctx()) == "the default"
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and "internal error (RuntimeError: a bug in a hook)" in lines[0], lines


def test_a_failing_hook_crashes_under_the_debug_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(guard.DEBUG_ENVIRONMENT_VARIABLE, "1")
    safe = guard.guarded(_broken, _default)
    with pytest.raises(RuntimeError, match="a bug in a hook"):
        safe(_Ctx())


def test_a_missing_private_accessor_is_said_once_not_crashed_on(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from mypy_dangling_tasks import _compat

    monkeypatch.setattr(guard, "_warned", set())
    api = object()  # a checker without the attributes the plugin reads
    assert _compat.current_tree(api) is None  # type: ignore[arg-type]
    assert _compat.current_tree(api) is None  # type: ignore[arg-type]
    assert _compat.scope_stack(api) == ()  # type: ignore[arg-type]
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 2, lines
    assert "has no TypeChecker.tree" in lines[0] and "Please report" in lines[0]
    assert "has no TypeChecker.scope.stack" in lines[1]


_LOADED = (
    "import sys\n"
    "from mypy import api\n"
    "stdout, _, _ = api.run(sys.argv[1:])\n"
    "print(stdout)\n"
    "print(*sorted(name for name in sys.modules if name.startswith('mypy_dangling_tasks.')))\n"
)


@pytest.mark.parametrize(
    ("source", "loaded"),
    [
        ("async def main() -> None:\n    asyncio.create_task(work())\n", False),
        (
            "def spawn() -> asyncio.Task[None]:\n    return asyncio.create_task(work())\n"
            "async def main() -> None:\n    spawn()\n",
            True,
        ),
    ],
    ids=["no-task-returner", "wrapper"],
)
def test_the_wrapper_analysis_loads_only_for_a_function_returning_a_task(
    tmp_path: Path, source: str, loaded: bool
) -> None:
    """Most programs declare no function returning a Task: they never pay for
    importing wrappers.py (a fresh process, so that no other test loaded it)."""
    app = tmp_path / "app.py"
    app.write_text("import asyncio\nasync def work() -> None: ...\n" + source, encoding="utf-8")
    config = tmp_path / "mypy.ini"
    config.write_text("[mypy]\nplugins = mypy_dangling_tasks\n", encoding="utf-8")
    argv = ["--config-file", str(config), "--no-incremental", "--cache-dir", os.devnull, str(app)]
    run = subprocess.run(
        [sys.executable, "-c", _LOADED, *argv], capture_output=True, text=True, check=True
    )
    report, modules = run.stdout.rstrip("\n").rsplit("\n", 1)
    assert "[dangling-task]" in report, run.stdout + run.stderr
    assert "mypy_dangling_tasks.checks" in modules.split()
    assert ("mypy_dangling_tasks.wrappers" in modules.split()) is loaded, modules


def test_a_configured_function_costs_method_calls_of_its_name_no_lookup(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`spawners = app.tasks.spawn` is a function: `x.spawn()` must not look anything up."""
    ini = tmp_path / "mypy.ini"
    ini.write_text(
        "[mypy]\n[mypy_dangling_tasks]\nspawners = app.tasks.spawn, app.rt.Runtime.start\n",
        encoding="utf-8",
    )
    options = Options()
    options.config_file = str(ini)
    plugin = main.DanglingTasksPlugin(options)
    plugin.set_modules({"app.tasks": MypyFile([], []), "app.rt": MypyFile([], [])})
    looked_up: list[str] = []
    monkeypatch.setattr(
        main.DanglingTasksPlugin,
        "lookup_fully_qualified",
        lambda self, name: looked_up.append(name),
    )
    assert plugin.get_method_hook("other.Thing.spawn") is None
    assert looked_up == []
    assert plugin.get_method_hook("other.Thing.start") is None  # not a Runtime: looked up
    assert looked_up == ["other.Thing"]


def test_the_name_finder_sees_every_read_in_nested_scopes() -> None:
    """The walk the unread-local check relies on, on every supported mypy."""
    from mypy.nodes import NameExpr
    from mypy.parse import parse

    source = (
        "def f():\n"
        "    t = g()\n"
        "    def inner():\n"
        "        return [x for x in (lambda: t)()]\n"
        "    async def other():\n"
        "        async with h() as w:\n"
        "            print(*w, k=u)\n"
    )
    from mypy.errors import Errors

    try:  # mypy 2.x parses lazily unless asked for the whole tree
        tree = parse(source, "m.py", "m", Errors(Options()), Options(), eager=True)  # type: ignore[call-arg,unused-ignore]
    except TypeError:
        tree = parse(source, "m.py", "m", Errors(Options()), Options())
    func = tree.defs[0]
    assert isinstance(func, FuncDef)
    names = _compat.name_expressions(func)
    assert names is not None
    assert {name.name for name in names if isinstance(name, NameExpr)} >= {
        "t", "g", "x", "h", "w", "print", "u"
    }
