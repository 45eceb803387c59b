"""Build the course's notebooks from its data: one generator, three editions, written into a course
directory (the folder a ``course`` command runs in, or ``--root``), never into the install location.

- ``source/<assignment>/<assignment>.ipynb`` — nbgrader's instructor version of the **graded** items
  (solutions, model essays; no key is in a cell a student's kernel runs), from which ``nbgrader
  generate_assignment`` makes the student release; ``keys/<assignment>.json``, the keys the grader reads;
- ``notebooks/<assignment>.ipynb`` — the self-study edition: **practice** items with instant self-check,
  and ``notebooks/index.ipynb``, the start page linking every unit;
- ``solutions/<assignment>.ipynb`` — the instructor version executed **without** a copy of the book, so
  its outputs never carry the book's text.

Notebooks are generated, never hand-copied: ``course build`` writes them and :func:`stale` says which
committed file no longer matches the data.
"""
from __future__ import annotations

import copy
import json
import os
import re
import tempfile
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from course.units import PART_TITLES, Unit, all_units, parts

KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
EDITIONS = ("source", "selfstudy")


# -- one unit, one edition ----------------------------------------------------------------------------
def unit_cells(unit: Unit, edition: str, questions: list | None = None) -> list:
    """The unit's cells for ``edition`` ("source" = nbgrader instructor version, "selfstudy").

    ``questions``: the graded :class:`~course.questions.Question` objects to use instead of the bank's
    ``unit.graded`` (a class variant's, see :mod:`course_instructor.variants`); source edition only."""
    from .nbcells import cells_for

    if edition not in EDITIONS:
        raise ValueError(f"edition must be one of {EDITIONS}")
    cells = [
        new_markdown_cell(f"# {unit.heading}\n\n{unit.intro_markdown()}"),
        new_markdown_cell(_HOW_TO[edition]),
        new_code_cell(f'import course\n\nunit = course.unit("{unit.id}")\nunit.book_status()'),
    ]
    for n, r in enumerate(unit.readings, 1):
        before, after = unit.reading_markdown(r.id, n)
        cells += [new_markdown_cell(before), new_code_cell(f'unit.passage("{r.id}")'), new_markdown_cell(after)]
    # self-study: a question is asked once, in the Practice section (an Explore widget on it would repeat it)
    widgets = [(k, spec) for k, spec in enumerate(unit.widgets)
               if edition == "source" or spec.get("question") not in unit.practice]
    if widgets or unit.charts or unit.has_claims:
        cells.append(new_markdown_cell("## Explore"))
    for k, spec in widgets:
        if spec.get("kind") in WIDGET_INTROS:
            cells.append(new_markdown_cell(WIDGET_INTROS[spec["kind"]]))
        cells.append(new_code_cell(f"unit.widget({k})  # {spec.get('kind')}"))
    if unit.has_claims:  # the historiography strand, in every unit that has claims
        cells.append(new_markdown_cell(WIDGET_INTROS["archives"]))
        cells.append(new_code_cell("unit.archives()"))
    for k, spec in enumerate(unit.charts):
        if spec.get("caption"):
            cells.append(new_markdown_cell(spec["caption"]))
        cells.append(new_code_cell(f"unit.chart({k})  # {spec['builder']}"))
    if edition == "selfstudy":
        cells.append(new_markdown_cell("## Practice questions\n\nEach checks itself: a wrong try gets a hint, the "
                                       "explanation comes once you have it right or after three tries."))
        for qid in unit.practice:
            cells.extend(cells_for(qid, edition))
    else:
        cells.append(new_markdown_cell("## Graded questions\n\nWrite each answer in its answer cell, replacing "
                                       "`None`, and run the cell under it: it checks the *form* of your answer "
                                       "only. Nothing in this notebook tells you whether an answer is right; you "
                                       "learn that from your feedback after grading."))
        for q in (unit.graded if questions is None else questions):
            cells.extend(cells_for(q, edition))
    cells.append(new_markdown_cell(unit.further_markdown()))
    return cells


