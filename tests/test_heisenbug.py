"""examples/heisenbug.py shows the bug for real, and the plugin flags only the buggy spawn."""

from __future__ import annotations

import gc
import importlib.util
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from mypy import api as mypy_api

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "heisenbug.py"
# The bare statement the fire-and-forget scenario must contain, and the plugin must flag.
SPAWN = "asyncio.create_task(worker(gate, outcome))"
DESTROYED = "Task was destroyed but it is pending!"
HAS_TASK_GROUP = sys.version_info >= (3, 11)

# Run the example with the pure-Python Task and Future instead of the C ones.
PURE_PYTHON = (
    "import runpy, sys; sys.modules['_asyncio'] = None; "
    f"runpy.run_path({str(EXAMPLE)!r}, run_name='__main__')"
)


@pytest.mark.parametrize(
    "args",
    [
        pytest.param([str(EXAMPLE)], id="plain"),
        pytest.param(["-X", "dev", str(EXAMPLE)], id="dev-mode"),  # asyncio debug mode too
        pytest.param(["-c", PURE_PYTHON], id="pure-python-asyncio"),
    ],
)
def test_program_output(args: list[str]) -> None:
    result = subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, timeout=60, cwd=EXAMPLE.parent
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == (
        f"fire-and-forget: task destroyed while pending (loop said: {DESTROYED!r}); "
        "work done: False"
    )
    assert lines[1] == "held reference: work done: True"
    expected = "TaskGroup: work done: True" if HAS_TASK_GROUP else "TaskGroup: skipped (needs 3.11+)"
    assert lines[2:] == [expected]
    # The loop's report went to the example's handler, not to the asyncio logger.
    assert DESTROYED not in result.stderr


@pytest.fixture
def heisenbug(monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    spec = importlib.util.spec_from_file_location("heisenbug_example", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)  # dataclasses looks the module up
    spec.loader.exec_module(module)
    # The example's gc.collect() would walk every object the session's in-process
    # mypy runs left behind (15 s and more); frozen, they are skipped, and what
    # the example creates from here on is collected as in its own process.
    gc.freeze()
    try:
        yield module
    finally:
        gc.unfreeze()


def test_fire_and_forget_loses_the_work(heisenbug: ModuleType) -> None:
    outcome = heisenbug.run_fire_and_forget()
    assert outcome.destroyed_while_pending
    assert outcome.loop_said == [DESTROYED]
    assert not outcome.work_done


def test_held_reference_completes(heisenbug: ModuleType) -> None:
    outcome = heisenbug.run_held_reference()
    assert outcome.work_done
    assert not outcome.destroyed_while_pending
    assert outcome.loop_said == []


@pytest.mark.skipif(not HAS_TASK_GROUP, reason="asyncio.TaskGroup needs Python 3.11")
def test_task_group_completes(heisenbug: ModuleType) -> None:
    outcome = heisenbug.run_task_group()
    assert outcome is not None
    assert outcome.work_done
    assert not outcome.destroyed_while_pending
    assert outcome.loop_said == []


def test_plugin_flags_only_the_fire_and_forget_spawn(tmp_path: Path) -> None:
    source = EXAMPLE.read_text(encoding="utf-8").splitlines()
    spawn_lines = [number for number, line in enumerate(source, 1) if line.split("#")[0].strip() == SPAWN]
    assert len(spawn_lines) == 1, f"expected exactly one bare {SPAWN!r} in {EXAMPLE}"

    config = tmp_path / "mypy.ini"
    config.write_text("[mypy]\nplugins = mypy_dangling_tasks\nstrict = True\n", encoding="utf-8")
    stdout, stderr, status = mypy_api.run(
        ["--config-file", str(config), "--cache-dir", str(tmp_path / "cache"), str(EXAMPLE)]
    )
    assert stderr == ""
    errors = [
        re.fullmatch(r".*heisenbug\.py:(\d+): error: .*\[([\w-]+)\]", line)
        for line in stdout.splitlines()
        if ": error: " in line
    ]
    assert all(errors), stdout
    assert [(int(m[1]), m[2]) for m in errors if m] == [(spawn_lines[0], "dangling-task")], stdout
    assert status == 1
