"""Reproducible builds and quiet grading logs (issue 17).

- an executed solution notebook is written byte for byte the same when the data did not change
  (:func:`course_instructor.build.normalize_executed`): on a synthetic notebook, and on one real unit run twice;
- nbgrader reads the course's nbgrader_config.py without an "option not recognized" warning.
"""
from __future__ import annotations

import logging
import shutil
import tempfile
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from course_instructor import build
from course.units import all_units

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "course_instructor" / "templates" / "nbgrader_config.py"  # = ROOT/nbgrader_config.py (test_feedback)
FAST_UNIT = "ch10"  # no charts: about 3 s a run


# -- normalize_executed ------------------------------------------------------------------------------------
def _executed(stamp: str, model: str, pid: int, addr: str) -> nbformat.NotebookNode:
    """A notebook as nbclient leaves it; the arguments are what changes from one run to the next."""
    timing = {"iopub.execute_input": f"2026-01-0{stamp}T10:00:00.1Z", "iopub.status.busy": f"2026-01-0{stamp}T10:00:00.0Z",
              "iopub.status.idle": f"2026-01-0{stamp}T10:00:01.0Z", "shell.execute_reply": f"2026-01-0{stamp}T10:00:01.0Z"}
    view = {"model_id": model, "version_major": 2, "version_minor": 0}
    cells = [
        new_markdown_cell("# Unit"),
        new_code_cell("unit.widget(0)", execution_count=1, metadata={"execution": dict(timing)}, outputs=[
            new_output("execute_result", execution_count=1,
                       data={build.WIDGET_VIEW: view, "text/plain": "SelfCheck(children=(HTML(value='Who said it?'),))"})]),
        new_code_cell("slider", execution_count=2, metadata={"execution": dict(timing)}, outputs=[
            new_output("display_data", data={build.WIDGET_VIEW: dict(view)}),  # a view with nothing else
            new_output("display_data", data={"text/plain": f"<object object at {addr}>"}),
            new_output("stream", name="stderr", text=f"/tmp/ipykernel_{pid}/123.py:1: UserWarning: careful\n")]),
        new_code_cell("1 / 0", execution_count=3, metadata={"execution": dict(timing)}, outputs=[
            new_output("error", ename="ZeroDivisionError", evalue="division by zero",
                       traceback=[f"File /tmp/ipykernel_{pid}/2.py:1", "ZeroDivisionError: division by zero"])]),
    ]
    nb = new_notebook(cells=cells)
    nb.metadata = {"kernelspec": dict(build.KERNELSPEC), "course": {"unit": "ch10", "edition": "source"},
                   "language_info": {"name": "python", "version": f"3.11.{stamp}", "pygments_lexer": "ipython3"},
                   "widgets": {"application/vnd.jupyter.widget-state+json": {"state": {model: {}}}}}
    for n, cell in enumerate(nb.cells):
        cell.id = f"ch10-{n:02d}"
    return nb


def test_two_runs_normalise_to_the_same_bytes():
    one = _executed("1", "0263ea36f307405185fa0a0a44bb8fae", 4242, "0x7f3a2c1b9e40")
    two = _executed("2", "daa84b705ae1463ea23ccb838f34db07", 5151, "0x7f00deadbeef")
    assert build._dump(one) != build._dump(two)
    assert build._dump(build.normalize_executed(one)) == build._dump(build.normalize_executed(two))


def test_normalising_keeps_what_a_reader_sees_and_leaves_its_input_alone():
    nb = _executed("1", "0263ea36f307405185fa0a0a44bb8fae", 4242, "0x7f3a2c1b9e40")
    before = build._dump(nb)
    out = build.normalize_executed(nb)
    assert build._dump(nb) == before, "pure: the executed notebook is not changed"
    text = build._dump(out)
    for gone in ('"execution"', "iopub", "0263ea36", "model_id", "widget-state", "3.11.1", "4242", "0x7f3a"):
        assert gone not in text, gone
    widget, other, error = out.cells[1], out.cells[2], out.cells[3]
    assert widget.outputs[0].data == {"text/plain": "SelfCheck(children=(HTML(value='Who said it?'),))"}
    assert [o.output_type for o in other.outputs] == ["display_data", "stream"], "a bare widget view is dropped"
    assert other.outputs[1].text.startswith("/tmp/ipykernel/123.py:1: UserWarning")
    assert error.outputs[0].traceback[1] == "ZeroDivisionError: division by zero"
    assert [c.source for c in out.cells] == [c.source for c in nb.cells]
    assert [c.get("execution_count") for c in out.cells] == [None, 1, 2, 3]
    assert out.metadata.language_info == {"name": "python", "pygments_lexer": "ipython3"}


