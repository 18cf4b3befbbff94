"""Real async packages to run the plugin on, pinned, and how to fetch them.

Each package is downloaded as a wheel with pip (no dependencies, no install)
and unpacked with zipfile into ``<cache>/<name>-<version>/``.  The folders to
check are the package's top-level import folders inside that directory, so a
checker run with that directory as its working directory sees them as
top-level packages.

    python tests/packages.py [--cache DIR] [names...]

fetches the named packages (all of them by default) and prints the folders.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

ROOT: Final = Path(__file__).resolve().parent.parent
DEFAULT_CACHE: Final = ROOT / "benchmarks" / ".cache"

PYTHON_VERSION: Final = "3.11"
PLATFORM: Final = "manylinux2014_x86_64"


@dataclass(frozen=True)
class Package:
    """A pinned distribution and the import folders to check inside its wheel."""

    name: str
    version: str
    folders: tuple[str, ...]
    #: How the tests name it, when another version of it is pinned too.
    label: str = ""

    @property
    def key(self) -> str:
        return self.label or self.name

    @property
    def requirement(self) -> str:
        return f"{self.name}=={self.version}"

    @property
    def dirname(self) -> str:
        return f"{self.name}-{self.version}"


PACKAGES: Final[tuple[Package, ...]] = (
    Package("aiohttp", "3.14.5", ("aiohttp",)),
    Package("discord.py", "2.7.1", ("discord",)),
    Package("distributed", "2026.8.0", ("distributed",)),
    Package("textual", "8.2.8", ("textual",)),
    Package("aiortc", "1.16.0", ("aiortc",)),
    Package("prefect", "3.9.1", ("prefect",)),
    Package("sanic", "25.12.1", ("sanic",)),
    Package("telethon", "1.45.0", ("telethon",)),
    Package("asyncpg", "0.32.0", ("asyncpg",)),
    Package("websockets", "17.4", ("websockets",)),
    # Devices, chat bots, web servers and a Kafka client: ensure_future on
    # coroutines, task-returning wrappers, asyncio.wait and TaskGroup users.
    Package("pyatv", "0.18.0", ("pyatv",)),
    Package("slixmpp", "1.17.0", ("slixmpp",)),
    Package("aiogram", "3.31.0", ("aiogram",)),
    Package("uvicorn", "0.54.0", ("uvicorn",)),
    Package("hypercorn", "0.18.0", ("hypercorn",)),
    Package("aiohomekit", "4.0.1", ("aiohomekit",)),
    # The last release before aiohomekit's own task helper kept its tasks
    # (3.0.0): its callers in other modules drop them.
    Package("aiohomekit", "2.6.16", ("aiohomekit",), label="aiohomekit-2.6.16"),
    Package("zeroconf", "0.154.0", ("zeroconf",)),
    Package("bleak", "3.1.0", ("bleak",)),
    Package("aiokafka", "0.14.0", ("aiokafka",)),
)

# A quick end-to-end check: the smallest package on which the plugin reports
# findings (aiortc: 32 files, 19 dropped tasks/futures, about 1 s of mypy).
SMOKE: Final = ("aiortc",)


class FetchError(Exception):
    """A package could not be downloaded or unpacked."""


def normalize(name: str) -> str:
    """PEP 503 normalization, so `Discord.py` and `discord-py` find discord.py."""
    return re.sub(r"[-_.]+", "-", name).lower()


def select(names: Iterable[str] | None) -> list[Package]:
    """The packages named (all of them for None), in the order given."""
    if names is None:
        return list(PACKAGES)
    by_name = {normalize(package.key): package for package in PACKAGES}
    selected: list[Package] = []
    unknown: list[str] = []
    for name in names:
        package = by_name.get(normalize(name))
        if package is None:
            unknown.append(name)
        elif package not in selected:
            selected.append(package)
    if unknown:
        known = ", ".join(package.key for package in PACKAGES)
        raise KeyError(f"unknown package(s): {', '.join(unknown)}; known: {known}")
    return selected


def fetch(names: Iterable[str] | None, cache: Path) -> dict[str, list[Path]]:
    """Download and unpack each package unless already cached; its folders to check.

    A package directory appears in the cache only complete: it is unpacked
    into a temporary directory next to it and renamed into place, so an
    interrupted or concurrent fetch never leaves a half-unpacked package.
    """
    cache.mkdir(parents=True, exist_ok=True)
    result: dict[str, list[Path]] = {}
    for package in select(names):
        target = cache / package.dirname
        if target.is_dir():
            _log(f"{package.requirement}: cached in {target}")
        else:
            _unpack(package, _download(package, cache), target)
        result[package.key] = _folders(package, target)
    return result


def package_dir(package: Package, cache: Path) -> Path:
    """Where `fetch` unpacks `package` (the working directory for a checker run)."""
    return cache / package.dirname


def _download(package: Package, cache: Path) -> Path:
    """Download the wheel of `package` into a fresh temporary directory under `cache`."""
    dest = Path(tempfile.mkdtemp(prefix=f".download-{package.dirname}-", dir=cache))
    base = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:"]
    base += ["--disable-pip-version-check", "--quiet", "--dest", str(dest)]
    attempts: list[Sequence[str]] = [
        [*base, "--python-version", PYTHON_VERSION, "--platform", PLATFORM, package.requirement],
        # Pure wheels only: the running interpreter decides the tags.
        [*base, package.requirement],
    ]
    errors: list[str] = []
    for command in attempts:
        _log(f"{package.requirement}: downloading ({' '.join(command[3:])})")
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        wheels = sorted(dest.glob("*.whl"))
        if done.returncode == 0 and wheels:
            return wheels[0]
        errors.append(done.stderr.strip() or f"pip exited with {done.returncode}")
    shutil.rmtree(dest, ignore_errors=True)
    raise FetchError(f"{package.requirement}: no wheel could be downloaded:\n" + "\n".join(errors))


def _unpack(package: Package, wheel: Path, target: Path) -> None:
    """Unzip `wheel` into `target` through a temporary directory and a rename."""
    staging = Path(tempfile.mkdtemp(prefix=f".unpack-{package.dirname}-", dir=target.parent))
    try:
        _log(f"{package.requirement}: unpacking {wheel.name}")
        with zipfile.ZipFile(wheel) as archive:
            _check_members(archive, staging)
            archive.extractall(staging)
        missing = [folder for folder in package.folders if not (staging / folder).is_dir()]
        if missing:
            raise FetchError(
                f"{package.requirement}: {wheel.name} has no folder(s) {', '.join(missing)}"
            )
        try:
            os.rename(staging, target)
        except OSError:
            if not target.is_dir():
                raise
            # Another fetch finished first; its copy is as good as ours.
            _log(f"{package.requirement}: unpacked concurrently, keeping {target}")
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        shutil.rmtree(wheel.parent, ignore_errors=True)


def _check_members(archive: zipfile.ZipFile, staging: Path) -> None:
    """Refuse members that would land outside the staging directory."""
    root = staging.resolve()
    for member in archive.namelist():
        destination = (root / member).resolve()
        if destination != root and root not in destination.parents:
            raise FetchError(f"{archive.filename}: unsafe member {member!r}")


def _folders(package: Package, target: Path) -> list[Path]:
    folders = [target / folder for folder in package.folders]
    missing = [str(folder) for folder in folders if not folder.is_dir()]
    if missing:
        raise FetchError(
            f"{package.requirement}: missing {', '.join(missing)}; delete {target} to fetch again"
        )
    return folders


def _log(text: str) -> None:
    print(f"[packages] {text}", file=sys.stderr, flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Fetch the pinned benchmark packages.")
    parser.add_argument(
        "--cache", type=Path, default=DEFAULT_CACHE, help=f"cache directory (default: {DEFAULT_CACHE})"
    )
    parser.add_argument(
        "--smoke", action="store_true", help=f"fetch only the smoke subset ({', '.join(SMOKE)})"
    )
    parser.add_argument("names", nargs="*", help="packages to fetch (default: all)")
    args = parser.parse_args(argv)
    names: list[str] | None = list(args.names) or (list(SMOKE) if args.smoke else None)
    try:
        fetched = fetch(names, args.cache)
    except (KeyError, FetchError) as exc:
        message = exc.args[0] if isinstance(exc, KeyError) else str(exc)
        print(f"error: {message}", file=sys.stderr)
        return 1
    for folders in fetched.values():
        for folder in folders:
            print(folder)
    return 0


if __name__ == "__main__":
    sys.exit(main())
