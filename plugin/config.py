"""Reading, validating and reporting the `[mypy_dangling_tasks]` section.

mypy reads only its own sections, so the plugin reads the same file mypy
found (`options.config_file`) itself.  Every problem becomes one message that
names the file, the line, the section and the key; the plugin raises them
as a blocking error before any module is checked.
"""

from __future__ import annotations

import configparser
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Final, NamedTuple

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised only on Python 3.10
    import tomli as tomllib


INI_SECTION: Final = "mypy_dangling_tasks"
TOML_SECTION: Final = "tool.mypy_dangling_tasks"
LIST_KEYS: Final = ("spawners", "self_retaining")
ALLOWED: Final = {
    "spawners": "fully qualified names of functions or methods that return a task the "
    "caller must keep (e.g. myapp.tasks.spawn, myapp.runtime.Runtime.spawn)",
    "self_retaining": "fully qualified names of functions, methods or classes whose tasks "
    "are kept alive by the callee (e.g. myapp.runtime.Runtime.create_task)",
}


class Config(NamedTuple):
    spawners: tuple[str, ...] = ()
    self_retaining: tuple[str, ...] = ()
    source: str | None = None

    def as_data(self) -> dict[str, list[str]]:
        """What mypy stores with its cache: a change here invalidates it."""
        return {"spawners": sorted(self.spawners), "self_retaining": sorted(self.self_retaining)}


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
    toml = path.suffix == ".toml"
    if (INI_SECTION if toml else f"[{INI_SECTION}]") not in text:
        # No section of the plugin's: most projects configure nothing for it,
        # and need not pay for parsing the file a second time (mypy has parsed
        # it, so no error is lost).  An INI section is its literal header; TOML
        # has other spellings (`[tool]` and a key), which all name the section.
        return LoadResult(Config(), [])
    reader = _TomlReader if toml else _IniReader
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
        if raw is not None:
            for key, value in raw.items():
                if key not in ALLOWED:
                    allowed = ", ".join(ALLOWED)
                    self.error(key, f'unknown key "{key}"; allowed keys: {allowed}')
                    continue
                names = self.names(key, value)
                if names is not None:
                    values[key] = self.valid_names(key, names)
        config = Config(
            spawners=values.get("spawners", ()),
            self_retaining=values.get("self_retaining", ()),
            source=self.file if raw is not None else None,
        )
        return LoadResult(config, self.errors)

    def raw_section(self) -> dict[str, object] | None:
        raise NotImplementedError

    def names(self, key: str, value: object) -> Sequence[str] | None:
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
