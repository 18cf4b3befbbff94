"""Private mypy API, old-mypy workarounds, and the guard around everything mypy calls.

The type checker's module tree and scope stack, the types it has inferred so
far, the `is_mypy_only` flag, mypy's compiled traversal helper and the
config parser's internals are not part of the plugin interface, and their
names move between releases.  Each accessor answers "don't know" (None or
empty) when mypy lacks what it reads, and says so once per run on stderr, so
a mypy release that renames something makes the plugin quiet and visible
about it instead of crashing the check.

`Guard` runs every step mypy calls into the plugin: a bug in the plugin
prints one line and turns the plugin off; it never costs the user the type
check.  Nothing here imports the rest of the plugin except its texts.
"""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Callable, Sequence
from typing import Final, TypeVar

from mypy.errors import CompileError
from mypy.nodes import (
    GDEF,
    Expression,
    FuncItem,
    LambdaExpr,
    MypyFile,
    NameExpr,
    Node,
    SymbolTableNode,
    TypeInfo,
    Var,
)
from mypy.options import Options
from mypy.plugin import (
    CheckerPluginInterface,
    FunctionContext,
    MethodContext,
    TypeAnalyzerPluginInterface,
)
from mypy.types import Type, UnboundType
from mypy.version import __version__ as MYPY_VERSION

from . import _version_tuple
from .errorcodes import INTERNAL_ERROR, UNEXPECTED

#: Set (to anything but "" or "0") to let internal errors crash mypy (the test suite does).
DEBUG_ENVIRONMENT_VARIABLE: Final = "MYPY_DANGLING_TASKS_DEBUG"

Result = TypeVar("Result")
Context = TypeVar("Context", FunctionContext, MethodContext)

_warned: set[str] = set()


class Guard:
    """Runs the plugin's steps; after an internal error the plugin is silent.

    One guard per plugin instance, so one mypy run (or dmypy build) says it
    once.  A CompileError is the plugin's way to stop mypy on purpose (bad
    configuration) and goes through.
    """

    def __init__(self, plugin_version: str) -> None:
        self.plugin_version = plugin_version
        self.off = False

    def run(self, fallback: Result, step: Callable[..., Result], *args: object) -> Result:
        """`step(*args)`, or `fallback` once the plugin is off or when the step fails."""
        if self.off:
            return fallback
        try:
            return step(*args)
        except CompileError:
            raise
        except Exception as error:
            if os.environ.get(DEBUG_ENVIRONMENT_VARIABLE, "") not in ("", "0"):
                raise
            self.off = True
            print(
                INTERNAL_ERROR.format(
                    version=self.plugin_version,
                    mypy=MYPY_VERSION,
                    error=f"{type(error).__name__}: {error}",
                ),
                file=sys.stderr,
            )
            return fallback


    def hook(self, hook: Callable[[Context], Type]) -> Callable[[Context], Type]:
        """`hook` answering the type mypy inferred when it fails or the plugin is off."""

        def guarded(ctx: Context) -> Type:
            return self.run(ctx.default_return_type, hook, ctx)

        return guarded


def warn_once(what: str) -> None:
    """One line on stderr about something unexpected, once per process."""
    if what not in _warned:
        _warned.add(what)
        print(UNEXPECTED.format(what=what), file=sys.stderr)


def _missing(accessor: str) -> None:
    warn_once(f"mypy {MYPY_VERSION} has no {accessor}, which the plugin reads")


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


def checked_copy(func: FuncItem) -> FuncItem:
    """The copy of `func` whose body mypy is checking now.

    A function whose signature uses a type variable with value restrictions
    (or a method of a class generic in one) is checked once per value, on
    copies of its body, while the scope still names the original; mypy lists
    the copies in `expanded`, the one being checked last.  Any other function
    is its own copy there.
    """
    expanded = getattr(func, "expanded", None)
    if not isinstance(expanded, list):
        _missing("FuncItem.expanded")
        return func
    copy = expanded[-1] if expanded else None
    return copy if isinstance(copy, FuncItem) else func


def is_mypy_only(node: object) -> bool:
    """Was this function defined under `if TYPE_CHECKING:`?  It never runs."""
    return getattr(node, "is_mypy_only", False) is True


def name_expressions(node: Node) -> list[NameExpr] | None:
    """Every NameExpr in a function body or an expression, nested scopes
    included; None if unknown."""
    found = subexpressions(node)
    return None if found is None else [expr for expr in found if isinstance(expr, NameExpr)]


