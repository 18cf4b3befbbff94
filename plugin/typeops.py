"""Questions about mypy types and symbols: is it a Task? a loop? an alias of a spawner?

Answered conservatively, from what mypy has analysed: a question whose
answer the types do not settle answers "no" (the plugin stays silent).
Symbols are found through `lookup`, the plugin's
`Plugin.lookup_fully_qualified`: functions, classes, variables and class
members by their full name.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Sequence
from typing import Final

from mypy.nodes import (
    ARG_POS,
    ARG_STAR,
    ARG_STAR2,
    ArgKind,
    Decorator,
    FuncDef,
    OverloadedFuncDef,
    SymbolNode,
    SymbolTableNode,
    TypeInfo,
    Var,
)
from mypy.types import (
    AnyType,
    CallableType,
    Instance,
    NoneType,
    Overloaded,
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

# -- types -----------------------------------------------------------------------


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


def all_have_base(infos: Sequence[TypeInfo] | None, fullnames: Sequence[str]) -> bool:
    """Is every class of `infos` (class_infos' answer) a subclass of one of `fullnames`?"""
    return bool(infos) and all(has_any_base(info, fullnames) for info in infos or ())


def any_has_base(infos: Sequence[TypeInfo] | None, fullnames: Sequence[str]) -> bool:
    """Is at least one class of `infos` a subclass of one of `fullnames`?"""
    return bool(infos) and any(has_any_base(info, fullnames) for info in infos or ())


def is_task(typ: Type) -> bool:
    """Is a value of type `typ` an asyncio Task: a Task class, a type variable
    bound to one, or a union of them (None aside)?  The one test of the plugin."""
    proper = get_proper_type(typ)
    if isinstance(proper, Instance):
        return has_any_base(proper.type, TASK_CLASSES)
    if isinstance(proper, TypeVarType):
        return is_task(proper.upper_bound)
    if isinstance(proper, UnionType):
        items = [item for item in proper.items if not isinstance(get_proper_type(item), NoneType)]
        return bool(items) and all(is_task(item) for item in items)
    return False


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



# -- symbols ---------------------------------------------------------------------

Lookup = Callable[[str], "SymbolTableNode | None"]
# What a function or method is in mypy's symbol tables.
FUNCTION_NODES = (FuncDef, OverloadedFuncDef, Decorator)


def class_has_base(lookup: Lookup, fullname: str, bases: Sequence[str]) -> bool:
    """Is the class `fullname` (as mypy knows it now) a subclass of one of `bases`?"""
    symbol = lookup(fullname)
    info = symbol.node if symbol is not None else None
    return isinstance(info, TypeInfo) and has_any_base(info, bases)


def declared_to_return_a_task(
    lookup: Lookup, fullname: str, symbol: SymbolTableNode | None
) -> bool:
    """Does the function, method or class `fullname` return a Task (is_task)?

    `symbol` is what lookup(fullname) found.  Only declared types count: a
    function without an annotated return type, or a name mypy has not
    analysed, answers False.
    """
    node = named_node(lookup, fullname, symbol)
    if isinstance(node, TypeInfo):
        return has_any_base(node, TASK_CLASSES)
    if isinstance(node, Decorator):
        node = node.func
    signature: object = getattr(node, "type", None)
    if isinstance(signature, CallableType):
        return is_task(signature.ret_type)
    if isinstance(signature, Overloaded):
        return any(is_task(item.ret_type) for item in signature.items)
    return False


def is_coroutine_function(lookup: Lookup, fullname: str, symbol: SymbolTableNode | None) -> bool:
    """Is `fullname` an `async def` function or method?"""
    node = named_node(lookup, fullname, symbol)
    if isinstance(node, Decorator):
        node = node.func
    return isinstance(node, FuncDef) and node.is_coroutine


def named_node(lookup: Lookup, fullname: str, symbol: SymbolTableNode | None) -> SymbolNode | None:
    """What `fullname` names: the node of `symbol`, what lookup(fullname)
    found, or else the method of that name the class inherits."""
    node = symbol.node if symbol is not None else None
    if node is None:
        # Inherited methods are not in the class's own names.
        owner, _, method = fullname.rpartition(".")
        owner_symbol = lookup(owner) if owner else None
        info = owner_symbol.node if owner_symbol is not None else None
        node = inherited_method(info, method) if isinstance(info, TypeInfo) else None
    return node


def inherited_method(info: TypeInfo, name: str) -> SymbolNode | None:
    """The method `name` of the first class in `info`'s MRO that defines it.

    What TypeInfo.get_method answers, without its search for conditional
    redefinitions, which reads every name of every class in the MRO that
    lacks `name`: on distributed that search was a seventh of the plugin's
    decisions (its Scheduler has hundreds of names).  A method found only as a
    redefinition answers None: the plugin stays silent.
    """
    member = info.get(name)
    node = member.node if member is not None else None
    return node if isinstance(node, FUNCTION_NODES) else None


def aliased_function(lookup: Lookup, fullname: str) -> str | None:
    """The function a variable stands for (`spawn = asyncio.create_task`), if any."""
    if "." not in fullname:
        return None
    return alias_target(lookup(fullname), lookup)


def alias_target(symbol: SymbolTableNode | None, lookup: Lookup) -> str | None:
    """The function the variable `symbol` stands for, if it is one that does.

    A function type mypy built in this run links to its definition.  One it
    loaded from its cache does not (mypy 1.19 links a cached function's own
    type again, not the copy a variable holds), but a generic function's type
    variables carry its fullname, which the cache keeps (mypy 1.11 and
    newer): so a warm run finds what a cold one finds.  `lookup` checks that
    the fullname is a function's, not a generic class's (a method read from a
    class, `Task.get_coro`, holds the class's type variables).
    """
    node = symbol.node if symbol is not None else None
    if not isinstance(node, Var):
        return None
    signature = get_proper_type(node.type)
    if isinstance(signature, Overloaded):
        signature = signature.items[0]
    if not isinstance(signature, CallableType):
        return None
    if signature.definition is not None:
        return signature.definition.fullname
    if not signature.variables:
        return None
    # An overload's items are numbered: "asyncio.tasks.gather#0".
    fullname = signature.variables[0].id.namespace.partition("#")[0]
    function = lookup(fullname) if fullname else None
    if function is not None and isinstance(function.node, FUNCTION_NODES):
        return fullname
    return None
