"""The [mypy_dangling_tasks] section: validation, warnings, cache invalidation."""

from __future__ import annotations

from pathlib import Path

import pytest
from mypy import api

from data_format import cwd
from mypy_dangling_tasks import config

SPAWNER_USE = """\
from app import spawn
async def work() -> None: ...
async def main() -> None:
    spawn(work())
"""
APP = "from typing import Any\ndef spawn(c: Any) -> None: ...\n"


def run(project: Path, *args: str) -> tuple[str, str, int]:
    with cwd(project):
        return api.run(["--no-error-summary", "--cache-dir", str(project / ".cache"), *args])


def make_project(tmp_path: Path, config_name: str, config_text: str) -> Path:
    (tmp_path / config_name).write_text(config_text, encoding="utf-8")
    (tmp_path / "main.py").write_text(SPAWNER_USE, encoding="utf-8")
    (tmp_path / "app.py").write_text(APP, encoding="utf-8")
    return tmp_path


INI_BAD = "[mypy]\nplugins = mypy_dangling_tasks\n\n[{section}]\nspawner = app.spawn\n"
TOML_BAD = '[tool.mypy]\nplugins = ["mypy_dangling_tasks"]\n\n[tool.mypy_dangling_tasks]\nspawner = ["app.spawn"]\n'


@pytest.mark.parametrize(
    ("config_name", "text", "section"),
    [
        ("mypy.ini", INI_BAD.format(section="mypy_dangling_tasks"), "[mypy_dangling_tasks]"),
        ("setup.cfg", INI_BAD.format(section="mypy_dangling_tasks"), "[mypy_dangling_tasks]"),
        ("pyproject.toml", TOML_BAD, "[tool.mypy_dangling_tasks]"),
    ],
)
def test_unknown_key_ends_mypy_with_one_message(
    tmp_path: Path, config_name: str, text: str, section: str
) -> None:
    project = make_project(tmp_path, config_name, text)
    stdout, stderr, status = run(project, "main.py")
    assert status == 2
    assert "Traceback" not in stdout + stderr
    lines = [line for line in (stdout + stderr).splitlines() if "error:" in line]
    assert lines == [
        f'{config_name}:5: error: {section} spawner: unknown key "spawner"; '
        "allowed keys: spawners, self_retaining, check_unannotated"
    ]


@pytest.mark.parametrize(
    ("config_name", "text", "expected"),
    [
        (
            "mypy.ini",
            "[mypy]\nplugins = mypy_dangling_tasks\n[mypy_dangling_tasks]\nspawners = app.spawn, 3rd\n",
            'mypy.ini:4: error: [mypy_dangling_tasks] spawners: "3rd" is not a fully qualified name',
        ),
        (
            "pyproject.toml",
            '[tool.mypy]\nplugins = ["mypy_dangling_tasks"]\n[tool.mypy_dangling_tasks]\n'
            'spawners = "app.spawn"\n',
            "pyproject.toml:4: error: [tool.mypy_dangling_tasks] spawners: must be an array of "
            "strings, got str: 'app.spawn'",
        ),
        (
            "pyproject.toml",
            '[tool.mypy]\nplugins = ["mypy_dangling_tasks"]\n[tool]\nmypy_dangling_tasks = 3\n',
            "pyproject.toml:1: error: [tool.mypy_dangling_tasks]: must be a table of keys",
        ),
        (
            "pyproject.toml",
            '[tool.mypy]\nplugins = ["mypy_dangling_tasks"]\n[tool.mypy_dangling_tasks]\n'
            "self_retaining = [1]\n",
            "pyproject.toml:4: error: [tool.mypy_dangling_tasks] self_retaining: must be an array "
            "of strings",
        ),
        (
            "mypy.ini",
            "[mypy]\nplugins = mypy_dangling_tasks\n[mypy_dangling_tasks]\ncheck_unannotated = maybe\n",
            "mypy.ini:4: error: [mypy_dangling_tasks] check_unannotated: 'maybe' is not allowed; "
            "allowed: true or false",
        ),
        (
            "pyproject.toml",
            '[tool.mypy]\nplugins = ["mypy_dangling_tasks"]\n[tool.mypy_dangling_tasks]\n'
            'check_unannotated = "no"\n',
            "pyproject.toml:4: error: [tool.mypy_dangling_tasks] check_unannotated: 'no' is not "
            "allowed; allowed: true or false",
        ),
    ],
)
def test_bad_values_are_reported_with_file_line_section_and_key(
    tmp_path: Path, config_name: str, text: str, expected: str
) -> None:
    project = make_project(tmp_path, config_name, text)
    stdout, stderr, status = run(project, "main.py")
    assert status == 2, stdout + stderr
    assert "Traceback" not in stdout + stderr
    assert any(line.startswith(expected) for line in (stdout + stderr).splitlines()), stdout + stderr


