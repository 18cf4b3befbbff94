"""End to end in an editor: language servers driven over JSON-RPC on stdio.

python-lsp-server + pylsp-mypy always (the test extra installs them); the VS Code
Mypy extension's own server (microsoft/vscode-mypy, bundled/tool/lsp_server.py)
when VSCODE_MYPY_TOOL points at it, since it is not published on PyPI (so CI,
which has no checkout of it, never runs those tests; they say so when skipped): below the
floor it shows the refusal, and with the mypy the extension bundles (1.15.0, put
in a bundled/libs beside a copy of the server, as the extension ships it) it
shows the plugin's findings.  Its own dependencies: pip install pygls==2.0.1
lsprotocol==2025.0.0 vscode-common-python-lsp==0.5.1 packaging.

What the VS Code server does with mypy's output (checked against its source,
commit 2b50cbf of 2026-06-29, which bundles mypy 1.15.0):
- it runs `<interpreter> -m mypy` (or `-m mypy.dmypy ... run --` with
  `preferDaemon`) with `--show-absolute-path --show-column-numbers
  --show-error-end --no-error-summary --no-pretty` on the one open file;
- it parses stdout and stderr together with `file:line[:col][:end]: type: message
  [code]` and publishes only the diagnostics whose file is the open one; any
  other line goes to its output log only (a line with `mypy: error:` as an
  Error-level log entry, shown as a notification only when the user has set
  `showNotifications`).

What pylsp-mypy does with our output (checked against its source, 0.8.2):
- anything mypy writes to stderr becomes one diagnostic on the first line,
  with the whole text as its message;
- it finds the project's mypy config itself, walking up from the workspace root
  (mypy.ini, .mypy.ini, pyproject.toml with [tool.mypy], setup.cfg with [mypy]),
  and passes it as `--config-file`, so the root must be the tmp project;
- it runs mypy with `--show-error-end --no-error-summary --no-pretty` (plus
  `--incremental --follow-imports silent` when not using dmypy), on the saved
  file: with live_mode off, didOpen and didSave run mypy, didChange only
  republishes the last diagnostics;
- it parses `file:line:col:end_line:end_col: severity: message  [code]` into a
  diagnostic with `source == "mypy"`, 0-based `range` (the end character is
  mypy's 1-based inclusive end column, i.e. 0-based exclusive), `severity` 1
  for errors and 3 for notes, the message without the code, and the error code
  in `code` (notes carry none);
- it runs the first `mypy` on PATH, falling back to mypy's API in-process.  The
  test puts a `mypy` shim for this interpreter first on PATH, so the mypy that
  runs is the one the plugin is installed for.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import importlib.util
import json
import os
import queue
import re
import shlex
import shutil
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any, Final

import pytest

from mypy_dangling_tasks import SUPPORTED, SUPPORTED_TEXT

from integration_helpers import (
    DANGLING_APP,
    DANGLING_CALL,
    KEPT_APP,
    MESSAGE_START,
    NOTE_START,
    clean_env,
    describe,
    run_command,
    mypy_ini,
    position_of,
    write_source,
)

_MISSING_PYLSP: Final = [
    requirement
    for module, requirement in (("pylsp", "python-lsp-server"), ("pylsp_mypy", "pylsp-mypy"))
    if importlib.util.find_spec(module) is None
]
needs_pylsp: Final = pytest.mark.skipif(
    bool(_MISSING_PYLSP),
    reason=f"not installed: {', '.join(_MISSING_PYLSP)}; "
    "pip install 'python-lsp-server>=1.13.1' 'pylsp-mypy>=0.8.2' (the test extra has them)",
)

# The language servers' round trips are a slow suite (pytest --slow); the
# refusal's output line, which every editor parses, is checked in every run.
editor_server: Final = pytest.mark.slow

TIMEOUT: Final = 120.0  # seconds for the whole conversation
SETTINGS: Final = {
    "pylsp": {
        "plugins": {
            "pylsp_mypy": {
                "enabled": True,
                "live_mode": False,
                "dmypy": False,
                "report_progress": False,
            },
            # Only mypy's diagnostics, and no time spent on other linters.
            "pycodestyle": {"enabled": False},
            "pyflakes": {"enabled": False},
            "mccabe": {"enabled": False},
        }
    }
}
PUBLISH: Final = "textDocument/publishDiagnostics"

Message = dict[str, Any]


class LspClient:
    """A minimal LSP client: Content-Length framing, requests, notifications."""

    def __init__(self, process: subprocess.Popen[bytes], stderr_path: Path) -> None:
        self.process = process
        self.stderr_path = stderr_path
        self.deadline = time.monotonic() + TIMEOUT
        self._incoming: queue.Queue[Message | None] = queue.Queue()
        self._next_id = 0
        self.seen: list[Message] = []
        assert process.stdout is not None and process.stdin is not None
        self._stdin: IO[bytes] = process.stdin
        self._reader = threading.Thread(target=self._read, args=(process.stdout,), daemon=True)
        self._reader.start()

    def _read(self, stream: IO[bytes]) -> None:
        try:
            while True:
                headers: dict[str, str] = {}
                while True:
                    raw = stream.readline()
                    if not raw:
                        return
                    text = raw.decode("ascii").strip()
                    if not text:
                        break
                    name, _, value = text.partition(":")
                    headers[name.strip().lower()] = value.strip()
                length = int(headers["content-length"])
                body = stream.read(length)
                if len(body) < length:
                    return
                self._incoming.put(json.loads(body))
        except (OSError, ValueError, KeyError):
            return
        finally:
            self._incoming.put(None)

    def _send(self, message: Message) -> None:
        body = json.dumps(message).encode("utf-8")
        self._stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self._stdin.flush()

    def notify(self, method: str, params: object) -> None:
        self._send({"jsonrpc": "2.0", "method": method, "params": params})

    def request(self, method: str, params: object) -> Any:
        self._next_id += 1
        request_id = self._next_id
        self._send({"jsonrpc": "2.0", "id": request_id, "method": method, "params": params})
        reply = self.wait_for(
            lambda m: m.get("id") == request_id and "method" not in m, f"reply to {method}"
        )
        assert "error" not in reply, self.explain(f"{method} failed: {reply['error']}")
        return reply.get("result")

    def wait_for(self, wanted: Callable[[Message], bool], what: str) -> Message:
        """The next message that `wanted` accepts; server requests get a null reply."""
        while True:
            remaining = self.deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(
                    self.explain(f"timed out after {TIMEOUT:.0f} s waiting for {what}")
                )
            try:
                message = self._incoming.get(timeout=remaining)
            except queue.Empty:
                continue
            if message is None:
                raise AssertionError(self.explain(f"the server closed its output before {what}"))
            self.seen.append(message)
            if "method" in message and "id" in message:  # a request from the server
                self._send({"jsonrpc": "2.0", "id": message["id"], "result": None})
                continue
            if wanted(message):
                return message

    def next_diagnostics(self, uri: str) -> list[Message]:
        message = self.wait_for(
            lambda m: m.get("method") == PUBLISH and m["params"]["uri"] == uri,
            f"diagnostics for {uri}",
        )
        diagnostics = message["params"]["diagnostics"]
        assert isinstance(diagnostics, list)
        return diagnostics

    def explain(self, problem: str) -> str:
        try:
            stderr = self.stderr_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            stderr = ""
        recent = "\n".join(json.dumps(m)[:500] for m in self.seen[-10:])
        return describe(problem, "messages:\n" + recent, "server stderr:\n" + stderr)

    def close(self) -> None:
        """shutdown + exit when possible; kill when not."""
        try:
            if self.process.poll() is None:
                self.deadline = max(self.deadline, time.monotonic() + 10)
                self.request("shutdown", None)
                self.notify("exit", None)
                self.process.wait(timeout=10)
        except (AssertionError, OSError, subprocess.TimeoutExpired):
            pass
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait(timeout=10)
            for pipe in (self.process.stdin, self.process.stdout):
                if pipe is not None:
                    pipe.close()
            self._reader.join(timeout=10)


def _tool_shims(directory: Path, python: str = sys.executable) -> Path:
    """`mypy` and `dmypy` executables that run `python`'s mypy."""
    directory.mkdir()
    for tool, module in (("mypy", "mypy"), ("dmypy", "mypy.dmypy")):
        shim = directory / tool
        shim.write_text(
            f'#!/bin/sh\nexec {shlex.quote(python)} -m {module} "$@"\n', encoding="utf-8"
        )
        shim.chmod(shim.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return directory


def _start_server(
    command: list[str], project: Path, env: dict[str, str], stderr_path: Path
) -> LspClient:
    with stderr_path.open("wb") as stderr:
        process = subprocess.Popen(
            command,
            cwd=project,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=stderr,
        )
    return LspClient(process, stderr_path)


def _initialize(client: LspClient, project: Path, options: object) -> None:
    client.request(
        "initialize",
        {
            "processId": os.getpid(),
            "rootUri": project.as_uri(),
            "rootPath": str(project),
            "workspaceFolders": [{"uri": project.as_uri(), "name": "project"}],
            "capabilities": {"textDocument": {"publishDiagnostics": {}}},
            "initializationOptions": options,
        },
    )
    client.notify("initialized", {})


@contextlib.contextmanager
def _pylsp(
    tmp_path: Path, python: str = sys.executable, *, dmypy: bool = False
) -> Iterator[LspClient]:
    """pylsp in tmp_path/project, whose mypy (or dmypy) is `python`'s."""
    if os.name != "posix":
        pytest.skip("the mypy shim on PATH is a POSIX shell script")
    project = tmp_path / "project"
    shims = _tool_shims(tmp_path / "bin", python)
    env = clean_env(PATH=os.pathsep.join([str(shims), os.environ.get("PATH", os.defpath)]))
    settings = copy.deepcopy(SETTINGS)
    settings["pylsp"]["plugins"]["pylsp_mypy"]["dmypy"] = dmypy
    client = _start_server([sys.executable, "-m", "pylsp"], project, env, tmp_path / "pylsp.stderr")
    try:
        _initialize(client, project, settings)
        yield client
    finally:
        client.close()
        if dmypy:
            _stop_daemons(python, project, [project / ".dmypy.json"])


def _stop_daemons(python: str, cwd: Path, status_files: list[Path]) -> None:
    for status_file in status_files:
        if status_file.exists():
            subprocess.run(
                [python, "-m", "mypy.dmypy", "--status-file", str(status_file), "kill"],
                cwd=cwd,
                env=clean_env(),
                capture_output=True,
                timeout=60,
                check=False,
            )


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LspClient]:
    project = tmp_path / "project"
    project.mkdir()
    (project / "mypy.ini").write_text(mypy_ini(), encoding="utf-8")
    with _pylsp(tmp_path) as client:
        yield client


