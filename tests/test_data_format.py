"""The test-data runner's own parts: parsing and --update-data rewriting."""

from __future__ import annotations

from pathlib import Path

from data_format import MAIN, Message, Run, parse_file, update_file

BEFORE = """\
-- A file comment.

[case testOne]
import asyncio
-- a comment inside the case
asyncio.sleep(0)  # E:1: old text  [code] \\
                  # N:1: old note
x = 1

[case testTwo]
y = 2  # E: stays as it is

[case testThree]
z = 3
[out]
main:1: error: old
"""


def _run(*messages: Message) -> Run:
    return Run("", "", 1, list(messages))


def test_comment_lines_are_not_part_of_a_case(tmp_path: Path) -> None:
    path = tmp_path / "check-sample.test"
    path.write_text(BEFORE, encoding="utf-8")
    cases = parse_file(path)
    assert [case.name for case in cases] == ["testOne", "testTwo", "testThree"]
    assert "--" not in cases[0].main
    assert cases[0].expected()[0] == Message(MAIN, 2, 1, "error", "old text  [code]")


def test_update_rewrites_inline_and_out_expectations_only_of_given_cases(tmp_path: Path) -> None:
    path = tmp_path / "check-sample.test"
    path.write_text(BEFORE, encoding="utf-8")
    update_file(
        path,
        {
            "testOne": _run(
                Message(MAIN, 2, 1, "error", 'new "#" text  [code]'),
                Message(MAIN, 2, 1, "note", "new note"),
                Message(MAIN, 4, 5, "error", "another"),
            ),
            "testThree": _run(Message(MAIN, 1, 1, "error", "new")),
        },
    )
    after = path.read_text(encoding="utf-8")
    assert after == """\
-- A file comment.

[case testOne]
import asyncio
-- a comment inside the case
asyncio.sleep(0)  # E:1: new "\\#" text  [code] \\
                  # N:1: new note
x = 1  # E:5: another

[case testTwo]
y = 2  # E: stays as it is

[case testThree]
z = 3
[out]
main:1:1: error: new
"""
    # What was written parses back to the messages it was written from.
    one = parse_file(path)[0]
    assert [m.text for m in one.expected()] == ['new "#" text  [code]', "new note", "another"]


def test_update_refuses_a_message_outside_the_case(tmp_path: Path) -> None:
    path = tmp_path / "check-sample.test"
    path.write_text(BEFORE, encoding="utf-8")
    skipped = update_file(path, {"testTwo": _run(Message(MAIN, 7, 1, "error", "far away"))})
    assert skipped == ["testTwo"]
    assert path.read_text(encoding="utf-8") == BEFORE
