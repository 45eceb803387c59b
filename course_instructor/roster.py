"""``course roster import FILE``: students from an LMS roster export into the gradebook and the hub roster.

Layouts read (detected from the header, or chosen with ``--format canvas|moodle``):

- ``canvas``: the Canvas gradebook export (Grades > Export): ``Student`` ("Last, First"), ``ID`` (Canvas
  user id), ``SIS User ID``, ``SIS Login ID``, ``Section``, then one column per assignment; the "Points
  Possible" row, empty or "Muted" rows and Canvas's Test Student are skipped.
- ``canvas-users``: a Canvas users CSV (SIS import / provisioning report): ``login_id``, ``user_id``,
  ``first_name``, ``last_name``, ``sortable_name``, ``email`` (``canvas_user_id`` when present).
- ``moodle``: a Moodle user export: ``Username``, ``First name``, ``Last name`` (older: ``Surname``),
  ``Email address``, ``ID number``; or the raw field names of the bulk user download (``username``,
  ``firstname``, ``lastname``, ``email``, ``idnumber``).

**Names, the documented rule.** The hub username is the LMS login lower-cased (``Ann`` -> ``ann``; JupyterHub
lower-cases usernames too). The nbgrader student id is the hub username, or with ``--tljh``
``jupyter-<hub username>``: TLJH runs each server as the OS user ``jupyter-<name>`` and nbgrader names a
student by OS user, so ``jupyter-ann`` is hub user ``ann``. Students are written with nbgrader's
``Gradebook.update_or_create_student`` into the course's gradebook (``Classroom.db_url``, which honours
``COURSE_DB_URL``); hub roster rows ``<username>,<course>,student`` are added to the file ``hub/`` reads
(``username,course,role``). The whole file is checked before anything is written: an unknown layout, a
missing column, an empty or duplicate login, id or email stops the import with nothing changed.
"""
from __future__ import annotations

import csv
import io
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

TLJH_PREFIX = "jupyter-"
HUB_HEADER = ("username", "course", "role")
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._@+-]*$")


class RosterError(ValueError):
    """A roster that cannot be imported; the message says what is wrong and where."""


@dataclass(frozen=True)
class Layout:
    name: str
    lms: str
    title: str
    columns: dict  # field -> accepted column names (compared case-insensitively)
    required: tuple


LAYOUTS = (
    Layout("canvas", "canvas", "Canvas gradebook export",
           {"name": ("Student",), "lms_id": ("ID",), "sis_id": ("SIS User ID",), "login": ("SIS Login ID",),
            "section": ("Section",)}, ("name", "lms_id", "login", "section")),
    Layout("canvas-users", "canvas", "Canvas users CSV (SIS import / provisioning report)",
           {"login": ("login_id",), "sis_id": ("user_id",), "lms_id": ("canvas_user_id",), "first": ("first_name",),
            "last": ("last_name",), "name": ("sortable_name", "full_name"), "email": ("email",)},
           ("login", "sis_id")),
    Layout("moodle", "moodle", "Moodle user export",
           {"login": ("Username", "username"), "first": ("First name", "firstname"),
            "last": ("Last name", "Surname", "lastname"), "email": ("Email address", "email"),
            "lms_id": ("ID number", "idnumber")}, ("login", "email")),
)


@dataclass
class RosterStudent:
    line: int
    hub_user: str
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    lms_user_id: str = ""

    def student_id(self, tljh: bool = False) -> str:
        return nbgrader_id(self.hub_user, tljh)

    def fields(self) -> dict:
        """The gradebook fields this roster knows (blank ones are left as they are)."""
        keys = ("first_name", "last_name", "email", "lms_user_id")
        return {k: getattr(self, k) for k in keys if getattr(self, k)}


def hub_username(login: str) -> str:
    return login.strip().lower()


def nbgrader_id(hub_user: str, tljh: bool = False) -> str:
    return f"{TLJH_PREFIX}{hub_user}" if tljh else hub_user


def hub_user_of(student_id: str) -> str:
    """The hub username of an nbgrader student id (TLJH's ``jupyter-ann`` is ``ann``)."""
    return student_id.removeprefix(TLJH_PREFIX)


