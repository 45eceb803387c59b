"""The course in a real browser: JupyterLab from this project, driven in Debian's Chromium as a learner would.

A learner opens the start page, follows its link to a Part Two unit that has a quote-matching widget and
a chart (ch11), runs all cells from the Run menu, answers the quote matcher (a practice attribution item,
asked once in the Practice section) with the mouse: a wrong try scores zero, gets a hint and is told
which statements are wrong but not who said them; the right answer scores full and explains; Reset clears
it. The chart is drawn by JupyterLab's own Vega renderer (offline). The same item is then answered with
the keyboard only; every control carries an accessible name; the chart carries its
text description. An instructor finds the Nbgrader menu and the formgrader renders (not a blank tab).

Which items are used is read from the unit's data (its widgets and practice ids), not hard-coded. The
notebooks are generated from the course data into a scratch course directory
(``course_instructor.classroom.init_course_dir``), so the test follows the data and the formgrader's
gradebook does not land in the project.
Screenshots: artifacts/browser-*.png (git-ignored). Without Chromium: skipped, or failed under CI=true.
"""
from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from browser import chromium_page, expect_text, jupyterlab, require_chromium, shot

pytestmark = [pytest.mark.browser, pytest.mark.slow]

UNIT = "ch11"  # Part Two; Explore: a quote matcher on a practice attribution item, a quiz; chart: congress_chart
PANEL = ".jp-NotebookPanel:not(.lm-mod-hidden)"


# -- a scratch course root, a server, a browser -------------------------------------------------------------
@pytest.fixture(scope="module")
def course_root(tmp_path_factory) -> Path:
    from course_instructor import build
    from course_instructor.classroom import init_course_dir
    from course.units import all_units

    root = init_course_dir(tmp_path_factory.mktemp("course-root"))
    units = []
    for u in all_units():  # the units whose notebooks build, both editions (a bank may be in progress)
        try:
            build.unit_notebook(u, "selfstudy")
            build.unit_notebook(u, "source")
            units.append(u)
        except KeyError:
            continue
    assert UNIT in [u.id for u in units], f"unit {UNIT} does not build"
    build.write_notebooks(units, root=root)
    return root


@pytest.fixture(scope="module")
def unit():
    from course.units import all_units

    return next(u for u in all_units() if u.id == UNIT)


@dataclass(frozen=True)
class Matcher:
    """A practice attribution item of the unit, and the cell that shows it."""
    qid: str
    cell: str          # text of its code cell
    speakers: list     # the right speaker of each statement, in display order
    choices: list      # the dropdown's options, in order: placeholder, then the names
    points: float


def _matcher(qid: str, cell: str) -> Matcher:
    from course.questions import get
    from course.widgets.selfcheck import PLACEHOLDER

    q = get(qid)
    assert q.kind == "attribution", qid
    return Matcher(qid, cell, [q.item(i).speaker for i in q.shown_items()], [PLACEHOLDER, *q.choices], q.points)


@pytest.fixture(scope="module")
def explore_matcher(unit) -> Matcher:
    """The unit's first quote-matcher item. In the self-study edition an Explore widget on a practice item
    is not repeated: the question is asked once, in the Practice section, so that is where it is answered."""
    for spec in unit.widgets:
        if spec.get("kind") == "quote_matcher" and spec.get("question") in unit.practice:
            return _matcher(spec["question"], f'self_check("{spec["question"]}")')
    pytest.fail(f"{UNIT} has no quote_matcher widget on one of its practice items ({unit.practice})")


@pytest.fixture(scope="module")
def practice_matcher(unit) -> Matcher:
    """The unit's first practice attribution item, as it stands in the Practice questions section."""
    from course.questions import get

    qid = next((q for q in unit.practice if get(q).kind == "attribution"), None)
    assert qid, f"{UNIT} has no practice attribution item ({unit.practice})"
    return _matcher(qid, f'self_check("{qid}")')


@pytest.fixture(scope="module")
def lab(course_root):
    require_chromium()
    with jupyterlab(course_root) as (url, token):
        yield url, token


@pytest.fixture(scope="module")
def browser_page():
    with chromium_page() as page:
        yield page


def _fresh_page(page):
    """A new tab in the same browser: no 'leave page?' dialog from an executed notebook."""
    return page.context.browser.new_page(viewport={"width": 1400, "height": 1000})


