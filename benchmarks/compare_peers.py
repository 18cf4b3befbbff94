"""Compare mypy-dangling-tasks with peer tools on benchmarks/peer_cases.py.

Each peer gets its own virtualenv under benchmarks/.cache/peers/ (git-ignored),
installed from PyPI on first use and reused afterwards:

* ruff           ``ruff check --select RUF006``            (asyncio-dangling-task)
* flake8-async   ``flake8 --select ASYNC300``              (create-task-no-reference)
* mypy           ``mypy --enable-error-code unused-awaitable``, no plugin
* basedpyright   ``reportUnusedCallResult`` set to "error" in a generated
                 pyrightconfig.json passed with ``--project``
* plugin         mypy from this interpreter (``sys.executable -m mypy``) with
                 ``plugins = mypy_dangling_tasks``; nothing is installed for it

Every tool runs with its own configuration isolated from the repository's
(``--isolated``, a temporary mypy config, a temporary pyright project), and
only the named rule counts as a flag.  Anything else a tool reports is shown
as "unrelated diagnostics": peer_cases.py is meant to type-check cleanly, so
those point at a problem in the cases file or in the tool's setup.

The lines of peer_cases.py labelled ``# expect: dropped`` should be flagged;
a flag on a line labelled ``# expect: ok`` is a false positive; a flag on an
unlabelled line is listed as "other".

A peer that cannot be installed or run is reported as ``SKIPPED <tool>:
<reason>`` and its row reads "not run"; the exit status is then 1 (0 when
every requested tool ran).  Progress goes to stderr; the table (or, with
``--json``, a JSON document) goes to stdout.

Usage:
    python benchmarks/compare_peers.py [--only TOOL ...] [--cache DIR] [--json]
                                       [--per-case] [--refresh]
"""

from __future__ import annotations

import argparse
import ast
import dataclasses
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tokenize
from collections.abc import Callable, Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_CASES = HERE / "peer_cases.py"
DEFAULT_CACHE = HERE / ".cache" / "peers"
PYTHON_VERSION = "3.11"
INSTALL_TIMEOUT = 900.0
RUN_TIMEOUT = 600.0
# A label is a whole comment: "# expect: dropped" or "# expect: ok".
LABEL = re.compile(r"#\s*expect:\s*(dropped|ok)\s*")
# mypy's default text output: "path:line: severity: message  [code]"
MYPY_LINE = re.compile(
    r"^(?P<path>.+?):(?P<line>\d+):(?:\d+:)? (?P<severity>error|warning|note): "
    r"(?P<message>.*?)(?:  \[(?P<code>[a-z0-9-]+)\])?$"
)
FLAKE8_FORMAT = "%(path)s:%(row)d:%(col)d: %(code)s %(text)s"
FLAKE8_LINE = re.compile(r"^(?P<path>.+?):(?P<line>\d+):(?P<col>\d+): (?P<code>[A-Z]+\d+) (?P<message>.*)$")


class ToolError(Exception):
    """The tool could not be installed or run; the message says why."""


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------
# The cases file
# ---------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Cases:
    path: Path
    dropped: frozenset[int]
    ok: frozenset[int]
    case_names: dict[int, str]

    def name(self, line: int) -> str:
        return self.case_names.get(line, "<module>")


def read_cases(path: Path) -> Cases:
    source = path.read_text(encoding="utf-8")
    dropped: set[int] = set()
    ok: set[int] = set()
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type != tokenize.COMMENT:
            continue
        match = LABEL.fullmatch(token.string)
        if match is None and re.match(r"#\s*expect\b", token.string):
            raise SystemExit(f"{path}:{token.start[0]}: malformed label {token.string!r}; "
                             "write '# expect: dropped' or '# expect: ok' as the whole comment")
        if match is not None:
            (dropped if match.group(1) == "dropped" else ok).add(token.start[0])
    if not dropped or not ok:
        raise SystemExit(f"{path}: no '# expect: dropped' or no '# expect: ok' labels found")
    every_line = set(range(1, source.count("\n") + 2))
    return Cases(path, frozenset(dropped), frozenset(ok), _enclosing_functions(source, every_line))


