"""hub/z2jh-values.yaml (Zero to JupyterHub) stays in step with the hub recipe that tests/test_hub.py runs.

Fast (no cluster, no hub): the values mount the very files of hub/ that the recipe uses and load the recipe
itself; every variable they set is one hub/jupyterhub_config.py reads; and the recipe, loaded with the
values' environment, gives the ngshare service, exchange URL and formgraders they describe, of the same
form as in the tested ngshare mode. The images' Dockerfiles pin what pyproject.toml's test extra pins.
"""
from __future__ import annotations

import re
import shlex
import sys
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml
from traitlets.config import Config

ROOT = Path(__file__).resolve().parent.parent
HUB = ROOT / "hub"
VALUES = yaml.safe_load((HUB / "z2jh-values.yaml").read_text(encoding="utf-8"))
RECIPE = (HUB / "jupyterhub_config.py").read_text(encoding="utf-8")
SITE_FILES = {"roster.csv": "roster.example.csv"}  # site data: the repository holds its template


def _mounts() -> dict[str, Path]:
    return {key: Path(f["mountPath"]) for key, f in VALUES["hub"]["extraFiles"].items()}


def _env_read_by_recipe() -> set[str]:
    return set(re.findall(r'ENV\("([A-Z0-9_]+)"', RECIPE)) | set(re.findall(r'environ\.get\("([A-Z0-9_]+)"', RECIPE))


def _values_env(tmp_path: Path) -> dict[str, str]:
    """hub.extraEnv as the hub pod sees it (secrets replaced by stand-ins), with local folders."""
    env = {}
    for name, value in VALUES["hub"]["extraEnv"].items():
        env[name] = value if isinstance(value, str) else {
            "COURSE_HUB_DB_URL": "postgresql+psycopg://course:secret@db:5432/{course}"}.get(name, "token")
    env["COURSE_HUB_ROSTER"] = str(HUB / "roster.example.csv")
    env["COURSE_HUB_NGSHARE_DIR"] = str(tmp_path / "ngshare")
    return env


def _load_recipe(monkeypatch, env: dict[str, str]) -> Config:
    """hub/jupyterhub_config.py, run as JupyterHub runs it, with exactly ``env`` among its variables."""
    for name in _env_read_by_recipe():
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(sys, "path", list(sys.path))  # the recipe puts its folder first; undone afterwards
    c = Config()
    path = HUB / "jupyterhub_config.py"
    exec(compile(RECIPE, str(path), "exec"), {"get_config": lambda: c, "__file__": str(path), "__name__": "recipe"})  # noqa: S102 - as JupyterHub does
    return c


def _value(lazy, initial):
    return lazy.get_value(initial) if hasattr(lazy, "get_value") else lazy


def test_values_mount_the_recipe_files_and_load_the_recipe():
    mounts = _mounts()
    folders = {p.parent for p in mounts.values()}
    assert len(folders) == 1, f"the recipe's files must sit in one folder (it finds them beside itself): {folders}"
    for key, path in mounts.items():
        assert (HUB / SITE_FILES.get(path.name, path.name)).is_file(), f"{key}: hub/{path.name} does not exist"
    names = {p.name for p in mounts.values()}
    # what the recipe takes from its own folder: modules it imports, files it runs
    needed = {"jupyterhub_config.py", "ngshare_roster.py"}
    needed |= {f"{m}.py" for m in re.findall(r"^from (\w+) import", RECIPE, re.MULTILINE) if (HUB / f"{m}.py").is_file()}
    needed |= set(re.findall(r'HERE / "([^"]+)"', RECIPE)) - {"roster.csv"}
    assert needed <= names, f"not mounted: {sorted(needed - names)}"
    (folder,) = folders
    loads = VALUES["hub"]["extraConfig"]
    assert any(f'load_subconfig("{folder / "jupyterhub_config.py"}")' in code for code in loads.values()), loads
    assert VALUES["hub"]["extraEnv"]["COURSE_HUB_ROSTER"] == str(folder / "roster.csv")


def test_install_command_hands_over_every_mounted_file():
    text = (HUB / "z2jh-values.yaml").read_text(encoding="utf-8")
    handed = dict(re.findall(r"--set-file hub\.extraFiles\.([\w-]+)\.stringData=(\S+)", text))
    mounts = _mounts()
    assert set(handed) == set(mounts), f"--set-file lines vs extraFiles: {sorted(set(handed) ^ set(mounts))}"
    for key, source in handed.items():
        assert Path(source).parent == Path("hub") and Path(source).name == mounts[key].name, (key, source)
    assert "ngshare_roster.py" in shlex.split(text.split("kubectl exec", 1)[1].splitlines()[0])[-1]


