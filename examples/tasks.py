"""The project's own task helpers, as many code bases have them.

`spawn` hands back the task it made and keeps no reference: dropping its
result anywhere in the project drops the task (see jobs.py).  `start` keeps
every task until it is done, so its result may be dropped.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")
_running: set[asyncio.Task[Any]] = set()


def spawn(coro: Coroutine[Any, Any, T], name: str | None = None) -> asyncio.Task[T]:
    loop = asyncio.get_running_loop()
    return loop.create_task(coro, name=name)


def start(coro: Coroutine[Any, Any, T]) -> asyncio.Task[T]:
    task = spawn(coro)
    _running.add(task)
    task.add_done_callback(_running.discard)
    return task
