"""The locks in requirements/ (written by scripts/lock.sh) agree with every exact pin in
pyproject.toml, and every package in them carries its hashes (pip installs them with --require-hashes)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
EXTRAS = PROJECT["project"]["optional-dependencies"]
# Which extras each lock installs (scripts/lock.sh); the main dependencies and the build backend are in all.
LOCKS = {"laptop": ["demo"], "server": ["server"], "test": ["demo", "server", "test"], "package": ["demo", "build"]}
PIN = re.compile(r"^([A-Za-z0-9._-]+)(?:\[[^\]]*\])?==([^\s;]+)")


def normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(requirements: list[str]) -> dict[str, str]:
    found = {}
    for line in requirements:
        match = PIN.match(line.strip())
        assert match, f"not an exact pin in pyproject.toml: {line}"
        found[normal(match[1])] = match[2]
    return found


def lock(name: str) -> dict[str, tuple[str, int]]:
    """package -> (version, number of hashes)."""
    packages: dict[str, tuple[str, int]] = {}
    current = None
    for line in (ROOT / "requirements" / f"{name}.txt").read_text(encoding="utf-8").splitlines():
        if match := PIN.match(line):
            current = normal(match[1])
            assert current not in packages, f"{name}.txt pins {current} twice"
            packages[current] = (match[2], 0)
        elif line.strip().startswith("--hash=sha256:") and current:
            version, hashes = packages[current]
            assert re.fullmatch(r"--hash=sha256:[0-9a-f]{64}( \\)?", line.strip()), line
            packages[current] = (version, hashes + 1)
        elif line.strip() and not line.lstrip().startswith("#"):
            current = None
    return packages


def test_every_extra_is_in_a_lock():
    assert {e for extras in LOCKS.values() for e in extras} == set(EXTRAS)


@pytest.mark.parametrize("name", sorted(LOCKS))
def test_the_lock_has_every_pin_of_pyproject_at_its_version(name):
    locked = lock(name)
    wanted = pins(PROJECT["project"]["dependencies"]) | pins(PROJECT["build-system"]["requires"])
    for extra in LOCKS[name]:
        wanted |= pins(EXTRAS[extra])
    assert {p: locked.get(p, (None,))[0] for p in wanted} == wanted


@pytest.mark.parametrize("name", sorted(LOCKS))
def test_every_locked_package_has_hashes(name):
    locked = lock(name)
    assert len(locked) > 20
    assert [p for p, (_v, hashes) in locked.items() if hashes == 0] == []


def test_the_server_packages_are_not_in_the_laptop_lock():
    laptop = lock("laptop")
    assert [p for p in pins(EXTRAS["server"]) if p in laptop] == []
    assert "faker" in laptop and "faker" in lock("package")  # the demo ships with the program
