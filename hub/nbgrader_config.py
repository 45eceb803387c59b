"""Global nbgrader configuration for the course on JupyterHub (every user's server and every formgrader).

hub/jupyterhub_config.py hands this folder to all servers and services as ``JUPYTER_CONFIG_PATH``, so
nbgrader finds this file without a copy in /etc/jupyter (on a hub without that config, put this file in
``/etc/jupyter/nbgrader_config.py``). It holds only what is shared by all courses on the hub:

- the exchange, one per hub, shared by all courses (sections) without mixing their releases, submissions
  and feedback (``path_includes_course``: a student's copies are under ``<course>/<assignment>/``). By
  default nbgrader's file exchange (``NBGRADER_EXCHANGE_ROOT``, default ``/srv/nbgrader/exchange``: a folder
  every user can write, ``chmod 777``, one sub-folder per course); with ``COURSE_HUB_EXCHANGE=ngshare``,
  ngshare at ``COURSE_HUB_NGSHARE_URL`` through ngshare_exchange (a hub with several nodes);
- nbgrader's ``JupyterHubAuthPlugin``: a student sees, fetches and submits only in the courses whose hub
  group ``nbgrader-<course>`` they belong to.

Each course's own settings (course id, course directory, execution limits, feedback preprocessors) stay
in the course directory's ``nbgrader_config.py`` (this repository's root file), run by the grader account.
"""
import os

from nbgrader.auth import JupyterHubAuthPlugin

c = get_config()  # noqa: F821 (provided by nbgrader)

c.Exchange.path_includes_course = True
if os.environ.get("COURSE_HUB_EXCHANGE", "files") == "ngshare":
    # ngshare (a hub service; several nodes, no shared folder): ngshare_exchange's classes for every
    # exchange step. ngshare names each caller by the hub identity of its token and lets students reach
    # only the courses they are registered in, and only their own submissions and feedback.
    from ngshare_exchange import configureExchange

    configureExchange(c, os.environ["COURSE_HUB_NGSHARE_URL"])
else:
    c.Exchange.root = os.environ.get("NBGRADER_EXCHANGE_ROOT", "/srv/nbgrader/exchange")
    # A submission lands in <course>/inbound/ (others may write there, not list it) under a name ending in
    # a random string, and nbgrader makes its files world-readable: the random string is what keeps a
    # student from opening another's submission. nbgrader's default; stated because the isolation rests on it.
    c.ExchangeSubmit.add_random_string = True

# JupyterHubAuthPlugin asks the hub (with the server's own token) which groups the user is in. Outside a
# hub-spawned server (a plain shell) there is no token: keep nbgrader usable there, without course checks.
if os.environ.get("JUPYTERHUB_API_TOKEN") and os.environ.get("JUPYTERHUB_USER"):
    c.Authenticator.plugin_class = JupyterHubAuthPlugin
