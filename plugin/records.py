"""`Record`: typing.NamedTuple for the type checker, a lighter class when run.

The plugin's immutable records (spawners, routes, drops, verdicts, its
configuration) are declared as NamedTuple classes, and mypy checks them as
such: `from .records import Record` is `typing.NamedTuple` under
TYPE_CHECKING.  At run time typing.NamedTuple builds each class by compiling
source text: its `__new__`, and every annotation, a string under `from
__future__ import annotations`.  That is 1.7 million machine instructions
for the eight-field Spawner (callgrind, CPython 3.11), 0.27 million as a
Record.  mypy imports the plugin on every run: with its nine records made
here the import executes 6.4 million instructions fewer (22.2 million
before), and a cold run on aiortc 5.6 million fewer.

`Record` makes the same kind of class from the class body without compiling
anything: a tuple subclass with one read-only property per annotated field,
the defaults of the body, and NamedTuple's methods.  Field annotations are
never evaluated.  test_records.py holds it to NamedTuple's behaviour.
"""

from __future__ import annotations

import operator
import sys
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

__all__ = ["Record"]

if TYPE_CHECKING:
    from typing import NamedTuple as Record
else:
    # Not analysed by mypy, which checks the records as NamedTuple classes:
    # mypy versions disagree on the metaclass of `tuple` (ABCMeta in typeshed).
    _R = TypeVar("_R", bound="_RuntimeRecord")

    class _RecordType(type):
        """Turns a class body's annotated fields into tuple positions."""

        def __new__(
            mcs, name: str, bases: tuple[type, ...], namespace: dict[str, Any]
        ) -> _RecordType:
            if bases == (tuple,):
                return super().__new__(mcs, name, bases, namespace)  # the base itself
            if bases != (_RuntimeRecord,):
                raise TypeError(f"a record inherits from Record alone: {name}")
            fields = tuple(namespace.get("__annotations__", ()))
            defaults = {field: namespace.pop(field) for field in fields if field in namespace}
            for index, field in enumerate(fields):
                namespace[field] = property(operator.itemgetter(index), doc=f"Alias for field {index}")
            namespace.update(
                __slots__=(), _fields=fields, _field_defaults=defaults, __match_args__=fields
            )
            return super().__new__(mcs, name, bases, namespace)

    class _RuntimeRecord(tuple, metaclass=_RecordType):
        __slots__ = ()
        _fields: ClassVar[tuple[str, ...]]
        _field_defaults: ClassVar[dict[str, Any]]

        def __new__(cls: type[_R], *args: Any, **kwargs: Any) -> _R:
            fields = cls._fields
            if len(args) > len(fields):
                raise TypeError(
                    f"{cls.__name__}() takes {len(fields)} arguments but {len(args)} were given"
                )
            values = list(args)
            for field in fields[len(args):]:
                if field in kwargs:
                    values.append(kwargs.pop(field))
                elif field in cls._field_defaults:
                    values.append(cls._field_defaults[field])
                else:
                    raise TypeError(f"{cls.__name__}() missing required argument: {field!r}")
            if kwargs:
                raise TypeError(f"{cls.__name__}() got unexpected arguments: {', '.join(kwargs)}")
            return tuple.__new__(cls, values)

        @classmethod
        def _make(cls: type[_R], iterable: Iterable[Any]) -> _R:
            values = tuple(iterable)
            if len(values) != len(cls._fields):
                raise TypeError(f"expected {len(cls._fields)} arguments, got {len(values)}")
            return tuple.__new__(cls, values)

        def _replace(self: _R, **changes: Any) -> _R:
            values = [changes.pop(field, value) for field, value in zip(self._fields, self)]
            if changes:  # namedtuple's error: a TypeError since Python 3.13
                error = TypeError if sys.version_info >= (3, 13) else ValueError
                raise error(f"got unexpected field names: {list(changes)!r}")
            return tuple.__new__(type(self), values)

        def _asdict(self) -> dict[str, Any]:
            return dict(zip(self._fields, self))

        def __repr__(self) -> str:
            shown = ", ".join(f"{field}={value!r}" for field, value in zip(self._fields, self))
            return f"{type(self).__name__}({shown})"

        def __getnewargs__(self) -> tuple[Any, ...]:
            return tuple(self)

    Record = _RuntimeRecord
