"""The instructor's side of the course: graded items with their keys, building the notebooks, nbgrader
grading steps, class variants, validation and reports.

Never installed for students (``course student-kit`` builds the wheel they get, with ``course/`` only):
graded keys, rubrics and anchor answers live here and in the course directory's ``keys/`` folder.
Every command works on a course directory, the current folder or ``--root DIR``, never on the place
this package is installed.
"""
