"""Hostile input that test-data cases cannot express: generated or version-dependent.

Huge functions and modules, deep nesting, long and/or chains, many modules in
one run, parser errors (worded differently by mypy 1.19's and 2.x's parsers),
undecodable bytes, BOMs, CRLF line ends, a user module named `asyncio`.
Every run must finish without a crash (no "INTERNAL ERROR", no
"Traceback"), and the plugin must report exactly the dropped tasks the
generator put in, on their lines.  Hostile input that fits in a test-data
case is in test-data/check-hostile.test; the two plugin bugs these tests
found (a blocking `.result()` chain taken for a drop; functions defined under
`if TYPE_CHECKING:` checked) are fixed, their reproducers are cases in
test-data/check-silent.test.
"""

from __future__ import annotations

import itertools
import os
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import pytest

from data_format import DEFAULT_CONFIG, Message, run_mypy
from integration_helpers import MYPY_VERSION
from mypy_dangling_tasks import errorcodes

HEADER: Final = [
    "import asyncio",
    "from typing import TypeVar",
    'T = TypeVar("T")',
    "async def work() -> None: ...",
    "def f(x: T) -> T:",
    "    return x",
    "def flag() -> bool:",
    "    return True",
    'BACKGROUND: "set[asyncio.Task[None]]" = set()',
]


@dataclass
class Result:
    status: int
    output: str
    messages: list[Message]

    def findings(self, file: str | None = None) -> list[Message]:
        return [
            m for m in self.messages
            if m.severity == "error" and m.text.endswith("[dangling-task]")
            and (file is None or m.file == file)
        ]

    def lines(self, file: str | None = None) -> list[int]:
        return sorted(m.line for m in self.findings(file))

    def others(self) -> list[Message]:
        """Messages that are neither the plugin's errors nor its notes."""
        return [
            m for m in self.messages
            if not m.text.endswith("[dangling-task]") and m.text != errorcodes.TASK_NOTE
        ]


_FIRST_STAMP: Final = int(time.time())
_STAMPS: Final = itertools.count(1)


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 2**14))
    return tmp_path_factory.mktemp("hostile-mypy-cache")


def check(
    root: Path, files: dict[str, str | bytes], cache: Path, *flags: str, sources: Iterable[str] = ()
) -> Result:
    """Write `files` under `root` and run mypy with the plugin on `sources` (default: all)."""
    (root / "mypy.ini").write_text(DEFAULT_CONFIG, encoding="utf-8")
    for name, content in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")
        # Tests reuse module names (and relative paths) with one shared cache:
        # mypy trusts a cached module whose path, size and mtime (in seconds)
        # match, so every write gets an mtime of its own.
        stamp = _FIRST_STAMP + next(_STAMPS)
        os.utime(target, (stamp, stamp))
    run = run_mypy(
        root,
        ["--config-file", "mypy.ini", "--cache-dir", str(cache), "--show-traceback", *flags,
         *(list(sources) or list(files))],
    )
    output = run.stdout + run.stderr
    assert "INTERNAL ERROR" not in output, output[-5000:]
    assert "Traceback (most recent call last)" not in output, output[-5000:]
    assert run.status in (0, 1, 2), output[-5000:]
    return Result(run.status, output, run.messages)


def module(*body: str, header: Iterable[str] = HEADER) -> str:
    return "\n".join([*header, *body]) + "\n"


def line_of(source: str, needle: str) -> int:
    return source[: source.index(needle)].count("\n") + 1


# -- deep nesting and long chains ---------------------------------------------

CT: Final = "asyncio.create_task(work())"


