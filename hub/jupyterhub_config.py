"""JupyterHub for the Stalin in Power course: instructors, graders, students, nbgrader's exchange.

This follows nbgrader's "Using nbgrader with JupyterHub" (JupyterHub >= 2, several courses):

- one **formgrader service per course**, managed by the hub, running ``jupyterhub-singleuser`` as the
  course's grader account ``grader-<course>`` in that account's home (the course directory lives there);
- hub **groups** ``formgrade-<course>`` (instructors and graders of the course: may open the service) and
  ``nbgrader-<course>`` (students: nbgrader's ``JupyterHubAuthPlugin`` reads these to decide who may fetch
  and submit in which course);
- **roles**: ``formgrade-<course>`` grants ``access:services!service=<course>``; the ``instructors`` group
  manages users and servers; each user's server token may read its own groups (for the auth plugin);
- the global nbgrader config (``nbgrader_config.py`` beside this file: the exchange, one exchange
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
``COURSE_HUB_AUTHENTICATOR``      authenticator class (default: JupyterHub's / TLJH's; the test uses ``dummy``),
                                  or ``lti13``: students launch the hub from Canvas or Moodle (LTI 1.3, with
                                  jupyterhub-ltiauthenticator), configured by the four variables below
``COURSE_HUB_LTI_CLIENT_ID``      lti13: the tool's Client ID in the LMS (several: comma-separated)
``COURSE_HUB_LTI_ISSUER``         lti13: the platform's issuer (Canvas: ``https://canvas.instructure.com``;
                                  Moodle: the site URL)
``COURSE_HUB_LTI_AUTHORIZE_URL``  lti13: the platform's OIDC authorization URL
``COURSE_HUB_LTI_JWKS_URL``       lti13: the platform's public keys (JWKS) URL
``COURSE_HUB_LTI_USERNAME_KEY``   lti13: the launch claim that is the hub username (default ``custom_login``:
                                  the tool's custom parameter ``login=$User.username``, the roster's rule)
``COURSE_HUB_DUMMY_PASSWORD``     the shared password when the authenticator is ``dummy`` (tests only)
``COURSE_HUB_API_TOKEN``          a token for an admin service ``course-admin`` (scripts, the test)
``COURSE_HUB_SINGLEUSER``         students' single-user command, from the **student environment** (the
                                  student wheel only; default ``jupyterhub-singleuser`` on PATH). An absolute
                                  path also puts its folder first on the servers' PATH (kernels, terminals)
``COURSE_HUB_GRADER_SINGLEUSER``  the formgraders' single-user command (default: the students')
``COURSE_HUB_SERVICE_PORT``       first port for the per-course formgrader services (default 9990)
``COURSE_HUB_SPAWNER``            spawner class (default: JupyterHub's LocalProcessSpawner / TLJH's)
``NBGRADER_EXCHANGE_ROOT``        nbgrader's exchange folder (default ``/srv/nbgrader/exchange``; files mode)
``COURSE_HUB_EXCHANGE``           ``files`` (default: nbgrader's file exchange, one machine) or ``ngshare``
``COURSE_HUB_NGSHARE_PORT``       ngshare mode: the port of the hub-managed ngshare service (default 10101)
``COURSE_HUB_NGSHARE_URL``        ngshare mode: where servers reach ngshare (default: the service itself,
                                  ``http://127.0.0.1:<port>/services/ngshare``; through the proxy also works)
``COURSE_HUB_NGSHARE_DIR``        ngshare mode: its database and files (default ``/srv/ngshare``, mode 700)
``COURSE_HUB_NGSHARE_DB``         ngshare mode: its own database URL (default SQLite in that folder)
``COURSE_HUB_FORMGRADERS``        ``services`` (default: one hub-managed formgrader service per course, run as
                                  its grader account) or ``servers`` (Kubernetes: the grader account's own
                                  server is the formgrader; instructors may open and start it)
``COURSE_HUB_GRADER_HOME``        the grader accounts' home in their servers (servers mode: ``/home/jovyan``)
``COURSE_HUB_SERVICE_HOST``       where the proxy reaches services the hub runs (default ``127.0.0.1``;
                                  Kubernetes: ``hub``, the hub's Service)
``COURSE_HUB_DB_URL``             each course's gradebook, a SQLAlchemy URL with ``{course}`` for the course
                                  id, e.g. ``postgresql+psycopg://course:<pw>@db/{course}`` (one database per
                                  section); default ``sqlite:///<course directory>/gradebook.db``
================================  ===========================================================================

**Several nodes** (``COURSE_HUB_EXCHANGE=ngshare``): nbgrader's file exchange needs one shared folder and
separates students by OS users; ngshare serves the exchange over HTTP and names each caller by the hub
identity of its token. The hub runs ngshare as a managed service (``ngshare_service.py``: ngshare's own
server, SQLAlchemy 2 fix explained there) from the hub's environment (``pip install ngshare``), whose admins
are the ``course-admin`` service and the instructors; ``nbgrader_config.py`` points every server and
formgrader at it (``ngshare_exchange.configureExchange``; the users' and graders' environments need
``ngshare_exchange``). Courses and members are registered from the same roster with ``ngshare_roster.py``
after the hub has started, and again after each change of the roster. A formgrader is the ngshare
instructor ``<course>`` (its service name). Gradebooks go to a database server with ``COURSE_HUB_DB_URL``
(PostgreSQL: ``pip install "psycopg[binary]"`` where the formgraders run).

Keys only where students cannot reach them: the users' environment holds the **student wheel**
(``course student-kit``: the ``course`` package, no graded bank, no keys), never the repository. Each
course directory (a private clone, ``chmod 700``, owned by ``grader-<course>``) is on the formgrader's
``PYTHONPATH``: the grader's process imports ``course_instructor`` (grading steps, feedback) from there,
and no student process can. This folder (``jupyterhub_config.py``, ``nbgrader_config.py``) is read by
every server, so install it where everyone may read it, apart from the clone (docs/jupyterhub.md).

The Littlest JupyterHub: copy (or symlink) this file into ``/opt/tljh/config/jupyterhub_config.d/`` and
run ``sudo tljh-config reload``. Zero to JupyterHub: ``z2jh-values.yaml`` beside this file mounts this very
file (with ``course_roster.py``, ``ngshare_service.py``, ``ngshare_roster.py``, the roster) and loads it from
``hub.extraConfig``, with ngshare, ``COURSE_HUB_FORMGRADERS=servers`` and PostgreSQL (docs/jupyterhub.md).
"""
from __future__ import annotations

