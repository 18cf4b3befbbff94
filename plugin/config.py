"""Reading, validating and reporting the `[mypy_dangling_tasks]` section.

mypy reads only its own sections, so the plugin reads the same file mypy
found (`options.config_file`) itself.  Every problem becomes one message that
names the file, the line, the section and the key; the plugin raises them
as a blocking error before any module is checked.  A configured name that
its module does not define is a warning, given when mypy parses the module.
"""

from __future__ import annotations

import configparser
import re
import sys
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Final, NamedTuple

from mypy.nodes import (
    AssignmentStmt,
    ClassDef,
    Decorator,
    FuncDef,
    Import,
    ImportAll,
    ImportFrom,
    MypyFile,
    NameExpr,
    OverloadedFuncDef,
    Statement,
)

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised only on Python 3.10
    import tomli as tomllib

from .syntax import statements

INI_SECTION: Final = "mypy_dangling_tasks"
TOML_SECTION: Final = "tool.mypy_dangling_tasks"
ALLOWED: Final = {
    "spawners": "fully qualified names of functions or methods that return a task the "
    "caller must keep (e.g. myapp.tasks.spawn, myapp.runtime.Runtime.spawn)",
    "self_retaining": "fully qualified names of functions, methods or classes whose tasks "
    "are kept alive by the callee (e.g. myapp.runtime.Runtime.create_task)",
    "check_unannotated": "true or false: judge unannotated functions, which mypy checks "
    "only with check_untyped_defs, from names (default true)",
}
BOOLEAN_KEYS: Final = ("check_unannotated",)


class Config(NamedTuple):
    spawners: tuple[str, ...] = ()
    self_retaining: tuple[str, ...] = ()
    check_unannotated: bool = True
    source: str | None = None

    def as_data(self) -> dict[str, object]:
        """What mypy stores with its cache: a change here invalidates it."""
        return {
            "spawners": sorted(self.spawners),
            "self_retaining": sorted(self.self_retaining),
            "check_unannotated": self.check_unannotated,
        }


def modules_named_in(config: Config) -> frozenset[str]:
    """Modules a configured name may point into (`a.b.f`: a.b; `a.b.C.m`: a.b.C or a.b)."""
    return frozenset(
        name.rsplit(".", depth)[0]
        for name in (*config.spawners, *config.self_retaining)
        for depth in (1, 2)
        if name.count(".") >= depth
    )


def section_name(config: Config) -> str:
    source = config.source or ""
    return TOML_SECTION if source.endswith(".toml") else INI_SECTION


class LoadResult(NamedTuple):
    config: Config
    errors: list[str]


def load(config_file: str | None) -> LoadResult:
    if not config_file:
        return LoadResult(Config(), [])
    path = Path(config_file)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return LoadResult(Config(), [f"{config_file}: error: cannot read the config file: {exc}"])
    reader = _TomlReader if path.suffix == ".toml" else _IniReader
    return reader(config_file, text).read()


class _Reader:
    section: str = ""

    def __init__(self, file: str, text: str) -> None:
        self.file = file
        self.lines = text.splitlines()
        self.errors: list[str] = []

    def read(self) -> LoadResult:
        raw = self.raw_section()
        values: dict[str, tuple[str, ...]] = {}
        flags: dict[str, bool] = {}
        if raw is not None:
            for key, value in raw.items():
                if key not in ALLOWED:
                    allowed = ", ".join(ALLOWED)
                    self.error(key, f'unknown key "{key}"; allowed keys: {allowed}')
                    continue
                if key in BOOLEAN_KEYS:
                    flag = self.boolean(value)
                    if flag is None:
                        self.error(key, f"{value!r} is not allowed; allowed: {ALLOWED[key]}")
                    else:
                        flags[key] = flag
                    continue
                names = self.names(key, value)
                if names is not None:
                    values[key] = self.valid_names(key, names)
        config = Config(
            spawners=values.get("spawners", ()),
            self_retaining=values.get("self_retaining", ()),
            check_unannotated=flags.get("check_unannotated", True),
            source=self.file if raw is not None else None,
        )
        return LoadResult(config, self.errors)

    def raw_section(self) -> dict[str, object] | None:
        raise NotImplementedError

    def names(self, key: str, value: object) -> Sequence[str] | None:
        raise NotImplementedError

    def boolean(self, value: object) -> bool | None:
        raise NotImplementedError

    def valid_names(self, key: str, names: Sequence[str]) -> tuple[str, ...]:
        valid = []
        for name in names:
            if _is_qualified_name(name):
                valid.append(name)
            else:
                self.error(
                    key,
                    f'"{name}" is not a fully qualified name; allowed: {ALLOWED[key]}',
                )
        return tuple(dict.fromkeys(valid))

    def error(self, key: str | None, text: str) -> None:
        where = f"[{self.section}]" + (f" {key}" if key else "")
        self.errors.append(f"{self.file}:{self.line_of(key)}: error: {where}: {text}")

    def line_of(self, key: str | None) -> int:
        """Line of `key` in the section (or of the section header), for the message."""
        header = f"[{self.section}]"
        in_section = False
        for number, line in enumerate(self.lines, start=1):
            stripped = line.strip()
            if stripped.startswith("["):
                in_section = stripped.replace(" ", "").startswith(header)
                if in_section and key is None:
                    return number
                continue
            if in_section and key and re.match(rf"{re.escape(key)}\s*[=:]", stripped):
                return number
        return 1


