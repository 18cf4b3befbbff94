"""Cases in mypy's test-data format, run against real typeshed via mypy.api.

    [case testName]
    # flags: --strict
    import asyncio
    asyncio.create_task(f())  # E: message  [dangling-task] \
                              # N: note
    [file other.py]
    ...
    [out]
    other.py:3: error: ...

Inline expectations (`# E:`, `# N:`, `# W:`, optionally `# E:12:` with a
column) belong to the line they stand on; a comment that ends in a backslash
continues on the following comment-only lines.  `[out]` lists expectations
for any file, `main` meaning the case's own code.  Cases with the same flags
and no extra files run together in one mypy call.
"""

from __future__ import annotations

import ast
import os
import re
import shlex
import sys
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from mypy import api

MAIN = "main"
DEFAULT_CONFIG = "[mypy]\nplugins = mypy_dangling_tasks\n"
_EXPECTATION = re.compile(r"^([ENW]):((?P<col>\d+):)? (?P<message>.*)$")
_SEVERITY = {"E": "error", "N": "note", "W": "warning"}
_LETTER = {severity: letter for letter, severity in _SEVERITY.items()}
_HEADER = re.compile(r"^\[(case|file|out)\s*([^\]]*)\]\s*$")
_OUTPUT = re.compile(
    r"^(?P<file>[^:]+):(?P<line>\d+):((?P<col>\d+):)? (?P<severity>error|note|warning): "
    r"(?P<message>.*)$"
)


@dataclass(frozen=True)
class Message:
    file: str
    line: int
    column: int | None
    severity: str
    text: str

    def key(self) -> tuple[str, int, int, str, str]:
        column = -1 if self.column is None else self.column
        return (self.file, self.line, column, self.severity, self.text)

    def render(self) -> str:
        col = "" if self.column is None else f"{self.column}:"
        return f"{self.file}:{self.line}:{col} {self.severity}: {self.text}"

    def without_column(self) -> Message:
        return Message(self.file, self.line, None, self.severity, self.text)


@dataclass
class Case:
    name: str
    source: Path
    line: int
    main: str
    files: dict[str, str] = field(default_factory=dict)
    out: list[str] | None = None

    @property
    def flags(self) -> list[str]:
        first = self.main.splitlines()[0] if self.main else ""
        if first.startswith("# flags:"):
            return shlex.split(first[len("# flags:") :])
        return []

    def unparsable_here(self) -> str | None:
        """Why this interpreter cannot parse the case's Python (newer syntax), if so.

        mypy parses with the running interpreter, so `match` or `except*`
        cannot be checked on Python 3.9 whatever the target version.
        """
        sources = {MAIN: self.main, **{n: t for n, t in self.files.items() if n.endswith(".py")}}
        for name, text in sources.items():
            try:
                ast.parse(text)
            except SyntaxError as error:
                return f"{name}:{error.lineno}: Python {sys.version.split()[0]} cannot parse it"
        return None

    @property
    def batchable(self) -> bool:
        return not self.files and self.out is None

    def expected(self, main_name: str = MAIN) -> list[Message]:
        found = list(_inline_expectations(self.main, main_name))
        for name, text in self.files.items():
            found.extend(_inline_expectations(text, name))
        for line in self.out or ():
            parsed = _parse_output_line(line)
            if parsed is not None:
                file = main_name if parsed.file == MAIN else parsed.file
                found.append(Message(file, parsed.line, parsed.column, parsed.severity, parsed.text))
        return sorted(found, key=Message.key)


def parse_file(path: Path) -> list[Case]:
    cases: list[Case] = []
    current: Case | None = None
    section = "main"
    file_name = ""
    buffer: list[str] = []

    def flush() -> None:
        if current is None:
            return
        text = "\n".join(buffer).rstrip("\n") + "\n"
        if section == "main":
            current.main = text
        elif section == "file":
            current.files[file_name] = text
        elif section == "out":
            current.out = [line for line in buffer if line.strip()]

    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.startswith("--"):
            continue  # a comment line, as in mypy's own test-data files
        header = _HEADER.match(line)
        if header is None:
            buffer.append(line)
            continue
        flush()
        buffer = []
        kind, argument = header.group(1), header.group(2).strip()
        if kind == "case":
            current = Case(argument, path, number, "")
            cases.append(current)
            section = "main"
        elif current is None:
            raise ValueError(f"{path}:{number}: [{kind}] before any [case]")
        else:
            section, file_name = kind, argument
    flush()
    return cases


