"""The course at class scale: a real JupyterHub, nbgrader's exchange, two sections, real OS users.

The same class round runs in two modes (the module fixture is parametrised; the student environment is
built once for both):

- ``files``: nbgrader's file exchange (one machine, TLJH) and SQLite gradebooks in the course directories;
- ``ngshare``: the multi-node recipe — ngshare as a hub-managed service (``COURSE_HUB_EXCHANGE=ngshare``;
  nbgrader everywhere uses ngshare_exchange's classes), courses and members registered in ngshare from the
  roster by ``hub/ngshare_roster.py`` (the documented step), and each section's gradebook in its own
  PostgreSQL database (``COURSE_HUB_DB_URL``, ``postgresql+psycopg://``) of a throwaway cluster the test
  starts (Debian's binaries, as ``postgres`` or a throwaway user; 127.0.0.1, a free port, password login).
  Without PostgreSQL, ngshare or psycopg this mode is skipped (a failure under CI=true).

What runs (all on 127.0.0.1, free ports, state in a temporary folder):

- ``jupyterhub -f hub/jupyterhub_config.py`` — the repository's own recipe, parametrised by environment
  variables (roster, ports, exchange, gradebook URL, DummyAuthenticator with a password, an admin API token);
- students' servers run from a **student environment**: a fresh venv with the student wheel of
  ``course student-kit`` (``course`` only; tests/_kit.py), as a hub's user image would hold it; the
  formgraders run from this environment (the instructor's), with the course directory on their PYTHONPATH;
  ``configurable-http-proxy`` from PATH or installed with npm into ``build/hub-test/`` (git-ignored);
- throwaway OS users (``useradd``; removed with ``userdel -r`` at the end): one instructor, the two grader
  accounts ``grader-stalin-morning`` / ``grader-stalin-evening`` that run the per-course formgrader
  services, three morning students and one evening student. nbgrader's file exchange names students by
  their OS user and isolates them by file permissions, so every user must be a real one (root only;
  skipped when not root outside CI, a failure under CI=true);
- the instructor drives the formgrader REST API of each course **through the hub** (generate, release,
  collect, autograde, generate and release feedback); students drive their own servers through the hub
  with their own API tokens: the Assignment List endpoints (``/assignments``, ``/assignments/fetch``,
  ``/assignments/submit``, ``/assignments/fetch_feedback``) and the Jupyter contents API.

Asserted in both modes: scores in each gradebook (perfect = full auto marks, partial in between, blank = 0;
read with nbgrader's Gradebook from SQLite or PostgreSQL), each gradebook holds only its own section's
students; the feedback each student fetched has the explanations (and no hidden tests); a student's kernel
runs from the student environment, cannot import ``course_instructor`` and cannot read the instructor's
course directory (its keys, its source); students cannot read each other's work or feedback, list only
their own submissions, cannot open the formgrader, and see nothing of a course they are not in. Files mode:
the inbound and feedback folders are not listable, submissions hide behind a random name. ngshare mode: a
student's token gets 403 from ngshare for others' submissions and feedback, the course's submission list and
students, and the release of a course they are not in; ngshare's folder is private to the hub; no file
exchange and no ``gradebook.db`` are written; the gradebook database refuses a login without the password.
"""
from __future__ import annotations

import contextlib
import csv
import importlib.util
import json
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from _postgres import Postgres, pg_bin as _pg_bin
from _kit import build_kit, make_student_venv, probe

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

ROOT = Path(__file__).resolve().parent.parent
HUB_DIR = ROOT / "hub"
BIN = Path(sys.executable).parent
CHP_CACHE = ROOT / "build" / "hub-test"
CI = os.environ.get("CI", "").lower() == "true"
MARK = "course-hub-test"  # GECOS of the throwaway users: only users carrying it are ever removed
RESTORE_FILE = CHP_CACHE / "restore-modes.json"  # folder modes to give back (see _let_users_run_python)
STUDENT_ENV: dict[str, Path] = {}  # "python", "bin": the students' environment, made by the fixture

MORNING, EVENING = "stalin-morning", "stalin-evening"
INSTRUCTOR = "hubt-tucker"
STUDENTS = {MORNING: ["hubt-ann", "hubt-ben", "hubt-cal"], EVENING: ["hubt-dan"]}
ANSWERS = {"hubt-ann": "perfect", "hubt-ben": "partial", "hubt-cal": "blank", "hubt-dan": "perfect"}
UNITS = ("ch17", "ch10", "ch04")  # the first that builds (content is edited while this test runs)
MODES = ("files", "ngshare")  # nbgrader's file exchange + SQLite gradebooks; ngshare + PostgreSQL gradebooks


def _need(condition: bool, why: str) -> None:
    if not condition:
        if CI:
            pytest.fail(f"CI=true but {why}")
        pytest.skip(why)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _proxy_bin() -> Path:
    """configurable-http-proxy: on PATH, in the cache, or installed there from the npm registry."""
    found = shutil.which("configurable-http-proxy")
    if found:
        return Path(found).parent
    cached = CHP_CACHE / "node_modules" / ".bin"
    if not (cached / "configurable-http-proxy").exists():
        _need(shutil.which("npm") is not None, "configurable-http-proxy is not on PATH and npm is missing")
        CHP_CACHE.mkdir(parents=True, exist_ok=True)
        proc = subprocess.run(["npm", "install", "--prefix", str(CHP_CACHE), "--no-audit", "--no-fund",
                               "--loglevel=error", "configurable-http-proxy@4"],
                              capture_output=True, text=True, timeout=600)
        assert proc.returncode == 0, f"npm install configurable-http-proxy@4 failed:\n{proc.stderr[-3000:]}"
    return cached


# -- throwaway OS users ------------------------------------------------------------------------------------
def _user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


def _remove_user(name: str) -> None:
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        return
    if entry.pw_gecos != MARK:
        return  # never touch an account this test did not create
    _kill_processes_of(entry.pw_uid)
    subprocess.run(["userdel", "-r", "-f", name], capture_output=True)