def _statement(kind: str, depth: int) -> str:
    if kind == "calls around":  # the task is passed to f: kept as far as the plugin knows
        return "f(" * depth + CT + ")" * depth
    if kind == "parens":
        return "(" * depth + CT + ")" * depth
    if kind == "calls inside":
        return "asyncio.create_task(" + "f(" * depth + "work()" + ")" * depth + ")"
    if kind == "conditionals":
        return "".join("(None if flag() else " for _ in range(depth)) + CT + ")" * depth
    if kind == "and chain":
        return " and ".join(["flag()"] * (depth - 1) + [CT])
    if kind == "or chain, task in the middle":
        operands = ["flag()"] * depth
        operands[depth // 2] = CT
        return " or ".join(operands)
    if kind == "mixed chain":
        operands = [f"(flag() {'and' if i % 2 else 'or'} flag())" for i in range(depth)]
        operands[-1] = CT
        return " and ".join(operands)
    raise AssertionError(kind)


# Depths stay inside what both parsers accept: CPython's 200 nested brackets
# (1.19) and the native parser's nesting limit (2.x: about 100 conditionals).
# Plain mypy before 1.18 (checked: 1.10.1 and 1.15.0 take minutes on 20 nested
# calls of a generic function, with or without the plugin; 1.18.2 does not).
_SLOW_GENERIC_NESTING = pytest.mark.skipif(
    MYPY_VERSION < (1, 18),
    reason="mypy before 1.18 is exponential on nested generic calls, plugin or not",
)
NESTING: Final = [
    pytest.param("calls around", 195, 0, marks=_SLOW_GENERIC_NESTING),
    ("parens", 195, 1),
    pytest.param("calls inside", 195, 1, marks=_SLOW_GENERIC_NESTING),
    ("conditionals", 90, 1),
    ("and chain", 500, 1),
    ("or chain, task in the middle", 3000, 1),
    ("mixed chain", 500, 1),
]


@pytest.mark.parametrize(("kind", "depth", "expected"), NESTING, ids=[getattr(n, "values", n)[0] for n in NESTING])
def test_deeply_nested_expression_statement(
    kind: str, depth: int, expected: int, tmp_path: Path, cache: Path
) -> None:
    source = module("async def main() -> None:", "    " + _statement(kind, depth))
    result = check(tmp_path, {"deep.py": source}, cache)
    assert result.others() == [], result.output[-3000:]
    assert result.lines() == [len(HEADER) + 2] * expected, result.output[-3000:]


def test_every_operand_of_a_long_chain_is_a_dropped_task(tmp_path: Path, cache: Path) -> None:
    # mypy keeps one message per line and text: one finding for the whole line.
    chain = " and ".join([CT] * 500)
    split = " or \\\n        ".join([CT] * 300)
    source = module("async def main() -> None:", "    " + chain, "    " + split)
    result = check(tmp_path, {"chains.py": source}, cache)
    assert result.others() == [], result.output[-3000:]
    first = len(HEADER) + 2
    assert result.lines() == [first] + list(range(first + 1, first + 301)), result.output[-3000:]


@pytest.mark.parametrize("depth", [250, 1000])
def test_nesting_beyond_the_parser_limit_is_a_syntax_error(
    depth: int, tmp_path: Path, cache: Path
) -> None:
    source = module("async def main() -> None:", "    " + _statement("parens", depth))
    result = check(tmp_path, {"too_deep.py": source}, cache)
    assert result.status == 2, result.output[-3000:]
    assert result.findings() == []
    assert any(m.text.endswith("[syntax]") for m in result.messages), result.output[-3000:]


@pytest.mark.parametrize("kind", ["if", "def", "mixed"])
def test_deeply_nested_blocks(kind: str, tmp_path: Path, cache: Path) -> None:
    # CPython's tokenizer allows 100 indentation levels.  Mixed blocks stay
    # shallower: mypy itself checks each `finally` body twice, so nested
    # try/finally costs it 2**n (80 mixed levels: 35 s, with or without the plugin).
    depth = 48 if kind == "mixed" else 90
    lines = ["async def main() -> None:"]
    closers: list[str] = []
    for level in range(1, depth + 1):
        pad = "    " * level
        if kind == "if" or (kind == "mixed" and level % 4 == 0):
            lines.append(pad + "if flag():")
        elif kind == "def" or level % 4 == 1:
            lines.append(pad + f"async def inner_{level}() -> None:")
        elif level % 4 == 2:
            lines.append(pad + f"for i_{level} in range(2):")
        else:
            lines.append(pad + "try:")
            closers.append(pad + "finally:\n" + pad + "    pass")
    lines.append("    " * (depth + 1) + CT)
    lines.extend(reversed(closers))
    source = module(*lines)
    result = check(tmp_path, {"blocks.py": source}, cache)
    assert result.others() == [], result.output[-3000:]
    assert result.lines() == [line_of(source, CT)]


# -- size ---------------------------------------------------------------------


def _huge_body(count: int, pad: str) -> tuple[list[str], list[int]]:
    """`count` groups of: a dropped task, an unused local, a kept local, a lambda registrar."""
    lines: list[str] = []
    dropped: list[int] = []
    first = len(HEADER) + 2
    for i in range(count):
        lines.append(f"{pad}{CT}")
        dropped.append(first + len(lines) - 1)
        lines.append(f"{pad}unread_{i} = {CT}")
        dropped.append(first + len(lines) - 1)
        lines.append(f"{pad}kept_{i} = {CT}")
        lines.append(f"{pad}BACKGROUND.add(kept_{i})")
        lines.append(f"{pad}loop.call_soon(lambda: {CT})")
        dropped.append(first + len(lines) - 1)
        lines.append(f"{pad}BACKGROUND.add({CT})")
    return lines, dropped


def test_huge_function(tmp_path: Path, cache: Path) -> None:
    count = 700  # 4,200 statements, 2,100 dropped tasks in one function
    body, dropped = _huge_body(count, "    ")
    source = module("async def main(loop: asyncio.AbstractEventLoop) -> None:", *body)
    start = time.monotonic()
    result = check(tmp_path, {"huge.py": source}, cache)
    seconds = time.monotonic() - start
    assert result.others() == [], result.output[-3000:]
    assert result.lines() == dropped
    assert seconds < 60, f"mypy took {seconds:.1f} s on one huge function"


def test_huge_module_level_block(tmp_path: Path, cache: Path) -> None:
    lines: list[str] = ["loop = asyncio.new_event_loop()"]
    dropped: list[int] = []
    for i in range(1500):
        lines.append(CT)
        dropped.append(len(HEADER) + len(lines))
        lines.append(f"kept_{i} = {CT}")  # module level: a global, kept
        lines.append(f"_ = {CT}")
        dropped.append(len(HEADER) + len(lines))
    source = module(*lines)
    result = check(tmp_path, {"huge_module.py": source}, cache)
    assert result.others() == [], result.output[-3000:]
    assert result.lines() == dropped


def test_many_modules_in_one_run(tmp_path: Path, cache: Path) -> None:
    """State kept between modules (indexes, held lambdas) must never leak across files."""
    files: dict[str, str | bytes] = {}
    expected: dict[str, list[int]] = {}
    for n in range(120):
        padding = [f"# padding {i}" for i in range(n % 7)]
        body = [
            *padding,
            "async def main(loop: asyncio.AbstractEventLoop) -> None:",
            f"    loop.call_soon(lambda: {CT})" if n % 3 == 0 else f"    kept = {CT}",
            "    BACKGROUND.add(kept)" if n % 3 != 0 else "    pass",
            f"    unread_{n} = {CT}" if n % 2 else f"    await {CT}",
            f"    [{CT} for i in range({n})]" if n % 5 == 0 else "    pass",
        ]
        source = module(*body)
        name = f"mod_{n}.py"
        files[name] = source
        lines = [i for i, text in enumerate(source.splitlines(), 1)
                 if CT in text and "kept =" not in text and "await" not in text]
        expected[name] = lines
    result = check(tmp_path, files, cache)
    assert result.others() == [], result.output[-3000:]
    for name, lines in expected.items():
        assert result.lines(name) == lines, (name, result.lines(name), lines)


# -- parser errors and encodings ----------------------------------------------

BROKEN: Final = {
    "unclosed bracket": ("async def main() -> None:", f"    {CT}", "    x = (1,"),
    "bad token": ("async def main() -> None:", f"    {CT}", "    x = $"),
    "bad signature": ("async def main( -> None:", f"    {CT}"),
    "unexpected indent": (f"{CT}", f"    {CT}"),
    "python 2 print": ("async def main() -> None:", f"    {CT}", '    print "x"'),
    "lone except": ("async def main() -> None:", f"    {CT}", "except ValueError:", "    pass"),
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_syntax_error_is_mypys_own_and_blocking(name: str, tmp_path: Path, cache: Path) -> None:
    result = check(tmp_path, {"broken.py": module(*BROKEN[name])}, cache)
    assert result.status == 2, result.output
    assert result.findings() == [], result.output
    syntax = [m for m in result.messages if m.text.endswith("[syntax]")]
    assert syntax and all(m.file == "broken.py" for m in syntax), result.output


def test_syntax_error_in_an_imported_module(tmp_path: Path, cache: Path) -> None:
    files: dict[str, str | bytes] = {
        "main.py": module("import helper", "async def main() -> None:", f"    {CT}"),
        "helper.py": "def oops(:\n    pass\n",
    }
    result = check(tmp_path, files, cache, sources=["main.py"])
    assert result.status == 2, result.output
    assert result.findings() == []
    assert any(m.file == "helper.py" and m.text.endswith("[syntax]") for m in result.messages)


def _encoded(*body: str, prefix: bytes = b"", encoding: str = "utf-8") -> bytes:
    return prefix + module(*body).encode(encoding)


def test_latin1_source_with_a_non_utf8_byte(tmp_path: Path, cache: Path) -> None:
    source = _encoded(
        "async def main() -> None:",
        '    s = "caf\xe9"; ' + CT,  # the 0xE9 byte is not UTF-8
        "    print(s)",
        f"    {CT}",
        prefix=b"# -*- coding: latin-1 -*-\n",
        encoding="latin-1",
    )
    assert b"caf\xe9" in source
    result = check(tmp_path, {"latin1.py": source}, cache)
    assert result.others() == [], result.output
    first = len(HEADER) + 3
    # Lines only: the two mypy versions count columns after a non-ASCII
    # character differently (characters vs. UTF-8 bytes).
    assert result.lines() == [first, first + 2], result.output


def test_undecodable_source_is_mypys_error(tmp_path: Path, cache: Path) -> None:
    source = _encoded("async def main() -> None:", '    s = "caf\xe9"', f"    {CT}",
                      encoding="latin-1")  # no coding cookie: invalid UTF-8
    result = check(tmp_path, {"bad_bytes.py": source}, cache)
    assert result.status == 2, result.output
    assert result.findings() == []
    assert "decode" in result.output, result.output


@pytest.mark.parametrize(
    "name,content",
    [
        ("bom", _encoded("async def main() -> None:", f"    {CT}", prefix=b"\xef\xbb\xbf")),
        ("crlf", module("async def main() -> None:", f"    {CT}").replace("\n", "\r\n").encode()),
        ("form feed", _encoded("\x0c", "async def main() -> None:", "\x0c", f"    {CT}")),
        ("tabs", _encoded("async def main() -> None:", f"\t{CT}", f"\tif flag():\n\t\t{CT}")),
    ],
)
def test_unusual_but_valid_bytes(name: str, content: bytes, tmp_path: Path, cache: Path) -> None:
    result = check(tmp_path, {"odd.py": content}, cache)
    assert result.others() == [], result.output
    text = content.decode("utf-8-sig").replace("\r\n", "\n")
    expected = [i for i, line in enumerate(text.split("\n"), 1) if CT in line]
    assert result.lines() == expected, result.output


@pytest.mark.parametrize(
    "name,content",
    [
        ("null byte", b"import asyncio\x00\nasync def work() -> None: ...\n"),
        ("utf-16 cookie", b"# coding: utf-16\nimport asyncio\n"),
        ("unknown codec", b"# coding: no-such-codec\nimport asyncio\n"),
        ("empty", b""),
        ("only a BOM", b"\xef\xbb\xbf"),
    ],
)
def test_garbage_bytes_do_not_crash(name: str, content: bytes, tmp_path: Path, cache: Path) -> None:
    result = check(tmp_path, {"garbage.py": content}, cache)
    assert result.findings() == []


def test_user_module_named_asyncio_shadows_the_spawners(tmp_path: Path, cache: Path) -> None:
    files: dict[str, str | bytes] = {
        "asyncio.py": "def create_task(x: object) -> None: ...\n"
                      "def ensure_future(x: object) -> None: ...\n",
        "main.py": "import asyncio\n"
                   "async def work() -> None: ...\n"
                   "asyncio.create_task(work())\n"
                   "_ = asyncio.ensure_future(work())\n",
    }
    result = check(tmp_path, files, cache)
    assert result.findings() == [], result.output
