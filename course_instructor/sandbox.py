"""The grading kernel sees the submission and the Python it runs on, nothing else of the machine.

``nbgrader autograde`` runs a submission's code in a kernel started by the grader, as the grader's own OS
user. Without more, a cell can open ``keys/<assignment>.json`` (of this course directory or of any other
copy on the machine) and set every answer to its key, read other students' work, or leave a process
behind that rewrites the gradebook after grading. So the course starts grading kernels inside
`bubblewrap <https://github.com/containers/bubblewrap>`_ (Debian/Ubuntu package ``bubblewrap``), the
unprivileged sandbox Flatpak uses, with an **allow list** of what the kernel may see:

- read-only: the operating system (``/usr``, ``/etc`` and the ``/bin``, ``/lib`` links), the Python the
  kernel runs on (its environment and base installation) and the student package ``course`` (not
  ``course_instructor``: no graded bank, no rubrics);
- read-write: the submission's own folder (where nbgrader runs the kernel) and an empty ``/tmp``;
- the kernel's own connection file, a private ``/proc`` (no other process of the grader is visible, so no
  ``/proc/<pid>/cwd`` leads out), ``/dev``; a new user, PID and IPC namespace; the kernel dies with its
  parent;
- an environment without secrets (the gradebook URL, hub and database tokens and passwords).

Everything else — the course directory with its keys, gradebook, sources and other students' submissions,
the instructor's home, other course directories — does not exist inside. Children of the kernel stay
inside too. The network is not cut (the kernel talks to nbgrader over loopback); it holds no credential.

nbgrader's configuration selects it (``c.Execute.kernel_manager_class``). Where bubblewrap is missing or
unprivileged user namespaces are disabled (some container runtimes; Ubuntu's AppArmor restriction), the
kernel does not start and autograde says why; ``COURSE_GRADING_SANDBOX=off`` grades without the sandbox, for
graders whose grading already runs in a container or account of its own (docs/grading-integrity.md).
"""
from __future__ import annotations

import importlib.util
import os
import shutil
import sys
from pathlib import Path

from jupyter_client import AsyncKernelManager

OFF = "COURSE_GRADING_SANDBOX"
SECRET_ENV = ("COURSE_DB_URL", "JUPYTERHUB_API_TOKEN", "JPY_API_TOKEN", "COURSE_HUB_API_TOKEN", "PGPASSWORD",
              "DATABASE_URL")
SYSTEM = ("/usr", "/etc", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
HELP = ("install bubblewrap (Debian/Ubuntu: apt install bubblewrap) and allow unprivileged user namespaces "
        "(sysctl kernel.unprivileged_userns_clone=1; Ubuntu >= 23.10: kernel.apparmor_restrict_unprivileged_userns=0), "
        f"or grade in a container or an account of its own and set {OFF}=off (docs/grading-integrity.md)")


class SandboxUnavailable(RuntimeError):
    """The sandbox cannot run here: grading must not start the kernel without it."""


def disabled() -> bool:
    return os.environ.get(OFF, "").strip().lower() in ("off", "0", "false", "no")


def kernel_environment(env: dict[str, str]) -> dict[str, str]:
    """The kernel's environment without secrets."""
    return {k: v for k, v in env.items()
            if k not in SECRET_ENV and not k.endswith(("_PASSWORD", "_SECRET", "_TOKEN"))}


def _package_dir(name: str) -> Path | None:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0]).resolve()


def python_paths() -> list[Path]:
    """What the kernel's Python needs: the environment, its base installation, the ``course`` package."""
    paths = {Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve(), Path(sys.executable).resolve().parent}
    course = _package_dir("course")
    if course:
        paths.add(course)
    return sorted(paths)


def bwrap_command(cmd: list[str], workdir: Path, connection_file: str | None = None) -> list[str]:
    """The bubblewrap command line that runs ``cmd`` (the kernel) in ``workdir``, seeing only the allow list."""
    bwrap = shutil.which("bwrap")
    if not bwrap:
        raise SandboxUnavailable(f"bubblewrap (bwrap) is not installed: {HELP}")
    args = [bwrap, "--unshare-user", "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
            "--die-with-parent", "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"]
    for p in SYSTEM:
        if os.path.islink(p):
            args += ["--symlink", os.readlink(p), p]
        elif os.path.isdir(p):
            args += ["--ro-bind", p, p]
    for p in python_paths():
        args += ["--ro-bind", str(p), str(p)]
    instructor = _package_dir("course_instructor")
    if instructor and any(instructor.is_relative_to(p) for p in python_paths()):
        args += ["--tmpfs", str(instructor)]  # installed inside the environment: cover it
    if connection_file:
        args += ["--ro-bind", connection_file, connection_file]
    workdir = workdir.resolve()
    args += ["--bind", str(workdir), str(workdir), "--chdir", str(workdir), "--setenv", "HOME", "/tmp",
             # jupyter_client sets JPY_PARENT_PID when it launches; inside the PID namespace the kernel's parent
             # is bubblewrap's init, which ipykernel's parent poller takes for a dead parent.
             # --die-with-parent ends the kernel with the grader instead.
             "--unsetenv", "JPY_PARENT_PID"]
    return [*args, "--", *cmd]


def check_available() -> None:
    """Run ``true`` in the sandbox once; raise :class:`SandboxUnavailable` with bubblewrap's reason."""
    import subprocess
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        proc = subprocess.run(bwrap_command(["true"], Path(tmp)), capture_output=True, text=True, timeout=60)
    if proc.returncode != 0:
        raise SandboxUnavailable(f"bubblewrap cannot make a sandbox here ({proc.stderr.strip()}): {HELP}")


class SandboxedKernelManager(AsyncKernelManager):
    """nbgrader's grading kernels, started inside bubblewrap (unless ``COURSE_GRADING_SANDBOX=off``)."""

    _checked = False

    async def _async_pre_start_kernel(self, **kw):
        cmd, kw = await super()._async_pre_start_kernel(**kw)
        if disabled():
            self.log.warning("%s=off: the grading kernel runs without the sandbox and can read the keys", OFF)
            return cmd, kw
        if not SandboxedKernelManager._checked:
            check_available()  # a clear reason instead of "kernel died before replying"
            SandboxedKernelManager._checked = True
        kw["env"] = kernel_environment(kw.get("env") or dict(os.environ))
        # interrupt by message (ipykernel signals itself): a SIGINT to the process group would end
        # bubblewrap, and the kernel with it, where nbgrader only meant to cut one endless cell
        self.kernel_spec.interrupt_mode = "message"
        workdir = Path(kw.get("cwd") or os.getcwd())
        return bwrap_command(cmd, workdir, os.path.realpath(self.connection_file)), kw
