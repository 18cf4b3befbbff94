"""Every fullname the plugin knows, named once."""

from __future__ import annotations

from typing import Final

# Functions that create a task and hand the only reference to the caller.
CREATE_TASK: Final = "asyncio.tasks.create_task"
ENSURE_FUTURE: Final = "asyncio.tasks.ensure_future"
GATHER: Final = "asyncio.tasks.gather"
SHIELD: Final = "asyncio.tasks.shield"
RUN_COROUTINE_THREADSAFE: Final = "asyncio.tasks.run_coroutine_threadsafe"
# typeshed defines Task in `_asyncio` and re-exports it; older stubs keep it in asyncio.tasks.
TASK_CLASSES: Final = ("_asyncio.Task", "asyncio.tasks.Task")
FUTURE_CLASSES: Final = ("_asyncio.Future", "asyncio.futures.Future")
CONCURRENT_FUTURE: Final = "concurrent.futures._base.Future"

EVENT_LOOP: Final = "asyncio.events.AbstractEventLoop"
CREATE_TASK_METHOD: Final = "create_task"
#: Functions that return an event loop (unannotated code: evidence of a loop).
LOOP_GETTERS: Final = frozenset(
    f"{module}.{function}"
    for module in ("asyncio.events", "_asyncio")  # typeshed moved some to _asyncio
    for function in ("get_event_loop", "get_running_loop", "new_event_loop")
)
#: What returns a Future or an existing task, never new work to wrap
#: (unannotated code: `ensure_future(asyncio.gather(...))` is not judged).
NOT_NEW_WORK: Final = frozenset(
    {CREATE_TASK, ENSURE_FUTURE, GATHER, SHIELD, RUN_COROUTINE_THREADSAFE, "asyncio.futures.wrap_future"}
)
NOT_NEW_WORK_METHODS: Final = frozenset(
    {"run_in_executor", "create_future", "create_task", "ensure_future", "gather", "shield"}
)

# Classes whose `create_task` keeps the task alive on its own.
SELF_RETAINING_CLASSES: Final = (
    "asyncio.taskgroups.TaskGroup",
    "taskgroup.taskgroups.TaskGroup",
    "taskgroup.TaskGroup",
    "anyio.abc._tasks.TaskGroup",
    "trio.Nursery",
    "trio._core._run.Nursery",
)

# Methods of a Task or Future that return at once without holding it:
# `create_task(w()).add_done_callback(cb)` as a statement still drops the task.
# Anything else (`.result()` blocks on a concurrent future) is not judged.
NON_RETAINING_METHODS: Final = frozenset(
    {
        "add_done_callback", "remove_done_callback", "cancel", "cancelled", "done",
        "running", "get_name", "set_name", "get_coro", "get_context", "get_loop",
        "get_stack", "print_stack", "uncancel", "cancelling",
    }
)

# Cancelling a task that was just created closes its coroutine without running
# it: `create_task(c).cancel()` loses nothing, and neither does a local whose
# task is cancelled.
CANCEL_METHOD: Final = "cancel"
# The methods that, called on a local holding a task, leave it as lost as
# before: every other use of the local may keep the task.
LOCAL_NON_RETAINING_METHODS: Final = NON_RETAINING_METHODS - {CANCEL_METHOD}
ADD_DONE_CALLBACK: Final = "add_done_callback"

# Names whose presence makes every local of a function reachable.
LOCALS_INTROSPECTION: Final = frozenset({"locals", "vars", "eval", "exec"})
TYPE_CHECKING_GUARDS: Final = frozenset({"TYPE_CHECKING", "MYPY"})

# asyncio.wait returns (done, pending); with these return_when values, or
# with a timeout, `pending` may hold tasks that are still running.
WAIT: Final = "asyncio.tasks.wait"
WAIT_TASKS_PARAMETER: Final = "fs"
WAIT_TIMEOUT_PARAMETER: Final = "timeout"
WAIT_RETURN_WHEN_PARAMETER: Final = "return_when"
WAIT_RETURNING_EARLY: Final = frozenset({"FIRST_COMPLETED", "FIRST_EXCEPTION"})
# The module constants holding the return_when values, by fullname (asyncio
# re-exports those of concurrent.futures, which hold the same strings).
WAIT_RETURN_WHEN_CONSTANTS: Final = {
    f"{module}.{value}": value
    for module in ("asyncio.tasks", "concurrent.futures._base")
    for value in ("FIRST_COMPLETED", "FIRST_EXCEPTION", "ALL_COMPLETED")
}

# Decorators that leave a function's result alone: a function decorated only
# with these can still be judged a pass-through wrapper.
WRAPPER_TRANSPARENT_DECORATORS: Final = frozenset({"builtins.staticmethod", "builtins.classmethod"})

# -- the anchor of unchecked.py ----------------------------------------------

#: A method of a string literal: it cannot be shadowed and needs no analysis.
ANCHOR_METHOD: Final = "isprintable"
ANCHOR_FULLNAME: Final = "builtins.str." + ANCHOR_METHOD

#: The names of the variables that hold the verdicts on a module's wrappers
#: in its interface (wrappers.py): `@dangling_task@Pool@start`.
VERDICT_PREFIX: Final = "@dangling_task@"