def _mypy_diagnostics(diagnostics: list[Message]) -> list[Message]:
    return [d for d in diagnostics if d.get("source") == "mypy"]


@editor_server
@needs_pylsp
def test_dangling_task_is_published_with_its_range(server: LspClient, tmp_path: Path) -> None:
    app = tmp_path / "project" / "app.py"
    write_source(app, DANGLING_APP)
    uri = app.as_uri()
    line, column = position_of(DANGLING_APP, DANGLING_CALL)
    kept_line, _ = position_of(DANGLING_APP, "task = asyncio.create_task(work())")
    call_range = {
        "start": {"line": line - 1, "character": column},
        "end": {"line": line - 1, "character": column + len(DANGLING_CALL)},
    }

    server.notify(
        "textDocument/didOpen",
        {"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": DANGLING_APP}},
    )
    found = _mypy_diagnostics(server.next_diagnostics(uri))
    context = server.explain(f"diagnostics after didOpen: {json.dumps(found, indent=1)}")

    errors = [d for d in found if d.get("severity") == 1]
    notes = [d for d in found if d.get("severity") == 3]
    assert len(errors) == 1 and len(notes) == 1 and len(found) == 2, context
    error, note = errors[0], notes[0]
    assert error.get("code") == "dangling-task", context
    assert error["range"] == call_range, context
    assert error["message"].startswith(MESSAGE_START), context
    assert "[dangling-task]" not in error["message"], context
    assert note["range"] == call_range, context
    assert note["message"].startswith(NOTE_START), context
    # Nothing on the line that keeps its task (nor anywhere else).
    assert all(d["range"]["start"]["line"] != kept_line - 1 for d in found), context

    # Fix the file as an editor would: change, then save; mypy runs on save.
    server.notify(
        "textDocument/didChange",
        {"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": KEPT_APP}]},
    )
    server.next_diagnostics(uri)  # live_mode off: the last (stale) diagnostics again
    write_source(app, KEPT_APP)
    server.notify("textDocument/didSave", {"textDocument": {"uri": uri}})
    after_save = _mypy_diagnostics(server.next_diagnostics(uri))
    assert after_save == [], server.explain(f"diagnostics after didSave: {after_save}")


