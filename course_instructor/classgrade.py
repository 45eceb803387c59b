"""Grade a whole class: nbgrader ``autograde`` and ``generate_feedback`` in N worker processes.

nbgrader's own ``autograde`` grades one submission after the other in one process, one core busy at a time.
Here each **worker** is a long-lived Python process running nbgrader's own apps (``NbGraderAPI.autograde``,
``.generate_feedback``: the course's preprocessors, the same gradebook) for one student at a time, taken
from a shared queue, so a 200-student section keeps every core busy:

- **one gradebook**: PostgreSQL (``COURSE_DB_URL``) takes concurrent writers as it is; SQLite is opened with
  a busy timeout (``?timeout=``) so a writer waits for the lock instead of failing, and a submission that
  still met a locked database is graded again (twice at most);
- **nothing blocks the class**: a submission that fails is reported and the others go on; one that runs
  longer than ``timeout`` seconds (a kernel that hangs between cells, a worker stuck) has its worker and
  kernel killed, is reported as timed out, and a fresh worker takes the next student;
- **what the instructor reads**: a progress bar (a line per student when not on a terminal) and a
  summary table: per student the outcome, the score, integrity warnings (read-only cells changed or
  deleted) and essays waiting for a grader.

>>> result = grade_class(root, "p2-ch06-great-turn", jobs=2)   # doctest: +SKIP
>>> print(result.table())                                      # doctest: +SKIP

Command line: ``course grade ASSIGNMENT [--jobs N] [--timeout S] [--no-feedback] [--student ID …]``.
"""
from __future__ import annotations

import json
import logging
import os
import queue
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

SQLITE_BUSY_TIMEOUT = 60  # seconds a SQLite writer waits for the lock
LOCKED = "database is locked"
RETRIES = 2


# -- the worker (a child process) ----------------------------------------------------------------------------
def gradebook_url(url: str) -> str:
    """``url`` with a busy timeout added when it is SQLite and names none (PostgreSQL needs nothing)."""
    if url.startswith("sqlite") and "timeout=" not in url:
        return f"{url}{'&' if '?' in url else '?'}timeout={SQLITE_BUSY_TIMEOUT}"
    return url


def _api(root: Path):
    """nbgrader's API with the course directory's configuration, as the formgrader builds it."""
    from nbgrader.apps import NbGraderAPI
    from nbgrader.apps.nbgraderapp import NbGraderApp
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config import Application

    app = NbGraderApp()
    app.load_cwd_config = False  # the course directory's config below, wherever the caller stands
    app.log.setLevel("ERROR")  # "no nbgrader_config.py" among the global folders is expected
    app.load_config_file()  # Jupyter's config folders (a hub's global nbgrader config)
    Application.load_config_file(app, "nbgrader_config", path=str(root))
    config = app.config
    config.CourseDirectory.root = str(root)
    coursedir = CourseDirectory(config=config)
    coursedir.db_url = gradebook_url(coursedir.db_url)
    # NbGraderAPI lists the exchange when it starts, for the formgrader's sake, and logs CRITICAL when the
    # course directory has none: grading does not use the exchange, so that is noise here
    quiet = logging.getLogger("traitlets")
    drop = _DropExchangeNotice()
    quiet.addFilter(drop)  # a filter, since NbGraderAPI sets this logger's level itself
    try:
        return NbGraderAPI(coursedir=coursedir, config=config)
    finally:
        quiet.removeFilter(drop)


