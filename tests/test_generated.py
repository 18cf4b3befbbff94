"""Generated programs: one form, wrapped in random syntactic contexts.

Hypothesis builds modules that each hold ONE form of interest, wrapped in up
to MAX_DEPTH randomly chosen contexts (nested sync/async functions, methods
of classes, decorators, if/elif/else, for/while with else, async for, with /
async with (TaskGroup included), try/except/except*/else/finally,
match/case, walrus conditions), with filler statements around it (f-strings,
starred targets, walrus, backslash continuations, parenthesised multi-line
calls), and with random line breaks inside the form itself.

* A dropped form must be reported exactly once, with code dangling-task, at
  the spawner call's line and column, plus the plugin's note there, and
  nothing else: the position is tracked while the source is generated (a
  marker travels with the text through indentation and line breaks), never
  read back from mypy's output.
* A silent form must produce no message at all.

Each generated module must be valid Python (compile() in the strategy) and
type-check cleanly under --strict apart from the expected finding: any other
message fails the test, with the program printed.

To keep it fast, one hypothesis example is a batch: PER_FORM programs for
every dropped form (or every silent form), all checked by one in-process mypy
run with a shared cache directory.  Examples per property: 30 by default
(30 x 3 x 8 = 720 dropped and 30 x 3 x 7 = 630 silent programs),
DANGLING_HYPOTHESIS_EXAMPLES to change it; derandomized, so runs repeat.
"""

from __future__ import annotations

import itertools
import os
import sys
import tempfile
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Final, TypeVar, Union

import pytest
from hypothesis import HealthCheck, assume, given, note, settings
from hypothesis import strategies as st

from data_format import DEFAULT_CONFIG, run_sources
from integration_helpers import plugin_message
from mypy_dangling_tasks import errorcodes

T = TypeVar("T")

EXAMPLES: Final = int(os.environ.get("DANGLING_HYPOTHESIS_EXAMPLES", "30"))
# Programs per form in one example (one mypy run): mypy 1.19 spends about
# 0.5 s per in-process run on its cache whatever the number of files.
PER_FORM: Final = 3
MAX_DEPTH: Final = 4
NOTE: Final = errorcodes.TASK_NOTE
FLAGS: Final = ["--strict"]

HEADER: Final = '''\
import asyncio
import contextlib
import typing
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])
BACKGROUND: "set[asyncio.Task[None]]" = set()


async def work() -> None:
    await asyncio.sleep(0)


def flag() -> bool:
    return len(BACKGROUND) > 1


def counter() -> int:
    return len(BACKGROUND)


def passthrough(fn: F) -> F:
    return fn


def tagged(tag: str) -> Callable[[F], F]:
    def apply(fn: F) -> F:
        return fn
    return apply


async def ticks() -> AsyncIterator[int]:
    yield counter()

'''


# -- source text with a tracked position --------------------------------------


@dataclass(frozen=True)
class Line:
    text: str
    mark: int | None = None  # 0-based column of the spawner call on this line


Lines = list[Line]


def indent(lines: Sequence[Line], by: int = 4) -> Lines:
    pad = " " * by
    return [Line(pad + line.text, None if line.mark is None else line.mark + by) for line in lines]


def plain(*texts: str) -> Lines:
    return [Line(text) for text in texts]


class Draw:
    """The generator's only source of choices (hypothesis's draw)."""

    def __init__(self, draw: st.DrawFn) -> None:
        self._draw = draw

    def pick(self, options: Sequence[T]) -> T:
        return self._draw(st.sampled_from(list(options)))

    def flip(self) -> bool:
        return self._draw(st.booleans())

    def number(self, low: int, high: int) -> int:
        return self._draw(st.integers(low, high))


class Names:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, base: str) -> str:
        self.count += 1
        return f"{base}_{self.count}"


# Pieces of a form: text, SPAWN (the spawner call starts at the next text),
# BREAK (a place where the line may be broken).
SPAWN: Final = object()
BREAK: Final = object()
Piece = Union[str, object]


