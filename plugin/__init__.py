"""mypy-dangling-tasks: report asyncio tasks whose only reference is dropped.

Enable it with `plugins = mypy_dangling_tasks` in the mypy configuration.
Where each part of the plugin lives, and where a new spawner, a new way of
losing a task, a new type question or a new mypy workaround goes: see
CONTRIBUTING.md, "Where things go".
"""

from __future__ import annotations

import os
import re
from typing import Final

from mypy.errors import CompileError
from mypy.nodes import MypyFile
from mypy.options import Options
from mypy.plugin import Plugin

__version__: Final = "0.1.0"
SUPPORTED: Final = (1, 10)
SUPPORTED_TEXT: Final = "mypy 1.10 or newer"


def plugin(version: str) -> type[Plugin]:
    """mypy's entry point: choose the plugin class for this mypy version."""
    if _version_tuple(version) < SUPPORTED:
        return _refusal(version)
    from .main import DanglingTasksPlugin

    return DanglingTasksPlugin


def _version_tuple(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", version.split("+")[0])[:2])


def _refusal(version: str) -> type[Plugin]:
    """A plugin that stops mypy with one blocking error, shaped for editors.

    The error points at line 1 of the first file mypy checks, printed the way
    mypy prints a syntax error (`file:1: error: ...` on stdout, exit status 2):
    editor integrations publish only `file:line:` diagnostics for the file they
    asked about (the VS Code Mypy extension and pylsp-mypy run mypy on that one
    file) and log any other line where nobody looks.
    """
    floor = ".".join(str(part) for part in SUPPORTED)

    class RefusingPlugin(Plugin):
        def __init__(self, options: Options) -> None:
            super().__init__(options)
            self._first_file: str | None = None

        def get_additional_deps(self, file: MypyFile) -> list[tuple[int, str, int]]:
            # Sources are parsed before what they import, so the first file is
            # the first one on the command line: the open file in an editor.
            if self._first_file is None and file.path:
                self._first_file = file.path
            return []

        def set_modules(self, modules: dict[str, MypyFile]) -> None:
            config = self.options.config_file
            where = f" (plugins in {_display_path(config, self.options)})" if config else ""
            sentence = (
                f"mypy_dangling_tasks{where} supports {SUPPORTED_TEXT}, but this is mypy {version}; "
                f'upgrade mypy (pip install "mypy>={floor}"; in VS Code set '
                '"mypy-type-checker.importStrategy" to "fromEnvironment") '
                "or remove the plugin from the configuration"
            )
            if self._first_file is None:
                raise CompileError([f"mypy: error: {sentence}"])
            location = _display_path(self._first_file, self.options)
            raise CompileError([f"{location}:1: error: {sentence}"], use_stdout=True)

    return RefusingPlugin


def _display_path(path: str, options: Options) -> str:
    """`path` as mypy prints file names (mypy.errors.Errors.simplify_path)."""
    if options.show_absolute_path:
        return os.path.abspath(path)
    path = os.path.normpath(path)
    prefix = os.getcwd() + os.sep
    return path[len(prefix):] if path.startswith(prefix) else path
