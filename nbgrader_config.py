"""nbgrader configuration of a course directory for the Stalin in Power course.

`course init DIR` writes this file; the repository's own root holds the same file (a test keeps them equal).
Run nbgrader from the course directory (or pass --CourseDirectory.root): elsewhere it quietly creates an
empty gradebook. The `course` command always passes the root explicitly.
"""
import os

c = get_config()  # noqa: F821 (provided by nbgrader)
HERE = os.path.dirname(os.path.abspath(__file__))

c.CourseDirectory.course_id = os.environ.get("COURSE_ID", "stalin-in-power")
c.CourseDirectory.root = HERE
c.CourseDirectory.db_url = os.environ.get("COURSE_DB_URL", "sqlite:///" + os.path.join(HERE, "gradebook.db"))
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback"]

# Per-cell limit: an endless loop is cut after this many seconds and the rest still grades.
c.Execute.timeout = int(os.environ.get("COURSE_CELL_TIMEOUT", "30"))
c.Execute.interrupt_on_timeout = True
# Huge output is trimmed, not stored whole in the gradebook and feedback.
c.LimitOutput.max_lines = 200
c.LimitOutput.max_traceback = 50

# Unanswered cells do not stop Run All: an answer cell starts as `answer_… = None`, an essay as this text.
c.ClearSolutions.code_stub = {"python": "# YOUR ANSWER HERE"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# Grading that student code cannot redirect (docs/grading-integrity.md): the kernel only reports answers;
# scores are worked out here, in the grader's process, against keys/<assignment>.json.
c.ScoreAnswers.course_root = HERE
c.PrepareEssays.course_root = HERE
c.Autograde.sanitize_preprocessors = [
    "nbgrader.preprocessors.ClearOutput",
    "nbgrader.preprocessors.DeduplicateIds",
    "nbgrader.preprocessors.OverwriteKernelspec",
    "course_instructor.autograde.IntegrityReport",  # before OverwriteCells restores what was changed
    "nbgrader.preprocessors.OverwriteCells",
    "nbgrader.preprocessors.CheckCellMetadata",
]
c.Autograde.autograde_preprocessors = [
    "nbgrader.preprocessors.Execute",
    "course_instructor.autograde.ScoreAnswers",
    "course_instructor.autograde.PrepareEssays",
    "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "nbgrader.preprocessors.SaveAutoGrades",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]

# Feedback teaches and leaks nothing: no grader-only cell (rubric, anchor answer, integrity report), an
# essay not yet graded shows as pending, each question's explanation and citation is added, no CDN.
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "course_instructor.feedback.HideGraderNotes",
    "course_instructor.feedback.MarkPending",
    "course_instructor.feedback.AddExplanations",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]
c.AddExplanations.course_root = HERE