def render(draw: Draw, pieces: Sequence[Piece]) -> Lines:
    """Join pieces into lines, breaking at some BREAKs; the SPAWN position is kept."""
    lines: Lines = []
    current = ""
    mark: int | None = None
    depth = 0  # bracket depth: a plain newline is only allowed inside brackets
    for piece in pieces:
        if piece is SPAWN:
            mark = len(current)
        elif piece is BREAK:
            options = ["", "backslash"] + (["newline"] if depth > 0 else [])
            how = draw.pick(options)
            if how:
                lines.append(Line(current + (" \\" if how == "backslash" else ""), mark))
                current, mark = " " * draw.pick([4, 8, 0, 2]), None
        else:
            assert isinstance(piece, str)
            current += piece
            depth += sum(piece.count(c) for c in "([{") - sum(piece.count(c) for c in ")]}")
    lines.append(Line(current, mark))
    return lines


# -- where a form sits --------------------------------------------------------


@dataclass(frozen=True)
class Env:
    in_function: bool = False
    is_async: bool = False
    has_self: bool = False
    has_loop: bool = False  # a parameter `loop: asyncio.AbstractEventLoop` is visible
    in_except_star: bool = False
    task_group: str | None = None


@dataclass
class Context:
    """One wrapper: `wrap` puts the inner lines (and pending reads) inside it."""

    name: str
    inner_env: Env
    wrap: Callable[[Lines, Lines], tuple[Lines, Lines]]


def fillers(draw: Draw, names: Names, env: Env, most: int = 2) -> Lines:
    """Unrelated statements that type-check: f-strings, starred targets, walrus, continuations."""
    out: Lines = []
    for _ in range(draw.number(0, most)):
        kind = draw.pick(["fstring", "starred", "walrus", "backslash", "multiline", "comprehension"])
        if kind == "fstring":
            out += plain(f'print(f"{{counter():>4}} {{flag()!r}} {{\'{names("s")}\'}}")')
        elif kind == "starred":
            head, tail = names("head"), names("tail")
            out += plain(f"{head}, *{tail} = (1, 2, 3)", f"print({head}, {tail})")
        elif kind == "walrus":
            probe = names("probe")
            out += plain(f"if ({probe} := counter()) > 2:", f"    print({probe})")
        elif kind == "backslash":
            total = names("total")
            out += plain(f"{total} = counter() + \\", "    counter()", f"print({total})")
        elif kind == "multiline":
            out += plain("print(", '    "filler",', "    counter(),", ")")
        else:
            index = names("i")
            out += plain(f"print([{index} * 2 for {index} in range(3) if {index}])")
    return out


def function_context(draw: Draw, names: Names, env: Env, *, is_async: bool, method: bool) -> Context:
    decorators: list[str] = []
    for _ in range(draw.number(0, 2)):
        decorators += draw.pick(
            [["@passthrough"], ['@tagged("x")'], ['@tagged(f"t{counter()}")'],
             ["@tagged(", '    "multi-line",', ")"]]
        )
    keyword = "async def" if is_async else "def"
    extra = draw.pick(["", ", *args: int", ", flag_arg: bool = True", ", *args: int, **kwargs: str"])
    fname = names("method" if method else ("coro" if is_async else "func"))
    receiver = "self, " if method else ""
    signature = f"{keyword} {fname}({receiver}loop: asyncio.AbstractEventLoop{extra}) -> object:"
    before, after = fillers(draw, names, env), fillers(draw, names, env)
    cls = names("Holder")
    inner_env = Env(
        in_function=True, is_async=is_async, has_self=method or env.has_self, has_loop=True,
        task_group=env.task_group,
    )

    def wrap(inner: Lines, pending: Lines) -> tuple[Lines, Lines]:
        body = before + inner + after + pending + plain("return None")
        lines = plain(*decorators, signature) + indent(body)
        if method:
            lines = plain(
                f"class {cls}:",
                '    kept_task: "asyncio.Task[None] | None" = None',
                '    kept_tasks: "list[asyncio.Task[None]]" = []',
            ) + indent(lines)
        return lines, []

    label = ("async " if is_async else "") + ("method" if method else "def")
    return Context(label + (f"@{len(decorators)}" if decorators else ""), inner_env, wrap)


