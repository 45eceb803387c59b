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
                   overview=d.get("overview", ""), goals=list(d.get("goals") or []), terms=list(d.get("terms") or []),
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
        """The reading (by id or position) as a view: the passage from your copy, or our summary."""
        items = self.readings
        r = items[reading_id] if isinstance(reading_id, int) else _readings.get(reading_id)
        return _readings.show(r)

    def book_status(self):
        """Whether a copy of the book is attached; without one, the upload box to attach it."""
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

        from . import charts

        # "course" (course.charts): the spec for JupyterLab's own Vega renderer (draws offline, see README),
        # plus a static SVG where vl_convert is installed (grading, solutions) for nbconvert's HTML
        alt.renderers.enable("course")
        spec = self.charts[key] if isinstance(key, int) else next(c for c in self.charts if c["builder"] == key)
        return getattr(charts, spec["builder"])()

    def further_markdown(self) -> str:
        items = "\n".join(f"- {f['citation']}" + (f" — {f['note']}" if f.get("note") else "") for f in self.further_reading)
        return f"### Going further: primary sources\n\n{items}"

    def further(self):
        from IPython.display import Markdown

        return Markdown(self.further_markdown())

    def __repr__(self) -> str:
        return f"<Unit {self.id} {self.heading!r}: {len(self.readings)} readings, {len(self.graded)} questions>"


def book_status():
    """Whether a copy of the book is attached; without one, the upload box to attach it."""
    from .book import current_book, how_to_attach

    try:
        book = current_book()
    except Exception as exc:  # a configured copy that fails to parse: say so, offer another
        return _Status(f"Your configured copy could not be read: {exc}", upload=not grading())
    if book is None:
        return _Status(how_to_attach(), upload=not grading())
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
