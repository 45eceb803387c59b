"""Feedback that teaches and leaks nothing: nbgrader preprocessors for ``generate_feedback``.

They run after nbgrader's ``GetGrades`` (scores are untouched), listed in ``nbgrader_config.py``:

- :class:`HideGraderNotes` removes the cells grading added for graders only (rubric with levels, anchor
  answer, integrity report);
- :class:`MarkPending` takes an essay that no grader has scored yet out of the total and says it is
  pending, never "0";
- :class:`AddExplanations` puts, under each graded question, its explanation and where to read in the
  book, from the course directory's ``keys/`` (the check cell's output already says which items were wrong
  and what was expected).

The check cells hold no hidden tests (course_instructor.autograde), so no test code can leak here.

The page is written with the ``course_feedback`` template (templates/course_feedback, configured in
``nbgrader_config.py`` for ``GenerateFeedback`` only): nbgrader's feedback template without MathJax from a
CDN, with every chart output (which carries an SVG beside its Vega-Lite spec) shown as an image whose
alternative text is the chart's description.
"""
from __future__ import annotations


from nbformat.v4 import new_markdown_cell
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import List, Unicode

from .autograde import GRADER_ONLY, _nb, _root
from .keys import load_keys

PENDING = "pending"
PENDING_NOTE = "pending_note"


class _FeedbackStep(NbGraderPreprocessor):
    """Base of the feedback steps: accepts nbconvert's ``display_data_priority`` (the HTML exporter passes
    it to every preprocessor), as nbgrader's own GetGrades does, instead of warning that it is unknown."""

    display_data_priority = List(['text/html', 'application/pdf', 'text/latex', 'image/svg+xml', 'image/png',
                                  'image/jpeg', 'text/plain']).tag(config=True)


def question_of(grade_id: str) -> str:
    """The question id of a grade cell (``ch06-q1-test`` → ``ch06-q1``, ``ch06-essay-answer`` → ``ch06-essay``)."""
    for suffix in ("-test", "-answer"):
        if grade_id.endswith(suffix):
            return grade_id[: -len(suffix)]
    return grade_id


class HideGraderNotes(_FeedbackStep):
    """Drop every cell marked for graders only."""

    def preprocess(self, nb, resources):
        nb.cells = [c for c in nb.cells if GRADER_ONLY not in (c.metadata.get("course") or {})]
        return nb, resources


class MarkPending(_FeedbackStep):
    """An essay awaiting a grader: no score shown, its points out of the total, one line saying so."""

    def preprocess(self, nb, resources):
        from nbgrader.api import Gradebook

        info = resources["nbgrader"]
        pending_points, out = 0.0, []
        with Gradebook(info["db_url"]) as gb:
            for cell in nb.cells:
                meta = _nb(cell)
                if meta.get("grade") and meta.get("solution") and cell.cell_type == "markdown":
                    grade = gb.find_grade(meta["grade_id"], info["notebook"], info["assignment"], info["student"])
                    if grade.needs_manual_grade:
                        pending_points += float(meta.get("points", 0))
                        meta["grade"] = False  # out of the score list: nbgrader's template would print 0
                        meta[PENDING] = True
                        out.append(cell)
                        note = new_markdown_cell(f"*Your essay ({float(meta.get('points', 0)):g} points) is "
                                                 "waiting for a grader: its score is **pending**.*")
                        note.metadata["course"] = {PENDING_NOTE: meta["grade_id"]}
                        out.append(note)
                        continue
                out.append(cell)
        nb.cells = out
        if pending_points:
            resources["nbgrader"]["max_score"] = float(resources["nbgrader"].get("max_score", 0)) - pending_points
            nb.cells.insert(0, new_markdown_cell(f"**Pending:** {pending_points:g} points of essays are not graded "
                                                 "yet. The score above covers the graded questions only."))
        return nb, resources


def explanation_markdown(key: dict) -> str:
    return f"**Explanation** — {key['explanation']}\n\n*Where to read: {key['citation']}*"


class AddExplanations(_FeedbackStep):
    """Insert each question's explanation and citation after its last graded cell (or its pending note)."""

    course_root = Unicode("", help="The course directory (keys/ lives there); default: the current folder.").tag(config=True)

    def preprocess(self, nb, resources):
        keys = load_keys(_root(self.course_root), resources["nbgrader"]["assignment"])
        last: dict[str, int] = {}
        for i, cell in enumerate(nb.cells):
            meta = _nb(cell)
            qid = question_of(meta.get("grade_id", ""))
            if qid in keys and (meta.get("grade") or meta.get(PENDING)):
                last[qid] = i
            note_of = question_of((cell.metadata.get("course") or {}).get(PENDING_NOTE, ""))
            if note_of in last:  # "waiting for a grader" stays right under the essay, then the explanation
                last[note_of] = i
        for qid, i in sorted(last.items(), key=lambda kv: -kv[1]):
            cell = new_markdown_cell(explanation_markdown(keys[qid]))
            cell.metadata["course"] = {"explanation": qid}
            nb.cells.insert(i + 1, cell)
        return nb, resources
