"""Each part tried as a new user would: from the start page, open the part's first unit in JupyterLab (in
Debian's Chromium), run it, answer a multiple-choice practice self-check with the mouse (a wrong try: zero
and a hint, not the answer; then the right one: full marks and the explanation), and see the unit's chart
drawn (where the unit has one). The notebooks are built from the course data into a scratch course
directory, as in test_browser.py. Screenshots: artifacts/browser-part*.png.
"""
from __future__ import annotations

import pytest

from browser import chromium_page, jupyterlab, require_chromium, shot
from test_browser import PANEL, _code_cell, expect_text

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _first_units():
    from course.units import parts

    return [(p.number, p.units[0]) for p in parts() if p.number >= 1]


FIRST = _first_units()


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    from course_instructor import build
    from course_instructor.classroom import init_course_dir
    from course.units import all_units

    require_chromium()
    root = init_course_dir(tmp_path_factory.mktemp("course-root"))
    build.write_notebooks(all_units(), root=root)
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
        last = unit.questions()[-1]  # the practice items close the notebook
        _code_cell(page, f'self_check("{last.id}")').locator("button:has-text('Check')").wait_for(timeout=120_000)
        page.wait_for_selector("#jp-main-statusbar :text('Idle')", timeout=60_000)
        assert page.locator(f"{PANEL} .jp-RenderedText[data-mime-type='application/vnd.jupyter.error']").count() == 0

        # a multiple-choice practice self-check: a wrong answer scores zero and gets a hint, not the answer;
        # the right one scores full and explains
        q = next((q for q in unit.questions() if q.kind == "multiple_choice"), None)
        assert q is not None, f"{unit.id} has no multiple-choice practice item"
        shown = q.shown_choices()
        right = LETTERS[shown.index(q.answer)]
        wrong = LETTERS[(shown.index(q.answer) + 1) % len(shown)]
        widget = _code_cell(page, f'self_check("{q.id}")').locator(".jp-OutputArea-output").first
        widget.scroll_into_view_if_needed()
        check = widget.get_by_role("button", name="Check")
        widget.get_by_role("radio", name=wrong, exact=True).check()
        check.click()
        expect_text(widget.locator("[role=status]").first, rf"Score: 0 / {q.points:g} \(attempt 1\)")
        text = expect_text(widget, r"Hint:")  # the feedback follows the score from the kernel
        assert "The answer:" not in text, "a wrong first try revealed the answer"
        widget.get_by_role("radio", name=right, exact=True).check()
        check.click()
        expect_text(widget.locator("[role=status]").first, rf"Score: {q.points:g} / {q.points:g} \(attempt 2\)")
        text = expect_text(widget, rf"The answer: {right}\.")
        assert "✓ right" in text and "Hint:" not in text
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
