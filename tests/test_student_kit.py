"""The student kit (``course student-kit``): the wheel students get carries the runtime and nothing a grader
keeps, and installed alone in a fresh environment it works without the instructor package."""
from __future__ import annotations

import hashlib
import os
import zipfile
from pathlib import Path

import pytest

from _kit import ROOT, build_kit, key_fingerprints, leaks_in, make_student_venv, probe

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def kit(tmp_path_factory):
    out = tmp_path_factory.mktemp("student-kit")
    return out, build_kit(out)


def test_kit_files_and_determinism(kit, tmp_path):
    out, wheel = kit
    assert wheel.name.startswith("stalin_in_power_course_student-") and wheel.name.endswith("-py3-none-any.whl")
    assert (out / "README.txt").is_file() and "not in it" in (out / "README.txt").read_text()
    notebooks = sorted(p.name for p in (out / "notebooks").glob("*.ipynb"))
    assert "index.ipynb" in notebooks and len(notebooks) >= 24, notebooks
    # the same sources give the same bytes (rebuilt from the wheel's own files: the course's data may be
    # edited while the suite runs, so a second build from the tree could differ for that reason alone)
    from course_instructor.studentkit import _project, wheel_bytes

    with zipfile.ZipFile(wheel) as zf:
        files = {n: zf.read(n) for n in zf.namelist() if n.startswith("course/")}
    version = wheel.name.split("-")[1]
    assert wheel_bytes(files, version, _project(ROOT)) == wheel.read_bytes()
    assert wheel_bytes(dict(reversed(list(files.items()))), version, _project(ROOT)) == wheel.read_bytes()


def test_leak_guard_stops_a_graded_item(monkeypatch, tmp_path):
    """The detector finds a shipped graded prompt, and the kit refuses to be written with one."""
    from course_instructor import studentkit
    from course_instructor.bank import GRADED

    q = next(q for q in GRADED.questions() if len(q.prompt.split()) > 20)
    assert leaks_in({"x.yaml": f"- id: {q.id}\n  prompt: >-\n    {q.prompt}\n"})
    real = studentkit.package_files
    monkeypatch.setattr(studentkit, "selfstudy_notebooks", lambda: {})
    monkeypatch.setattr(studentkit, "package_files",
                        lambda *a, **k: {**real(*a, **k), "course/content/practice/zz.yaml": q.prompt.encode()})
    with pytest.raises(RuntimeError, match=q.id):
        studentkit.build_student_kit(tmp_path / "kit", ROOT)
    assert not (tmp_path / "kit").exists()


def test_wheel_holds_the_runtime_and_no_graded_material(kit):
    out, wheel = kit
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        texts = {n: zf.read(n).decode("utf-8", "replace") for n in names}
    tops = {n.split("/")[0] for n in names}
    assert tops == {"course", wheel.name.split("-py3")[0] + ".dist-info"}, tops
    assert not [n for n in names if "course_instructor" in n], "the instructor package is in the wheel"
    assert not [n for n in names if "/bank/" in f"/{n}" or "/keys/" in f"/{n}"], "a bank/ or keys/ folder is in the wheel"
    assert not [n for n in names if n.split("/")[0] in {"source", "solutions"}]
    # the runtime and its data
    for needed in ("course/__init__.py", "course/units.py", "course/content/units/ch06.yaml",
                   "course/content/practice/ch06.yaml", "course/data/collectivization.csv"):
        assert needed in names, needed
    meta = texts[next(n for n in names if n.endswith(".dist-info/METADATA"))]
    assert "Name: stalin-in-power-course-student" in meta
    for dep in ("jupyterlab", "ipywidgets", "altair", "pandas", "pyyaml", "nbformat", "ipykernel", "nbgrader"):
        assert f"Requires-Dist: {dep}" in meta, dep
    # no graded prompt or explanation in any text file of the wheel, nor in the self-study notebooks
    assert leaks_in(texts) == []
    nb_texts = {f"notebooks/{p.name}": p.read_text() for p in (out / "notebooks").glob("*.ipynb")}
    assert leaks_in(nb_texts) == []


def test_wheel_alone_in_a_fresh_environment(kit, tmp_path):
    from course_instructor.bank import GRADED

    _, wheel = kit
    venv = tmp_path / "student-env"
    python = make_student_venv(venv, wheel, scripts=())
    work = tmp_path / "work"
    work.mkdir()
    got = probe(python, cwd=work)
    assert Path(got["course_file"]).resolve().is_relative_to(venv.resolve()), got["course_file"]
    assert got["unit"][0] == "ch06"
    assert got["course_instructor"] is None and got["import_error"] in {"ImportError", "ModuleNotFoundError"}, got
    graded_ids = {q.id for q in GRADED.questions()}
    assert got["practice_ids"] and not graded_ids & set(got["practice_ids"]), graded_ids & set(got["practice_ids"])
    # no graded key file (as `course build` writes them) nor any file of the graded bank under the venv
    digests, key_names = key_fingerprints(tmp_path / "keys-made-here")
    for folder, dirs, files in os.walk(venv):
        assert "course_instructor" not in dirs and "keys" not in dirs, folder
        for f in files:
            path = Path(folder) / f
            assert not (f in key_names and path.parent.name == "keys"), path
            if path.is_file() and not path.is_symlink():
                assert hashlib.sha256(path.read_bytes()).hexdigest() not in digests, f"{path} is a graded key or bank file"
