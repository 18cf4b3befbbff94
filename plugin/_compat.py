"""The only module that touches mypy's private API.

The type checker's module tree and scope stack, the types it has inferred so
far, the `is_mypy_only` flag, mypy's compiled traversal helper and the
config parser's internals are not part of the plugin interface, and their
names move between releases.  Each
accessor answers "don't know" (None or empty) when mypy lacks what it reads,
and says so once per run on stderr, so a mypy release that renames something
makes the plugin quiet and visible about it instead of crashing the check.
Nothing here imports the rest of the plugin except the warning helper.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from mypy.nodes import Expression, FuncItem, LambdaExpr, MypyFile, NameExpr, TypeInfo
from mypy.options import Options
from mypy.plugin import CheckerPluginInterface
from mypy.types import Type

from .guard import warn_once


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

    mypy's compiled subexpression finder (the one dmypy uses, in every
    supported mypy) does the walk: visitor classes cannot be subclassed from
    interpreted code on compiled mypy.  Imported on first use, when a task
    is held by a local: mypy itself loads dmypy's modules only in dmypy.
    """
    try:
        from mypy.server.subexpr import get_subexpressions
    except ImportError:  # pragma: no cover - depends on the mypy release
        _missing("mypy.server.subexpr.get_subexpressions")
        return None
    return [expr for expr in get_subexpressions(func.body) if isinstance(expr, NameExpr)]


def lookup_type(api: CheckerPluginInterface, expr: Expression) -> Type | None:
    """The type mypy has already inferred for `expr` in this pass, if any."""
    lookup = getattr(api, "lookup_type_or_none", None)
    if lookup is None:
        _missing("TypeChecker.lookup_type_or_none")
        return None
    found = lookup(expr)
    return found if isinstance(found, Type) else None


# -- error-code settings on a mypy that drops plugin codes (codes_config.py) --


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
    from mypy.errorcodes import error_codes

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


def depend_on(api: CheckerPluginInterface, fullnames: Sequence[str]) -> None:
    """Make dmypy re-check the current target when one of `fullnames` changes.

    dmypy re-checks only the targets (functions, module top levels) that
    depend on a changed name.  A verdict read from declarations the target
    itself does not mention (the class of a wrapper's receiver) needs these
    extra edges; mypy's own semantic analyzer records type-alias uses the
    same way, in the module's `alias_deps`, which dmypy reads per target.
    """
    if not fullnames:
        return
    tree = current_tree(api)
    deps = getattr(tree, "alias_deps", None)
    if tree is None or not isinstance(deps, dict):
        _missing("MypyFile.alias_deps")
        return
    target = tree.fullname
    for node in scope_stack(api):  # the outermost function: dmypy's target
        if isinstance(node, FuncItem) and not isinstance(node, LambdaExpr):
            target = getattr(node, "fullname", "") or target
            break
    known = deps.get(target)
    if known is None:
        deps[target] = known = set()
    if isinstance(known, set):
        known.update(fullnames)
