"""What is published: metadata, license, sdist contents and the CI/release workflows.

These are the cheap checks.  .ci/package-check builds the real sdist and wheel,
compares the sdist's file list with the tree and runs tests from both.
"""

from __future__ import annotations

import ast
import fnmatch
import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, Final

import pytest
import yaml
from trove_classifiers import classifiers as TROVE_CLASSIFIERS
from trove_classifiers import deprecated_classifiers as DEPRECATED_CLASSIFIERS

import mypy_dangling_tasks

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

ROOT: Final = Path(__file__).resolve().parent.parent
TESTS: Final = ROOT / "tests"
WORKFLOWS: Final = ROOT / ".github" / "workflows"
PACKAGE_CHECK: Final = ROOT / ".ci" / "package-check"
CI_RUN: Final = ROOT / ".ci" / "run"
MANIFEST: Final = ROOT / "MANIFEST.in"
# conftest.py puts this on sys.path: the tests import their helpers from it.
IMPORT_DIRS: Final = (TESTS,)
# Folders of a working tree that are never packaged and can be large.
UNWALKED: Final = frozenset({".git", "__pycache__", ".mypy_cache", ".pytest_cache", ".hypothesis", ".cache", "build", "dist"})
# Files setuptools writes into the sdist or a build tree.
BUILD_PRODUCTS: Final = frozenset({"setup.cfg", "PKG-INFO"})

# The MIT license as SPDX publishes it (https://spdx.org/licenses/MIT.html),
# without its copyright line.
MIT_BODY: Final = """
Permission is hereby granted, free of charge, to any person obtaining a copy of
this software and associated documentation files (the "Software"), to deal in
the Software without restriction, including without limitation the rights to
use, copy, modify, merge, publish, distribute, sublicense, and/or sell copies of
the Software, and to permit persons to whom the Software is furnished to do so,
subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS
FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR
COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER
IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN
CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.
"""
COPYRIGHT: Final = re.compile(r"^Copyright \(c\) \d{4}(-\d{4})? \S.*$")


def pyproject() -> dict[str, Any]:
    with open(ROOT / "pyproject.toml", "rb") as file:
        return tomllib.load(file)


def classifiers() -> list[str]:
    found: list[str] = pyproject()["project"]["classifiers"]
    return found


def classifier_pythons() -> set[str]:
    prefix = "Programming Language :: Python :: "
    return {c[len(prefix) :] for c in classifiers() if re.fullmatch(re.escape(prefix) + r"3\.\d+", c)}


def version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def workflow(name: str) -> dict[Any, Any]:
    loaded: dict[Any, Any] = yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))
    return loaded


def triggers(flow: Mapping[Any, Any]) -> dict[str, Any]:
    # YAML 1.1 (PyYAML) reads the bare key `on` as the boolean True.
    found: dict[str, Any] = flow.get("on", flow.get(True))
    return found


def run_commands(job: Mapping[str, Any]) -> list[str]:
    return [step["run"] for step in job["steps"] if "run" in step]


def uses(job: Mapping[str, Any]) -> list[str]:
    return [step["uses"] for step in job["steps"] if "uses" in step]


# What is published is checked before a release (.ci/run passes --slow), not on
# every edit of the plugin.
pytestmark = pytest.mark.slow


# --- metadata -------------------------------------------------------------------


def test_classifiers_are_valid_and_current_trove_classifiers() -> None:
    unknown = [c for c in classifiers() if c not in TROVE_CLASSIFIERS]
    deprecated = [c for c in classifiers() if c in DEPRECATED_CLASSIFIERS]
    assert not unknown, f"not in the trove-classifiers list: {unknown}"
    assert not deprecated, f"deprecated classifiers: {deprecated}"
    assert len(set(classifiers())) == len(classifiers())


def test_the_classifier_check_rejects_a_made_up_classifier() -> None:
    # "Framework :: mypy" sounds right but does not exist; PyPI rejects it.
    assert "Framework :: mypy" not in TROVE_CLASSIFIERS
    assert "Framework :: AsyncIO" in TROVE_CLASSIFIERS


def test_classifiers_say_what_the_project_is() -> None:
    declared = set(classifiers())
    assert {"Framework :: AsyncIO", "Typing :: Typed"} <= declared
    assert any(c.startswith("Development Status :: ") for c in declared)


def test_python_classifiers_are_the_range_from_requires_python_up() -> None:
    floor = re.fullmatch(r">=\s*(3\.\d+)", pyproject()["project"]["requires-python"])
    assert floor, "requires-python is expected in the form '>=3.N'"
    declared = sorted(classifier_pythons(), key=version_key)
    assert declared[0] == floor.group(1)
    lowest, highest = version_key(declared[0])[1], version_key(declared[-1])[1]
    assert declared == [f"3.{minor}" for minor in range(lowest, highest + 1)], "a gap in the versions"


