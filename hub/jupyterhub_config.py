"""JupyterHub for the Stalin in Power course: instructors, graders, students, nbgrader's exchange.

This follows nbgrader's "Using nbgrader with JupyterHub" (JupyterHub >= 2, several courses):

- one **formgrader service per course**, managed by the hub, running ``jupyterhub-singleuser`` as the
  course's grader account ``grader-<course>`` in that account's home (the course directory lives there);
- hub **groups** ``formgrade-<course>`` (instructors and graders of the course: may open the service) and
  ``nbgrader-<course>`` (students: nbgrader's ``JupyterHubAuthPlugin`` reads these to decide who may fetch
  and submit in which course);
- **roles**: ``formgrade-<course>`` grants ``access:services!service=<course>``; the ``instructors`` group
  manages users and servers; each user's server token may read its own groups (for the auth plugin);
- the global nbgrader config (``nbgrader_config.py`` beside this file: exchange root, one exchange
  folder per course, the auth plugin) is given to every server and service through ``JUPYTER_CONFIG_PATH``,
  so there is exactly one copy of it.

Who is who comes from a roster CSV (``username,course,role``; role = instructor, grader or student), by
default ``roster.csv`` beside this file (see ``roster.example.csv``). Everything that differs between a
server and a test run is an environment variable, so the end-to-end test (tests/test_hub.py) loads this
very file:

================================  ===========================================================================
``COURSE_HUB_ROSTER``             roster CSV (default: ``roster.csv`` beside this file)
``COURSE_HUB_BIND_URL``           public URL the proxy listens on (default: JupyterHub's / TLJH's own)
``COURSE_HUB_HUB_PORT``           the hub's internal port (default: JupyterHub's, 8081)
``COURSE_HUB_PROXY_API_PORT``     configurable-http-proxy's API port (default: JupyterHub's, 8001)
``COURSE_HUB_STATE_DIR``          folder for jupyterhub.sqlite, the cookie secret, the proxy PID file
``COURSE_HUB_AUTHENTICATOR``      authenticator class (default: JupyterHub's / TLJH's; the test uses ``dummy``)
``COURSE_HUB_DUMMY_PASSWORD``     the shared password when the authenticator is ``dummy`` (tests only)
``COURSE_HUB_API_TOKEN``          a token for an admin service ``course-admin`` (scripts, the test)
``COURSE_HUB_SINGLEUSER``         students' single-user command, from the **student environment** (the
                                  student wheel only; default ``jupyterhub-singleuser`` on PATH). An absolute
                                  path also puts its folder first on the servers' PATH (kernels, terminals)
``COURSE_HUB_GRADER_SINGLEUSER``  the formgraders' single-user command (default: the students')
``COURSE_HUB_SERVICE_PORT``       first port for the per-course formgrader services (default 9990)
``COURSE_HUB_SPAWNER``            spawner class (default: JupyterHub's LocalProcessSpawner / TLJH's)
``NBGRADER_EXCHANGE_ROOT``        nbgrader's exchange folder (default ``/srv/nbgrader/exchange``)
================================  ===========================================================================

Keys only where students cannot reach them: the users' environment holds the **student wheel**
(``course student-kit``: the ``course`` package, no graded bank, no keys), never the repository. Each
course directory (a private clone, ``chmod 700``, owned by ``grader-<course>``) is on the formgrader's
``PYTHONPATH``: the grader's process imports ``course_instructor`` (grading steps, feedback) from there,
and no student process can. This folder (``jupyterhub_config.py``, ``nbgrader_config.py``) is read by
every server, so install it where everyone may read it, apart from the clone (docs/jupyterhub.md).

The Littlest JupyterHub: copy (or symlink) this file into ``/opt/tljh/config/jupyterhub_config.d/`` and
run ``sudo tljh-config reload``. Zero to JupyterHub: see docs/jupyterhub.md (Helm values).
"""
from __future__ import annotations

import csv
import os
import pwd
from collections import defaultdict
from pathlib import Path

from jupyterhub import __version__ as jupyterhub_version

c = get_config()  # noqa: F821 (provided by JupyterHub)

HERE = Path(__file__).resolve().parent
ENV = os.environ.get
ROLES = ("instructor", "grader", "student")


