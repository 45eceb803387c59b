"""Every unit in a real browser, with and without the book: the student's desk as a student sees it.

Each self-study notebook (as committed in ``notebooks/``, copied to a scratch folder so nothing is saved
back) is opened in JupyterLab in Debian's Chromium and run with Run All Cells, once on a server with no
copy of the book and once on a server whose ``COURSE_BOOK`` is the shared copy. Each run fails on:

- a request that leaves the machine (a CDN script, a font, a map tile): everything must work offline;
- an error output or a traceback on stderr;
- an output wider than the notebook (a sideways scrollbar in an output area);
- a widget that fails to render ("Error displaying widget", a view left loading) or a chart not drawn;
- without the book: the book status said other than once, at the top, or a reading without its quiet
  line and its summary;
- with the book: a reading whose passage is not shown.

Each user has a scratch home, so a copy remembered by one server never reaches the other. A screenshot of
the top of every unit and of its widgets is kept under ``artifacts/sweep/`` (git-ignored).
``SWEEP_UNITS=ch06,ch11`` limits the sweep while working on a few units.
"""
from __future__ import annotations

import os
import re
import shutil
import time
from pathlib import Path

import pytest

from browser import ARTIFACTS, chromium_page, expect_text, jupyterlab, require_chromium
from conftest import require_shared_book, shared_book_path
from course.units import all_units

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parent.parent
PANEL = ".jp-NotebookPanel:not(.lm-mod-hidden)"
ONLY = [u for u in os.environ.get("SWEEP_UNITS", "").split(",") if u]
UNITS = [u for u in all_units() if not ONLY or u.id in ONLY]
STATUS_NONE = "Your copy of the book: none attached"  # the book status box, once at the top
QUIET = "Passage not shown: no copy of the book is attached"  # each reading's one quiet line
OLD_NOTICE = "No copy of Stalin in Power is attached"  # the long instructions: never in a notebook


@pytest.fixture(scope="module")
def scratch(tmp_path_factory) -> Path:
    """A copy of the committed notebooks: running them in the browser must not save into the repository."""
    root = tmp_path_factory.mktemp("sweep-root")
    shutil.copytree(ROOT / "notebooks", root / "notebooks")
    return root


def _server(scratch: Path, tmp: Path, book: Path | None):
    home = tmp / "home"
    home.mkdir(parents=True, exist_ok=True)
    # every cell in the page, not only those in view (JupyterLab windows long notebooks): the width and
    # text checks must see every output
    settings = tmp / "settings" / "@jupyterlab" / "notebook-extension"
    settings.mkdir(parents=True, exist_ok=True)
    (settings / "tracker.jupyterlab-settings").write_text('{"windowingMode": "none"}')
    env = {"HOME": str(home), "XDG_DATA_HOME": str(home / ".local" / "share"), "COURSE_BOOK": str(book or ""),
           "JUPYTERLAB_SETTINGS_DIR": str(tmp / "settings")}
    return jupyterlab(scratch, env=env, selfstudy=True)


@pytest.fixture(scope="module")
def lab_without_book(scratch, tmp_path_factory):
    require_chromium()
    with _server(scratch, tmp_path_factory.mktemp("nobook"), None) as server:
        yield server


@pytest.fixture(scope="module")
def lab_with_book(scratch, tmp_path_factory):
    require_chromium()
    book = require_shared_book()
    with _server(scratch, tmp_path_factory.mktemp("book"), book) as server:
        yield server


@pytest.fixture(scope="module")
def browser():
    with chromium_page() as page:
        yield page.context.browser


_ALL_RAN = f"""() => {{
    const prompts = [...document.querySelectorAll('{PANEL} .jp-CodeCell .jp-InputPrompt')];
    return prompts.length > 0 && prompts.every(p => /\\[\\d+\\]/.test(p.textContent));
}}"""

_TOO_WIDE = f"""() => [...document.querySelectorAll('{PANEL} .jp-OutputArea-output')]
    .filter(o => o.scrollWidth > o.clientWidth + 2)
    .map(o => {{
        const cell = o.closest('.jp-CodeCell');
        const src = cell ? cell.querySelector('.jp-InputArea').textContent.trim().slice(0, 60) : '?';
        return src + ' (' + o.scrollWidth + ' > ' + o.clientWidth + ' px)';
    }})"""


