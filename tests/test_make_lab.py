"""The README's course command, `make lab`, serves JupyterLab on the start page (headless here)."""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
import urllib.request

import pytest

from browser import ROOT, free_port

pytestmark = pytest.mark.slow


def _page_config(base: str, token: str) -> dict:
    import re

    with urllib.request.urlopen(f"{base}/lab?token={token}", timeout=10) as r:
        page = r.read().decode()
    return json.loads(re.search(r'id="jupyter-config-data" type="application/json">(.*?)</script>', page, re.S).group(1))


def _formgrader_status(base: str, token: str) -> int:
    try:
        with urllib.request.urlopen(f"{base}/formgrader?token={token}", timeout=10) as r:
            return r.status
    except urllib.error.HTTPError as exc:
        return exc.code


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
@pytest.mark.parametrize("target", ["lab", "grade"])
def test_make_lab_serves_the_start_page(target):
    """`make lab` (self-study): nbgrader's front-end and server extensions off; `make grade`: on."""
    port, token = free_port(), "make-lab-test"
    env = {**os.environ, "JUPYTER_PORT": str(port), "JUPYTER_TOKEN": token,
           "LAB_ARGS": "--no-browser --ServerApp.ip=127.0.0.1"}
    proc = subprocess.Popen(["make", target], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 120
        while True:
            try:
                with urllib.request.urlopen(f"{base}/api/contents/notebooks/index.ipynb?token={token}", timeout=2) as r:
                    nb = json.load(r)
                break
            except OSError:
                if proc.poll() is not None or time.time() > deadline:
                    out = proc.stdout.read().decode(errors="replace")[-2000:] if proc.poll() is not None else ""
                    pytest.fail(f"make lab did not serve the course: {out}")
                time.sleep(0.5)
        assert nb["type"] == "notebook" and "Stalin in Power" in nb["content"]["cells"][0]["source"]
        with urllib.request.urlopen(f"{base}/?token={token}", timeout=10) as r:  # the root redirects to the start page
            assert r.geturl().split("?")[0].endswith("/lab/tree/notebooks/index.ipynb")
        disabled = _page_config(base, token).get("disabledExtensions") or []
        if target == "lab":
            assert "@jupyter/nbgrader" in disabled, "self-study shows nbgrader's menus and sidebars"
            assert _formgrader_status(base, token) == 404
        else:
            assert "@jupyter/nbgrader" not in disabled
            assert _formgrader_status(base, token) == 200
        with pytest.raises(urllib.error.HTTPError):  # the token is really required
            urllib.request.urlopen(f"{base}/api/contents/notebooks/index.ipynb", timeout=5)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