def _enclosing_functions(source: str, lines: set[int]) -> dict[int, str]:
    """line -> qualified name of the innermost function containing it."""
    names: dict[int, str] = {}

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                qualname = f"{prefix}{child.name}"
                end = child.end_lineno or child.lineno
                if not isinstance(child, ast.ClassDef):
                    for line in lines:
                        if child.lineno <= line <= end:
                            names[line] = qualname
                visit(child, qualname + ".")
            else:
                visit(child, prefix)

    visit(ast.parse(source), "")
    return names


# ---------------------------------------------------------------------------
# Running things
# ---------------------------------------------------------------------------


def run(command: Sequence[str], *, cwd: Path, timeout: float = RUN_TIMEOUT,
        env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            list(command), check=False, cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env,
            stdin=subprocess.DEVNULL,
        )
    except FileNotFoundError as exc:
        raise ToolError(f"cannot execute {command[0]}: {exc}") from exc
    except subprocess.TimeoutExpired as exc:
        raise ToolError(f"{' '.join(command)} timed out after {timeout:.0f}s") from exc


def tail(text: str, lines: int = 8) -> str:
    kept = [line for line in text.strip().splitlines() if line.strip()][-lines:]
    return " | ".join(kept) if kept else "(no output)"


def check_exit(result: subprocess.CompletedProcess[str], allowed: Sequence[int], what: str) -> None:
    if result.returncode not in allowed:
        raise ToolError(
            f"{what} exited with status {result.returncode}: {tail(result.stderr or result.stdout)}"
        )


def clean_env() -> dict[str, str]:
    """The environment for tools: no inherited virtualenv or Python path settings."""
    env = dict(os.environ)
    for name in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "MYPYPATH", "PYTHONSTARTUP"):
        env.pop(name, None)
    env["NO_COLOR"] = "1"
    return env


@dataclasses.dataclass
class Venv:
    """A virtualenv holding one peer, created and filled on first use."""

    root: Path
    requirements: tuple[str, ...]

    @property
    def bin(self) -> Path:
        return self.root / ("Scripts" if os.name == "nt" else "bin")

    @property
    def python(self) -> Path:
        return self.bin / ("python.exe" if os.name == "nt" else "python")

    def executable(self, name: str) -> Path:
        return self.bin / (name + (".exe" if os.name == "nt" else ""))

    def ensure(self, tool: str, *, refresh: bool) -> None:
        stamp = self.root / ".requirements.json"
        wanted = json.dumps(sorted(self.requirements))
        if (not refresh and self.python.exists() and stamp.exists()
                and stamp.read_text(encoding="utf-8") == wanted):
            progress(f"[{tool}] reusing {self.root}")
            return
        if not self.python.exists():
            progress(f"[{tool}] creating virtualenv {self.root}")
            self.root.parent.mkdir(parents=True, exist_ok=True)
            result = run([sys.executable, "-m", "venv", str(self.root)], cwd=self.root.parent,
                         timeout=INSTALL_TIMEOUT, env=clean_env())
            if result.returncode != 0 or not self.python.exists():
                shutil.rmtree(self.root, ignore_errors=True)
                raise ToolError(f"cannot create a virtualenv: {tail(result.stderr or result.stdout)}")
        stamp.unlink(missing_ok=True)
        progress(f"[{tool}] installing {' '.join(self.requirements)} from PyPI")
        result = run(
            [str(self.python), "-m", "pip", "install", "--disable-pip-version-check",
             "--no-input", "--quiet", "--upgrade", *self.requirements],
            cwd=self.root, timeout=INSTALL_TIMEOUT, env=clean_env(),
        )
        if result.returncode != 0:
            raise ToolError(f"pip install {' '.join(self.requirements)} failed: {tail(result.stderr)}")
        stamp.write_text(wanted, encoding="utf-8")

    def version(self, distribution: str) -> str:
        return distribution_version(self.python, distribution, cwd=self.root)


def distribution_version(python: Path | str, distribution: str, *, cwd: Path) -> str:
    result = run(
        [str(python), "-c",
         "import importlib.metadata, sys; print(importlib.metadata.version(sys.argv[1]))",
         distribution],
        cwd=cwd, env=clean_env(),
    )
    if result.returncode != 0:
        raise ToolError(f"{distribution} is not installed for {python}: {tail(result.stderr)}")
    return result.stdout.strip()


# ---------------------------------------------------------------------------
# The tools
# ---------------------------------------------------------------------------