def _create_user(name: str, homes: Path) -> pwd.struct_passwd:
    if _user_exists(name):
        if pwd.getpwnam(name).pw_gecos != MARK:
            pytest.fail(f"an OS user {name!r} exists and was not made by this test: refusing to use or remove it")
        _remove_user(name)  # left over from an interrupted run
    subprocess.run(["useradd", "--create-home", "--home-dir", str(homes / name), "--comment", MARK,
                    "--shell", "/bin/bash", name], check=True, capture_output=True)
    entry = pwd.getpwnam(name)
    os.chmod(entry.pw_dir, 0o700)  # as a hub should: one student's home is closed to the others
    return entry


def _pids_of(uid: int) -> list[int]:
    pids = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                if d.stat().st_uid == uid:
                    pids.append(int(d.name))
            except OSError:
                pass
    return pids


def _kill_processes_of(uid: int) -> None:
    """Stop what runs as one of the throwaway users (their servers and kernels), by pid."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        pids = _pids_of(uid)
        for pid in pids:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, sig)
        deadline = time.time() + 5
        while pids and time.time() < deadline and _pids_of(uid):
            time.sleep(0.1)


def as_user(user: str, *cmd: str, env: dict | None = None, cwd: str | None = None) -> subprocess.CompletedProcess:
    """Run a command as an OS user (a shell that user could open: the students' environment first on
    PATH), with the hub's nbgrader config."""
    home = pwd.getpwnam(user).pw_dir
    base = {"HOME": home, "USER": user, "PATH": f"{STUDENT_ENV.get('bin', BIN)}:/usr/local/bin:/usr/bin:/bin",
            "JUPYTER_CONFIG_PATH": str(HUB_DIR), **(env or {})}
    full = ["runuser", "-u", user, "--", "env", "-i", *[f"{k}={v}" for k, v in base.items()], *cmd]
    return subprocess.run(full, capture_output=True, text=True, cwd=cwd or home, timeout=300)


def _let_users_run_python(probe_user: str, python: Path) -> list[tuple[Path, int]]:
    """Let the OS users run the students' environment (``python``; its third-party packages are this
    environment's) and the graders run this one; return what to restore afterwards.

    On this kind of machine the venv's interpreter is a pyenv build under /root (mode 700), which no
    other user can reach. Grant *traverse* only (o+x, no listing) on the folders in the way, for the
    duration of the test, and give the old modes back at the end. (A venv on the system's own Python
    3.11.2 was tried and rejected: soupsieve's selectors fail on 3.11.2, so nbgrader's feedback breaks.)"""
    check = ("-c", "import course, nbgrader, jupyterhub")
    if as_user(probe_user, str(python), *check).returncode == 0:
        return []
    todo = []
    for target in {Path(sys.executable).resolve(), Path(sys.base_prefix).resolve(), BIN.resolve(), ROOT,
                   python.parent.resolve()}:
        for folder in reversed(target.parents):
            mode = folder.stat().st_mode & 0o7777
            if not mode & 0o001 and (folder, mode) not in todo:
                todo.append((folder, mode))
    # written first, so that a run killed outright is repaired by the next one (_repair_leftovers)
    RESTORE_FILE.parent.mkdir(parents=True, exist_ok=True)
    RESTORE_FILE.write_text(json.dumps([[str(f), m] for f, m in todo]))
    changed = []
    for folder, mode in todo:
        os.chmod(folder, mode | 0o001)
        changed.append((folder, mode))
    run = as_user(probe_user, str(python), *check)
    if run.returncode != 0:
        _restore_modes(changed)
        _need(False, f"other users cannot run this environment's Python ({sys.executable}):\n{run.stderr[-1500:]}")
    return changed


def _restore_modes(changed: list[tuple[Path, int]]) -> None:
    for folder, mode in reversed(changed):
        with contextlib.suppress(OSError):
            os.chmod(folder, mode)
    RESTORE_FILE.unlink(missing_ok=True)


def _repair_leftovers() -> None:
    """What a run killed outright (SIGKILL, os._exit) left: folder modes, its users and their processes."""
    if RESTORE_FILE.exists():
        with contextlib.suppress(ValueError, OSError):
            _restore_modes([(Path(f), m) for f, m in json.loads(RESTORE_FILE.read_text())])
    for entry in pwd.getpwall():
        if entry.pw_gecos == MARK:
            _remove_user(entry.pw_name)
    _kill_cmdline(f"{tempfile.gettempdir()}/course-hub-ngshare-")  # its ngshare service and PostgreSQL