def test_explicit_config_file_is_the_one_read(tmp_path: Path) -> None:
    project = make_project(tmp_path, "mypy.ini", "[mypy]\nplugins = mypy_dangling_tasks\n")
    other = project / "ci.ini"
    other.write_text(
        "[mypy]\nplugins = mypy_dangling_tasks\n[mypy_dangling_tasks]\nspawners = app.spawn\n",
        encoding="utf-8",
    )
    assert "[dangling-task]" not in run(project, "main.py")[0]
    stdout, _, status = run(project, "--config-file", "ci.ini", "main.py")
    assert status == 1
    assert 'main.py:4: error: Task created by "app.spawn" is discarded' in stdout


def test_changing_spawners_invalidates_the_cache(tmp_path: Path) -> None:
    """report_config_data carries the section, so a warm run sees the new spawner."""
    ini = tmp_path / "mypy.ini"
    make_project(tmp_path, "mypy.ini", "[mypy]\nplugins = mypy_dangling_tasks\n")
    first = run(tmp_path, "main.py")
    assert first[2] == 0 and "dangling-task" not in first[0]
    ini.write_text(
        "[mypy]\nplugins = mypy_dangling_tasks\n[mypy_dangling_tasks]\nspawners = app.spawn\n",
        encoding="utf-8",
    )
    second = run(tmp_path, "main.py")
    assert second[2] == 1
    assert "main.py:4: error:" in second[0] and "[dangling-task]" in second[0]
    ini.write_text("[mypy]\nplugins = mypy_dangling_tasks\n", encoding="utf-8")
    third = run(tmp_path, "main.py")
    assert third[2] == 0, third


def _configured(tmp_path: Path, spawners: str) -> Path:
    """A project whose mypy.ini configures `spawners`."""
    section = f"[mypy]\nplugins = mypy_dangling_tasks\n[mypy_dangling_tasks]\nspawners = {spawners}\n"
    return make_project(tmp_path, "mypy.ini", section)


def test_unknown_spawner_name_is_a_warning_not_silence(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = _configured(tmp_path, "app.spawn, app.spwan")
    stdout, _, status = run(project, "main.py")
    stderr = capsys.readouterr().err  # printed like mypy's own config warnings
    assert status == 1  # the real spawner still reports
    assert (
        'mypy.ini: warning: [mypy_dangling_tasks] spawners: "app.spwan" is not defined in '
        "module app" in stderr
    )
    assert "app.spawn\"" not in stderr


def test_a_configured_function_that_exists_only_as_a_method_is_a_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`app.start` names a module-level function; a method `App.start` is not one."""
    project = _configured(tmp_path, "app.spawn, app.start, app.App.start")
    (project / "app.py").write_text(
        APP + "class App:\n    def start(self) -> None: ...\n", encoding="utf-8"
    )
    run(project, "main.py")
    warnings = [line for line in capsys.readouterr().err.splitlines() if "warning" in line]
    assert len(warnings) == 1, warnings
    assert 'spawners: "app.start" is not defined in module app' in warnings[0]


def test_config_data_is_stable_and_sorted() -> None:
    loaded = config.Config(spawners=("b.x", "a.y"), self_retaining=("c.z",))
    assert loaded.as_data() == {
        "spawners": ["a.y", "b.x"],
        "self_retaining": ["c.z"],
        "check_unannotated": True,
    }


def test_missing_config_file_means_defaults() -> None:
    result = config.load(None)
    assert result.errors == [] and result.config == config.Config()


@pytest.mark.parametrize(
    ("name", "text", "spawners"),
    [
        ("mypy.ini", "[mypy]\nplugins = mypy_dangling_tasks\n", ()),
        ("setup.cfg", "[mypy]\nplugins = x\n\n[mypy_dangling_tasks]\nspawners = a.b\n", ("a.b",)),
        ("pyproject.toml", '[tool.mypy]\nplugins = ["mypy_dangling_tasks"]\n', ()),
        ("pyproject.toml", '[tool.mypy_dangling_tasks]\nspawners = ["a.b"]\n', ("a.b",)),
        ("pyproject.toml", '[tool . "mypy_dangling_tasks"]\nspawners = ["a.b"]\n', ("a.b",)),
        ("pyproject.toml", '[tool]\nmypy_dangling_tasks = { spawners = ["a.b"] }\n', ("a.b",)),
        ("pyproject.toml", 'tool.mypy_dangling_tasks.spawners = ["a.b"]\n', ("a.b",)),
    ],
)
def test_the_section_is_read_in_every_spelling_and_only_then(
    tmp_path: Path, name: str, text: str, spawners: tuple[str, ...]
) -> None:
    """Every spelling of the section is read; a file without it configures nothing."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    result = config.load(str(path))
    assert result.errors == []
    assert result.config.spawners == spawners
    assert result.config.source == (str(path) if spawners else None)