def _code_cell(page, source: str):
    """The code cell whose input contains ``source``, in the visible notebook."""
    return page.locator(f"{PANEL} .jp-CodeCell").filter(has=page.locator(".jp-InputArea", has_text=source)).first


@pytest.fixture(scope="module")
def unit_page(lab, browser_page, unit):
    """Start page -> the unit's link -> Run All Cells; the page with the executed unit notebook."""
    url, token = lab
    page = browser_page
    t0 = time.perf_counter()
    page.goto(f"{url}/lab/workspaces/learner/tree/notebooks/index.ipynb?reset&token={token}")
    link = page.locator(".jp-RenderedMarkdown a", has_text=unit.heading).first
    link.wait_for(timeout=60_000)
    assert f"/notebooks/{unit.assignment}.ipynb" in (link.get_attribute("href") or "")
    assert page.locator(".jp-RenderedMarkdown h1", has_text="Stalin in Power").count() == 1
    shot(page, "browser-01-start-page")
    link.click()
    page.wait_for_selector(f"{PANEL} .jp-RenderedMarkdown h1:has-text('{unit.heading}')", timeout=60_000)
    assert page.locator(".jp-Dialog").count() == 0, "a dialog (Select Kernel?) opened with the notebook"
    page.wait_for_selector("#jp-main-statusbar :text('Idle')", timeout=60_000)
    shot(page, "browser-02-unit-opened")
    page.click("li.lm-MenuBar-item:has-text('Run')")
    page.click("li.lm-Menu-item:has-text('Run All Cells')")
    # the last widget cell and the chart have output: all cells ran
    _code_cell(page, f'self_check("{unit.practice[-1]}")').locator("button:has-text('Check')").wait_for(timeout=120_000)
    page.wait_for_selector(f"{PANEL} .vega-embed svg.marks, {PANEL} .vega-embed canvas", timeout=120_000)
    page.wait_for_selector("#jp-main-statusbar :text('Idle')", timeout=60_000)
    print(f"start page to all cells run: {time.perf_counter() - t0:.1f} s")
    assert page.locator(f"{PANEL} .jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']"
                        ).filter(has_text=re.compile("Error|Traceback")).count() == 0
    assert page.locator(f"{PANEL} .jp-RenderedText[data-mime-type='application/vnd.jupyter.error']").count() == 0
    return page


def _score(widget) -> str:
    return widget.locator("[role=status]").first.inner_text().strip()


# -- the learner, with the mouse ------------------------------------------------------------------------------
def test_quote_matcher_answered_with_the_mouse(unit_page, explore_matcher):
    m = explore_matcher
    page = unit_page
    widget = _code_cell(page, m.cell).locator(".jp-OutputArea-output").first
    status = widget.locator("[role=status]").first
    selects = widget.locator("select")
    assert selects.count() == len(m.speakers) >= 3
    check = widget.get_by_role("button", name="Check")
    check.scroll_into_view_if_needed()
    # nothing chosen: not checked, and no try used
    check.click()
    expect_text(status, r"Not checked yet: Choose a speaker for statements 1, 2")
    assert "attempt" not in status.inner_text()
    # every statement wrong: zero, a hint, which statements are wrong, but not who said them
    names = m.choices[1:]
    wrong = [names[(names.index(who) + 1) % len(names)] for who in m.speakers]
    for sel, who in zip(selects.all(), wrong):
        sel.select_option(who)
    check.click()
    expect_text(status, rf"Score: 0 / {m.points:g} \(attempt 1\)")
    text = expect_text(widget, r"Statements 1, 2, .* are not right yet")  # the feedback follows the score
    assert "Hint:" in text and "✓ right" not in text
    assert "The speakers:" not in text, "a wrong first try revealed the answer"
    # the right speakers: full score, and the explanation with the speakers
    for sel, who in zip(selects.all(), m.speakers):
        sel.select_option(who)
    check.click()
    expect_text(status, rf"Score: {m.points:g} / {m.points:g} \(attempt 2\)")
    text = expect_text(widget, r"The speakers:")
    assert "✓ right" in text and "Hint:" not in text
    widget.locator("[role=status]").first.scroll_into_view_if_needed()
    shot(page, "browser-03-quote-matcher-answered")
    widget.get_by_role("button", name="Reset").click()  # the keyboard test starts from a fresh item
    expect_text(status, r"^$")