class UnitRun:
    """One unit opened and run in its own tab. :meth:`start` opens it and presses Run All Cells;
    :meth:`finish` waits until every cell ran and reads what a student sees, then closes the tab. Two runs
    (the two servers) are started before either is finished, so their kernels work side by side."""

    def __init__(self, browser, server, unit, tag: str) -> None:
        self.server, self.unit, self.tag = server, unit, tag
        url = server[0]
        self.page = browser.new_page(viewport={"width": 1400, "height": 900})
        self.outside: list[str] = []
        self.page.on("request", lambda r: self.outside.append(r.url)
                     if not r.url.startswith((url, "data:", "blob:", "about:")) else None)

    def start(self) -> "UnitRun":
        url, token = self.server
        page, unit = self.page, self.unit
        self.t0 = time.perf_counter()
        page.goto(f"{url}/lab/workspaces/sweep-{self.tag}-{unit.id}/tree/notebooks/{unit.assignment}.ipynb"
                  f"?reset&token={token}")
        page.wait_for_selector(f"{PANEL} .jp-RenderedMarkdown h1", timeout=60_000)
        page.wait_for_selector("#jp-main-statusbar :text('Idle')", timeout=60_000)
        page.click("li.lm-MenuBar-item:has-text('Run')")
        page.click("li.lm-Menu-item:has-text('Run All Cells')")
        return self

    def finish(self) -> dict:
        page, unit = self.page, self.unit
        try:
            page.wait_for_function(_ALL_RAN, timeout=180_000)
            page.wait_for_selector("#jp-main-statusbar :text('Idle')", timeout=60_000)
            # widgets and charts draw after the kernel answers
            deadline = time.time() + 30
            while time.time() < deadline and page.locator(f"{PANEL} :text('Loading widget')").count():
                time.sleep(0.3)
            page.wait_for_timeout(300)
            out = f"{PANEL} .jp-OutputArea-output"
            seen = {
                "seconds": time.perf_counter() - self.t0,
                "outside": sorted(set(self.outside)),
                "errors": page.locator(f"{out}[data-mime-type='application/vnd.jupyter.error']").count()
                          + page.locator(f"{out}[data-mime-type='application/vnd.jupyter.stderr']"
                                         ).filter(has_text=re.compile("Error|Traceback|Warning")).count(),
                "too_wide": page.evaluate(_TOO_WIDE),
                "broken_widgets": page.locator(out).filter(
                    has_text=re.compile("Error displaying widget|Loading widget")).count(),
                "widget_outputs": page.locator(f"{out} .jupyter-widgets").count(),
                "charts": page.locator(f"{PANEL} .vega-embed svg.marks, {PANEL} .vega-embed canvas.marks").count(),
                "status_none": page.locator(out).filter(has_text=STATUS_NONE).count(),
                "quiet_lines": page.locator(out).filter(has_text=QUIET).count(),
                "old_notices": page.locator(out).filter(has_text=OLD_NOTICE).count(),
                "text": page.locator(PANEL).text_content(),
            }
            failing = bool(seen["outside"] or seen["errors"] or seen["too_wide"] or seen["broken_widgets"])
            _keep_screenshots(page, unit, self.tag, every_output=failing or bool(os.environ.get("SWEEP_SHOTS")))
            return seen
        finally:
            _shutdown_kernels(page, *self.server)
            page.close()


@pytest.fixture(scope="module")
def sweep(browser, lab_without_book, request):
    """Every unit run on both servers, two tabs at a time: {("nobook" | "book", unit id): what was seen}.
    Without the shared copy only the no-book half runs (under CI=true a missing copy fails instead)."""
    with_book = None
    if shared_book_path() is not None or os.environ.get("CI", "").lower() == "true":
        with_book = request.getfixturevalue("lab_with_book")
    results: dict = {}
    for unit in UNITS:
        runs = [UnitRun(browser, lab_without_book, unit, "nobook").start()]
        if with_book is not None:
            runs.append(UnitRun(browser, with_book, unit, "book").start())
        for run in runs:
            try:
                results[(run.tag, unit.id)] = run.finish()
            except Exception as exc:  # reported by the unit's own test, not as a failed fixture
                results[(run.tag, unit.id)] = exc
    return results