# Below the supported floor: the refusal must reach the editor as a diagnostic.
#
# Two ways to get a mypy below the floor:
# - "entry-point": this interpreter's mypy loads a one-line plugin file that
#   calls the real entry point, `mypy_dangling_tasks.plugin(version)`, with a
#   version just below SUPPORTED: the real refusing plugin runs inside a real
#   mypy, and the test runs everywhere;
# - "old-mypy": a real old mypy.  Set DANGLING_BELOW_FLOOR_PYTHON to an
#   interpreter that has an older mypy and this package installed (for example
#   `python -m venv old && old/bin/pip install "mypy==1.14.1" && old/bin/pip
#   install --no-deps .`); skipped when unset.

BELOW_FLOOR_VARIABLE: Final = "DANGLING_BELOW_FLOOR_PYTHON"
VSCODE_MYPY_VARIABLE: Final = "VSCODE_MYPY_TOOL"


# The line pattern the VS Code Mypy extension documents for mypy's output
# (bundled/tool/lsp_utils.py, DIAGNOSTIC_RE, at commit 2b50cbf).  A weaker check
# than test_vscode_mypy_shows_the_refusal, which runs the server itself, but it
# runs everywhere.
VSCODE_DIAGNOSTIC_PATTERN: Final = re.compile(
    r"^(?P<location>(?P<filepath>..[^:]*):(?P<line>\d+)(?::(?P<char>\d+))?"
    r"(?::(?P<end_line>\d+):(?P<end_char>\d+))?): (?P<type>\w+): (?P<message>.*?)"
    r"(?:\s{2}\[(?P<code>[\w-]+)\])?\s*$"
)


