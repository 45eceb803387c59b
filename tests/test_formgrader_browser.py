"""What a grader sees: the real formgrader in Debian's Chromium, on a scratch course autograded by nbgrader.

A unit with a chart question and an essay is generated, a submission whose chart misses a required
channel (and whose essay waits for a grader) is autograded, and a Jupyter server with nbgrader's formgrader
extension serves the course. From the gradebook the grader opens the submission: the student's chart is
drawn (an SVG <img>, since nbconvert's HTML cannot draw Vega-Lite), and so is the unit's own chart; the
rubric note "For graders only" is there beside the essay; the page is nbgrader's grading form (the course's
feedback template must not replace it). In JupyterLab the same chart outputs, which carry an SVG beside
the spec, are still drawn live by JupyterLab's Vega renderer.

Screenshots: artifacts/formgrader-*.png (git-ignored). Without Chromium: skipped, or failed under CI=true.
"""
from __future__ import annotations

import json
import time
from pathlib import Path

import nbformat
import pytest

from browser import chromium_page, jupyterlab, require_chromium, shot

pytestmark = [pytest.mark.browser, pytest.mark.slow]

STUDENT = "wrongchart"
VEGALITE = "application/vnd.vegalite.v5+json"


@pytest.fixture(scope="module")
def rnd(tmp_path_factory):
    require_chromium()
    pytest.importorskip("vl_convert")
    from test_feedback import make_round

    return make_round(tmp_path_factory.mktemp("formgrader") / "class", students=(STUDENT,), feedback=False)


@pytest.fixture(scope="module")
def server(rnd):
    with jupyterlab(rnd["room"].root) as (url, token):
        yield url, token


@pytest.fixture(scope="module")
def browser():
    with chromium_page() as page:
        yield page


def _new_page(page):
    return page.context.browser.new_page(viewport={"width": 1400, "height": 1000})


def _submission_id(rnd) -> str:
    with rnd["room"].gradebook() as gb:
        return gb.find_submission_notebook(rnd["a"], rnd["a"], STUDENT).id


def test_grader_sees_the_students_chart_and_the_rubric(rnd, server, browser):
    url, token = server
    a, chart_q = rnd["a"], rnd["chart_q"]
    sid = _submission_id(rnd)
    page = _new_page(browser)
    try:
        # log in (the token sets the session cookie the formgrader's API calls need), then from the gradebook
        # the submission's link opens the grading view
        page.goto(f"{url}/formgrader?token={token}", wait_until="domcontentloaded")
        page.goto(f"{url}/formgrader/gradebook/{a}/{a}", wait_until="domcontentloaded")
        link = page.locator(f"a[href*='/formgrader/submissions/{sid}']:visible").first
        link.wait_for(timeout=60_000)
        link.click()
        page.wait_for_url(f"**/formgrader/submissions/{sid}/**", timeout=60_000)
        score_box = f"input.score[id='{chart_q}-test']"  # the grading form's score box of the chart question
        page.wait_for_selector(score_box, state="attached", timeout=60_000)

        # nbgrader's grading form, not the course's feedback page
        assert page.locator("input.score, input[type=number]").count() > 0, "no score inputs: not the grading form"
        assert page.locator("text=MathJax not loaded").count() == 0

        # the student's chart: an SVG image in the chart question's check cell output
        check = page.locator("div.cell", has=page.locator(score_box)).last
        img = check.locator("img[src^='data:image/svg+xml']").first
        img.wait_for(state="visible", timeout=30_000)
        img.scroll_into_view_if_needed()
        box = img.bounding_box()
        assert box and box["width"] > 200 and box["height"] > 100, box
        assert img.evaluate("i => i.complete && i.naturalWidth > 0"), "the SVG did not load"
        # every chart output in the page is an image; none is the '<VegaLite 5 object>' placeholder
        assert page.locator("img[src^='data:image/svg+xml']").count() >= 2  # the unit's chart and the student's
        assert "<VegaLite" not in page.inner_text("body")
        shot(page, "formgrader-student-chart")

        # the rubric note for graders, beside the essay
        note = page.get_by_text("For graders only").first
        note.scroll_into_view_if_needed()
        assert note.is_visible()
        essay = rnd["keys"][rnd["essay_q"]]
        assert page.get_by_text(essay["rubric"][0]["criterion"][:50]).first.is_visible()
        shot(page, "formgrader-rubric")
    finally:
        page.close()


def test_jupyterlab_draws_the_live_chart_not_the_svg(rnd, server, browser):
    """A chart cell run in JupyterLab: the output carries the SVG too, yet JupyterLab's Vega renderer draws it."""
    url, token = server
    root = rnd["room"].root
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(f"from course.units import unit\nunit({rnd['unit'].id!r}).chart(0)")]
    path = root / "live-chart.ipynb"
    nbformat.write(nb, path)
    page = _new_page(browser)
    try:
        page.goto(f"{url}/lab/workspaces/live-chart/tree/live-chart.ipynb?reset&token={token}")
        panel = ".jp-NotebookPanel:not(.lm-mod-hidden)"
        page.wait_for_selector(f"{panel} .jp-CodeCell", timeout=60_000)
        page.wait_for_selector("#jp-main-statusbar :text('Idle')", timeout=60_000)
        page.click("li.lm-MenuBar-item:has-text('Run')")
        page.click("li.lm-Menu-item:has-text('Run All Cells')")
        page.wait_for_selector(f"{panel} .vega-embed svg.marks, {panel} .vega-embed canvas", timeout=120_000)
        # the one output is JupyterLab's Vega-Lite renderer (interactive, with the chart's description as
        # its aria-label), not the static SVG that came in the same bundle
        outputs = page.locator(f"{panel} .jp-OutputArea-output")
        assert outputs.count() == 1
        out = outputs.first
        assert "jp-RenderedVegaLite" in (out.get_attribute("class") or "")
        assert len(out.locator(".vega-embed [role=graphics-document]").get_attribute("aria-label") or "") > 40
        assert page.locator(f"{panel} .jp-RenderedSVG, {panel} .jp-RenderedImage").count() == 0
        out.scroll_into_view_if_needed()
        shot(page, "formgrader-lab-live-chart")
        # and the saved output does carry the SVG beside the spec (what graders and feedback get)
        page.keyboard.press("Control+s")
        deadline = time.time() + 30
        bundle = {}
        while time.time() < deadline:
            saved = json.loads(path.read_text())
            outs = saved["cells"][0].get("outputs", [])
            bundle = outs[0].get("data", {}) if outs else {}
            if VEGALITE in bundle:
                break
            time.sleep(0.5)
        assert VEGALITE in bundle and "image/svg+xml" in bundle, sorted(bundle)
    finally:
        page.close()
        Path(path).unlink(missing_ok=True)
