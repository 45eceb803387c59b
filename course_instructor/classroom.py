"""nbgrader, as the course uses it: a course directory, its assignments, submissions and gradebook.

Every call runs the real ``nbgrader`` command with ``--CourseDirectory.root`` set, so nothing depends on
the current directory (elsewhere nbgrader quietly creates an empty gradebook). Scores are read back with
nbgrader's own :class:`nbgrader.api.Gradebook`.

>>> room = Classroom.scratch(["ch01"])            # doctest: +SKIP
>>> room.generate("p1-ch01-tsardoms-rise")        # doctest: +SKIP
>>> room.submit("ada", "p1-ch01-tsardoms-rise", notebook)   # doctest: +SKIP
>>> room.autograde("p1-ch01-tsardoms-rise"); room.scores("p1-ch01-tsardoms-rise")   # doctest: +SKIP
"""
from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import nbformat

from course.units import Unit, unit as get_unit

from .build import graded_questions, source_path, unit_notebook
from .keys import write_keys

TEMPLATES = Path(__file__).resolve().parent / "templates"


def init_course_dir(root: Path) -> Path:
    """Make ``root`` a course directory: the course's nbgrader_config.py, ``source/`` and ``keys/``."""
    root = Path(root).resolve()
    root.mkdir(parents=True, exist_ok=True)
    cfg = root / "nbgrader_config.py"
    if not cfg.exists():
        shutil.copy(TEMPLATES / "nbgrader_config.py", cfg)
    for name in ("source", "keys"):
        (root / name).mkdir(exist_ok=True)
    return root

BIN = Path(sys.executable).parent
NBGRADER = str(BIN / "nbgrader")


def _ensure_bin_on_path() -> None:
    """nbgrader runs ``alembic`` (and kernels) from PATH: make this environment's bin/ visible even when
    the environment is not activated (``.venv/bin/python -m course …``)."""
    parts = os.environ.get("PATH", "").split(os.pathsep)
    if str(BIN) not in parts:
        os.environ["PATH"] = os.pathsep.join([str(BIN), *parts])


class NbgraderError(RuntimeError):
    """An nbgrader command failed; the message carries its log."""


@dataclass
class Score:
    student: str
    score: float
    max_score: float
    auto_score: float
    needs_manual_grade: bool


class Classroom:
    """A course directory (``source/``, ``release/``, ``submitted/``, ``autograded/``, ``feedback/``, gradebook)."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root).resolve()
        _ensure_bin_on_path()
        if not (self.root / "nbgrader_config.py").exists():
            raise FileNotFoundError(f"{self.root} has no nbgrader_config.py: not a course directory.")

    @classmethod
    def scratch(cls, units: list[str] | None = None, where: str | Path | None = None) -> "Classroom":
        """A fresh course directory (a temporary folder unless ``where``) with the named units' source notebooks."""
        room = cls(init_course_dir(Path(where or tempfile.mkdtemp(prefix="course-"))))
        for uid in units or []:
            room.add_unit(get_unit(uid))
        return room

    def add_unit(self, unit: Unit) -> Path:
        """Write the unit's source notebook (instructor version) and keys into this course directory."""
        path = source_path(unit, self.root)
        path.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(unit_notebook(unit, "source"), path)
        write_keys(unit.assignment, graded_questions(unit), self.root)
        return path

    # -- nbgrader commands -------------------------------------------------------------------------------
    def nbgrader(self, *args: str, check: bool = True, timeout: int = 1800) -> subprocess.CompletedProcess:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        env.pop("COURSE_BOOK", None)  # grading never reads the book
        proc = subprocess.run([NBGRADER, *args, f"--CourseDirectory.root={self.root}"], cwd=self.root, env=env,
                              capture_output=True, text=True, timeout=timeout)
        if check and proc.returncode != 0:
            raise NbgraderError(f"nbgrader {' '.join(args)} failed (exit {proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-6000:]}")
        return proc

    def generate(self, assignment: str) -> Path:
        """``nbgrader generate_assignment``: the student version in ``release/<assignment>/``."""
        self.nbgrader("generate_assignment", assignment, "--force")
        return self.root / "release" / assignment

    def add_students(self, students: list[str]) -> None:
        with self.gradebook() as gb:
            for s in students:
                gb.update_or_create_student(s)

    def submit(self, student: str, assignment: str, notebook, name: str | None = None,
               when: dt.datetime | None = None) -> Path:
        """Place a submission as ``nbgrader collect`` would: ``submitted/<student>/<assignment>/``.

        ``notebook``: a NotebookNode, a path, raw bytes/str (for malformed files), or None (no notebook).
        """
        folder = self.root / "submitted" / student / assignment
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        (folder / "timestamp.txt").write_text((when or dt.datetime.now(dt.timezone.utc)).strftime("%Y-%m-%d %H:%M:%S.%f %Z"))
        target = folder / f"{name or assignment}.ipynb"
        if isinstance(notebook, (str, Path)) and Path(notebook).exists():
            shutil.copy(notebook, target)
        elif isinstance(notebook, bytes):
            target.write_bytes(notebook)
        elif isinstance(notebook, str):
            target.write_text(notebook)
        elif notebook is not None:
            nbformat.write(notebook, target)
        self.add_students([student])
        return folder

    def autograde(self, assignment: str, student: str | None = None) -> subprocess.CompletedProcess:
        """``nbgrader autograde --force``: re-runs keep manual grades and create no duplicates."""
        args = ["autograde", assignment, "--force"]
        if student:
            args.append(f"--student={student}")
        return self.nbgrader(*args, check=False)

    def feedback(self, assignment: str, student: str | None = None) -> Path:
        args = ["generate_feedback", assignment, "--force"]
        if student:
            args.append(f"--student={student}")
        self.nbgrader(*args)
        return self.root / "feedback"

    # -- the gradebook ------------------------------------------------------------------------------------
    @contextlib.contextmanager
    def gradebook(self):
        from nbgrader.api import Gradebook

        gb = Gradebook(self.db_url, course_id=self._course_id())
        try:
            yield gb
        finally:
            gb.close()

    @property
    def db_url(self) -> str:
        """The gradebook: ``COURSE_DB_URL`` as nbgrader_config.py reads it, else gradebook.db here."""
        return os.environ.get("COURSE_DB_URL") or f"sqlite:///{self.root / 'gradebook.db'}"

    def _course_id(self) -> str:
        return os.environ.get("COURSE_ID", "stalin-in-power")

    def scores(self, assignment: str) -> dict[str, Score]:
        """Each autograded student's scores for ``assignment``."""
        out = {}
        with self.gradebook() as gb:
            for sub in gb.assignment_submissions(assignment):
                out[sub.student.id] = Score(sub.student.id, sub.score, sub.max_score, sub.code_score,
                                            sub.needs_manual_grade)
        return out

    def grades(self, assignment: str, student: str) -> dict[str, tuple[float | None, float]]:
        """Per question (grade cell id): (score, max score)."""
        with self.gradebook() as gb:
            sub = gb.find_submission(assignment, student)
            return {g.name: (g.score, g.max_score) for nb in sub.notebooks for g in nb.grades}

    def set_manual_grade(self, assignment: str, notebook: str, grade_id: str, student: str, score: float) -> None:
        """What a grader does in formgrader: give a manually graded cell its score."""
        with self.gradebook() as gb:
            grade = gb.find_grade(grade_id, notebook, assignment, student)
            grade.manual_score = score
            grade.needs_manual_grade = False  # as formgrader does when a grader saves a score
            gb.db.commit()
