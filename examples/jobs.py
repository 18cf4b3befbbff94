"""Jobs started through the helpers of tasks.py, from another module.

The plugin reads the helpers' bodies when mypy analyses tasks.py, so a
dropped `tasks.spawn(...)` here is reported like a dropped
`asyncio.create_task(...)`, under mypy's cache and dmypy too.
"""

from __future__ import annotations

import asyncio

from tasks import spawn, start


async def refresh(key: str) -> None:
    await asyncio.sleep(0.01)


async def on_request(key: str) -> None:
    spawn(refresh(key))  # BUG: spawn keeps no reference
    start(refresh(key))  # OK: start keeps the task until it is done
    task = spawn(refresh(key), name=f"refresh {key}")  # OK: awaited below
    await task