@dataclasses.dataclass
class Finding:
    line: int
    code: str
    message: str


@dataclasses.dataclass
class Output:
    """What one tool said about the cases file."""

    versions: dict[str, str]
    command: list[str]
    flags: list[Finding]  # the rule under test, in the cases file
    unrelated: list[Finding] = dataclasses.field(default_factory=list)


@dataclasses.dataclass(frozen=True)
class Context:
    cases: Path
    cache: Path
    work: Path  # a scratch directory for this tool, removed afterwards
    refresh: bool


@dataclasses.dataclass(frozen=True)
class Tool:
    name: str
    rule: str
    run: Callable[[Context], Output]


def same_file(reported: str, cases: Path, cwd: Path) -> bool:
    path = Path(reported)
    if not path.is_absolute():
        path = cwd / path
    try:
        return path.resolve() == cases.resolve()
    except OSError:
        return False


def run_ruff(ctx: Context) -> Output:
    venv = Venv(ctx.cache / "ruff", ("ruff",))
    venv.ensure("ruff", refresh=ctx.refresh)
    command = [str(venv.executable("ruff")), "check", "--isolated", "--no-cache",
               "--select", "RUF006", "--target-version", "py" + PYTHON_VERSION.replace(".", ""),
               "--output-format", "json", "--exit-zero", str(ctx.cases)]
    result = run(command, cwd=ctx.work, env=clean_env())
    check_exit(result, (0,), "ruff")
    try:
        items = json.loads(result.stdout or "[]")
    except json.JSONDecodeError as exc:
        raise ToolError(f"ruff printed no JSON ({exc}): {tail(result.stdout)}") from exc
    output = Output({"ruff": venv.version("ruff")}, command, [])
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict):
            continue
        location = item.get("location")
        row = location.get("row") if isinstance(location, dict) else None
        code = str(item.get("code"))
        if not isinstance(row, int):
            continue
        finding = Finding(row, code, str(item.get("message", "")))
        in_cases = same_file(str(item.get("filename", "")), ctx.cases, ctx.work)
        (output.flags if code == "RUF006" and in_cases else output.unrelated).append(finding)
    return output


def run_flake8_async(ctx: Context) -> Output:
    venv = Venv(ctx.cache / "flake8-async", ("flake8", "flake8-async"))
    venv.ensure("flake8-async", refresh=ctx.refresh)
    # flake8 accepts an unknown code in --select without a word: make sure the
    # installed flake8-async really has ASYNC300 (added in 24.5.5).
    script = ("import pathlib, flake8_async; root = pathlib.Path(flake8_async.__file__).parent; "
              "print(any('ASYNC300' in p.read_text(encoding='utf-8') for p in root.rglob('*.py')))")
    probe = run([str(venv.python), "-c", script], cwd=ctx.work, env=clean_env())
    if probe.stdout.strip() != "True":
        raise ToolError(f"the installed flake8-async does not define ASYNC300: {tail(probe.stdout + probe.stderr)}")
    command = [str(venv.python), "-m", "flake8", "--isolated", "--select", "ASYNC300",
               "--format", FLAKE8_FORMAT, "--exit-zero", str(ctx.cases)]
    result = run(command, cwd=ctx.work, env=clean_env())
    check_exit(result, (0,), "flake8")
    versions = {"flake8": venv.version("flake8"), "flake8-async": venv.version("flake8-async")}
    output = Output(versions, command, [])
    for line in result.stdout.splitlines():
        match = FLAKE8_LINE.match(line)
        if match is None:
            if line.strip():
                raise ToolError(f"cannot parse flake8 output line: {line!r}")
            continue
        finding = Finding(int(match["line"]), match["code"], match["message"])
        in_cases = same_file(match["path"], ctx.cases, ctx.work)
        (output.flags if match["code"] == "ASYNC300" and in_cases else output.unrelated).append(finding)
    return output


def mypy_output(command: list[str], ctx: Context, rule: str, versions: dict[str, str]) -> Output:
    result = run(command, cwd=ctx.work, env=clean_env())
    # 0: clean, 1: errors reported, 2: crash or blocking error (bad config, plugin failure).
    check_exit(result, (0, 1), "mypy")
    output = Output(versions, command, [])
    for line in result.stdout.splitlines():
        match = MYPY_LINE.match(line)
        if match is None:
            if line.strip():
                raise ToolError(f"cannot parse mypy output line: {line!r}")
            continue
        if match["severity"] == "note":
            continue
        code = match["code"] or ""
        finding = Finding(int(match["line"]), code, match["message"])
        in_cases = same_file(match["path"], ctx.cases, ctx.work)
        (output.flags if code == rule and in_cases else output.unrelated).append(finding)
    return output


