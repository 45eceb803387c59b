"""Each part tried as a new user would: from the start page, open the part's first unit in JupyterLab (in
Debian's Chromium), run it, answer a multiple-choice self-check with the mouse and see it scored, and see the
unit's chart drawn (where the unit has one). The notebooks are built from the course data into a scratch
root, as in test_browser.py. Screenshots: artifacts/browser-part*.png.
"""
from __future__ import annotations

import shutil

import pytest

from browser import ROOT, chromium_page, jupyterlab, require_chromium, shot
from test_browser import PANEL, _code_cell, expect_text

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _first_units():
    from course.units import parts

    return [(p.number, p.units[0]) for p in parts() if p.number >= 1]


FIRST = _first_units()


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    from course_instructor import build
    from course.units import all_units

    require_chromium()
    root = tmp_path_factory.mktemp("course-root")
    build.write_notebooks(all_units(), root=root)
    shutil.copy2(ROOT / "nbgrader_config.py", root / "nbgrader_config.py")
    with jupyterlab(root) as (url, token):
        yield url, token


@pytest.fixture(scope="module")
def browser():
    with chromium_page() as page:
        yield page.context.browser


@pytest.mark.parametrize("part,unit", FIRST, ids=[f"part{n}-{u.id}" for n, u in FIRST])
def test_first_unit_of_the_part_works_in_jupyterlab(lab, browser, part, unit):
    from course.questions import LETTERS

    url, token = lab
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        page.goto(f"{url}/lab/workspaces/part{part}/tree/notebooks/index.ipynb?reset&token={token}")
        link = page.locator(".jp-RenderedMarkdown a", has_text=unit.heading).first
        link.wait_for(timeout=60_000)
        link.click()
        page.locator(f"{PANEL} .jp-RenderedMarkdown h1", has_text=unit.heading).first.wait_for(timeout=60_000)
        page.wait_for_selector("#jp-main-statusbar :text('Idle')", timeout=60_000)
        page.click("li.lm-MenuBar-item:has-text('Run')")
        page.click("li.lm-Menu-item:has-text('Run All Cells')")
        last = next(q for q in reversed(unit.questions()))
        _code_cell(page, f'self_check("{last.id}")').locator("button:has-text('Check')").wait_for(timeout=120_000)
        page.wait_for_selector("#jp-main-statusbar :text('Idle')", timeout=60_000)
        assert page.locator(f"{PANEL} .jp-RenderedText[data-mime-type='application/vnd.jupyter.error']").count() == 0

        # a multiple-choice self-check: a wrong answer scores zero and explains; the right one scores full
        q = next(q for q in unit.questions() if q.kind == "multiple_choice")
        shown = q.shown_choices()
        right = LETTERS[shown.index(q.answer)]
        wrong = LETTERS[(shown.index(q.answer) + 1) % len(shown)]
        widget = _code_cell(page, f'self_check("{q.id}")').locator(".jp-OutputArea-output").first
        widget.scroll_into_view_if_needed()
        check = widget.get_by_role("button", name="Check")
        widget.get_by_role("radio", name=wrong, exact=True).check()
        check.click()
        expect_text(widget.locator("[role=status]").first, rf"Score: 0 / {q.points:g} \(attempt 1\)")
        widget.get_by_role("radio", name=right, exact=True).check()
        check.click()
        expect_text(widget.locator("[role=status]").first, rf"Score: {q.points:g} / {q.points:g} \(attempt 2\)")
        shot(page, f"browser-part{part}-{unit.id}-answered")

        if unit.charts:
            out = _code_cell(page, "unit.chart(0)").locator(".jp-OutputArea-output").first
            out.scroll_into_view_if_needed()
            marks = out.locator(".vega-embed canvas.marks, .vega-embed svg.marks")
            marks.wait_for(timeout=30_000)
            box = marks.bounding_box()
            assert box and box["width"] > 200 and box["height"] > 100
            shot(page, f"browser-part{part}-{unit.id}-chart")
    finally:
        page.close()
