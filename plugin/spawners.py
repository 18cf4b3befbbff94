"""What the plugin knows about asyncio: one table of spawners and registrars.

The plugin class reads it to decide which names to hook, the hooks read it
to judge a call, and the tests read it to check the hooks.  Adding a spawner
is adding a row.  Rows built from the user's configuration have the same
shape (see `function_spawners` and `method_routes`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Final, NamedTuple

from mypy.errorcodes import ErrorCode

from . import errorcodes
from .names import (
    CONCURRENT_FUTURE,
    CREATE_TASK,
    ENSURE_FUTURE,
    EVENT_LOOP,
    FUTURE_CLASSES,
    GATHER,
    RUN_COROUTINE_THREADSAFE,
    SHIELD,
    TASK_CLASSES,
)


class Spawner(NamedTuple):
    """A call whose result is the only strong reference to new work."""

    #: The name the user reads; for a method, the class is put in front of it.
    display: str
    #: What the call returns: "Task", or "Future" for one that holds tasks.
    returns: str = "Task"
    #: Why losing the result loses work, and the fix.
    note: str = errorcodes.TASK_NOTE
    #: ensure_future, gather, shield: new work only for arguments that are not futures.
    wrapping: bool = False
    code: ErrorCode = errorcodes.DANGLING_TASK
    #: Whose reference the error says was lost.
    subject: str = errorcodes.CREATED_BY
    #: False when only an argument of unknown type may make the task: then
    #: only a call that is pointless unless it does (its result dropped) is judged.
    certain: bool = True
    #: For a pass-through wrapper of the checked program (wrappers.py): the
    #: spawner inside it, shown by the THROUGH_WRAPPER subject.
    through: str = ""


def short_display(fullname: str) -> str:
    """A function of the checked program as messages show it: `module.spawn`."""
    return ".".join(fullname.split(".")[-2:])


class Registrar(NamedTuple):
    """A method that calls a callback and throws its result away."""

    #: Receivers (and their subclasses) whose method of this name registers.
    owners: tuple[str, ...]
    #: Position of the callback among the formal parameters (typeshed leaves
    #: add_done_callback's unnamed).
    callback: int


class MethodRoute(NamedTuple):
    """Everything one method name can mean, judged from the receiver's class."""

    #: Receivers whose method of this name is a spawner.
    spawner_owners: tuple[str, ...] = ()
    spawner: Spawner | None = None
    registrar: Registrar | None = None
    #: Receivers configured to keep the tasks this method creates (the classes
    #: of SELF_RETAINING_CLASSES keep them for every method).
    retaining_owners: tuple[str, ...] = ()

    @property
    def owners(self) -> tuple[str, ...]:
        """Receivers for which the method is worth a hook."""
        registrar = self.registrar.owners if self.registrar is not None else ()
        return (*self.spawner_owners, *registrar)


def _wrapping(display: str) -> Spawner:
    return Spawner(display, returns="Future", note=errorcodes.WRAPPED_NOTE, wrapping=True)


#: Functions and classes (by fullname) whose call creates work the caller must keep.
SPAWNER_FUNCTIONS: Final[Mapping[str, Spawner]] = {
    CREATE_TASK: Spawner("asyncio.create_task"),
    ENSURE_FUTURE: Spawner("asyncio.ensure_future", wrapping=True),
    GATHER: _wrapping("asyncio.gather"),
    SHIELD: _wrapping("asyncio.shield"),
    RUN_COROUTINE_THREADSAFE: Spawner(
        "asyncio.run_coroutine_threadsafe", returns="Future", note=errorcodes.THREADSAFE_NOTE
    ),
    **{task_class: Spawner("asyncio.Task") for task_class in TASK_CLASSES},
}

_LOOP: Final = (EVENT_LOOP,)
_FUTURES: Final = (*FUTURE_CLASSES, CONCURRENT_FUTURE)

#: Method names and what they mean on which receivers.
METHODS: Final[Mapping[str, MethodRoute]] = {
    "create_task": MethodRoute(spawner_owners=_LOOP, spawner=Spawner("create_task")),
    # A task created in a lambda handed to a registrar is dropped as soon as
    # the lambda returns.
    "call_soon": MethodRoute(registrar=Registrar(_LOOP, 0)),
    "call_soon_threadsafe": MethodRoute(registrar=Registrar(_LOOP, 0)),
    "call_later": MethodRoute(registrar=Registrar(_LOOP, 1)),
    "call_at": MethodRoute(registrar=Registrar(_LOOP, 1)),
    "add_signal_handler": MethodRoute(registrar=Registrar(_LOOP, 1)),
    "add_reader": MethodRoute(registrar=Registrar(_LOOP, 1)),
    "add_writer": MethodRoute(registrar=Registrar(_LOOP, 1)),
    "add_done_callback": MethodRoute(registrar=Registrar(_FUTURES, 0)),
}


#: Methods of a loop that call a callback and throw its result away.
LOOP_REGISTRARS: Final = frozenset(
    name
    for name, route in METHODS.items()
    if route.registrar is not None and EVENT_LOOP in route.registrar.owners
)


def unknown_receiver(display: str) -> Spawner:
    """create_task on a receiver of unknown type that a name or an assignment says is a loop."""
    return Spawner(
        display,
        subject=errorcodes.UNKNOWN_RECEIVER,
        note=errorcodes.UNKNOWN_RECEIVER_NOTE,
        certain=False,
    )


def function_spawners(
    spawners: tuple[str, ...], self_retaining: tuple[str, ...]
) -> dict[str, Spawner]:
    """The functions of the table and the configured ones, less those said to keep their tasks."""
    retained = set(self_retaining)
    configured = {name: Spawner(name) for name in spawners}
    return {
        name: spawner
        for name, spawner in {**configured, **SPAWNER_FUNCTIONS}.items()
        if name not in retained
    }


def method_routes(
    spawners: tuple[str, ...], self_retaining: tuple[str, ...], is_module: Callable[[str], bool]
) -> dict[str, MethodRoute]:
    """The method names of the table, and those of configured `module.Class.method` names.

    A configured name whose owner is a module is a function, and routes no
    method: `x.spawn()` must not pay a lookup for `myapp.tasks.spawn`.
    """
    routes = dict(METHODS)
    for name in spawners:
        owner, _, method = name.rpartition(".")
        if not is_module(owner):
            route = routes.get(method, MethodRoute())
            routes[method] = route._replace(
                spawner_owners=(*route.spawner_owners, owner),
                spawner=route.spawner or Spawner(method),
            )
    for name in self_retaining:
        owner, _, method = name.rpartition(".")
        if not is_module(owner):
            route = routes.get(method, MethodRoute())
            routes[method] = route._replace(retaining_owners=(*route.retaining_owners, owner))
    return routes
