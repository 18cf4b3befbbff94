"""Error codes and every text the user reads, each written out in full.

As in mypy's own `message_registry`: the error states what happened to the
task in one short line; the note beside it says what to do instead, in at
most 100 characters (why that loses work is in docs/rules.md).  An error names whose reference was lost (`{subject}`: what
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
# A function of the checked program whose every return hands back a fresh,
# unkept task from a spawner (wrappers.py): the caller drops the only reference.
THROUGH_WRAPPER: Final = '{what} created by "{wrapper}" (through "{spawner}")'
# ensure_future / gather / shield on arguments typed Any: the call is
# pointless unless an argument is a coroutine, and then it is the bug.
UNKNOWN_ARGUMENT: Final = 'Result of "{spawner}" on an argument of unknown type'
UNKNOWN_ARGUMENTS: Final = 'Result of "{spawner}" on arguments of unknown type'
# create_task on a receiver whose type is unknown but that a name or an
# assignment says is an event loop (`self.loop` from an unannotated parameter).
UNKNOWN_RECEIVER: Final = 'Result of "{spawner}" on a receiver of unknown type'

# -- errors: how it was lost -------------------------------------------------

DISCARDED: Final = "{subject} is discarded"
UNDERSCORE: Final = '{subject} is assigned to "{name}", which only hides it'
UNREAD_LOCAL: Final = '{subject} is stored in "{name}", which is never read'
ONLY_CALLBACKS_LOCAL: Final = '{subject} is stored in "{name}", which is only used to add callbacks'
ONLY_METHODS_LOCAL: Final = '{subject} is stored in "{name}", which is only used to call {methods}'
RETURNED_TO_REGISTRAR: Final = '{subject} is returned to "{registrar}", which discards it'
RETURNED_TO_UNKNOWN_REGISTRAR: Final = (
    '{subject} is returned to "{registrar}" on a receiver of unknown type'
)
PENDING_AFTER_WAIT: Final = (
    '{subject} may still be pending after "asyncio.wait", whose "pending" is discarded'
)
SPAWNER_AS_CALLBACK: Final = '"{registrar}" calls "{spawner}" and discards the {what} it creates'

# -- notes: what to do (why, in docs/rules.md) ------------------------------

TASK_NOTE: Final = (
    "Keep a reference until the task is done (a set plus add_done_callback), "
    "or use asyncio.TaskGroup"
)
WRAPPED_NOTE: Final = "Keep a reference to the future until it is done, or use asyncio.TaskGroup"
THREADSAFE_NOTE: Final = (
    "Keep a reference to the future until it is done (a set plus add_done_callback)"
)
PENDING_NOTE: Final = 'Keep "pending" until its tasks are done, or cancel them'
UNKNOWN_RECEIVER_NOTE: Final = (
    "If it is an event loop, keep a reference until the task is done, or use asyncio.TaskGroup"
)
UNKNOWN_ARGUMENT_NOTE: Final = (
    "If the argument is a coroutine, keep the result until it is done, or use asyncio.TaskGroup"
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
