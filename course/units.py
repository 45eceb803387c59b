"""Units and the modules (parts) they belong to, built from ``course/content/units/*.yaml``.

A unit notebook is thin: ``unit = course.unit("ch06")`` and then one call per cell —
``unit.intro()``, ``unit.reading("ch06-…")``, ``unit.widget(0)``, ``unit.chart(0)``, ``unit.further()``.
"""
from __future__ import annotations

import html
import os
from dataclasses import dataclass, field

from . import readings as _readings
from .book._toc import CHAPTERS, PARTS
from .content import unit_files

PART_TITLES = {0: "Introduction", **{n: f"Part {('One', 'Two', 'Three')[n - 1]}: {t}" for n, t in PARTS.items()}}


def grading() -> bool:
    """True while nbgrader runs the notebook (autograde/validate): widget-only cells stay inert then."""
    return bool(os.environ.get("NBGRADER_EXECUTION"))


@dataclass
class Unit:
    id: str
    chapter: int
    title: str
    part: int
    assignment: str
    overview: str = ""
    tagline: str = ""
    goals: list[str] = field(default_factory=list)
    terms: list[str] = field(default_factory=list)
    people: list[str] = field(default_factory=list)
    widgets: list[dict] = field(default_factory=list)
    charts: list[dict] = field(default_factory=list)
    graded: list[str] = field(default_factory=list)
    practice: list[str] = field(default_factory=list)
    further_reading: list[dict] = field(default_factory=list)

    @classmethod
    def from_data(cls, d: dict) -> "Unit":
        return cls(id=d["id"], chapter=int(d["chapter"]), title=d.get("title") or CHAPTERS[int(d["chapter"])][0],
                   part=int(d.get("part", CHAPTERS[int(d["chapter"])][1])), assignment=d["assignment"],
                   overview=d.get("overview", ""), tagline=d.get("tagline", ""), goals=list(d.get("goals") or []), terms=list(d.get("terms") or []),
                   people=list(d.get("people") or []), widgets=list(d.get("widgets") or []),
                   charts=list(d.get("charts") or []), graded=list(d.get("graded") or []),
                   practice=list(d.get("practice") or []),
                   further_reading=list(d.get("further") or []))

    # -- what the unit is -----------------------------------------------------------------------------
    @property
    def label(self) -> str:
        return "Introduction" if self.chapter == 0 else f"Chapter {self.chapter}"

    @property
    def heading(self) -> str:
        return f"{self.label}: {self.title}"

    @property
    def readings(self) -> list[_readings.Reading]:
        return _readings.for_unit(self.id)

    def questions(self) -> list:
        """The unit's practice questions (self-study and Explore), in notebook order. Graded items are not
        in the student package: ``course_instructor.bank.get(qid)`` for ``unit.graded``."""
        from . import questions

        return [questions.get(q) for q in self.practice]

    @property
    def minutes(self) -> int:
        """About how long the self-study unit takes: 10 min a reading, 5 a practice item, 25 the essay,
        5 each widget or chart, rounded to 5 minutes."""
        from . import questions

        items = [questions.get(q) for q in self.practice]
        essays = sum(q.kind == "short_answer" for q in items)
        total = 10 * len(self.readings) + 5 * (len(items) - essays) + 25 * essays + 5 * (len(self.widgets) + len(self.charts))
        return int(5 * round(total / 5))

    # -- what a notebook cell calls -------------------------------------------------------------------
    def intro_markdown(self) -> str:
        goals = "\n".join(f"- {g}" for g in self.goals)
        terms = ", ".join(self.terms) or "—"
        people = ", ".join(self.people) or "—"
        return (f"**{PART_TITLES[self.part]}** · {self.heading}\n\n{self.overview}\n\n"
                f"**By the end of this unit you can:**\n{goals}\n\n**Key terms:** {terms}  \n**People:** {people}")

    def intro(self):
        from IPython.display import Markdown

        return Markdown(self.intro_markdown())

    def reading(self, reading_id: str | int):
        """The reading (by id or position) as a view: context, the passage from your copy (or our summary),
        citation and a question."""
        return _readings.show(self._reading(reading_id))

    def passage(self, reading_id: str | int):
        """Only the passage from your copy, or one quiet line saying why it is not shown: for notebooks whose
        text cells carry the reading's context, summary, citation and question (:meth:`reading_markdown`)."""
        return _readings.show(self._reading(reading_id), passage_only=True)

    def _reading(self, reading_id: str | int) -> _readings.Reading:
        return self.readings[reading_id] if isinstance(reading_id, int) else _readings.get(reading_id)

    def reading_markdown(self, reading_id: str | int, number: int | None = None) -> tuple[str, str]:
        """The text around a reading's passage, readable before anything runs: (before, after) markdown."""
        r = self._reading(reading_id)
        where = f" — “{r.section}”" if r.section else ""
        head = f"## Reading {number}{where}" if number else f"## Reading{where}"
        before = f"{head}\n\n*{r.context}*\n\n**In brief (our words):** {r.summary}\n\n<small>{r.citation}</small>"
        return before, f"**Think about it:** {r.question}"

    def book_status(self):
        """The book status box: whether a copy is attached, attach one (for every unit), forget it."""
        return book_status()

    def widget(self, key: int | str = 0):
        """The unit's widget ``key`` (position in the unit data, its kind, or its question id)."""
        spec = self._widget_spec(key)
        if grading():
            return _Status(f"(Interactive widget “{spec['kind']}” — not run while grading.)", upload=False)
        from . import widgets

        return widgets.from_spec(spec, unit=self)

    def _widget_spec(self, key) -> dict:
        if isinstance(key, int):
            return self.widgets[key]
        for spec in self.widgets:
            if key in (spec.get("kind"), spec.get("question"), spec.get("id")):
                return spec
        raise KeyError(f"{self.id} has no widget {key!r}; it has {[w.get('kind') for w in self.widgets]}")

    def chart(self, key: int | str = 0):
        """The unit's chart ``key`` (position or builder name), built from the sourced datasets."""
        import altair as alt

        from . import charts  # noqa: F401  (registers the "course" renderer)

        # "course" (course.charts): the spec for JupyterLab's own Vega renderer (draws offline, see README),
        # plus a static SVG where vl_convert is installed (grading, solutions) for nbconvert's HTML
        alt.renderers.enable("course")
        spec = self.charts[key] if isinstance(key, int) else next(c for c in self.charts if c["builder"] == key)
        return chart_builder(spec["builder"])()

    def archives(self):
        """Tucker and the archives: judge each of the unit's claims, then see what later evidence showed."""
        if grading():
            return _Status("(Interactive widget “Tucker and the archives” — not run while grading.)", upload=False)
        from .widgets.archives import ArchiveCheck

        return ArchiveCheck(self.id)

    @property
    def has_claims(self) -> bool:
        from .data import claims

        return bool(claims.claims(self.id))

    def further_markdown(self) -> str:
        def items(kind):
            return "\n".join(f"- {f['citation']}" + (f" — {f['note']}" if f.get("note") else "")
                             for f in self.further_reading if f.get("kind", "primary") == kind)
        out = "### Going further"
        if items("primary"):
            out += f"\n\n**Primary sources**\n\n{items('primary')}"
        if items("scholarship"):
            out += f"\n\n**Historians who argue with Tucker**\n\n{items('scholarship')}"
        return out

    def further(self):
        from IPython.display import Markdown

        return Markdown(self.further_markdown())

    def __repr__(self) -> str:
        return f"<Unit {self.id} {self.heading!r}: {len(self.readings)} readings, {len(self.graded)} questions>"