def test_a_real_change_still_shows():
    one = _executed("1", "0263ea36f307405185fa0a0a44bb8fae", 4242, "0x7f3a2c1b9e40")
    two = _executed("1", "0263ea36f307405185fa0a0a44bb8fae", 4242, "0x7f3a2c1b9e40")
    two.cells[1].outputs[0].data["text/plain"] = "SelfCheck(children=(HTML(value='Who wrote it?'),))"
    assert build._dump(build.normalize_executed(one)) != build._dump(build.normalize_executed(two))


@pytest.mark.slow
def test_one_units_solution_is_the_same_on_two_runs():
    """Run the source notebook of one unit twice, as ``write_solutions`` does: same bytes once normalised."""
    unit = next(u for u in all_units() if u.id == FAST_UNIT)
    runs = []
    for _ in range(2):
        nb = build.unit_notebook(unit, "source")
        with tempfile.TemporaryDirectory() as work:
            build.execute(nb, Path(work))
        runs.append(nb)
    assert build._dump(runs[0]) != build._dump(runs[1]), "the raw runs differ (timings, widget ids)"
    one, two = (build._dump(build.normalize_executed(nb)) for nb in runs)
    assert one == two
    assert build.WIDGET_VIEW not in one and '"execution"' not in one
    shown = [o for c in runs[0].cells if c.cell_type == "code" for o in c.outputs if build.WIDGET_VIEW in o.get("data", {})]
    assert shown and all("text/plain" in o.data for o in shown), "each widget keeps a text fallback"


# -- nbgrader reads the course config without warnings --------------------------------------------------------
class _Warnings(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def _config_warnings(course: Path, step: str) -> list[str]:
    """Warnings logged when nbgrader's ``step`` app loads ``course``'s config and builds its exporter and every
    preprocessor it would run (which is when traitlets checks each configured option)."""
    from nbgrader import apps, converters
    from nbgrader.coursedir import CourseDirectory

    app_class, converter_class = {"generate_assignment": (apps.GenerateAssignmentApp, converters.GenerateAssignment),
                                  "autograde": (apps.AutogradeApp, converters.Autograde),
                                  "generate_feedback": (apps.GenerateFeedbackApp, converters.GenerateFeedback)}[step]
    app = app_class(config_file=str(course / "nbgrader_config"))
    caught = _Warnings()
    app.log.addHandler(caught)
    try:
        app.load_config_file()
        converter = converter_class(coursedir=CourseDirectory(parent=app), parent=app)
        converter.exporter = converter.exporter_class(parent=converter, config=converter.config)
        steps = list(converter.preprocessors)
        if step == "autograde":
            steps = list(converter.sanitize_preprocessors) + list(converter.autograde_preprocessors)
        for pp in steps:
            converter.exporter.register_preprocessor(pp, enabled=True)
    finally:
        app.log.removeHandler(caught)
    return caught.messages


@pytest.fixture
def course(tmp_path, monkeypatch) -> Path:
    """A course directory as ``course init`` makes it; no user or system Jupyter config in the way."""
    shutil.copy(CONFIG, tmp_path / "nbgrader_config.py")
    monkeypatch.setenv("JUPYTER_NO_CONFIG", "1")
    monkeypatch.chdir(tmp_path)  # nbgrader also reads the config of the current folder
    return tmp_path


@pytest.mark.parametrize("step", ["generate_assignment", "autograde", "generate_feedback"])
def test_nbgrader_recognises_every_option_of_the_course_config(course, step):
    assert _config_warnings(course, step) == []


@pytest.mark.parametrize("step, extra, option", [
    ("autograde", "c.Execute.allow_errors = True", "allow_errors"),  # a trait nbgrader does not expose to config
    ("generate_feedback", 'c.GenerateFeedback.preprocessors.append("nbgrader.preprocessors.ClearSolutions")',
     "display_data_priority"),  # a step without the trait the HTML exporter sets on every preprocessor
])
def test_the_check_sees_an_unrecognised_option(course, step, extra, option):
    cfg = course / "nbgrader_config.py"
    cfg.write_text(cfg.read_text(encoding="utf-8") + "\n" + extra + "\n", encoding="utf-8")
    assert any(f"`{option}` not recognized" in m for m in _config_warnings(course, step))
