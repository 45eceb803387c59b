"""The student kit: what students get, and nothing a grader keeps (``course student-kit``).

``build_student_kit(out, root)`` writes into ``out`` (default ``dist/student/``):

- ``stalin_in_power_course_student-<version>-py3-none-any.whl`` — the ``course`` package only (the student
  runtime with its data: ``content/**/*.yaml``, ``data/*.csv|yaml``), under the project name
  ``stalin-in-power-course-student``, with the runtime dependencies of ``pyproject.toml`` (nbgrader
  included: students use its Assignment List and Validate extensions). No ``course_instructor``, no graded
  bank, no ``keys/``, ``source/`` or ``solutions/``: a hub's user image installs this wheel, never the
  repository (docs/jupyterhub.md);
- ``notebooks/`` — the self-study edition and its start page, written by the same generator as
  ``course build`` (practice items only), so they always match the wheel's data;
- ``README.txt`` — what the kit is and how to install it.

The wheel is written directly (PEP 427: a zip with ``.dist-info/METADATA``, ``WHEEL`` and ``RECORD``), with
no build back end and no network: the same sources give the same bytes (entries in sorted order, fixed
timestamps from ``SOURCE_DATE_EPOCH`` or 1980-01-01, fixed modes). Before anything is written, every
file of the kit is checked against the graded bank: a graded prompt or explanation, or a path that
belongs to the instructor, stops the build.
"""
from __future__ import annotations

import base64
import fnmatch
import hashlib
import io
import os
import re
import shutil
import time
import zipfile
from pathlib import Path

PROJECT = "stalin-in-power-course-student"
PACKAGE = "course"
SUMMARY = ("Stalin in Power course, student runtime: readings from your own copy of the book, widgets, "
           "sourced charts, self-check practice questions (no graded items, no keys).")
#: the package data of ``course`` (as in pyproject.toml's [tool.setuptools.package-data])
PACKAGE_DATA = ("content/**/*.yaml", "content/*.yaml", "data/*.csv", "data/*.yaml", "data/claims/*.yaml",
                "data/maps/*.geojson", "data/maps/*.yaml")
#: the runtime dependencies, when the course directory has no pyproject.toml to read them from
DEPENDENCIES = ("jupyterlab>=4.2,<5", "ipywidgets>=8.1,<9", "nbgrader>=0.9.5,<0.10; python_version >= '3.11'",
                "altair>=5.5,<6", "pandas>=2.0", "pyyaml>=6.0", "nbformat>=5.9", "nbclient>=0.10", "ipykernel>=6.29")
REQUIRES_PYTHON = ">=3.10"
#: path parts that never belong in the kit (instructor package, graded bank, keys, instructor notebooks)
FORBIDDEN_PARTS = {"course_instructor", "bank", "keys", "source", "solutions", "release", "submitted",
                   "autograded", "feedback", "__pycache__"}
_WORD = re.compile(r"\w+")
RUN = 8  # words in a run compared with the kit's text


# -- what goes in --------------------------------------------------------------------------------------
def _project(root: Path) -> dict:
    """``[project]`` and the ``course`` package data from ``<root>/pyproject.toml`` (empty without one)."""
    path = root / "pyproject.toml"
    if not path.is_file():
        return {}
    import tomllib

    data = tomllib.loads(path.read_text(encoding="utf-8"))
    project = dict(data.get("project", {}))
    pkg_data = data.get("tool", {}).get("setuptools", {}).get("package-data", {}).get(PACKAGE)
    if pkg_data:
        project["_package_data"] = tuple(pkg_data)
    return project


def _package_dir(root: Path) -> Path:
    """``<root>/course`` in a clone of the repository, else the installed student runtime."""
    if (root / PACKAGE / "__init__.py").is_file():
        return root / PACKAGE
    import course

    return Path(course.__file__).resolve().parent


