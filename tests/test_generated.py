"""Generated programs: every form of interest in every pair of syntactic contexts.

Each module holds ONE form: a dropped task (8 forms) or a silent one (7).  The
plan is a product: every form at module level, in each of the 9 kinds of
context (function, async function, method, async method, if/elif/else,
for/while/async for with else, with/async with incl. TaskGroup,
try/except/except*/else/finally, match/case) and in every ordered pair of
them, wrapped in up to two more.  A seeded random.Random picks the rest: the
kind's header and clause, decorators, the form's shape, fillers (f-strings,
starred targets, walrus, continuations, comprehensions) and line breaks
(backslash, or newline inside brackets) at every place one can go.

A dropped form must be reported exactly once, with code dangling-task, at the
spawner call's line and column, plus the plugin's note; the position is
tracked while generating (a mark travels with the text through indentation
and line breaks), never read back from mypy.  A silent form must get no
message.  Any other message under --strict fails too, with the program
printed and the whole batch kept on disk with a command to check it again.
DANGLING_GENERATED_SEED (default "0") draws other programs from the same plan.

`pytest` checks a part of the plan that still puts every form at module level
and in each kind of context, and every ordered pair of contexts around one
form of each group (the pairs are dealt out over the forms in turn); the rest
of the plan is marked slow and runs with `pytest --slow`.  A program is the
same in both runs: its seed names its form, contexts and serial number.
"""

from __future__ import annotations

import itertools
import os
import random
import re
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Final, TypeVar

import pytest

from data_format import DEFAULT_CONFIG, run_sources
from integration_helpers import plugin_message
from mypy_dangling_tasks import errorcodes

T = TypeVar("T")
SEED: Final = os.environ.get("DANGLING_GENERATED_SEED", "0")
FLAGS: Final = ["--strict"]
FUNCTIONS: Final = ["def", "async def", "method", "async method"]
KINDS: Final = [*FUNCTIONS, "if", "loop", "with", "try", "match"]
MODULE_LEVEL: Final = 10  # programs per form at module level (or in just the function it needs)
MODULE_LEVEL_FAST: Final = 2  # of them, in the default (not --slow) run
BATCH: Final = 50  # programs per mypy run (a run costs about half a second more than its files)

HEADER: Final = '''\
import asyncio, contextlib, typing
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any, TypeVar
F = TypeVar("F", bound=Callable[..., Any])
BACKGROUND: "set[asyncio.Task[None]]" = set()
async def work() -> None: await asyncio.sleep(0)
def flag() -> bool: return len(BACKGROUND) > 1
def counter() -> int: return len(BACKGROUND)
def passthrough(fn: F) -> F: return fn
def tagged(tag: str) -> Callable[[F], F]: return passthrough
async def ticks() -> AsyncIterator[int]: yield counter()
'''


@dataclass(frozen=True)
class Line:
    text: str
    mark: int | None = None  # 0-based column of the spawner call on this line


Lines = list[Line]


def indent(lines: Sequence[Line], by: int = 4) -> Lines:
    return [Line(" " * by + line.text, None if line.mark is None else line.mark + by)
            for line in lines]


class Gen:
    """One program's choices (a seeded random.Random) and fresh names.  In a template, `<name>`
    is a fresh name, `|` a place where the line may break, `^` where the spawner call starts."""

    def __init__(self, seed: str) -> None:
        self.rng = random.Random(seed)
        self.count = itertools.count(1)

    def pick(self, options: Sequence[T]) -> T:
        return self.rng.choice(options)

    def flip(self) -> bool:
        return self.rng.random() < 0.5

    def some(self, *options: str) -> list[str]:
        return [option for option in options if self.flip()]

    def name(self, base: str) -> str:
        return f"{base}_{next(self.count)}"

    def fill(self, template: str) -> str:
        names: dict[str, str] = {}
        return re.sub(r"<(\w+)>", lambda m: names.setdefault(m[1], self.name(m[1])), template)

    def lines(self, template: str) -> Lines:
        return [Line(text) for text in self.fill(template).splitlines()]

    def render(self, template: str) -> Lines:
        """Break the line at some `|` (a newline only inside brackets), keeping the mark."""
        lines: Lines = []
        current, mark, depth = "", None, 0
        for token in re.split(r"([|^])", self.fill(template)):
            if token == "^":
                mark = len(current)
            elif token == "|":
                how = self.pick(["", "backslash"] + (["newline"] if depth > 0 else []))
                if how:
                    lines.append(Line(current + (" \\" if how == "backslash" else ""), mark))
                    current, mark = " " * self.pick([4, 8, 0, 2]), None
            else:
                current += token
                depth += sum(map(token.count, "([{")) - sum(map(token.count, ")]}"))
        return lines + [Line(current, mark)]