WIDGET_INTROS = {  # one line above each Explore widget, so the notebook reads before it runs
    "quote_matcher": "**Who said it?** Match each statement to its speaker (practice: it checks itself, not graded).",
    "timeline": "**In what order?** Put the events in order with the ▲/▼ buttons (practice, not graded).",
    "quiz": "**Quick check.** Choose one answer (practice, not graded).",
    "explorer": ("**Explore the data.** Move through the sourced series with the slider or the arrow keys; the "
                 "text under the chart says what each point is and where the figure comes from."),
    "excerpt_viewer": "**The unit's readings in one place.** Pick a reading to see it again.",
    "glossary": ("**Key terms.** This unit's terms with what they mean and the chapter that explains them; "
                 "search them, or tick “All terms of the course”."),
    "archives": ("**Tucker and the archives.** Tucker wrote in 1990, before the Soviet archives opened. Judge "
                 "how well each claim holds up, then see what later evidence showed."),
}

_HOW_TO = {
    "source": ("**How this notebook works.** Run the cells from the top (Shift+Enter, or Run ▸ Run All Cells: "
               "nothing stops it, unanswered questions included). Readings show passages from your own copy of "
               "the book when one is attached, and a summary otherwise. The Explore widgets are practice: they "
               "check themselves and are not graded. Each graded question has an answer cell (replace `None` "
               "with your answer) and, under it, a cell that checks only the *form* of your answer; your score "
               "comes when the notebook is graded. Do not delete, move or edit the read-only cells: changes are "
               "undone at grading and reported to your instructor."),
    "selfstudy": ("**How this notebook works.** Run the cells from the top (Shift+Enter). Readings show passages "
                  "from your own copy of the book when one is attached, and a summary otherwise. Each question "
                  "checks your answer at once and explains it after you try. Worked answers are in `solutions/`. "
                  "On Binder nothing is saved when the session ends: download your notebook to keep it."),
}


def unit_notebook(unit: Unit, edition: str, questions: list | None = None) -> nbformat.NotebookNode:
    """The whole notebook, with deterministic cell ids and (source edition) nbgrader metadata on every cell.
    ``questions``: as in :func:`unit_cells`."""
    nb = new_notebook(cells=unit_cells(unit, edition, questions))
    nb.metadata = {"kernelspec": dict(KERNELSPEC), "language_info": {"name": "python"},
                   "course": {"unit": unit.id, "edition": edition}}
    for n, cell in enumerate(nb.cells):
        cell.id = f"{unit.id}-{n:02d}"
        if edition == "source" and "nbgrader" not in cell.metadata and not cell.metadata.get("course", {}).get("free"):
            cell.metadata["nbgrader"] = {"grade": False, "solution": False, "locked": True,
                                         "grade_id": f"{unit.id}-cell-{n:02d}", "schema_version": 3}
        if edition == "selfstudy":
            cell.metadata.pop("nbgrader", None)
    return nb


def _duration(minutes: int) -> str:
    h, m = divmod(minutes, 60)
    return f"about {h} h {m:02d} min" if h and m else f"about {h} h" if h else f"about {m} min"


def index_notebook(units: list[Unit] | None = None) -> nbformat.NotebookNode:
    """The course's start page: what the course is, where to start, the book status (once), your progress,
    and every unit with one line and about how long it takes."""
    units = all_units() if units is None else units
    intro = ("# Stalin in Power — the course\n\n"
             "A course on Robert C. Tucker's *Stalin in Power: The Revolution from Above, 1928–1941* (1990), one "
             "unit per chapter. Each unit has readings (passages from **your own copy** of the book, or our "
             "summaries without one), widgets to explore, sourced charts, and practice questions that check "
             "themselves and explain. The book itself is not part of the course: it is copyrighted.\n\n"
             "**Where to start.** Begin with the [Introduction](" + (units[0].assignment if units else "") + ".ipynb), "
             "then follow the book's three parts in order; each unit also stands on its own, so you can open the "
             "chapter you are reading. In a unit, run the cells from the top (Run ▸ Run All Cells), read, then try "
             "the practice questions. Times are estimates for one careful pass.\n\n"
             "**Your copy of the book and your progress** are below: run the cell (Shift+Enter). Attach your "
             "copy once and every unit uses it. On Binder, sessions end after about ten idle minutes and keep "
             "nothing: download your work.")
    table = []
    for module in parts():
        members = [u for u in units if u.part == module.number]
        if not members:
            continue
        table += [f"## {PART_TITLES[module.number]}", "", "| Unit | What it is about | Time |", "|:---|:---|:---|"]
        table += [f"| [{u.heading}]({u.assignment}.ipynb) | {u.tagline} | {_duration(u.minutes)} |" for u in members]
        table.append("")
    nb = new_notebook(cells=[new_markdown_cell(intro),
                             new_code_cell("import course\n\ndisplay(course.units.book_status(), course.progress.summary())"),
                             new_markdown_cell("\n".join(table).rstrip())])
    nb.metadata = {"kernelspec": dict(KERNELSPEC), "language_info": {"name": "python"}}
    for n, cell in enumerate(nb.cells):
        cell.id = f"index-{n:02d}"
    return nb