def _version(project: dict, pkg: Path) -> str:
    if project.get("version"):
        return str(project["version"])
    m = re.search(r'^__version__\s*=\s*["\']([^"\']+)', (pkg / "__init__.py").read_text(encoding="utf-8"), re.M)
    if not m:
        raise RuntimeError(f"no version: neither pyproject.toml nor {pkg / '__init__.py'} gives one")
    return m.group(1)


def package_files(pkg: Path, patterns=PACKAGE_DATA) -> dict[str, bytes]:
    """``{path in the wheel: bytes}``: every module of the package and its package data."""
    found = {p for p in pkg.rglob("*.py")}
    for pattern in patterns:
        found.update(pkg.glob(pattern))
    out = {}
    for p in sorted(found):
        rel = p.relative_to(pkg)
        if not p.is_file() or "__pycache__" in rel.parts:
            continue
        out[f"{PACKAGE}/{rel.as_posix()}"] = p.read_bytes()
    return out


def selfstudy_notebooks() -> dict[str, str]:
    """``{file name: text}``: the self-study edition of every unit and the start page, as ``course build``
    writes them into ``notebooks/``."""
    from course.units import all_units

    from .build import _dump, index_notebook, selfstudy_path, unit_notebook

    out = {selfstudy_path(u, Path(".")).name: _dump(unit_notebook(u, "selfstudy")) for u in all_units()}
    out["index.ipynb"] = _dump(index_notebook())
    return out


# -- the wheel -----------------------------------------------------------------------------------------
def wheel_name(version: str) -> str:
    return f"{PROJECT.replace('-', '_')}-{version}-py3-none-any.whl"


def _metadata(version: str, project: dict) -> str:
    lines = ["Metadata-Version: 2.1", f"Name: {PROJECT}", f"Version: {version}", f"Summary: {SUMMARY}",
             f"Requires-Python: {project.get('requires-python', REQUIRES_PYTHON)}"]
    lic = project.get("license", {})
    if isinstance(lic, dict) and lic.get("text"):
        lines.append(f"License: {lic['text']}")
    lines += [f"Requires-Dist: {d}" for d in project.get("dependencies", DEPENDENCIES)]
    return "\n".join(lines) + "\n"


