"""nbgrader configuration for the course directory (this repository's root).

Run nbgrader from here (or pass --CourseDirectory.root=<this folder>): elsewhere it quietly creates an
empty gradebook. `course` (the CLI) always passes the root explicitly.
"""
import os

c = get_config()  # noqa: F821 (provided by nbgrader)

c.CourseDirectory.course_id = os.environ.get("COURSE_ID", "stalin-in-power")
c.CourseDirectory.source_directory = "source"
c.CourseDirectory.release_directory = "release"
c.CourseDirectory.submitted_directory = "submitted"
c.CourseDirectory.autograded_directory = "autograded"
c.CourseDirectory.feedback_directory = "feedback"
c.CourseDirectory.solution_directory = "solution"
c.CourseDirectory.db_url = os.environ.get("COURSE_DB_URL", "sqlite:///gradebook.db")
# answers.json (written by the widgets) travels with the notebook
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback"]

# Per-cell limits: an infinite loop is cut after this many seconds and the rest still grades.
c.Execute.timeout = int(os.environ.get("COURSE_CELL_TIMEOUT", "30"))
c.Execute.interrupt_on_timeout = True
c.Execute.allow_errors = True
# Huge output is trimmed, not stored whole in the gradebook and feedback.
c.LimitOutput.max_lines = 200
c.LimitOutput.max_traceback = 50

c.ClearSolutions.code_stub = {"python": "# YOUR ANSWER HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# Feedback shows each question's explanation and citation, never the hidden tests (nbgrader #917).
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "course.feedback.HideHiddenTests",
    "course.feedback.AddExplanations",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]
