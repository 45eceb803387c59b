"""Shared helpers: the student kit, and a student's environment made from it (tests/test_student_kit.py,
tests/test_hub.py).

A student environment is what a hub's user image holds: a fresh ``python -m venv`` with the student wheel
``pip install``-ed into it. Offline, its third-party packages (JupyterLab, nbgrader, pandas…) come from
this environment through one ``.pth`` line naming our site-packages. A path line in a ``.pth`` file only
adds that folder to ``sys.path``; the ``.pth`` files *in* that folder are not processed, so the editable
install of the repository (its finder ``.pth``) is not: ``course`` comes from the wheel and
``course_instructor`` cannot be imported, as in a real student image.
"""
from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import re
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAIN_PREFIX = Path(sys.prefix)
RUN = 8  # words in a run
_WORD = re.compile(r"\w+")


# -- the kit -------------------------------------------------------------------------------------------
def build_kit(out: Path) -> Path:
    """``course student-kit`` into ``out``; the wheel's path."""
    from course_instructor.studentkit import build_student_kit

    written = build_student_kit(out, ROOT)
    wheels = [p for p in written if p.suffix == ".whl"]
    assert len(wheels) == 1, written
    return wheels[0]


# -- what must not reach students ----------------------------------------------------------------------
def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def runs(text: str) -> list[str]:
    w = words(text)
    return [" ".join(w[i:i + RUN]) for i in range(len(w) - RUN + 1)]


def graded_texts() -> dict[tuple[str, str], list[str]]:
    """{(question id, "prompt"/"explanation"): its 8-word runs}, for every graded item."""
    from course_instructor.bank import GRADED

    out = {}
    for q in GRADED.questions():
        for what in ("prompt", "explanation"):
            r = runs(getattr(q, what) or "")
            if r:
                out[(q.id, what)] = r
    return out


def leaks_in(texts: dict[str, str]) -> list[str]:
    """Files that hold a graded prompt or explanation: more than half of its 8-word runs (a file that
    ships the item holds all of them; the students' own unit summaries tell the same history, so a few
    runs shared with a prompt are expected — at most 3 of 7 when this was written)."""
    graded = {k: set(v) for k, v in graded_texts().items()}
    found = []
    for name, text in texts.items():
        present = set(runs(text))
        for (qid, what), item_runs in graded.items():
            hits = len(item_runs & present)
            if hits * 2 > len(item_runs):
                found.append(f"{name}: {what} of {qid} ({hits}/{len(item_runs)} runs)")
    return found


def key_fingerprints(work: Path) -> tuple[set[str], set[str]]:
    """(sha256 of every graded key file ``course build`` writes and of every file of the graded bank,
    the key files' names)."""
    from course.units import all_units

    from course_instructor.build import graded_questions
    from course_instructor.keys import write_keys

    digests, names = set(), set()
    for u in all_units():
        path = write_keys(u.assignment, graded_questions(u), work)
        digests.add(hashlib.sha256(path.read_bytes()).hexdigest())
        names.add(path.name)
    bank = ROOT / "course_instructor" / "bank"
    digests |= {hashlib.sha256(p.read_bytes()).hexdigest() for p in bank.rglob("*") if p.is_file()}
    return digests, names


# -- a student's environment ---------------------------------------------------------------------------
#: console scripts a student image has on PATH (the hub test's servers and shells use these)
STUDENT_SCRIPTS = ("jupyterhub-singleuser", "jupyter", "jupyter-lab", "jupyter-server", "jupyter-nbconvert",
                   "jupyter-kernel", "jupyter-kernelspec", "nbgrader", "alembic")


def _entry_point(name: str):
    for ep in importlib.metadata.entry_points(group="console_scripts", name=name):
        if ep.dist is None or ep.dist.name.replace("_", "-") != "stalin-in-power-course":
            return ep
    return None


def make_student_venv(dest: Path, wheel: Path, *, scripts=STUDENT_SCRIPTS, jupyter_data: bool = False) -> Path:
    """A fresh venv at ``dest`` with ``wheel`` installed (``pip install --no-deps``); its python.

    ``scripts``: console scripts to write into its ``bin/`` (what pip writes when it installs the packages
    that define them). ``jupyter_data``: link this environment's ``etc/jupyter`` and ``share/jupyter``
    (server extensions such as nbgrader's, kernel specs, lab extensions) into the new one, as installing
    those packages would have put them there."""
    dest = Path(dest)
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(dest)], check=True, capture_output=True)
    py = dest / "bin" / "python"
    site = Path(subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               check=True, capture_output=True, text=True).stdout.strip())
    main_sites = dict.fromkeys([sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]])
    (site / "_course_offline_deps.pth").write_text("".join(f"{p}\n" for p in main_sites), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "PIP_"))}
    env |= {"PIP_ROOT_USER_ACTION": "ignore", "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PIP_NO_INDEX": "1"}
    run = subprocess.run([str(py), "-m", "pip", "install", "--no-deps", "--no-cache-dir", "--quiet", str(wheel)],
                         capture_output=True, text=True, env=env, cwd=dest)
    assert run.returncode == 0, f"pip install {wheel.name} failed:\n{run.stdout}\n{run.stderr}"
    for name in scripts:
        ep = _entry_point(name)
        if ep is None:
            continue
        module, _, attr = ep.value.partition(":")
        script = dest / "bin" / name
        script.write_text(f"#!{py}\nimport sys\nfrom importlib import import_module\n"
                          f"obj = import_module({module!r})\n"
                          f"for part in {attr.split('.')!r}:\n    obj = getattr(obj, part)\n"
                          "sys.exit(obj())\n", encoding="utf-8")
        script.chmod(0o755)
    if jupyter_data:
        for part in ("etc/jupyter", "share/jupyter"):
            target = MAIN_PREFIX / part
            if target.exists():
                (dest / part).parent.mkdir(parents=True, exist_ok=True)
                (dest / part).symlink_to(target, target_is_directory=True)
    return py


PROBE = r"""
import json, sys
out = {"executable": sys.executable}
import course
out["course_file"] = course.__file__
u = course.unit("ch06")
out["unit"] = [u.id, len(u.readings)]
try:
    import course_instructor
    out["course_instructor"] = getattr(course_instructor, "__file__", "namespace")
except ImportError as exc:
    out["course_instructor"] = None
    out["import_error"] = type(exc).__name__
from course.questions import PRACTICE
out["practice_ids"] = sorted(q.id for q in PRACTICE.questions())
print("PROBE" + json.dumps(out))
"""


def probe(python: Path, *, cwd: Path, runner=None) -> dict:
    """Run :data:`PROBE` with ``python`` (through ``runner(cmd)`` when given, e.g. as another OS user)."""
    cmd = [str(python), "-c", PROBE]
    if runner is None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
        env["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="kit-xdg-")
        env.pop("COURSE_BOOK", None)
        run = subprocess.run(cmd, capture_output=True, text=True, cwd=cwd, env=env, timeout=300)
    else:
        run = runner(cmd)
    lines = [ln for ln in run.stdout.splitlines() if ln.startswith("PROBE")]
    assert run.returncode == 0 and lines, f"probe failed ({run.returncode}):\n{run.stdout[-2000:]}\n{run.stderr[-3000:]}"
    return json.loads(lines[-1][len("PROBE"):])