import os
import pwd
import sys
from pathlib import Path

from jupyterhub import __version__ as jupyterhub_version

c = get_config()  # noqa: F821 (provided by JupyterHub)

HERE = Path(__file__).resolve().parent
ENV = os.environ.get
sys.path.insert(0, str(HERE))  # the roster reader beside this file (shared with ngshare_roster.py)
from course_roster import grader_account, read_roster


def home_of(user: str) -> str:
    try:
        return pwd.getpwnam(user).pw_dir
    except KeyError:  # not created yet: the conventional place
        return f"/home/{user}"


def course_directory(course: str) -> str:
    """``~grader-<course>/<course>``: a clone of this repository (nbgrader_config.py, source/), the gradebook."""
    return os.path.join(ENV("COURSE_HUB_GRADER_HOME") or home_of(grader_account(course)), course)


ROSTER = read_roster(Path(ENV("COURSE_HUB_ROSTER") or HERE / "roster.csv"))
EXCHANGE = ENV("NBGRADER_EXCHANGE_ROOT", "/srv/nbgrader/exchange")
NBGRADER_CONFIG_DIR = str(HERE)  # where the global nbgrader_config.py is: one copy, read by every server
# nbgrader's exchange: its file exchange (one machine; the default, so TLJH is unchanged) or ngshare (a hub
# service speaking HTTP: several nodes, no shared file system); hub/nbgrader_config.py reads the same variables
EXCHANGE_KIND = ENV("COURSE_HUB_EXCHANGE", "files")
if EXCHANGE_KIND not in ("files", "ngshare"):
    raise ValueError(f"COURSE_HUB_EXCHANGE must be 'files' or 'ngshare', not {EXCHANGE_KIND!r}")
SERVICE_HOST = ENV("COURSE_HUB_SERVICE_HOST", "127.0.0.1")  # where the proxy reaches the hub's own services
NGSHARE_PORT = int(ENV("COURSE_HUB_NGSHARE_PORT", "10101"))
NGSHARE_URL = ENV("COURSE_HUB_NGSHARE_URL", f"http://{SERVICE_HOST}:{NGSHARE_PORT}/services/ngshare")
# formgraders: hub-managed services run as the grader accounts (one machine), or the grader accounts' own
# servers (Kubernetes: every server is a pod of the users' image, and the hub's pod runs no course code)
FORMGRADERS = ENV("COURSE_HUB_FORMGRADERS", "services")
if FORMGRADERS not in ("services", "servers"):
    raise ValueError(f"COURSE_HUB_FORMGRADERS must be 'services' or 'servers', not {FORMGRADERS!r}")
NGSHARE_DIR = ENV("COURSE_HUB_NGSHARE_DIR", "/srv/ngshare")
# each course's gradebook: gradebook.db in its course directory, or a database URL naming it by {course}
DB_URL = ENV("COURSE_HUB_DB_URL", "")

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
LTI13 = {"client_id": "COURSE_HUB_LTI_CLIENT_ID", "issuer": "COURSE_HUB_LTI_ISSUER",
         "authorize_url": "COURSE_HUB_LTI_AUTHORIZE_URL", "jwks_endpoint": "COURSE_HUB_LTI_JWKS_URL"}
