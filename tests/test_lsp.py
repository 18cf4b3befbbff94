"""End to end in an editor: python-lsp-server + pylsp-mypy over JSON-RPC on stdio.

What pylsp-mypy does with our output (checked against its source, 0.8.2):
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

import importlib.util
import json
import os
import queue
import shlex
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any, Final

import pytest

from integration_helpers import (
    DANGLING_APP,
    DANGLING_CALL,
    KEPT_APP,
    MESSAGE_START,
    NOTE_START,
    clean_env,
    describe,
    mypy_ini,
    position_of,
    write_source,
)

for _module, _requirement in (("pylsp", "python-lsp-server"), ("pylsp_mypy", "pylsp-mypy")):
    if importlib.util.find_spec(_module) is None:
        pytest.skip(
            f"{_requirement} is not installed (no module {_module!r}): "
            "pip install 'python-lsp-server>=1.13.1' 'pylsp-mypy>=0.8.2' (the test extra has them)",
            allow_module_level=True,
        )

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
                raise AssertionError(self.explain(f"pylsp closed its output before {what}"))
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
        return describe(problem, "messages:\n" + recent, "pylsp stderr:\n" + stderr)

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


def _mypy_shim(directory: Path) -> Path:
    """A `mypy` executable that runs this interpreter's mypy."""
    directory.mkdir()
    shim = directory / "mypy"
    shim.write_text(
        f'#!/bin/sh\nexec {shlex.quote(sys.executable)} -m mypy "$@"\n', encoding="utf-8"
    )
    shim.chmod(shim.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return directory


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LspClient]:
    if os.name != "posix":
        pytest.skip("the mypy shim on PATH is a POSIX shell script")
    project = tmp_path / "project"
    project.mkdir()
    (project / "mypy.ini").write_text(mypy_ini(), encoding="utf-8")
    shims = _mypy_shim(tmp_path / "bin")
    env = clean_env(PATH=os.pathsep.join([str(shims), os.environ.get("PATH", os.defpath)]))
    stderr_path = tmp_path / "pylsp.stderr"
    with stderr_path.open("wb") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "pylsp"],
            cwd=project,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=stderr,
        )
    client = LspClient(process, stderr_path)
    try:
        client.request(
            "initialize",
            {
                "processId": os.getpid(),
                "rootUri": project.as_uri(),
                "rootPath": str(project),
                "workspaceFolders": [{"uri": project.as_uri(), "name": "project"}],
                "capabilities": {"textDocument": {"publishDiagnostics": {}}},
                "initializationOptions": SETTINGS,
            },
        )
        client.notify("initialized", {})
        yield client
    finally:
        client.close()


def _mypy_diagnostics(diagnostics: list[Message]) -> list[Message]:
    return [d for d in diagnostics if d.get("source") == "mypy"]


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
