"""Feedback that teaches and does not leak: nbgrader preprocessors for ``generate_feedback``.

nbgrader's feedback HTML shows the autograded notebook as it is, hidden tests included (nbgrader #917):
a failed hidden assertion prints the expected answer in its traceback. These preprocessors, listed in
``nbgrader_config.py`` (``GenerateFeedback.preprocessors``), run after the grades are read from the
gradebook, so scores are untouched:

- :class:`HideHiddenTests` removes hidden-test regions from test cells and replaces a test's error
  output by a plain sentence;
- :class:`AddExplanations` puts, under each graded question, its explanation and citation from the
  question bank (and the rubric's criteria for an essay), so a student learns what they missed.
"""
from __future__ import annotations

import re

from nbformat.v4 import new_markdown_cell, new_output
from nbgrader.preprocessors import NbGraderPreprocessor

HIDDEN = re.compile(r"[ \t]*### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS[ \t]*\n?", re.S)
NOT_PASSED = "This check did not pass: the explanation below says what the question was after."


def _nbgrader(cell) -> dict:
    return cell.metadata.get("nbgrader", {}) or {}


class HideHiddenTests(NbGraderPreprocessor):
    """Strip hidden tests and their tracebacks from graded cells in feedback."""

    def preprocess_cell(self, cell, resources, index):
        meta = _nbgrader(cell)
        if cell.cell_type == "code" and meta.get("grade"):
            had_hidden = "BEGIN HIDDEN TESTS" in cell.source
            cell.source = HIDDEN.sub("", cell.source).rstrip()
            if had_hidden:
                outputs = []
                for out in cell.get("outputs", []):
                    if out.get("output_type") == "error" or (out.get("output_type") == "stream" and out.get("name") == "stderr"):
                        out = new_output("stream", name="stdout", text=NOT_PASSED + "\n")
                    outputs.append(out)
                cell.outputs = outputs
        return cell, resources


def question_for(grade_id: str, ids: set[str]) -> str | None:
    """The bank question a grade cell belongs to: the longest question id that starts its grade id."""
    hits = [q for q in ids if grade_id == q or grade_id.startswith(q + "-") or grade_id.startswith(q + "_")]
    return max(hits, key=len) if hits else None


def explanation_markdown(q) -> str:
    cite = getattr(q, "citation_text", None) or _citation(q)
    text = f"**Explanation** — {q.explanation}\n\n*Where to read: {cite}*"
    rubric = getattr(q, "rubric", None)
    if rubric:
        crit = "\n".join(f"- {r['criterion']} ({r['points']} pt)" for r in rubric)
        text += f"\n\n**What graders look for:**\n{crit}"
    return text


def _citation(q) -> str:
    c = q.citation if isinstance(q.citation, dict) else {}
    chapter = c.get("chapter")
    where = "Introduction" if chapter == 0 else f"Chapter {chapter}"
    return f"Tucker, Stalin in Power, {where}" + (f", section “{c['section']}”" if c.get("section") else "")


class AddExplanations(NbGraderPreprocessor):
    """Insert each question's explanation and citation after its last graded cell."""

    def preprocess(self, nb, resources):
        from . import questions

        bank = {q.id: q for q in questions.all_questions()}
        last_cell: dict[str, int] = {}
        for i, cell in enumerate(nb.cells):
            meta = _nbgrader(cell)
            qid = question_for(meta.get("grade_id", ""), set(bank)) if meta.get("grade") or meta.get("task") else None
            if qid:
                last_cell[qid] = i
        for qid, i in sorted(last_cell.items(), key=lambda kv: -kv[1]):
            cell = new_markdown_cell(explanation_markdown(bank[qid]))
            cell.metadata["course"] = {"explanation": qid}
            nb.cells.insert(i + 1, cell)
        return nb, resources
