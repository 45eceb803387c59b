"""``course demo``: a whole class, rehearsed on a scratch copy in under a minute.

A synthetic class answers one unit — some perfectly, some partly, some wrongly, some not at all, one
with an essay — and the real nbgrader pipeline runs on it: ``generate_assignment``, then ``autograde`` and
``generate_feedback`` of the class with the course's parallel grader (``course grade``: one worker per core),
then ``course report``. The summary table is what an instructor would see, with the time each step took.
"""
from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from .classroom import Classroom
from course.units import unit as get_unit

ESSAY = ("In this chapter the state drives change from above. The author links it to older patterns of "
         "state-building, and the evidence in the readings supports that reading in three ways. ") * 4


@dataclass
class DemoSummary:
    root: Path
    assignment: str
    rows: list[dict] = field(default_factory=list)
    report_dir: Path | None = None
    timings: dict[str, float] = field(default_factory=dict)
    jobs: int = 1

    def table(self) -> str:
        lines = [f"{'student':<12} {'profile':<9} {'auto':>9} {'total':>9}  manual grading",
                 "-" * 58]
        for r in self.rows:
            lines.append(f"{r['student']:<12} {r['profile']:<9} {r['auto']:>9} {r['total']:>9}  "
                         f"{'pending' if r['manual_pending'] else '-'}")
        if self.timings:
            steps = ", ".join(f"{k} {v:.0f} s" for k, v in self.timings.items() if k != "total")
            lines.append(f"\n{len(self.rows)} students in {self.timings['total']:.0f} s ({steps}; {self.jobs} grading "
                         "worker(s))")
        return "\n".join(lines)


def answer_cells(nb) -> dict[str, int]:
    """grade_id -> index of each cell a student answers (nbgrader ``solution`` cells)."""
    return {c.metadata["nbgrader"]["grade_id"]: i for i, c in enumerate(nb.cells)
            if c.metadata.get("nbgrader", {}).get("solution")}


def student_notebook(source_nb, release_nb, answered: set[str], wrong: set[str], essay: bool,
                     keys: dict | None = None):
    """The release with the instructor's answers in ``answered`` cells, a well-formed but wrong answer in
    ``wrong`` cells (built from the key: another letter, a reversed order, rotated speakers, a chart of
    the wrong kind), and optionally an essay."""
    nb = nbformat.from_dict(release_nb)
    src = answer_cells(source_nb)
    for gid, i in answer_cells(nb).items():
        cell, sol = nb.cells[i], source_nb.cells[src[gid]]
        if cell.cell_type == "markdown":
            if essay:
                cell.source = ESSAY
            continue
        if gid in answered:
            cell.source = strip_markers(sol.source)
        elif gid in wrong and keys:
            key = keys[gid[: -len("-answer")]]
            cell.source = f"{key['variable']} = {wrong_answer(key)!r}"
    return nb


def strip_markers(source: str) -> str:
    return "\n".join(line for line in source.splitlines() if "### BEGIN SOLUTION" not in line and "### END SOLUTION" not in line)


def wrong_answer(key: dict):
    """A well-formed answer that earns nothing under the scoring rules (course.scoring)."""
    kind, right = key["kind"], key.get("key")
    if kind == "multiple_choice":
        return "ABCDEFGH"[("ABCDEFGH".index(right) + 1) % key.get("n", 4)]
    if kind == "numeric":
        return float(right) * 3 + 7 + 10 * (key.get("tolerance") or 1)
    if kind == "chronology":
        return list(reversed(right))
    if kind == "attribution":
        choices = key["choices"]
        return {int(n): choices[(choices.index(s) + 1) % len(choices)] for n, s in right.items()}
    if kind == "chart":
        return {"mark": "text", "encoding": {}}
    raise ValueError(kind)


def class_profiles(n: int, seed: int = 1930) -> list[str]:
    base = ["perfect", "blank", "partial", "wrong"]
    rng = random.Random(seed)
    return base[:n] + [rng.choice(["perfect", "partial", "partial", "wrong", "blank"]) for _ in range(max(0, n - 4))]


def run_demo(unit_id: str = "ch01", students: int = 20, where: str | Path | None = None, seed: int = 1930,
             jobs: int = 0, progress: bool = False) -> DemoSummary:
    """The class rehearsed; ``jobs`` grading workers (default: one per core, see :mod:`.classgrade`)."""
    from .classgrade import default_jobs, grade_class

    t0 = time.perf_counter()
    timings = {}
    unit = get_unit(unit_id)
    a = unit.assignment
    room = Classroom.scratch([unit.id], where=where)
    release = room.generate(a)
    source_nb = nbformat.read(room.root / "source" / a / f"{a}.ipynb", 4)
    release_nb = nbformat.read(release / f"{a}.ipynb", 4)
    gids = [g for g, i in answer_cells(source_nb).items() if source_nb.cells[i].cell_type == "code"]
    from .keys import load_keys

    keys = load_keys(room.root, a)
    rng = random.Random(seed)
    profiles = {}
    for k, profile in enumerate(class_profiles(students, seed), 1):
        student = f"student{k:02d}"
        if profile == "perfect":
            answered, wrong = set(gids), set()
        elif profile == "partial":
            answered = set(rng.sample(gids, max(1, len(gids) // 2)))
            wrong = set(gids) - answered
        elif profile == "wrong":
            answered, wrong = set(), set(gids)
        else:
            answered, wrong = set(), set()
        nb = student_notebook(source_nb, release_nb, answered, wrong, essay=profile != "blank", keys=keys)
        room.submit(student, a, nb)
        profiles[student] = profile
    timings["set-up"] = time.perf_counter() - t0
    t = time.perf_counter()
    jobs = jobs or default_jobs()
    grade_class(room.root, a, jobs=jobs, progress=progress)
    timings["autograde + feedback"] = time.perf_counter() - t
    summary = DemoSummary(room.root, a, jobs=jobs)
    for student, s in sorted(room.scores(a).items()):
        summary.rows.append({"student": student, "profile": profiles.get(student, "?"),
                             "auto": f"{s.auto_score:g}", "total": f"{s.score:g}/{s.max_score:g}",
                             "manual_pending": s.needs_manual_grade})
    from .report import write_report

    summary.report_dir = room.root / "reports"
    t = time.perf_counter()
    write_report(room.root, summary.report_dir, [a])
    timings["report"] = time.perf_counter() - t
    timings["total"] = time.perf_counter() - t0
    summary.timings = timings
    return summary
