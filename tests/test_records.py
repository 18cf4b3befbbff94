"""records.Record behaves as the typing.NamedTuple that mypy checks it as."""

from __future__ import annotations

import ast
import copy
import pickle
import sys
import typing
from pathlib import Path
from typing import Any, Callable

import pytest

import mypy_dangling_tasks
from mypy_dangling_tasks.records import Record

PLUGIN = Path(mypy_dangling_tasks.__file__).parent


class Typed(typing.NamedTuple):
    """A record."""

    name: str
    size: int = 0
    tags: tuple[str, ...] = ()

    def described(self) -> str:
        return f"{self.name}:{self.size}"


class Light(Record):
    """A record."""

    name: str
    size: int = 0
    tags: tuple[str, ...] = ()

    def described(self) -> str:
        return f"{self.name}:{self.size}"


def both(make: Callable[[Any], object]) -> tuple[Any, Any]:
    return make(Typed), make(Light)


@pytest.mark.parametrize(
    "make",
    [
        lambda cls: cls("a"),
        lambda cls: cls("a", 2),
        lambda cls: cls("a", tags=("x",)),
        lambda cls: cls(name="a", size=3, tags=("x", "y")),
        lambda cls: cls("a", 2)._replace(tags=("z",), size=5),
        lambda cls: cls._make(["a", 1, ()]),
    ],
)
def test_a_record_holds_what_a_named_tuple_holds(make: Callable[[Any], Any]) -> None:
    typed, light = both(make)
    assert tuple(light) == tuple(typed)
    assert (light.name, light.size, light.tags) == (typed.name, typed.size, typed.tags)
    assert light._asdict() == typed._asdict()
    assert repr(light) == repr(typed).replace("Typed(", "Light(")
    assert light.described() == typed.described()
    assert light == typed and hash(light) == hash(typed)
    assert isinstance(light, tuple)
    assert pickle.loads(pickle.dumps(light)) == light
    assert copy.deepcopy(light) == light and type(copy.copy(light)) is Light


def test_a_record_describes_its_fields_as_a_named_tuple_does() -> None:
    assert Light._fields == Typed._fields
    assert Light._field_defaults == Typed._field_defaults
    assert Light.__match_args__ == Typed.__match_args__
    assert Light.__doc__ == Typed.__doc__


@pytest.mark.parametrize(
    ("make", "error"),
    [
        (lambda cls: cls(), TypeError),
        (lambda cls: cls("a", 1, (), 4), TypeError),
        (lambda cls: cls("a", colour="red"), TypeError),
        (lambda cls: cls("a")._replace(colour="red"), TypeError if sys.version_info >= (3, 13) else ValueError),
        (lambda cls: cls._make(["a"]), TypeError),
    ],
)
def test_a_record_refuses_what_a_named_tuple_refuses(
    make: Callable[[Any], object], error: type[Exception]
) -> None:
    for cls in (Typed, Light):
        with pytest.raises(error):
            make(cls)


def test_a_record_cannot_be_changed() -> None:
    light = Light("a")
    with pytest.raises(AttributeError):
        light.name = "b"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        light.colour = "red"  # type: ignore[attr-defined]


def test_the_plugin_declares_its_records_as_records() -> None:
    """typing.NamedTuple at run time is what Record saves (records.py says why)."""
    for path in sorted(PLUGIN.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                bases = [ast.unparse(base) for base in node.bases]
                assert not any("NamedTuple" in base for base in bases), (path.name, node.name)
