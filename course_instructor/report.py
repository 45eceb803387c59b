"""``course report``: grades out of nbgrader's gradebook, for people and for the LMS.

Reads the course's gradebook (``Classroom.db_url``: ``COURSE_DB_URL`` when set, else ``gradebook.db`` in
the course directory) and writes: ``grades.csv`` (one row per student and assignment), ``questions.csv``
(mean score, difficulty and **discrimination** per question, over graded answers, with the question id
``qid`` beside nbgrader's cell id; essays still waiting for a grader are counted as ``pending``, not as
zeros), ``options.csv`` (for each multiple-choice question, how often each option was chosen, the key
marked), and charts (score distribution, one panel per assignment in book order; hardest questions; item
analysis; questions labelled by qid) as HTML with Vega inlined (opens offline) and PNG at twice the size.
The wide files an LMS imports come from ``course report --lms canvas|moodle`` (``course_instructor.lms``).

Item analysis, for an instructor who wants to spot a broken item after one class: a question's
*discrimination* is the correlation between its score and the rest of the student's score (the
point-biserial correlation for an all-or-nothing item). Near zero or negative: strong students do no
better on it than weak ones — the key may be wrong, or the item guessable. A distractor nobody chooses
does no work; a distractor the strong students choose may be a second right answer.
"""
from __future__ import annotations

import csv
from pathlib import Path


def qid(grade_id: str) -> str:
    """The question id of an nbgrader grade cell: ``ch04-q5-test`` -> ``ch04-q5``, ``ch04-essay-answer`` -> ``ch04-essay``."""
    for suffix in ("-test", "-answer"):
        if grade_id.endswith(suffix):
            return grade_id[: -len(suffix)]
    return grade_id


def collect(root: Path, assignments: list[str] | None = None) -> tuple[list[dict], list[dict]]:
    """(grade rows, question rows) from the course's gradebook (``Classroom.db_url``)."""
    from .classroom import Classroom

    room = Classroom(root)
    grades, questions = [], []
    with room.gradebook() as gb:
        names = assignments or [a.name for a in gb.assignments]
        for name in names:
            gb.find_assignment(name)  # raises MissingEntry for an unknown assignment
            per_q: dict[str, list[float]] = {}
            max_q: dict[str, float] = {}
            pending_q: dict[str, int] = {}
            for sub in gb.assignment_submissions(name):
                grades.append({"student": sub.student.id, "assignment": name, "score": round(sub.score, 2),
                               "max_score": sub.max_score, "auto_score": round(sub.code_score, 2),
                               "manual_pending": sub.needs_manual_grade, "late_penalty": sub.late_submission_penalty or 0.0,
                               "seconds_late": round(sub.total_seconds_late)})
                for nb in sub.notebooks:
                    for g in nb.grades:
                        max_q[g.name] = g.max_score
                        per_q.setdefault(g.name, [])
                        if g.auto_score is None and g.manual_score is None:  # an essay awaiting its grader: not a zero
                            pending_q[g.name] = pending_q.get(g.name, 0) + 1
                        else:
                            per_q[g.name].append(g.score or 0.0)
            by_student = {}
            for sub in gb.assignment_submissions(name):
                by_student[sub.student.id] = {g.name: g.score for nb in sub.notebooks for g in nb.grades
                                              if not (g.auto_score is None and g.manual_score is None)}
            for qname, scores in sorted(per_q.items()):
                mean = sum(scores) / len(scores) if scores else None
                questions.append({"assignment": name, "question": qname, "qid": qid(qname), "max_score": max_q[qname],
                                  "mean_score": None if mean is None else round(mean, 3), "n": len(scores),
                                  "pending": pending_q.get(qname, 0),
                                  "difficulty": None if mean is None else
                                  (round(1 - mean / max_q[qname], 3) if max_q[qname] else 0.0),
                                  "discrimination": discrimination(qname, by_student)})
    return grades, questions


def _pearson(xs: list[float], ys: list[float]) -> float | None:
    n = len(xs)
    if n < 3:
        return None
    mx, my = sum(xs) / n, sum(ys) / n
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys))
    sxx, syy = sum((x - mx) ** 2 for x in xs), sum((y - my) ** 2 for y in ys)
    return None if sxx == 0 or syy == 0 else round(sxy / (sxx * syy) ** 0.5, 3)


def discrimination(question: str, by_student: dict[str, dict[str, float]]) -> float | None:
    """Correlation of a question's score with the rest of each student's score (None: too few, or no spread)."""
    pairs = [(s[question] or 0.0, sum(v or 0.0 for k, v in s.items() if k != question))
             for s in by_student.values() if question in s]
    return _pearson([a for a, _ in pairs], [b for _, b in pairs])


def option_counts(root: Path, assignments: list[str]) -> list[dict]:
    """How often each multiple-choice option was chosen, read from the autograded notebooks' check cells."""
    import nbformat

    from .keys import load_keys

    rows = []
    for a in assignments:
        keys = load_keys(root, a)
        counts: dict[str, dict[str, int]] = {}
        for path in sorted((root / "autograded").glob(f"*/{a}/*.ipynb")):
            try:
                nb = nbformat.read(path, 4)
            except Exception:  # an unreadable autograded file: nbgrader already said so
                continue
            for cell in nb.cells:
                gid = cell.metadata.get("nbgrader", {}).get("grade_id", "")
                qid = gid[: -len("-test")] if gid.endswith("-test") else ""
                if keys.get(qid, {}).get("kind") == "multiple_choice":
                    got = (cell.metadata.get("course") or {}).get("answer")
                    letter = got.strip().upper() if isinstance(got, str) else "(none)"
                    counts.setdefault(qid, {}).setdefault(letter, 0)
                    counts[qid][letter] += 1
        for qid, c in sorted(counts.items()):
            key = keys[qid]
            letters = [chr(65 + i) for i in range(key.get("n", 4))] + (["(none)"] if "(none)" in c else [])
            for letter in letters:
                opts = key.get("options") or []
                text = opts[ord(letter) - 65] if len(letter) == 1 and ord(letter) - 65 < len(opts) else ""
                rows.append({"assignment": a, "question": qid, "option": letter, "key": letter == key["key"],
                             "chosen": c.get(letter, 0), "text": text[:80]})
    return rows


