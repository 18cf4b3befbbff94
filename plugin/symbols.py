"""Questions about names the type checker has analysed, through the public lookup.

`lookup` is the plugin's `Plugin.lookup_fully_qualified`: it finds functions,
classes, variables and class members by their full name.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from mypy.nodes import (
    Decorator,
    FuncDef,
    OverloadedFuncDef,
    SymbolNode,
    SymbolTableNode,
    TypeInfo,
    Var,
)
from mypy.types import CallableType, Instance, Overloaded, Type, get_proper_type

from .asyncio_types import has_any_base

Lookup = Callable[[str], "SymbolTableNode | None"]
# What a function or method is in mypy's symbol tables.
FUNCTION_NODES = (FuncDef, OverloadedFuncDef, Decorator)


def class_has_base(lookup: Lookup, fullname: str, bases: Sequence[str]) -> bool:
    """Is the class `fullname` (as mypy knows it now) a subclass of one of `bases`?"""
    symbol = lookup(fullname)
    info = symbol.node if symbol is not None else None
    return isinstance(info, TypeInfo) and has_any_base(info, bases)


def declared_to_return(
    lookup: Lookup, fullname: str, symbol: SymbolTableNode | None, classes: Sequence[str]
) -> bool:
    """Does the function, method or class `fullname` return an instance of `classes`?

    `symbol` is what lookup(fullname) found.  Only declared types count: a
    function without an annotated return type, or a name mypy has not
    analysed, answers False.
    """
    node = named_node(lookup, fullname, symbol)
    if isinstance(node, TypeInfo):
        return has_any_base(node, classes)
    if isinstance(node, Decorator):
        node = node.func
    signature: object = getattr(node, "type", None)
    if isinstance(signature, CallableType):
        return _returns(signature.ret_type, classes)
    if isinstance(signature, Overloaded):
        return any(_returns(item.ret_type, classes) for item in signature.items)
    return False


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


def _returns(typ: Type, classes: Sequence[str]) -> bool:
    proper = get_proper_type(typ)
    return isinstance(proper, Instance) and has_any_base(proper.type, classes)


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