# -- reading ---------------------------------------------------------------------------------------------
def _table(path: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    text = Path(path).read_text(encoding="utf-8-sig")
    first = next((ln for ln in text.splitlines() if ln.strip()), "")
    delimiter = max(",;\t", key=first.count)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    rows = [(reader.line_num, row) for row in reader if any(c.strip() for c in row)]
    if not rows:
        raise RosterError(f"{path}: empty file")
    return [c.strip() for c in rows[0][1]], rows[1:]


def _index(header: list[str], layout: Layout) -> dict[str, int]:
    low = [h.lower() for h in header]
    found = {}
    for field, names in layout.columns.items():
        for n in names:
            if n.lower() in low:
                found[field] = low.index(n.lower())
                break
    return found


def _missing(layout: Layout, found: dict) -> list[str]:
    return [layout.columns[f][0] for f in layout.required if f not in found]


def detect(path: Path, header: list[str], fmt: str = "auto") -> tuple[Layout, dict[str, int]]:
    """The layout a header belongs to; RosterError naming the columns found and expected otherwise."""
    if fmt not in ("auto", "canvas", "moodle"):
        raise RosterError(f"unknown format {fmt!r}: use canvas, moodle or auto")
    candidates = [lay for lay in LAYOUTS if fmt in ("auto", lay.lms)]
    for lay in candidates:
        found = _index(header, lay)
        if not _missing(lay, found):
            return lay, found
    expected = "\n".join(f"  {lay.name} ({lay.title}): needs {', '.join(lay.columns[f][0] for f in lay.required)}"
                         f" -- missing {', '.join(_missing(lay, _index(header, lay)))}" for lay in candidates)
    what = "unknown roster layout" if fmt == "auto" else f"not a {fmt} roster: missing required columns"
    raise RosterError(f"{path}: {what}.\ncolumns found: {', '.join(header) or '(none)'}\nexpected:\n{expected}")


def _skip(layout: Layout, cells: dict) -> bool:
    """Canvas gradebook rows that are not students: Points Possible, muted/empty rows, the Test Student."""
    if layout.name != "canvas":
        return False
    name = cells.get("name", "")
    return ("points possible" in name.lower() or name.lower() in ("student, test", "test student")
            or all(v.lower() in ("", "muted") for v in cells.values()))


def _split_name(name: str) -> tuple[str, str]:
    """(first, last) of "Last, First" (Canvas's sortable name) or "First Last"."""
    if "," in name:
        last, first = name.split(",", 1)
        return first.strip(), last.strip()
    parts = name.rsplit(" ", 1)
    return (parts[0], parts[1]) if len(parts) == 2 else (name, "")


def _in_section(value: str, section: str) -> bool:
    return section.strip().lower() in [v.strip().lower() for v in [value, *value.split(" and ")]]


def read_roster(path: str | Path, fmt: str = "auto", section: str | None = None) -> tuple[Layout, list[RosterStudent]]:
    """Every student of the roster (of ``section``), checked: RosterError lists all problems found."""
    path = Path(path)
    header, rows = _table(path)
    layout, idx = detect(path, header, fmt)
    if section and "section" not in idx:
        raise RosterError(f"{path}: --section given, but the {layout.name} layout has no section column")
    students, errors = [], []
    for line, row in rows:
        cells = {f: (row[i].strip() if i < len(row) else "") for f, i in idx.items()}
        if _skip(layout, cells) or (section and not _in_section(cells["section"], section)):
            continue
        login_col = layout.columns["login"][0]
        user = hub_username(cells["login"])
        if not user:
            errors.append(f"line {line}: empty {login_col}")
            continue
        if not USERNAME.match(user):
            errors.append(f"line {line}: {login_col} {cells['login']!r} cannot be a hub username")
            continue
        first, last = cells.get("first", ""), cells.get("last", "")
        if not (first or last) and cells.get("name"):
            first, last = _split_name(cells["name"])
        students.append(RosterStudent(line, user, first, last, cells.get("email", ""), cells.get("lms_id", "")))
    errors += _duplicates(students, layout)
    if errors:
        raise RosterError(f"{path}: nothing imported:\n  " + "\n  ".join(errors))
    if not students:
        raise RosterError(f"{path}: no students" + (f" in section {section!r}" if section else ""))
    return layout, students


def _duplicates(students: list[RosterStudent], layout: Layout) -> list[str]:
    errors = []
    for attr, label in (("hub_user", "login"), ("lms_user_id", "LMS id"), ("email", "email")):
        seen: dict[str, int] = {}
        for s in students:
            key = getattr(s, attr).lower()
            if key and key in seen:
                errors.append(f"line {s.line}: duplicate {label} {getattr(s, attr)!r} (also on line {seen[key]})")
            seen.setdefault(key, s.line)
    return errors


# -- the hub roster ---------------------------------------------------------------------------------------
def hub_roster_path(root: Path, given: str | Path | None = None) -> Path:
    """``--hub-roster``, else ``$COURSE_HUB_ROSTER`` (what hub/jupyterhub_config.py reads), else ``root/hub/roster.csv``."""
    return Path(given or os.environ.get("COURSE_HUB_ROSTER") or Path(root) / "hub" / "roster.csv")


def _hub_rows(path: Path) -> tuple[str, set[tuple[str, str, str]]]:
    if not path.exists():
        return ",".join(HUB_HEADER) + "\n", set()
    text = path.read_text(encoding="utf-8")
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    rows = list(csv.reader(lines))
    if not rows or tuple(c.strip() for c in rows[0]) != HUB_HEADER:
        raise RosterError(f"{path}: not a hub roster (its header must be {','.join(HUB_HEADER)})")
    existing = {tuple(c.strip() for c in r[:3]) for r in rows[1:] if len(r) >= 3}
    return (text if text.endswith("\n") else text + "\n"), existing


def _atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
        f.write(text)
    os.chmod(tmp, path.stat().st_mode & 0o777 if path.exists() else 0o600)  # the roster is the hub's alone
    os.replace(tmp, path)


# -- the gradebook ----------------------------------------------------------------------------------------
FIELDS = ("first_name", "last_name", "email", "lms_user_id")


def _write_gradebook(room, students: list[RosterStudent], tljh: bool) -> tuple[list[str], list[str]]:
    """(added, updated) student ids; on a database error every change is undone."""
    from nbgrader.api import MissingEntry

    with room.gradebook() as gb:
        before = {}
        for s in students:
            try:
                st = gb.find_student(s.student_id(tljh))
                before[st.id] = {k: getattr(st, k) for k in FIELDS}
            except MissingEntry:
                before[s.student_id(tljh)] = None
        done = []
        try:
            for s in students:
                gb.update_or_create_student(s.student_id(tljh), **s.fields())
                done.append(s.student_id(tljh))
        except Exception:
            gb.db.rollback()
            for sid in done:
                if before[sid] is None:
                    gb.remove_student(sid)
                else:
                    gb.update_or_create_student(sid, **before[sid])
            raise
    return [i for i in done if before[i] is None], [i for i in done if before[i] is not None]


@dataclass
class ImportSummary:
    layout: str
    students: int
    added: list
    updated: list
    hub_roster: Path
    hub_added: list
    not_in_lms: list  # hub roster students of this course absent from the LMS file (left in place)

    def text(self) -> str:
        lines = [(f"roster ({self.layout}): {self.students} students; gradebook: {len(self.added)} added, "
                  f"{len(self.updated)} updated; hub roster {self.hub_roster}: {len(self.hub_added)} added")]
        if self.not_in_lms:
            lines.append(f"in the hub roster but not in this LMS file (left in place): {', '.join(self.not_in_lms)}")
        return "\n".join(lines)


def import_roster(path: str | Path, root: str | Path, fmt: str = "auto", section: str | None = None,
                  tljh: bool = False, course: str | None = None, hub_roster: str | Path | None = None) -> ImportSummary:
    """Check the whole roster, then write the gradebook, then the hub roster (atomically)."""
    from .classroom import Classroom

    room = Classroom(root)
    layout, students = read_roster(path, fmt, section)
    course = course or room._course_id()
    hub_path = hub_roster_path(room.root, hub_roster)
    text, existing = _hub_rows(hub_path)
    new = [s.hub_user for s in students if (s.hub_user, course, "student") not in existing]
    added, updated = _write_gradebook(room, students, tljh)
    if new:
        _atomic_write(hub_path, text + "".join(f"{u},{course},student\n" for u in new))
    listed = {s.hub_user for s in students}
    absent = sorted(u for u, c, r in existing if c == course and r == "student" and u not in listed)
    return ImportSummary(layout.name, len(students), added, updated, hub_path, new, absent)
