"""The environment `make` builds holds exactly the versions requirements/lock.txt pins."""

from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

LOCK = Path(__file__).resolve().parents[2] / "requirements" / "lock.txt"


def _pins():
    for line in LOCK.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            yield Requirement(line)


def test_every_locked_dependency_is_installed_at_its_pinned_version():
    wrong = {}
    for req in _pins():
        if req.marker is not None and not req.marker.evaluate():
            continue
        (pinned,) = (spec.version for spec in req.specifier)
        try:
            installed = metadata.version(req.name)
        except metadata.PackageNotFoundError:
            installed = "missing"
        if installed != pinned:
            wrong[req.name] = (pinned, installed)
    assert wrong == {}, f"installed versions differ from {LOCK.name} (pinned, installed): {wrong}"


def test_the_lock_covers_every_dependency_the_project_declares():
    declared = metadata.distribution("liaison-schools").requires or []
    locked = {canonicalize_name(req.name) for req in _pins()}
    missing = sorted(
        name
        for name in (canonicalize_name(Requirement(r).name) for r in declared)
        if name not in locked and name != "argostranslate"  # the optional offline engine
    )
    assert missing == []
