"""The browser-only edition: a static JupyterLite site with the self-study notebooks and the course package.

``build_lite(out_dir, root=course_dir)`` writes a folder that any static web server can host (GitHub Pages, a
university web space, ``python -m http.server``). It holds JupyterLab (JupyterLite), the Pyodide kernel
extension, the ipywidgets manager, the self-study notebooks under ``notebooks/`` (start page
``notebooks/index.ipynb``), taken from the course directory's ``notebooks/`` as ``course build`` wrote
them, and a local package index (``pypi/``, "piplite") with the course's wheel and the pure-Python wheels
the notebooks need that Pyodide does not ship (Altair 5.5 and narwhals).

The site is public and for students: its course wheel is built from a copy of the repository *without*
``course_instructor`` (graded items, keys and grading steps stay with the instructor), so it holds the
student runtime ``course`` and the practice bank only.

Each notebook of this edition starts with one extra cell that installs the course into the page's Python:
``%pip install`` in the Pyodide kernel is piplite, which looks in the site's ``pypi/`` index first.

What it cannot do by itself: the Pyodide runtime (Python compiled to WebAssembly, ~10 MB, and its built-in
packages such as pandas and PyYAML) is fetched from a CDN when a notebook's kernel starts, so the reader
needs internet access; no server is involved. nbgrader has no place in a browser-only site (it needs a
server), so its JupyterLab menu is disabled here. Nothing persists beyond the browser's own storage.

Building needs ``jupyterlite-core`` and ``jupyterlite-pyodide-kernel`` (and ``jupyter_server`` for the
contents index); the build itself runs offline in a few seconds.
"""
from __future__ import annotations

import copy
import importlib.metadata as md
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell

#: the repository the course wheel is built from (a copy of it, without the instructor package)
ROOT = Path(__file__).resolve().parent.parent
DIST_NAME = "stalin-in-power-course"
#: the Pyodide kernel's name in JupyterLite (notebooks naming another kernel ask "Select Kernel")
LITE_KERNELSPEC = {"name": "python", "display_name": "Python (Pyodide)", "language": "python"}
#: pure-Python wheels bundled in the site's piplite index (pinned to what is installed here)
BUNDLED = ("altair", "narwhals")
#: JupyterLab extensions in this environment that make no sense without a server
DISABLED_EXTENSIONS = ["@jupyter/nbgrader"]

SETUP_SOURCE = (
    "# Browser edition (JupyterLite): install the course into this page's Python (Pyodide) — run me first.\n"
    "# The first run downloads Python itself and pandas from a CDN, so it needs internet and takes a minute.\n"
    '%pip install -q "altair>=5.5,<6" pandas pyyaml ipywidgets\n'
    f"%pip install -q --no-deps {DIST_NAME}"
)
SETUP_NOTE = ("**Browser edition.** This notebook runs entirely in your browser (JupyterLite, Python compiled "
              "to WebAssembly). Run the first code cell once per session: it installs the course. Your work stays "
              "in this browser's storage only — download notebooks you want to keep.")


def lite_notebook(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A self-study notebook adapted for JupyterLite: the Pyodide kernel, a setup cell on top, no outputs."""
    nb = copy.deepcopy(nb)
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    nb.metadata["kernelspec"] = dict(LITE_KERNELSPEC)
    nb.metadata.setdefault("course", {})["edition"] = "lite"
    note, setup = new_markdown_cell(SETUP_NOTE), new_code_cell(SETUP_SOURCE)
    note.id, setup.id = "lite-note", "lite-setup"
    nb.cells = [note, setup, *nb.cells]
    return nb


def _notebooks(root: Path, units=None) -> dict[str, nbformat.NotebookNode]:
    """File name -> lite notebook: each chosen unit's self-study notebook from ``<root>/notebooks/``, and the
    start page (the course directory's when every unit is chosen, else one that links the chosen units)."""
    from . import build
    from course.units import all_units

    everything = all_units()
    chosen = everything if units is None else list(units)
    out, missing = {}, []
    for unit in chosen:
        path = build.selfstudy_path(unit, root)
        if not path.is_file():
            missing.append(str(path.relative_to(root)))
            continue
        nb = nbformat.read(path, as_version=4)
        if nb.metadata.get("course", {}).get("edition") not in (None, "selfstudy"):
            raise RuntimeError(f"{path} is not a self-study notebook (edition {nb.metadata['course']['edition']!r})")
        out[path.name] = lite_notebook(nb)
    if missing:
        raise FileNotFoundError(f"{root} lacks the self-study notebooks {', '.join(missing)}: run `course build` there")
    index = root / "notebooks" / "index.ipynb"
    if [u.id for u in chosen] == [u.id for u in everything] and index.is_file():
        out["index.ipynb"] = lite_notebook(nbformat.read(index, as_version=4))
    else:
        out["index.ipynb"] = lite_notebook(build.index_notebook(chosen))
    return out


#: never copied into the wheel's build tree: the instructor package (graded bank, keys, grading), course
#: directories' contents, and build clutter
WHEEL_EXCLUDES = ("course_instructor", ".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", "artifacts",
                  "release", "submitted", "autograded", "feedback", "solutions", "source", "notebooks", "keys",
                  "lite", "reports", ".pytest_cache", "gradebook.db", "hub", "tests", "benchmarks")


def course_wheel(dest: Path) -> Path:
    """Build the student runtime's wheel (package ``course``, no dependencies) into ``dest``, from a copy of
    the repository without ``course_instructor``."""
    dest.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        # build from a clean copy: setuptools writes build/ and *.egg-info beside the sources
        src = Path(tmp) / "src"
        shutil.copytree(ROOT, src, ignore=shutil.ignore_patterns(*WHEEL_EXCLUDES))
        # the `course` command is the instructor's (course_instructor.cli): no console script in this wheel
        pyproject = src / "pyproject.toml"
        pyproject.write_text(re.sub(r"(?ms)^\[project\.scripts\]\n.*?(?=^\[|\Z)", "", pyproject.read_text()))
        run = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q",
                              "-w", str(dest), str(src)], capture_output=True, text=True)
        if run.returncode:
            raise RuntimeError(f"could not build the course wheel:\n{run.stderr[-2000:]}")
    wheels = sorted(dest.glob("stalin_in_power_course-*.whl"))
    if not wheels:
        raise RuntimeError("pip wheel produced no course wheel")
    import zipfile

    with zipfile.ZipFile(wheels[-1]) as zf:
        leaked = [n for n in zf.namelist() if n.split("/")[0] == "course_instructor"]
    if leaked:
        raise RuntimeError(f"the course wheel carries the instructor package: {leaked[:5]}")
    return wheels[-1]


