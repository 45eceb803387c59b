"""The hub roster (``username,course,role``), read by ``jupyterhub_config.py`` and ``ngshare_roster.py``.

Kept beside them (not in the ``course`` package): the hub's own environment has neither package.
"""
from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

ROLES = ("instructor", "grader", "student")


def read_roster(path: Path) -> dict[str, dict[str, set[str]]]:
    """{course: {role: {usernames}}} from a ``username,course,role`` CSV (``#`` comments allowed)."""
    courses: dict[str, dict[str, set[str]]] = defaultdict(lambda: {r: set() for r in ROLES})
    if not Path(path).is_file():
        print(f"[course hub] no roster at {path}: no courses configured")
        return {}
    with open(path, newline="", encoding="utf-8") as fh:
        rows = csv.DictReader(line for line in fh if line.strip() and not line.lstrip().startswith("#"))
        for row in rows:
            user, course, role = (row.get(k, "").strip() for k in ("username", "course", "role"))
            if role not in ROLES:
                raise ValueError(f"{path}: role must be one of {ROLES}, got {role!r} for {user!r}")
            courses[course][role].add(user)
    return dict(courses)


def grader_account(course: str) -> str:
    """The OS account that owns the course directory and runs the course's formgrader service."""
    return f"grader-{course}"


def ngshare_instructors(course: str, members: dict[str, set[str]]) -> list[str]:
    """Who teaches ``course`` in ngshare, which names a caller by the hub identity of its token: the
    formgrader (the service ``<course>``, or the grader account's own server), instructors, graders."""
    return sorted({course, grader_account(course)} | members["instructor"] | members["grader"])
