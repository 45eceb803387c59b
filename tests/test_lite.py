"""The browser-only edition (JupyterLite): build the site, check its structure and contents, open it in Chromium.

What is NOT tested here, because it cannot run on this machine: starting the Pyodide kernel. JupyterLite
fetches the Pyodide runtime from a CDN (cdn.jsdelivr.net) when a kernel starts; this machine has no internet,
so the browser test blocks every non-loopback request and asserts that the Pyodide runtime is the only thing
the site wants from outside. Running the notebooks in the browser edition needs the reader's internet.

The site is built from a scratch course directory (``init_course_dir`` + ``course build``'s notebooks) and
is public: it must carry the practice bank and the student runtime only, never graded items or the
instructor package.
"""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
UNIT = "ch11"


def _require_lite():
    for mod in ("jupyterlite_core", "jupyterlite_pyodide_kernel"):
        try:
            __import__(mod)
        except ImportError:
            if os.environ.get("CI", "").lower() == "true":
                pytest.fail(f"CI=true but {mod} is not installed (pip install -e '.[test]')")
            pytest.skip(f"{mod} is not installed")


@pytest.fixture(scope="module")
def units():
    from course_instructor import build
    from course.units import all_units

    out = []
    for u in all_units():  # the units whose notebooks build, both editions (a bank may be in progress)
        try:
            build.unit_notebook(u, "selfstudy")
            build.unit_notebook(u, "source")
            out.append(u)
        except KeyError:
            continue
    assert UNIT in [u.id for u in out]
    return out


@pytest.fixture(scope="module")
def course_dir(tmp_path_factory, units) -> Path:
    """A scratch course directory with the notebooks `course build` writes."""
    from course_instructor import build
    from course_instructor.classroom import init_course_dir

    root = init_course_dir(tmp_path_factory.mktemp("course-dir"))
    build.write_notebooks(units, root=root)
    return root


@pytest.fixture(scope="module")
def site(tmp_path_factory, units, course_dir) -> Path:
    _require_lite()
    from course_instructor.lite import build_lite

    t = time.perf_counter()
    out = build_lite(tmp_path_factory.mktemp("lite") / "site", units, root=course_dir)
    print(f"JupyterLite build: {time.perf_counter() - t:.1f} s")
    return out


def _config(site: Path) -> dict:
    return json.loads((site / "jupyter-lite.json").read_text())["jupyter-config-data"]


# -- structure ------------------------------------------------------------------------------------------------
def test_site_has_the_app_and_its_config(site):
    for f in ["index.html", "lab/index.html", "jupyter-lite.json", "service-worker.js", "api/contents/all.json"]:
        assert (site / f).is_file(), f
    cfg = _config(site)
    assert cfg["appUrl"] == "./lab" and cfg["baseUrl"] == "./"
    assert cfg["defaultKernelName"] == "python"
    assert "Stalin in Power" in cfg["appName"]
    assert "@jupyter/nbgrader" in cfg["disabledExtensions"], "nbgrader needs a server: its menu must be off"
    names = {e["name"] for e in cfg["federated_extensions"]}
    assert {"@jupyterlite/pyodide-kernel-extension", "@jupyter-widgets/jupyterlab-manager"} <= names
    for ext in cfg["federated_extensions"]:
        assert (site / "extensions" / ext["name"] / ext["load"]).is_file(), ext["name"]
    urls = cfg["litePluginSettings"]["@jupyterlite/pyodide-kernel-extension:kernel"]["pipliteUrls"]
    assert any(u.startswith("./pypi/all.json") for u in urls), urls


def test_news_popup_is_off(site):
    overrides = _config(site)["settingsOverrides"]
    assert overrides["@jupyterlab/apputils-extension:notification"]["fetchNews"] == "false"


def test_self_study_notebooks_are_in_the_site(site, units, course_dir):
    from course_instructor.lite import DIST_NAME, LITE_KERNELSPEC

    nbdir = site / "files" / "notebooks"
    want = {"index.ipynb"} | {f"{u.assignment}.ipynb" for u in units}
    assert {p.name for p in nbdir.glob("*.ipynb")} == want
    listing = json.loads((site / "api" / "contents" / "notebooks" / "all.json").read_text())
    assert {c["name"] for c in listing["content"]} == want
    for name in want:
        nb = json.loads((nbdir / name).read_text())
        assert nb["metadata"]["kernelspec"] == LITE_KERNELSPEC, name
        code = [c for c in nb["cells"] if c["cell_type"] == "code"]
        first = "".join(code[0]["source"])
        assert "%pip install" in first and f"--no-deps {DIST_NAME}" in first and "altair>=5.5,<6" in first
        assert all(not c.get("outputs") for c in code), f"{name} carries outputs"
        # the course directory's notebook, below the two cells the browser edition adds
        built = json.loads((course_dir / "notebooks" / name).read_text())
        assert [c["source"] for c in nb["cells"][2:]] == [c["source"] for c in built["cells"]], name
    for u in units:  # the self-study edition: practice items that check themselves, no graded item
        text = (nbdir / f"{u.assignment}.ipynb").read_text()
        assert all(f'self_check(\\"{q}\\")' in text for q in u.practice), u.id
        assert not [q for q in u.graded if q in text], u.id
    index = "".join("".join(c["source"]) for c in json.loads((nbdir / "index.ipynb").read_text())["cells"])
    for u in units:
        assert f"]({u.assignment}.ipynb)" in index