def _inline_expectations(text: str, file: str) -> Iterator[Message]:
    lines = text.splitlines()
    owner = 0  # the line a backslash-continued comment belongs to
    continuing = False
    for index, line in enumerate(lines):
        number = index + 1
        if not (continuing and line.lstrip().startswith("#")):
            owner = number
        body = line.rstrip()
        continuing = body.endswith("\\")
        if continuing:
            body = body[:-1]
        for chunk in (" " + body).split(" # ")[1:]:
            match = _EXPECTATION.match(chunk.strip())
            if match is None:
                continue
            col = match.group("col")
            yield Message(
                file,
                owner,
                int(col) if col else None,
                _SEVERITY[match.group(1)],
                match.group("message").replace("\\#", "#").rstrip(),
            )


def _parse_output_line(line: str) -> Message | None:
    match = _OUTPUT.match(line.strip())
    if match is None:
        return None
    col = match.group("col")
    return Message(
        match.group("file"),
        int(match.group("line")),
        int(col) if col else None,
        match.group("severity"),
        match.group("message").rstrip(),
    )


@dataclass
class Run:
    stdout: str
    stderr: str
    status: int
    messages: list[Message]


@contextmanager
def cwd(path: Path) -> Iterator[None]:
    old = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(old)


#: The Python version the cases are written for, whatever Python runs mypy
#: (as mypy's own test-data pins one): typeshed then shows the same asyncio
#: (TaskGroup, asyncio.timeout) on 3.9 as on 3.13.
TARGET_PYTHON: Final = "3.11"


def run_mypy(workdir: Path, args: list[str]) -> Run:
    """mypy in-process in `workdir`, with column numbers, no pretty output."""
    target = [] if "--python-version" in args else ["--python-version", TARGET_PYTHON]
    with cwd(workdir):
        stdout, stderr, status = api.run(
            ["--show-column-numbers", "--no-error-summary", "--no-pretty", "--hide-error-context",
             "--no-color-output", *target, *args]
        )
    messages = [m for m in map(_parse_output_line, stdout.splitlines()) if m is not None]
    return Run(stdout, stderr, status, messages)


def module_name(case: Case) -> str:
    return "case_" + re.sub(r"\W", "_", case.name)


#: The plugin without its scan of unannotated functions (plugin/unchecked.py).
WITHOUT_SCAN: Final = "\n[mypy_dangling_tasks]\ncheck_unannotated = false\n"


def run_sources(
    sources: dict[str, str], flags: list[str], cache_dir: Path, config: str = DEFAULT_CONFIG
) -> Run:
    """Modules (file name -> text) checked together in one mypy call, plugin enabled."""
    with tempfile.TemporaryDirectory(prefix="dangling-batch-") as tmp:
        root = Path(tmp)
        (root / "mypy.ini").write_text(config, encoding="utf-8")
        for name, text in sources.items():
            (root / name).write_text(text, encoding="utf-8")
        return run_mypy(
            root, ["--config-file", "mypy.ini", "--cache-dir", str(cache_dir), *flags, *sources]
        )


def run_batch(
    cases: Iterable[Case], flags: list[str], cache_dir: Path, config: str = DEFAULT_CONFIG
) -> dict[str, Run]:
    """Run cases without extra files in one mypy call; results per case name."""
    files = {f"{module_name(case)}.py": case for case in cases}
    run = run_sources({name: case.main for name, case in files.items()}, flags, cache_dir, config)
    return {
        case.name: Run(
            run.stdout,
            run.stderr,
            run.status,
            [Message(MAIN, m.line, m.column, m.severity, m.text) for m in run.messages if m.file == name],
        )
        for name, case in files.items()
    }