def test_project_urls_point_at_the_repository() -> None:
    urls = pyproject()["project"]["urls"]
    assert set(urls) >= {"Homepage", "Source", "Issues", "Changelog"}
    repository = urls["Source"]
    assert re.fullmatch(r"https://github\.com/[\w.-]+/[\w.-]+", repository)
    assert all(url.startswith(repository) for url in urls.values())
    assert urls["Issues"] == repository + "/issues"
    assert urls["Changelog"].endswith("/CHANGELOG.md")


def test_license_file_is_the_mit_license_the_metadata_declares() -> None:
    project = pyproject()["project"]
    assert project["license"] == "MIT"
    assert project["license-files"] == ["LICENSE"]
    # A PEP 639 license expression replaces the License classifiers; setuptools
    # refuses to build with both.
    assert not [c for c in classifiers() if c.startswith("License ::")]
    lines = (ROOT / "LICENSE").read_text(encoding="utf-8").strip().splitlines()
    assert lines[0] == "MIT License"
    assert COPYRIGHT.match(lines[2]), lines[2]
    assert " ".join("\n".join(lines[3:]).split()) == " ".join(MIT_BODY.split())


def test_the_license_comparison_notices_a_changed_clause() -> None:
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    changed = text.replace("NONINFRINGEMENT", "INFRINGEMENT")
    assert " ".join(changed.split()) != " ".join(text.split())
    assert " ".join(MIT_BODY.split()) not in " ".join(changed.split())
    assert " ".join(MIT_BODY.split()) in " ".join(text.split())


def test_changelog_has_notes_for_the_current_version() -> None:
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    headings = re.findall(r"^## \[?(\d+\.\d+\.\d+)\]?", changelog, re.MULTILINE)
    assert headings, "no '## X.Y.Z' release heading"
    assert headings[0] == mypy_dangling_tasks.__version__, "the newest entry is not this version"


# --- the sdist: MANIFEST.in covers what the tests need ----------------------------


