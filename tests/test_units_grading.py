"""For each unit, a real nbgrader rehearsal: generate_assignment succeeds, the release leaks nothing, the
solution submitted as a student earns full auto-graded marks and the untouched release earns zero.

The units are rehearsed the way `course validate` does it: two worker processes side by side
(:func:`course_instructor.validate.rehearse_all`), each unit in its own scratch course directory, a line of
progress per unit."""
from __future__ import annotations

import pytest

from course.units import all_units
from course_instructor.validate import rehearse_all

UNITS = all_units()
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def rehearsals(tmp_path_factory):
    lines: list[str] = []
    rows = rehearse_all(UNITS, jobs=2, root=tmp_path_factory.mktemp("validate-root"), progress=lines.append)
    assert len(lines) == len(UNITS) and all(line.startswith("[") for line in lines), lines
    by_unit: dict[str, list] = {}
    for r in rows:
        by_unit.setdefault(r.check.split(": ", 1)[0], []).append(r)
    return by_unit


@pytest.mark.parametrize("unit", UNITS, ids=[u.id for u in UNITS])
def test_unit_rehearsal(rehearsals, unit):
    rows = rehearsals[unit.id]
    failed = [f"{r.check}: {r.detail}" for r in rows if not r.ok]
    checks = {r.check.split(": ", 1)[1] for r in rows}
    assert checks == {"generate_assignment", "release leaks nothing", "solution earns full marks",
                      "blank release earns zero"}, rows
    assert failed == []