def run_single(case: Case, cache_dir: Path) -> Run:
    """A case with its own files (config files included) in a directory of its own."""
    with tempfile.TemporaryDirectory(prefix="dangling-case-") as tmp:
        root = Path(tmp)
        (root / "main.py").write_text(case.main, encoding="utf-8")
        for name, text in case.files.items():
            target = root / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        config = next(
            (name for name in ("mypy.ini", "setup.cfg", "pyproject.toml") if name in case.files),
            None,
        )
        if config is None:
            (root / "mypy.ini").write_text(DEFAULT_CONFIG, encoding="utf-8")
            config = "mypy.ini"
        sources = ["main.py"] + [
            name for name in case.files if name.endswith((".py", ".pyi")) and "/" not in name
        ]
        run = run_mypy(
            root, ["--config-file", config, "--cache-dir", str(cache_dir), *case.flags, *sources]
        )
    messages = [
        Message(MAIN if m.file == "main.py" else m.file, m.line, m.column, m.severity, m.text)
        for m in run.messages
    ]
    return Run(run.stdout, run.stderr, run.status, messages)


def compare(case: Case, run: Run) -> str | None:
    """None if the run matches the case; else a side-by-side report."""
    expected = case.expected()
    actual = sorted(run.messages, key=Message.key)
    # An expectation without a column matches an actual message on any column.
    comparable = sorted(
        (m if e_has_col else m.without_column() for m, e_has_col in _pair_columns(actual, expected)),
        key=Message.key,
    )
    if comparable == expected and "Traceback" not in run.stdout + run.stderr:
        return None
    width = max([len(m.render()) for m in expected] + [30])
    lines = [f"{case.source.name}:{case.line}: [case {case.name}] does not match",
             f"{'expected':<{width}} | actual"]
    exp_lines = [m.render() for m in expected]
    act_lines = [m.render() for m in comparable]
    for index in range(max(len(exp_lines), len(act_lines))):
        left = exp_lines[index] if index < len(exp_lines) else ""
        right = act_lines[index] if index < len(act_lines) else ""
        marker = " " if left == right else "!"
        lines.append(f"{left:<{width}} {marker} {right}")
    if run.stderr.strip():
        lines.append("stderr:\n" + run.stderr)
    return "\n".join(lines)


def _pair_columns(actual: list[Message], expected: list[Message]) -> Iterator[tuple[Message, bool]]:
    with_column = {(m.file, m.line, m.severity, m.text) for m in expected if m.column is not None}
    for message in actual:
        yield message, (message.file, message.line, message.severity, message.text) in with_column


# -- regenerating expectations (pytest --update-data) ------------------------


def update_file(path: Path, runs: dict[str, Run]) -> list[str]:
    """Rewrite the expectations of the cases in `runs` to what mypy reported.

    Inline expectations are replaced line by line, keeping a line's column
    style (with or without `col:`); in a case with an `[out]` section, only
    lines that had inline expectations keep them and `[out]` lists the rest.  Returns the names of cases that could not be
    rewritten (a message on a line the case does not have).
    """
    lines = path.read_text(encoding="utf-8").splitlines()
    sections = _sections(lines)
    skipped: list[str] = []
    # Rewrite bottom-up so that earlier line indexes stay valid.
    for case_name, section_list in reversed(list(_by_case(sections))):
        run = runs.get(case_name)
        if run is None:
            continue
        new = _rewrite_case(lines, section_list, run.messages)
        if new is None:
            skipped.append(case_name)
            continue
        start, end, replacement = new
        lines[start:end] = replacement
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return skipped


@dataclass
class _Section:
    case: str
    kind: str  # "main", "file" or "out"
    name: str  # the file's name; MAIN for the case's own code
    header: int  # index of the header line (-1: none)
    body: list[int]  # indexes of the section's lines, `--` comments left out


def _sections(lines: list[str]) -> list[_Section]:
    found: list[_Section] = []
    for index, line in enumerate(lines):
        header = _HEADER.match(line)
        if header is not None:
            kind, argument = header.group(1), header.group(2).strip()
            if kind == "case":
                found.append(_Section(argument, "main", MAIN, index, []))
            elif found:
                found.append(_Section(found[-1].case, kind, argument or MAIN, index, []))
        elif found and not line.startswith("--"):
            found[-1].body.append(index)
    return found


