"""``course validate``: every check an instructor needs before releasing units.

Data (question bank, datasets, readings), anchors against an attached copy, notebooks up to date with the
data, and per unit a real nbgrader rehearsal on a scratch course directory: the release must leak no
solution, hidden test or mark scheme; the instructor solution, submitted as a student, must earn full
auto-graded marks; the untouched release must earn zero.
"""
from __future__ import annotations

import re
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


def validate(units: list[Unit], book: str | None = None, execute: bool = True, root: Path | None = None) -> list[Row]:
    root = Path(root or Path.cwd())
    rows = check_data(units)
    rows.append(check_claims(units, book))
    rows.append(check_anchors(units, book))
    rows.append(check_fresh(units, root))
    rows += check_student_side(units, root)
    if execute:
        for u in units:
            rows.extend(rehearse(u))
    return rows