class _DropExchangeNotice(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return "Unwritable directory" not in record.getMessage()


def worker(root: str) -> None:
    """Read ``{"step", "assignment", "student"}`` lines on stdin; answer one JSON line each.

    Answers go to a private copy of stdout; anything else printed (nbgrader, kernels) goes to stderr, so
    it never garbles an answer."""
    answers = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    os.chdir(root)
    api = _api(Path(root))
    answers.write(json.dumps({"ready": True}) + "\n")
    for line in sys.stdin:
        task = json.loads(line)
        t = time.perf_counter()
        try:
            step = api.autograde if task["step"] == "autograde" else api.generate_feedback
            res = step(task["assignment"], task["student"], force=True)
        except Exception as e:  # noqa: BLE001 - reported to the parent, the worker goes on
            res = {"success": False, "error": f"{type(e).__name__}: {e}", "log": ""}
        answers.write(json.dumps({"ok": bool(res.get("success")), "error": res.get("error") or "",
                                  "log": (res.get("log") or "")[-20000:], "seconds": time.perf_counter() - t}) + "\n")


# -- the parent ------------------------------------------------------------------------------------------------
@dataclass
class Outcome:
    """One student's result. ``status``: graded, failed, timed out (feedback: its own status)."""
    student: str
    status: str = "waiting"
    seconds: float = 0.0
    error: str = ""
    log: str = ""
    score: float | None = None
    max_score: float | None = None
    pending_essays: bool = False
    integrity: list[str] = field(default_factory=list)
    feedback: str = ""


@dataclass
class ClassResult:
    assignment: str
    jobs: int
    outcomes: list[Outcome]
    seconds: float

    @property
    def graded(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == "graded"]

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status != "graded"]

    def table(self) -> str:
        """The summary an instructor reads: a row per student, then the counts."""
        rows = [("student", "autograde", "score", "integrity", "essays", "feedback")]
        for o in self.outcomes:
            score = f"{o.score:g}/{o.max_score:g}" if o.score is not None else "-"
            rows.append((o.student, o.status if o.status == "graded" else f"{o.status}: {first_line(o.error)}",
                         score, "; ".join(o.integrity) or "-", "pending" if o.pending_essays else "-",
                         o.feedback or "-"))
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]
        lines.insert(1, "-" * len(lines[0]))
        n = len(self.outcomes)
        warned = sum(bool(o.integrity) for o in self.outcomes)
        pending = sum(o.pending_essays for o in self.outcomes)
        rate = len(self.graded) / self.seconds if self.seconds else 0
        lines.append(f"\n{self.assignment}: {len(self.graded)} of {n} graded, {len(self.failed)} failed or timed out, "
                     f"{warned} with integrity warnings, {pending} with essays to grade; {self.seconds:.0f} s with "
                     f"{self.jobs} worker(s), {rate:.2f} submissions/s")
        return "\n".join(lines)


def first_line(text: str, width: int = 70) -> str:
    """The message of an error: nbgrader's first ``[ERROR]`` line if any, else the traceback's last line."""
    lines = [ln.strip() for ln in (text or "").splitlines() if ln.strip()]
    errors = [ln.split("]", 1)[1].strip() for ln in lines if ln.startswith("[ERROR]")]
    msg = errors[0] if errors else (lines[-1] if lines else "")
    return msg if len(msg) <= width else msg[: width - 1] + "…"