def _below_floor_version() -> str:
    major, minor = SUPPORTED[0], SUPPORTED[1]
    return f"{major}.{minor - 1}.0" if minor else f"{major - 1}.99.0"


@dataclasses.dataclass(frozen=True)
class BelowFloor:
    python: str  # the interpreter whose `-m mypy` runs
    version: str  # the mypy version the refusal names
    project: Path  # mypy config + app.py (DANGLING_APP)

    @property
    def app(self) -> Path:
        return self.project / "app.py"

    def expected(self) -> str:
        """The part of the refusal every variant must show."""
        return f"supports {SUPPORTED_TEXT}, but this is mypy {self.version}; upgrade mypy"


def _mypy_version(python: str) -> str:
    result = subprocess.run(
        [python, "-m", "mypy", "--version"],
        env=clean_env(), capture_output=True, text=True, timeout=60, check=False,
    )
    words = result.stdout.split()
    assert result.returncode == 0 and len(words) >= 2, result.stdout + result.stderr
    return words[1]


@pytest.fixture(params=["entry-point", "old-mypy"])
def below_floor(request: pytest.FixtureRequest, tmp_path: Path) -> BelowFloor:
    project = tmp_path / "project"
    project.mkdir()
    write_source(project / "app.py", DANGLING_APP)
    if request.param == "entry-point":
        version = _below_floor_version()
        (project / "below_floor.py").write_text(
            "import mypy_dangling_tasks\n\n\n"
            f"def plugin(version: str) -> type:\n"
            f"    return mypy_dangling_tasks.plugin({version!r})\n",
            encoding="utf-8",
        )
        (project / "mypy.ini").write_text("[mypy]\nplugins = below_floor.py\n", encoding="utf-8")
        return BelowFloor(sys.executable, version, project)
    python = os.environ.get(BELOW_FLOOR_VARIABLE)
    if not python:
        pytest.skip(f"set {BELOW_FLOOR_VARIABLE} to an interpreter with a mypy below the floor")
    version = _mypy_version(python)
    if tuple(int(part) for part in version.split(".")[:2]) >= SUPPORTED:
        pytest.skip(f"{BELOW_FLOOR_VARIABLE} runs mypy {version}, which is supported")
    (project / "mypy.ini").write_text(mypy_ini(), encoding="utf-8")
    return BelowFloor(python, version, project)