def _keep_screenshots(page, unit, tag: str, every_output: bool) -> None:
    """The top of the unit always; each widget and chart output too when a check failed (the record of what
    the student saw). Element screenshots cost ~1 s each, so a passing sweep keeps only the top."""
    folder = ARTIFACTS / "sweep"
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob(f"{unit.id}-{tag}-*.png"):
        old.unlink()
    page.locator(f"{PANEL} .jp-Cell").first.scroll_into_view_if_needed()
    page.screenshot(path=str(folder / f"{unit.id}-{tag}-top.png"))
    if not every_output:
        return
    outs = page.locator(f"{PANEL} .jp-OutputArea-output:has(.jupyter-widgets), {PANEL} .jp-OutputArea-output:has(.vega-embed)")
    for i in range(outs.count()):
        try:
            outs.nth(i).screenshot(path=str(folder / f"{unit.id}-{tag}-out{i:02d}.png"), timeout=10_000)
        except Exception:  # a screenshot is a record, not a check
            pass


def _shutdown_kernels(page, url: str, token: str) -> None:
    page.evaluate("""async ([url, token]) => {
        const h = {Authorization: 'token ' + token};
        const ks = await (await fetch(url + '/api/kernels', {headers: h})).json();
        await Promise.all(ks.map(k => fetch(url + '/api/kernels/' + k.id, {method: 'DELETE', headers: h})));
    }""", [url, token])


def _common(seen: dict, unit) -> None:
    assert seen["outside"] == [], f"{unit.id}: requests left the machine: {seen['outside'][:5]}"
    assert seen["errors"] == 0, f"{unit.id}: {seen['errors']} error output(s)"
    assert seen["too_wide"] == [], f"{unit.id}: outputs wider than the notebook: {seen['too_wide']}"
    assert seen["broken_widgets"] == 0, f"{unit.id}: a widget did not render"
    assert seen["widget_outputs"] >= len(unit.widgets), f"{unit.id}: fewer widgets drawn than the unit has"
    assert seen["charts"] >= len(unit.charts), f"{unit.id}: a chart was not drawn"


def _seen(sweep, tag: str, unit) -> dict:
    seen = sweep.get((tag, unit.id))
    if seen is None:
        pytest.skip("no copy of the book to run the units with")
    if isinstance(seen, Exception):
        raise seen
    print(f"{unit.id} {tag}: {seen['seconds']:.1f} s")
    return seen


@pytest.mark.parametrize("unit", UNITS, ids=[u.id for u in UNITS])
def test_unit_without_the_book(sweep, unit):
    seen = _seen(sweep, "nobook", unit)
    _common(seen, unit)
    assert seen["status_none"] == 1, f"{unit.id}: the book status is said {seen['status_none']} times, not once"
    assert seen["old_notices"] == 0, f"{unit.id}: the long no-copy instructions are repeated in the notebook"
    viewers = sum(w.get("kind") == "excerpt_viewer" for w in unit.widgets)  # the viewer shows one reading too
    assert seen["quiet_lines"] == len(unit.readings) + viewers, f"{unit.id}: each reading says quietly why no passage"
    text = " ".join(seen["text"].split())
    for r in unit.readings:  # each reading still teaches: its summary is there
        assert " ".join(r.summary.split())[:60] in text, f"{r.id}: summary not shown"


@pytest.mark.parametrize("unit", UNITS, ids=[u.id for u in UNITS])
def test_unit_with_the_book(sweep, unit):
    seen = _seen(sweep, "book", unit)
    _common(seen, unit)
    assert seen["status_none"] == seen["quiet_lines"] == seen["old_notices"] == 0
    for r in unit.readings:  # the passage the reading names is on the page
        word = max(re.findall(r"[A-Za-z]+", r.start), key=len)
        assert word in seen["text"], f"{r.id}: its passage is not shown"