def mypy_command(python: str, ctx: Context, config: str, extra: Sequence[str] = ()) -> list[str]:
    config_file = ctx.work / "mypy.ini"
    config_file.write_text(config, encoding="utf-8")
    # An explicit --config-file keeps mypy from finding the repository's pyproject.toml.
    return [python, "-m", "mypy", "--config-file", str(config_file),
            "--cache-dir", str(ctx.work / "mypy-cache"), "--python-version", PYTHON_VERSION,
            "--no-error-summary", "--show-error-codes", "--no-pretty", "--hide-error-context",
            "--no-color-output", *extra, str(ctx.cases)]


def run_mypy(ctx: Context) -> Output:
    venv = Venv(ctx.cache / "mypy", ("mypy",))
    venv.ensure("mypy", refresh=ctx.refresh)
    command = mypy_command(str(venv.python), ctx, "[mypy]\n",
                           ("--enable-error-code", "unused-awaitable"))
    return mypy_output(command, ctx, "unused-awaitable", {"mypy": venv.version("mypy")})


def run_plugin(ctx: Context) -> Output:
    python = sys.executable
    probe = run([python, "-c", "import mypy_dangling_tasks, mypy.api"], cwd=ctx.work, env=clean_env())
    if probe.returncode != 0:
        raise ToolError(
            f"mypy and mypy_dangling_tasks are not importable from {python} "
            f"(install the repository with `pip install -e .`): {tail(probe.stderr)}"
        )
    versions = {
        "mypy-dangling-tasks": distribution_version(python, "mypy-dangling-tasks", cwd=ctx.work),
        "mypy": distribution_version(python, "mypy", cwd=ctx.work),
    }
    commit = plugin_commit(python, ctx.work)
    if commit:
        versions["commit"] = commit
    command = mypy_command(python, ctx, "[mypy]\nplugins = mypy_dangling_tasks\n")
    return mypy_output(command, ctx, "dangling-task", versions)


def plugin_commit(python: str, cwd: Path) -> str | None:
    """The commit of the checkout the plugin is imported from (read-only git), if any."""
    where = run([python, "-c", "import mypy_dangling_tasks; print(mypy_dangling_tasks.__file__)"],
                cwd=cwd, env=clean_env())
    if where.returncode != 0 or shutil.which("git") is None:
        return None
    head = run(["git", "rev-parse", "--short", "HEAD"], cwd=Path(where.stdout.strip()).parent,
               env=clean_env())
    return head.stdout.strip() if head.returncode == 0 else None


def run_basedpyright(ctx: Context) -> Output:
    venv = Venv(ctx.cache / "basedpyright", ("basedpyright",))
    venv.ensure("basedpyright", refresh=ctx.refresh)
    config = {
        "include": [str(ctx.cases)],
        "pythonVersion": PYTHON_VERSION,
        "pythonPlatform": "Linux",
        "typeCheckingMode": "standard",
        "reportUnusedCallResult": "error",
    }
    (ctx.work / "pyrightconfig.json").write_text(json.dumps(config, indent=2), encoding="utf-8")
    executable = str(venv.executable("basedpyright"))
    command = [executable, "--project", str(ctx.work / "pyrightconfig.json"), "--outputjson",
               str(ctx.cases)]
    env = clean_env()
    result = run(command, cwd=ctx.work, env=env)
    # 0: no errors, 1: errors reported; 2 fatal, 3 config error, 4 bad command line.
    check_exit(result, (0, 1), "basedpyright")
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError as exc:
        raise ToolError(f"basedpyright printed no JSON ({exc}): {tail(result.stdout + result.stderr)}") from exc
    if not isinstance(report, dict):
        raise ToolError("basedpyright's JSON report is not an object")
    summary = report.get("summary")
    if isinstance(summary, dict) and summary.get("filesAnalyzed") == 0:
        raise ToolError("basedpyright analysed no file; the generated project did not include the cases file")
    versions = {"basedpyright": venv.version("basedpyright")}
    based_on = run([executable, "--version"], cwd=ctx.work, env=env)
    match = re.search(r"based on pyright ([\w.]+)", based_on.stdout)
    if match is not None:
        versions["pyright"] = match.group(1)
    output = Output(versions, command, [])
    diagnostics = report.get("generalDiagnostics")
    for item in diagnostics if isinstance(diagnostics, list) else []:
        if not isinstance(item, dict):
            continue
        rule = str(item.get("rule", ""))
        start = item.get("range", {}).get("start", {}) if isinstance(item.get("range"), dict) else {}
        line = start.get("line") if isinstance(start, dict) else None
        if not isinstance(line, int):
            continue
        finding = Finding(line + 1, rule or str(item.get("severity", "")), str(item.get("message", "")))
        in_cases = same_file(str(item.get("file", "")), ctx.cases, ctx.work)
        (output.flags if rule == "reportUnusedCallResult" and in_cases else output.unrelated).append(finding)
    return output


