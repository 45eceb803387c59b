"""Helpers for real-browser tests: a JupyterLab server from this project, and Debian's Chromium.

Chromium comes from Debian (``apt-get install chromium``); Playwright drives it via ``executable_path``,
since Playwright's own browser download is blocked here. Outside CI a missing Chromium skips the tests;
under ``CI=true`` it fails them.
"""
from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
ARTIFACTS = ROOT / "artifacts"


def require_chromium() -> str:
    if not Path(CHROMIUM).exists():
        msg = "Debian's chromium is not installed (apt-get install chromium)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(msg + " — CI must install it (.ci/run does)")
        pytest.skip(msg)
    pytest.importorskip("playwright.sync_api")
    return CHROMIUM


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_url(url: str, timeout: float, proc: subprocess.Popen | None = None) -> bool:
    """Poll ``url`` until it answers (True), ``timeout`` seconds pass or ``proc`` exits (False)."""
    deadline = time.time() + timeout
    while True:
        try:
            urllib.request.urlopen(url, timeout=2)
            return True
        except OSError:
            if (proc is not None and proc.poll() is not None) or time.time() > deadline:
                return False
            time.sleep(0.3)


@contextlib.contextmanager
def jupyterlab(root: Path = ROOT, env: dict | None = None, token: str = "course-test-token", selfstudy: bool = False):
    """A JupyterLab server on a free loopback port; yields its base URL and token. ``selfstudy=True``: as
    `make lab` starts it (nbgrader's tools off), else as `make grade` does (nbgrader on)."""
    port = free_port()
    cmd = [str(Path(sys.executable).with_name("jupyter")), "lab", "--no-browser", "--allow-root",
           f"--ServerApp.root_dir={root}", f"--ServerApp.port={port}", "--ServerApp.ip=127.0.0.1",
           f"--IdentityProvider.token={token}", "--LabApp.default_url=/lab/tree/notebooks/index.ipynb"]
    run_env = {**os.environ, **(env or {})}
    if selfstudy:
        run_env["JUPYTER_CONFIG_PATH"] = str(ROOT / ".jupyter" / "selfstudy")
    # the venv's bin first on PATH, as an activated venv has it: nbgrader's formgrader runs `alembic` from PATH
    # to create the gradebook, and without it every formgrader page stays at "Loading, please wait..."
    run_env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), run_env.get("PATH", "")])
    # fresh user settings and workspaces: no restored layout from an earlier run
    scratch = Path(tempfile.mkdtemp(prefix="lab-user-"))
    run_env.setdefault("JUPYTERLAB_SETTINGS_DIR", str(scratch / "settings"))
    run_env.setdefault("JUPYTERLAB_WORKSPACES_DIR", str(scratch / "workspaces"))
    log = open(ARTIFACTS.mkdir(parents=True, exist_ok=True) or ARTIFACTS / f"jupyterlab-{port}.log", "w")
    proc = subprocess.Popen(cmd, cwd=root, env=run_env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        if not wait_for_url(f"{url}/api/status?token={token}", 90, proc):
            raise RuntimeError(f"JupyterLab did not start; see {log.name}")
        yield url, token
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@contextlib.contextmanager
def chromium_page(viewport=(1400, 1000)):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=require_chromium(), headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": viewport[0], "height": viewport[1]})
            yield page
        finally:
            browser.close()


def shot(page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    return path


def expect_text(locator, pattern: str, timeout: float = 20.0):
    """Wait until ``locator``'s text matches ``pattern`` (the widget round-trips through the kernel)."""
    deadline = time.time() + timeout
    text = ""
    while time.time() < deadline:
        text = locator.inner_text() if locator.count() else ""
        if re.search(pattern, text):
            return text
        time.sleep(0.2)
    raise AssertionError(f"expected /{pattern}/, saw {text!r}")