def bundled_wheels(dest: Path, names=BUNDLED) -> list[Path]:
    """Download pure-Python wheels of ``names`` (the versions installed here) for the piplite index.

    Returns what it could get; a missing one is fetched from PyPI by piplite at run time instead."""
    dest.mkdir(parents=True, exist_ok=True)
    pins = []
    for name in names:
        try:
            pins.append(f"{name}=={md.version(name)}")
        except md.PackageNotFoundError:
            continue
    if pins:
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "-q",
                        "--platform", "any", "--python-version", "3.13", "-d", str(dest), *pins],
                       capture_output=True, text=True)
    return sorted(p for p in dest.glob("*.whl") if not p.name.startswith("stalin_in_power_course-"))


def _jupyter() -> list[str]:
    exe = Path(sys.executable).with_name("jupyter")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "jupyter"]


def build_lite(out_dir: Path | str, units=None, *, root: Path | str | None = None, bundle: bool = True,
               quiet: bool = True) -> Path:
    """Build the JupyterLite site into ``out_dir`` (replaced if it exists) from the course directory ``root``
    (default: the current folder; its ``notebooks/``, written by ``course build``); return its path."""
    out_dir = Path(out_dir).resolve()
    root = Path(root or Path.cwd()).resolve()
    notebooks = _notebooks(root, units)  # before anything is built: a missing notebook stops here
    with tempfile.TemporaryDirectory(prefix="course-lite-") as tmp:
        lite_dir = Path(tmp)
        files = lite_dir / "files" / "notebooks"
        files.mkdir(parents=True)
        for name, nb in notebooks.items():
            (files / name).write_text(nbformat.writes(nb) + "\n", encoding="utf-8")
        wheels_dir = lite_dir / "wheels"
        wheels = [course_wheel(wheels_dir)] + (bundled_wheels(wheels_dir) if bundle else [])
        (lite_dir / "jupyter-lite.json").write_text(json.dumps({
            "jupyter-lite-schema-version": 0,
            "jupyter-config-data": {
                "appName": "Stalin in Power — a Jupyter course (browser edition)",
                "disabledExtensions": DISABLED_EXTENSIONS,
            },
        }, indent=2), encoding="utf-8")
        # no "Jupyter news" pop-up: the course directory's settings, else the repository's
        overrides = next((p for p in (root / ".jupyter" / "overrides.json", ROOT / ".jupyter" / "overrides.json")
                          if p.is_file()), None)
        if overrides is not None:
            shutil.copy2(overrides, lite_dir / "overrides.json")  # the build merges it into jupyter-lite.json
        cmd = [*_jupyter(), "lite", "build", "--lite-dir", str(lite_dir), "--output-dir", str(out_dir),
               "--contents", str(lite_dir / "files"), "--no-sourcemaps",
               *[f"--piplite-wheels={w}" for w in wheels]]
        if out_dir.exists():
            if any(out_dir.iterdir()) and not (out_dir / "jupyter-lite.json").is_file():
                raise RuntimeError(f"{out_dir} exists and is not a JupyterLite site: not replacing it")
            shutil.rmtree(out_dir)
        run = subprocess.run(cmd, cwd=lite_dir, capture_output=quiet, text=True)
        if run.returncode:
            raise RuntimeError(f"jupyter lite build failed:\n{(run.stdout or '')[-2000:]}\n{(run.stderr or '')[-3000:]}")
    return out_dir


def serve_hint(out_dir: Path | str) -> str:
    return (f"python -m http.server --directory {out_dir} 8000   # then open "
            "http://localhost:8000/lab/index.html?path=notebooks/index.ipynb")
