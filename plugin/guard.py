"""A bug in the plugin, or a mypy it does not know, must not cost the user the type check.

Whatever the plugin does inside mypy runs through `guarded`: an unexpected
error makes that step stay silent (the plugin's answer when it is unsure)
and prints one warning line per run that says so.  The test suite sets
MYPY_DANGLING_TASKS_DEBUG so that such errors crash there instead.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from typing import Final, TypeVar

from .errorcodes import UNEXPECTED

#: Set (to anything but "" or "0") to let internal errors crash mypy.
DEBUG_ENVIRONMENT_VARIABLE: Final = "MYPY_DANGLING_TASKS_DEBUG"

Arg = TypeVar("Arg")
Result = TypeVar("Result")

_warned: set[str] = set()


def debugging() -> bool:
    return os.environ.get(DEBUG_ENVIRONMENT_VARIABLE, "") not in ("", "0")


def warn_once(what: str, key: str | None = None) -> None:
    """One line on stderr about something unexpected, once per process and `key`."""
    key = what if key is None else key
    if key not in _warned:
        _warned.add(key)
        print(UNEXPECTED.format(what=what), file=sys.stderr)


def guarded(
    step: Callable[[Arg], Result], fallback: Callable[[Arg], Result]
) -> Callable[[Arg], Result]:
    """`step`, answering `fallback(arg)` instead of raising."""

    @functools.wraps(step)
    def safe(arg: Arg) -> Result:
        try:
            return step(arg)
        except Exception as error:
            if debugging():
                raise
            warn_once(f"internal error ({type(error).__name__}: {error})", key="internal error")
            return fallback(arg)

    return safe
