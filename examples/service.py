"""A small notification service, with the dangling-task bug in several places.

Every line marked `BUG` drops the only reference to a running task; mypy with
the plugin reports each of them (`mypy examples/`).  Lines marked `OK` show
the fixes: keep the task in a set until it is done, or use a TaskGroup.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")


async def retry(job: Callable[[], Awaitable[T]], attempts: int = 3, delay: float = 0.1) -> T:
    """Run `job` until it succeeds, waiting a little longer after each failure."""
    for attempt in range(1, attempts):
        try:
            return await job()
        except ConnectionError:
            log.warning("attempt %d failed, retrying", attempt)
            await asyncio.sleep(delay * attempt)
    return await job()


class Notifier:
    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._background: set[asyncio.Task[None]] = set()
        self.sent: list[str] = []

    async def send(self, user: str, text: str) -> None:
        await asyncio.sleep(0.01)
        self.sent.append(f"{user}: {text}")

    # -- the bug -------------------------------------------------------------

    def notify_later(self, user: str, text: str) -> None:
        self._loop.create_task(self.send(user, text))  # BUG: dropped at once

    async def broadcast(self, users: list[str], text: str) -> None:
        for user in users:
            asyncio.ensure_future(retry(lambda: self.send(user, text)))  # BUG

    def on_signal(self) -> None:
        self._loop.call_soon(lambda: asyncio.create_task(self.send("ops", "signal")))  # BUG

    async def audit(self, user: str) -> None:
        _ = asyncio.create_task(self.send("audit", user))  # BUG: `_` does not keep it
        pending = asyncio.create_task(self.send("audit", "pending"))  # BUG: never read
        log.info("audit queued for %s", user)

    # -- the fixes -------------------------------------------------------------

    def spawn(self, coro: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        """Start `coro` and keep the task until it finishes.  OK"""
        task = self._loop.create_task(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)
        return task

    def notify_later_fixed(self, user: str, text: str) -> None:
        self.spawn(self.send(user, text))  # OK: spawn() holds the task

    async def broadcast_fixed(self, users: list[str], text: str) -> None:
        async with asyncio.TaskGroup() as group:  # OK: the group holds every task
            for user in users:
                group.create_task(retry(functools.partial(self.send, user, text)))

    async def audit_fixed(self, user: str) -> None:
        task = asyncio.create_task(self.send("audit", user))  # OK: awaited below
        log.info("audit queued for %s", user)
        await task


async def main() -> None:
    notifier = Notifier(asyncio.get_running_loop())
    notifier.notify_later_fixed("ann", "hello")
    await notifier.broadcast_fixed(["bob", "cid"], "hi")
    await notifier.audit_fixed("dee")
    await asyncio.gather(*notifier._background)
    print("\n".join(sorted(notifier.sent)))


if __name__ == "__main__":
    asyncio.run(main())