def _by_case(sections: list[_Section]) -> Iterator[tuple[str, list[_Section]]]:
    for case in dict.fromkeys(section.case for section in sections):
        yield case, [section for section in sections if section.case == case]


def _rewrite_case(
    lines: list[str], sections: list[_Section], messages: list[Message]
) -> tuple[int, int, list[str]] | None:
    start = sections[0].header
    end = (sections[-1].body[-1] + 1) if sections[-1].body else sections[-1].header + 1
    out = next((section for section in sections if section.kind == "out"), None)
    code_sections = {s.name: s for s in sections if s.kind in ("main", "file")}
    new_lines = {index: lines[index] for section in sections for index in section.body}
    dropped: set[int] = set()
    styles: dict[tuple[str, int], bool] = {}
    for section in code_sections.values():
        styles.update(_strip_expectations(section, new_lines, dropped))
    # With an [out] section, only lines that had inline expectations keep them.
    inline = [m for m in messages if out is None or (m.file, m.line) in styles]
    listed = [m for m in messages if m not in inline]
    if any(m.file not in code_sections for m in inline):
        return None
    for (file, line), group in _group_by_line(inline).items():
        section = code_sections[file]
        if line > len(section.body) or section.body[line - 1] in dropped:
            return None
        index = section.body[line - 1]
        with_column = styles.get((file, line), True)
        new_lines[index] = _with_expectations(new_lines[index], group, with_column)
    result: list[str] = []
    for index in range(start, end):
        if out is not None and index in out.body:
            continue
        if index in dropped:
            continue
        result.append(new_lines.get(index, lines[index]))
        if out is not None and index == out.header:
            result.extend(m.render() for m in sorted(listed, key=Message.key))
            result.append("")
    while len(result) > 1 and result[-1] == "":
        result.pop()
    return start, end, result + ([""] if end < len(lines) else [])


def _strip_expectations(
    section: _Section, new_lines: dict[int, str], dropped: set[int]
) -> dict[tuple[str, int], bool]:
    """Remove inline expectations; return each line's column style."""
    styles: dict[tuple[str, int], bool] = {}
    continuing = False
    owner = 0
    for number, index in enumerate(section.body, start=1):
        line = new_lines[index]
        if continuing and line.lstrip().startswith("#"):
            dropped.add(index)
            continuing = line.rstrip().endswith("\\")
            match = _EXPECTATION.match(line.strip().lstrip("#").strip().rstrip("\\").strip())
            if match is not None:
                styles[(section.name, owner)] = match.group("col") is not None
            continue
        owner = number
        code, expectations = _split_expectations(line)
        continuing = line.rstrip().endswith("\\") and bool(expectations)
        if expectations:
            styles[(section.name, number)] = any(m.group("col") for m in expectations)
            new_lines[index] = code
    return styles


def _split_expectations(line: str) -> tuple[str, list[re.Match[str]]]:
    body = line.rstrip()
    if body.endswith("\\"):
        body = body[:-1]
    chunks = (" " + body).split(" # ")
    for position in range(1, len(chunks)):
        matches = [_EXPECTATION.match(chunk.strip()) for chunk in chunks[position:]]
        if all(match is not None for match in matches):
            code = " # ".join(chunks[:position])[1:].rstrip()
            return code, [match for match in matches if match is not None]
    return line, []


def _group_by_line(messages: list[Message]) -> dict[tuple[str, int], list[Message]]:
    groups: dict[tuple[str, int], list[Message]] = {}
    for message in messages:
        groups.setdefault((message.file, message.line), []).append(message)
    return groups


def _with_expectations(code: str, messages: list[Message], with_column: bool) -> str:
    """`code  # E: ... \\` with the later messages on aligned comment lines."""
    rendered = []
    for message in messages:
        column = f"{message.column}:" if with_column and message.column is not None else ""
        text = message.text.replace("#", "\\#")
        rendered.append(f"# {_LETTER[message.severity]}:{column} {text}")
    head = f"{code}  " if code.strip() else code
    indent = " " * len(head)
    joined = [head + rendered[0]] + [indent + item for item in rendered[1:]]
    return " \\\n".join(joined)