FILLERS: Final = [
    'print(f"{counter():>4} {flag()!r} {\'<s>\'}")',
    "<head>, *<tail> = (1, 2, 3)\nprint(<head>, <tail>)",
    "if (<probe> := counter()) > 2:\n    print(<probe>)",
    "<total> = counter() + \\\n    counter()\nprint(<total>)",
    'print(\n    "filler",\n    counter(),\n)',
    "print([<i> * 2 for <i> in range(3) if <i>])",
]


def fillers(gen: Gen, most: int = 2) -> Lines:
    return [line for _ in range(gen.rng.randint(0, most)) for line in gen.lines(gen.pick(FILLERS))]


# -- where a form sits --------------------------------------------------------


@dataclass(frozen=True)
class Env:
    in_function: bool = False  # with a parameter `loop: asyncio.AbstractEventLoop`
    is_async: bool = False
    has_self: bool = False
    in_except_star: bool = False
    task_group: str | None = None


DECORATORS: Final = ["@passthrough", '@tagged("x")', '@tagged(f"t{counter()}")',
                     '@tagged(\n    "multi-line",\n)']
PARAMETERS: Final = ["", ", *args: int", ", flag_arg: bool = True", ", *args: int, **kwargs: str"]
IF_TESTS: Final = ["if flag():", "if (<w> := counter()) > 1:",
                   "if flag() and \\\n        counter() > 0:",
                   "if (\n    flag()\n    or counter() > 2\n):"]
LOOPS: Final = ["for <a> in range(counter()):", "for <a>, *<b> in [(1, 2, 3)]:", "while flag():",
                "while (<a> := counter()) < 3:"]
WITHS: Final = ["with contextlib.suppress(KeyError):", "with open(__file__) as <fh>:",
                "with contextlib.nullcontext(), contextlib.suppress(ValueError):",
                "with (\n    open(__file__) as <fh>,\n    contextlib.suppress(OSError),\n):"]
ASYNC_WITHS: Final = ["async with asyncio.Lock():", "async with asyncio.timeout(5):",
                      "async with asyncio.TaskGroup() as {group}:"]


def function(gen: Gen, env: Env, kind: str) -> tuple[Lines, int, Env]:
    """A function's or method's header lines (class included), its body's indent and Env."""
    is_async, method = kind.startswith("async"), kind.endswith("method")
    decorators = [gen.pick(DECORATORS) for _ in range(gen.rng.randint(0, 2))]
    signature = (f"{'async def' if is_async else 'def'} <fn>({'self, ' if method else ''}"
                 f"loop: asyncio.AbstractEventLoop{gen.pick(PARAMETERS)}) -> object:")
    header = gen.lines("\n".join([*decorators, signature]))
    if method:
        header = gen.lines('class <Holder>:\n    kept_task: "asyncio.Task[None] | None" = None\n'
                           '    kept_tasks: "list[asyncio.Task[None]]" = []') + indent(header)
    inner = Env(True, is_async, method or env.has_self, False, env.task_group)
    return header, 8 if method else 4, inner


