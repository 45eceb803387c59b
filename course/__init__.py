"""A Jupyter course on Robert C. Tucker's *Stalin in Power: The Revolution from Above, 1928–1941*.

One line per notebook cell::

    import course
    unit = course.unit("ch06")          # a unit: goals, readings, widgets, questions
    unit.reading("ch06-collectivizing") # a passage from your own copy of the book (or our summary)
    course.parts                        # the course's modules, keyed to the book's three parts
    course.book.open_book()             # the excerpt engine
    course.data.load("collectivization")# sourced datasets; course.charts builds the charts

Submodules load lazily, so ``import course`` stays fast (no pandas, Altair or widgets until used).
"""
from __future__ import annotations

import importlib
import sys

__version__ = "0.1.0"

# Altair imports jsonschema, which imports the optional IRI checker ``rfc3987_syntax``; that compiles some 35
# Earley grammars at import (about 1.3 s here, in every kernel that draws a chart, every graded submission
# included) for a string format no chart uses (python-jsonschema/jsonschema#1428). Where jsonschema is
# not loaded yet, jsonschema skips the checker (its import is optional there); elsewhere nothing changes.
if "jsonschema" not in sys.modules and "rfc3987_syntax" not in sys.modules:
    sys.modules["rfc3987_syntax"] = None

_SUBMODULES = {"book", "data", "charts", "chartcheck", "questions", "widgets", "readings", "units",
               "progress", "answers", "scoring", "maps"}


def __getattr__(name: str):
    if name in _SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    if name == "parts":
        from .units import parts
        return parts()
    raise AttributeError(f"module 'course' has no attribute {name!r}")


def unit(unit_id: str):
    """The unit ``unit_id`` (``"ch00"`` for the Introduction, ``"ch01"`` … ``"ch22"``)."""
    from .units import unit as _unit
    return _unit(unit_id)


def reading(reading_id: str):
    """A reading, ready to display: the passage from the attached copy, or our summary and how to attach one."""
    from .readings import show
    return show(reading_id)


def part(number: int):
    """Module ``number`` (0 = Introduction, 1-3 = the book's parts) with its units."""
    from .units import part as _part
    return _part(number)