def _branches(draw: Draw, names: Names, env: Env, headers: list[list[str]], inner_at: int,
              inner_env: Env | None = None) -> Context:
    """A compound statement of several clauses; the inner lines go into clause `inner_at`."""
    bodies = [fillers(draw, names, env, 1) for _ in headers]

    def wrap(inner: Lines, pending: Lines) -> tuple[Lines, Lines]:
        lines: Lines = []
        for index, header in enumerate(headers):
            body = bodies[index] + (inner if index == inner_at else [])
            lines += plain(*header) + indent(body or plain("pass"))
        return lines, pending

    first = headers[0][0].split()
    label = " ".join(first[:2]) if first[0] == "async" else first[0]
    return Context(label.rstrip(":("), inner_env or env, wrap)


def if_context(draw: Draw, names: Names, env: Env) -> Context:
    probe = names("w")
    test = draw.pick([
        ["if flag():"],
        [f"if ({probe} := counter()) > 1:"],
        ["if flag() and \\", "        counter() > 0:"],
        ["if (", "    flag()", "    or counter() > 2", "):"],
    ])
    headers = [test]
    if draw.flip():
        headers.append(["elif counter() == 3:"])
    if draw.flip():
        headers.append(["else:"])
    return _branches(draw, names, env, headers, draw.number(0, len(headers) - 1))


def loop_context(draw: Draw, names: Names, env: Env) -> Context:
    a, b = names("a"), names("b")
    kinds = [
        [f"for {a} in range(counter()):"],
        [f"for {a}, *{b} in [(1, 2, 3)]:"],
        ["while flag():"],
        [f"while ({a} := counter()) < 3:"],
    ]
    if env.is_async:
        kinds.append([f"async for {a} in ticks():"])
    headers = [draw.pick(kinds)]
    if draw.flip():
        headers.append(["else:"])
    return _branches(draw, names, env, headers, draw.number(0, len(headers) - 1))


def with_context(draw: Draw, names: Names, env: Env) -> Context:
    handle, group = names("fh"), names("tg")
    kinds = [
        ["with contextlib.suppress(KeyError):"],
        [f"with open(__file__) as {handle}:"],
        ["with contextlib.nullcontext(), contextlib.suppress(ValueError):"],
        ["with (", f"    open(__file__) as {handle},", "    contextlib.suppress(OSError),", "):"],
    ]
    if env.is_async:
        kinds += [
            ["async with asyncio.Lock():"],
            ["async with asyncio.timeout(5):"],
            [f"async with asyncio.TaskGroup() as {group}:"],
        ]
    header = draw.pick(kinds)
    inner_env = replace(env, task_group=group) if "TaskGroup" in header[0] else env
    return _branches(draw, names, env, [header], 0, inner_env)


def try_context(draw: Draw, names: Names, env: Env) -> Context:
    error = names("e")
    if draw.flip():
        headers = [["try:"], ["except* ValueError:"]]
        if draw.flip():
            headers.append([f"except* (TypeError, KeyError) as {error}:"])
    else:
        headers = [["try:"]]
        if draw.flip():
            headers.append([f"except (ValueError, KeyError) as {error}:"])
        else:
            headers.append(["except ValueError:"])
        if draw.flip():
            headers.append(["else:"])
    if draw.flip():
        headers.append(["finally:"])
    at = draw.number(0, len(headers) - 1)
    star = headers[at][0].startswith("except*")
    return _branches(draw, names, env, headers, at, replace(env, in_except_star=star))