TOOLS: tuple[Tool, ...] = (
    Tool("ruff", "RUF006", run_ruff),
    Tool("flake8-async", "ASYNC300", run_flake8_async),
    Tool("mypy", "unused-awaitable", run_mypy),
    Tool("basedpyright", "reportUnusedCallResult", run_basedpyright),
    Tool("plugin", "dangling-task", run_plugin),
)
TOOL_NAMES = tuple(tool.name for tool in TOOLS)
ROW_NAMES = {"plugin": "mypy-dangling-tasks"}


# ---------------------------------------------------------------------------
# Scoring and reporting
# ---------------------------------------------------------------------------


@dataclasses.dataclass
class Result:
    tool: Tool
    output: Output | None = None
    skipped: str | None = None
    seconds: float = 0.0

    @property
    def flagged(self) -> set[int]:
        return {finding.line for finding in self.output.flags} if self.output else set()

    def score(self, cases: Cases) -> dict[str, list[int]]:
        flagged = self.flagged
        return {
            "caught": sorted(flagged & cases.dropped),
            "missed": sorted(cases.dropped - flagged),
            "false_positives": sorted(flagged & cases.ok),
            "other": sorted(flagged - cases.dropped - cases.ok),
        }

    def version_text(self) -> str:
        if self.output is None:
            return "-"
        return ", ".join(f"{name} {version}" for name, version in self.output.versions.items())


