"""For each unit, a real nbgrader rehearsal: generate_assignment succeeds, the release leaks nothing, the
solution submitted as a student earns full auto-graded marks and the untouched release earns zero."""
from __future__ import annotations

import pytest

from course.units import all_units
from course_instructor.validate import rehearse

UNITS = all_units()
pytestmark = pytest.mark.slow


@pytest.mark.parametrize("unit", UNITS, ids=[u.id for u in UNITS])
def test_unit_rehearsal(unit):
    rows = rehearse(unit)
    failed = [f"{r.check}: {r.detail}" for r in rows if not r.ok]
    checks = {r.check.split(": ", 1)[1] for r in rows}
    assert checks == {"generate_assignment", "release leaks nothing", "solution earns full marks",
                      "blank release earns zero"}, rows
    assert failed == []
