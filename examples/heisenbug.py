"""The bug mypy-dangling-tasks reports, made deterministic.

The event loop keeps only a *weak* reference to the tasks it runs.  A task
parked on an awaitable that nothing else references is garbage: the next
garbage collection destroys it, and its work silently never happens.

Run `python examples/heisenbug.py`; mypy with the plugin flags the
fire-and-forget spawn below, and only that one.
"""

from __future__ import annotations

import asyncio
import gc
import sys
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field


@dataclass
class Outcome:
    work_done: bool = False
    destroyed_while_pending: bool = False  # the worker was closed while it waited
    loop_said: list[str] = field(default_factory=list)  # what the loop's exception handler got


class Gate:
    """Releases waiting workers, holding only *weak* references to their futures.

    A worker's future is made inside its own coroutine: only the worker's
    frame references it strongly, so the gate keeps nothing alive.
    """

    def __init__(self) -> None:
        self._waiting: weakref.WeakSet[asyncio.Future[None]] = weakref.WeakSet()

    async def wait(self) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.add(future)
        await future

    def open(self) -> None:
        for future in list(self._waiting):
            future.set_result(None)


async def worker(gate: Gate, outcome: Outcome) -> None:
    try:
        await gate.wait()
        outcome.work_done = True  # the "work": it needs the wait to be released
    except GeneratorExit:  # Python closes a suspended coroutine that is collected
        outcome.destroyed_while_pending = True
        raise


async def settle() -> None:
    """Let the worker run up to its wait, then collect garbage as a busy program would."""
    await asyncio.sleep(0)
    gc.collect()


async def fire_and_forget(gate: Gate, outcome: Outcome) -> None:
    # The bug: the new task is dropped.  Once it waits, the only references to
    # it form a cycle (task -> coroutine -> frame -> future -> the future's
    # done-callback -> task) plus the loop's weak set of tasks: all garbage.
    asyncio.create_task(worker(gate, outcome))  # BUG: the only reference is dropped
    await settle()
    gate.open()  # too late: the worker and its future are gone
    await asyncio.sleep(0)


async def held_reference(gate: Gate, outcome: Outcome) -> None:
    background: set[asyncio.Task[None]] = set()
    task = asyncio.create_task(worker(gate, outcome))
    background.add(task)  # a strong reference, dropped once the task is done
    task.add_done_callback(background.discard)
    await settle()
    gate.open()
    await task


async def task_group(gate: Gate, outcome: Outcome) -> None:
    if sys.version_info >= (3, 11):
        async with asyncio.TaskGroup() as group:  # the group holds its tasks
            group.create_task(worker(gate, outcome))
            await settle()
            gate.open()


def _run(scenario: Callable[[Gate, Outcome], Awaitable[None]]) -> Outcome:
    outcome = Outcome()

    async def listening() -> None:
        # Record what the loop reports instead of logging it; keep no reference to the task.
        asyncio.get_running_loop().set_exception_handler(
            lambda loop, context: outcome.loop_said.append(str(context["message"]))
        )
        await scenario(Gate(), outcome)

    asyncio.run(listening())
    return outcome


def run_fire_and_forget() -> Outcome:
    return _run(fire_and_forget)


def run_held_reference() -> Outcome:
    return _run(held_reference)


def run_task_group() -> Outcome | None:
    """None before Python 3.11, which has no asyncio.TaskGroup."""
    return _run(task_group) if sys.version_info >= (3, 11) else None


def main() -> None:
    lost = run_fire_and_forget()
    state = "destroyed while pending" if lost.destroyed_while_pending else "NOT destroyed"
    said = ", ".join(repr(message) for message in lost.loop_said) or "nothing"
    print(f"fire-and-forget: task {state} (loop said: {said}); work done: {lost.work_done}")
    print(f"held reference: work done: {run_held_reference().work_done}")
    grouped = run_task_group()
    done = "skipped (needs 3.11+)" if grouped is None else f"work done: {grouped.work_done}"
    print(f"TaskGroup: {done}")


if __name__ == "__main__":
    main()
