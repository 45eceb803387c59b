"""``course`` — the instructor's command line, a thin layer over nbgrader and the package.

    course validate [UNIT ...]   check data, notebooks, solutions and releases; non-zero exit on failure
                                 (--jobs N units side by side, --changed only units changed since they passed)
    course build [UNIT ...]      write source/ and notebooks/, execute solutions/, run generate_assignment
    course demo [UNIT]           rehearse a whole class on a scratch copy: submissions, autograde, feedback
    course grade ASSIGNMENT      autograde and feedback of a whole class with N workers (--jobs), progress,
                                 a summary table; a failing or hanging submission never blocks the others
    course report [ASSIGNMENT]   totals per student, difficulty per question: CSV + charts
    course report --lms canvas   the wide CSV Canvas (or moodle) imports, and the pending grades
    course roster import FILE    students from a Canvas/Moodle roster into the gradebook and hub roster
    course units                 list the units and their assignments
    course init DIR              make DIR a course directory (nbgrader_config.py, folders)
    course variant --seed S      a class's own graded edition: other items, keys only in this directory
    course student-kit           the wheel and notebooks students get (no graded keys)

UNIT is a unit id (``ch04``) or an assignment name (``p2-ch04-second-revolution``); default: all.
Every command acts on a course directory: the current folder, or ``--root DIR``; never on the folder the
package is installed from.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from course.units import Unit, all_units


def _select(names: list[str]) -> list[Unit]:
    units = all_units()
    if not names:
        return units
    by_key = {u.id: u for u in units} | {u.assignment: u for u in units}
    missing = [n for n in names if n not in by_key]
    if missing:
        raise SystemExit(f"course: no unit {', '.join(missing)}; units: {', '.join(u.id for u in units)}")
    return [by_key[n] for n in names]


def _table(rows: list[tuple[str, str, str]]) -> str:
    w0 = max([len(r[0]) for r in rows] + [5])
    w1 = max([len(r[1]) for r in rows] + [5])
    lines = [f"{'check':<{w0}}  {'status':<{w1}}  detail", "-" * (w0 + w1 + 12)]
    lines += [f"{a:<{w0}}  {b:<{w1}}  {c}" for a, b, c in rows]
    return "\n".join(lines)


def course_root(arg: str | None) -> Path:
    """The course directory a command acts on: ``--root`` or the current folder; it must have nbgrader_config.py."""
    root = Path(arg or Path.cwd()).resolve()
    if not (root / "nbgrader_config.py").exists():
        raise SystemExit(f"course: {root} is not a course directory (it has no nbgrader_config.py). "
                         "Run the command inside one, pass --root DIR, or create one with `course init DIR`.")
    return root


def cmd_init(args) -> int:
    from .classroom import init_course_dir

    root = init_course_dir(Path(args.dir))
    print(f"course directory ready: {root}\nnext: cd {root} && course build")
    return 0


def cmd_units(args) -> int:
    for u in all_units():
        print(f"{u.id}  {u.assignment:<45} {u.heading}")
    return 0


def cmd_validate(args) -> int:
    from .validate import validate

    t = time.perf_counter()
    from .validate import default_jobs

    jobs = args.jobs or default_jobs()
    rows = validate(_select(args.units), book=args.book, execute=not args.quick, root=course_root(args.root),
                    jobs=jobs, changed=args.changed)
    print(_table([(r.check, "ok" if r.ok else "FAIL", r.detail) for r in rows]))
    failed = [r for r in rows if not r.ok]
    print(f"\n{len(rows) - len(failed)} passed, {len(failed)} failed ({time.perf_counter() - t:.0f} s)")
    return 1 if failed else 0


def cmd_build(args) -> int:
    from . import build
    from .classroom import Classroom

    root = course_root(args.root)
    from .variants import read_variant

    if read_variant(root) and not args.force:
        raise SystemExit(f"course: {root} holds a class variant (keys/variant.json): `course build` would replace "
                         "its graded items with the public ones. Rebuild it with `course variant --seed …`, or "
                         "pass --force to overwrite it with the public edition.")
    units = _select(args.units)
    written = build.write_notebooks(units if args.units else None, root=root)
    print(f"wrote {len(written)} files in {root} (source/, keys/, notebooks/)")
    if not args.no_solutions:
        for path in build.write_solutions(units, root=root):
            print(f"executed {path.relative_to(root)}")
    if not args.no_release:
        room = Classroom(root)
        for u in units:
            room.generate(u.assignment)
            print(f"released release/{u.assignment}/")
    return 0


def cmd_demo(args) -> int:
    from .demo import run_demo

    summary = run_demo(args.unit, students=args.students, where=args.dir, jobs=args.jobs, progress=True)
    print(summary.table())
    print(f"\ncourse directory: {summary.root}\nfeedback: {summary.root / 'feedback'}\nreport: {summary.report_dir}")
    return 0


def cmd_grade(args) -> int:
    from .classgrade import grade_class

    root = course_root(args.root)
    units = {u.id: u.assignment for u in _select([])}
    assignment = units.get(args.assignment, args.assignment)
    result = grade_class(root, assignment, students=args.student or None, jobs=args.jobs, timeout=args.timeout,
                         feedback=not args.no_feedback)
    print(result.table())
    return 1 if result.failed else 0


def cmd_report(args) -> int:
    if args.lms:
        return _report_lms(args)
    from .report import write_report

    out = write_report(course_root(args.root), Path(args.out or "reports"), assignments=args.assignments or None)
    for path in out:
        print(f"wrote {path}")
    return 0


def _report_lms(args) -> int:
    from .lms import write_lms

    out = Path(args.out or f"reports/{args.lms}-grades.csv")
    path, pend_path, pending = write_lms(course_root(args.root), args.lms, out, args.missing,
                                         args.assignments or None)
    print(f"wrote {path}\nwrote {pend_path}")
    waiting = [r for r in pending if r["status"] == "pending"]
    print(f"pending (left blank until graded): {len(waiting)}; missing submissions "
          f"({args.missing}): {sum(r['status'] == 'missing' for r in pending)}")
    for r in pending:
        if r["status"] != "missing":
            print(f"  {r['status']:<12} {r['student']:<20} {r['assignment']:<40} {r['questions']}")
    return 0


def cmd_roster_import(args) -> int:
    from .roster import RosterError, import_roster

    try:
        summary = import_roster(args.file, course_root(args.root), args.format, args.section, tljh=args.tljh,
                                course=args.course, hub_roster=args.hub_roster)
    except RosterError as exc:
        raise SystemExit(f"course roster import: {exc}")
    print(summary.text())
    return 0


def cmd_variant(args) -> int:
    from .variants import build_variant

    root = course_root(args.root)
    written = build_variant(args.seed, root, _select(args.units) if args.units else None)
    print(f"wrote the class variant into {root}: {len(written)} files (source/, keys/); "
          "keep the seed and this folder private")
    return 0


def cmd_student_kit(args) -> int:
    from .studentkit import build_student_kit

    for path in build_student_kit(Path(args.out), course_root(args.root)):
        print(f"wrote {path}")
    return 0


def cmd_lite(args) -> int:
    from .lite import build_lite, serve_hint

    out = build_lite(Path(args.out), _select(args.units) if args.units else None, root=course_root(args.root))
    print(f"wrote the JupyterLite site to {out}\nserve it: {serve_hint(out)}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="course", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("units", help="list units")
    p.set_defaults(func=cmd_units)
    p = sub.add_parser("init", help="make a folder a course directory")
    p.add_argument("dir")
    p.set_defaults(func=cmd_init)
    p = sub.add_parser("validate", help="check data, notebooks, solutions and releases")
    p.add_argument("units", nargs="*")
    p.add_argument("--book", help="path to a copy of the book (default: $COURSE_BOOK or the attached copy)")
    p.add_argument("--quick", action="store_true", help="skip executing notebooks and nbgrader runs")
    p.add_argument("--jobs", type=int, default=0, help="units rehearsed side by side (default: the cores, at most 4)")
    p.add_argument("--changed", action="store_true",
                   help="rehearse only units whose notebook or keys changed since their last passing rehearsal")
    p.add_argument("--root", help="course directory (default: here)")
    p.set_defaults(func=cmd_validate)
    p = sub.add_parser("build", help="write notebooks, solutions and releases")
    p.add_argument("units", nargs="*")
    p.add_argument("--no-solutions", action="store_true")
    p.add_argument("--no-release", action="store_true")
    p.add_argument("--root", help="course directory (default: here)")
    p.add_argument("--force", action="store_true", help="overwrite a class variant with the public edition")
    p.set_defaults(func=cmd_build)
    p = sub.add_parser("demo", help="rehearse a class on a scratch copy")
    p.add_argument("unit", nargs="?", default="ch01")
    p.add_argument("--students", type=int, default=20)
    p.add_argument("--dir", help="where to put the scratch course (default: a temporary folder)")
    p.add_argument("--jobs", type=int, default=0, help="grading workers (default: the cores, at most 8)")
    p.set_defaults(func=cmd_demo)
    p = sub.add_parser("grade", help="autograde and feedback of a whole class, in parallel")
    p.add_argument("assignment", help="assignment name or unit id (ch06)")
    p.add_argument("--jobs", type=int, default=0, help="worker processes (default: the cores, at most 8)")
    p.add_argument("--timeout", type=float, default=600, help="seconds one submission may take (default 600)")
    p.add_argument("--student", action="append", help="only this student (repeat for several)")
    p.add_argument("--no-feedback", action="store_true", help="autograde only")
    p.add_argument("--root", help="course directory (default: here)")
    p.set_defaults(func=cmd_grade)
    p = sub.add_parser("report", help="grades from the gradebook: CSV and charts")
    p.add_argument("assignments", nargs="*")
    p.add_argument("--root", help="course directory (default: here)")
    p.add_argument("--out", help="output folder (default: reports/); with --lms the CSV file "
                                 "(default: reports/<lms>-grades.csv)")
    p.add_argument("--lms", choices=["canvas", "moodle"], help="write the wide CSV this LMS imports instead")
    p.add_argument("--missing", choices=["blank", "zero"], default="blank",
                   help="with --lms: a missing submission is blank (default) or 0")
    p.set_defaults(func=cmd_report)
    p = sub.add_parser("roster", help="students from an LMS roster export")
    rsub = p.add_subparsers(dest="roster_command", required=True)
    p = rsub.add_parser("import", help="add a Canvas/Moodle roster's students to the gradebook and hub roster")
    p.add_argument("file")
    p.add_argument("--format", choices=["canvas", "moodle", "auto"], default="auto")
    p.add_argument("--section", help="only the students of this LMS section")
    p.add_argument("--root", help="course directory (default: here)")
    p.add_argument("--tljh", action="store_true", help="nbgrader ids jupyter-<username>, as on The Littlest JupyterHub")
    p.add_argument("--course", help="the course id in the hub roster (default: $COURSE_ID or stalin-in-power)")
    p.add_argument("--hub-roster", help="hub roster CSV (default: $COURSE_HUB_ROSTER, else hub/roster.csv here)")
    p.set_defaults(func=cmd_roster_import)
    p = sub.add_parser("variant", help="a class's own graded edition from a secret seed")
    p.add_argument("units", nargs="*")
    p.add_argument("--seed", required=True, help="a secret of the class (keep it private)")
    p.add_argument("--root", help="the class's course directory (default: here)")
    p.set_defaults(func=cmd_variant)
    p = sub.add_parser("student-kit", help="the wheel and notebooks students receive (no graded keys)")
    p.add_argument("--out", default="dist/student", help="output folder (default: dist/student/)")
    p.add_argument("--root", help="course directory whose notebooks/ go in the kit (default: here)")
    p.set_defaults(func=cmd_student_kit)
    p = sub.add_parser("lite", help="build the browser-only (JupyterLite) edition: a static site")
    p.add_argument("units", nargs="*")
    p.add_argument("--out", default="lite/_output", help="output folder (default: lite/_output/)")
    p.add_argument("--root", help="course directory whose notebooks/ the site carries (default: here)")
    p.set_defaults(func=cmd_lite)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
