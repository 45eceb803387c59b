"""Your progress through the practice items, kept for you on this computer (never in the course folder).

Each self-check records the best score of each practice item in ``progress.json`` in the user's data
folder (:func:`course.book.stored_copy_dir`); the start page shows it unit by unit (:func:`summary`).
Nothing here is graded or sent anywhere; ``forget()`` clears it.
"""
from __future__ import annotations

import html
import json
from pathlib import Path


def path() -> Path:
    from .book import stored_copy_dir

    return stored_copy_dir() / "progress.json"


def load() -> dict[str, dict]:
    """``{question id: {"score": best, "points": of}}``; empty when nothing was checked yet (or unreadable)."""
    try:
        data = json.loads(path().read_text(encoding="utf-8"))
        return {str(k): v for k, v in data.items() if isinstance(v, dict)}
    except (OSError, ValueError):
        return {}


def record(question_id: str, score: float, points: float) -> None:
    """Keep the best score of a practice item; a full disk or read-only home never stops the widget."""
    data = load()
    best = max(float(score), float(data.get(question_id, {}).get("score", 0.0)))
    data[question_id] = {"score": best, "points": float(points)}
    try:
        p = path()
        p.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = p.with_suffix(".part")
        tmp.write_text(json.dumps(data, sort_keys=True), encoding="utf-8")
        tmp.replace(p)
    except OSError:
        pass


def forget() -> None:
    path().unlink(missing_ok=True)


class Summary:
    """Per unit: practice items tried and points, as a table (HTML) or text."""

    def __init__(self, rows: list[tuple]) -> None:
        self.rows = rows  # (unit heading, link, tried, items, score, points)

    def __str__(self) -> str:
        if not any(r[2] for r in self.rows):
            return "No practice question checked yet on this computer."
        return "\n".join(f"{h}: {t}/{n} practice items tried, {s:g}/{p:g} points" for h, _, t, n, s, p in self.rows if t)

    def _repr_html_(self) -> str:
        if not any(r[2] for r in self.rows):
            return "<p role='status'>No practice question checked yet on this computer: your progress appears here.</p>"
        body = "".join(
            f"<tr><td><a href='{html.escape(link)}'>{html.escape(h)}</a></td><td>{t} of {n}</td>"
            f"<td>{s:g} / {p:g}</td></tr>" for h, link, t, n, s, p in self.rows if t)
        return ("<table><caption>Your progress (practice items, best score; kept on this computer)</caption>"
                "<thead><tr><th scope='col'>Unit</th><th scope='col'>Tried</th><th scope='col'>Points</th></tr>"
                f"</thead><tbody>{body}</tbody></table>")


def summary() -> Summary:
    from .questions import get
    from .units import all_units

    done = load()
    rows = []
    for u in all_units():
        pts = sum(get(q).points for q in u.practice)
        tried = [q for q in u.practice if q in done]
        rows.append((u.heading, f"{u.assignment}.ipynb", len(tried), len(u.practice),
                     sum(done[q]["score"] for q in tried), pts))
    return Summary(rows)
