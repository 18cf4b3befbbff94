"""Error codes and the texts the user reads."""

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

# How the reference was lost, completing "... created by X {how}".
DISCARDED: Final = "is discarded"
UNDERSCORE: Final = 'is assigned to "{name}", which only hides it'
UNUSED_LOCAL: Final = 'is stored in local "{name}", which is never read'

TASK_WHY: Final = (
    "the event loop keeps only a weak reference, so the task can be garbage-collected "
    "before it finishes"
)
WRAPPED_WHY: Final = (
    "the tasks it wraps are referenced only through it and can be garbage-collected "
    "before they finish"
)
THREADSAFE_WHY: Final = (
    "the task it schedules on the loop is referenced only through it and can be "
    "garbage-collected before it finishes"
)
LAMBDA_CONTEXT: Final = ' (the callback\'s result is thrown away by "{registrar}")'

MESSAGE: Final = '{what} created by "{spawner}" {how}{context}: {why}'
CALLBACK_MESSAGE: Final = (
    '"{registrar}" calls "{spawner}" and throws the new task away: {why}'
)
NOTE: Final = (
    "Keep a strong reference until it is done (e.g. tasks.add(task); "
    "task.add_done_callback(tasks.discard)) or create it in an asyncio.TaskGroup"
)

# A task handed to asyncio.wait, whose result's "pending" part is thrown away.
PENDING_MESSAGE: Final = (
    '{what} created by "{spawner}" may still be pending after "asyncio.wait"; '
    '"pending" is discarded'
)
PENDING_NOTE: Final = (
    'Keep a strong reference until it is done (keep "pending", or cancel the tasks in it): '
    "the event loop keeps only a weak reference"
)
