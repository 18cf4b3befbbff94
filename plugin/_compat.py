"""The only module that touches mypy internals.

Everything here is private mypy API whose names move between releases; each
accessor degrades to "don't know" (None or empty) instead of raising, so a
mypy release that renames something silences the plugin rather than
crashing the user's type check.  Tested on the oldest and the newest
supported mypy.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import mypy.traverser
from mypy.errorcodes import error_codes
from mypy.lookup import lookup_fully_qualified
from mypy.nodes import (
    Decorator,
    Expression,
    FuncItem,
    LambdaExpr,
    MemberExpr,
    MypyFile,
    NameExpr,
    TypeInfo,
    Var,
)
from mypy.options import Options
from mypy.plugin import CheckerPluginInterface
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

    mypy's compiled traverser does the walk where it offers one (1.16 and
    newer); it takes an expression, so a function body is wrapped in a lambda
    that is never analysed.  Older mypy gets `walk_name_expressions`, which
    visits the same children.
    """
    if _all_name_and_member_expressions is None:
        return walk_name_expressions(func if isinstance(func, LambdaExpr) else func.body)
    holder = func if isinstance(func, LambdaExpr) else LambdaExpr([], func.body)
    names, _members = _all_name_and_member_expressions(holder)
    return names


#: mypy's compiled walker, from mypy 1.16 on.
_all_name_and_member_expressions: (
    Callable[[Expression], tuple[list[NameExpr], list[MemberExpr]]] | None
) = getattr(mypy.traverser, "all_name_and_member_expressions", None)


def walk_name_expressions(root: object) -> list[NameExpr]:
    """The NameExprs under `root`, found as mypy's TraverserVisitor finds them.

    A loop over an explicit stack, not recursion: a huge expression cannot
    hit the recursion limit.  mypy's visitor classes cannot be subclassed
    from interpreted code (the wheels are compiled), so the children of each
    node kind are listed here, by class name, from mypy/traverser.py;
    attributes an older mypy lacks read as absent.
    """
    found: list[NameExpr] = []
    stack: list[object] = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, NameExpr):
            found.append(node)
            continue
        children = _children_of(type(node))
        if children is not None:
            stack.extend(child for child in children(node) if child is not None)
    return found


_Children = Callable[[Any], Iterable[object]]


def _func_children(o: Any) -> Iterable[object]:
    arguments = getattr(o, "arguments", None) or ()
    return (*(arg.initializer for arg in arguments), o.body)


def _comprehension_children(o: Any) -> Iterable[object]:
    conditions = [cond for condlist in o.condlists for cond in condlist]
    return (*o.sequences, *o.indices, *conditions)


def _template_children(o: Any) -> Iterable[object]:
    for item in o.items:
        if isinstance(item, tuple):
            yield item[0]
            yield item[3]
        else:
            yield item


def _attrs(*names: str) -> _Children:
    """Children stored in single attributes or in lists of nodes."""

    def children(o: Any) -> Iterable[object]:
        for name in names:
            value = getattr(o, name, None)
            if isinstance(value, (list, tuple)):
                yield from value
            else:
                yield value

    return children


