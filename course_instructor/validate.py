"""``course validate``: every check an instructor needs before releasing units.

Data (question bank, datasets, readings), anchors against an attached copy, notebooks up to date with the
data, and per unit a real nbgrader rehearsal on a scratch course directory: the release must leak no
solution, hidden test or mark scheme; the instructor solution, submitted as a student, must earn full
auto-graded marks; the untouched release must earn zero.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat

from course.units import Unit

REGIONS = [("### BEGIN SOLUTION", "### END SOLUTION"), ("### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"),
           ("=== BEGIN MARK SCHEME ===", "=== END MARK SCHEME ===")]


@dataclass
class Row:
    check: str
    ok: bool
    detail: str = ""


def _row(check: str, problems: list[str], ok_detail: str = "") -> Row:
    if problems:
        more = f" (+{len(problems) - 3} more)" if len(problems) > 3 else ""
        return Row(check, False, "; ".join(problems[:3]) + more)
    return Row(check, True, ok_detail)


def check_data(units: list[Unit]) -> list[Row]:
    from course import data

    from .bankcheck import check

    bank_problems, counts = check(units)
    g = counts["graded"]
    rows = [_row("question banks (schema, skills, form, pools)", bank_problems,
                 f"{sum(g['kind'].values())} graded items: {dict(sorted(g['skill'].items()))}")]
    problems = []
    for name in data.names():
        problems += [f"{name}: {p}" for p in data.problems(name)]
    rows.append(_row("datasets", problems, f"{len(data.names())} datasets"))
    probs = []
    for u in units:
        for r in u.readings:
            probs += r.problems()
        if len(u.readings) < 3:
            probs.append(f"{u.id}: {len(u.readings)} readings (at least 3)")
    rows.append(_row("units: readings", probs, f"{len(units)} units"))
    return rows


def check_student_side(units: list[Unit], root: Path) -> list[Row]:
    """What a student's kernel can reach: no graded key in the student package or in a released notebook."""
    from course import questions

    from .bank import GRADED

    probs = [f"{qid}: graded item importable from the student package" for u in units for qid in u.graded
             if qid in questions.PRACTICE]
    practice_texts = {x.text for x in questions.PRACTICE.quotes()}
    probs += [f"{x.id}: graded-pool quotation also in the student pool" for x in GRADED.quotes() if x.text in practice_texts]
    for u in units:
        path = root / "source" / u.assignment / f"{u.assignment}.ipynb"
        if path.exists():
            nb = nbformat.read(path, 4)
            for c in nb.cells:
                meta = c.metadata.get("nbgrader", {})
                if meta.get("grade") and c.cell_type == "code" and ("HIDDEN TESTS" in c.source or "expected" in c.source):
                    probs.append(f"{u.id}: check cell {meta.get('grade_id')} carries a key or hidden test")
                if "MARK SCHEME" in c.source:
                    probs.append(f"{u.id}: {meta.get('grade_id')} carries a mark scheme (it would reach the kernel's notebook)")
    return [_row("no graded key reachable by a student", probs, "keys only in keys/ and course_instructor/")]


def check_anchors(units: list[Unit], book_path: str | None) -> Row:
    from course import book as _book
    from course.readings import check_all

    try:
        b = _book.open_book(book_path) if book_path else _book.current_book()
    except _book.BookError as exc:
        return Row("readings resolve in the book", False, str(exc).splitlines()[0])
    if b is None:
        return Row("readings resolve in the book", True, "skipped: no copy attached (use --book or COURSE_BOOK)")
    ids = {r.id for u in units for r in u.readings}
    problems = [p for p in check_all(b) if p.split(":")[0] in ids]
    return _row("readings resolve in the book", problems, f"{len(ids)} readings")


def check_fresh(units: list[Unit], root: Path) -> Row:
    from .build import stale

    return _row("notebooks and keys match the data", stale(units, root), "source/, keys/, notebooks/, solutions/")


