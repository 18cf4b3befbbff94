"""The plugin on real async packages: no crash, and exactly the reviewed findings.

Every package pinned in tests/packages.py is downloaded (wheel only, no
dependencies; cached in benchmarks/.cache/, or $DANGLING_PACKAGES_CACHE) and
checked by mypy with the plugin twice, with mypy's default options and with
`--check-untyped-defs` (both with `--ignore-missing-imports`; MODES), in a
subprocess per package and mode whose working
directory is the unpacked wheel (so paths are relative to it), with a
generated config file and a fresh cache directory.

Per package the test asserts:

* no crash: exit code 0 or 1 (the packages are not type-clean without their
  dependencies), no "INTERNAL ERROR", no "Traceback (most recent call last)";
* the plugin's findings, as (package, path, line, code), are exactly the
  reviewed ones in realcode_expected.txt (each carries its verdict); a
  mismatch prints the new and the lost findings, new ones ready to paste
  once reviewed;
* every finding comes with the plugin's note at the same position.

The number of modules (.py files) checked per package is printed (outside
pytest's capture) and recorded as a junit property.  Set
DANGLING_SKIP_REALCODE=1 to skip the whole file (e.g. offline).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Final, NamedTuple

import mypy.version
import pytest

import packages
from integration_helpers import PLUGIN_NOTES, clean_env

EXPECTED_FILE: Final = Path(__file__).resolve().parent / "realcode_expected.txt"
PLUGIN_CODES: Final = frozenset({"dangling-task", "unused-task"})
TIMEOUT: Final = 300.0
CONFIG: Final = "[mypy]\nplugins = mypy_dangling_tasks\n"
TRACEBACK: Final = "Traceback (most recent call last)"
# path:line:col: severity: message  [code]   (notes carry no code)
LINE: Final = re.compile(
    r"^(?P<path>[^:\s][^:]*):(?P<line>\d+):(?:(?P<col>\d+):)? (?P<severity>error|note|warning): "
    r"(?P<message>.*?)(?:  \[(?P<code>[a-z0-9-]+)\])?$"
)

pytestmark = [
    # Minutes: twenty packages downloaded (once) and checked.
    pytest.mark.slow,
    pytest.mark.skipif(
        os.environ.get("DANGLING_SKIP_REALCODE", "") not in ("", "0"),
        reason="DANGLING_SKIP_REALCODE is set",
    ),
]


class Finding(NamedTuple):
    package: str
    path: str
    line: int
    code: str

    def render(self, comment: str = "") -> str:
        text = f"{self.package} {self.path} {self.line} {self.code}"
        return f"{text}  {comment}" if comment else text


MYPY_VERSION: Final = tuple(int(part) for part in re.findall(r"\d+", mypy.version.__version__)[:3])
CONDITION: Final = re.compile(r"^mypy(?P<op>>=|<)(?P<version>\d+(?:\.\d+)*)$")


def applies(condition: str, version: tuple[int, ...] = MYPY_VERSION) -> bool:
    """Does `mypy>=X` / `mypy<X` hold for the running mypy?"""
    match = CONDITION.match(condition)
    if match is None:
        raise ValueError(f"not a version condition: {condition!r} (use mypy>=X or mypy<X)")
    bound = tuple(int(part) for part in match["version"].split("."))
    return version >= bound if match["op"] == ">=" else version < bound


def load_expected(
    path: Path = EXPECTED_FILE, version: tuple[int, ...] = MYPY_VERSION, mode: str = "checked"
) -> dict[Finding, str]:
    """The reviewed findings this mypy should report in `mode` (a key of MODES),
    each with its '# verdict: ...' comment."""
    expected: dict[Finding, str] = {}
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        body, _, comment = raw.partition("#")
        if not body.strip():
            continue
        parts = body.split()
        conditions = parts[4:]
        if len(parts) < 4 or len(conditions) > 2 or not parts[2].isdigit():
            raise ValueError(
                f"{path}:{number}: expected '<package> <path> <line> <code> [mypy>=X] [mode]': "
                f"{raw!r}"
            )
        if not comment.strip().startswith("verdict:"):
            raise ValueError(f"{path}:{number}: finding without a '# verdict: ...' comment")
        finding = Finding(parts[0], parts[1], int(parts[2]), parts[3])
        if finding in expected:
            raise ValueError(f"{path}:{number}: duplicate finding {finding.render()}")
        modes = [condition for condition in conditions if condition in MODE_CONDITIONS]
        versions = [condition for condition in conditions if condition not in MODE_CONDITIONS]
        if any(MODE_CONDITIONS[condition] != mode for condition in modes):
            continue
        if any(not applies(condition, version) for condition in versions):
            continue
        expected[finding] = "#" + comment
    return expected


#: mypy's default options, and with the bodies of unannotated functions checked.
MODES: Final = {"default": (), "checked": ("--check-untyped-defs",)}
#: The condition of a finding reported in one mode only.
MODE_CONDITIONS: Final = {"only-default": "default", "only-checked": "checked"}
EXPECTED: Final = {mode: load_expected(mode=mode) for mode in MODES}
PACKAGE_NAMES: Final = [package.key for package in packages.PACKAGES]


def test_expected_file_names_only_pinned_packages() -> None:
    everything: dict[Finding, str] = {}
    for version in ((1, 19, 1), (2, 4, 1)):
        for mode in MODES:
            everything.update(load_expected(version=version, mode=mode))
    unknown = {finding.package for finding in everything} - set(PACKAGE_NAMES)
    assert not unknown, f"{EXPECTED_FILE.name} names packages not in packages.py: {unknown}"
    assert len(PACKAGE_NAMES) >= 8
    assert applies("mypy>=2", (2, 4, 1)) and not applies("mypy>=2", (1, 19, 1))
    assert applies("mypy<2.1", (2, 0)) and not applies("mypy<2.1", (2, 1, 0))


class Checked(NamedTuple):
    modules: int
    seconds: float
    status: int
    output: str
    findings: set[Finding]
    missing_notes: list[str]


def _cache() -> Path:
    configured = os.environ.get("DANGLING_PACKAGES_CACHE")
    return Path(configured) if configured else packages.DEFAULT_CACHE


def check_package(name: str, tmp: Path, mode: str = "checked") -> Checked:
    folders = packages.fetch([name], _cache())[name]
    workdir = folders[0].parent
    config = tmp / "mypy.ini"
    config.write_text(CONFIG, encoding="utf-8")
    command = [
        sys.executable, "-m", "mypy",
        "--config-file", str(config), "--cache-dir", str(tmp / "cache"),
        *MODES[mode], "--ignore-missing-imports",
        "--no-error-summary", "--show-column-numbers", "--hide-error-context",
        "--no-pretty", "--no-color-output", "--show-traceback",
        *(folder.name for folder in folders),
    ]
    start = time.monotonic()
    done = subprocess.run(
        command, cwd=workdir, capture_output=True, text=True, timeout=TIMEOUT, env=clean_env()
    )
    seconds = time.monotonic() - start
    findings, missing_notes = _plugin_findings(name, done.stdout)
    modules = sum(1 for folder in folders for _ in folder.rglob("*.py"))
    return Checked(modules, seconds, done.returncode, done.stdout + done.stderr, findings, missing_notes)


def _plugin_findings(package: str, stdout: str) -> tuple[set[Finding], list[str]]:
    """The plugin's errors, and those of them without the plugin's note at the same spot."""
    parsed = [m for m in map(LINE.match, stdout.splitlines()) if m is not None]
    notes = {
        (m["path"], m["line"], m["col"])
        for m in parsed
        if m["severity"] == "note" and m["message"] in PLUGIN_NOTES
    }
    findings: set[Finding] = set()
    missing: list[str] = []
    for m in parsed:
        if m["severity"] == "error" and m["code"] in PLUGIN_CODES:
            findings.add(Finding(package, m["path"], int(m["line"]), m["code"]))
            if (m["path"], m["line"], m["col"]) not in notes:
                missing.append(m.group(0))
    return findings, missing


def _crash_lines(output: str) -> Iterator[str]:
    for line in output.splitlines():
        if "INTERNAL ERROR" in line or TRACEBACK in line:
            yield line


def _diff(package: str, actual: set[Finding], mode: str) -> str:
    reviewed = EXPECTED[mode]
    expected = {f for f in reviewed if f.package == package}
    new = sorted(actual - expected)
    lost = sorted(expected - actual)
    lines = [f"{package} ({mode} options): findings differ from {EXPECTED_FILE.name}"]
    if new:
        lines.append(f"NEW ({len(new)}; review each, then add it with its verdict):")
        lines += [f"+ {f.render('# verdict: UNREVIEWED')}" for f in new]
    if lost:
        lines.append(f"LOST ({len(lost)}; reported before, not any more):")
        lines += [f"- {f.render(reviewed[f])}" for f in lost]
    return "\n".join(lines)


@pytest.mark.parametrize("mode", sorted(MODES))
@pytest.mark.parametrize("name", PACKAGE_NAMES)
def test_package(
    name: str,
    mode: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    record_property: Callable[[str, object], None],
) -> None:
    checked = check_package(name, tmp_path, mode)
    record_property("modules", checked.modules)
    record_property("findings", len(checked.findings))
    record_property("seconds", round(checked.seconds, 1))
    with capsys.disabled():
        print(
            f"\n[realcode] {name} ({mode}): {checked.modules} modules, {len(checked.findings)} findings, "
            f"mypy exit {checked.status}, {checked.seconds:.1f} s",
            flush=True,
        )

    crashes = list(_crash_lines(checked.output))
    tail = checked.output[-4000:]
    assert not crashes, f"{name}: mypy crashed:\n" + "\n".join(crashes) + "\n...\n" + tail
    assert checked.status in (0, 1), f"{name}: mypy exited with {checked.status}:\n{tail}"
    assert checked.modules > 0, f"{name}: no .py files found"
    expected = {f for f in EXPECTED[mode] if f.package == name}
    if checked.findings != expected:
        pytest.fail(_diff(name, checked.findings, mode), pytrace=False)
    assert not checked.missing_notes, f"{name}: findings without the plugin's note:\n" + "\n".join(
        checked.missing_notes
    )


# The scan of unannotated functions adds a statement to every module that
# imports asyncio (plugin/unchecked.py), findings or not: mypy's own messages
# and reports must not change.
REPORT_PACKAGES: Final = tuple(package.key for package in packages.PACKAGES)
REPORT_FLAGS: Final = ("--warn-unreachable", "--show-error-context", "--show-column-numbers")
REPORTS: Final = ("any-exprs.txt", "types-of-anys.txt", "lineprecision.txt")
CONTEXT: Final = re.compile(r"^[^:]+: note: (In |At top level:)")
SUMMARY: Final = re.compile(r"^Found (\d+) errors? in")
SIDES: Final = {
    "plain": "[mypy]\n",
    "no-scan": CONFIG + "[mypy_dangling_tasks]\ncheck_unannotated = false\n",
    "plugin": CONFIG,
}
# mypy 1.x types one more argument expression when a function has a plugin
# hook (seen in pyatv.protocols.raop): there the plugin's hooks, with or
# without the scan, change --any-exprs-report by one expression.
HOOKS_CHANGE_REPORTS: Final = MYPY_VERSION < (2, 0)


@pytest.mark.parametrize("name", REPORT_PACKAGES)
def test_mypy_output_and_reports_are_unchanged_but_for_the_findings(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folders = packages.fetch([name], _cache())[name]
    outputs: dict[str, list[str]] = {}
    for side, config in SIDES.items():
        (tmp_path / f"{side}.ini").write_text(config, encoding="utf-8")
        reports = tmp_path / f"reports-{side}"
        done = subprocess.run(
            [
                sys.executable, "-m", "mypy", "--config-file", str(tmp_path / f"{side}.ini"),
                "--no-incremental", f"--cache-dir={os.devnull}", "--ignore-missing-imports",
                *REPORT_FLAGS, "--any-exprs-report", str(reports),
                "--lineprecision-report", str(reports),
                *(folder.name for folder in folders),
            ],
            cwd=folders[0].parent, capture_output=True, text=True, timeout=TIMEOUT,
            # One string hash for every side: mypy 1.x words some messages
            # in the order of a set of names.
            env={**clean_env(), "PYTHONHASHSEED": "0"},
        )  # fmt: skip
        assert TRACEBACK not in done.stdout + done.stderr, done.stdout[-3000:]
        outputs[side] = done.stdout.splitlines()
    # The scan's statement leaves no trace in any report.
    for report in REPORTS:
        without = (tmp_path / "reports-no-scan" / report).read_text(encoding="utf-8")
        assert (tmp_path / "reports-plugin" / report).read_text(encoding="utf-8") == without
    if HOOKS_CHANGE_REPORTS:
        with capsys.disabled():
            print(f"\nNOTE {name}: reports compared with the plugin without its scan only "
                  "(mypy 1.x: see HOOKS_CHANGE_REPORTS)")
    else:
        for report in REPORTS:
            plain = (tmp_path / "reports-plain" / report).read_text(encoding="utf-8")
            assert (tmp_path / "reports-plugin" / report).read_text(encoding="utf-8") == plain
    ours = [line for line in outputs["plugin"] if _is_plugin_line(line)]
    # Sorted: mypy orders some messages of one line by set iteration, which
    # moves with the string hash and object addresses from run to run.
    assert sorted(_mypy_lines(outputs["plugin"])) == sorted(_mypy_lines(outputs["plain"]))
    errors = [line for line in ours if ": error: " in line]
    assert _found(outputs["plugin"]) == _found(outputs["plain"]) + len(errors)


def _is_plugin_line(line: str) -> bool:
    match = LINE.match(line)
    if match is None:
        return False
    return match["code"] in PLUGIN_CODES or match["message"] in PLUGIN_NOTES


def _mypy_lines(output: list[str]) -> list[str]:
    """mypy's own messages: without the plugin's, the context lines and the summary."""
    return [
        line
        for line in output
        if not _is_plugin_line(line) and not CONTEXT.match(line) and not SUMMARY.match(line)
    ]


def _found(output: list[str]) -> int:
    for line in output:
        match = SUMMARY.match(line)
        if match is not None:
            return int(match[1])
    return 0
