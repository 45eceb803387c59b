"""nbgrader ``autograde`` steps that make a grade trustworthy (listed in ``nbgrader_config.py``).

nbgrader runs a submission's code in one kernel with its tests, so any key or grading function the kernel
can reach, a student's cell can read or replace. Here the kernel only *reports* each answer (course.answers);
these steps run in the grader's own process, after the notebook has executed:

- :class:`IntegrityReport` (sanitize, before nbgrader's ``OverwriteCells``): which read-only cells the
  student changed or deleted, compared with the gradebook's copy; silent when nothing changed;
- :class:`ScoreAnswers` (after ``Execute``): scores each reported answer against ``keys/<assignment>.json``,
  writes what was right and wrong (and the student's chart as an image) in the check cell's output, and
  the score as the cell's result, which nbgrader's ``SaveAutoGrades`` records; a check cell without
  exactly one report, or a deleted check cell, scores 0;
- :class:`ChartImages` (after ``Execute``): draws the SVG of each chart the kernel showed, once per
  grading worker instead of starting the renderer in every student's kernel;
- :class:`PrepareEssays` (after ``Execute``): shows graders the essay's word count, rubric with levels
  and anchor answer (cells marked grader-only, which feedback removes), and scores a blank essay 0.

Threat model and what each step defends: docs/grading-integrity.md.
"""
from __future__ import annotations

import html
import json
import os
import re
from pathlib import Path

from nbformat.v4 import new_code_cell, new_markdown_cell, new_output
from nbgrader import utils
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Unicode

from course.answers import MIME
from course.scoring import fraction

from .keys import load_keys

GRADER_ONLY = "grader_only"
BLANK_WORDS = 10  # an essay with fewer words (besides the stub) is blank and scores 0 without a grader


def _nb(cell) -> dict:
    return cell.metadata.get("nbgrader", {}) or {}


def _root(configured: str) -> Path:
    return Path(configured or os.getcwd()).resolve()


def grader_note(markdown: str, tag: str) -> "NotebookNode":  # noqa: F821
    cell = new_markdown_cell(markdown)
    cell.metadata["course"] = {GRADER_ONLY: tag}
    cell.metadata["editable"] = False
    return cell


class IntegrityReport(NbGraderPreprocessor):
    """Compare the submission's read-only cells with the gradebook's copy; report real changes only."""

    def preprocess(self, nb, resources):
        from nbgrader.api import Gradebook, MissingEntry

        info = resources["nbgrader"]
        changed, missing = [], []
        with Gradebook(info["db_url"]) as gb:
            try:
                source = gb.find_notebook(info["notebook"], info["assignment"])
            except MissingEntry:
                return nb, resources
            present = {_nb(c).get("grade_id"): c for c in nb.cells if _nb(c).get("grade_id")}
            for sc in source.source_cells:
                if not sc.locked:
                    continue
                cell = present.get(sc.name)
                if cell is None:
                    missing.append(sc.name)
                elif cell.source.strip() != (sc.source or "").strip() or cell.cell_type != sc.cell_type:
                    changed.append(sc.name)
        report = {"student": info["student"], "assignment": info["assignment"], "changed": changed, "missing": missing}
        resources.setdefault("course", {})["integrity"] = report
        nb.metadata.setdefault("course", {})["integrity"] = report
        if changed or missing:
            self.log.warning("Integrity: %s changed %d read-only cell(s) %s and deleted %d %s (restored from the "
                             "gradebook; deleted check cells score 0)", info["student"], len(changed), changed,
                             len(missing), missing)
            lines = [f"- changed (restored): `{g}`" for g in changed] + [f"- deleted: `{g}`" for g in missing]
            nb.cells.insert(0, grader_note("**Integrity report (graders only).** This submission altered read-only "
                                           "cells:\n" + "\n".join(lines), "integrity"))
        return nb, resources