def read_roster(path: Path) -> dict[str, dict[str, set[str]]]:
    """{course: {role: {usernames}}} from a ``username,course,role`` CSV (``#`` comments allowed)."""
    courses: dict[str, dict[str, set[str]]] = defaultdict(lambda: {r: set() for r in ROLES})
    if not path.is_file():
        print(f"[course hub] no roster at {path}: no courses configured")
        return {}
    with path.open(newline="", encoding="utf-8") as fh:
        rows = csv.DictReader(line for line in fh if line.strip() and not line.lstrip().startswith("#"))
        for row in rows:
            user, course, role = (row.get(k, "").strip() for k in ("username", "course", "role"))
            if role not in ROLES:
                raise ValueError(f"{path}: role must be one of {ROLES}, got {role!r} for {user!r}")
            courses[course][role].add(user)
    return dict(courses)


def grader_account(course: str) -> str:
    """The OS account that owns the course directory and runs the course's formgrader service."""
    return f"grader-{course}"


def home_of(user: str) -> str:
    try:
        return pwd.getpwnam(user).pw_dir
    except KeyError:  # not created yet: the conventional place
        return f"/home/{user}"


def course_directory(course: str) -> str:
    """``~grader-<course>/<course>``: a clone of this repository (nbgrader_config.py, source/), the gradebook."""
    return os.path.join(home_of(grader_account(course)), course)


ROSTER = read_roster(Path(ENV("COURSE_HUB_ROSTER") or HERE / "roster.csv"))
EXCHANGE = ENV("NBGRADER_EXCHANGE_ROOT", "/srv/nbgrader/exchange")
NBGRADER_CONFIG_DIR = str(HERE)  # where the global nbgrader_config.py is: one copy, read by every server

# -- network, state ------------------------------------------------------------------------------------
if ENV("COURSE_HUB_BIND_URL"):
    c.JupyterHub.bind_url = ENV("COURSE_HUB_BIND_URL")
if ENV("COURSE_HUB_HUB_PORT"):
    c.JupyterHub.hub_ip = "127.0.0.1"
    c.JupyterHub.hub_port = int(ENV("COURSE_HUB_HUB_PORT"))
if ENV("COURSE_HUB_PROXY_API_PORT"):
    c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{int(ENV('COURSE_HUB_PROXY_API_PORT'))}"
if ENV("COURSE_HUB_STATE_DIR"):
    state = Path(ENV("COURSE_HUB_STATE_DIR"))
    c.JupyterHub.db_url = f"sqlite:///{state / 'jupyterhub.sqlite'}"
    c.JupyterHub.cookie_secret_file = str(state / "jupyterhub_cookie_secret")
    c.ConfigurableHTTPProxy.pid_file = str(state / "jupyterhub-proxy.pid")

# -- who may log in ------------------------------------------------------------------------------------
everyone = {u for roles in ROSTER.values() for members in roles.values() for u in members}
instructors = {u for roles in ROSTER.values() for u in roles["instructor"]}
if ENV("COURSE_HUB_AUTHENTICATOR"):
    c.JupyterHub.authenticator_class = ENV("COURSE_HUB_AUTHENTICATOR")
    if ENV("COURSE_HUB_DUMMY_PASSWORD"):
        c.DummyAuthenticator.password = ENV("COURSE_HUB_DUMMY_PASSWORD")
if everyone:
    # .update: adds to what TLJH or an earlier config file already set (traitlets merges it)
    c.Authenticator.allowed_users.update(everyone)
    c.Authenticator.admin_users.update(instructors)

# -- single-user servers -------------------------------------------------------------------------------
if ENV("COURSE_HUB_SPAWNER"):
    c.JupyterHub.spawner_class = ENV("COURSE_HUB_SPAWNER")
# Students' servers run from the student environment (the student wheel: no course_instructor, no keys).
singleuser = ENV("COURSE_HUB_SINGLEUSER", "jupyterhub-singleuser")
grader_singleuser = ENV("COURSE_HUB_GRADER_SINGLEUSER", singleuser)
if ENV("COURSE_HUB_SINGLEUSER"):
    c.Spawner.cmd = [singleuser]
c.Spawner.default_url = "/lab"
server_env = {
    # nbgrader reads the global config from here (exchange root, path_includes_course, auth plugin)
    "JUPYTER_CONFIG_PATH": NBGRADER_CONFIG_DIR,
    "NBGRADER_EXCHANGE_ROOT": EXCHANGE,
}
if os.path.isabs(singleuser):
    # kernels, terminals and `nbgrader` in a student's server come from that same environment
    server_env["PATH"] = os.pathsep.join([os.path.dirname(singleuser), "/usr/local/bin", "/usr/bin", "/bin"])