def test_chart_is_drawn_offline_with_its_description(unit_page):
    from course import charts

    page = unit_page
    out = _code_cell(page, "unit.chart(0)").locator(".jp-OutputArea-output").first
    out.scroll_into_view_if_needed()
    marks = out.locator(".vega-embed canvas.marks, .vega-embed svg.marks")
    assert marks.count() == 1, "no Vega drawing: the chart did not render (plain text means an Altair/Vega-Lite mismatch)"
    box = marks.bounding_box()
    assert box and box["width"] > 200 and box["height"] > 100
    assert marks.evaluate(_INKED) > 2000, "the chart's drawing surface is blank"
    # a text description for screen readers: Vega puts the Vega-Lite description on the chart's wrapper
    want = charts.describe(charts.congress_chart())
    assert want, "the chart has no description"
    described = out.locator(".vega-embed [role=graphics-document]")
    assert described.count() == 1
    assert described.get_attribute("aria-roledescription") == "visualization"
    assert (described.get_attribute("aria-label") or "").strip() == want.strip()
    shot(page, "browser-04-chart")


_INKED = """e => {  // pixels that are not background (canvas), or drawn mark elements x 1000 (SVG)
    if (e.tagName.toLowerCase() === 'svg') return 1000 * e.querySelectorAll('.mark-rect path, .mark-rect rect').length;
    const d = e.getContext('2d').getImageData(0, 0, e.width, e.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i + 3] > 0 && (d[i] < 240 || d[i + 1] < 240 || d[i + 2] < 240)) n++;
    return n;
}"""


# -- accessibility -------------------------------------------------------------------------------------------
def test_quote_matcher_works_with_the_keyboard_only(unit_page, practice_matcher):
    """Tab to each choice, Space / ArrowDown / Enter to choose, Tab to Check, Enter: the score changes."""
    m = practice_matcher
    page = unit_page
    cell = _code_cell(page, m.cell)
    widget = cell.locator(".jp-OutputArea-output").first
    selects = widget.locator("select").all()
    speakers = m.speakers
    choices = m.choices  # the order the widget lists them: placeholder, then names
    assert len(selects) == len(speakers) >= 3
    shown = [t.replace("\xa0", " ") for t in selects[0].locator("option").all_inner_texts()]  # ipywidgets: nbsp
    assert shown == choices
    # select the cell (a click on its output text puts the focus on the cell, as in command mode), then Tab
    # into it: past the cell's toolbar (one stop) to the first choice
    first_text = widget.locator(".widget-html").first
    first_text.scroll_into_view_if_needed()
    first_text.click()
    path = []
    for _ in range(4):
        page.keyboard.press("Tab")
        path.append(page.evaluate("() => document.activeElement.tagName + '.' + document.activeElement.className"))
        if selects[0].evaluate("e => e === document.activeElement"):
            break
    else:
        raise AssertionError(f"Tab from the cell did not reach the first choice; focus went {path}")
    for n, (sel, who) in enumerate(zip(selects, speakers), 1):
        if n > 1:
            page.keyboard.press("Tab")
        assert sel.evaluate("e => e === document.activeElement"), f"Tab did not reach statement {n}"
        # Space opens the list, ArrowDown moves in it, Enter chooses (a collapsed list's ArrowDown is taken by
        # JupyterLab: see test_collapsed_dropdown_arrow_keys below)
        page.keyboard.press("Space")
        for _ in range(choices.index(who)):
            page.keyboard.press("ArrowDown")
        page.keyboard.press("Enter")
        assert sel.input_value() == who, f"Space, ArrowDown, Enter did not choose {who!r} in statement {n}"
        assert sel.evaluate("e => e === document.activeElement"), f"focus left statement {n} after choosing"
    page.keyboard.press("Tab")
    check = widget.get_by_role("button", name="Check")
    assert check.evaluate("e => e === document.activeElement"), "Tab from the last choice did not reach Check"
    page.keyboard.press("Enter")
    full = f"{m.points:g} / {m.points:g}"
    expect_text(widget.locator("[role=status]").first, rf"Score: {full} \(attempt 1\)")
    # Space presses it too (a second attempt)
    page.keyboard.press("Space")
    expect_text(widget.locator("[role=status]").first, rf"Score: {full} \(attempt 2\)")
    # and the notebook kept its place: the keys did not move the cell selection or edit a cell
    assert cell.evaluate("e => e.classList.contains('jp-mod-active') || e.contains(document.activeElement)")
    widget.locator("[role=status]").first.scroll_into_view_if_needed()
    shot(page, "browser-05-keyboard-answered")


