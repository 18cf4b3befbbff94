"""A mypy plugin that does nothing: the baseline for `overhead.py --null-baseline`.

mypy asks every loaded plugin about every call, attribute and class it
meets; this measures what that costs for a plugin that never answers, so
the rest of the difference is mypy-dangling-tasks' own work.
"""

from __future__ import annotations

from mypy.plugin import Plugin


class NullPlugin(Plugin):
    pass


def plugin(version: str) -> type[Plugin]:
    return NullPlugin