def match_context(draw: Draw, names: Names, env: Env) -> Context:
    headers = [["case 0:"]]
    if draw.flip():
        headers.append(["case 1 | 2:"])
    if draw.flip():
        headers.append(["case 3 if flag():"])
    if draw.flip():
        headers.append(["case _:"])
    at = draw.number(0, len(headers) - 1)
    inner = _branches(draw, names, env, headers, at)
    subject = draw.pick(["counter()", "len(BACKGROUND)"])

    def wrap(lines: Lines, pending: Lines) -> tuple[Lines, Lines]:
        cases, pending = inner.wrap(lines, pending)
        return plain(f"match {subject}:") + indent(cases), pending

    return Context("match", env, wrap)


CONTEXT_KINDS: Final = ["def", "async def", "method", "async method", "if", "loop", "with", "try",
                        "match"]


def make_context(draw: Draw, names: Names, env: Env, kind: str) -> Context:
    if kind in ("def", "async def", "method", "async method"):
        return function_context(
            draw, names, env, is_async=kind.startswith("async"), method=kind.endswith("method")
        )
    builders = {"if": if_context, "loop": loop_context, "with": with_context, "try": try_context,
                "match": match_context}
    return builders[kind](draw, names, env)


# -- the forms ----------------------------------------------------------------


@dataclass
class Form:
    """A form's lines, the reads it defers to the end of its scope, and what it needs."""

    lines: Lines
    pending: Lines = field(default_factory=list)
    message: str | None = None  # dropped forms: the expected message's beginning


@dataclass(frozen=True)
class FormSpec:
    name: str
    dropped: bool
    build: Callable[[Draw, Names, Env], Form]
    needs_function: bool = False
    needs_async: bool = False
    needs_self: bool = False
    needs_loop: bool = False
    no_except_star: bool = False


def spawn_pieces(draw: Draw, env: Env, *, loop: bool = False) -> tuple[list[Piece], str]:
    """The spawner call with break points; the name the message shows."""
    if loop:
        return [SPAWN, "loop", BREAK, ".create_task(", BREAK, "work()", BREAK, ")"], \
            "AbstractEventLoop.create_task"
    function = draw.pick(["create_task", "ensure_future"])
    args = draw.pick(["work()", 'work(), name=f"job-{counter()}"']
                     if function == "create_task" else ["work()"])
    pieces: list[Piece] = [SPAWN, "asyncio", BREAK, f".{function}(", BREAK]
    pieces += [args, BREAK, ")"]
    return pieces, f"asyncio.{function}"


def discarded(spawner: str, registrar: str = "") -> str:
    if registrar:
        return plugin_message(errorcodes.RETURNED_TO_REGISTRAR, spawner, registrar=registrar)
    return plugin_message(errorcodes.DISCARDED, spawner)


def expression_form(
    draw: Draw, names: Names, env: Env, kind: str
) -> tuple[list[Piece], str, bool]:
    """A dropped expression: bare call, chain, and/or, conditional, display, loop method.

    Also says whether the expression needs parentheses to be a lambda's body.
    """
    pieces, spawner = _expression(draw, names, env, kind)
    return pieces, spawner, pieces[-1] == ", None"


def _expression(draw: Draw, names: Names, env: Env, kind: str) -> tuple[list[Piece], str]:
    spawn, spawner = spawn_pieces(draw, env, loop=kind == "loop")
    if kind in ("bare", "loop"):
        return (["(", BREAK, *spawn, BREAK, ")"] if draw.flip() else spawn), spawner
    if kind == "chain":
        return [*spawn, BREAK, ".add_done_callback(", BREAK, "print", BREAK, ")"], spawner
    if kind == "and/or":
        op = draw.pick([" and", " or"])
        shape = draw.pick(["right", "left", "chain", "parenthesised"])
        if shape == "right":
            return ["flag()", op, BREAK, " ", *spawn], spawner
        if shape == "left":
            return [*spawn, op, BREAK, " flag()"], spawner
        if shape == "chain":
            return ["flag() and flag()", " or", BREAK, " ", *spawn], spawner
        return ["(", BREAK, "flag()", BREAK, op, " ", *spawn, BREAK, ")"], spawner
    if kind == "conditional":
        if draw.flip():
            return [*spawn, BREAK, " if flag()", BREAK, " else None"], spawner
        return ["None if flag()", BREAK, " else ", *spawn], spawner
    assert kind == "display"
    shape = draw.pick(["list", "list-first", "set", "tuple", "comprehension"])
    if shape == "list":
        return ["[", BREAK, "None,", BREAK, " ", *spawn, BREAK, "]"], spawner
    if shape == "list-first":
        return ["[", BREAK, *spawn, ",", BREAK, " None", BREAK, "]"], spawner
    if shape == "set":
        return ["{", *spawn, ", None}"], spawner
    if shape == "tuple":
        return [*spawn, ", None"], spawner
    index = names("i")
    return ["[", BREAK, *spawn, BREAK, f" for {index} in range(2)", BREAK, "]"], spawner


