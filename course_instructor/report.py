"""``course report``: grades out of nbgrader's gradebook, for people and for the LMS.

Writes, per course directory: ``grades.csv`` (one row per student and assignment — import it in the LMS),
``questions.csv`` (mean score and difficulty per question, over graded answers; essays still waiting
for a grader are counted as ``pending``, not as zeros), and two charts (score distribution per
assignment, hardest questions) as HTML with Vega inlined (opens offline) and PNG.
"""
from __future__ import annotations

import csv
from pathlib import Path


def collect(root: Path, assignments: list[str] | None = None) -> tuple[list[dict], list[dict]]:
    """(grade rows, question rows) from ``root/gradebook.db``."""
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
                               "manual_pending": sub.needs_manual_grade, "seconds_late": round(sub.total_seconds_late)})
                for nb in sub.notebooks:
                    for g in nb.grades:
                        max_q[g.name] = g.max_score
                        per_q.setdefault(g.name, [])
                        if g.auto_score is None and g.manual_score is None:  # an essay awaiting its grader: not a zero
                            pending_q[g.name] = pending_q.get(g.name, 0) + 1
                        else:
                            per_q[g.name].append(g.score or 0.0)
            for qname, scores in sorted(per_q.items()):
                mean = sum(scores) / len(scores) if scores else None
                questions.append({"assignment": name, "question": qname, "max_score": max_q[qname],
                                  "mean_score": None if mean is None else round(mean, 3), "n": len(scores),
                                  "pending": pending_q.get(qname, 0),
                                  "difficulty": None if mean is None else
                                  (round(1 - mean / max_q[qname], 3) if max_q[qname] else 0.0)})
    return grades, questions


def _write_csv(path: Path, rows: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as f:
        if rows:
            w = csv.DictWriter(f, fieldnames=list(rows[0]))
            w.writeheader()
            w.writerows(rows)
    return path


def charts(grades: list[dict], questions: list[dict]):
    """(score distribution, hardest questions) as Altair charts."""
    import altair as alt
    import pandas as pd

    g = pd.DataFrame(grades)
    g["percent"] = 100 * g["score"] / g["max_score"].where(g["max_score"] > 0, 1)
    dist = alt.Chart(g, title="Score distribution per assignment").mark_bar().encode(
        x=alt.X("percent:Q", bin=alt.Bin(step=10), title="Score (% of maximum)"),
        y=alt.Y("count():Q", title="Students"),
        color=alt.Color("assignment:N", title="Assignment", scale=alt.Scale(scheme="tableau10")),
        tooltip=["assignment:N", alt.Tooltip("count():Q", title="students")],
    ).properties(description="Histogram of students' total scores, in percent of the maximum, per assignment.")
    q = pd.DataFrame(questions).dropna(subset=["difficulty"]).sort_values("difficulty", ascending=False).head(15)
    hard = alt.Chart(q, title="Hardest questions (share of points missed)").mark_bar().encode(
        x=alt.X("difficulty:Q", title="Difficulty (1 − mean score / max)", scale=alt.Scale(domain=[0, 1])),
        y=alt.Y("question:N", sort="-x", title="Question"),
        tooltip=["assignment:N", "question:N", "mean_score:Q", "max_score:Q", "n:Q"],
    ).properties(description="Bar chart of the fifteen questions with the largest share of points missed.")
    return dist, hard


def write_report(root: Path, out: Path, assignments: list[str] | None = None) -> list[Path]:
    grades, questions = collect(root, assignments)
    if not grades:
        raise SystemExit(f"course report: no graded submissions in {root / 'gradebook.db'} (run autograde first)")
    written = [_write_csv(out / "grades.csv", grades), _write_csv(out / "questions.csv", questions)]
    for name, chart in zip(("score-distribution", "hardest-questions"), charts(grades, questions)):
        html = out / f"{name}.html"
        try:
            chart.save(str(html), inline=True)
            written.append(html)
            png = out / f"{name}.png"
            chart.save(str(png))
            written.append(png)
        except Exception as exc:  # vl-convert missing: keep the spec, say how to get images
            spec = out / f"{name}.vl.json"
            spec.write_text(chart.to_json(), encoding="utf-8")
            written.append(spec)
            print(f"course report: {name}: saved the Vega-Lite spec only ({exc}); pip install vl-convert-python for HTML/PNG")
    return written