def subexpressions(node: Node) -> list[Expression] | None:
    """Every expression in a function body or an expression, nested scopes
    included; None if unknown.

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
    found: list[Expression] = get_subexpressions(node)
    return found


def lookup_type(api: CheckerPluginInterface, expr: Expression) -> Type | None:
    """The type mypy has already inferred for `expr` in this pass, if any."""
    lookup = getattr(api, "lookup_type_or_none", None)
    if lookup is None:
        _missing("TypeChecker.lookup_type_or_none")
        return None
    found = lookup(expr)
    return found if isinstance(found, Type) else None


# -- error-code settings on a mypy that drops plugin codes --------------------

#: The first mypy that accepts plugin codes in its error-code settings.
CODES_ACCEPTED_SINCE: Final = (1, 19)
CODE_SETTINGS: Final = ("disable_error_code", "enable_error_code")


def restore_dropped_error_code_settings(options: Options) -> bool:
    """Put back the error-code settings an older mypy dropped; True if any was.

    mypy before 1.19 validates `enable_error_code` / `disable_error_code`
    before it loads any plugin, when `dangling-task` and `unused-task` are not
    registered yet.  In a config file it prints one line (`mypy.ini: [mypy]:
    disable_error_code: Invalid error code(s): dangling-task`) and drops the
    whole setting, mypy's own codes in it included; on the command line it
    stops with a usage error, which no plugin can undo.  When the plugin is
    constructed its codes are registered, so it reads the config file again
    with mypy's own parser and puts every dropped setting back, globally and
    per module, before any module is checked: mypy then applies them itself,
    with its own precedence, inline overrides and cache invalidation.
    """
    if _version_tuple(MYPY_VERSION) >= CODES_ACCEPTED_SINCE or not options.config_file:
        return False
    reread = reread_config_file(options.config_file)
    if reread is None:
        return False
    restored = _restore(options, reread)
    if restored:
        process_error_codes(options)
    for pattern, reread_section in reread.per_module_options.items():
        section = options.per_module_options.get(pattern)
        if section is not None and _restore_section(section, reread_section):
            restored = True
    if restored:
        forget_per_module_options(options)
    return restored


def _restore(options: Options, reread: Options) -> bool:
    """The global lists: mypy's own codes, those of the command line and the restored ones."""
    restored = False
    for key in CODE_SETTINGS:
        configured: list[str] = getattr(reread, key)
        current: list[str] = getattr(options, key)
        if not set(configured) <= set(current):
            # The command line adds to the config file's list, as in mypy.
            setattr(options, key, [*configured, *(c for c in current if c not in configured)])
            restored = True
    return restored


def _restore_section(section: dict[str, object], reread: dict[str, object]) -> bool:
    """A per-module section (mypy keeps it, with the dropped setting as an empty list)."""
    restored = False
    for key in CODE_SETTINGS:
        configured = reread.get(key)
        current = section.get(key)
        if isinstance(configured, list) and configured and configured != current:
            section[key] = configured
            restored = True
    return restored




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
    if tree is None:
        return
    target = tree.fullname
    for node in scope_stack(api):  # the outermost function: dmypy's target
        if isinstance(node, FuncItem) and not isinstance(node, LambdaExpr):
            target = getattr(node, "fullname", "") or target
            break
    depend_on_in(tree, target, fullnames)


def depend_on_in(tree: MypyFile, target: str, fullnames: Sequence[str]) -> None:
    """Make dmypy process `target` of `tree` again when one of `fullnames` changes."""
    if not fullnames:
        return
    deps = getattr(tree, "alias_deps", None)
    if not isinstance(deps, dict):
        _missing("MypyFile.alias_deps")
        return
    known = deps.get(target)
    if known is None:
        deps[target] = known = set()
    if isinstance(known, set):
        known.update(fullnames)


def add_module_ref(api: CheckerPluginInterface, module: str) -> bool:
    """Make the module being checked depend on `module` in mypy's cache.

    mypy re-checks a cached module when the interface of a module it
    depends on changes; the modules it imports are its dependencies, and
    so are those the checker adds to `module_refs` (the module of a name
    reached through an attribute or a re-export).  False if mypy has no
    such set: then nothing may be read from `module` that its interface
    does not show.
    """
    refs = getattr(api, "module_refs", None)
    if not isinstance(refs, set):
        _missing("TypeChecker.module_refs")
        return False
    refs.add(module)
    return True


# -- the semantic analyzer ------------------------------------------------------


def hidden_module_variable(module: str, name: str, typ: Type) -> SymbolTableNode:
    """A variable `name: typ` of `module` that only the plugin sees: not
    exported, not importable by name, and part of the module's interface."""
    var = Var(name, typ)
    var._fullname = f"{module}.{name}"
    var.is_ready = True
    return SymbolTableNode(
        GDEF, var, module_public=False, module_hidden=True, plugin_generated=True
    )


#: After every patch of mypy's own.
LAST_PATCH: Final = 100


def schedule_after_analysis(
    type_api: object, patch: Callable[[MypyFile], None], scheduled: dict[str, object]
) -> None:
    """Run `patch(module)` once the semantic analyzer has analysed the (non-stub)
    module whose annotation `type_api` (a type analyzer) is reading, and the
    rest of its import cycle.

    Once per analysis: `scheduled` maps each module to the analyzer's list
    of patches it was last scheduled into.
    """
    analyzer = getattr(type_api, "api", None)
    tree = getattr(analyzer, "cur_mod_node", None)
    patches = getattr(analyzer, "patches", None)
    schedule = getattr(analyzer, "schedule_patch", None)
    if not isinstance(tree, MypyFile) or not isinstance(patches, list) or schedule is None:
        _missing("SemanticAnalyzer.cur_mod_node, .patches and .schedule_patch")
        return
    if tree.is_stub or scheduled.get(tree.fullname) is patches:
        return
    scheduled[tree.fullname] = patches
    schedule(LAST_PATCH, lambda: patch(tree))


def analyze_unbound(type_api: TypeAnalyzerPluginInterface, typ: UnboundType) -> Type:
    """What mypy makes of `typ` (an annotation whose hook is calling this,
    with its hook turned off): the type analyzer would make an implicit
    Optional of it, so that is left to the analyzer's caller."""
    optional = typ.optional
    typ.optional = False
    try:
        return type_api.analyze_type(typ)
    finally:
        typ.optional = optional