def release_leaks(source_nb, release_nb) -> list[str]:
    """What of the instructor's version shows in the student release (should be nothing)."""
    text = nbformat.writes(release_nb)
    leaks = [f"marker {begin!r} left in the release" for begin, _ in REGIONS if begin in text]
    released_lines = {ln.strip() for c in release_nb.cells for ln in c.source.splitlines()}
    for cell in source_nb.cells:
        for begin, end in REGIONS:
            for region in re.findall(re.escape(begin) + r"(.*?)" + re.escape(end), cell.source, flags=re.S):
                for line in region.splitlines():
                    line = line.strip()
                    if len(line) >= 12 and not line.startswith("#") and line in released_lines:
                        leaks.append(f"{cell.metadata.get('nbgrader', {}).get('grade_id')}: {line[:60]!r} is in the release")
    return leaks


def rehearse(unit: Unit) -> list[Row]:
    """Generate the release, then autograde the solution (full marks) and the untouched release (zero)."""
    from .build import graded_questions, unit_notebook

    return rehearse_notebook(unit.assignment, unit_notebook(unit, "source"), label=unit.id,
                             questions=graded_questions(unit))


def rehearse_notebook(assignment: str, source_nb, label: str | None = None, questions=None) -> list[Row]:
    """:func:`rehearse` for any instructor notebook (used on deliberately broken ones in the tests)."""
    from .classroom import Classroom, NbgraderError

    a, label = assignment, label or assignment
    from .keys import write_keys

    room = Classroom.scratch()
    src = room.root / "source" / a / f"{a}.ipynb"
    src.parent.mkdir(parents=True)
    nbformat.write(source_nb, src)
    if questions is not None:
        write_keys(a, questions, room.root)
    try:
        release = room.generate(a) / f"{a}.ipynb"
    except NbgraderError as exc:
        return [Row(f"{label}: generate_assignment", False, str(exc).splitlines()[0])]
    rows = [Row(f"{label}: generate_assignment", True, f"release/{a}/")]
    release_nb = nbformat.read(release, 4)
    rows.append(_row(f"{label}: release leaks nothing", release_leaks(source_nb, release_nb)))
    room.submit("solution", a, src)
    room.submit("blank", a, release)
    proc = room.autograde(a)
    scores = room.scores(a)
    auto_max = _auto_max(room, a)
    sol, blank = scores.get("solution"), scores.get("blank")
    if sol is None or blank is None:
        return rows + [Row(f"{label}: autograde", False, (proc.stderr or proc.stdout)[-300:])]
    rows.append(Row(f"{label}: solution earns full marks", abs(sol.auto_score - auto_max) < 1e-6,
                    f"{sol.auto_score:g}/{auto_max:g} auto-graded points"))
    rows.append(Row(f"{label}: blank release earns zero", blank.auto_score == 0, f"{blank.auto_score:g} points"))
    return rows


def _auto_max(room, assignment: str) -> float:
    with room.gradebook() as gb:
        a = gb.find_assignment(assignment)
        return sum(gc.max_score for nb in a.notebooks for gc in nb.grade_cells if gc.cell_type == "code")


def check_claims(units: list[Unit], book_path: str | None) -> Row:
    """Tucker and the archives: every claim well formed, sourced, with a real status; with a copy of the book,
    every section a heading of its chapter and every anchor found there; every unit with 3-6 claims."""
    from course.book import current_book, open_book
    from course.data import claims

    book = open_book(book_path) if book_path else current_book()
    problems = claims.problems(book)
    for u in units:
        n = len(claims.claims(u.id))
        if not 3 <= n <= 6:
            problems.append(f"{u.id}: {n} claims (3-6 wanted)")
    where = "against the book" if book else "no copy of the book: sections and anchors not checked"
    return _row("Tucker and the archives: claims", problems,
                f"{sum(len(claims.claims(u.id)) for u in units)} claims, {where}")


