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

# Classes whose `create_task` keeps the task alive on its own.
SELF_RETAINING_CLASSES: Final = (
    "asyncio.taskgroups.TaskGroup",
    "taskgroup.taskgroups.TaskGroup",
    "taskgroup.TaskGroup",
    "anyio.abc._tasks.TaskGroup",
    "trio.Nursery",
    "trio._core._run.Nursery",
)

# What the user reads in a message instead of the defining module.
DISPLAY_NAMES: Final = {
    CREATE_TASK: "asyncio.create_task",
    ENSURE_FUTURE: "asyncio.ensure_future",
    GATHER: "asyncio.gather",
    SHIELD: "asyncio.shield",
    RUN_COROUTINE_THREADSAFE: "asyncio.run_coroutine_threadsafe",
    "_asyncio.Task": "asyncio.Task",
    "asyncio.tasks.Task": "asyncio.Task",
}

CREATE_TASK_METHOD: Final = "create_task"

# Registrars call the callback and throw its result away: a task created in
# a lambda handed to them is dropped as soon as the lambda returns.
# Method name -> (receiver classes, position of the callback among the formal
# parameters; typeshed leaves add_done_callback's unnamed).
_LOOP: Final = (EVENT_LOOP,)
_FUTURES: Final = (*FUTURE_CLASSES, CONCURRENT_FUTURE)
REGISTRARS: Final[dict[str, tuple[tuple[str, ...], int]]] = {
    "call_soon": (_LOOP, 0),
    "call_soon_threadsafe": (_LOOP, 0),
    "call_later": (_LOOP, 1),
    "call_at": (_LOOP, 1),
    "add_signal_handler": (_LOOP, 1),
    "add_reader": (_LOOP, 1),
    "add_writer": (_LOOP, 1),
    "add_done_callback": (_FUTURES, 0),
}

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

# Set (to anything) to let an internal error in a hook crash mypy instead of
# silencing the hook: the test suite sets it.
DEBUG_ENVIRONMENT_VARIABLE: Final = "MYPY_DANGLING_TASKS_DEBUG"