# -- PostgreSQL (ngshare mode) --------------------------------------------------------------------------------
# -- the hub -----------------------------------------------------------------------------------------------
class Hub:
    def __init__(self, base: Path, mode: str):
        import requests

        self.base = base
        self.mode = mode
        self.state = base / "state"
        self.exchange = base / "exchange"  # the file exchange (files mode only)
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.admin_token = secrets.token_hex(24)
        self.tokens: dict[str, str] = {}
        self.http = requests.Session()
        self.proc: subprocess.Popen | None = None
        self.pg: Postgres | None = None
        # ngshare (ngshare mode): the hub's service; its URL is hub/jupyterhub_config.py's default for that port
        self.ngshare_port = _free_port()
        self.ngshare_dir = self.state / "ngshare"
        self.ngshare_url = f"http://127.0.0.1:{self.ngshare_port}/services/ngshare"
        self.isolation_note: dict = {}

    def db_url(self, course: str) -> str:
        """The course's gradebook: SQLite in its course directory, or its PostgreSQL database."""
        if self.pg:
            return self.pg.url(course)
        return f"sqlite:///{self.course_dirs[course] / 'gradebook.db'}"

    def ngshare(self, user: str, method: str, path: str, **kw):
        """ngshare's REST API with ``user``'s hub token (as ngshare_exchange calls it from that user's server)."""
        return self.http.request(method, f"{self.ngshare_url}{path}", timeout=60,
                                 headers={"Authorization": f"token {self.user_token(user)}"}, **kw)

    def exchange_env(self, user: str) -> dict[str, str]:
        """What a shell of ``user`` needs for nbgrader's exchange commands (``nbgrader list``)."""
        if self.mode == "ngshare":  # ngshare knows the caller by the token, as in the user's server
            return {"COURSE_HUB_EXCHANGE": "ngshare", "COURSE_HUB_NGSHARE_URL": self.ngshare_url,
                    "JUPYTERHUB_API_TOKEN": self.user_token(user)}
        return {"NBGRADER_EXCHANGE_ROOT": str(self.exchange)}

    # hub API with the admin service token
    def api(self, method: str, path: str, **kw):
        r = self.http.request(method, f"{self.url}/hub/api{path}", timeout=60,
                              headers={"Authorization": f"token {self.admin_token}"}, **kw)
        return r

    def user_token(self, user: str) -> str:
        if user not in self.tokens:
            r = self.api("POST", f"/users/{user}/tokens", json={"note": "end-to-end test", "expires_in": 3600})
            assert r.status_code in (200, 201), f"token for {user}: {r.status_code} {r.text}"
            self.tokens[user] = r.json()["token"]
        return self.tokens[user]

    def as_(self, user: str, method: str, path: str, **kw):
        """A request through the proxy (``/user/<name>/…``, ``/services/<course>/…``) with the user's token."""
        kw.setdefault("timeout", 300)
        headers = {"Authorization": f"token {self.user_token(user)}", **kw.pop("headers", {})}
        return self.http.request(method, f"{self.url}{path}", headers=headers, allow_redirects=False, **kw)

    def start_servers(self, users: list[str], timeout: float = 120) -> None:
        for u in users:
            r = self.api("POST", f"/users/{u}/server")
            assert r.status_code in (201, 202, 400), f"spawn {u}: {r.status_code} {r.text}"  # 400: already running
        deadline = time.time() + timeout
        pending = set(users)
        while pending and time.time() < deadline:
            for u in list(pending):
                model = self.api("GET", f"/users/{u}").json()
                server = (model.get("servers") or {}).get("")
                if server and server.get("ready"):
                    pending.discard(u)
            time.sleep(0.5)
        assert not pending, f"servers never became ready: {sorted(pending)}\n{self.log_tail()}"

    def wait_service(self, course: str, user: str, timeout: float = 90) -> None:
        deadline = time.time() + timeout
        while time.time() < deadline:
            r = self.as_(user, "GET", f"/services/{course}/formgrader/api/assignments")
            if r.status_code == 200:
                return
            time.sleep(0.5)
        raise AssertionError(f"formgrader service {course} not reachable: {r.status_code} {r.text[:300]}\n{self.log_tail()}")

    def log_tail(self, n: int = 8000) -> str:
        """The end of the hub's log, without the test's own polling (admin GETs, the proxy's 404s)."""
        log = self.state / "hub.log"
        if not log.exists():
            return ""
        noise = ("(course-admin@127.0.0.1)", "404 GET /hub/api/", "/hub/error/404", "xsrf cookie")
        lines = [ln for ln in log.read_text(errors="replace").splitlines() if not any(x in ln for x in noise)]
        return "\n".join(lines)[-n:]


def _write_course_directory(course: str, grader: pwd.struct_passwd, unit) -> Path:
    """What an instructor does once per section: the course directory (a clone of the private fork) in
    the grader account's home, private to it: nbgrader_config.py, the unit's source notebook and keys."""
    import nbformat

    from course_instructor.build import graded_questions, source_path, unit_notebook
    from course_instructor.keys import write_keys

    root = Path(grader.pw_dir) / course
    root.mkdir()
    shutil.copy(ROOT / "nbgrader_config.py", root / "nbgrader_config.py")
    path = source_path(unit, root)
    path.parent.mkdir(parents=True)
    nbformat.write(unit_notebook(unit, "source"), path)
    write_keys(unit.assignment, graded_questions(unit), root)
    for p in [root, *root.rglob("*")]:
        os.chown(p, grader.pw_uid, grader.pw_gid)
    os.chmod(root, 0o700)  # docs/jupyterhub.md, step 3
    return root


def _student_environment(base: Path) -> Path:
    """The students' environment, as a hub's user image holds it: the student kit's wheel in a fresh venv
    (with the console scripts and Jupyter data its dependencies would bring); its python."""
    wheel = build_kit(base / "student-kit")
    python = make_student_venv(base / "student-env", wheel, jupyter_data=True)
    STUDENT_ENV.update(python=python, bin=python.parent)
    return python


def _pick_unit():
    from course_instructor.build import unit_notebook
    from course.units import unit

    errors = []
    for uid in (os.environ.get("COURSE_HUB_TEST_UNIT"), *UNITS):
        if not uid:
            continue
        try:
            u = unit(uid)
            unit_notebook(u, "source")
            return u
        except Exception as e:  # noqa: BLE001 - the next candidate
            errors.append(f"{uid}: {e}")
    pytest.fail("no unit builds: " + "; ".join(errors))


def _require_hub() -> None:
    _need(sys.platform.startswith("linux"), "the hub test needs Linux (OS users, LocalProcessSpawner)")
    _need(os.geteuid() == 0, "the hub test creates OS users (useradd) and spawns servers as them: run as root")
    _need(shutil.which("useradd") is not None and shutil.which("runuser") is not None, "useradd/runuser missing")
    _need(shutil.which("node") is not None or shutil.which("configurable-http-proxy") is not None,
          "node is missing (configurable-http-proxy needs it)")


def _require_ngshare_mode() -> None:
    missing = [m for m in ("ngshare", "ngshare_exchange", "psycopg") if importlib.util.find_spec(m) is None]
    _need(not missing, f"{', '.join(missing)} not installed: pip install -e '.[test]'")
    _need(_pg_bin() is not None, "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb; "
                                 "Debian: apt-get install postgresql)")


@pytest.fixture(scope="module")
def student_python():
    """The students' environment, built once for both modes; (its python, seconds it took)."""
    _require_hub()
    base = Path(tempfile.mkdtemp(prefix="course-hub-kit-"))
    os.chmod(base, 0o755)
    t0 = time.time()
    try:
        python = _student_environment(base)
        yield python, round(time.time() - t0, 1)
    finally:
        STUDENT_ENV.clear()
        shutil.rmtree(base, ignore_errors=True)