STAMP = ".course-validate.json"  # per unit, the fingerprint of its last rehearsal that passed


def fingerprint(unit: Unit) -> str:
    """What a rehearsal of ``unit`` depends on: its instructor notebook and its keys (from the data)."""
    from .build import _dump, graded_questions, unit_notebook
    from .keys import key_record

    keys = {q.id: key_record(q) for q in graded_questions(unit)}
    blob = _dump(unit_notebook(unit, "source")) + json.dumps(keys, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def _stamps(root: Path) -> dict:
    try:
        return json.loads((root / STAMP).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _rehearse_id(unit_id: str) -> tuple[str, list[Row], float]:
    """One unit's rehearsal, in a worker process (units are passed by id: a worker loads them itself)."""
    from course.units import unit as get_unit

    t = time.perf_counter()
    return unit_id, rehearse(get_unit(unit_id)), time.perf_counter() - t


def rehearse_all(units: list[Unit], jobs: int = 1, root: Path | None = None, changed: bool = False,
                 progress=None) -> list[Row]:
    """Rehearse ``units`` with ``jobs`` worker processes (each in its own scratch course directory), saying
    each unit's result as it comes (``progress(line)``, default: stderr). ``changed=True``: skip the units
    whose instructor notebook and keys are the same as at their last passing rehearsal (``root/STAMP``)."""
    from concurrent.futures import ProcessPoolExecutor, as_completed

    say = progress or (lambda line: print(line, file=sys.stderr, flush=True))
    root = Path(root or Path.cwd())
    stamps, prints = _stamps(root), {u.id: fingerprint(u) for u in units}
    todo = [u for u in units if not (changed and stamps.get(u.id) == prints[u.id])]
    rows_by: dict[str, list[Row]] = {u.id: [Row(f"{u.id}: rehearsal", True, "unchanged since the last passing "
                                                "rehearsal (--changed)")] for u in units if u not in todo}
    if changed:
        say(f"rehearsing {len(todo)} of {len(units)} units (the others are unchanged)")
    done = 0

    def record(uid: str, rows: list[Row], seconds: float) -> None:
        nonlocal done
        done += 1
        rows_by[uid] = rows
        bad = [r for r in rows if not r.ok]
        say(f"[{done}/{len(todo)}] {uid}: {'ok' if not bad else 'FAIL: ' + bad[0].check} ({seconds:.0f} s)")
        if not bad:
            stamps[uid] = prints[uid]

    if jobs <= 1 or len(todo) <= 1:
        for u in todo:
            record(*_rehearse_id(u.id))
    else:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            futures = {pool.submit(_rehearse_id, u.id): u.id for u in todo}
            for fut in as_completed(futures):
                try:
                    record(*fut.result())
                except Exception as exc:  # a worker that died: that unit fails, the others go on
                    record(futures[fut], [Row(f"{futures[fut]}: rehearsal", False, f"{type(exc).__name__}: {exc}")], 0)
    try:
        (root / STAMP).write_text(json.dumps(stamps, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    except OSError:
        pass
    return [r for u in units for r in rows_by[u.id]]


def default_jobs() -> int:
    """Worker processes for rehearsals: the machine's cores, at most 4 (each runs nbgrader and a kernel)."""
    return max(1, min(4, os.cpu_count() or 1))


def validate(units: list[Unit], book: str | None = None, execute: bool = True, root: Path | None = None,
             jobs: int = 1, changed: bool = False, progress=None) -> list[Row]:
    root = Path(root or Path.cwd())
    rows = check_data(units)
    rows.append(check_claims(units, book))
    rows.append(check_anchors(units, book))
    rows.append(check_fresh(units, root))
    rows += check_student_side(units, root)
    if execute:
        rows += rehearse_all(units, jobs=jobs, root=root, changed=changed, progress=progress)
    return rows
