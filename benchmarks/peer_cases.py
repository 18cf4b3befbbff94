"""Labelled cases for comparing dangling-task detectors (see compare_peers.py).

Each case is a small function.  The line that matters carries a trailing
label:

* ``# expect: dropped``: the only reference to a task (or to the future that
  is the only reference to one) is lost on this line; a tool should flag it.
* ``# expect: ok``: a correct pattern; a tool that flags this line reports a
  false positive.

Every labelled statement fits on one line, so "the line a tool flags" is
unambiguous whichever node (call, statement, callback argument) the tool
reports.  The module type-checks cleanly under mypy except for the labelled
findings; nothing here is meant to be run.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import signal
from asyncio import create_task as spawn
from collections.abc import AsyncIterator, Coroutine
from typing import TYPE_CHECKING, Any


async def work() -> int:
    await asyncio.sleep(0)
    return 1


def blocking() -> int:
    return 2


def log_done(fut: asyncio.Future[int]) -> None:
    print(fut.done())


# ---------------------------------------------------------------------------
# Dropped: a tool should flag every line labelled "expect: dropped".
# ---------------------------------------------------------------------------


async def bare_create_task() -> None:
    asyncio.create_task(work())  # expect: dropped


async def aliased_import() -> None:
    spawn(work())  # expect: dropped


class Service:
    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._task: asyncio.Task[int] | None = None

    def start_bare(self) -> None:
        self._loop.create_task(work())  # expect: dropped

    def start_kept(self) -> None:
        self._task = self._loop.create_task(work())  # expect: ok


async def running_loop_local() -> None:
    loop = asyncio.get_running_loop()
    loop.create_task(work())  # expect: dropped


async def running_loop_chained() -> None:
    asyncio.get_running_loop().create_task(work())  # expect: dropped


class CustomLoop(asyncio.SelectorEventLoop):
    pass


def loop_subclass(loop: CustomLoop) -> None:
    loop.create_task(work())  # expect: dropped


async def assigned_to_underscore() -> None:
    _ = asyncio.create_task(work())  # expect: dropped


async def unused_local() -> None:
    task = asyncio.create_task(work())  # expect: dropped
    print("started")


async def done_callback_chain() -> None:
    asyncio.create_task(work()).add_done_callback(log_done)  # expect: dropped


async def lambda_in_call_soon() -> None:
    loop = asyncio.get_running_loop()
    loop.call_soon(lambda: asyncio.create_task(work()))  # expect: dropped


async def lambda_in_call_later() -> None:
    loop = asyncio.get_running_loop()
    loop.call_later(1.0, lambda: loop.create_task(work()))  # expect: dropped


async def lambda_in_signal_handler() -> None:
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, lambda: asyncio.create_task(work()))  # expect: dropped


async def lambda_in_future_done_callback(fut: asyncio.Future[int]) -> None:
    fut.add_done_callback(lambda _: asyncio.create_task(work()))  # expect: dropped


async def spawner_as_callback() -> None:
    loop = asyncio.get_running_loop()
    loop.call_soon(asyncio.create_task, work())  # expect: dropped


async def gather_as_statement() -> None:
    asyncio.gather(work(), work())  # expect: dropped


async def shield_as_statement() -> None:
    asyncio.shield(work())  # expect: dropped


async def ensure_future_on_coroutine() -> None:
    asyncio.ensure_future(work())  # expect: dropped


async def task_constructor() -> None:
    asyncio.Task(work())  # expect: dropped


def threadsafe_from_thread(loop: asyncio.AbstractEventLoop) -> None:
    asyncio.run_coroutine_threadsafe(work(), loop)  # expect: dropped


async def list_comprehension_statement() -> None:
    [asyncio.create_task(work()) for _ in range(3)]  # expect: dropped


async def set_display_statement() -> None:
    {asyncio.create_task(work()), asyncio.create_task(work())}  # expect: dropped


async def short_circuit(enabled: bool) -> None:
    enabled and asyncio.create_task(work())  # expect: dropped


async def conditional_expression(enabled: bool) -> None:
    asyncio.create_task(work()) if enabled else None  # expect: dropped


async def fire_and_forget_in_loop(count: int) -> None:
    for _ in range(count):
        asyncio.create_task(work())  # expect: dropped


async def inside_with_and_try(lock: asyncio.Lock) -> None:
    async with lock:
        try:
            asyncio.ensure_future(work())  # expect: dropped
        except RuntimeError:
            pass


async def dict_comprehension_statement(names: list[str]) -> None:
    {name: asyncio.create_task(work()) for name in names}  # expect: dropped


def lambda_in_call_soon_threadsafe(loop: asyncio.AbstractEventLoop) -> None:
    loop.call_soon_threadsafe(lambda: loop.create_task(work()))  # expect: dropped


async def inner_callback_function() -> None:
    def on_tick() -> None:
        asyncio.create_task(work())  # expect: dropped

    asyncio.get_running_loop().call_later(1.0, on_tick)


async def local_read_only_to_add_callback() -> None:
    # Reading the local is not keeping the task: the task holds the callback,
    # not the other way round, and the local dies when the function returns.
    task = asyncio.create_task(work())  # expect: dropped
    task.add_done_callback(log_done)


# ---------------------------------------------------------------------------
# Ok: a tool that flags a line labelled "expect: ok" reports a false positive.
# ---------------------------------------------------------------------------

background: set[asyncio.Task[int]] = set()


async def task_group() -> None:
    async with asyncio.TaskGroup() as tg:
        tg.create_task(work())  # expect: ok


async def kept_in_set_and_discarded() -> None:
    task = asyncio.create_task(work())  # expect: ok
    background.add(task)
    task.add_done_callback(background.discard)


async def awaited() -> int:
    return await asyncio.create_task(work())  # expect: ok


def returned() -> asyncio.Task[int]:
    return asyncio.create_task(work())  # expect: ok


async def yielded() -> AsyncIterator[asyncio.Task[int]]:
    yield asyncio.create_task(work())  # expect: ok


async def local_read_later() -> int:
    task = asyncio.create_task(work())  # expect: ok
    print("started")
    return await task


async def passed_to_wait() -> None:
    done, pending = await asyncio.wait({asyncio.create_task(work()), asyncio.create_task(work())})  # expect: ok
    print(done, pending)


async def appended_to_list(tasks: list[asyncio.Task[int]]) -> None:
    tasks.append(asyncio.create_task(work()))  # expect: ok


class Registry:
    def __init__(self) -> None:
        self.tasks: dict[str, asyncio.Task[int]] = {}

    def start(self, name: str) -> None:
        self.tasks[name] = asyncio.get_running_loop().create_task(work())  # expect: ok


async def ensure_future_on_existing_task(task: asyncio.Task[int]) -> None:
    asyncio.ensure_future(task)  # expect: ok


async def ensure_future_on_existing_future() -> None:
    fut: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    asyncio.ensure_future(fut)  # expect: ok
    fut.set_result(1)


async def run_in_executor_fire() -> None:
    loop = asyncio.get_running_loop()
    loop.run_in_executor(None, blocking)  # expect: ok


async def call_soon_print() -> None:
    loop = asyncio.get_running_loop()
    loop.call_soon(print, "tick")  # expect: ok


class Scheduler:
    """Not asyncio: a create_task method that returns a ticket number."""

    def __init__(self) -> None:
        self.queue: list[object] = []

    def create_task(self, job: object) -> int:
        self.queue.append(job)
        return len(self.queue)


def non_asyncio_create_task(scheduler: Scheduler) -> None:
    scheduler.create_task("job")  # expect: ok


def concurrent_future_callback(pool: concurrent.futures.ThreadPoolExecutor) -> int:
    fut = pool.submit(blocking)
    fut.add_done_callback(lambda f: print(f.result()))  # expect: ok
    return fut.result()


async def gather_awaited() -> tuple[int, int]:
    return await asyncio.gather(work(), work())  # expect: ok


async def shield_awaited() -> int:
    return await asyncio.shield(work())  # expect: ok


def threadsafe_result_used(loop: asyncio.AbstractEventLoop) -> int:
    return asyncio.run_coroutine_threadsafe(work(), loop).result()  # expect: ok


def helper_keeps_it(coro: Coroutine[Any, Any, int]) -> None:
    background.add(asyncio.create_task(coro))  # expect: ok


async def passed_to_helper() -> None:
    helper_keeps_it(work())  # expect: ok


async def type_checking_only() -> None:
    if TYPE_CHECKING:
        asyncio.create_task(work())  # expect: ok


def asyncio_run_statement() -> None:
    asyncio.run(work())  # expect: ok


async def list_then_gathered() -> None:
    tasks = [asyncio.create_task(work()) for _ in range(3)]  # expect: ok
    await asyncio.gather(*tasks)


main_task: asyncio.Task[int] | None = None


async def stored_in_global() -> None:
    global main_task
    main_task = asyncio.create_task(work())  # expect: ok


async def lambda_keeps_task() -> None:
    loop = asyncio.get_running_loop()
    loop.call_soon(lambda: background.add(asyncio.create_task(work())))  # expect: ok