def test_refusal_is_one_file_line_error_with_exit_2(below_floor: BelowFloor) -> None:
    """What editors parse: `file:1: error: ...` on stdout, like a syntax error."""
    for extra in ([], ["--show-absolute-path", "--show-column-numbers", str(below_floor.app)]):
        result = run_command(
            [below_floor.python, "-m", "mypy", "--no-error-summary", *(extra or ["app.py"])],
            cwd=below_floor.project, env=clean_env(), timeout=120,
        )
        context = describe(f"exit {result.returncode}", result.stdout, result.stderr)
        assert result.returncode == 2, context
        assert result.stderr == "" and "Traceback" not in result.stdout, context
        lines = result.stdout.splitlines()
        location = f"{below_floor.app}:1" if extra else "app.py:1"
        assert len(lines) == 1 and lines[0].startswith(f"{location}: error: "), context
        assert below_floor.expected() in lines[0], context
        assert '"mypy-type-checker.importStrategy" to "fromEnvironment"' in lines[0], context
        vscode = VSCODE_DIAGNOSTIC_PATTERN.match(lines[0])
        assert vscode is not None and vscode["type"] == "error", context
        assert vscode["line"] == "1" and vscode["code"] is None, context
        assert vscode["message"].startswith("mypy_dangling_tasks"), context
        if extra:
            assert Path(vscode["filepath"]) == below_floor.app, context
        if importlib.util.find_spec("pylsp_mypy") is not None:
            from pylsp_mypy.plugin import parse_line

            parsed = parse_line(lines[0])
            assert parsed is not None and parsed["severity"] == 1, context
            assert parsed["range"]["start"]["line"] == 0, context


@editor_server
@needs_pylsp
@pytest.mark.parametrize("dmypy", [False, True], ids=["mypy", "dmypy"])
def test_pylsp_mypy_shows_the_refusal(below_floor: BelowFloor, dmypy: bool, tmp_path: Path) -> None:
    uri = below_floor.app.as_uri()
    with _pylsp(tmp_path, below_floor.python, dmypy=dmypy) as server:
        server.notify(
            "textDocument/didOpen",
            {"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": DANGLING_APP}},
        )
        found = _mypy_diagnostics(server.next_diagnostics(uri))
        context = server.explain(f"diagnostics after didOpen: {json.dumps(found, indent=1)}")
    # One error on the first line, parsed from our `app.py:1: error:` line (pylsp-mypy
    # would also show raw stderr, but then with the location inside the message).
    assert len(found) == 1, context
    (refusal,) = found
    assert refusal["severity"] == 1 and refusal["range"]["start"]["line"] == 0, context
    assert refusal["message"].startswith("mypy_dangling_tasks"), context
    assert below_floor.expected() in refusal["message"], context


def _vscode_mypy_tool() -> Path:
    """The VS Code Mypy extension's server: bundled/tool of a microsoft/vscode-mypy checkout."""
    configured = os.environ.get(VSCODE_MYPY_VARIABLE)
    if not configured:
        pytest.skip(
            f"VS CODE SERVER NOT TESTED, and never in CI (.ci/run and the GitHub workflow "
            f"have no checkout of it): {VSCODE_MYPY_VARIABLE} is unset; set it to the "
            "bundled/tool folder of a https://github.com/microsoft/vscode-mypy checkout "
            "(its server is not on PyPI)"
        )
    tool = Path(configured)
    if not (tool / "lsp_server.py").is_file():
        tool = tool / "bundled" / "tool"
    assert (tool / "lsp_server.py").is_file(), f"{VSCODE_MYPY_VARIABLE}={configured}: no lsp_server.py"
    missing = [
        name
        for name in ("pygls", "lsprotocol", "vscode_common_python_lsp", "packaging")
        if importlib.util.find_spec(name) is None
    ]
    if missing:
        pytest.skip(
            f"VS CODE SERVER NOT TESTED: {VSCODE_MYPY_VARIABLE} is set, but the server needs "
            f"{', '.join(missing)}: pip install 'pygls>=2' lsprotocol vscode-common-python-lsp "
            "packaging"
        )
    return tool