def chart_builder(name: str):
    """The function that draws chart ``name``: a chart of :mod:`course.charts` or a map of :mod:`course.maps`."""
    from . import charts, maps

    if hasattr(charts, name):
        return getattr(charts, name)
    if name in maps.MAPS:
        return maps.MAPS[name]
    raise KeyError(f"no chart or map called {name!r}")


def book_status():
    """The book status box (said once per notebook): whether a copy is attached, the upload button to attach
    one for every unit, "Forget my copy". While grading, one line of text instead."""
    from .book import BookError, current_book, upload_widget

    if not grading():
        return upload_widget()
    try:
        book = current_book()
    except BookError as exc:
        return _Status(f"Your configured copy could not be read: {exc}", upload=False)
    if book is None:
        return _Status("Your copy of the book: none attached; readings show our summaries.", upload=False)
    return _Status(f"Reading from your copy: {book.source} ({len(book.chapters)} chapters).", upload=False)


class _Status:
    """A line of text (and optionally the upload box) for notebook display."""

    def __init__(self, message: str, upload: bool) -> None:
        self.message, self.upload = message, upload

    def __str__(self) -> str:
        return self.message

    def _ipython_display_(self) -> None:
        from IPython.display import HTML, display

        display(HTML(f'<div role="status">{html.escape(self.message).replace(chr(10), "<br>")}</div>'))
        if self.upload:
            from .book import upload_widget

            display(upload_widget())


@dataclass
class Module:
    """One of the course's modules: the Introduction (0) or one of the book's three parts."""

    number: int
    title: str
    units: list[Unit]

    def __repr__(self) -> str:
        return f"<Module {self.title}: {', '.join(u.id for u in self.units)}>"


def all_units() -> list[Unit]:
    return [Unit.from_data(d) for d in unit_files().values()]


def unit(unit_id: str) -> Unit:
    data = unit_files()
    if unit_id not in data:
        raise KeyError(f"No unit {unit_id!r}; units are {', '.join(data) or '(none yet)'}.")
    return Unit.from_data(data[unit_id])


def parts() -> list[Module]:
    """The modules in book order, each with the units that exist for it."""
    units = all_units()
    return [Module(n, PART_TITLES[n], [u for u in units if u.part == n]) for n in sorted(PART_TITLES)]


def part(number: int) -> Module:
    return next(m for m in parts() if m.number == number)
