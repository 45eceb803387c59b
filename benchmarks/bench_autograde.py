"""Autograde throughput of one unit's class: nbgrader's own sequential autograde beside the course's class
grader (``course grade``) with 1 and 2 workers, on identical copies of the same submissions.

Prints `name: value unit` lines. Target (issue 17): 2 workers >= 1.7x the throughput of 1 worker. The three
runs must give every student the same auto score (a fast wrong grader is not a fast grader); the scratch
course directories are removed afterwards. Feedback is not timed here (``course demo`` prints it).

    python benchmarks/bench_autograde.py [UNIT] [N]
"""
from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from course_instructor.classgrade import grade_class  # noqa: E402
from course_instructor.classroom import Classroom  # noqa: E402
from course_instructor.demo import answer_cells, student_notebook  # noqa: E402
from course_instructor.keys import load_keys  # noqa: E402
from course.units import unit as get_unit  # noqa: E402


def prepare(uid: str, n: int, where: Path) -> tuple[Classroom, str]:
    """A course directory with the unit released and ``n`` submissions answering 0..all questions."""
    a = get_unit(uid).assignment
    room = Classroom.scratch([uid], where=where)
    release = room.generate(a)
    src = nbformat.read(room.root / "source" / a / f"{a}.ipynb", 4)
    rel = nbformat.read(release / f"{a}.ipynb", 4)
    keys = load_keys(room.root, a)
    ids = [g for g, i in answer_cells(src).items() if src.cells[i].cell_type == "code"]
    for k in range(n):
        answered = set(ids[: k % (len(ids) + 1)])
        room.submit(f"s{k:03d}", a, student_notebook(src, rel, answered, set(ids) - answered if k % 3 == 0 else set(),
                                                     essay=True, keys=keys))
    return room, a


def scores(room: Classroom, a: str, n: int, label: str) -> dict[str, float]:
    got = {s: v.auto_score for s, v in room.scores(a).items()}
    if len(got) != n:
        raise SystemExit(f"{label}: {len(got)} of {n} submissions scored")
    return got


def main() -> None:
    uid = sys.argv[1] if len(sys.argv) > 1 else "ch04"
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 12
    with tempfile.TemporaryDirectory(prefix="bench-autograde-") as tmp:
        base, a = prepare(uid, n, Path(tmp) / "base")
        rooms = {}
        for label in ("nbgrader", "workers1", "workers2"):
            shutil.copytree(base.root, Path(tmp) / label)
            rooms[label] = Classroom(Path(tmp) / label)
        seconds, results = {}, {}

        t = time.perf_counter()
        proc = rooms["nbgrader"].autograde(a)
        seconds["nbgrader"] = time.perf_counter() - t
        if proc.returncode:
            raise SystemExit(f"nbgrader autograde failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")
        results["nbgrader"] = scores(rooms["nbgrader"], a, n, "nbgrader")
        for jobs in (1, 2):
            label = f"workers{jobs}"
            res = grade_class(rooms[label].root, a, jobs=jobs, feedback=False, progress=False)
            seconds[label] = res.seconds
            if res.failed:
                raise SystemExit(f"{label}: {len(res.failed)} submissions failed:\n{res.table()}")
            results[label] = scores(rooms[label], a, n, label)
        if not results["nbgrader"] == results["workers1"] == results["workers2"]:
            raise SystemExit(f"the runs disagree on scores: {results}")
        spread = sorted(set(results["nbgrader"].values()))
        if len(spread) < 2:
            raise SystemExit(f"every submission scored {spread}: the benchmark's class does not vary")

    rate = {k: n / v for k, v in seconds.items()}
    print(f"autograde_{uid}_submissions: {n} (auto scores {spread[0]:g} to {spread[-1]:g}, identical in all runs)")
    print(f"autograde_{uid}_nbgrader_sequential: {rate['nbgrader']:.3f} submissions/s ({seconds['nbgrader']:.1f} s)")
    print(f"autograde_{uid}_course_grade_1_worker: {rate['workers1']:.3f} submissions/s ({seconds['workers1']:.1f} s)")
    print(f"autograde_{uid}_course_grade_2_workers: {rate['workers2']:.3f} submissions/s ({seconds['workers2']:.1f} s)")
    print(f"autograde_speedup_2_workers_over_1: {rate['workers2'] / rate['workers1']:.2f} x")
    print(f"autograde_speedup_2_workers_over_nbgrader: {rate['workers2'] / rate['nbgrader']:.2f} x")


if __name__ == "__main__":
    main()