def dropped_expression(kind: str) -> Callable[[Draw, Names, Env], Form]:
    def build(draw: Draw, names: Names, env: Env) -> Form:
        pieces, spawner, needs_parens = expression_form(draw, names, env, kind)
        if draw.number(0, 3) == 0:
            # handed to a registrar in a lambda: the registrar throws the result away
            receiver = "loop" if env.has_loop and draw.flip() else "asyncio.get_running_loop()"
            method, delay = draw.pick(
                [("call_soon", ""), ("call_soon_threadsafe", ""), ("call_later", "0.5, "),
                 ("call_at", "1.0, ")]
            )
            if needs_parens or draw.flip():
                pieces = ["(", *pieces, ")"]
            wrapped: list[Piece] = [f"{receiver}.{method}(", BREAK, delay, "lambda: ", *pieces, BREAK, ")"]
            registrar = f"AbstractEventLoop.{method}"
            return Form(render(draw, wrapped), message=discarded(spawner, registrar))
        return Form(render(draw, pieces), message=discarded(spawner))

    return build


def underscore_form(draw: Draw, names: Names, env: Env) -> Form:
    spawn, spawner = spawn_pieces(draw, env)
    target = draw.pick(["_", "__", "___"])
    message = plugin_message(errorcodes.UNDERSCORE, spawner, name=target)
    shape = draw.pick(["plain", "tuple", "list"])
    if shape == "plain":
        pieces: list[Piece] = [target, " =", BREAK, " ", *spawn]
    elif shape == "tuple":
        other = names("other")
        pieces = [f"{target}, {other} = ", *spawn, ",", BREAK, " counter()"]
    else:
        other = names("other")
        pieces = [f"({target}, {other}) = (", BREAK, *spawn, ",", BREAK, " 1", BREAK, ")"]
    return Form(render(draw, pieces), message=message)


def unused_local_form(draw: Draw, names: Names, env: Env) -> Form:
    spawn, spawner = spawn_pieces(draw, env)
    local = names("unread_task")
    shape = draw.pick(["plain", "annotated", "walrus", "tuple"])
    if shape == "plain":
        pieces: list[Piece] = [local, " =", BREAK, " ", *spawn]
    elif shape == "annotated":
        pieces = [local, ': "asyncio.Task[None]" =', BREAK, " ", *spawn]
    elif shape == "walrus":
        pieces = ["(", local, " := ", *spawn, ")"]
    else:
        pieces = [f"{local}, {names('other')} = ", *spawn, ", counter()"]
    message = plugin_message(errorcodes.UNREAD_LOCAL, spawner, name=local)
    return Form(render(draw, pieces), message=message)


# silent forms


def awaited_form(draw: Draw, names: Names, env: Env) -> Form:
    spawn, _ = spawn_pieces(draw, env)
    if draw.flip():
        return Form(render(draw, ["await ", *spawn]))
    index = names("i")
    return Form(render(draw, ["await asyncio.gather(*[", BREAK, *spawn, f" for {index} in range(2)", BREAK, "])"]))


def returned_form(draw: Draw, names: Names, env: Env) -> Form:
    spawn, _ = spawn_pieces(draw, env)
    if draw.flip():
        return Form(render(draw, ["return ", *spawn]))
    index = names("i")
    return Form(render(draw, ["return [", BREAK, *spawn, f" for {index} in range(2)", BREAK, "]"]))