def test_collapsed_dropdown_arrow_keys(unit_page, explore_matcher):
    """ArrowDown on a focused, collapsed Dropdown changes it. JupyterLab takes arrow keys in an output for
    its command-mode shortcuts (jupyter-widgets/ipywidgets#3912); the course marks its own controls with
    Lumino's data-lm-suppress-shortcuts (course.widgets.selfcheck.keep_keys_in_widgets)."""
    page = unit_page
    widget = _code_cell(page, explore_matcher.cell).locator(".jp-OutputArea-output").first
    first = widget.locator("select").first
    assert first.get_attribute("data-lm-suppress-shortcuts", timeout=5_000) == "true"
    options = first.locator("option").all_inner_texts()
    before = first.input_value()
    key = "ArrowUp" if before == options[-1] else "ArrowDown"
    first.focus()
    page.keyboard.press(key)
    try:
        assert first.input_value() != before, f"{key} did not change the choice"
        assert first.evaluate("e => e === document.activeElement"), f"{key} moved the focus out of the choice"
    finally:
        first.select_option(before)


_UNNAMED = """root => [...root.querySelectorAll('select, input, textarea, button')].filter(e => {
    if (e.type === 'hidden' || e.closest('[aria-hidden=true]') || e.offsetParent === null) return false;
    const byLabel = e.labels && [...e.labels].map(l => l.textContent.trim()).join(' ');
    const byRef = (e.getAttribute('aria-labelledby') || '').split(/\\s+/).filter(Boolean)
        .map(id => (document.getElementById(id) || {}).textContent || '').join(' ').trim();
    const own = (e.getAttribute('aria-label') || e.getAttribute('title') ||
                 (e.tagName === 'BUTTON' ? e.textContent : '') || '').trim();
    return !(byLabel || byRef || own);
}).map(e => e.outerHTML.slice(0, 160))"""


def test_widget_controls_have_accessible_names(unit_page, explore_matcher):
    page = unit_page
    outputs = page.locator(f"{PANEL} .jp-OutputArea-output:has(.jupyter-widgets)")
    assert outputs.count() >= 5
    unnamed = []
    for out in outputs.all():
        unnamed += out.evaluate(_UNNAMED)
    assert unnamed == [], "controls without an accessible name:\n" + "\n".join(unnamed)
    widget = _code_cell(page, explore_matcher.cell).locator(".jp-OutputArea-output").first
    for n in range(1, len(explore_matcher.speakers) + 1):
        assert widget.get_by_role("combobox", name=f"Statement {n}").count() == 1
    assert widget.get_by_role("button", name="Check").count() == 1
    assert widget.get_by_role("status").count() >= 1, "the score is announced (role=status)"


# -- the instructor -------------------------------------------------------------------------------------------
def test_instructor_finds_nbgrader_and_the_formgrader_renders(lab, browser_page, unit):
    url, token = lab
    page = _fresh_page(browser_page)
    try:
        page.goto(f"{url}/lab/workspaces/instructor/tree/notebooks/index.ipynb?reset&token={token}")
        menu = page.locator("li.lm-MenuBar-item", has_text="Nbgrader")
        menu.wait_for(timeout=60_000)
        page.wait_for_selector(f"{PANEL} .jp-RenderedMarkdown h1", timeout=60_000)  # the start page has opened
        menu.click()
        page.get_by_role("menuitem", name="Formgrader", exact=True).click()
        page.locator(".lm-TabBar-tab", has_text="Formgrader").first.click()  # bring it to the front
        frame = page.frame_locator("iframe[src*='formgrader']").first
        frame.locator("text=Manage Assignments").first.wait_for(timeout=60_000)
        frame.locator(f"text={unit.assignment}").first.wait_for(timeout=30_000)
        shot(page, "browser-06-formgrader-in-lab")
        # and the formgrader page on its own
        page.goto(f"{url}/formgrader?token={token}")
        page.locator(f"td:has-text('{unit.assignment}')").first.wait_for(timeout=30_000)
        assert len(page.inner_text("body").strip()) > 100
        shot(page, "browser-07-formgrader")
    finally:
        page.close()
