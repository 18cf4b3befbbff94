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

# ensure_future / gather / shield on an argument typed `Any`: dropped, the
# call is pointless unless the argument is a coroutine, and then it is the bug.
UNKNOWN_ARGUMENT: Final = 'Result of "{spawner}" {how}{context}; its argument\'s type is not known'
UNKNOWN_ARGUMENTS: Final = (
    'Result of "{spawner}" {how}{context}; the type of some of its arguments is not known'
)
UNKNOWN_ARGUMENT_NOTE: Final = (
    "Keep a strong reference until it is done (e.g. tasks.add(task); "
    "task.add_done_callback(tasks.discard)) or create it in an asyncio.TaskGroup: "
    "if the argument is a coroutine, the task created for it can be garbage-collected "
    "before it finishes"
)

# How a task stored in a local is lost when the local's only uses are method
# calls that do not keep it (`task.add_done_callback(cb)`), completing
# "... created by X {how}".
ONLY_CALLBACKS_LOCAL: Final = 'is stored in local "{name}", which is only used to add callbacks'
ONLY_METHODS_LOCAL: Final = (
    'is stored in local "{name}", which is only used to call {methods}, none of which keeps it'
)