def clauses(gen: Gen, env: Env, kind: str) -> tuple[list[str], Env]:
    """The clause headers of a compound statement, and the Env inside them."""
    if kind == "if":
        return [gen.pick(IF_TESTS), *gen.some("elif counter() == 3:", "else:")], env
    if kind == "loop":
        head = "async for <a> in ticks():" if env.is_async and gen.flip() else gen.pick(LOOPS)
        return [head, *gen.some("else:")], env
    if kind == "with":
        group = gen.name("tg")
        head = gen.pick(ASYNC_WITHS if env.is_async and gen.flip() else WITHS).format(group=group)
        return [head], replace(env, task_group=group) if "TaskGroup" in head else env
    if kind == "try":
        if gen.flip():
            middle = ["except* ValueError:", *gen.some("except* (TypeError, KeyError) as <e>:")]
        else:
            middle = [gen.pick(["except (ValueError, KeyError) as <e>:", "except ValueError:"]),
                      *gen.some("else:")]
        return ["try:", *middle, *gen.some("finally:")], env
    assert kind == "match"
    return ["case 0:", *gen.some("case 1 | 2:", "case 3 if flag():", "case _:")], env


def wrap(gen: Gen, spec: FormSpec, env: Env, kinds: Sequence[str], used: list[str]) -> Form:
    """The form inside contexts of `kinds` (outermost first) and any more it needs."""
    if not kinds:
        needed = spec.missing(env)
        if needed is None:
            return spec.build(gen, env)
        kinds = [needed]
    kind, rest = kinds[0], kinds[1:]
    used.append(kind)
    if kind in FUNCTIONS:
        header, depth, inner_env = function(gen, env, kind)
        before, after = fillers(gen), fillers(gen)
        inner = wrap(gen, spec, inner_env, rest, used)
        body = before + inner.lines + after + inner.pending + gen.lines("return None")
        return replace(inner, lines=header + indent(body, depth), pending=[])
    heads, inner_env = clauses(gen, env, kind)
    at = gen.rng.randrange(len(heads))
    star = env.in_except_star or heads[at].startswith("except*")
    inner = wrap(gen, spec, replace(inner_env, in_except_star=star), rest, used)
    lines: Lines = []
    for index, head in enumerate(heads):
        body = fillers(gen, 1) + (inner.lines if index == at else [])
        lines += gen.lines(head) + indent(body or gen.lines("pass"))
    if kind == "match":
        lines = gen.lines(f"match {gen.pick(['counter()', 'len(BACKGROUND)'])}:") + indent(lines)
    return replace(inner, lines=lines)


# -- the forms ----------------------------------------------------------------


@dataclass
class Form:  # a form's lines, the reads it defers to the end of its scope, its expected message
    lines: Lines
    pending: Lines = field(default_factory=list)
    message: str | None = None


@dataclass(frozen=True)
class FormSpec:
    name: str
    build: Callable[[Gen, Env], Form]
    dropped: bool = False
    needs: str = ""  # the context that gives what the form needs ("return": a def, no except*)

    def missing(self, env: Env) -> str | None:
        """None if the form can sit in `env`; else the kind of context to add around it."""
        ok = {"": True, "def": env.in_function, "async def": env.is_async, "method": env.has_self,
              "return": env.in_function and not env.in_except_star}[self.needs]
        return None if ok else self.needs.replace("return", "def")


def spawner(gen: Gen, loop: bool = False) -> tuple[str, str]:
    """The spawner call as a template, and the name the message gives it."""
    if loop:
        return "^loop|.create_task(|work()|)", "AbstractEventLoop.create_task"
    function = gen.pick(["create_task", "ensure_future"])
    name = ', name=f"job-{counter()}"' if function == "create_task" and gen.flip() else ""
    return f"^asyncio|.{function}(|work(){name}|)", f"asyncio.{function}"


# `$` stands for the spawner call.
EXPRESSIONS: Final = {
    "bare": ["$", "(|$|)"],
    "chain": ["$|.add_done_callback(|print|)"],
    "and/or": ["flag() and| $", "flag() or| $", "$ and| flag()", "$ or| flag()",
               "flag() and flag() or| $", "(|flag()| and $|)", "(|flag()| or $|)"],
    "conditional": ["$| if flag()| else None", "None if flag()| else $"],
    "display": ["[|None,| $|]", "[|$,| None|]", "{$, None}", "$, None",
                "[|$| for <i> in range(2)|]"],
}
REGISTRARS: Final = [("call_soon", ""), ("call_soon_threadsafe", ""), ("call_later", "0.5, "),
                     ("call_at", "1.0, ")]