def manifest_files(manifest: str, root: Path) -> set[str]:
    """The files the MANIFEST.in commands select, for the commands this project uses.

    A simplified reading of setuptools' rules, strict on purpose: an unknown
    command fails the test rather than being guessed at.  The real sdist's file
    list is compared with the tree by .ci/package-check.
    """
    every: list[str] = []
    for folder, subfolders, names in os.walk(root):
        subfolders[:] = [s for s in subfolders if s not in UNWALKED and not s.endswith(".egg-info")]
        every.extend((Path(folder) / name).relative_to(root).as_posix() for name in names)
    chosen: set[str] = set()
    for number, raw in enumerate(manifest.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        command, *patterns = line.split()
        for pattern in patterns:
            if command == "include":
                chosen |= {f for f in every if fnmatch.fnmatchcase(f, pattern) and f.count("/") == pattern.count("/")}
            elif command == "graft":
                chosen |= {f for f in every if f.startswith(pattern.rstrip("/") + "/")}
            elif command == "prune":
                chosen = {f for f in chosen if not f.startswith(pattern.rstrip("/") + "/")}
            elif command == "global-exclude":
                chosen = {f for f in chosen if not any(fnmatch.fnmatchcase(p, pattern) for p in f.split("/"))}
            else:
                pytest.fail(f"MANIFEST.in:{number}: teach this test the command {command!r}")
    return chosen


def files_under(path: Path) -> Iterator[str]:
    """A file, or the files of a folder without caches (hidden folders, __pycache__)."""
    if path.is_file():
        yield path.relative_to(ROOT).as_posix()
        return
    # os.walk, pruned: the packages cache (benchmarks/.cache) is written by
    # the real-code test of a suite running beside this one, and a download
    # folder that vanishes while rglob lists it would fail this test.
    for folder, subfolders, files in os.walk(path):
        subfolders[:] = [d for d in subfolders if not d.startswith(".") and d != "__pycache__"]
        for name in files:
            if not name.startswith(".") and not name.endswith(".pyc"):
                yield (Path(folder) / name).relative_to(ROOT).as_posix()


def local_imports(source: Path) -> Iterator[Path]:
    """Modules of tests/ that `source` imports."""
    for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
        names: Iterable[str] = ()
        if isinstance(node, ast.Import):
            names = (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names = (node.module,)
        for name in names:
            for folder in IMPORT_DIRS:
                candidate = folder / (name.split(".")[0] + ".py")
                if candidate.is_file():
                    yield candidate


def path_literals(source: Path) -> Iterator[Path]:
    """Paths in the repository that `source` names in a string (ROOT / "examples", ...)."""
    for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value.strip().rstrip("/")
            if not re.fullmatch(r"[\w.-]+(/[\w.-]+)*", text) or text in (".", ".."):
                continue
            parts = text.split("/")
            first = parts[0]
            # A name that is also a build product (pip builds in the unpacked
            # sdist) names a file of a temporary project, not of the repository;
            # a cache folder anywhere in the path is downloaded, never shipped.
            if first in BUILD_PRODUCTS or first.endswith(".egg-info"):
                continue
            if any(part in UNWALKED for part in parts):
                continue
            if (ROOT / text).exists():
                yield ROOT / text


def files_the_tests_need() -> set[str]:
    needed = set(files_under(TESTS))
    pending = sorted(TESTS.glob("*.py"))
    seen: set[Path] = set()
    while pending:
        source = pending.pop()
        if source in seen:
            continue
        seen.add(source)
        needed.add(source.relative_to(ROOT).as_posix())
        pending.extend(local_imports(source))
        for path in path_literals(source):
            needed.update(files_under(path))
    return needed


def test_the_tests_need_the_folders_they_read() -> None:
    needed = files_the_tests_need()
    for expected in (
        "tests/packages.py",
        "tests/processes.py",
        "benchmarks/overhead.py",
        "examples/heisenbug.py",
        "tests/realcode_expected.txt",
        "README.md",
        "LICENSE",
    ):
        assert expected in needed
    assert any(name.startswith("test-data/") and name.endswith(".test") for name in needed)
    assert not any("__pycache__" in name or name.startswith("benchmarks/.cache/") for name in needed)


def test_manifest_ships_every_file_the_tests_import_or_read() -> None:
    shipped = manifest_files(MANIFEST.read_text(encoding="utf-8"), ROOT)
    missing = sorted(files_the_tests_need() - shipped)
    assert not missing, f"not in the sdist (add them to MANIFEST.in): {missing}"
    assert not [name for name in shipped if "/.cache/" in name or name.endswith(".pyc")]


def test_the_manifest_check_notices_a_missing_folder() -> None:
    without = MANIFEST.read_text(encoding="utf-8").replace("graft test-data", "")
    shipped = manifest_files(without, ROOT)
    assert not any(name.startswith("test-data/") for name in shipped)
    assert files_the_tests_need() - shipped


# --- the CI and release workflows ---------------------------------------------------


def test_ci_runs_the_suite_for_each_cell_of_the_matrix() -> None:
    flow = workflow("ci.yml")
    on = triggers(flow)
    assert "pull_request" in on and on["push"]["branches"] == ["main"]
    test = flow["jobs"]["test"]
    cells = test["strategy"]["matrix"]["include"]
    assert test["strategy"]["fail-fast"] is False
    assert all(set(cell) == {"mypy", "python"} for cell in cells)
    assert all(re.fullmatch(r"\d+\.\d+\.\d+", cell["mypy"]) for cell in cells), "pin exact mypy releases"
    assert len({(cell["mypy"], cell["python"]) for cell in cells}) == len(cells)
    commands = "\n".join(run_commands(test))
    assert '"mypy==${{ matrix.mypy }}"' in commands and '".[test]"' in commands
    assert "python -m pytest" in commands
    # The whole suite: plain pytest skips the tests marked slow.
    assert all("--slow" in line for line in commands.splitlines() if "-m pytest" in line), commands
    setup = next(step for step in test["steps"] if step.get("uses", "").startswith("actions/setup-python@"))
    assert setup["with"]["python-version"] == "${{ matrix.python }}"


def test_ci_tests_the_same_mypy_range_as_the_ci_script() -> None:
    """The workflow's oldest and newest mypy are .ci/run's, and the oldest is the declared floor."""
    cells = workflow("ci.yml")["jobs"]["test"]["strategy"]["matrix"]["include"]
    tested = sorted((cell["mypy"] for cell in cells), key=version_key)
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    pinned = dict(re.findall(r'^(MYPY_[A-Z_]+)="([0-9.]+)"', script, flags=re.M))
    assert tested[0] == pinned["MYPY_OLDEST"] and tested[-1] == pinned["MYPY_NEWEST"], (tested, pinned)
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    floor = re.search(r'"mypy>=([0-9.]+)"', pyproject)
    assert floor is not None and tested[0].startswith(floor[1] + "."), (tested[0], floor)


def test_the_ci_script_runs_the_slow_suites_at_both_ends() -> None:
    """.ci/run's whole-suite step passes --slow, and the subset it runs between the ends
    is not skipped by default (a step of skipped tests only would pass and test nothing)."""
    script = CI_RUN.read_text(encoding="utf-8")
    full_suite = re.search(r"^full_suite\(\) \{\n(.*?)^\}", script, flags=re.M | re.S)
    assert full_suite is not None and re.search(r"run_pytest .* --slow$", full_suite[1], flags=re.M)
    subset = re.search(r"^SUBSET=\((.*)\)$", script, flags=re.M)
    assert subset is not None
    for name in subset[1].split():
        assert (ROOT / name).is_file(), name
        assert not re.search(r"^pytestmark\b.*\bslow\b", (ROOT / name).read_text(encoding="utf-8"), flags=re.M), name


def test_ci_python_versions_match_the_classifiers() -> None:
    cells = workflow("ci.yml")["jobs"]["test"]["strategy"]["matrix"]["include"]
    tested = {cell["python"] for cell in cells}
    declared = classifier_pythons()
    assert tested <= declared, f"tested but not declared: {sorted(tested - declared)}"
    ends = {min(declared, key=version_key), max(declared, key=version_key)}
    assert ends <= tested, f"both ends of the declared range must be tested: {sorted(ends - tested)}"


def test_ci_runs_the_package_check() -> None:
    package = workflow("ci.yml")["jobs"]["package"]
    assert any(command.startswith("bash .ci/package-check") for command in run_commands(package))


def test_release_builds_on_version_tags_and_publishes_with_trusted_publishing() -> None:
    flow = workflow("release.yml")
    assert triggers(flow) == {"push": {"tags": ["v*"]}}
    # Only the publish job may ask for an OIDC token.
    assert flow["permissions"] == {"contents": "read"}
    build, publish = flow["jobs"]["build"], flow["jobs"]["publish"]
    assert "permissions" not in build
    assert publish["needs"] == "build" or publish["needs"] == ["build"]
    assert publish["permissions"] == {"id-token": "write"}
    environment = publish["environment"]
    assert (environment["name"] if isinstance(environment, dict) else environment) == "pypi"
    assert any(use.startswith("pypa/gh-action-pypi-publish@") for use in uses(publish))
    assert not any("password" in step.get("with", {}) for step in publish["steps"]), "no API token"


def test_release_publishes_exactly_the_checked_files() -> None:
    jobs = workflow("release.yml")["jobs"]
    check = next(c for c in run_commands(jobs["build"]) if c.startswith("bash .ci/package-check"))
    words = shlex.split(check)
    assert words[words.index("--dist-dir") + 1] == "dist"
    assert words[words.index("--expect-version") + 1] == "${GITHUB_REF_NAME#v}"
    upload = next(s for s in jobs["build"]["steps"] if s.get("uses", "").startswith("actions/upload-artifact@"))
    download = next(s for s in jobs["publish"]["steps"] if s.get("uses", "").startswith("actions/download-artifact@"))
    assert upload["with"]["name"] == download["with"]["name"]
    assert upload["with"]["path"].rstrip("/") == download["with"]["path"].rstrip("/") == "dist"


def check_workflow_schema(paths: Iterable[Path]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows", *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=120,
    )


needs_schema_checker = pytest.mark.skipif(
    sys.version_info < (3, 11), reason="check-jsonschema (the [test] extra) needs Python 3.11"
)


@needs_schema_checker
def test_workflows_match_githubs_workflow_schema() -> None:
    flows = sorted(WORKFLOWS.glob("*.yml"))
    assert {flow.name for flow in flows} >= {"ci.yml", "release.yml"}
    result = check_workflow_schema(flows)
    assert result.returncode == 0, result.stdout + result.stderr


@needs_schema_checker
def test_the_schema_check_rejects_a_misspelled_key(tmp_path: Path) -> None:
    broken = tmp_path / "release.yml"
    text = (WORKFLOWS / "release.yml").read_text(encoding="utf-8")
    broken.write_text(text.replace("runs-on:", "runson:", 1), encoding="utf-8")
    result = check_workflow_schema([broken])
    assert result.returncode == 1, result.stdout + result.stderr


# --- the package check script ------------------------------------------------------


def test_package_check_is_a_strict_executable_script_called_by_ci() -> None:
    script = PACKAGE_CHECK.read_text(encoding="utf-8")
    assert script.startswith("#!/usr/bin/env bash\n")
    assert "\nset -euo pipefail\n" in script
    assert 'echo "package-check: $passed passed, 0 failed"' in script
    assert PACKAGE_CHECK.stat().st_mode & 0o111, "not executable"
    calls = [line for line in CI_RUN.read_text(encoding="utf-8").splitlines() if "package-check" in line]
    assert len(calls) == 1 and not calls[0].lstrip().startswith("#"), calls
