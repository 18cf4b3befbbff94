"""The only module that touches mypy internals.

Everything here is private mypy API whose names move between releases; each
accessor degrades to "don't know" (None or empty) instead of raising, so a
mypy release that renames something silences the plugin rather than
crashing the user's type check.  Tested on the oldest and the newest
supported mypy.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from mypy.lookup import lookup_fully_qualified
from mypy.nodes import (
    Decorator,
    Expression,
    FuncItem,
    LambdaExpr,
    MypyFile,
    NameExpr,
    TypeInfo,
    Var,
)
from mypy.plugin import CheckerPluginInterface
from mypy.traverser import all_name_and_member_expressions
from mypy.types import CallableType, Instance, Overloaded, Type, get_proper_type

from .asyncio_types import has_any_base


def current_tree(api: CheckerPluginInterface) -> MypyFile | None:
    """The module being type-checked."""
    tree = getattr(api, "tree", None)
    return tree if isinstance(tree, MypyFile) else None


def scope_stack(api: CheckerPluginInterface) -> Sequence[TypeInfo | FuncItem | MypyFile]:
    """Module, classes and functions enclosing the node being checked, outermost first."""
    scope = getattr(api, "scope", None)
    stack = getattr(scope, "stack", None)
    return stack if isinstance(stack, list) else ()


def is_checker_only(node: object) -> bool:
    """Was this function defined under `if TYPE_CHECKING:`?  It never runs."""
    return getattr(node, "is_mypy_only", False) is True


def name_expressions(func: FuncItem) -> list[NameExpr]:
    """Every NameExpr in a function body, nested scopes included.

    mypy's compiled traverser does the walk; it takes an expression, so a
    function body is wrapped in a lambda that is never analysed.
    """
    holder = func if isinstance(func, LambdaExpr) else LambdaExpr([], func.body)
    names, _members = all_name_and_member_expressions(holder)
    return names


def lookup_type(api: CheckerPluginInterface, expr: Expression) -> Type | None:
    """The type mypy has already inferred for `expr` in this pass, if any."""
    lookup = getattr(api, "lookup_type_or_none", None)
    if lookup is None:
        return None
    found = lookup(expr)
    return found if isinstance(found, Type) else None


def lookup_class(fullname: str, modules: dict[str, MypyFile]) -> TypeInfo | None:
    if not modules:
        return None
    symbol = lookup_fully_qualified(fullname, modules, raise_on_missing=False)
    node = symbol.node if symbol is not None else None
    return node if isinstance(node, TypeInfo) else None


def class_has_base(fullname: str, modules: dict[str, MypyFile], bases: Sequence[str]) -> bool:
    """Is the class `fullname` (as mypy knows it now) a subclass of one of `bases`?"""
    info = lookup_class(fullname, modules)
    return info is not None and has_any_base(info, bases)


def declared_to_return(fullname: str, modules: dict[str, MypyFile], classes: Sequence[str]) -> bool:
    """Does the function, method or class `fullname` return an instance of `classes`?

    Only declared types count: a function without an annotated return type,
    or a name mypy has not analysed, answers False.
    """
    if not modules:
        return False
    symbol = lookup_fully_qualified(fullname, modules, raise_on_missing=False)
    node: object = symbol.node if symbol is not None else None
    if node is None:
        owner, _, method = fullname.rpartition(".")
        info = lookup_class(owner, modules)
        node = info.get_method(method) if info is not None else None
    if isinstance(node, TypeInfo):
        return has_any_base(node, classes)
    if isinstance(node, Decorator):
        node = node.func
    signature: object = getattr(node, "type", None)
    items: list[object] = list(signature.items) if isinstance(signature, Overloaded) else [signature]
    return any(
        isinstance(item, CallableType) and _returns(item.ret_type, classes) for item in items
    )


def _returns(typ: Type, classes: Sequence[str]) -> bool:
    proper = get_proper_type(typ)
    return isinstance(proper, Instance) and has_any_base(proper.type, classes)


def aliased_function(fullname: str, modules: dict[str, MypyFile]) -> str | None:
    """The function a variable stands for (`spawn = asyncio.create_task`), if any."""
    if not modules or "." not in fullname:
        return None
    module, _, name = fullname.rpartition(".")
    tree = modules.get(module)
    symbol = tree.names.get(name) if tree is not None else None
    node = symbol.node if symbol is not None else None
    if not isinstance(node, Var):
        return None
    signature = get_proper_type(node.type)
    if isinstance(signature, Overloaded):
        signature = signature.items[0]
    if isinstance(signature, CallableType) and signature.definition is not None:
        return signature.definition.fullname
    return None


ITERABLE: Final = "typing.Iterable"


def iterated_type(instance: Instance) -> Type | None:
    """T when `instance` is an `Iterable[T]` (a generator, `map`, a dict's keys...)."""
    # Imported here: importing mypy.maptype before mypy.types has finished
    # loading is a circular import; by the time a hook runs, it has.
    from mypy.maptype import map_instance_to_supertype

    for base in instance.type.mro:
        if base.fullname == ITERABLE:
            mapped = map_instance_to_supertype(instance, base)
            return mapped.args[0] if len(mapped.args) == 1 else None
    return None