def dropped_expression(kind: str) -> Callable[[Gen, Env], Form]:
    def build(gen: Gen, env: Env) -> Form:
        spawn, name = spawner(gen, loop=kind == "loop")
        expression = gen.pick(EXPRESSIONS["bare" if kind == "loop" else kind]).replace("$", spawn)
        if gen.rng.randrange(3):
            message = plugin_message(errorcodes.DISCARDED, name)
            return Form(gen.render(expression), message=message)
        # handed to a registrar in a lambda: the registrar throws the result away
        receiver = "loop" if env.in_function and gen.flip() else "asyncio.get_running_loop()"
        method, delay = gen.pick(REGISTRARS)
        if expression.endswith(", None") or gen.flip():
            expression = f"({expression})"
        text = plugin_message(
            errorcodes.RETURNED_TO_REGISTRAR, name, registrar=f"AbstractEventLoop.{method}")
        return Form(gen.render(f"{receiver}.{method}(|{delay}lambda: {expression}|)"), message=text)

    return build


def assigned(message: str, *templates: str) -> Callable[[Gen, Env], Form]:
    """The task assigned to a name that keeps nothing: `_` (and kin) or a local never read."""

    def build(gen: Gen, env: Env) -> Form:
        spawn, spawned_by = spawner(gen)
        hides = message == errorcodes.UNDERSCORE
        name = gen.pick(["_", "__", "___"]) if hides else gen.name("unread_task")
        template = gen.pick(templates).format(name=name).replace("$", spawn)
        return Form(gen.render(template), message=plugin_message(message, spawned_by, name=name))

    return build


def silent(*templates: str) -> Callable[[Gen, Env], Form]:
    return lambda gen, env: Form(gen.render(gen.pick(templates).replace("$", spawner(gen)[0])))


def read_later_form(gen: Gen, env: Env) -> Form:
    kept = gen.name("kept")
    if gen.flip():
        template = f"{kept} = [$ for <i> in range(2)]"
        reads = [f"BACKGROUND.update({kept})", f"print({kept})", f'print(f"{{{kept}!r}}")']
    else:
        template = gen.pick([f"{kept} =| $", f"({kept} := $)"])
        reads = [f"BACKGROUND.add({kept})", f"print({kept})", f"{kept}.cancel()",
                 f'print(f"{{{kept}!r}}")', f"<reader> = lambda: {kept}"]
        reads += [f"await {kept}"] if env.is_async else []
    lines, read = gen.render(template.replace("$", spawner(gen)[0])), gen.lines(gen.pick(reads))
    return Form(lines + read) if gen.flip() else Form(lines, pending=read)  # or at scope's end


def task_group_form(gen: Gen, env: Env) -> Form:
    group = env.task_group if env.task_group is not None and gen.flip() else None
    name = group or gen.name("tg")
    lines = gen.render(gen.pick([
        f"^{name}|.create_task(|work()|)", f"_ = ^{name}.create_task(work())",
        f"<t> = ^{name}.create_task(work())", f"[^{name}.create_task(work()) for <i> in range(2)]",
    ]))
    opened = f"async with asyncio.TaskGroup() as {name}:" if group is None else ""
    return Form(gen.lines(opened) + indent(lines, 4 if opened else 0))


def type_checking_form(gen: Gen, env: Env) -> Form:
    kind = gen.pick(["bare", "chain", "and/or", "conditional", "display"])
    expression = gen.pick(EXPRESSIONS[kind]).replace("$", spawner(gen)[0])
    if kind != "chain" and gen.flip():  # (a chain's value is None: not assignable)
        expression = gen.pick(["_", "<t>"]) + " = " + expression
    # Code under the guard never runs, functions and methods defined there included.
    holder = "" if gen.flip() else gen.pick(["def <only>() -> None:", "async def <only>() -> None:",
                                             "class <Stub>:\n    def <m>(self) -> None:"])
    inner = gen.lines(holder) + indent(gen.render(expression), 4 * len(holder.splitlines()))
    guard = gen.pick(["if TYPE_CHECKING:", "if typing.TYPE_CHECKING:"])
    orelse = gen.lines("else:\n    pass") if gen.flip() else []
    return Form(gen.lines(guard) + indent(inner) + orelse)