# -- the package in the piplite index -----------------------------------------------------------------------------
def _index(site: Path) -> dict:
    return json.loads((site / "pypi" / "all.json").read_text())


def test_course_wheel_is_in_the_piplite_index(site):
    idx = _index(site)
    assert "stalin-in-power-course" in idx
    for name, info in idx.items():
        for version, files in info["releases"].items():
            for f in files:
                path = site / "pypi" / f["filename"]
                assert path.is_file(), f["filename"]
                assert hashlib.sha256(path.read_bytes()).hexdigest() == f["digests"]["sha256"], f["filename"]
                assert f["filename"].endswith("-py3-none-any.whl"), "Pyodide takes pure-Python wheels only"
    (version,) = idx["stalin-in-power-course"]["releases"]
    import course

    assert version == course.__version__
    altair = list(idx.get("altair", {}).get("releases", {}))
    assert altair and all(v.startswith("5.") for v in altair), "Altair 5.5 bundled (JupyterLab draws Vega-Lite 5)"


def test_the_site_carries_no_graded_material(site):
    """Public and for students: no instructor package in the wheel, no graded prompt or explanation
    anywhere in the wheel or the notebooks (the student kit's guard, course_instructor.studentkit)."""
    from course_instructor.studentkit import graded_leaks, path_leaks

    (wheel,) = (site / "pypi").glob("stalin_in_power_course-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        texts = {n: zf.read(n).decode("utf-8", "replace") for n in names}
    assert {n.split("/")[0] for n in names} == {"course", wheel.name.split("-py3")[0] + ".dist-info"}, \
        sorted({n.split("/")[0] for n in names})
    assert path_leaks(names) == []
    assert not any(n.endswith("entry_points.txt") for n in names), "a console script for a package not shipped"
    texts |= {f"notebooks/{p.name}": p.read_text() for p in (site / "files" / "notebooks").glob("*.ipynb")}
    assert graded_leaks(texts) == []


def test_the_wheel_carries_the_course_data(site, tmp_path, units):
    """Unpacked alone (no repository beside it), the wheel has every unit, question, dataset and chart."""
    (wheel,) = (site / "pypi").glob("stalin_in_power_course-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        zf.extractall(tmp_path / "pkg")
    ids = [u.id for u in units]
    code = f"""
import course, json
from pathlib import Path
assert Path(course.__file__).is_relative_to({str(tmp_path / 'pkg')!r}), course.__file__
out = {{}}
for uid in {ids!r}:
    u = course.unit(uid)
    qs = u.questions()
    for k in range(len(u.charts)):
        u.chart(k).to_dict()
    out[uid] = [len(u.readings), len(qs), len(u.charts)]
print(json.dumps(out))
"""
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "pkg")}
    run = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    counts = json.loads(run.stdout.strip().splitlines()[-1])
    for uid, (readings, questions, _charts) in counts.items():
        assert readings >= 3 and questions >= 3, (uid, readings, questions)


# -- the site in a real browser (kernel start blocked: no internet here) --------------------------------------
@pytest.mark.browser
@pytest.mark.slow
def test_site_opens_in_chromium_and_lists_the_notebooks(site, units):
    from browser import chromium_page, free_port, require_chromium, shot, wait_for_url

    require_chromium()
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "http.server", "--bind", "127.0.0.1", "--directory", str(site),
                               str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    outside: list[str] = []
    try:
        if not wait_for_url(f"{base}/index.html", 20, server):
            raise RuntimeError(f"the static server for the Lite site did not answer at {base}")
        unit = next(u for u in units if u.id == UNIT)
        with chromium_page() as page:
            def only_loopback(route):
                if route.request.url.startswith(base):
                    route.continue_()
                else:
                    outside.append(route.request.url)
                    route.abort()

            page.context.route("**/*", only_loopback)
            page.goto(f"{base}/lab/index.html")
            page.locator(".jp-DirListing-itemText", has_text="notebooks").dblclick(timeout=60_000)
            page.wait_for_selector(".jp-DirListing-itemText:has-text('index.ipynb')", timeout=30_000)
            listed = set(page.locator(".jp-DirListing-itemText").all_inner_texts())
            assert {"index.ipynb", f"{unit.assignment}.ipynb"} <= listed, listed
            menus = page.locator("li.lm-MenuBar-item").all_inner_texts()
            assert "Run" in menus and "Nbgrader" not in menus, menus
            shot(page, "lite-01-file-browser")
            page.goto(f"{base}/lab/index.html?path=notebooks/{unit.assignment}.ipynb")
            page.wait_for_selector(f".jp-NotebookPanel .jp-RenderedMarkdown h1:has-text('{unit.heading}')",
                                   timeout=60_000)
            assert page.locator(".jp-Dialog").count() == 0, "a dialog (Select Kernel?) opened with the notebook"
            page.wait_for_selector(".jp-Toolbar-kernelName:has-text('Pyodide')", timeout=30_000)
            page.wait_for_timeout(3000)  # let the kernel try to start
            shot(page, "lite-02-notebook")
    finally:
        server.terminate()
        server.wait(timeout=10)
    # the only thing the site wants from outside is the Pyodide runtime, when the kernel starts
    assert outside, "the kernel did not even try to fetch Pyodide"
    assert all("pyodide" in u for u in outside), outside
