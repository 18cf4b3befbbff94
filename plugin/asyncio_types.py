"""Questions about mypy types around asyncio, answered conservatively."""

from __future__ import annotations

import enum
from typing import Final
from collections.abc import Iterable

from mypy.nodes import ARG_POS, ARG_STAR, ARG_STAR2, ArgKind, TypeInfo
from mypy.types import (
    AnyType,
    CallableType,
    Instance,
    NoneType,
    ProperType,
    TupleType,
    Type,
    TypeOfAny,
    TypeType,
    TypeVarType,
    UnionType,
    get_proper_type,
)

# After mypy.types, which must finish loading first: mypy.maptype imported
# on its own is a circular import.
from mypy.maptype import map_instance_to_supertype

from .names import FUTURE_CLASSES, TASK_CLASSES


def class_infos(typ: Type) -> list[TypeInfo] | None:
    """The classes a receiver may be, or None when that is not known.

    Unions count only if every non-None member is known; a class object
    (`Loop.create_task(loop, ...)`) counts as its class.
    """
    proper = get_proper_type(typ)
    if isinstance(proper, Instance):
        return [proper.type]
    if isinstance(proper, TupleType):
        return [proper.partial_fallback.type]
    if isinstance(proper, TypeVarType):
        return class_infos(proper.upper_bound)
    if isinstance(proper, TypeType):
        return class_infos(proper.item)
    if isinstance(proper, CallableType) and proper.is_type_obj():
        return [proper.type_object()]
    if isinstance(proper, UnionType):
        infos: list[TypeInfo] = []
        for item in proper.items:
            if isinstance(get_proper_type(item), NoneType):
                continue
            found = class_infos(item)
            if found is None:
                return None
            infos.extend(found)
        return infos or None
    return None


def has_any_base(info: TypeInfo, fullnames: Iterable[str]) -> bool:
    for name in fullnames:  # a loop, not any(): asked on most hook decisions
        if info.has_base(name):
            return True
    return False


def is_instance_of(typ: Type, fullnames: Iterable[str]) -> bool:
    """Is every possible class of `typ` a subclass of one of `fullnames`?"""
    names = tuple(fullnames)
    infos = class_infos(typ)
    return bool(infos) and all(has_any_base(info, names) for info in infos or ())


def may_be_instance_of(typ: Type, fullnames: Iterable[str]) -> bool:
    """Is at least one possible class of `typ` a subclass of one of `fullnames`?"""
    names = tuple(fullnames)
    infos = class_infos(typ)
    return bool(infos) and any(has_any_base(info, names) for info in infos or ())


def is_task(typ: Type) -> bool:
    return is_instance_of(typ, TASK_CLASSES)


class Wraps(enum.Enum):
    """What `ensure_future`-style wrapping does with an argument."""

    #: A coroutine or another awaitable: a new task is created for it.
    NEW_TASK = "new task"
    #: An existing future: it is returned as it is, nothing is created.
    FUTURE = "future"
    #: `Any`: it may be a coroutine, the types do not say.
    UNKNOWN = "unknown"
    #: Known, but not judged (a union of futures and coroutines, a type
    #: variable, `**kwargs`, ...).
    UNJUDGED = "unjudged"


def wrapping_of(typ: Type, kind: ArgKind) -> Wraps:
    """What `ensure_future`-style wrapping does with an argument of type `typ`.

    A `*args` argument is judged by its items: whatever it iterates over,
    mapped to `Iterable[T]` (generators, `map`, sets and dict keys too).
    """
    if kind == ARG_STAR2:
        return Wraps.UNJUDGED
    proper: ProperType = get_proper_type(typ)
    if kind == ARG_STAR:
        if isinstance(proper, TupleType):
            return _combined(wrapping_of(item, ARG_POS) for item in proper.items)
        if isinstance(proper, AnyType):
            return _any(proper)
        if not isinstance(proper, Instance):
            return Wraps.UNJUDGED
        item = iterated_type(proper)
        if item is None:
            return Wraps.UNJUDGED
        proper = get_proper_type(item)
    if isinstance(proper, AnyType):
        return _any(proper)
    if isinstance(proper, UnionType):
        return _combined(wrapping_of(item, ARG_POS) for item in proper.items)
    if isinstance(proper, Instance):
        if has_any_base(proper.type, FUTURE_CLASSES):
            return Wraps.FUTURE
        return Wraps.NEW_TASK
    return Wraps.UNJUDGED


def _any(typ: AnyType) -> Wraps:
    # An Any born of an error (an undefined name): mypy has reported it already.
    source = typ.source_any if typ.type_of_any == TypeOfAny.from_another_any else typ
    if source is not None and source.type_of_any == TypeOfAny.from_error:
        return Wraps.UNJUDGED
    return Wraps.UNKNOWN


def _combined(answers: Iterable[Wraps]) -> Wraps:
    """One answer for the members of a union or the items of a tuple.

    `Any` beside anything known may still be a coroutine; a union of known
    futures and coroutines is left alone.
    """
    found = set(answers)
    if Wraps.UNJUDGED in found:
        return Wraps.UNJUDGED
    if Wraps.UNKNOWN in found:
        return Wraps.UNKNOWN
    if len(found) == 1:
        return found.pop()
    return Wraps.UNJUDGED


ITERABLE: Final = "typing.Iterable"


def iterated_type(instance: Instance) -> Type | None:
    """T when `instance` is an `Iterable[T]` (a generator, `map`, a dict's keys...)."""
    for base in instance.type.mro:
        if base.fullname == ITERABLE:
            mapped = map_instance_to_supertype(instance, base)
            return mapped.args[0] if len(mapped.args) == 1 else None
    return None