def self_form(draw: Draw, names: Names, env: Env) -> Form:
    spawn, _ = spawn_pieces(draw, env)
    if draw.flip():
        return Form(render(draw, ["self.kept_task =", BREAK, " ", *spawn]))
    index = names("i")
    return Form(render(draw, ["self.kept_tasks = [", *spawn, f" for {index} in range(2)]"]))


def module_set_form(draw: Draw, names: Names, env: Env) -> Form:
    spawn, _ = spawn_pieces(draw, env)
    if draw.flip():
        return Form(render(draw, ["BACKGROUND.add(", BREAK, *spawn, BREAK, ")"]))
    index = names("i")
    return Form(render(draw, ["BACKGROUND.update({", BREAK, *spawn, f" for {index} in range(2)", BREAK, "})"]))


def read_later_form(draw: Draw, names: Names, env: Env) -> Form:
    spawn, _ = spawn_pieces(draw, env)
    local = names("kept")
    many = draw.flip()
    if many:
        index = names("i")
        pieces: list[Piece] = [local, " = [", *spawn, f" for {index} in range(2)]"]
        reads = [f"BACKGROUND.update({local})", f"print({local})", f"print(f\"{{{local}!r}}\")"]
    else:
        pieces = draw.pick([[local, " =", BREAK, " ", *spawn], ["(", local, " := ", *spawn, ")"]])
        reads = [f"BACKGROUND.add({local})", f"print({local})", f"{local}.cancel()",
                 f"print(f\"{{{local}!r}}\")", f"{names('reader')} = lambda: {local}"]
        if env.is_async:
            reads.append(f"await {local}")
    read = plain(draw.pick(reads))
    if draw.flip():
        return Form(render(draw, pieces) + read)
    return Form(render(draw, pieces), pending=read)  # read at the end of the scope


def task_group_form(draw: Draw, names: Names, env: Env) -> Form:
    group = env.task_group if env.task_group is not None and draw.flip() else None
    name = group or names("tg")
    pieces: list[Piece] = draw.pick([
        [SPAWN, name, BREAK, ".create_task(", BREAK, "work()", BREAK, ")"],
        ["_ = ", SPAWN, name, ".create_task(work())"],
        [names("t"), " = ", SPAWN, name, ".create_task(work())"],
        ["[", SPAWN, name, f".create_task(work()) for {names('i')} in range(2)]"],
    ])
    lines = render(draw, pieces)
    if group is None:
        return Form(plain(f"async with asyncio.TaskGroup() as {name}:") + indent(lines))
    return Form(lines)


def type_checking_form(draw: Draw, names: Names, env: Env) -> Form:
    guard = draw.pick(["if TYPE_CHECKING:", "if typing.TYPE_CHECKING:"])
    kind = draw.pick(["bare", "chain", "and/or", "conditional", "display"])
    pieces, _, _ = expression_form(draw, names, env, kind)
    inner = render(draw, pieces)
    if kind != "chain" and draw.flip():  # (a chain's value is None: not assignable)
        target = draw.pick(["_", names("t")])
        inner = render(draw, [target, " = ", *pieces])
    # Code under the guard never runs, functions and methods defined there included.
    holder = draw.pick(["", "def", "async def", "method"])
    if holder == "method":
        inner = plain(f"class {names('Stub')}:", f"    def {names('method')}(self) -> None:") \
            + indent(indent(inner))
    elif holder:
        inner = plain(f"{holder} {names('checker_only')}() -> None:") + indent(inner)
    lines = plain(guard) + indent(inner)
    if draw.flip():
        lines += plain("else:", "    pass")
    return Form(lines)


