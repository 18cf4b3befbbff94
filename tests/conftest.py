from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
# benchmarks/ holds the package pins and process helpers some tests share.
sys.path.insert(0, str(ROOT / "benchmarks"))

# Internal errors in the plugin's hooks crash mypy during the tests instead of
# being silenced as they are for users (see plugin/_compat.py, Guard).
os.environ["MYPY_DANGLING_TASKS_DEBUG"] = "1"


def pytest_addoption(parser: "pytest.Parser") -> None:
    parser.addoption(
        "--update-data",
        action="store_true",
        help="rewrite the expectations of failing test-data cases to what mypy now reports "
        "(review the result with git diff)",
    )