# -- the student's desk, one feature at a time (after the sweep: they change the user's state) -------------
DOCS_SHOTS = ARTIFACTS / "docs"  # the README's pictures are copied from here into docs/img/


def _doc_shot(locator, name: str) -> None:
    DOCS_SHOTS.mkdir(parents=True, exist_ok=True)
    locator.scroll_into_view_if_needed()
    locator.screenshot(path=str(DOCS_SHOTS / f"{name}.png"))


def _open(browser, server, path: str, tag: str):
    url, token = server
    page = browser.new_page(viewport={"width": 1280, "height": 860})
    page.goto(f"{url}/lab/workspaces/{tag}/tree/{path}?reset&token={token}")
    page.wait_for_selector(f"{PANEL} .jp-RenderedMarkdown h1", timeout=60_000)
    page.wait_for_selector("#jp-main-statusbar :text('Idle')", timeout=60_000)
    page.keyboard.press("Control+b")  # close the file browser: the notebook as wide as a student has it
    page.click("li.lm-MenuBar-item:has-text('Run')")
    page.click("li.lm-Menu-item:has-text('Run All Cells')")
    page.wait_for_function(_ALL_RAN, timeout=180_000)
    page.wait_for_selector("#jp-main-statusbar :text('Idle')", timeout=60_000)
    return page


def _cell(page, source: str):
    return page.locator(f"{PANEL} .jp-CodeCell").filter(has=page.locator(".jp-InputArea", has_text=source)).first


def _output(page, source: str):
    return _cell(page, source).locator(".jp-OutputArea-output").first


def _type_and_run(page, cell, code: str) -> None:
    """Replace the code of ``cell`` (an element handle: it stays the same cell when its text changes) with
    ``code`` and run it with Shift+Enter, as a student types."""
    cell.query_selector(".cm-content").click()
    page.keyboard.press("Control+a")
    page.keyboard.insert_text(code)
    page.keyboard.press("Shift+Enter")
    page.wait_for_timeout(300)
    page.wait_for_selector("#jp-main-statusbar :text('Idle')", timeout=60_000)


def test_start_page_guides(browser, lab_without_book):
    page = _open(browser, lab_without_book, "notebooks/index.ipynb", "desk-start")
    try:
        text = page.locator(PANEL).text_content()
        assert "Where to start" in text and text.count(STATUS_NONE) == 1
        assert "No practice question checked yet" in text
        for u in all_units():
            link = page.locator(f"{PANEL} .jp-RenderedMarkdown a", has_text=u.heading)
            assert link.count() == 1, f"{u.id}: no link on the start page"
            row = page.locator(f"{PANEL} tr", has=page.locator("a", has_text=u.heading))
            assert u.tagline[:30] in row.inner_text() and re.search(r"\d+ (h|min)", row.inner_text())
        DOCS_SHOTS.mkdir(parents=True, exist_ok=True)
        page.locator(f"{PANEL} .jp-Cell").first.scroll_into_view_if_needed()
        page.screenshot(path=str(DOCS_SHOTS / "start-page.png"))
    finally:
        _shutdown_kernels(page, *lab_without_book)
        page.close()


def test_glossary_is_a_searchable_table_of_the_units_terms(browser, lab_without_book):
    unit = next(u for u in all_units() if u.id == "ch02")
    k = next(i for i, w in enumerate(unit.widgets) if w["kind"] == "glossary")
    page = _open(browser, lab_without_book, f"notebooks/{unit.assignment}.ipynb", "desk-glossary")
    try:
        out = _output(page, f"unit.widget({k})")
        rows = out.locator("table.course-glossary tbody tr")
        assert rows.count() == len(unit.terms)
        for row in rows.all()[:5]:  # each row pairs a term with its own definition
            term = row.locator("th").inner_text().strip()
            from course.widgets import glossary_terms

            assert glossary_terms()[term]["definition"][:40] in row.locator("td").first.inner_text()
        out.get_by_role("textbox", name="Search terms").fill("kulak")
        expect_text(out, r"\d+ terms? of this unit")
        assert 1 <= rows.count() < len(unit.terms) and "kulak" in out.inner_text().lower()
        _doc_shot(out, "glossary")
    finally:
        _shutdown_kernels(page, *lab_without_book)
        page.close()