# -- files ---------------------------------------------------------------------------------------------
def source_path(unit: Unit, root: Path) -> Path:
    return root / "source" / unit.assignment / f"{unit.assignment}.ipynb"


def selfstudy_path(unit: Unit, root: Path) -> Path:
    return root / "notebooks" / f"{unit.assignment}.ipynb"


def solution_path(unit: Unit, root: Path) -> Path:
    return root / "solutions" / f"{unit.assignment}.ipynb"


def _dump(nb) -> str:
    return nbformat.writes(nb, version=4) + ("" if nbformat.writes(nb).endswith("\n") else "\n")


def graded_questions(unit: Unit) -> list:
    from .bank import get

    return [get(q) for q in unit.graded]


def write_notebooks(units: list[Unit] | None = None, root: Path | None = None) -> list[Path]:
    """Write the source and self-study editions, the keys and the start page; return the files written."""
    from .keys import write_keys

    units = all_units() if units is None else units
    root = Path(root or Path.cwd())
    written = []
    for unit in units:
        written.append(write_keys(unit.assignment, graded_questions(unit), root))
        for path, nb in ((source_path(unit, root), unit_notebook(unit, "source")),
                         (selfstudy_path(unit, root), unit_notebook(unit, "selfstudy"))):
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(_dump(nb), encoding="utf-8")
            written.append(path)
    index = root / "notebooks" / "index.ipynb"
    index.parent.mkdir(parents=True, exist_ok=True)
    index.write_text(_dump(index_notebook()), encoding="utf-8")  # the start page always links every unit
    return written + [index]


def execute(nb: nbformat.NotebookNode, cwd: Path, timeout: int = 120, book: str | None = None) -> nbformat.NotebookNode:
    """Run ``nb`` top to bottom in a fresh kernel. ``book``: a path for COURSE_BOOK, or None for no copy."""
    from nbclient import NotebookClient

    env_backup = {k: os.environ.get(k) for k in ("COURSE_BOOK", "XDG_CONFIG_HOME", "XDG_DATA_HOME")}
    with tempfile.TemporaryDirectory() as cfg:
        try:
            os.environ["XDG_CONFIG_HOME"] = cfg  # no remembered copy either, and no progress of the user's
            os.environ["XDG_DATA_HOME"] = cfg
            if book:
                os.environ["COURSE_BOOK"] = str(book)
            else:
                os.environ.pop("COURSE_BOOK", None)
            NotebookClient(nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(cwd)}}).execute()
        finally:
            for k, v in env_backup.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
    return nb


WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
_RUN_SPECIFIC = [(re.compile(r"ipykernel_\d+"), "ipykernel"),  # the kernel's temp folder names its pid
                 (re.compile(r" at 0x[0-9a-fA-F]+>"), " at 0x…>")]  # object addresses in default reprs


def _stable_text(text):
    if not isinstance(text, str):
        return text
    for pattern, repl in _RUN_SPECIFIC:
        text = pattern.sub(repl, text)
    return text