def _write_csv(path: Path, rows: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as f:
        if rows:
            w = csv.DictWriter(f, fieldnames=list(rows[0]))
            w.writeheader()
            w.writerows(rows)
    return path


WIDTH = 640  # px: readable in a browser and, at scale factor 2, in the PNG


def _count_ticks(g) -> list[int]:
    """Whole-number ticks for the student counts of the 10-point histograms (Vega's tickMinStep alone still
    draws a 0.5 tick when the largest bar is 1 or 2)."""
    import math

    top = int(g.groupby(["assignment", (g["percent"] // 10).clip(0, 9)]).size().max())
    step = max(1, math.ceil(top / 4))
    return list(range(0, top + step, step))


def charts(grades: list[dict], questions: list[dict]):
    """(score distribution, hardest questions, item analysis) as Altair charts.

    The distribution is faceted, one panel per assignment in name (book) order, so 23 assignments need no
    23 colours; student counts are integers on the axis. Questions are labelled by question id (qid).
    """
    import altair as alt
    import pandas as pd

    g = pd.DataFrame(grades)
    g["percent"] = 100 * g["score"] / g["max_score"].where(g["max_score"] > 0, 1)
    ticks = _count_ticks(g)
    dist = alt.Chart(g).mark_bar(color="#4c78a8").encode(
        x=alt.X("percent:Q", bin=alt.Bin(step=10, extent=[0, 100]), title="Score (% of maximum)"),
        y=alt.Y("count():Q", title="Students", scale=alt.Scale(domain=[0, ticks[-1]]),
                axis=alt.Axis(values=ticks, tickMinStep=1, format="d")),
        tooltip=["assignment:N", alt.Tooltip("count():Q", title="students", format="d")],
    ).properties(width=WIDTH, height=80).facet(
        row=alt.Row("assignment:N", sort=sorted(g["assignment"].unique()), title="Assignment",
                    header=alt.Header(labelAngle=0, labelAlign="left")),
        title="Score distribution per assignment",
    ).properties(description="Histograms of students' total scores, in percent of the maximum, one panel per "
                             "assignment in book order.")
    q = pd.DataFrame(questions).dropna(subset=["difficulty"]).sort_values("difficulty", ascending=False).head(15)
    hard = alt.Chart(q, title="Hardest questions (share of points missed)").mark_bar().encode(
        x=alt.X("difficulty:Q", title="Difficulty (1 − mean score / max)", scale=alt.Scale(domain=[0, 1])),
        y=alt.Y("qid:N", sort="-x", title="Question"),
        tooltip=["assignment:N", "qid:N", "mean_score:Q", "max_score:Q", alt.Tooltip("n:Q", format="d")],
    ).properties(width=WIDTH, description="Bar chart of the fifteen questions with the largest share of points missed.")
    d = pd.DataFrame(questions).dropna(subset=["discrimination"])
    items = alt.Chart(d, title="Item analysis: does each question separate stronger from weaker answers?").mark_bar().encode(
        x=alt.X("discrimination:Q", title="Discrimination (correlation with the rest of the score)",
                scale=alt.Scale(domain=[-1, 1])),
        y=alt.Y("qid:N", sort="x", title="Question"),
        color=alt.condition("datum.discrimination < 0.2", alt.value("#c62828"), alt.value("#1f77b4")),
        tooltip=["assignment:N", "qid:N", "discrimination:Q", "difficulty:Q", alt.Tooltip("n:Q", format="d")],
    ).properties(width=WIDTH, description="Bar chart of each question's discrimination; red bars (below 0.2) mark "
                                          "items to review: their score hardly follows the rest of the student's score.")
    return dist, hard, items


def write_report(root: Path, out: Path, assignments: list[str] | None = None) -> list[Path]:
    from .classroom import Classroom

    grades, questions = collect(root, assignments)
    if not grades:
        raise SystemExit(f"course report: no graded submissions in {Classroom(root).db_url} (run autograde first)")
    written = [_write_csv(out / "grades.csv", grades), _write_csv(out / "questions.csv", questions),
               _write_csv(out / "options.csv", option_counts(root, sorted({g["assignment"] for g in grades})))]
    for name, chart in zip(("score-distribution", "hardest-questions", "item-analysis"), charts(grades, questions)):
        html = out / f"{name}.html"
        try:
            chart.save(str(html), inline=True)
            written.append(html)
            png = out / f"{name}.png"
            chart.save(str(png), scale_factor=2)
            written.append(png)
        except Exception as exc:  # vl-convert missing: keep the spec, say how to get images
            spec = out / f"{name}.vl.json"
            spec.write_text(chart.to_json(), encoding="utf-8")
            written.append(spec)
            print(f"course report: {name}: saved the Vega-Lite spec only ({exc}); pip install vl-convert-python for HTML/PNG")
    return written