c.Spawner.environment.update(server_env)

# -- groups, roles, one formgrader service per course --------------------------------------------------
groups: dict[str, dict] = {}
roles: list[dict] = []
services: list[dict] = []
port = int(ENV("COURSE_HUB_SERVICE_PORT", "9990"))
# JupyterHub >= 6 waits 30 s for a managed service to answer and exits if it does not; a formgrader
# (JupyterLab + nbgrader) can take longer than that on a busy server, so give it two minutes
service_timeout = {"timeout": 120} if int(jupyterhub_version.split(".")[0]) >= 6 else {}
for n, (course, members) in enumerate(sorted(ROSTER.items())):
    grader = grader_account(course)
    # the grader account is a hub user too (nbgrader's docs): the formgrader's nbgrader asks the hub for
    # the courses of JUPYTERHUB_USER=grader-<course> and finds this one through formgrade-<course>
    groups[f"formgrade-{course}"] = {"users": sorted(members["instructor"] | members["grader"] | {grader})}
    groups[f"nbgrader-{course}"] = {"users": sorted(members["student"])}
    roles.append({"name": f"formgrade-{course}", "description": f"open the formgrader of {course}",
                  "scopes": [f"access:services!service={course}"], "groups": [f"formgrade-{course}"]})
    # the formgrader's nbgrader may add a student to the course's group (JupyterHubAuthPlugin)
    roles.append({"name": f"service-{course}", "description": f"nbgrader of {course}: its course's student group",
                  "scopes": ["list:groups", f"read:groups!group=nbgrader-{course}",
                             f"groups!group=nbgrader-{course}", "read:users:name", "read:users:groups"],
                  "services": [course]})
    services.append({
        "name": course,
        "url": f"http://127.0.0.1:{port + n}",
        "command": [grader_singleuser, "--debug"] if ENV("COURSE_HUB_DEBUG") else [grader_singleuser],
        "user": grader,
        # the formgrader works in the course directory: nbgrader reads its nbgrader_config.py from there
        "cwd": course_directory(course) if os.path.isdir(course_directory(course)) else home_of(grader),
        "oauth_no_confirm": True,
        **service_timeout,
        "environment": {
            **server_env,
            "JUPYTERHUB_DEFAULT_URL": "/lab",
            "JUPYTERHUB_USER": grader,  # nbgrader's JupyterHubAuthPlugin names the caller with it
            "COURSE_ID": course,        # the course directory's nbgrader_config.py reads these two
            "COURSE_DB_URL": f"sqlite:///{course_directory(course)}/gradebook.db",
            "PATH": os.pathsep.join(dict.fromkeys(
                ([os.path.dirname(grader_singleuser)] if os.path.isabs(grader_singleuser) else [])
                + os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin").split(os.pathsep))),
            "HOME": home_of(grader),
            # the grader's process (formgrader, nbgrader's grading steps, their kernels) imports the
            # instructor package from the course directory, a private clone: students' servers cannot
            "PYTHONPATH": course_directory(course),
        },
    })
if instructors:
    groups["instructors"] = {"users": sorted(instructors)}
    roles.append({"name": "instructor", "description": "manage users and their servers",
                  "scopes": ["admin:users", "admin:servers", "access:servers", "admin-ui", "list:users"],
                  "groups": ["instructors"]})
# each server's own token may read its user's groups: nbgrader's JupyterHubAuthPlugin lists a student's
# courses from the groups nbgrader-<course> / formgrade-<course>
roles.append({"name": "server", "scopes": ["users:activity!user", "access:servers!server",
                                           "read:users:name!user", "read:users:groups!user"]})
if ENV("COURSE_HUB_API_TOKEN"):
    services.append({"name": "course-admin", "api_token": ENV("COURSE_HUB_API_TOKEN")})
    roles.append({"name": "course-admin", "description": "scripts: users, servers, tokens, groups",
                  "scopes": ["admin:users", "admin:servers", "tokens", "admin:groups", "access:servers",
                             "access:services", "list:users", "list:groups", "read:users", "read:groups"],
                  "services": ["course-admin"]})

c.JupyterHub.load_groups.update(groups)
c.JupyterHub.load_roles.extend(roles)
c.JupyterHub.services.extend(services)