def _stable_output(out):
    """``out`` without run-specific values; None when nothing but a widget view is left."""
    if "data" in out:
        out.data.pop(WIDGET_VIEW, None)
        out.get("metadata", {}).pop(WIDGET_VIEW, None)
        if not out.data:
            return None
        if "text/plain" in out.data:
            out.data["text/plain"] = _stable_text(out.data["text/plain"])
    if "text" in out:
        out.text = _stable_text(out.text)
    if "traceback" in out:
        out.traceback = [_stable_text(line) for line in out.traceback]
    return out


def normalize_executed(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy of an executed notebook without what differs from run to run, so that a rebuild from unchanged
    data writes the same bytes: execution timings (``cell.metadata.execution``), widget state and widget views
    (each output keeps its ``text/plain``: nbconvert's HTML shows that for a widget whose state is not saved,
    and a view would only point at a missing model, "model not found" in JupyterLab), the Python patch version,
    the kernel's pid and object addresses in text. Keys are sorted when nbformat writes the file."""
    nb = copy.deepcopy(nb)
    nb.metadata.pop("widgets", None)
    nb.metadata.get("language_info", {}).pop("version", None)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        if cell.cell_type == "code":
            cell.outputs = [o for o in map(_stable_output, cell.outputs) if o is not None]
    return nb


def write_solutions(units: list[Unit] | None = None, root: Path | None = None) -> list[Path]:
    """Execute each source notebook without a book and save it under solutions/, normalised
    (:func:`normalize_executed`) so that an unchanged unit is rewritten byte for byte."""
    units = all_units() if units is None else units
    root = Path(root or Path.cwd())
    written = []
    for unit in units:
        nb = unit_notebook(unit, "source")
        with tempfile.TemporaryDirectory() as work:
            execute(nb, Path(work))
        nb = normalize_executed(nb)
        nb.metadata["course"]["edition"] = "solution"
        path = solution_path(unit, root)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(_dump(nb), encoding="utf-8")
        written.append(path)
    return written


def _sources_of(nb) -> list[tuple[str, str]]:
    return [(c.cell_type, c.source) for c in nb.cells]


def stale(units: list[Unit] | None = None, root: Path | None = None) -> list[str]:
    """Notebooks and keys of the course directory that no longer match the data (``course build`` fixes them)."""
    from .keys import FOLDER, key_record

    units = all_units() if units is None else units
    root = Path(root or Path.cwd())
    problems = []
    for unit in units:
        kpath = root / FOLDER / f"{unit.assignment}.json"
        want_keys = {q.id: key_record(q) for q in graded_questions(unit)}
        have_keys = json.loads(kpath.read_text(encoding="utf-8"))["questions"] if kpath.exists() else None
        if have_keys is None or json.dumps(have_keys, sort_keys=True) != json.dumps(want_keys, sort_keys=True):
            problems.append(f"{FOLDER}/{unit.assignment}.json: {'missing' if have_keys is None else 'stale'} (run `course build`)")
        checks = [(source_path(unit, root), unit_notebook(unit, "source"), False),
                  (selfstudy_path(unit, root), unit_notebook(unit, "selfstudy"), False),
                  (solution_path(unit, root), unit_notebook(unit, "source"), True)]
        for path, want, cells_only in checks:
            if not path.exists():
                problems.append(f"{path.relative_to(root)}: missing")
                continue
            have = nbformat.read(path, as_version=4)
            same = _sources_of(have) == _sources_of(want) if cells_only else _dump(have) == _dump(want)
            if not same:
                problems.append(f"{path.relative_to(root)}: stale (run `course build`)")
    index = root / "notebooks" / "index.ipynb"
    if not index.exists() or index.read_text(encoding="utf-8") != _dump(index_notebook()):
        problems.append("notebooks/index.ipynb: stale (run `course build`)")
    return problems


def outputs_text(nb) -> str:
    """All text of a notebook's outputs (to check that no book passage was saved in them)."""
    out = []
    for cell in nb.cells:
        for o in cell.get("outputs", []):
            out.append(o.get("text", "") if isinstance(o.get("text"), str) else "".join(o.get("text", [])))
            for v in (o.get("data") or {}).values():
                out.append(v if isinstance(v, str) else json.dumps(v))
    return "\n".join(out)
