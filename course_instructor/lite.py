"""The browser-only edition: a static JupyterLite site with the self-study notebooks and the course package.

``build_lite(out_dir)`` writes a folder that any static web server can host (GitHub Pages, a university web
space, ``python -m http.server``). It holds JupyterLab (JupyterLite), the Pyodide kernel extension, the
ipywidgets manager, the self-study notebooks under ``notebooks/`` (start page ``notebooks/index.ipynb``),
and a local package index (``pypi/``, "piplite") with the course's wheel and the pure-Python wheels the
notebooks need that Pyodide does not ship (Altair 5.5 and narwhals).

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
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell

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
    """A self-study notebook adapted for JupyterLite: the Pyodide kernel and a setup cell on top."""
    nb = copy.deepcopy(nb)
    nb.metadata["kernelspec"] = dict(LITE_KERNELSPEC)
    nb.metadata.setdefault("course", {})["edition"] = "lite"
    note, setup = new_markdown_cell(SETUP_NOTE), new_code_cell(SETUP_SOURCE)
    note.id, setup.id = "lite-note", "lite-setup"
    nb.cells = [note, setup, *nb.cells]
    return nb


def _notebooks(units=None) -> dict[str, nbformat.NotebookNode]:
    """File name -> lite notebook, for the start page and every unit that builds."""
    from . import build
    from course.units import all_units

    chosen = all_units() if units is None else units
    out = {}
    for unit in chosen:
        out[f"{unit.assignment}.ipynb"] = lite_notebook(build.unit_notebook(unit, "selfstudy"))
    out["index.ipynb"] = lite_notebook(build.index_notebook(chosen))
    return out


def course_wheel(dest: Path) -> Path:
    """Build the course package's wheel (no dependencies) into ``dest``."""
    dest.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        # build from a clean copy: setuptools writes build/ and *.egg-info beside the sources
        src = Path(tmp) / "src"
        shutil.copytree(ROOT, src, ignore=shutil.ignore_patterns(
            ".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", "artifacts", "release", "submitted",
            "autograded", "feedback", "solutions", "source", "notebooks", "lite", "reports", ".pytest_cache",
            "gradebook.db"))
        run = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q",
                              "-w", str(dest), str(src)], capture_output=True, text=True)
        if run.returncode:
            raise RuntimeError(f"could not build the course wheel:\n{run.stderr[-2000:]}")
    wheels = sorted(dest.glob("stalin_in_power_course-*.whl"))
    if not wheels:
        raise RuntimeError("pip wheel produced no course wheel")
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


def build_lite(out_dir: Path | str, units=None, *, bundle: bool = True, quiet: bool = True) -> Path:
    """Build the JupyterLite site into ``out_dir`` (replaced if it exists); return its path."""
    out_dir = Path(out_dir).resolve()
    with tempfile.TemporaryDirectory(prefix="course-lite-") as tmp:
        lite_dir = Path(tmp)
        files = lite_dir / "files" / "notebooks"
        files.mkdir(parents=True)
        for name, nb in _notebooks(units).items():
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
        overrides = ROOT / ".jupyter" / "overrides.json"  # no "Jupyter news" pop-up
        if overrides.is_file():
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
