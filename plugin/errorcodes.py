"""Error codes and every text the user reads, each written out in full.

As in mypy's own `message_registry`: the error states what happened to the
task in one short line; the note beside it says why that loses work and what
to do instead.  `{what}` is "Task" or "Future" (what the spawner returns),
`{spawner}` the call as the user knows it, `{name}` a variable, `{registrar}`
the method that calls a callback and throws its result away.
"""

from __future__ import annotations

from typing import Final

from mypy.errorcodes import ErrorCode

DANGLING_TASK: Final = ErrorCode(
    "dangling-task",
    "A task from a known spawner is dropped and may be garbage-collected while running",
    "General",
)
UNUSED_TASK: Final = ErrorCode(
    "unused-task",
    "A call returning an asyncio.Task has its result dropped",
    "General",
    default_enabled=False,
)

# -- errors: how the only reference was lost ---------------------------------

DISCARDED: Final = '{what} created by "{spawner}" is discarded'
UNDERSCORE: Final = '{what} created by "{spawner}" is assigned to "{name}", which only hides it'
UNREAD_LOCAL: Final = '{what} created by "{spawner}" is stored in "{name}", which is never read'
RETURNED_TO_REGISTRAR: Final = (
    '{what} created by "{spawner}" is returned to "{registrar}", which discards it'
)
SPAWNER_AS_CALLBACK: Final = '"{registrar}" calls "{spawner}" and discards the {what} it creates'
PENDING_AFTER_WAIT: Final = (
    '{what} created by "{spawner}" may still be pending after "asyncio.wait", '
    'whose "pending" is discarded'
)

# -- notes: why that loses work, and the fix ---------------------------------

TASK_NOTE: Final = (
    "The event loop keeps only a weak reference to a task, so it can be garbage-collected "
    "before it finishes; keep a reference until it is done (tasks.add(task); "
    "task.add_done_callback(tasks.discard)) or use asyncio.TaskGroup"
)
WRAPPED_NOTE: Final = (
    "The tasks it wraps are referenced only through this future, so they can be "
    "garbage-collected before they finish; keep the future until it is done "
    "(futures.add(fut); fut.add_done_callback(futures.discard)) or use asyncio.TaskGroup"
)
THREADSAFE_NOTE: Final = (
    "The task it schedules on the loop is referenced only through this future, so it can be "
    "garbage-collected before it finishes; keep the future until it is done "
    "(futures.add(fut); fut.add_done_callback(futures.discard))"
)

PENDING_NOTE: Final = (
    "The event loop keeps only a weak reference to a task, so one still pending after "
    'asyncio.wait can be garbage-collected before it finishes; keep "pending" until its '
    "tasks are done, or cancel them"
)

# -- the plugin speaking about itself ----------------------------------------

ISSUES_URL: Final = "https://github.com/mypy-dangling-tasks/mypy-dangling-tasks/issues"
UNEXPECTED: Final = (
    "mypy_dangling_tasks: warning: {what}; the plugin skips what it cannot check. "
    "Please report this at " + ISSUES_URL
)