FORMS: Final = [
    FormSpec("bare", dropped_expression("bare"), True),
    FormSpec("underscore", assigned(errorcodes.UNDERSCORE, "{name} =| $",
             "{name}, <other> = $,| counter()", "({name}, <other>) = (|$,| 1|)"), True),
    FormSpec("unused local", assigned(errorcodes.UNREAD_LOCAL, "{name} =| $", "({name} := $)",
             '{name}: "asyncio.Task[None]" =| $', "{name}, <other> = $, counter()"), True, "def"),
    FormSpec("add_done_callback chain", dropped_expression("chain"), True),
    FormSpec("and/or operand", dropped_expression("and/or"), True),
    FormSpec("conditional branch", dropped_expression("conditional"), True),
    FormSpec("list display", dropped_expression("display"), True),
    FormSpec("loop.create_task", dropped_expression("loop"), True, "def"),
    FormSpec("awaited", silent("await $", "await asyncio.gather(*[|$ for <i> in range(2)|])"),
             needs="async def"),
    FormSpec("returned", silent("return $", "return [|$ for <i> in range(2)|]"), needs="return"),
    FormSpec("stored on self", silent("self.kept_task =| $",
             "self.kept_tasks = [$ for <i> in range(2)]"), needs="method"),
    FormSpec("module-level set", silent("BACKGROUND.add(|$|)",
             "BACKGROUND.update({|$ for <i> in range(2)|})")),
    FormSpec("local read later", read_later_form),
    FormSpec("TaskGroup", task_group_form, needs="async def"),
    FormSpec("TYPE_CHECKING", type_checking_form),
]


# -- programs, and mypy on them -----------------------------------------------


Planned = tuple[FormSpec, tuple[str, ...], int]
Expected = list[tuple[int, int, str, str]]  # (line, column 1-based, severity, message)


def build_program(spec: FormSpec, kinds: tuple[str, ...], serial: int) -> tuple[str, Expected, str]:
    """The program's source, the messages expected, and how it is described on failure."""
    gen = Gen(f"{SEED}/{spec.name}/{'/'.join(kinds)}/{serial}")
    outer = [gen.pick(KINDS) for _ in range(gen.rng.randint(0, 2) if len(kinds) == 2 else 0)]
    used: list[str] = []
    form = wrap(gen, spec, Env(), [*outer, *kinds], used)
    lines = gen.lines(HEADER) + fillers(gen) + form.lines + form.pending + fillers(gen)
    source = "\n".join(line.text for line in lines) + "\n"
    compile(source, f"<{spec.name} in {used}>", "exec")  # a SyntaxError is the generator's bug
    marks = [(n, line.mark + 1) for n, line in enumerate(lines, 1) if line.mark is not None]
    expected: Expected = []
    if spec.dropped:
        assert form.message is not None and len(marks) == 1, (spec.name, marks)
        expected = [(*marks[0], "error", form.message + "  [dangling-task]"),
                    (*marks[0], "note", errorcodes.TASK_NOTE)]
    numbered = "".join(f"{n:4} | {text}\n" for n, text in enumerate(source.splitlines(), 1))
    return source, expected, f"form {spec.name!r} in {used or ['module']}:\n{numbered}"


def in_fast_run(spec: FormSpec, kinds: tuple[str, ...], serial: int) -> bool:
    """Whether the default run checks this program: the first module-level ones and every
    one in a single context; of the pairs, each goes to one form of the group in turn."""
    if not kinds:
        return serial < MODULE_LEVEL_FAST
    if len(kinds) == 1:
        return True
    group = [form for form in FORMS if form.dropped == spec.dropped]
    pair = KINDS.index(kinds[0]) * len(KINDS) + KINDS.index(kinds[1])
    return group[pair % len(group)] is spec


def plan(dropped: bool) -> tuple[list[list[Planned]], list[list[Planned]]]:
    """Each form at module level, in each kind of context and in each ordered pair of them,
    batched so that each batch holds every form of its group in a few contexts: the
    batches of the default run, and those of the rest (--slow)."""
    shapes: list[tuple[tuple[str, ...], int]] = [((), n) for n in range(MODULE_LEVEL)]
    shapes += [((kind,), 0) for kind in KINDS]
    shapes += [(pair, 0) for pair in itertools.product(KINDS, KINDS)]
    planned = [(spec, kinds, n) for kinds, n in shapes for spec in FORMS if spec.dropped == dropped]
    fast = [program for program in planned if in_fast_run(*program)]
    rest = [program for program in planned if not in_fast_run(*program)]
    return _batches(fast), _batches(rest)


