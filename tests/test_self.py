"""The plugin's own code: strict typing and a boring entry point."""

from __future__ import annotations

from pathlib import Path

import pytest
from mypy import api
from mypy.errors import CompileError
from mypy.options import Options
from mypy.plugins.default import DefaultPlugin

import mypy_dangling_tasks
from mypy_dangling_tasks import checks, main, names

ROOT = Path(__file__).resolve().parent.parent


def test_plugin_source_passes_mypy_strict(tmp_path: Path) -> None:
    stdout, stderr, status = api.run(
        ["--strict", "--config-file", "/dev/null", "--cache-dir", str(tmp_path), str(ROOT / "plugin")]
    )
    assert status == 0, stdout + stderr


def test_entry_point_returns_the_plugin_class_on_supported_versions() -> None:
    assert mypy_dangling_tasks.plugin("1.19.1") is main.DanglingTasksPlugin
    assert mypy_dangling_tasks.plugin("2.4.1+dev.abc") is main.DanglingTasksPlugin


def test_old_mypy_is_refused_with_one_sentence() -> None:
    refusing = mypy_dangling_tasks.plugin("1.18.2")
    assert refusing is not main.DanglingTasksPlugin
    instance = refusing(Options())
    try:
        instance.set_modules({})
    except CompileError as error:
        assert len(error.messages) == 1
        assert "supports mypy 1.19 or newer, but this is mypy 1.18.2" in error.messages[0]
    else:
        raise AssertionError("the refusing plugin did not stop mypy")


def test_hooked_names_do_not_shadow_mypys_default_plugin() -> None:
    """mypy runs the first hook a plugin returns: ours must not hide the default ones."""
    default = DefaultPlugin(Options())
    functions = [
        names.CREATE_TASK, names.ENSURE_FUTURE, names.GATHER, names.SHIELD,
        names.RUN_COROUTINE_THREADSAFE, *names.TASK_CLASSES,
    ]
    assert all(default.get_function_hook(name) is None for name in functions)
    methods = [f"{names.EVENT_LOOP}.{names.CREATE_TASK_METHOD}"] + [
        f"{owner}.{method}"
        for method, (owners, _) in names.REGISTRARS.items()
        for owner in owners
    ]
    assert all(default.get_method_hook(name) is None for name in methods)


class _Ctx:
    """Just enough of a hook context for the guard."""

    default_return_type = "the default"


def _broken(ctx: object) -> object:
    raise RuntimeError("a bug in a hook")


def test_a_failing_hook_stays_silent_for_users(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(names.DEBUG_ENVIRONMENT_VARIABLE, raising=False)
    safe = checks.guarded(_broken)  # type: ignore[arg-type]
    assert safe(_Ctx()) == "the default"  # type: ignore[arg-type]


def test_a_failing_hook_crashes_under_the_debug_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(names.DEBUG_ENVIRONMENT_VARIABLE, "1")
    safe = checks.guarded(_broken)  # type: ignore[arg-type]
    with pytest.raises(RuntimeError, match="a bug in a hook"):
        safe(_Ctx())  # type: ignore[arg-type]