def test_chart_exercise_names_what_is_wrong_and_shows_the_chart(browser, lab_without_book):
    from course.questions import get

    q = get("ch06-p5")
    unit = next(u for u in all_units() if u.id == "ch06")
    page = _open(browser, lab_without_book, f"notebooks/{unit.assignment}.ipynb", "desk-chart")
    try:
        k = next(i for i, w in enumerate(unit.widgets) if w["kind"] == "explorer")
        explorer = _output(page, f"unit.widget({k})")
        assert explorer.locator(".vega-embed svg.marks, .vega-embed canvas.marks").count() == 1
        _doc_shot(explorer, "explorer")
        widget = _output(page, f'self_check("{q.id}")')
        widget.get_by_role("button", name="Check").click()
        expect_text(widget, "my_chart is still None")
        load = f'alt.Chart(course.data.load("{q.dataset}"))'
        starter = _cell(page, "my_chart = None").element_handle()
        _type_and_run(page, starter, f'import altair as alt\nmy_chart = {load}.mark_line().encode(x="date:T", y="percent:Q")\nmy_chart')
        widget.get_by_role("button", name="Check").click()
        text = expect_text(widget, r"Score: [\d.]+ / 3")
        assert "✗ mark should be point" in text and "✗ y must be" in text and "✓ x must be" in text
        assert widget.locator(".vega-embed svg.marks, .vega-embed canvas.marks").count() == 1, "the chart is shown"
        _doc_shot(widget, "chart-exercise-wrong")
        _type_and_run(page, starter, f'import altair as alt\nmy_chart = {load}.mark_point().encode(x="date:T", y="households_mn:Q", shape="series:N")\nmy_chart')
        widget.get_by_role("button", name="Check").click()
        text = expect_text(widget, r"Score: 3 / 3")
        assert text.count("✗") == 1, "a requirement is still marked ✗ (the one ✗ is in the instructions)"
        _doc_shot(widget, "chart-exercise-right")
    finally:
        _shutdown_kernels(page, *lab_without_book)
        page.close()


def test_arrow_keys_choose_an_option_in_a_quiz(browser, lab_without_book):
    """ArrowDown in a quiz's radio group moves between its options, not between notebook cells."""
    from course.questions import get

    unit = next(u for u in all_units() if u.id == "ch06")
    qid = next(q for q in unit.practice if get(q).kind == "multiple_choice")
    page = _open(browser, lab_without_book, f"notebooks/{unit.assignment}.ipynb", "desk-keys")
    try:
        radios = _output(page, f'self_check("{qid}")').locator("input[type=radio]")
        radios.first.scroll_into_view_if_needed()
        radios.first.click()
        active = page.evaluate(f"() => document.querySelector('{PANEL} .jp-Cell.jp-mod-active .jp-InputArea').textContent")
        page.keyboard.press("ArrowDown")
        page.wait_for_timeout(300)
        assert radios.nth(1).is_checked(), "ArrowDown did not move to the next option"
        assert page.evaluate(f"() => document.querySelector('{PANEL} .jp-Cell.jp-mod-active .jp-InputArea').textContent") == active
    finally:
        _shutdown_kernels(page, *lab_without_book)
        page.close()


