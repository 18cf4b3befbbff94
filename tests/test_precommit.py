"""pre-commit, offline: a `repo: local` hook running this interpreter's mypy.

The hook uses `language: system`, so pre-commit installs nothing and needs no
network; PRE_COMMIT_HOME and git's global config point into the test's tmp dir.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Final

import pytest

from integration_helpers import (
    run_command,
    DANGLING_APP,
    DANGLING_CALL,
    KEPT_APP,
    clean_env,
    describe,
    mypy_ini,
    parse_mypy_output,
    position_of,
    write_source,
)

if importlib.util.find_spec("pre_commit") is None:
    pytest.skip(
        "pre-commit is not installed: pip install 'pre-commit>=4.0' (the test extra has it)",
        allow_module_level=True,
    )
GIT: Final = shutil.which("git")
if GIT is None:
    pytest.skip("git is not installed: pre-commit needs a git repository", allow_module_level=True)

TIMEOUT: Final = 180  # seconds for one command

# A git repository and pre-commit's own runs: an integration round trip.
pytestmark = pytest.mark.slow

README: Final = Path(__file__).resolve().parent.parent / "README.md"


def _local_hook_config() -> str:
    entry = f"{shlex.quote(sys.executable)} -m mypy"
    # JSON strings are YAML strings: no quoting surprises from the interpreter's path.
    return (
        "repos:\n"
        "  - repo: local\n"
        "    hooks:\n"
        "      - id: mypy\n"
        "        name: mypy\n"
        f"        entry: {json.dumps(entry)}\n"
        "        language: system\n"
        "        types: [python]\n"
        "        require_serial: true\n"
    )


class Repo:
    def __init__(self, root: Path, home: Path) -> None:
        self.root = root
        self.env = clean_env(
            PRE_COMMIT_HOME=str(home / "pre-commit"),
            GIT_CONFIG_GLOBAL=os.devnull,
            GIT_CONFIG_NOSYSTEM="1",
        )

    def run(self, *command: str) -> subprocess.CompletedProcess[str]:
        return run_command(command, cwd=self.root, env=self.env, timeout=TIMEOUT)

    def git(self, *args: str) -> None:
        assert GIT is not None
        result = self.run(GIT, *args)
        assert result.returncode == 0, describe(
            f"git {' '.join(args)}", result.stdout, result.stderr
        )

    def pre_commit(self, *args: str) -> subprocess.CompletedProcess[str]:
        return self.run(sys.executable, "-m", "pre_commit", *args)


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    root = tmp_path / "repo"
    root.mkdir()
    made = Repo(root, tmp_path)
    made.git("-c", "init.defaultBranch=main", "init", "-q")
    (root / ".pre-commit-config.yaml").write_text(_local_hook_config(), encoding="utf-8")
    (root / "mypy.ini").write_text(mypy_ini(), encoding="utf-8")
    return made


def test_hook_blocks_a_dangling_task_and_passes_once_fixed(repo: Repo) -> None:
    app = repo.root / "app.py"
    write_source(app, DANGLING_APP)
    repo.git("add", ".pre-commit-config.yaml", "mypy.ini", "app.py")

    failing = repo.pre_commit("run", "--color", "never", "--files", "app.py")
    output = describe(f"exit status {failing.returncode}", failing.stdout, failing.stderr)
    assert failing.returncode == 1, output
    assert "[dangling-task]" in failing.stdout, output
    line, _ = position_of(DANGLING_APP, DANGLING_CALL)
    errors = [f for f in parse_mypy_output(failing.stdout) if f.severity == "error"]
    assert [(f.file, f.line, f.code) for f in errors] == [("app.py", line, "dangling-task")], output

    write_source(app, KEPT_APP)
    repo.git("add", "app.py")
    passing = repo.pre_commit("run", "--color", "never", "--files", "app.py")
    output = describe(f"exit status {passing.returncode}", passing.stdout, passing.stderr)
    assert passing.returncode == 0, output
    assert "Passed" in passing.stdout and "dangling-task" not in passing.stdout, output


def _readme_pre_commit_configs() -> list[str]:
    """The README's ```yaml blocks that are pre-commit configurations."""
    text = README.read_text(encoding="utf-8")
    blocks = re.findall(r"^```ya?ml\n(.*?)^```", text, flags=re.MULTILINE | re.DOTALL)
    return [block for block in blocks if block.lstrip().startswith("repos:")]


def test_readme_pre_commit_snippet_is_a_valid_config(tmp_path: Path) -> None:
    snippets = _readme_pre_commit_configs()
    assert snippets, f"no ```yaml block starting with 'repos:' in {README}"
    assert any("mypy-dangling-tasks" in snippet for snippet in snippets), snippets
    for number, snippet in enumerate(snippets):
        config = tmp_path / f"snippet{number}.yaml"
        config.write_text(snippet, encoding="utf-8")
        result = subprocess.run(
            [sys.executable, "-m", "pre_commit", "validate-config", str(config)],
            env=clean_env(PRE_COMMIT_HOME=str(tmp_path / "pre-commit")),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=False,
        )
        assert result.returncode == 0, describe(snippet, result.stdout, result.stderr)