def _is_qualified_name(name: str) -> bool:
    """`module.name`, `package.module.Class.method`: dotted ASCII identifiers.

    Not a regular expression: compiling one is a noticeable part of the
    plugin's start-up, paid by every mypy run.
    """
    parts = name.split(".")
    return len(parts) > 1 and all(part.isascii() and part.isidentifier() for part in parts)


class _IniReader(_Reader):
    section = INI_SECTION

    def raw_section(self) -> dict[str, object] | None:
        parser = configparser.RawConfigParser()
        try:
            parser.read_string("\n".join(self.lines), source=self.file)
        except configparser.Error as exc:
            self.error(None, f"the section cannot be read: {exc}")
            return None
        if not parser.has_section(INI_SECTION):
            return None
        return dict(parser.items(INI_SECTION))

    def names(self, key: str, value: object) -> Sequence[str]:
        assert isinstance(value, str)
        return [part.strip() for part in re.split(r"[,\n]", value) if part.strip()]

    def boolean(self, value: object) -> bool | None:
        assert isinstance(value, str)
        return configparser.RawConfigParser.BOOLEAN_STATES.get(value.strip().lower())


class _TomlReader(_Reader):
    section = TOML_SECTION

    def raw_section(self) -> dict[str, object] | None:
        try:
            data = tomllib.loads("\n".join(self.lines))
        except tomllib.TOMLDecodeError as exc:
            self.error(None, f"the file cannot be read as TOML: {exc}")
            return None
        tool = data.get("tool", {})
        section = tool.get("mypy_dangling_tasks") if isinstance(tool, dict) else None
        if section is None:
            return None
        if not isinstance(section, dict):
            self.error(None, "must be a table of keys: " + ", ".join(ALLOWED))
            return None
        return section

    def names(self, key: str, value: object) -> Sequence[str] | None:
        if isinstance(value, list) and all(isinstance(item, str) for item in value):
            return [item.strip() for item in value if item.strip()]
        self.error(key, f"must be an array of strings, got {type(value).__name__}: {value!r}")
        return None

    def boolean(self, value: object) -> bool | None:
        return value if isinstance(value, bool) else None


# -- configured names that do not exist -------------------------------------------


def missing_in_module(config: Config, tree: MypyFile) -> Iterator[tuple[str, str]]:
    """(name, key) for each configured name that points into `tree` but names nothing there."""
    for key, names in (("spawners", config.spawners), ("self_retaining", config.self_retaining)):
        for name in _missing(tree, names):
            yield name, key


def missing_name_warning(config: Config, key: str, name: str, tree: MypyFile) -> str:
    return (
        f"{config.source}: warning: [{section_name(config)}] {key}: "
        f'"{name}" is not defined in module {tree.fullname} ({tree.path}); it is ignored'
    )


def _module_statements(body: list[Statement]) -> Iterator[Statement]:
    """A module's or a class's own statements (through if/try too, not into classes)."""
    return statements(body, into_functions=False, into_classes=False, reachable_only=False)


def _missing(tree: MypyFile, names: Iterable[str]) -> list[str]:
    """Configured names that point into `tree` but name nothing defined there.

    Only judged where the answer is certain: the rest of the name after the
    module is `function` or `Class.method`, and the module is not a package
    `__init__` (whose unknown names may be submodules).  A module with a
    star import or a module-level `__getattr__` is never judged.
    """
    if tree.is_package_init_file():
        return []
    prefix = tree.fullname + "."
    wanted = [name for name in names if name.startswith(prefix)]
    if not wanted:
        return []
    top = _top_level_names(tree.defs)
    if top is None or "__getattr__" in top:
        return []
    missing = []
    for name in wanted:
        parts = name[len(prefix) :].split(".")
        if parts[0] not in top:
            missing.append(name)
        elif len(parts) == 2:
            members = _class_members(tree.defs, parts[0])
            if members is not None and parts[1] not in members:
                missing.append(name)
    return missing


def _top_level_names(statements: list[Statement]) -> set[str] | None:
    """Names a module binds at top level (through if/try too); None if unknowable."""
    found: set[str] = set()
    for stmt in _module_statements(statements):
        if isinstance(stmt, ImportAll):
            return None
        found.update(_bound_names(stmt))
    return found


def _class_members(statements: list[Statement], class_name: str) -> set[str] | None:
    for stmt in _module_statements(statements):
        if isinstance(stmt, ClassDef) and stmt.name == class_name:
            if stmt.base_type_exprs or stmt.decorators or stmt.metaclass:
                return None  # inherited or generated members: cannot tell
            members: set[str] = set()
            for inner in _module_statements(stmt.defs.body):
                members.update(_bound_names(inner))
            return members
    return None


def _bound_names(stmt: Statement) -> Iterator[str]:
    if isinstance(stmt, (FuncDef, ClassDef, OverloadedFuncDef)):
        yield stmt.name
    elif isinstance(stmt, Decorator):
        yield stmt.func.name
    elif isinstance(stmt, AssignmentStmt):
        for lvalue in stmt.lvalues:
            if isinstance(lvalue, NameExpr):
                yield lvalue.name
    elif isinstance(stmt, Import):
        for module, alias in stmt.ids:
            yield alias or module.split(".")[0]
    elif isinstance(stmt, ImportFrom):
        for name, alias in stmt.names:
            yield alias or name