def test_graded_check_cell_says_one_line_without_a_traceback(browser, lab_without_book, scratch):
    """A graded unit's check cells: "No answer yet" before answering, one line for a wrong form, no traceback."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

    from course_instructor.bank import get
    from course_instructor.build import KERNELSPEC
    from course_instructor.nbcells import answer_source, cells_for

    q = get("ch06-q3")
    cells = [new_markdown_cell("# Graded questions (a release notebook, as a student gets it)"),
             new_code_cell("import course")]
    for c in cells_for(q, "source"):
        if c.source.startswith("course.widgets.answer_helper"):
            continue
        cells.append(new_code_cell(answer_source(q).split("### BEGIN SOLUTION")[0].strip())
                     if "### BEGIN SOLUTION" in c.source else c)
    nb = new_notebook(cells=cells, metadata={"kernelspec": dict(KERNELSPEC)})
    nbformat.write(nb, scratch / "notebooks" / "graded-check.ipynb")
    page = _open(browser, lab_without_book, "notebooks/graded-check.ipynb", "desk-graded")
    try:
        out = _output(page, "from course.answers import check")
        assert re.search(r"✗ No answer yet: replace None", out.inner_text())
        _type_and_run(page, _cell(page, "# replace None with your answer").element_handle(), f'answer_{q.id.replace("-", "_")} = "Z"')
        _cell(page, "from course.answers import check").locator(".jp-InputArea").click()
        page.keyboard.press("Shift+Enter")
        text = expect_text(_output(page, "from course.answers import check"), "✗ ")
        assert "Traceback" not in page.locator(PANEL).text_content() and len(text.strip().splitlines()) == 1
        _doc_shot(_cell(page, "from course.answers import check"), "graded-check-cell")
    finally:
        _shutdown_kernels(page, *lab_without_book)
        page.close()


def test_attach_once_every_unit_sees_it_and_forget(browser, lab_without_book):
    """Upload in one unit: its readings redraw with the passages; another unit, opened afterwards in another
    kernel, shows passages too; "Forget my copy" ends it."""
    book = require_shared_book()
    first, second = [next(u for u in all_units() if u.id == i) for i in ("ch06", "ch11")]
    page = _open(browser, lab_without_book, f"notebooks/{first.assignment}.ipynb", "desk-attach")
    other = None
    try:
        status = _output(page, "unit.book_status()")
        shown = next((r for r in first.readings if r.id == "ch06-khoper"), first.readings[0])  # quotes a letter
        _doc_shot(_cell(page, f'unit.passage("{shown.id}")'), "reading-without-book")
        with page.expect_file_chooser() as chooser:  # the student picks the file in the browser's dialog
            status.get_by_role("button", name=re.compile("Attach book")).click()
        chooser.value.set_files(str(book))
        expect_text(status, "remembered for every unit", timeout=60)
        assert "none attached" not in status.inner_text(), "the old 'none attached' line stays above the new one"
        word = max(re.findall(r"[A-Za-z]+", shown.start), key=len)
        passage = _output(page, f'unit.passage("{shown.id}")')
        expect_text(passage, word)  # redrawn, not re-run
        if shown.id == "ch06-khoper":  # a quoted document is set off from Tucker's text
            assert passage.locator("blockquote.course-extract").count() >= 1
        # the README's picture must not carry the book's prose: the passage is blurred, its layout kept
        passage.evaluate("e => e.querySelectorAll('.course-excerpt p, .course-extract').forEach("
                         "b => b.style.filter = 'blur(7px)')")
        _doc_shot(passage, "reading-with-book")
        _doc_shot(status, "book-status-attached")
        other = _open(browser, lab_without_book, f"notebooks/{second.assignment}.ipynb", "desk-attach-2")
        text = other.locator(PANEL).text_content()
        assert STATUS_NONE not in text and QUIET not in text and "remembered for every unit" in text
        status = _output(page, "unit.book_status()")
        status.get_by_role("button", name="Forget my copy").click()
        expect_text(status, "none attached")
    finally:
        for p in (page, other):
            if p is not None:
                _shutdown_kernels(p, *lab_without_book)
                p.close()


def test_readme_shows_the_pictures_the_desk_tests_take():
    """docs/img/ holds the README's pictures (copied from artifacts/docs/ by hand after a run of this file):
    each one the tests take is committed and shown in the README, and each is small."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    shown = set(re.findall(r"\(docs/img/([\w-]+\.png)\)", readme))
    want = {"start-page.png", "reading-with-book.png", "reading-without-book.png", "glossary.png", "explorer.png",
            "chart-exercise-wrong.png", "chart-exercise-right.png", "graded-check-cell.png"}
    assert want <= shown, want - shown
    for name in shown:
        path = ROOT / "docs" / "img" / name
        assert path.is_file() and path.stat().st_size < 200_000, name