FORMS: Final = [
    FormSpec("bare", True, dropped_expression("bare")),
    FormSpec("underscore", True, underscore_form),
    FormSpec("unused local", True, unused_local_form, needs_function=True),
    FormSpec("add_done_callback chain", True, dropped_expression("chain")),
    FormSpec("and/or operand", True, dropped_expression("and/or")),
    FormSpec("conditional branch", True, dropped_expression("conditional")),
    FormSpec("list display", True, dropped_expression("display")),
    FormSpec("loop.create_task", True, dropped_expression("loop"), needs_function=True,
             needs_loop=True),
    FormSpec("awaited", False, awaited_form, needs_function=True, needs_async=True),
    FormSpec("returned", False, returned_form, needs_function=True, no_except_star=True),
    FormSpec("stored on self", False, self_form, needs_function=True, needs_self=True),
    FormSpec("module-level set", False, module_set_form),
    FormSpec("local read later", False, read_later_form),
    FormSpec("TaskGroup", False, task_group_form, needs_function=True, needs_async=True),
    FormSpec("TYPE_CHECKING", False, type_checking_form),
]
DROPPED: Final = [form for form in FORMS if form.dropped]
SILENT: Final = [form for form in FORMS if not form.dropped]


def _satisfied(spec: FormSpec, env: Env) -> str | None:
    """None if the form can sit in `env`; else the context kind that must be added."""
    if spec.needs_self and not env.has_self:
        return "async method" if spec.needs_async else "method"
    if spec.needs_async and not env.is_async:
        return "async def"
    if spec.needs_function and not env.in_function:
        return "def"
    if spec.needs_loop and not env.has_loop:
        return "def"
    if spec.no_except_star and env.in_except_star:
        return "def"
    return None


# -- programs -----------------------------------------------------------------


@dataclass
class Program:
    form: str
    contexts: list[str]
    source: str
    expected: list[tuple[int, int, str, str]]  # (line, column 1-based, severity, message)

    def describe(self) -> str:
        numbered = "\n".join(
            f"{number:4} | {text}" for number, text in enumerate(self.source.splitlines(), 1)
        )
        return f"form {self.form!r} in {self.contexts or ['module']}:\n{numbered}"


def build_program(draw: Draw, spec: FormSpec) -> Program:
    names = Names()
    env = Env()
    contexts: list[Context] = []
    for _ in range(draw.number(0, MAX_DEPTH)):
        context = make_context(draw, names, env, draw.pick(CONTEXT_KINDS))
        contexts.append(context)
        env = context.inner_env
    while (needed := _satisfied(spec, env)) is not None:
        context = make_context(draw, names, env, needed)
        contexts.append(context)
        env = context.inner_env
    form = spec.build(draw, names, env)
    lines, pending = form.lines, form.pending
    for context in reversed(contexts):
        lines, pending = context.wrap(lines, pending)
    body = fillers(draw, names, Env()) + lines + pending + fillers(draw, names, Env())
    header_lines = plain(*HEADER.splitlines())
    all_lines = header_lines + body
    source = "\n".join(line.text for line in all_lines) + "\n"
    marks = [(number, line.mark) for number, line in enumerate(all_lines, 1) if line.mark is not None]
    expected: list[tuple[int, int, str, str]] = []
    if spec.dropped:
        assert form.message is not None and len(marks) == 1, (spec.name, marks)
        line, column = marks[0][0], marks[0][1] + 1
        expected = [(line, column, "error", form.message + "  [dangling-task]"),
                    (line, column, "note", NOTE)]
    return Program(spec.name, [c.name for c in contexts], source, expected)


@st.composite
def batches(draw: st.DrawFn, forms: Sequence[FormSpec]) -> list[Program]:
    chooser = Draw(draw)
    programs = [build_program(chooser, spec) for spec in forms for _ in range(PER_FORM)]
    for program in programs:
        try:
            compile(program.source, f"<{program.form}>", "exec")
        except SyntaxError:
            note(program.describe())
            assume(False)
    return programs


# -- running mypy -------------------------------------------------------------


@pytest.fixture(scope="module")
def mypy_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # mypy.api.run raises the recursion limit to this on its first run; raising it
    # here already keeps hypothesis from warning that a test changed it.
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 2**14))
    return tmp_path_factory.mktemp("generated-mypy-cache")