def test_every_variable_the_values_set_is_read_by_the_recipe():
    set_by_values = set(VALUES["hub"]["extraEnv"])
    assert set_by_values <= _env_read_by_recipe(), f"not read: {sorted(set_by_values - _env_read_by_recipe())}"
    # singleuser.extraEnv would become KubeSpawner.environment and hide the recipe's Spawner.environment
    assert "extraEnv" not in VALUES["singleuser"]


def test_recipe_with_the_values_gives_their_ngshare_and_formgraders(monkeypatch, tmp_path):
    env = _values_env(tmp_path)
    c = _load_recipe(monkeypatch, env)
    services = {s["name"]: s for s in _value(c.JupyterHub.services, [])}
    port = int(env["COURSE_HUB_NGSHARE_PORT"])
    ngshare = services.pop("ngshare")
    assert ngshare["url"] == f"http://{env['COURSE_HUB_SERVICE_HOST']}:{port}"
    assert Path(ngshare["command"][1]).name == "ngshare_service.py"
    assert ngshare["command"][ngshare["command"].index("--storage") + 1].startswith(env["COURSE_HUB_NGSHARE_DIR"])
    assert set(services) == {"course-admin"}, "servers mode: no hub-managed formgrader in the hub's pod"
    assert port in {p["targetPort"] for p in VALUES["hub"]["service"]["extraPorts"]}
    url = urlparse(env["COURSE_HUB_NGSHARE_URL"])
    assert (url.hostname, url.port, url.path) == (env["COURSE_HUB_SERVICE_HOST"], port, "/services/ngshare")
    server_env = _value(c.Spawner.environment, {})
    assert server_env["COURSE_HUB_EXCHANGE"] == "ngshare" and server_env["COURSE_HUB_NGSHARE_URL"] == url.geturl()
    assert server_env["JUPYTER_CONFIG_PATH"] == str(HUB)  # the recipe's folder: the image holds it there too
    roles = {r["name"]: r for r in _value(c.JupyterHub.load_roles, [])}
    for course in ("stalin-morning", "stalin-evening"):
        assert roles[f"formgrade-{course}"]["scopes"] == [f"access:servers!user=grader-{course}",
                                                         f"servers!user=grader-{course}"]
        assert roles[f"service-{course}"]["users"] == [f"grader-{course}"]
    assert c.Spawner.pre_spawn_hook.__name__ == "grader_server"


def test_the_hub_test_uses_the_recipes_ngshare_url(monkeypatch, tmp_path):
    """The tested ngshare mode relies on the recipe's default URL; the values spell that same form out."""
    test_hub = pytest.importorskip("test_hub")
    hub = test_hub.Hub(tmp_path, "ngshare")
    env = {"COURSE_HUB_EXCHANGE": "ngshare", "COURSE_HUB_NGSHARE_PORT": str(hub.ngshare_port),
           "COURSE_HUB_NGSHARE_DIR": str(tmp_path / "ngshare"), "COURSE_HUB_ROSTER": str(HUB / "roster.example.csv")}
    c = _load_recipe(monkeypatch, env)
    assert _value(c.Spawner.environment, {})["COURSE_HUB_NGSHARE_URL"] == hub.ngshare_url
    values = _values_env(tmp_path)
    explicit = values.pop("COURSE_HUB_NGSHARE_URL")
    c = _load_recipe(monkeypatch, values)
    assert _value(c.Spawner.environment, {})["COURSE_HUB_NGSHARE_URL"] == explicit


def test_images_pin_what_the_tests_run():
    pins = dict(re.findall(r'"(ngshare|ngshare_exchange|psycopg\[binary\])([=<>!~][^"]*)"',
                           (ROOT / "pyproject.toml").read_text(encoding="utf-8")))
    assert set(pins) == {"ngshare", "ngshare_exchange", "psycopg[binary]"}, pins
    hub_image = (HUB / "Dockerfile.hub").read_text(encoding="utf-8")
    student_image = (HUB / "Dockerfile.student").read_text(encoding="utf-8")
    assert f'"ngshare{pins["ngshare"]}"' in hub_image
    for name in ("ngshare_exchange", "psycopg[binary]"):
        assert f'"{name}{pins[name]}"' in student_image, name
    folder = next(iter(_mounts().values())).parent
    assert f"COPY hub/nbgrader_config.py {folder / 'nbgrader_config.py'}" in student_image
