"""Questions about mypy types around asyncio, answered conservatively."""

from __future__ import annotations

from collections.abc import Iterable

from mypy.nodes import ARG_STAR, ArgKind, TypeInfo
from mypy.types import (
    AnyType,
    CallableType,
    Instance,
    NoneType,
    ProperType,
    TupleType,
    Type,
    TypeType,
    TypeVarType,
    UnionType,
    get_proper_type,
)

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
    return any(info.has_base(name) for name in fullnames)


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


def makes_new_task(typ: Type, kind: ArgKind) -> bool | None:
    """Does `ensure_future`-style wrapping of an argument create a new task?

    True for coroutines and other awaitables, False for existing futures,
    None when the type does not say (Any, unions mixing both, unknown
    iterables behind `*args`).
    """
    proper: ProperType = get_proper_type(typ)
    if kind == ARG_STAR:
        item = _star_item(proper)
        if item is None:
            return None
        proper = get_proper_type(item)
    if isinstance(proper, AnyType):
        return None
    if isinstance(proper, UnionType):
        answers = {makes_new_task(item, kind=ArgKind.ARG_POS) for item in proper.items}
        return answers.pop() if len(answers) == 1 else None
    if isinstance(proper, Instance):
        if has_any_base(proper.type, FUTURE_CLASSES):
            return False
        return True
    return None


def _star_item(typ: ProperType) -> Type | None:
    if isinstance(typ, Instance) and len(typ.args) == 1:
        return typ.args[0]
    if isinstance(typ, TupleType) and typ.items:
        kinds = {makes_new_task(item, ArgKind.ARG_POS) for item in typ.items}
        if kinds == {True}:
            return typ.items[0]
    return None

