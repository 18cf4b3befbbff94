"""The only module that touches mypy's private API.

The type checker's module tree and scope stack, the types it has inferred so
far, the `is_mypy_only` flag and mypy's compiled traversal helper are not
part of the plugin interface, and their names move between releases.  Each
accessor answers "don't know" (None or empty) when mypy lacks what it reads,
and says so once per run on stderr, so a mypy release that renames something
makes the plugin quiet and visible about it instead of crashing the check.
Nothing here imports the rest of the plugin except the warning helper.
"""

from __future__ import annotations

from collections.abc import Sequence

from mypy.nodes import Expression, FuncItem, LambdaExpr, MypyFile, NameExpr, TypeInfo
from mypy.plugin import CheckerPluginInterface
from mypy.types import Type

from .guard import warn_once

try:
    from mypy.traverser import all_name_and_member_expressions
except ImportError:  # pragma: no cover - depends on the mypy release
    all_name_and_member_expressions = None  # type: ignore[assignment]


def _missing(accessor: str) -> None:
    import mypy.version

    warn_once(f"mypy {mypy.version.__version__} has no {accessor}, which the plugin reads")


def current_tree(api: CheckerPluginInterface) -> MypyFile | None:
    """The module being type-checked."""
    tree = getattr(api, "tree", None)
    if not isinstance(tree, MypyFile):
        _missing("TypeChecker.tree")
        return None
    return tree


def scope_stack(api: CheckerPluginInterface) -> Sequence[TypeInfo | FuncItem | MypyFile]:
    """Module, classes and functions enclosing the node being checked, outermost first."""
    stack = getattr(getattr(api, "scope", None), "stack", None)
    if not isinstance(stack, list):
        _missing("TypeChecker.scope.stack")
        return ()
    return stack


def is_mypy_only(node: object) -> bool:
    """Was this function defined under `if TYPE_CHECKING:`?  It never runs."""
    return getattr(node, "is_mypy_only", False) is True


def name_expressions(func: FuncItem) -> list[NameExpr] | None:
    """Every NameExpr in a function body, nested scopes included; None if unknown.

    mypy's compiled traverser does the walk; it takes an expression, so a
    function body is wrapped in a lambda that is never analysed.
    """
    if all_name_and_member_expressions is None:
        _missing("mypy.traverser.all_name_and_member_expressions")
        return None
    holder = func if isinstance(func, LambdaExpr) else LambdaExpr([], func.body)
    names, _members = all_name_and_member_expressions(holder)
    return names


def lookup_type(api: CheckerPluginInterface, expr: Expression) -> Type | None:
    """The type mypy has already inferred for `expr` in this pass, if any."""
    lookup = getattr(api, "lookup_type_or_none", None)
    if lookup is None:
        _missing("TypeChecker.lookup_type_or_none")
        return None
    found = lookup(expr)
    return found if isinstance(found, Type) else None