def run_tool(tool: Tool, cases: Cases, cache: Path, refresh: bool) -> Result:
    started = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix=f"compare-peers-{tool.name}-"))
    try:
        progress(f"[{tool.name}] running {tool.rule} over {cases.path.name}")
        output = tool.run(Context(cases.path, cache, work, refresh))
        result = Result(tool, output=output)
        progress(f"[{tool.name}] {len(result.flagged)} flagged lines, "
                 f"{len(output.unrelated)} unrelated diagnostics ({time.monotonic() - started:.1f}s)")
    except ToolError as exc:
        result = Result(tool, skipped=str(exc))
    except Exception as exc:  # noqa: BLE001 - one broken peer must not hide the others
        result = Result(tool, skipped=f"unexpected {type(exc).__name__}: {exc}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    result.seconds = time.monotonic() - started
    return result


def lines_text(lines: Sequence[int], cases: Cases) -> str:
    return ", ".join(f"L{line} {cases.name(line)}" for line in lines) or "none"


def markdown(results: Sequence[Result], cases: Cases, per_case: bool) -> str:
    total = len(cases.dropped)
    out = [
        f"Cases: {cases.path.name}: {total} `dropped` lines, {len(cases.ok)} `ok` lines.",
        "",
        f"| tool | rule | version | caught (of {total}) | missed | false positives | other |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for result in results:
        name = ROW_NAMES.get(result.tool.name, result.tool.name)
        if result.output is None:
            out.append(f"| {name} | {result.tool.rule} | - | not run | not run | not run | not run |")
            continue
        score = result.score(cases)
        out.append(
            f"| {name} | {result.tool.rule} | {result.version_text()} | {len(score['caught'])} "
            f"| {len(score['missed'])} | {len(score['false_positives'])} | {len(score['other'])} |"
        )
    out.append("")
    for result in results:
        name = ROW_NAMES.get(result.tool.name, result.tool.name)
        if result.output is None:
            continue
        score = result.score(cases)
        out.append(f"**{name}** ({result.seconds:.1f}s)")
        out.append(f"- missed: {lines_text(score['missed'], cases)}")
        out.append(f"- false positives: {lines_text(score['false_positives'], cases)}")
        if score["other"]:
            out.append(f"- other (unlabelled lines): {lines_text(score['other'], cases)}")
        if result.output.unrelated:
            shown = "; ".join(f"L{f.line} [{f.code}] {f.message}" for f in result.output.unrelated[:10])
            more = len(result.output.unrelated) - 10
            out.append(f"- unrelated diagnostics ({len(result.output.unrelated)}): {shown}"
                       + (f"; ... {more} more" if more > 0 else ""))
        out.append("")
    if per_case:
        ran = [result for result in results if result.output is not None]
        names = [ROW_NAMES.get(result.tool.name, result.tool.name) for result in ran]
        out.append("| line | case | expect | " + " | ".join(names) + " |")
        out.append("| --- | --- | --- | " + " | ".join("---" for _ in ran) + " |")
        for line in sorted(cases.dropped | cases.ok):
            expect = "dropped" if line in cases.dropped else "ok"
            marks = []
            for result in ran:
                flagged = line in result.flagged
                good = flagged == (expect == "dropped")
                marks.append(("flag" if flagged else "-") + ("" if good else " ✗"))
            out.append(f"| {line} | {cases.name(line)} | {expect} | " + " | ".join(marks) + " |")
        out.append("")
    for result in results:
        if result.skipped is not None:
            out.append(f"SKIPPED {result.tool.name}: {result.skipped}")
    return "\n".join(out).rstrip() + "\n"


def as_json(results: Sequence[Result], cases: Cases) -> str:
    tools: list[dict[str, object]] = []
    for result in results:
        entry: dict[str, object] = {
            "tool": ROW_NAMES.get(result.tool.name, result.tool.name),
            "rule": result.tool.rule,
            "status": "skipped" if result.output is None else "ran",
            "seconds": round(result.seconds, 2),
        }
        if result.output is None:
            entry["reason"] = result.skipped
        else:
            entry["versions"] = result.output.versions
            entry["command"] = result.output.command
            entry.update(result.score(cases))
            entry["flags"] = [dataclasses.asdict(f) for f in result.output.flags]
            entry["unrelated_diagnostics"] = [dataclasses.asdict(f) for f in result.output.unrelated]
        tools.append(entry)
    document = {
        "cases_file": str(cases.path),
        "dropped": sorted(cases.dropped),
        "ok": sorted(cases.ok),
        "case_names": {str(line): cases.name(line) for line in sorted(cases.dropped | cases.ok)},
        "tools": tools,
    }
    return json.dumps(document, indent=2) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE,
                        help=f"where the peers' virtualenvs live (default: {DEFAULT_CACHE})")
    parser.add_argument("--only", nargs="+", choices=TOOL_NAMES, metavar="TOOL",
                        help=f"run only these tools: {', '.join(TOOL_NAMES)}")
    parser.add_argument("--json", action="store_true", help="print a JSON document instead of Markdown")
    parser.add_argument("--per-case", action="store_true",
                        help="also print a line-by-line table of every labelled case")
    parser.add_argument("--refresh", action="store_true",
                        help="reinstall (upgrade) the peers even if their virtualenv exists")
    parser.add_argument("--cases", type=Path, default=DEFAULT_CASES, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    cases = read_cases(args.cases.resolve())
    cache: Path = args.cache.resolve()
    selected = [tool for tool in TOOLS if not args.only or tool.name in args.only]
    results = [run_tool(tool, cases, cache, args.refresh) for tool in selected]
    for result in results:
        if result.skipped is not None:
            progress(f"SKIPPED {result.tool.name}: {result.skipped}")
        elif result.output is not None and not result.output.flags:
            progress(f"WARNING {result.tool.name}: it flagged nothing at all; "
                     f"check that {result.tool.rule} exists in {result.version_text()}")
    sys.stdout.write(as_json(results, cases) if args.json else markdown(results, cases, args.per_case))
    return 1 if any(result.skipped is not None for result in results) else 0


if __name__ == "__main__":
    sys.exit(main())