def _write_roster(path: Path) -> None:
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["username", "course", "role"])
        for course in (MORNING, EVENING):
            w.writerow([INSTRUCTOR, course, "instructor"])
            w.writerows([s, course, "student"] for s in STUDENTS[course])


LTI_ENV = {"COURSE_HUB_AUTHENTICATOR": "lti13", "COURSE_HUB_LTI_CLIENT_ID": "10000000000042",
           "COURSE_HUB_LTI_ISSUER": "https://canvas.instructure.com",
           "COURSE_HUB_LTI_AUTHORIZE_URL": "https://canvas.instructure.com/api/lti/authorize_redirect",
           "COURSE_HUB_LTI_JWKS_URL": "https://canvas.instructure.com/api/lti/security/jwks"}


def _check_lti_login(hub: Hub) -> None:
    """LTI 1.3 mode: the hub serves the LTI authenticator's tool configuration, which an LMS registers
    (Canvas reads /hub/lti13/config; no other authenticator has it), pointing back at this hub; a direct
    login offers no password form."""
    r = hub.http.get(f"{hub.url}/hub/lti13/config", timeout=30)
    assert r.status_code == 200, r.text[:300]
    tool = r.json()
    assert tool["oidc_initiation_url"].endswith("/hub/lti13/oauth_login"), tool
    assert tool["target_link_uri"].startswith(hub.url), tool
    login = hub.http.get(f"{hub.url}/hub/login", timeout=30)
    assert 'type="password"' not in login.text


def _hub_env(hub: Hub, chp: Path, roster: Path) -> dict[str, str]:
    """The hub's environment: everything hub/jupyterhub_config.py reads, for this run and mode."""
    env = {**os.environ,
           "PATH": os.pathsep.join([str(BIN), str(chp), os.environ.get("PATH", "/usr/bin:/bin")]),
           "COURSE_HUB_ROSTER": str(roster),
           "COURSE_HUB_BIND_URL": f"{hub.url}/",
           "COURSE_HUB_HUB_PORT": str(_free_port()),
           "COURSE_HUB_PROXY_API_PORT": str(_free_port()),
           "COURSE_HUB_SERVICE_PORT": str(_free_port()),
           "COURSE_HUB_STATE_DIR": str(hub.state),
           "COURSE_HUB_AUTHENTICATOR": "dummy",
           "COURSE_HUB_DUMMY_PASSWORD": secrets.token_hex(8),
           "COURSE_HUB_API_TOKEN": hub.admin_token,
           # students: the student environment; formgraders: the instructor's (this one)
           "COURSE_HUB_SINGLEUSER": str(hub.student_python.parent / "jupyterhub-singleuser"),
           "COURSE_HUB_GRADER_SINGLEUSER": str(BIN / "jupyterhub-singleuser")}
    for key in ("COURSE_BOOK", "JUPYTER_CONFIG_PATH", "NBGRADER_EXCHANGE_ROOT", "COURSE_HUB_EXCHANGE",
                "COURSE_HUB_NGSHARE_URL", "COURSE_HUB_DB_URL"):
        env.pop(key, None)
    if hub.mode == "ngshare":
        # the several-node recipe logs in through the LMS (LTI 1.3, Canvas's platform URLs); the test acts
        # with API tokens, and checks the tool configuration the LMS reads
        env.pop("COURSE_HUB_DUMMY_PASSWORD")
        env |= LTI_ENV
        env |= {"COURSE_HUB_EXCHANGE": "ngshare",
                "COURSE_HUB_NGSHARE_PORT": str(hub.ngshare_port),
                "COURSE_HUB_NGSHARE_DIR": str(hub.ngshare_dir),
                "COURSE_HUB_DB_URL": hub.pg.url("{course}")}  # one database per course section
    else:
        env["NBGRADER_EXCHANGE_ROOT"] = str(hub.exchange)
    # two formgrader services need two ports: the config counts up from COURSE_HUB_SERVICE_PORT
    while True:
        with contextlib.suppress(OSError), socket.socket() as s:
            s.bind(("127.0.0.1", int(env["COURSE_HUB_SERVICE_PORT"]) + 1))
            break
        env["COURSE_HUB_SERVICE_PORT"] = str(_free_port())
    return env