class ScoreAnswers(NbGraderPreprocessor):
    """Score every check cell in the grader's process from the answer the kernel reported."""

    course_root = Unicode("", help="The course directory (keys/ lives there); default: the current folder.").tag(config=True)

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        keys = load_keys(_root(self.course_root), info["assignment"])
        seen = set()
        for cell in nb.cells:
            gid = _nb(cell).get("grade_id", "")
            if cell.cell_type == "code" and _nb(cell).get("grade") and gid.endswith("-test"):
                qid = gid[: -len("-test")]
                seen.add(qid)
                key = keys.get(qid)
                if key is None:
                    self.log.warning("No key for %s in keys/%s.json: left to nbgrader", qid, info["assignment"])
                    continue
                cell.outputs = self.score_cell(cell, qid, key)
        # a deleted check cell: put it back, scored 0 (nbgrader would leave it 'needs manual grade')
        for qid, key in keys.items():
            if key["kind"] != "short_answer" and qid not in seen:
                cell = new_code_cell("# This check cell was deleted from the submission.")
                cell.metadata["nbgrader"] = {"grade": True, "solution": False, "locked": True, "grade_id": f"{qid}-test",
                                             "points": key["points"], "schema_version": 3}
                cell.outputs = [_text("The check cell of this question was deleted from the submission: 0 points."),
                                _score(0)]
                nb.cells.append(cell)
        return nb, resources

    def score_cell(self, cell, qid: str, key: dict) -> list:
        reports = [o for o in cell.get("outputs", []) if o.get("output_type") in ("display_data", "execute_result")
                   and MIME in (o.get("data") or {})]
        if len(reports) != 1:
            why = "no answer reached the grader" if not reports else "the cell reported more than one answer"
            return [_text(f"{why.capitalize()}: 0 points."), _score(0)]
        payload = reports[0]["data"][MIME]
        if isinstance(payload, str):
            try:
                payload = json.loads(payload)
            except ValueError:
                payload = {}
        answer = payload.get("answer") if isinstance(payload, dict) else None
        if answer is None:
            form = payload.get("form") if isinstance(payload, dict) else None
            return [_text(f"No answer was given ({form or 'not answered'}): 0 points."), _score(0)]
        try:
            frac = fraction(key["kind"], answer, key["key"], tolerance=key.get("tolerance", 0.0),
                            choices=key.get("choices"))
        except Exception as exc:  # a malformed answer never stops grading
            self.log.warning("%s: could not score the answer (%s)", qid, exc)
            frac = 0.0
        points = round(key["points"] * frac, 2)
        cell.metadata["course"] = {"answer": answer if key["kind"] != "chart" else "(chart)", "points": points}
        outputs = [_html_output(verdict_html(key, answer, frac), verdict_text(key, answer, frac))]
        if key["kind"] == "chart":
            outputs.insert(0, chart_output(answer))
        return [*outputs, _score(points)]


class ChartImages(NbGraderPreprocessor):
    """Add an SVG beside every chart the kernel drew as Vega-Lite only, in the grader's process, so
    formgrader and feedback show it (the kernel skips the drawing while nbgrader grades: see
    ``course.charts.course_renderer``)."""

    def preprocess(self, nb, resources):
        from course.charts import VEGALITE_MIME, _convert

        try:
            import vl_convert as vlc
        except ImportError:
            self.log.warning("vl-convert is not installed: charts stay without an image in feedback")
            return nb, resources
        for cell in nb.cells:
            for out in cell.get("outputs", []) if cell.cell_type == "code" else []:
                data = out.get("data", {})
                if VEGALITE_MIME in data and "image/svg+xml" not in data:
                    try:
                        data["image/svg+xml"] = _convert(vlc.vegalite_to_svg, data[VEGALITE_MIME])
                    except Exception as exc:  # noqa: BLE001 - a chart Vega cannot draw keeps its text
                        self.log.warning("a chart could not be drawn: %s", str(exc).splitlines()[0][:120])
        return nb, resources


def _text(text: str):
    return new_output("stream", name="stdout", text=text + "\n")


def _score(points: float):
    return new_output("execute_result", data={"text/plain": f"{points:g}"}, execution_count=None)


def _html_output(html_text: str, plain: str):
    return new_output("display_data", data={"text/html": html_text, "text/plain": plain})


def chart_output(spec: dict):
    """The student's chart as an image (SVG) beside its spec, so formgrader and feedback show it."""
    data = {"text/plain": "The chart you submitted."}
    try:
        import vl_convert as vlc

        data["image/svg+xml"] = vlc.vegalite_to_svg(spec)
    except Exception as exc:  # no renderer, or a spec Vega cannot draw
        data["text/plain"] = f"The chart you submitted could not be drawn here ({str(exc).splitlines()[0][:120]})."
    data["application/vnd.vegalite.v5+json"] = spec
    return new_output("display_data", data=data)


def _mark(ok: bool) -> str:
    return "✓" if ok else "✗"


