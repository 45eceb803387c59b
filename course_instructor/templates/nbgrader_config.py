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
    "course_instructor.autograde.ChartImages",
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

# The feedback page's template (course_instructor/templates/course_feedback): nbgrader's `feedback`, minus
# MathJax from cdnjs (our notebooks hold no mathematics), with charts as <img> and their descriptions as alt
# text. Scoped to GenerateFeedback: a plain `c.HTMLExporter.template_name` would also replace the formgrader's
# own `formgrade` template (this file is loaded after nbgrader sets it), so graders would lose the grading form.
# The scoped section also wins over the `feedback` nbgrader forces when feedback is made from the formgrader.
# Guarded: an environment without the instructor package (a student's) still reads the rest of this file.
try:
    import course_instructor
    import nbgrader
except ImportError:
    pass
else:
    # A submission's kernel runs in bubblewrap and sees its own folder and Python, not the keys, the gradebook
    # or other students' work (course_instructor/sandbox.py; COURSE_GRADING_SANDBOX=off only where grading
    # has a container or an account of its own).
    c.Execute.kernel_manager_class = "course_instructor.sandbox.SandboxedKernelManager"
    NBGRADER_TEMPLATES = os.path.join(os.path.dirname(nbgrader.__file__), "server_extensions", "formgrader", "templates")
    c.GenerateFeedback.HTMLExporter.template_name = "course_feedback"
    c.GenerateFeedback.HTMLExporter.extra_template_basedirs = [
        os.path.join(os.path.dirname(course_instructor.__file__), "templates"),
        NBGRADER_TEMPLATES,
    ]
    # nbgrader's own list (bootstrap's CSS) plus its templates folder, so course_feedback can extend
    # 'feedback/index.html.j2' by name (its own index.html.j2 would otherwise shadow it)
    c.GenerateFeedback.HTMLExporter.extra_template_paths = [
        os.path.join(os.path.dirname(nbgrader.__file__), "server_extensions", "formgrader", "static",
                     "node_modules", "bootstrap", "dist", "css"),
        NBGRADER_TEMPLATES,
    ]