if ENV("COURSE_HUB_AUTHENTICATOR") == "lti13":
    # LTI 1.3 (docs/jupyterhub.md): the LMS launches the hub; the username is the LMS login, as in the roster
    missing = [var for var in LTI13.values() if not ENV(var)]
    if missing:
        raise ValueError(f"COURSE_HUB_AUTHENTICATOR=lti13 needs {', '.join(missing)} (docs/jupyterhub.md)")
    c.JupyterHub.authenticator_class = "ltiauthenticator.lti13.auth.LTI13Authenticator"
    c.LTI13Authenticator.client_id = [x.strip() for x in ENV("COURSE_HUB_LTI_CLIENT_ID").split(",") if x.strip()]
    for trait in ("issuer", "authorize_url", "jwks_endpoint"):
        setattr(c.LTI13Authenticator, trait, ENV(LTI13[trait]))
    c.LTI13Authenticator.username_key = ENV("COURSE_HUB_LTI_USERNAME_KEY", "custom_login")
elif ENV("COURSE_HUB_AUTHENTICATOR"):
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
    # nbgrader reads the global config from here (the exchange, path_includes_course, auth plugin)
    "JUPYTER_CONFIG_PATH": NBGRADER_CONFIG_DIR,
    "COURSE_HUB_EXCHANGE": EXCHANGE_KIND,
    **({"COURSE_HUB_NGSHARE_URL": NGSHARE_URL} if EXCHANGE_KIND == "ngshare" else {"NBGRADER_EXCHANGE_ROOT": EXCHANGE}),
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
grader_servers: dict[str, dict] = {}  # servers mode: grader account -> its server's course settings
for n, (course, members) in enumerate(sorted(ROSTER.items())):
    grader = grader_account(course)
    # the grader account is a hub user too (nbgrader's docs): the formgrader's nbgrader asks the hub for
    # the courses of JUPYTERHUB_USER=grader-<course> and finds this one through formgrade-<course>
    groups[f"formgrade-{course}"] = {"users": sorted(members["instructor"] | members["grader"] | {grader})}
    groups[f"nbgrader-{course}"] = {"users": sorted(members["student"])}
    on_server = FORMGRADERS == "servers"
    roles.append({"name": f"formgrade-{course}", "description": f"open the formgrader of {course}",
                  "scopes": [f"access:servers!user={grader}", f"servers!user={grader}"] if on_server
                  else [f"access:services!service={course}"], "groups": [f"formgrade-{course}"]})
    # the formgrader's nbgrader may add a student to the course's group (JupyterHubAuthPlugin)
    roles.append({"name": f"service-{course}", "description": f"nbgrader of {course}: its course's student group",
                  "scopes": ["list:groups", f"read:groups!group=nbgrader-{course}",
                             f"groups!group=nbgrader-{course}", "read:users:name", "read:users:groups"],
                  **({"users": [grader]} if on_server else {"services": [course]})})
    course_env = {
        "COURSE_ID": course,  # the course directory's nbgrader_config.py reads these two
        "COURSE_DB_URL": DB_URL.format(course=course) if DB_URL else f"sqlite:///{course_directory(course)}/gradebook.db",
        # the grader's process (formgrader, nbgrader's grading steps, their kernels) imports the instructor
        # package from the course directory, a private clone: students' servers cannot
        "PYTHONPATH": course_directory(course),
    }
    if on_server:
        grader_servers[grader] = {"environment": course_env, "notebook_dir": course_directory(course)}
        continue
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
            **course_env,
            "PATH": os.pathsep.join(dict.fromkeys(
                ([os.path.dirname(grader_singleuser)] if os.path.isabs(grader_singleuser) else [])
                + os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin").split(os.pathsep))),
            "HOME": home_of(grader),
        },
    })


def grader_server(spawner) -> None:
    """Servers mode: a grader account's own server is its course's formgrader (course directory, gradebook)."""
    settings = grader_servers.get(spawner.user.name)
    if settings:
        spawner.environment = {**spawner.environment, **settings["environment"]}
        spawner.notebook_dir = settings["notebook_dir"]


if grader_servers:
    c.Spawner.pre_spawn_hook = grader_server
if EXCHANGE_KIND == "ngshare":
    # ngshare as a hub-managed service (run by the hub's user, from the hub's environment); its admins may
    # register courses (ngshare_roster.py): the admin service and the instructors
    admins = (["course-admin"] if ENV("COURSE_HUB_API_TOKEN") else []) + sorted(instructors)
    os.makedirs(NGSHARE_DIR, mode=0o700, exist_ok=True)  # its database and files: the hub's user only
    services.append({
        "name": "ngshare",
        "url": f"http://{SERVICE_HOST}:{NGSHARE_PORT}",
        # ngshare's own server, through ngshare_service.py (SQLAlchemy 2: see there)
        "command": [sys.executable, str(HERE / "ngshare_service.py"), "--admins", ",".join(admins),
                    "--database", ENV("COURSE_HUB_NGSHARE_DB", f"sqlite:///{NGSHARE_DIR}/ngshare.db"),
                    "--storage", os.path.join(NGSHARE_DIR, "files")],
        **service_timeout,
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
