"""Binder: the configuration as repo2docker reads it, without Docker.

- ``repo2docker --no-build --debug`` prints the Dockerfile it would build (well under a second): it must
  read ``binder/`` (not the root), use Python 3.11, install ``binder/requirements.txt`` and run postBuild;
- ``binder/requirements.txt`` resolves for Python 3.11 (``pip install --dry-run --report``, a few seconds),
  and the versions it picks satisfy pyproject.toml (postBuild installs the package with ``--no-deps``);
- the start page the Binder link opens exists and its links lead to notebooks that exist;
- (slow) postBuild really works: a clean venv with ``binder/requirements.txt``, then postBuild, then
  ``pip check`` and the course imports.

repo2docker is a test dependency (``jupyter-repo2docker``); without it these tests skip, except under
``CI=true`` where they fail.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
BINDER = ROOT / "binder"
START = "notebooks/index.ipynb"
BINDER_URLPATH = f"lab/tree/{START}"


def _require(module: str):
    try:
        return __import__(module)
    except ImportError:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true but {module} is not installed (pip install -e '.[test]')")
        pytest.skip(f"{module} is not installed")


def _name(req: str) -> str:
    from packaging.requirements import Requirement

    return re.sub(r"[-_.]+", "-", Requirement(req).name).lower()


def _binder_requirements() -> list[str]:
    lines = [ln.split("#", 1)[0].strip() for ln in (BINDER / "requirements.txt").read_text().splitlines()]
    return [ln for ln in lines if ln]


def _pyproject_dependencies() -> list[str]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]


# -- what repo2docker makes of the repository ----------------------------------------------------------------
@pytest.fixture(scope="module")
def dockerfile() -> str:
    _require("repo2docker")
    exe = Path(sys.executable).with_name("repo2docker")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "repo2docker"]
    # Binder builds as uid 1000 "jovyan"; repo2docker's default is the current user (root here).
    out = subprocess.run([*cmd, "--no-build", "--debug", "--user-id", "1000", "--user-name", "jovyan", str(ROOT)],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-3000:]
    assert "FROM " in out.stdout, "repo2docker printed no Dockerfile:\n" + out.stderr[-3000:]
    return out.stdout


def test_repo2docker_reads_the_binder_folder(dockerfile):
    # requirements come from binder/, installed into the kernel's environment before the repo is copied in
    assert re.search(r'RUN \$\{KERNEL_PYTHON_PREFIX\}/bin/pip install --no-cache-dir -r "binder/requirements.txt"',
                     dockerfile), "binder/requirements.txt is not installed"
    assert 'pip install --no-cache-dir -r "requirements.txt"' not in dockerfile
    # postBuild from binder/, run as the notebook user, after the repository is copied in (owned by that user,
    # so the editable install can write its metadata)
    assert "RUN ./binder/postBuild" in dockerfile
    tail = dockerfile.split("COPY --chown=1000:1000 src/ ${REPO_DIR}/", 1)
    assert len(tail) == 2 and "RUN ./binder/postBuild" in tail[1], "postBuild must run after the repo is copied"
    assert "USER ${NB_USER}" in tail[1].split("RUN ./binder/postBuild")[0]


def test_repo2docker_uses_python_311(dockerfile):
    from repo2docker.buildpacks import PythonBuildPack

    # the base environment's lock file, as named (escaped) in the build context: environment.py-3.11-*.lock
    assert re.search(r"environment-2epy-2d3-2e11-2d[-\w]*lock", dockerfile), "the base environment is not Python 3.11"
    pack = PythonBuildPack(str(ROOT))
    assert pack.detect() and pack.binder_dir == "binder" and pack.python_version == "3.11"
    assert (BINDER / "runtime.txt").read_text().strip() == "python-3.11"


def test_postbuild_is_an_executable_bash_script():
    path = BINDER / "postBuild"
    text = path.read_text()
    assert text.startswith("#!/bin/bash") and "set -euo pipefail" in text
    assert os.access(path, os.X_OK)
    mode = subprocess.run(["git", "ls-files", "-s", "binder/postBuild"], cwd=ROOT, capture_output=True, text=True).stdout
    if mode:  # committed: the executable bit must be in git too (Binder clones, it does not copy this tree)
        assert mode.startswith("100755"), mode
    assert subprocess.run(["bash", "-n", str(path)]).returncode == 0
    assert "pip install --no-deps" in text and "-e ." in text
    assert ".jupyter/overrides.json" in text and (ROOT / ".jupyter" / "overrides.json").is_file()


def test_no_root_config_competes_with_binder():
    # repo2docker reads binder/ only; config files at the root would be silently ignored, which misleads.
    ignored = ["environment.yml", "requirements.txt", "runtime.txt", "postBuild", "apt.txt", "start", "Project.toml"]
    assert [f for f in ignored if (ROOT / f).exists()] == []
    assert not (BINDER / "Dockerfile").exists() and not (BINDER / "environment.yml").exists()


# -- the requirements ------------------------------------------------------------------------------------------
def test_binder_requirements_cover_the_package_dependencies():
    binder = {_name(r) for r in _binder_requirements()}
    missing = sorted({_name(d) for d in _pyproject_dependencies()} - binder)
    assert missing == [], f"postBuild installs the package --no-deps: add {missing} to binder/requirements.txt"


@pytest.fixture(scope="module")
def resolved(tmp_path_factory) -> dict[str, str]:
    """``pip install --dry-run`` of binder/requirements.txt for Python 3.11, as in a clean environment."""
    report = tmp_path_factory.mktemp("pip") / "report.json"
    out = subprocess.run([sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed", "--quiet",
                          "--python-version", "3.11", "--only-binary=:all:", "--report", str(report),
                          "-r", str(BINDER / "requirements.txt")],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    data = json.loads(report.read_text())
    return {_name(i["metadata"]["name"]): i["metadata"]["version"] for i in data["install"]}


def test_binder_requirements_resolve_for_python_311(resolved):
    assert resolved["nbgrader"].startswith("0.9."), resolved["nbgrader"]
    assert resolved["altair"].startswith("5."), "Altair 6 draws as plain text in JupyterLab 4 (README)"
    assert resolved["jupyterlab"].startswith("4.")
    assert resolved["ipywidgets"].startswith("8.")


def test_resolved_versions_satisfy_pyproject(resolved):
    from packaging.requirements import Requirement

    env = {"python_version": "3.11", "python_full_version": "3.11.0"}
    bad = []
    for dep in _pyproject_dependencies():
        req = Requirement(dep)
        if req.marker and not req.marker.evaluate(env):
            continue
        have = resolved.get(_name(dep))
        if have is None or not req.specifier.contains(have, prereleases=True):
            bad.append(f"{dep} (binder resolves {have})")
    assert bad == []


def test_notebook_server_matches_jupyterlab(resolved):
    # repo2docker's base image has notebook 7.4 (pinned to jupyterlab 4.4): notebook 7.N goes with JupyterLab 4.N
    lab_minor = resolved["jupyterlab"].split(".")[1]
    assert resolved["notebook"].split(".")[:2] == ["7", lab_minor], (resolved["notebook"], resolved["jupyterlab"])


# -- what the Binder link opens --------------------------------------------------------------------------------
def test_start_page_exists_and_its_links_resolve():
    path = ROOT / START
    nb = nbformat.read(path, 4)
    assert nb.metadata["kernelspec"]["name"] == "python3", "without a kernelspec Lab asks 'Select Kernel'"
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    links = re.findall(r"\]\(([^)\s]+\.ipynb)\)", text)
    assert links, "the start page links no unit"
    missing = [ln for ln in links if not (path.parent / ln).is_file()]
    assert missing == [], f"start page links notebooks that do not exist: {missing}"
    assert "Binder" in text, "the start page should warn that Binder keeps nothing"


def test_binder_links_in_docs_open_the_start_page():
    docs = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    links = [m for p in docs if p.is_file() for m in re.findall(r"https://mybinder\.org/v2/[^\s)\]>\"']+",
                                                                p.read_text())]
    if not links:
        pytest.skip("no mybinder.org link in README.md or docs/ yet")
    for link in links:
        if "urlpath=" in link and "git-pull" not in link:
            assert f"urlpath={BINDER_URLPATH}" in link or "urlpath=lab%2Ftree%2Fnotebooks%2Findex.ipynb" in link, link


# -- postBuild, for real (slow: ~30 s, installs the requirements into a scratch venv) ---------------------------
@pytest.mark.slow
def test_postbuild_runs_in_a_clean_environment(tmp_path):
    if sys.version_info[:2] != (3, 11):
        pytest.skip("the Binder image runs Python 3.11")
    # the repository as Binder clones it: tracked files plus the binder/ folder as it is now
    repo = tmp_path / "repo"
    files = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                           capture_output=True, text=True, check=True).stdout.split("\0")
    for f in filter(None, files):
        src = ROOT / f
        if src.is_file():
            (repo / f).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, repo / f)
    venv = tmp_path / "env"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    py = venv / "bin" / "python"
    pip = subprocess.run([str(py), "-m", "pip", "install", "--quiet", "-r", str(repo / "binder" / "requirements.txt")],
                         capture_output=True, text=True, timeout=600)
    assert pip.returncode == 0, pip.stderr[-3000:]
    env = {**os.environ, "NB_PYTHON_PREFIX": str(venv), "PATH": f"{venv / 'bin'}:{os.environ['PATH']}"}
    env.pop("VIRTUAL_ENV", None)
    post = subprocess.run(["bash", "binder/postBuild"], cwd=repo, env=env, capture_output=True, text=True, timeout=300)
    assert post.returncode == 0, post.stdout[-2000:] + post.stderr[-3000:]
    assert "course package ready" in post.stdout
    check = subprocess.run([str(py), "-m", "pip", "check"], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout
    assert (venv / "share/jupyter/lab/settings/overrides.json").is_file()
    conf = json.loads((venv / "etc/jupyter/jupyter_server_config.d/stalin-course.json").read_text())
    assert conf["ServerApp"]["default_url"] == f"/{BINDER_URLPATH}"
    # self-study: nbgrader's menus off, and its server extensions off after nbgrader's own file turns them on
    page = json.loads((venv / "etc/jupyter/labconfig/page_config.json").read_text())
    assert page["disabledExtensions"]["@jupyter/nbgrader"] is True
    d = sorted(p.name for p in (venv / "etc/jupyter/jupyter_server_config.d").glob("*.json"))
    assert d.index("zz-stalin-course-selfstudy.json") > d.index("nbgrader.json"), d
    # both packages import from the clone: the student runtime, and the instructor's grading steps that the
    # repository's nbgrader_config.py names (the formgrader on Binder autogrades with them); nbgrader's
    # server extension is there for the instructor, and so is the `course` command
    where = subprocess.run([str(py), "-c", "import course, course_instructor.autograde, nbgrader; "
                            "print(course.__file__); print(course_instructor.autograde.__file__)"],
                           cwd=tmp_path, capture_output=True, text=True)
    assert where.returncode == 0, where.stdout + where.stderr
    paths = where.stdout.split()
    assert len(paths) == 2 and all(p.startswith(str(repo)) for p in paths), where.stdout
    cli = subprocess.run([str(venv / "bin" / "course"), "units"], cwd=tmp_path, capture_output=True, text=True)
    assert cli.returncode == 0 and "ch11" in cli.stdout, cli.stdout + cli.stderr