def verdict_lines(key: dict, answer, frac: float) -> list[str]:
    """What was right and wrong, item by item, in plain words (after grading, so the key may be named)."""
    kind, lines = key["kind"], []
    if kind == "multiple_choice":
        got = str(answer).strip().upper()
        lines.append(f"{_mark(frac == 1)} You chose {got}; the answer is {key['key']}.")
    elif kind == "numeric":
        lines.append(f"{_mark(frac == 1)} You wrote {answer}; the answer is {key['key']} {key.get('units', '')} "
                     f"(accepted within ±{key.get('tolerance', 0):g}).")
    elif kind == "attribution":
        given = {str(k): v for k, v in (answer or {}).items()} if isinstance(answer, dict) else {}
        for it in key.get("items", []):
            mine = given.get(str(it["n"]), "—")
            ok = str(mine).strip().lower() == it["speaker"].lower()
            lines.append(f"{_mark(ok)} Statement {it['n']}: you wrote {mine}; it was {it['speaker']}"
                         f" ({it.get('occasion') or 'see chapter'} {it.get('date') or ''}, Tucker ch. {it['chapter']}).")
    elif kind == "chronology":
        got = [str(a).strip().upper() for a in answer] if isinstance(answer, list) else []
        lines.append(f"{_mark(frac == 1)} Your order: {', '.join(got) or '—'}; the right order: "
                     f"{', '.join(e['letter'] for e in key.get('events', []))}.")
        lines += [f"  {e['letter']}. {e['date']}: {e['event']}" for e in key.get("events", [])]
    elif kind == "chart":
        from course.chartcheck import check_chart

        result = check_chart(answer, key["key"])
        lines += [f"✗ {p}" for p in result.problems] or ["✓ The chart meets every requirement."]
        if result.wrong_mark:
            lines.append("A chart of the wrong kind earns no points.")
    return lines


def verdict_text(key: dict, answer, frac: float) -> str:
    pts = round(key["points"] * frac, 2)
    return "\n".join([f"Score: {pts:g} / {key['points']:g}", *verdict_lines(key, answer, frac)])


def verdict_html(key: dict, answer, frac: float) -> str:
    pts = round(key["points"] * frac, 2)
    items = "".join(f"<li>{html.escape(line)}</li>" for line in verdict_lines(key, answer, frac))
    return f"<div><b>Score: {pts:g} / {key['points']:g}</b><ul>{items}</ul></div>"


def essay_words(text: str, stub: str = "YOUR ANSWER HERE") -> int:
    return len(re.findall(r"[\w’'-]+", text.replace(stub, " ")))


class PrepareEssays(NbGraderPreprocessor):
    """Before each essay: word count, rubric with levels and anchor answer for graders; blank essays score 0."""

    course_root = Unicode("", help="The course directory (keys/ lives there); default: the current folder.").tag(config=True)
    stub = Unicode("YOUR ANSWER HERE", help="The released text of an unanswered essay cell.").tag(config=True)

    def preprocess(self, nb, resources):
        keys = load_keys(_root(self.course_root), resources["nbgrader"]["assignment"])
        out = []
        for cell in nb.cells:
            gid = _nb(cell).get("grade_id", "")
            qid = gid[: -len("-answer")] if gid.endswith("-answer") else ""
            key = keys.get(qid) if cell.cell_type == "markdown" and _nb(cell).get("solution") else None
            if key and key["kind"] == "short_answer":
                words = essay_words(cell.source, self.stub)
                if words < BLANK_WORDS:  # blank: the released stub, whose checksum nbgrader scores 0
                    cell.source = self.stub
                    cell.metadata["nbgrader"]["checksum"] = utils.compute_checksum(cell)
                out.append(grader_note(essay_note(key, words), "rubric"))
            out.append(cell)
        nb.cells = out
        return nb, resources


def essay_note(key: dict, words: int) -> str:
    lo, hi = key.get("words", [350, 600])
    flag = " — **blank: scored 0 automatically**" if words < BLANK_WORDS else (
        " — shorter than asked" if words < lo else " — longer than asked" if words > hi else "")
    rows = []
    for r in key.get("rubric", []):
        levels = r.get("levels") or {}
        lv = "; ".join(f"**{k}**: {v}" for k, v in sorted(levels.items(), key=lambda kv: int(kv[0])))
        rows.append(f"- {r['criterion']} (**{r['points']} pt**)" + (f"<br>{lv}" if lv else ""))
    anchor = "\n\n**Anchor answer (full marks)**\n\n> " + key["anchor"].replace("\n", "\n> ") if key.get("anchor") else ""
    return (f"**For graders only — {key['id']}** · {words} words (asked {lo}–{hi}){flag}\n\n"
            f"**Rubric** ({key['points']:g} points)\n\n" + "\n".join(rows) + anchor)