class Worker:
    """A worker process and a thread reading its answers (so the parent can wait with a timeout)."""

    def __init__(self, root: Path, log):
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        env.pop("COURSE_BOOK", None)  # grading never reads the book
        bin_dir = str(Path(sys.executable).parent)  # kernels and alembic from this environment
        env["PATH"] = os.pathsep.join([bin_dir, env.get("PATH", "")])
        self.proc = subprocess.Popen([sys.executable, "-m", "course_instructor.classgrade", "--worker", str(root)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, text=True,
                                     cwd=root, env=env, start_new_session=True)
        self.answers: queue.Queue = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.answers.put(json.loads(line))
        self.answers.put(None)  # the worker ended

    def wait_ready(self, timeout: float) -> None:
        msg = self.answers.get(timeout=timeout)
        if not msg or not msg.get("ready"):
            raise RuntimeError("a grading worker did not start (see the worker log)")

    def run(self, step: str, assignment: str, student: str, timeout: float) -> dict:
        self.proc.stdin.write(json.dumps({"step": step, "assignment": assignment, "student": student}) + "\n")
        self.proc.stdin.flush()
        msg = self.answers.get(timeout=timeout)  # queue.Empty: timed out
        if msg is None:
            raise ChildProcessError(f"the worker died (exit {self.proc.wait()})")
        return msg

    def kill(self) -> None:
        """The worker and everything it started (its kernel runs in a session of its own)."""
        import psutil

        try:
            family = [psutil.Process(self.proc.pid), *psutil.Process(self.proc.pid).children(recursive=True)]
        except psutil.NoSuchProcess:
            family = []
        for p in family:
            try:
                p.kill()
            except psutil.NoSuchProcess:
                pass
        self.proc.wait()

    def close(self) -> None:
        try:
            self.proc.stdin.close()
            self.proc.wait(timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            self.kill()


def submitted_students(root: Path, assignment: str) -> list[str]:
    """Students with a submission of ``assignment`` in ``submitted/`` (nbgrader's layout)."""
    base = root / "submitted"
    return sorted(p.name for p in base.iterdir() if (p / assignment).is_dir()) if base.is_dir() else []


def _prepare_gradebook(root: Path, assignment: str, students: list[str]) -> str:
    """Create the students once, before the workers start (no two workers race to create the same row)."""
    from nbgrader.api import Gradebook, MissingEntry

    api = _api(root)
    url = api.coursedir.db_url
    with Gradebook(url, course_id=api.coursedir.course_id) as gb:
        try:
            gb.find_assignment(assignment)
        except MissingEntry:
            raise SystemExit(f"course grade: {assignment} is not in the gradebook ({url.split('?')[0]}): "
                             f"run `nbgrader generate_assignment {assignment}` (or `course build`) first") from None
        for s in students:
            gb.update_or_create_student(s)
    return url


class Progress:
    """A bar redrawn in place on a terminal; a line per student otherwise (logs, CI)."""

    def __init__(self, total: int, label: str, stream=None):
        self.total, self.label, self.done, self.failed = total, label, 0, 0
        self.stream = stream or sys.stderr
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.t0 = time.perf_counter()
        self.lock = threading.Lock()

    def step(self, student: str, status: str) -> None:
        with self.lock:
            self.done += 1
            self.failed += status not in ("graded", "ok")
            elapsed = time.perf_counter() - self.t0
            left = elapsed / self.done * (self.total - self.done)
            bar = "#" * round(24 * self.done / self.total)
            text = (f"{self.label} [{bar:<24}] {self.done}/{self.total}  {self.failed} failed  "
                    f"{elapsed:.0f} s, ~{left:.0f} s left  {student}: {status}")
            if self.tty:
                self.stream.write("\r\033[K" + text + ("\n" if self.done == self.total else ""))
            else:
                self.stream.write(text + "\n")
            self.stream.flush()


def _run_tasks(root: Path, step: str, assignment: str, students: list[str], jobs: int, timeout: float,
               progress: Progress | None, log) -> dict[str, tuple[str, dict]]:
    """Each student's ``step`` on the first free worker: {student: (status, answer)}."""
    todo: queue.Queue = queue.Queue()
    for s in students:
        todo.put(s)
    results: dict[str, tuple[str, dict]] = {}

    def serve() -> None:
        w = None
        try:
            while True:
                try:
                    student = todo.get_nowait()
                except queue.Empty:
                    return
                for attempt in range(RETRIES + 1):
                    if w is None:
                        try:
                            w = Worker(root, log)
                            w.wait_ready(120)
                        except (queue.Empty, RuntimeError, OSError) as e:
                            if w is not None:
                                w.kill()
                            w = None
                            status, msg = "failed", {"error": f"the grading worker did not start ({e or 'no answer'}): "
                                                              f"see {log.name}"}
                            break
                    try:
                        msg = w.run(step, assignment, student, timeout)
                    except queue.Empty:
                        w.kill()
                        w = None
                        status, msg = "timed out", {"error": f"no result after {timeout:g} s: worker and kernel stopped"}
                        break
                    except ChildProcessError as e:
                        w = None
                        status, msg = "failed", {"error": str(e)}
                        break
                    status = ("graded" if step == "autograde" else "ok") if msg["ok"] else "failed"
                    if msg["ok"] or LOCKED not in msg.get("error", "") + msg.get("log", ""):
                        break
                results[student] = (status, msg)
                if progress:
                    progress.step(student, status)
        finally:
            if w is not None:
                w.close()

    threads = [threading.Thread(target=serve) for _ in range(max(1, min(jobs, len(students))))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def _read_back(root: Path, url: str, assignment: str, outcomes: dict[str, Outcome]) -> None:
    """Scores, pending essays (gradebook) and integrity warnings (the autograded notebooks)."""
    import nbformat
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(url, course_id=_api(root).coursedir.course_id) as gb:
        for o in outcomes.values():
            try:
                sub = gb.find_submission(assignment, o.student)
            except MissingEntry:
                continue
            o.score, o.max_score, o.pending_essays = sub.score, sub.max_score, sub.needs_manual_grade
    for o in outcomes.values():
        for path in sorted((root / "autograded" / o.student / assignment).glob("*.ipynb")):
            report = nbformat.read(path, 4).metadata.get("course", {}).get("integrity") or {}
            o.integrity += [f"changed {g}" for g in report.get("changed", [])]
            o.integrity += [f"deleted {g}" for g in report.get("missing", [])]


def default_jobs() -> int:
    return max(1, min(os.cpu_count() or 1, 8))


def grade_class(root: str | Path, assignment: str, students: list[str] | None = None, jobs: int = 0,
                timeout: float = 600, feedback: bool = True, progress: bool = True,
                stream=None) -> ClassResult:
    """Autograde every submission of ``assignment`` (then its feedback) with ``jobs`` workers.

    ``students``: default every student with a submission. ``timeout``: seconds one submission may take
    (nbgrader's per-cell limit, ``COURSE_CELL_TIMEOUT``, still applies inside it). Worker logs are kept in
    ``<root>/logs/grade-<assignment>.log``."""
    root = Path(root).resolve()
    jobs = jobs or default_jobs()
    students = sorted(students) if students else submitted_students(root, assignment)
    if not students:
        raise SystemExit(f"course grade: no submissions of {assignment} in {root / 'submitted'}")
    t0 = time.perf_counter()
    url = _prepare_gradebook(root, assignment, students)
    (root / "logs").mkdir(exist_ok=True)
    outcomes = {s: Outcome(s) for s in students}
    with open(root / "logs" / f"grade-{assignment}.log", "w") as log:
        bar = Progress(len(students), "autograde", stream) if progress else None
        for s, (status, msg) in _run_tasks(root, "autograde", assignment, students, jobs, timeout, bar, log).items():
            outcomes[s].status, outcomes[s].log = status, msg.get("log", "")
            if status != "graded":
                outcomes[s].error = "\n".join(x for x in (msg.get("log", ""), msg.get("error", "")) if x)
            outcomes[s].seconds = msg.get("seconds", 0.0)
        graded = [s for s in students if outcomes[s].status == "graded"]
        if feedback and graded:
            bar = Progress(len(graded), "feedback ", stream) if progress else None
            for s, (status, msg) in _run_tasks(root, "feedback", assignment, graded, jobs, timeout, bar, log).items():
                outcomes[s].feedback = "written" if status == "ok" else f"{status}: {first_line(msg.get('error', ''))}"
    _read_back(root, url, assignment, outcomes)
    return ClassResult(assignment, jobs, [outcomes[s] for s in students], time.perf_counter() - t0)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--worker":
        worker(sys.argv[2])
    else:
        raise SystemExit("usage: python -m course_instructor.classgrade --worker COURSE_ROOT (started by grade_class)")