class Stats:
    def __init__(self) -> None:
        self.programs = 0
        self.runs = 0
        self.forms: Counter[str] = Counter()
        self.contexts: Counter[str] = Counter()
        self.depths: Counter[int] = Counter()

    def add(self, programs: list[Program]) -> None:
        self.runs += 1
        for program in programs:
            self.programs += 1
            self.forms[program.form] += 1
            self.depths[len(program.contexts)] += 1
            for context in program.contexts:
                self.contexts[context.split("@")[0]] += 1

    def summary(self, title: str) -> str:
        depths = ", ".join(f"{d}:{n}" for d, n in sorted(self.depths.items()))
        contexts = ", ".join(f"{c} {n}" for c, n in self.contexts.most_common())
        return (f"[generated] {title}: {self.programs} programs in {self.runs} mypy runs; "
                f"depths {depths}; contexts: {contexts}")


_BATCHES: Final = itertools.count()


def check_batch(programs: list[Program], cache: Path) -> None:
    batch = next(_BATCHES)
    # Never reuse a module name: mypy takes a cached module whose path, size
    # and mtime (in seconds) match for unchanged, so a same-sized program
    # written within the same second would get stale results.
    sources = {
        f"generated_{batch}_{index}.py": program.source for index, program in enumerate(programs)
    }
    files = list(sources)
    run = run_sources(sources, FLAGS, cache)
    output = run.stdout + run.stderr
    assert "INTERNAL ERROR" not in output and "Traceback" not in output, output
    problems = []
    for name, program in zip(files, programs):
        actual = sorted(
            (m.line, m.column or 0, m.severity, m.text) for m in run.messages if m.file == name
        )
        if actual != sorted(program.expected):
            expected = "\n".join(f"  {e}" for e in sorted(program.expected)) or "  (nothing)"
            got = "\n".join(f"  {a}" for a in actual) or "  (nothing)"
            problems.append(f"{program.describe()}\nexpected:\n{expected}\nmypy said:\n{got}")
    unparsed = [
        line for line in run.stdout.splitlines()
        if line.strip() and not any(line.startswith(f) for f in files)
    ]
    if unparsed:
        problems.append("unexpected output:\n" + "\n".join(unparsed))
    if problems:
        kept = _keep_batch(programs, files)
        problems.append(
            f"the whole batch is kept in {kept}; re-run with:\n  cd {kept} && "
            f"{sys.executable} -m mypy --config-file mypy.ini --show-column-numbers "
            f"{' '.join(FLAGS)} {' '.join(files)}"
        )
        text = "\n\n".join(problems)
        print(text)  # hypothesis shows it for the minimal example
        pytest.fail(text, pytrace=False)
    assert run.status == (1 if any(p.expected for p in programs) else 0), output


def _keep_batch(programs: list[Program], files: list[str]) -> Path:
    """A failing batch, written where it can be checked again by hand."""
    kept = Path(tempfile.mkdtemp(prefix="dangling-generated-failure-"))
    (kept / "mypy.ini").write_text(DEFAULT_CONFIG, encoding="utf-8")
    for name, program in zip(files, programs):
        (kept / name).write_text(program.source, encoding="utf-8")
    return kept


def _settings() -> settings:
    return settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                               HealthCheck.filter_too_much],
    )


def test_dropped_forms_are_reported_once_at_the_call(
    mypy_cache: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stats = Stats()

    @_settings()
    @given(batches(DROPPED))
    def check(programs: list[Program]) -> None:
        stats.add(programs)
        check_batch(programs, mypy_cache)

    check()
    with capsys.disabled():
        print("\n" + stats.summary("dropped forms"), flush=True)
    assert set(stats.forms) == {form.name for form in DROPPED}


def test_silent_forms_are_never_reported(
    mypy_cache: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stats = Stats()

    @_settings()
    @given(batches(SILENT))
    def check(programs: list[Program]) -> None:
        stats.add(programs)
        check_batch(programs, mypy_cache)

    check()
    with capsys.disabled():
        print("\n" + stats.summary("silent forms"), flush=True)
    assert set(stats.forms) == {form.name for form in SILENT}