_CHILDREN: dict[str, _Children] = {
    "MypyFile": _attrs("defs"),
    "Block": _attrs("body"),
    "FuncDef": _func_children,
    "LambdaExpr": _func_children,
    "OverloadedFuncDef": _attrs("items", "impl"),
    "ClassDef": lambda o: (
        *o.decorators, *o.base_type_exprs, o.metaclass, *o.keywords.values(), o.defs,
        o.analyzed,
    ),
    "Decorator": _attrs("func", "decorators"),
    "ExpressionStmt": _attrs("expr"),
    "AssignmentStmt": _attrs("rvalue", "lvalues"),
    "OperatorAssignmentStmt": _attrs("rvalue", "lvalue"),
    "WhileStmt": _attrs("expr", "body", "else_body"),
    "ForStmt": _attrs("index", "expr", "body", "else_body"),
    "ReturnStmt": _attrs("expr"),
    "AssertStmt": _attrs("expr", "msg"),
    "DelStmt": _attrs("expr"),
    "IfStmt": _attrs("expr", "body", "else_body"),
    "RaiseStmt": _attrs("expr", "from_expr"),
    "TryStmt": _attrs("body", "types", "handlers", "vars", "else_body", "finally_body"),
    "WithStmt": _attrs("expr", "target", "body"),
    "MatchStmt": _attrs("subject", "patterns", "guards", "bodies"),
    "TypeAliasStmt": _attrs("name", "value"),
    "MemberExpr": _attrs("expr"),
    "YieldFromExpr": _attrs("expr"),
    "YieldExpr": _attrs("expr"),
    "CallExpr": _attrs("callee", "args", "analyzed"),
    "OpExpr": _attrs("left", "right", "analyzed"),
    "ComparisonExpr": _attrs("operands"),
    "SliceExpr": _attrs("begin_index", "end_index", "stride"),
    "CastExpr": _attrs("expr"),
    "AssertTypeExpr": _attrs("expr"),
    "RevealExpr": _attrs("expr"),
    "AssignmentExpr": _attrs("target", "value"),
    "UnaryExpr": _attrs("expr"),
    "ListExpr": _attrs("items"),
    "TupleExpr": _attrs("items"),
    "SetExpr": _attrs("items"),
    "DictExpr": lambda o: [part for pair in o.items for part in pair],
    "TemplateStrExpr": _template_children,
    "IndexExpr": _attrs("base", "index", "analyzed"),
    "GeneratorExpr": lambda o: (*_comprehension_children(o), o.left_expr),
    "DictionaryComprehension": lambda o: (*_comprehension_children(o), o.key, o.value),
    "ListComprehension": _attrs("generator"),
    "SetComprehension": _attrs("generator"),
    "ConditionalExpr": _attrs("cond", "if_expr", "else_expr"),
    "TypeApplication": _attrs("expr"),
    "StarExpr": _attrs("expr"),
    "AwaitExpr": _attrs("expr"),
    "SuperExpr": _attrs("call"),
    "AsPattern": _attrs("pattern", "name"),
    "OrPattern": _attrs("patterns"),
    "ValuePattern": _attrs("expr"),
    "SequencePattern": _attrs("patterns"),
    "StarredPattern": _attrs("capture"),
    "MappingPattern": _attrs("keys", "values", "rest"),
    "ClassPattern": _attrs("class_ref", "positionals", "keyword_values"),
    "Import": _attrs("assignments"),
    "ImportFrom": _attrs("assignments"),
}
_CHILDREN_BY_CLASS: dict[type, _Children | None] = {}


def _children_of(cls: type) -> _Children | None:
    """The child accessor for a node class (or its nearest listed base); None for leaves."""
    try:
        return _CHILDREN_BY_CLASS[cls]
    except KeyError:
        found = next((_CHILDREN[c.__name__] for c in cls.__mro__ if c.__name__ in _CHILDREN), None)
        _CHILDREN_BY_CLASS[cls] = found
        return found


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


def reread_config_file(config_file: str) -> Options | None:
    """The config file parsed again by mypy's own parser into fresh options.

    Its messages were already printed when mypy read the file; they are
    swallowed here.
    """
    from mypy.config_parser import parse_config_file

    fresh = Options()
    messages = io.StringIO()
    try:
        parse_config_file(fresh, lambda: None, config_file, stdout=messages, stderr=messages)
    except Exception:
        return None
    return fresh


def process_error_codes(options: Options) -> None:
    """Recompute the enabled/disabled code sets from the setting lists, as mypy does."""
    options.disabled_error_codes |= {
        error_codes[code] for code in options.disable_error_code if code in error_codes
    }
    options.enabled_error_codes |= {
        error_codes[code] for code in options.enable_error_code if code in error_codes
    }
    options.disabled_error_codes -= options.enabled_error_codes


def forget_per_module_options(options: Options) -> None:
    """Make mypy rebuild its per-module options, if it has already built them."""
    if getattr(options, "_per_module_cache", None) is not None:
        options._per_module_cache = None
        options._glob_options = []
