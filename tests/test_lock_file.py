"""requirements.lock keeps up with pyproject.toml.

Rule exercised: deployments install from a lock file (#18) that pins every dependency of
the default install and the `postgres` extra; a dependency added to or narrowed in
pyproject without refreshing the lock fails here, not on a server.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]


def _pins() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines():
        match = re.match(r"^([A-Za-z0-9_.\-]+)==(\S+)", line)
        if match:
            pins[canonicalize_name(match.group(1))] = match.group(2)
    return pins


def _declared() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = project["dependencies"] + project["optional-dependencies"]["postgres"]
    return [Requirement(spec) for spec in declared]


def test_every_declared_dependency_is_pinned_within_its_range() -> None:
    """Each requirement of the default install and of `postgres` has a pin that satisfies it."""
    pins = _pins()
    problems = []
    for requirement in _declared():
        if requirement.marker is not None and not requirement.marker.evaluate():
            continue
        pinned = pins.get(canonicalize_name(requirement.name))
        if pinned is None:
            problems.append(f"{requirement.name}: not in requirements.lock")
        elif not requirement.specifier.contains(pinned, prereleases=True):
            problems.append(f"{requirement.name}=={pinned}: outside {requirement.specifier}")
    assert problems == []


def test_the_lock_pins_exact_versions_only() -> None:
    """Every package line is `name==version`: no ranges, no URLs, no local paths."""
    lines = (ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines()
    packages = [line for line in lines if line and not line.startswith((" ", "#", "-"))]
    assert packages, "requirements.lock lists no packages"
    assert [line for line in packages if "==" not in line] == []
    assert not any("file://" in line or "/opt/" in line for line in lines)
