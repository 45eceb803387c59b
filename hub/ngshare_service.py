"""Run ngshare (``python -m ngshare``'s own ``main``) with SQLAlchemy 2, as the hub's ngshare service.

ngshare 0.6.0 stores a released assignment and a submission by creating them with their parent
(``Assignment(assignment_id, course)``, ``Submission(self.user, assignment)`` in ``ngshare/ngshare.py``)
and committing, without ``db.add``: SQLAlchemy 1.x put such an object into the parent's session through
the backref ("cascade_backrefs"); SQLAlchemy 2 removed that, so ngshare answers ``success`` and stores
nothing (the assignment is then "not found"). This restores that one behaviour for those two relationships,
and nothing else; everything else is ngshare's own code. Arguments are ngshare's (``--admins``,
``--database``, ``--storage``…). Drop this file once ngshare adds the objects itself.
"""
from __future__ import annotations

import sys

from sqlalchemy import event
from sqlalchemy.orm import configure_mappers, object_session


def _join_parent_session(target, value, oldvalue, initiator):
    """SQLAlchemy 1.x's backref cascade: a new child set on a parent that is in a session joins it."""
    session = object_session(value) if value is not None else None
    if session is not None and object_session(target) is None:
        session.add(target)
    return value


def main(argv: list[str]) -> None:
    from ngshare.database.database import Assignment, Submission
    from ngshare.ngshare import main as ngshare_main

    configure_mappers()  # Assignment.course and Submission.assignment are backrefs: made by this
    for attribute in (Assignment.course, Submission.assignment):
        event.listen(attribute, "set", _join_parent_session)
    ngshare_main(argv)


if __name__ == "__main__":
    main(sys.argv[1:])
