"""mypy-dangling-tasks: report asyncio tasks whose only reference is dropped.

Enable it with `plugins = mypy_dangling_tasks` in the mypy configuration.
"""

from __future__ import annotations

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
    message = (
        f"error: mypy_dangling_tasks supports {SUPPORTED_TEXT}, but this is mypy {version}; "
        'upgrade mypy (pip install "mypy>=1.19") or remove the plugin from the configuration'
    )

    class RefusingPlugin(Plugin):
        def __init__(self, options: Options) -> None:
            super().__init__(options)

        def set_modules(self, modules: dict[str, MypyFile]) -> None:
            raise CompileError([message])

    return RefusingPlugin