def _vscode_diagnostics(
    tool: Path, project: Path, interpreter: str, prefer_daemon: bool, tmp_path: Path
) -> tuple[list[Message], str]:
    """What the extension's own server (lsp_server.py) publishes for project/app.py on
    didOpen, with the extension's default settings (package.json) as its client sends
    them; `interpreter` is the Python the extension would run mypy with."""
    status_root = tmp_path / "dmypy-status"
    status_root.mkdir()
    setting = {
        "args": [],
        "cwd": str(project),
        "path": [],
        "ignorePatterns": [],
        "importStrategy": "useBundled",
        "interpreter": [interpreter],
        "preferDaemon": prefer_daemon,
        "daemonStatusFile": "",
        "extraPaths": [],
        "reportingScope": "file",
        "severity": {"error": "Error", "note": "Information"},
        "showNotifications": "off",
        "workspace": project.as_uri(),
    }
    env = clean_env(DMYPY_STATUS_FILE_ROOT=str(status_root))
    server = _start_server(
        [sys.executable, str(tool / "lsp_server.py")], project, env, tmp_path / "vscode.stderr"
    )
    app = project / "app.py"
    try:
        _initialize(server, project, {"settings": [setting], "globalSettings": setting})
        server.notify(
            "textDocument/didOpen",
            {"textDocument": {"uri": app.as_uri(), "languageId": "python", "version": 1,
                              "text": app.read_text(encoding="utf-8")}},
        )
        found = server.next_diagnostics(app.as_uri())
        return found, server.explain(f"diagnostics after didOpen: {json.dumps(found, indent=1)}")
    finally:
        server.close()
        _stop_daemons(interpreter, project, sorted(status_root.rglob("status-*.json")))


@editor_server
@pytest.mark.parametrize("prefer_daemon", [False, True], ids=["mypy", "dmypy"])
def test_vscode_mypy_shows_the_refusal(
    below_floor: BelowFloor, prefer_daemon: bool, tmp_path: Path
) -> None:
    found, context = _vscode_diagnostics(
        _vscode_mypy_tool(), below_floor.project, below_floor.python, prefer_daemon, tmp_path
    )
    assert len(found) == 1, context
    (refusal,) = found
    assert refusal["severity"] == 1 and refusal.get("source") == "Mypy", context
    assert refusal["range"]["start"]["line"] == 0, context
    assert refusal["message"].startswith("mypy_dangling_tasks"), context
    assert below_floor.expected() in refusal["message"], context


# The mypy the extension bundles in bundled/libs (its requirements.txt at commit 2b50cbf).
VSCODE_BUNDLED_MYPY: Final = "1.15.0"


@pytest.fixture(scope="module")
def vscode_extension(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """bundled/tool of the server beside a bundled/libs with the extension's mypy, as
    the extension ships them: with importStrategy useBundled the server puts
    bundled/libs first on mypy's PYTHONPATH, and the plugin comes from the
    interpreter's environment."""
    tool = _vscode_mypy_tool()
    bundled = tmp_path_factory.mktemp("vscode-mypy") / "bundled"
    copied = shutil.copytree(tool, bundled / "tool")
    libs = bundled / "libs"
    install = run_command(
        [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         "--no-deps", "--target", str(libs), f"mypy=={VSCODE_BUNDLED_MYPY}"],
        cwd=bundled, env=clean_env(), timeout=600,
    )
    assert install.returncode == 0, describe(install.stdout, install.stderr)
    return copied


@editor_server
@pytest.mark.parametrize("prefer_daemon", [False, True], ids=["mypy", "dmypy"])
def test_vscode_mypy_with_its_bundled_mypy_shows_the_findings(
    vscode_extension: Path, prefer_daemon: bool, tmp_path: Path
) -> None:
    project = tmp_path / "project"
    project.mkdir()
    write_source(project / "app.py", DANGLING_APP)
    (project / "mypy.ini").write_text(mypy_ini(), encoding="utf-8")
    bundled = run_command(
        [sys.executable, "-m", "mypy", "--version"], cwd=project,
        env=clean_env(PYTHONPATH=str(vscode_extension.parent / "libs")), timeout=60,
    )
    assert bundled.stdout.split()[1:2] == [VSCODE_BUNDLED_MYPY], describe(bundled.stdout, bundled.stderr)

    found, context = _vscode_diagnostics(
        vscode_extension, project, sys.executable, prefer_daemon, tmp_path
    )
    line, column = position_of(DANGLING_APP, DANGLING_CALL)
    errors = [d for d in found if d["severity"] == 1]
    notes = [d for d in found if d["severity"] == 3]
    assert len(errors) == 1 and len(notes) == 1 and len(found) == 2, context
    (error,), (note,) = errors, notes
    assert error.get("code") == "dangling-task" and error.get("source") == "Mypy", context
    assert error["message"].startswith(MESSAGE_START), context
    assert error["range"]["start"] == {"line": line - 1, "character": column}, context
    assert note["message"].startswith(NOTE_START), context
