"""The grading sandbox (course_instructor/sandbox.py) on its own: what a kernel inside sees, what it is told
when the sandbox cannot run. Real nbgrader runs through it in tests/test_grading_integrity.py."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import require_sandbox
from course_instructor import sandbox


def _inside(workdir: Path, code: str) -> dict:
    cmd = sandbox.bwrap_command([sys.executable, "-c", code], workdir)
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=60,
                         env=sandbox.kernel_environment({"PATH": "/usr/bin:/bin", "COURSE_DB_URL": "sqlite:///x",
                                                         "GRADER_TOKEN": "t0ken", "LANG": "C.UTF-8"}))
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


PROBE = """
import json, os, sys
def can_read(p):
    try:
        open(p).read(); return True
    except OSError:
        return False
import course
try:
    import course_instructor; instructor = True
except ImportError:
    instructor = False
open("written.txt", "w").write("mine")
print(json.dumps({"own": can_read("answer.txt"), "keys": can_read(KEYS), "course": course.__file__,
                  "instructor": instructor, "pids": sorted(int(p) for p in os.listdir("/proc") if p.isdigit()),
                  "env": sorted(os.environ), "tmp": os.listdir("/tmp")}))
"""


def test_a_kernel_sees_its_folder_and_python_not_the_course_directory(tmp_path):
    require_sandbox()
    course_dir = tmp_path / "course"
    (course_dir / "keys").mkdir(parents=True)
    keys = course_dir / "keys" / "a.json"
    keys.write_text('{"q": "B"}')
    sub = course_dir / "autograded" / "ann" / "a"
    sub.mkdir(parents=True)
    (sub / "answer.txt").write_text("A")
    marker = Path("/tmp") / f"course-sandbox-marker-{tmp_path.name}"
    marker.write_text("the grader's /tmp")
    try:
        seen = _inside(sub, f"KEYS = {str(keys)!r}\n{PROBE}")
    finally:
        marker.unlink()
    assert seen["own"] and not seen["keys"]
    assert Path(seen["course"]).exists() and not seen["instructor"]
    assert len(seen["pids"]) <= 3  # its own PID namespace: bubblewrap's init and the probe
    assert "COURSE_DB_URL" not in seen["env"] and "GRADER_TOKEN" not in seen["env"]
    assert marker.name not in seen["tmp"]  # a /tmp of its own (holding at most the way to its folder)
    assert (sub / "written.txt").read_text() == "mine"  # its own folder is its to write


def test_secrets_never_reach_the_kernel():
    env = {"COURSE_DB_URL": "postgresql://u:p@h/db", "JUPYTERHUB_API_TOKEN": "x", "PGPASSWORD": "p",
           "S3_SECRET": "s", "HOME": "/home/g", "NBGRADER_EXECUTION": "autograde"}
    assert sandbox.kernel_environment(env) == {"HOME": "/home/g", "NBGRADER_EXECUTION": "autograde"}


def test_without_bubblewrap_grading_stops_and_says_how_to_fix_it(monkeypatch, tmp_path):
    monkeypatch.setattr(sandbox.shutil, "which", lambda name: None)
    with pytest.raises(sandbox.SandboxUnavailable) as err:
        sandbox.bwrap_command(["true"], tmp_path)
    message = str(err.value)
    assert "apt install bubblewrap" in message and "COURSE_GRADING_SANDBOX=off" in message


def test_the_allow_list_binds_python_read_only_and_the_submission_read_write(tmp_path):
    require_sandbox()
    cmd = sandbox.bwrap_command(["k"], tmp_path, "/run/user/k.json")
    pairs = {(cmd[i], cmd[i + 1]) for i in range(len(cmd) - 1)}
    assert ("--ro-bind", str(Path(sys.prefix).resolve())) in pairs
    assert ("--bind", str(tmp_path.resolve())) in pairs and ("--chdir", str(tmp_path.resolve())) in pairs
    assert ("--ro-bind", "/run/user/k.json") in pairs
    assert {"--unshare-pid", "--unshare-user", "--die-with-parent"} <= set(cmd)
    assert cmd[-2:] == ["--", "k"]
