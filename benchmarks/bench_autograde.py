"""Autograde throughput for one unit, beside the floor (an empty notebook autograded the same N times).

Prints `name: value unit` lines. Target (issue: instructor workflow): time per submission <= 1.5x the floor.
The course directories are scratch ones (``course_instructor.classroom``), removed afterwards; the run stops
with an error if nbgrader fails or a submission is left without a score (a failed run is not a fast one).

    python benchmarks/bench_autograde.py [UNIT] [N]
"""
from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_notebook

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from course_instructor.classroom import Classroom  # noqa: E402
from course_instructor.demo import answer_cells, student_notebook  # noqa: E402
from course.units import unit as get_unit  # noqa: E402


def timed_autograde(room: Classroom, assignment: str, n: int) -> float:
    """Seconds for ``nbgrader autograde`` of every submission; fails unless all ``n`` were scored."""
    t = time.perf_counter()
    proc = room.autograde(assignment)
    elapsed = time.perf_counter() - t
    if proc.returncode:
        raise SystemExit(f"autograde {assignment} failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")
    scores = room.scores(assignment)
    if len(scores) != n or any(s.max_score <= 0 for s in scores.values()):
        raise SystemExit(f"autograde {assignment}: {len(scores)} of {n} submissions scored: {scores}")
    return elapsed


def main() -> None:
    uid = sys.argv[1] if len(sys.argv) > 1 else "ch04"
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    unit = get_unit(uid)
    with tempfile.TemporaryDirectory(prefix="bench-autograde-") as tmp:
        run(uid, unit.assignment, n, Path(tmp))


def run(uid: str, a: str, n: int, tmp: Path) -> None:
    room = Classroom.scratch([uid], where=tmp / "unit")
    release = room.generate(a)
    src = nbformat.read(room.root / "source" / a / f"{a}.ipynb", 4)
    rel = nbformat.read(release / f"{a}.ipynb", 4)
    ids = [g for g, i in answer_cells(src).items() if src.cells[i].cell_type == "code"]
    for k in range(n):
        room.submit(f"s{k:03d}", a, student_notebook(src, rel, set(ids[: k % (len(ids) + 1)]), set(), essay=True))
    unit_time = timed_autograde(room, a, n)
    auto = sorted(s.auto_score for s in room.scores(a).values())
    if len(ids) and n > 1 and auto[0] == auto[-1]:
        raise SystemExit(f"autograde {a}: every submission scored {auto[0]}, whatever it answered")

    floor = Classroom.scratch(where=tmp / "floor")
    empty = new_notebook(cells=[new_code_cell("1")])
    empty.metadata = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}
    cell = empty.cells[0]
    cell.metadata["nbgrader"] = {"grade": True, "solution": False, "locked": True, "grade_id": "t", "points": 1,
                                 "schema_version": 3}
    path = floor.root / "source" / "empty" / "empty.ipynb"
    path.parent.mkdir(parents=True)
    nbformat.write(empty, path)
    floor.generate("empty")
    for k in range(n):
        floor.submit(f"s{k:03d}", "empty", floor.root / "release" / "empty" / "empty.ipynb", name="empty")
    floor_time = timed_autograde(floor, "empty", n)

    print(f"autograde_{uid}_per_submission: {unit_time / n:.2f} s")
    print(f"autograde_{uid}_auto_scores: {auto[0]:g} to {auto[-1]:g} points")
    print(f"autograde_{uid}_throughput: {60 * n / unit_time:.1f} submissions/min")
    print(f"autograde_empty_floor_per_submission: {floor_time / n:.2f} s")
    print(f"autograde_ratio_to_floor: {unit_time / floor_time:.2f} x")


if __name__ == "__main__":
    main()