def _record_hash(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def _zip_time() -> tuple:
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        t = time.gmtime(max(int(epoch), 315532800))  # zip cannot hold dates before 1980
        return t[:6]
    return (1980, 1, 1, 0, 0, 0)


def wheel_bytes(files: dict[str, bytes], version: str, project: dict) -> bytes:
    """A PEP 427 wheel of ``files`` (``{path: bytes}``), byte for byte the same for the same input."""
    info = f"{PROJECT.replace('-', '_')}-{version}.dist-info"
    entries = dict(sorted(files.items()))
    entries[f"{info}/METADATA"] = _metadata(version, project).encode()
    entries[f"{info}/WHEEL"] = (b"Wheel-Version: 1.0\nGenerator: course_instructor.studentkit\n"
                                b"Root-Is-Purelib: true\nTag: py3-none-any\n")
    entries[f"{info}/top_level.txt"] = f"{PACKAGE}\n".encode()
    record = [f"{name},{_record_hash(data)},{len(data)}" for name, data in entries.items()]
    entries[f"{info}/RECORD"] = ("\n".join([*record, f"{info}/RECORD,,"]) + "\n").encode()
    buf = io.BytesIO()
    stamp = _zip_time()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in entries.items():
            zi = zipfile.ZipInfo(name, date_time=stamp)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o644 << 16
            zi.create_system = 3  # unix, whatever the building machine
            zf.writestr(zi, data, compresslevel=9)
    return buf.getvalue()


# -- the guard -----------------------------------------------------------------------------------------
def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def _runs(text: str) -> set[str]:
    w = _words(text)
    return {" ".join(w[i:i + RUN]) for i in range(len(w) - RUN + 1)}


def graded_leaks(texts: dict[str, str]) -> list[str]:
    """What of the graded bank ``texts`` (``{name: text}``) carry: a file holding more than half of the
    8-word runs of a graded prompt or explanation (a shipped item holds them all; the course's own
    summaries share a few runs with prompts, as they tell the same history).

    Paths are checked by :func:`path_leaks`; keys live only in the course directory's ``keys/``, written
    from this bank, so a key record would bring its explanation along."""
    from .bank import GRADED

    items = [(q.id, what, runs) for q in GRADED.questions()
             for what, text in (("prompt", q.prompt), ("explanation", q.explanation)) if (runs := _runs(text or ""))]
    problems = []
    for name, text in texts.items():
        present = _runs(text)
        for qid, what, runs in items:
            hits = len(runs & present)
            if hits * 2 > len(runs):
                problems.append(f"{name}: holds the {what} of graded item {qid} ({hits}/{len(runs)} runs)")
    return problems


def path_leaks(names) -> list[str]:
    return [f"{n}: an instructor's path in the student kit" for n in names
            if FORBIDDEN_PARTS & set(Path(n).parts) or fnmatch.fnmatch(n, "*.json") and "keys" in n]


# -- the kit -------------------------------------------------------------------------------------------
README = """\
Stalin in Power: the student kit (version {version})
{rule}

What this is
  The course's student runtime and its self-study notebooks, for Robert C. Tucker's
  "Stalin in Power: The Revolution from Above, 1928-1941" (1990). The book is not included: attach
  your own copy (see the start page, notebooks/index.ipynb).

What is in it
  {wheel}
      The Python package `course` (readings, units, datasets, charts, widgets, practice questions),
      project name {project}. Its dependencies (JupyterLab, ipywidgets, Altair, pandas, PyYAML,
      nbformat, nbclient, ipykernel, nbgrader) come from the package index when it is installed.
  notebooks/
      The self-study edition: one notebook per unit with self-checking practice questions, and
      index.ipynb, the start page.
  README.txt
      This file.

What is not in it
  Graded questions, their keys, rubrics and model answers, the instructor package (course_instructor),
  nbgrader source assignments and executed solutions. Graded units come as nbgrader assignments
  released by your instructor (JupyterHub: Nbgrader > Assignments > Fetch).

Install
  In a JupyterHub user image (administrators):   pip install dist/student/{wheel}
  On your own computer:                           python -m venv .venv
                                                  .venv/bin/pip install {wheel}
                                                  .venv/bin/jupyter lab notebooks/index.ipynb
"""


def build_student_kit(out: Path, root: Path) -> list[Path]:
    """Write the student kit into ``out`` from the course at ``root``; return the files written."""
    out, root = Path(out), Path(root)
    project = _project(root)
    pkg = _package_dir(root)
    version = _version(project, pkg)
    files = package_files(pkg, project.get("_package_data", PACKAGE_DATA))
    notebooks = selfstudy_notebooks()
    wheel = wheel_name(version)
    readme = README.format(version=version, rule="=" * (45 + len(version)), wheel=wheel, project=PROJECT)

    texts = {name: data.decode("utf-8", "replace") for name, data in files.items()}
    texts |= {f"notebooks/{n}": t for n, t in notebooks.items()} | {"README.txt": readme}
    problems = path_leaks(files) + graded_leaks(texts)
    if problems:
        raise RuntimeError("the student kit would carry graded material; nothing written:\n  " + "\n  ".join(problems))

    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob(f"{PROJECT.replace('-', '_')}-*.whl"):  # one wheel: `pip install dist/student/*.whl`
        old.unlink()
    if (out / "notebooks").is_dir():
        shutil.rmtree(out / "notebooks")
    (out / "notebooks").mkdir()
    written = [out / wheel]
    (out / wheel).write_bytes(wheel_bytes(files, version, project))
    for name, text in sorted(notebooks.items()):
        path = out / "notebooks" / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    (out / "README.txt").write_text(readme, encoding="utf-8")
    written.append(out / "README.txt")
    return written
