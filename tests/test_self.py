"""The plugin's own code: strict typing and a boring entry point."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from mypy import api
from mypy.errors import CompileError
from mypy.nodes import GDEF, Block, ClassDef, FuncDef, MypyFile, SymbolTable, SymbolTableNode, TypeInfo, Var
from mypy.options import Options
from mypy.plugins.default import DefaultPlugin
from mypy.types import AnyType, CallableType, Instance, TypeOfAny

import mypy_dangling_tasks
from mypy_dangling_tasks import _compat, main, names, spawners

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


def test_an_answer_that_read_a_variable_follows_the_variable_s_type() -> None:
    """`spawn = asyncio.create_task`: until mypy infers the variable's type the
    answer is "no hook"; once it has, the next question must see the spawner,
    and a type inferred again (a dmypy update) must be read again."""
    plugin = main.DanglingTasksPlugin(Options())
    tree, variable = _module_with_variable("app", "spawn")
    plugin.set_modules({"app": tree})
    assert plugin.get_function_hook("app.spawn") is None
    variable.type = _signature_of(names.CREATE_TASK)
    assert plugin.get_function_hook("app.spawn") is not None
    variable.type = _signature_of("app.not_a_spawner")
    assert plugin.get_function_hook("app.spawn") is None
    variable.type = _signature_of(names.CREATE_TASK)
    assert plugin.get_function_hook("app.spawn") is not None
    # Answers about other names are remembered until mypy parses a module again.
    assert plugin.get_function_hook("app.other") is None
    assert "app.other" in plugin._function_hooks
    plugin.get_additional_deps(tree)
    assert "app.other" not in plugin._function_hooks


def test_a_missing_private_accessor_is_said_once_not_crashed_on(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(_compat, "_warned", set())
    api = object()  # a checker without the attributes the plugin reads
    assert _compat.current_tree(api) is None  # type: ignore[arg-type]
    assert _compat.current_tree(api) is None  # type: ignore[arg-type]
    assert _compat.scope_stack(api) == ()  # type: ignore[arg-type]
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 2, lines
    assert "has no TypeChecker.tree" in lines[0] and "Please report" in lines[0]
    assert "has no TypeChecker.scope.stack" in lines[1]


def test_without_the_private_accessors_no_other_module_s_verdict_is_read(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Nothing is scheduled in an analyzer without them, and a checker
    without module_refs reads no other module's verdict: the plugin falls
    back to wrappers of the module being checked, and says so once."""
    monkeypatch.setattr(_compat, "_warned", set())
    scheduled: dict[str, object] = {}
    _compat.schedule_after_analysis(object(), lambda tree: None, scheduled)
    assert scheduled == {}
    assert _compat.add_module_ref(object(), "helpers") is False  # type: ignore[arg-type]
    assert _compat.add_module_ref(object(), "helpers") is False  # type: ignore[arg-type]
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 2, lines
    assert "has no SemanticAnalyzer.cur_mod_node" in lines[0]
    assert "has no TypeChecker.module_refs" in lines[1]


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
    names = _compat.name_expressions(func.body)
    assert names is not None
    assert {name.name for name in names if isinstance(name, NameExpr)} >= {
        "t", "g", "x", "h", "w", "print", "u"
    }
