"""Register the roster's courses, instructors and students in ngshare (its management REST API).

Run once after the hub has started with ``COURSE_HUB_EXCHANGE=ngshare``, and again after every change of
the roster (it adds what is missing and removes students no longer listed)::

    COURSE_HUB_API_TOKEN=<token of an ngshare admin> python hub/ngshare_roster.py \
        [--roster hub/roster.csv] [--url http://127.0.0.1:10101/services/ngshare]

The token is the ``course-admin`` service's (``COURSE_HUB_API_TOKEN`` of the hub) or an instructor's own
(``https://<server>/hub/token``): ``jupyterhub_config.py`` makes both ngshare admins. Defaults come from
the same variables the hub reads (``COURSE_HUB_ROSTER``, ``COURSE_HUB_NGSHARE_URL``).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from course_roster import ngshare_instructors, read_roster

DEFAULT_URL = "http://127.0.0.1:10101/services/ngshare"


class Ngshare:
    def __init__(self, url: str, token: str):
        self.url = url.rstrip("/")
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"token {token}"

    def call(self, method: str, path: str, ok=(200,), **data) -> dict:
        r = self.http.request(method, f"{self.url}{path}", data=data, timeout=60)
        if r.status_code not in ok:
            raise SystemExit(f"ngshare {method} {path}: {r.status_code} {r.text[:500]}")
        return r.json()


def sync(ngshare: Ngshare, roster: dict[str, dict[str, set[str]]]) -> dict[str, dict[str, list[str]]]:
    """Courses, instructors and students of ``roster`` into ngshare; {course: what was registered}."""
    done = {}
    blank = {"first_name": "", "last_name": "", "email": ""}
    for course, members in sorted(roster.items()):
        teachers = ngshare_instructors(course, members)
        ngshare.call("POST", f"/course/{course}", ok=(200, 409), instructors=json.dumps(teachers))
        for user in teachers:  # a course made earlier gains the instructors added to the roster since
            ngshare.call("POST", f"/instructor/{course}/{user}", **blank)
        students = sorted(members["student"])
        if students:
            ngshare.call("POST", f"/students/{course}",
                         students=json.dumps([{"username": s, **blank} for s in students]))
        listed = {s["username"] for s in ngshare.call("GET", f"/students/{course}")["students"]}
        for gone in sorted(listed - set(students)):
            ngshare.call("DELETE", f"/student/{course}/{gone}")
        done[course] = {"instructors": teachers, "students": students}
    return done


def main(argv: list[str] | None = None) -> int:
    here = Path(__file__).resolve().parent
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--roster", default=os.environ.get("COURSE_HUB_ROSTER") or str(here / "roster.csv"))
    parser.add_argument("--url", default=os.environ.get("COURSE_HUB_NGSHARE_URL", DEFAULT_URL))
    args = parser.parse_args(argv)
    token = os.environ.get("COURSE_HUB_API_TOKEN") or os.environ.get("JUPYTERHUB_API_TOKEN")
    if not token:
        parser.error("set COURSE_HUB_API_TOKEN (an ngshare admin's hub token)")
    for course, who in sync(Ngshare(args.url, token), read_roster(Path(args.roster))).items():
        print(f"{course}: {len(who['instructors'])} instructors, {len(who['students'])} students")
    return 0


if __name__ == "__main__":
    sys.exit(main())
