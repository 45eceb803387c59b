"""A throwaway PostgreSQL cluster for tests that keep gradebooks in PostgreSQL (tests/test_hub.py,
tests/test_classgrade.py): Debian's binaries, started as a non-root owner, password login on 127.0.0.1."""
from __future__ import annotations

import contextlib
import glob
import os
import pwd
import secrets
import signal
import socket
import subprocess
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pg_bin() -> Path | None:
    """Debian's PostgreSQL binaries (the newest installed version), or None."""
    found = [Path(p) for p in glob.glob("/usr/lib/postgresql/*/bin/initdb")]
    found.sort(key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else 0)
    return found[-1].parent if found else None


class Postgres:
    """A throwaway PostgreSQL cluster for the gradebooks: a folder of the test, 127.0.0.1 on a free port,
    password login only (no other local user gets in), one database per course; stopped and removed at the end.
    initdb refuses root: the cluster belongs to ``owner`` (Debian's ``postgres``, else a throwaway user)."""

    ROLE = "course"

    def __init__(self, folder: Path, owner: pwd.struct_passwd):
        self.bin = pg_bin()
        self.folder, self.owner = folder, owner
        self.data = folder / "data"
        self.port = free_port()
        self.password = secrets.token_hex(16)
        self.started = False

    def _run(self, *cmd: str) -> None:
        run = subprocess.run(["runuser", "-u", self.owner.pw_name, "--", *cmd], capture_output=True, text=True,
                             cwd=self.folder, timeout=120, check=False)
        assert run.returncode == 0, f"{Path(cmd[0]).name} failed:\n{run.stdout[-2000:]}\n{run.stderr[-2000:]}"

    def start(self, databases: list[str]) -> None:
        import psycopg

        self.folder.mkdir(mode=0o700)
        os.chown(self.folder, self.owner.pw_uid, self.owner.pw_gid)
        pwfile = self.folder / "password"
        pwfile.write_text(self.password)
        os.chown(pwfile, self.owner.pw_uid, self.owner.pw_gid)
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", self.ROLE, f"--pwfile={pwfile}",
                  "--auth=scram-sha-256", "--no-sync", "--encoding=UTF8", "--no-locale")
        pwfile.unlink()
        self.started = True
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.folder / "postgres.log"), "-w",
                  "-o", f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.folder} -c fsync=off", "start")
        with psycopg.connect(host="127.0.0.1", port=self.port, user=self.ROLE, password=self.password,
                             dbname="postgres", autocommit=True) as conn:
            for name in databases:
                conn.execute(f'CREATE DATABASE "{name}"')

    def url(self, database: str) -> str:
        """nbgrader's ``db_url`` (SQLAlchemy, psycopg 3) of one database."""
        return f"postgresql+psycopg://{self.ROLE}:{self.password}@127.0.0.1:{self.port}/{database}"

    def stop(self) -> None:
        if not self.started:
            return
        self.started = False
        try:
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")
        except AssertionError:
            pidfile = self.data / "postmaster.pid"
            if pidfile.exists():
                with contextlib.suppress(ValueError, ProcessLookupError):
                    os.kill(int(pidfile.read_text().split()[0]), signal.SIGQUIT)
            raise
