"""Error codes and every text the user reads, each written out in full.

As in mypy's own `message_registry`: the error states what happened to the
task in one short line; the note beside it says why that loses work and what
to do instead.  An error names whose reference was lost (`{subject}`: what
the spawner returns, "Task" or "Future", as `{what}`, and the call as the
user knows it, `{spawner}`) and how: `{name}` is a variable, `{registrar}`
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

# -- errors: whose reference was lost ({subject} below) ----------------------

CREATED_BY: Final = '{what} created by "{spawner}"'
# ensure_future / gather / shield on arguments typed Any: the call is
# pointless unless an argument is a coroutine, and then it is the bug.
# A function of the checked program whose every return hands back a fresh,
# unkept task from a spawner (wrappers.py): the caller drops the only reference.
THROUGH_WRAPPER: Final = '{what} created by "{wrapper}" (through "{spawner}")'
UNKNOWN_ARGUMENT: Final = 'Result of "{spawner}" on an argument of unknown type'
UNKNOWN_ARGUMENTS: Final = 'Result of "{spawner}" on arguments of unknown type'

# -- errors: how it was lost -------------------------------------------------

DISCARDED: Final = "{subject} is discarded"
UNDERSCORE: Final = '{subject} is assigned to "{name}", which only hides it'
UNREAD_LOCAL: Final = '{subject} is stored in "{name}", which is never read'
ONLY_CALLBACKS_LOCAL: Final = '{subject} is stored in "{name}", which is only used to add callbacks'
ONLY_METHODS_LOCAL: Final = '{subject} is stored in "{name}", which is only used to call {methods}'
RETURNED_TO_REGISTRAR: Final = '{subject} is returned to "{registrar}", which discards it'
PENDING_AFTER_WAIT: Final = (
    '{subject} may still be pending after "asyncio.wait", whose "pending" is discarded'
)
SPAWNER_AS_CALLBACK: Final = '"{registrar}" calls "{spawner}" and discards the {what} it creates'

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

UNKNOWN_ARGUMENT_NOTE: Final = (
    "The argument's type is not known: if it is a coroutine, the task created for it is "
    "referenced only through this result and can be garbage-collected before it finishes; "
    "keep the result until it is done (tasks.add(task); task.add_done_callback(tasks.discard))"
)

# -- the plugin speaking about itself ----------------------------------------

ISSUES_URL: Final = "https://github.com/mypy-dangling-tasks/mypy-dangling-tasks/issues"
INTERNAL_ERROR: Final = (
    "mypy_dangling_tasks {version} (mypy {mypy}): internal error ({error}); the plugin is "
    "off for the rest of this run, mypy's own checks go on. Please report this at " + ISSUES_URL
)
UNEXPECTED: Final = (
    "mypy_dangling_tasks: warning: {what}; the plugin skips what it cannot check. "
    "Please report this at " + ISSUES_URL
)