def _start_hub(hub: Hub, env: dict[str, str]) -> None:
    log = (hub.state / "hub.log").open("w")
    hub.proc = subprocess.Popen([str(BIN / "jupyterhub"), "-f", str(HUB_DIR / "jupyterhub_config.py")],
                                cwd=hub.state, env=env, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
    # the hub answers once it has started its services (formgraders, ngshare), one after the other (~20 s
    # each for a formgrader on a busy two-CPU machine)
    deadline = time.time() + 180
    while True:
        assert hub.proc.poll() is None, f"jupyterhub exited:\n{hub.log_tail()}"
        with contextlib.suppress(Exception):
            if hub.api("GET", "/").status_code == 200:
                return
        assert time.time() < deadline, f"jupyterhub did not answer:\n{hub.log_tail()}"
        time.sleep(0.3)


def _register_in_ngshare(hub: Hub, env: dict[str, str]) -> None:
    """The documented step after the hub starts in ngshare mode: hub/ngshare_roster.py, the admin token."""
    run = subprocess.run([sys.executable, str(HUB_DIR / "ngshare_roster.py")], capture_output=True, text=True,
                         env={**env, "COURSE_HUB_NGSHARE_URL": hub.ngshare_url}, timeout=120, check=False)
    assert run.returncode == 0, f"ngshare_roster.py failed:\n{run.stdout}\n{run.stderr[-3000:]}\n{hub.log_tail()}"
    assert f"{MORNING}: " in run.stdout and f"{EVENING}: " in run.stdout, run.stdout


def _postgres_owner(base: Path, created: list[str]) -> pwd.struct_passwd:
    """Debian's ``postgres`` account, or a throwaway one (removed with the others)."""
    with contextlib.suppress(KeyError):
        return pwd.getpwnam("postgres")
    created.append("hubt-pg")
    return _create_user("hubt-pg", base / "home")


@pytest.fixture(scope="module", params=MODES)
def hub(request, student_python):
    mode = request.param
    _require_hub()
    if mode == "ngshare":
        _require_ngshare_mode()
    _repair_leftovers()
    chp = _proxy_bin()
    unit = _pick_unit()

    base = Path(tempfile.mkdtemp(prefix=f"course-hub-{mode}-"))
    os.chmod(base, 0o755)
    (base / "home").mkdir(mode=0o755)
    hub = Hub(base, mode)
    hub.unit = unit
    hub.student_python, kit_seconds = student_python
    hub.setup_timings = {"student kit + environment (once for both modes)": kit_seconds}
    hub.state.mkdir(mode=0o700)
    if mode == "files":
        hub.exchange.mkdir()
        os.chmod(hub.exchange, 0o777)  # nbgrader's exchange: every user writes; nbgrader sets the rest
    graders = {c: f"grader-{c}" for c in (MORNING, EVENING)}
    users = [INSTRUCTOR, *graders.values(), *STUDENTS[MORNING], *STUDENTS[EVENING]]
    created: list[str] = []
    modes: list[tuple[Path, int]] = []

    def _interrupt(signum, frame):  # a CI runner's SIGTERM: unwind, so the cleanup below still runs
        raise KeyboardInterrupt(f"signal {signum}")

    old_term = signal.signal(signal.SIGTERM, _interrupt)
    try:
        for u in users:
            _create_user(u, base / "home")
            created.append(u)
        if mode == "ngshare":
            t0 = time.time()
            hub.pg = Postgres(base / "postgres", _postgres_owner(base, created))
            hub.pg.start([MORNING, EVENING])
            hub.setup_timings["postgres"] = round(time.time() - t0, 1)
        hub.course_dirs = {c: _write_course_directory(c, pwd.getpwnam(g), unit) for c, g in graders.items()}
        modes = _let_users_run_python(STUDENTS[MORNING][0], hub.student_python)
        roster = hub.state / "roster.csv"
        _write_roster(roster)
        env = _hub_env(hub, chp, roster)
        t0 = time.time()
        _start_hub(hub, env)
        hub.setup_timings["hub start"] = round(time.time() - t0, 1)
        if mode == "ngshare":
            _register_in_ngshare(hub, env)
        yield hub
    finally:
        signal.signal(signal.SIGTERM, old_term)
        _cleanup(lambda: _stop(hub), lambda: hub.pg and hub.pg.stop(), lambda: _restore_modes(modes),
                 *[lambda u=u: _remove_user(u) for u in created],  # also stops what still runs as them
                 lambda: shutil.rmtree(base, ignore_errors=True))


def _cleanup(*steps) -> None:
    """Run every step, even after one fails; then raise the first failure."""
    errors = []
    for step in steps:
        try:
            step()
        except Exception as exc:  # noqa: BLE001 - the remaining steps still run
            errors.append(exc)
    if errors:
        raise errors[0]


def _stop(hub: Hub) -> None:
    """Hub first (it stops user servers, services and the proxy), then anything left, by pid. Whatever
    still runs as a throwaway user is stopped when the user is removed."""
    if hub.proc and hub.proc.poll() is None:
        hub.proc.send_signal(signal.SIGTERM)
        try:
            hub.proc.wait(8)  # then SIGKILL: user servers are stopped with their users below
        except subprocess.TimeoutExpired:
            pass
        with contextlib.suppress(ProcessLookupError):
            os.killpg(hub.proc.pid, signal.SIGKILL)
        hub.proc.wait(10)
    pidfile = hub.state / "jupyterhub-proxy.pid"
    if pidfile.exists():
        with contextlib.suppress(ValueError, ProcessLookupError):
            os.kill(int(pidfile.read_text().strip()), signal.SIGKILL)
    _kill_cmdline(str(hub.state))  # ngshare: a service of the hub's user, in a session of its own


def _kill_cmdline(marker: str) -> None:
    """Stop the processes whose command line names ``marker`` (a folder of this test), by pid."""
    for d in Path("/proc").iterdir():
        if d.name.isdigit() and int(d.name) != os.getpid():
            with contextlib.suppress(OSError):
                if marker in (d / "cmdline").read_bytes().decode(errors="replace"):
                    os.kill(int(d.name), signal.SIGKILL)


# -- what students and the instructor do -----------------------------------------------------------------
def _solutions(unit) -> dict[str, str]:
    """grade_id of each answer cell -> the instructor's solution (the source notebook's solution region)."""
    from course_instructor.build import unit_notebook

    out = {}
    for cell in unit_notebook(unit, "source").cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution") and cell.cell_type == "code":
            lines = cell.source.splitlines()
            start = lines.index("### BEGIN SOLUTION") + 1
            end = lines.index("### END SOLUTION")
            out[meta["grade_id"]] = "\n".join(lines[start:end])
    return out


def _answer(nb: dict, kind: str, solutions: dict[str, str]) -> dict:
    ids = [c["metadata"]["nbgrader"]["grade_id"] for c in nb["cells"]
           if c["metadata"].get("nbgrader", {}).get("solution") and c["cell_type"] == "code"]
    chosen = {"perfect": ids, "partial": ids[: max(1, len(ids) // 2)], "blank": []}[kind]
    for cell in nb["cells"]:
        gid = cell["metadata"].get("nbgrader", {}).get("grade_id")
        if gid in chosen:
            # as a student does: the answer goes where the stub is, the cell's starting lines stay
            # (a chart's answer cell starts with `import altair as alt`)
            src = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            stub = "# YOUR ANSWER HERE"
            cell["source"] = src.replace(stub, solutions[gid]) if stub in src else f"{src}\n{solutions[gid]}"
    return nb


def _student_round(hub: Hub, student: str, course: str, assignment: str, solutions: dict[str, str]) -> None:
    """Fetch through the hub, answer with the contents API, submit through the hub."""
    base = f"/user/{student}"
    listing = hub.as_(student, "GET", f"{base}/assignments", params={"course_id": course})
    assert listing.status_code == 200, listing.text
    released = [a for a in listing.json()["value"] if a["status"] == "released"]
    assert [a["assignment_id"] for a in released] == [assignment], listing.text
    r = hub.as_(student, "POST", f"{base}/assignments/fetch", data={"course_id": course, "assignment_id": assignment})
    assert r.status_code == 200, r.text
    fetched = [a for a in r.json()["value"] if a["status"] == "fetched"]
    assert fetched, f"{student} could not fetch {course}/{assignment}: {r.text[:2000]}"
    path = fetched[0]["notebooks"][0]["path"]
    assert path == f"{course}/{assignment}/{assignment}.ipynb"  # path_includes_course: one folder a course
    r = hub.as_(student, "GET", f"{base}/api/contents/{path}", params={"content": "1"})
    assert r.status_code == 200, r.text
    nb = _answer(r.json()["content"], ANSWERS[student], solutions)
    r = hub.as_(student, "PUT", f"{base}/api/contents/{path}", json={"type": "notebook", "format": "json", "content": nb})
    assert r.status_code in (200, 201), r.text
    r = hub.as_(student, "POST", f"{base}/assignments/submit", data={"course_id": course, "assignment_id": assignment})
    assert r.status_code == 200 and r.json().get("success", True) is not False, r.text
    submitted = [a for a in r.json()["value"] if a["status"] == "submitted"]
    assert submitted and {s["student_id"] for s in submitted} == {student}, r.text


def _formgrader(hub: Hub, course: str, method: str, path: str):
    r = hub.as_(INSTRUCTOR, method, f"/services/{course}/formgrader/api/{path}")
    assert r.status_code == 200, f"{method} {course} formgrader/api/{path}: {r.status_code} {r.text[:2000]}"
    body = r.json()
    if isinstance(body, dict) and body.get("success") is False:
        raise AssertionError(f"{course} formgrader/api/{path} failed:\n{body.get('log')}\n{body.get('error')}")
    return body


def _feedback_html(hub: Hub, student: str, course: str, assignment: str) -> str:
    base = f"/user/{student}"
    r = hub.as_(student, "POST", f"{base}/assignments/fetch_feedback",
                data={"course_id": course, "assignment_id": assignment})
    assert r.status_code == 200, r.text
    folder = f"{course}/{assignment}/feedback"
    r = hub.as_(student, "GET", f"{base}/api/contents/{folder}")
    assert r.status_code == 200, f"{student} has no feedback folder: {r.status_code} {r.text[:500]}"
    stamps = [e["path"] for e in r.json()["content"] if e["type"] == "directory"]
    assert len(stamps) == 1, r.text
    r = hub.as_(student, "GET", f"{base}/api/contents/{stamps[0]}/{assignment}.html",
                params={"content": "1", "type": "file", "format": "text"})
    assert r.status_code == 200, r.text
    return r.json()["content"]


def _in_kernel(hub: Hub, user: str, code: str, timeout: float = 120) -> str:
    """Run ``code`` in a new kernel of ``user``'s server, through the hub (REST + the kernel's websocket);
    its printed output."""
    import uuid
    from datetime import datetime, timezone

    import websocket

    base = f"/user/{user}/api/kernels"
    r = hub.as_(user, "POST", base, json={"name": "python3"})
    assert r.status_code == 201, f"{user} could not start a kernel: {r.status_code} {r.text[:500]}"
    kid = r.json()["id"]
    ws = websocket.create_connection(f"ws://127.0.0.1:{hub.port}{base}/{kid}/channels", timeout=timeout,
                                     header=[f"Authorization: token {hub.user_token(user)}"])
    try:
        msg_id = uuid.uuid4().hex
        ws.send(json.dumps({
            "header": {"msg_id": msg_id, "msg_type": "execute_request", "username": user, "session": uuid.uuid4().hex,
                       "date": datetime.now(timezone.utc).isoformat(), "version": "5.3"},
            "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
            "content": {"code": code, "silent": False, "store_history": False, "user_expressions": {},
                        "allow_stdin": False, "stop_on_error": True}}))
        out, deadline = [], time.time() + timeout
        while time.time() < deadline:
            msg = json.loads(ws.recv())
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind = msg["header"]["msg_type"]
            if kind == "stream":
                out.append(msg["content"]["text"])
            elif kind == "error":
                out.append("\n".join(msg["content"]["traceback"]))
            elif kind == "status" and msg["content"]["execution_state"] == "idle":
                return "".join(out)
        raise AssertionError(f"{user}'s kernel did not finish: {''.join(out)[-2000:]}")
    finally:
        ws.close()
        hub.as_(user, "DELETE", f"{base}/{kid}")


STUDENT_KERNEL_PROBE = r"""
import json, os, sys
out = {"executable": sys.executable}
import course
out["course"] = course.__file__
try:
    import course_instructor
    out["course_instructor"] = getattr(course_instructor, "__file__", None) or "namespace"
except ImportError:
    out["course_instructor"] = None
for name, path in TARGETS.items():
    try:
        if os.path.isdir(path):
            os.listdir(path)
        else:
            open(path, "rb").read(1)
        out[name] = "read"
    except PermissionError:
        out[name] = "denied"
    except OSError as exc:
        out[name] = type(exc).__name__
print("KERNEL" + json.dumps(out))
"""


def _scores(hub: Hub, course: str, assignment: str) -> dict[str, tuple[float, float]]:
    """{student: (code score, max)} from the course's gradebook (nbgrader's Gradebook on hub.db_url), after
    checking it holds exactly the section's students."""
    from nbgrader.api import Gradebook

    path = os.environ.get("PATH", "")
    os.environ["PATH"] = f"{BIN}{os.pathsep}{path}"  # Gradebook runs `alembic` (this environment's)
    try:
        with Gradebook(hub.db_url(course), course_id=course) as gb:
            assert sorted(s.id for s in gb.students) == sorted(STUDENTS[course]), course
            return {sub.student.id: (sub.code_score, sub.max_code_score)
                    for sub in gb.assignment_submissions(assignment)}
    finally:
        os.environ["PATH"] = path


def _file_exchange_isolation(hub: Hub, assignment: str) -> None:
    """nbgrader's file exchange: the inbound folder is not listable, submissions hide behind a random name."""
    inbound = hub.exchange / MORNING / "inbound"
    theirs = sorted(p for p in inbound.iterdir() if p.name.startswith("hubt-ann+"))
    assert theirs, "ann's submission is not in the exchange"
    ls = as_user("hubt-ben", "ls", str(inbound))
    assert ls.returncode != 0 and "Permission denied" in ls.stderr, f"ben could list the inbound folder: {ls.stdout}"
    # nbgrader makes submitted files world-readable; what hides them is the unlistable inbound folder and
    # a random string in each submission's name (72 bits): ben cannot find ann's file to open it
    student, unit_id, stamp, random_part = theirs[0].name.split("+")
    assert (student, unit_id) == ("hubt-ann", assignment) and len(random_part) >= 12, theirs[0].name
    ann_nb = theirs[0] / f"{assignment}.ipynb"
    hub.isolation_note = {"known_path_readable": as_user("hubt-ben", "cat", str(ann_nb)).returncode == 0}


def _ngshare_isolation(hub: Hub, assignment: str) -> None:
    """ngshare: a student's token reaches only their own submissions and only the courses they are in; the
    exchange's files are the hub's (no shared folder); the gradebook database takes no password-less login."""
    for path in (f"/submissions/{MORNING}/{assignment}", f"/submissions/{MORNING}/{assignment}/hubt-ann",
                 f"/submission/{MORNING}/{assignment}/hubt-ann", f"/students/{MORNING}"):
        r = hub.ngshare("hubt-ben", "GET", path)
        assert r.status_code == 403 and r.json()["success"] is False, f"ben reached ngshare {path}: {r.status_code} {r.text[:300]}"
    r = hub.ngshare("hubt-ben", "GET", f"/submissions/{MORNING}/{assignment}/hubt-ben")
    assert r.status_code == 200 and {x["student_id"] for x in r.json()["submissions"]} == {"hubt-ben"}, r.text
    r = hub.ngshare("hubt-dan", "GET", "/courses")
    assert r.status_code == 200 and r.json()["courses"] == [EVENING], f"dan's courses in ngshare: {r.text}"
    r = hub.ngshare("hubt-dan", "GET", f"/assignment/{MORNING}/{assignment}")
    assert r.status_code == 403, f"dan could download the morning release: {r.status_code}"
    assert hub.ngshare_dir.stat().st_mode & 0o077 == 0, "ngshare's database and files are open to other users"
    ls = as_user("hubt-ben", "ls", str(hub.ngshare_dir))
    assert ls.returncode != 0, f"ben could list ngshare's folder: {ls.stdout}"
    assert not hub.exchange.exists(), "a file exchange was made in ngshare mode"
    login = as_user("hubt-ben", str(hub.student_python), "-c",
                    f"import psycopg; psycopg.connect(host='127.0.0.1', port={hub.pg.port}, user='{hub.pg.ROLE}', "
                    f"dbname='{MORNING}', connect_timeout=10)")
    assert login.returncode != 0 and "password" in login.stderr, f"ben logged in to the gradebook database: {login.stderr[-500:]}"


def _feedback_isolation(hub: Hub, assignment: str) -> None:
    """Another student's feedback: not through the exchange, not in their home."""
    if hub.mode == "ngshare":
        mine = hub.ngshare("hubt-ann", "GET", f"/submissions/{MORNING}/{assignment}/hubt-ann").json()
        stamp = mine["submissions"][0]["timestamp"]
        r = hub.ngshare("hubt-ann", "GET", f"/feedback/{MORNING}/{assignment}/hubt-ann", params={"timestamp": stamp})
        assert r.status_code == 200 and r.json()["files"], f"ann has no feedback in ngshare: {r.text[:300]}"
        r = hub.ngshare("hubt-ben", "GET", f"/feedback/{MORNING}/{assignment}/hubt-ann", params={"timestamp": stamp})
        assert r.status_code == 403, f"ben fetched ann's feedback from ngshare: {r.status_code}"
    else:  # the feedback folder is not listable: feedback files are named by a hash ben cannot compute
        ls = as_user("hubt-ben", "ls", str(hub.exchange / MORNING / "feedback"))
        assert ls.returncode != 0 and "Permission denied" in ls.stderr, f"ben could list the feedback folder: {ls.stdout}"
    ann_feedback = Path(pwd.getpwnam("hubt-ann").pw_dir) / MORNING / assignment / "feedback"
    ls = as_user("hubt-ben", "ls", str(ann_feedback))
    assert ls.returncode != 0 and "Permission denied" in ls.stderr, f"ben could list ann's feedback: {ls.stdout}"


# -- the test ----------------------------------------------------------------------------------------------
def test_class_on_jupyterhub(hub):
    t0 = time.time()
    timings = {}
    unit = hub.unit
    assignment = unit.assignment
    solutions = _solutions(unit)
    everyone = [*STUDENTS[MORNING], *STUDENTS[EVENING]]
    hub.start_servers(everyone)
    for course in (MORNING, EVENING):
        hub.wait_service(course, INSTRUCTOR)
    timings["hub + servers"] = time.time() - t0
    if hub.mode == "ngshare":
        _check_lti_login(hub)

    # keys only where students cannot reach them: a student's kernel runs from the student environment
    # (the student wheel), cannot import the instructor package, cannot read the instructor's course
    # directory (its keys, its source notebook); the same from a plain process of that student
    course_dir = hub.course_dirs[MORNING]
    targets = {"course_dir": str(course_dir), "keys": str(course_dir / "keys" / f"{assignment}.json"),
               "source": str(course_dir / "source" / assignment / f"{assignment}.ipynb")}
    text = _in_kernel(hub, "hubt-ann", f"TARGETS = {targets!r}\n{STUDENT_KERNEL_PROBE}")
    lines = [ln for ln in text.splitlines() if ln.startswith("KERNEL")]
    assert lines, f"ann's kernel printed no report:\n{text[-3000:]}"
    seen = json.loads(lines[-1][len("KERNEL"):])
    student_env = hub.student_python.parent.parent
    assert Path(seen["executable"]).parent == hub.student_python.parent, seen
    assert Path(seen["course"]).is_relative_to(student_env), f"ann's kernel imports course from {seen['course']}"
    assert seen["course_instructor"] is None, f"ann's kernel imports course_instructor: {seen}"
    assert {seen[k] for k in targets} == {"denied"}, f"ann's kernel reached the course directory: {seen}"
    ps = probe(hub.student_python, cwd=Path("/"),
               runner=lambda cmd: as_user("hubt-ben", *cmd))
    assert ps["course_instructor"] is None and Path(ps["course_file"]).is_relative_to(student_env), ps
    timings["student kernel"] = time.time() - t0

    # students cannot open a formgrader; the instructor can (checked by wait_service)
    r = hub.as_("hubt-ann", "GET", f"/services/{MORNING}/formgrader/api/assignments")
    assert r.status_code in (302, 403), f"a student reached the formgrader: {r.status_code}"

    # the instructor releases the unit to both sections, through each course's formgrader
    for course in (MORNING, EVENING):
        _formgrader(hub, course, "POST", f"assignment/{assignment}/assign")
        _formgrader(hub, course, "POST", f"assignment/{assignment}/release")
    timings["release"] = time.time() - t0

    # a student sees only the courses whose hub group nbgrader-<course> they are in
    r = hub.as_("hubt-dan", "GET", "/user/hubt-dan/assignments", params={"course_id": MORNING})
    assert r.status_code == 200 and r.json()["value"] == [], f"evening student sees the morning course: {r.text}"
    r = hub.as_("hubt-dan", "POST", "/user/hubt-dan/assignments/fetch", data={"course_id": MORNING, "assignment_id": assignment})
    assert not [a for a in r.json()["value"] if a["status"] == "fetched"]
    assert as_user("hubt-dan", "test", "-e", f"{pwd.getpwnam('hubt-dan').pw_dir}/{MORNING}").returncode != 0

    # students fetch, answer and submit through the hub
    with ThreadPoolExecutor(4) as pool:
        jobs = [pool.submit(_student_round, hub, s, c, assignment, solutions) for c in (MORNING, EVENING) for s in STUDENTS[c]]
        for j in jobs:
            j.result()
    timings["students submit"] = time.time() - t0

    # isolation, tried as the students' OS users and with their tokens
    (_ngshare_isolation if hub.mode == "ngshare" else _file_exchange_isolation)(hub, assignment)
    source = hub.course_dirs[MORNING] / "source" / assignment / f"{assignment}.ipynb"
    ann_home_nb = Path(pwd.getpwnam("hubt-ann").pw_dir) / MORNING / assignment / f"{assignment}.ipynb"
    for target in (source, ann_home_nb):
        cat = as_user("hubt-ben", "cat", str(target))
        assert cat.returncode != 0 and "Permission denied" in cat.stderr, f"ben could read {target}"
    r = hub.as_("hubt-ben", "GET", "/user/hubt-ben/assignments", params={"course_id": MORNING})
    subs = [a for a in r.json()["value"] if a["status"] == "submitted"]
    assert subs and {a["student_id"] for a in subs} == {"hubt-ben"}, r.text
    lst = as_user("hubt-ben", "nbgrader", "list", "--inbound", f"--course={MORNING}", env=hub.exchange_env("hubt-ben"))
    assert "hubt-ann" not in lst.stdout + lst.stderr, f"ben's nbgrader list shows ann:\n{lst.stdout}"
    lst = as_user("hubt-ben", "nbgrader", "list", "--cached", f"--course={MORNING}", env=hub.exchange_env("hubt-ben"))
    assert "hubt-ben" in lst.stdout + lst.stderr and "hubt-ann" not in lst.stdout + lst.stderr, lst.stdout + lst.stderr
    # another student's session: ben's token does not open ann's server
    r = hub.as_("hubt-ben", "GET", "/user/hubt-ann/api/contents")
    assert r.status_code in (302, 403, 404), f"ben reached ann's server: {r.status_code}"

    # the instructor collects, autogrades, generates and releases feedback (formgrader API, through the hub)
    for course in (MORNING, EVENING):
        _formgrader(hub, course, "POST", f"assignment/{assignment}/collect")
        for s in STUDENTS[course]:
            _formgrader(hub, course, "POST", f"submission/{assignment}/{s}/autograde")
        _formgrader(hub, course, "POST", f"assignment/{assignment}/generate_feedback")
        _formgrader(hub, course, "POST", f"assignment/{assignment}/release_feedback")
    timings["grade + feedback"] = time.time() - t0

    # the gradebooks (SQLite in the course directories, or PostgreSQL): scores, and each section holds only
    # its own students
    scores = {}
    for course in (MORNING, EVENING):
        scores |= _scores(hub, course, assignment)
        written = sorted(hub.course_dirs[course].rglob("gradebook.db"))
        if hub.mode == "ngshare":  # the gradebook is the database: nothing wrote one in the course directory
            assert not written, f"a gradebook.db was written in ngshare + PostgreSQL mode: {written}"
        else:
            assert written == [hub.course_dirs[course] / "gradebook.db"], written
    full = scores["hubt-ann"][1]
    assert full > 0
    assert scores["hubt-ann"][0] == pytest.approx(full), scores
    assert 0 < scores["hubt-ben"][0] < full, scores
    assert scores["hubt-cal"][0] == 0, scores
    assert scores["hubt-dan"][0] == pytest.approx(full), scores

    # students fetch their feedback through the hub: it explains what they missed, hides the hidden tests
    for course in (MORNING, EVENING):
        for s in STUDENTS[course]:
            html = _feedback_html(hub, s, course, assignment)
            assert "Explanation" in html, f"{s}'s feedback has no explanation"
            assert "BEGIN HIDDEN TESTS" not in html, f"{s}'s feedback shows hidden tests"
            assert assignment in html
    _feedback_isolation(hub, assignment)
    timings["feedback fetched"] = time.time() - t0
    print(f"hub test [{hub.mode}] timings (s, cumulative):", json.dumps({k: round(v, 1) for k, v in timings.items()}),
          "unit:", unit.id, "isolation:", hub.isolation_note, "setup:", hub.setup_timings)