def _batches(programs: list[Planned]) -> list[list[Planned]]:
    return [programs[start:start + BATCH] for start in range(0, len(programs), BATCH)]


def _params() -> list[object]:
    params: list[object] = []
    for dropped in (True, False):
        group = "dropped" if dropped else "silent"
        fast, rest = plan(dropped)
        params += [pytest.param(dropped, batch, id=f"{group}-{n}") for n, batch in enumerate(fast)]
        params += [pytest.param(dropped, batch, id=f"{group}-slow-{n}", marks=pytest.mark.slow)
                   for n, batch in enumerate(rest)]
    return params


PLAN: Final = _params()
_RUNS: Final = itertools.count()


@pytest.fixture(scope="module")
def mypy_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("generated-mypy-cache")


def test_the_default_run_covers_every_form_context_and_pair() -> None:
    """The part of the plan `pytest` checks without --slow keeps the plan's coverage."""
    for dropped in (True, False):
        fast = [program for batch in plan(dropped)[0] for program in batch]
        group = [spec for spec in FORMS if spec.dropped == dropped]
        for spec in group:
            assert sum(1 for s, kinds, _ in fast if s is spec and not kinds) == MODULE_LEVEL_FAST
            assert {kinds for s, kinds, _ in fast if s is spec and len(kinds) == 1} == {
                (kind,) for kind in KINDS}
            assert any(len(kinds) == 2 for s, kinds, _ in fast if s is spec), spec.name
        pairs = [kinds for _, kinds, _ in fast if len(kinds) == 2]
        assert sorted(pairs) == sorted(itertools.product(KINDS, KINDS))
        everything = [program for part in plan(dropped) for batch in part for program in batch]
        assert len(everything) == len(group) * (MODULE_LEVEL + len(KINDS) + len(KINDS) ** 2)
        assert len(set(everything)) == len(everything)


@pytest.mark.parametrize(("dropped", "batch"), PLAN)
def test_generated_programs(dropped: bool, batch: list[Planned], mypy_cache: Path) -> None:
    """Dropped forms are reported once at the spawner call; silent forms never; nothing else."""
    programs = [build_program(*planned) for planned in batch]
    # Never reuse a module name: mypy trusts a cached module whose path, size and mtime (in
    # seconds) match, so a same-sized program written in the same second gets stale results.
    run_number = next(_RUNS)
    sources = {f"generated_{run_number}_{i}.py": p[0] for i, p in enumerate(programs)}
    run = run_sources(sources, FLAGS, mypy_cache)
    output = run.stdout + run.stderr
    assert "INTERNAL ERROR" not in output and "Traceback" not in output, output
    problems = []
    for name, (_, expected, description) in zip(sources, programs):
        actual = sorted((m.line, m.column or 0, m.severity, m.text)
                        for m in run.messages if m.file == name)
        if actual != sorted(expected):
            want = [f"  {message}" for message in sorted(expected)] or ["  (nothing)"]
            got = [f"  {message}" for message in actual] or ["  (nothing)"]
            problems.append("\n".join([f"{name}: {description}expected:", *want, "mypy said:",
                                        *got]))
    problems += [f"unexpected output: {line}" for line in run.stdout.splitlines()
                 if line.strip() and not line.startswith(tuple(sources))]
    if problems:
        kept = Path(tempfile.mkdtemp(prefix="dangling-generated-failure-"))
        for name, text in {"mypy.ini": DEFAULT_CONFIG, **sources}.items():
            (kept / name).write_text(text, encoding="utf-8")
        problems.append(f"the whole batch is kept in {kept}; check it again with:\n  cd {kept} && "
                        f"{sys.executable} -m mypy --config-file mypy.ini --show-column-numbers "
                        f"{' '.join(FLAGS)} {' '.join(sources)}")
        pytest.fail("\n\n".join(problems), pytrace=False)
    assert run.status == (1 if dropped else 0), output
