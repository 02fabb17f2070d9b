"""Zygotes: sandboxes whose Python has loaded what a grading kernel needs, and that fork a
kernel per request (the zygote's own code is tools/forkserver.py).

Each grading process keeps one zygote per role: the students' answers and the instructor's
tests never share a sandbox, so a kernel forked for an answer cannot signal a tests'
kernel. A zygote lives as long as the grading process, in one control group (the memory and
task caps of tools/cgroups.py hold for it and the one kernel it runs at a time) and with
one *spool*, a small folder that every kernel folder and channel folder of that process is
made in. A zygote that died (Linux's out-of-memory killer may choose it) is replaced at the
next request.

``DLBOOK_FORKSERVER=0`` in the grader's environment, or a machine whose kernel lets no
sandbox make a user namespace of its own, gives every kernel a fresh sandbox instead (the
same walls from bubblewrap, about 3 s of CPU more per kernel).
"""
from __future__ import annotations

import atexit
import json
import multiprocessing.util
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from tools import cgroups, forkserver, sandbox

SOURCE = Path(forkserver.__file__).read_text()
SPOOL_SIZE = 2**20            # bytes in the spool, for every kernel of this process (as root)
ROLES = ("answers", "tests")

# Can a process in the sandbox build a forked kernel's walls? forkserver's own _walls and
# _lock_in, on an empty request, and then no user namespace may be made; once per process.
PROBE = """
import os, sys
exec(compile(SOURCE, "forkserver.py", "exec"), forkserver := {"__name__": "forkserver"})
globals().update(forkserver)
_walls({"keep": [], "tmp_size": 2**20, "spool": SPOOL})
pid = os.fork()
if pid == 0:
    try:
        _lock_in({"processes": 64})
    except OSError:
        os._exit(1)                              # the walls cannot be built here
    os._exit(0 if libc.unshare(CLONE_NEWUSER) != 0 else 3)    # 3: the limit did not hold
sys.exit(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
"""


class Zygote:
    """One zygote's sandbox, started at once; ``command`` gives a kernel's command."""

    def __init__(self, role: str, limits: sandbox.Limits, spool: Path):
        self.role, self.limits, self.spool = role, limits, spool
        self.control = spool / f"{role}-{uuid.uuid4().hex[:12]}.sock"
        self.groups = cgroups.create(limits.sandbox_memory, limits.processes + 32)
        python = str(Path(sys.prefix) / "bin" / "python")
        # the zygote keeps the grader's process limit: each kernel sets its own (command())
        hard = resource.getrlimit(resource.RLIMIT_NPROC)[1]
        argv = sandbox.command([python, "-c", SOURCE, "serve", str(self.control)], spool,
                               limits, groups=self.groups,
                               processes="unlimited" if hard < 0 else str(hard))
        self.log = tempfile.TemporaryFile()          # the zygote's errors, if it fails
        self.process = subprocess.Popen(argv, env=sandbox.kernel_environment(),
                                        stdin=subprocess.DEVNULL, stdout=self.log,
                                        stderr=self.log)

    def wait(self) -> Zygote:
        """Return once the zygote takes requests (a few seconds after it started)."""
        deadline = time.monotonic() + 120
        while not self.control.exists():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.log.seek(0)
                said = self.log.read().decode(errors="replace").strip().splitlines()[-1:]
                self.close()
                raise RuntimeError(f"the {self.role} zygote did not start: {' '.join(said)}")
            time.sleep(0.02)
        return self

    def alive(self) -> bool:
        return self.process.poll() is None

    def command(self, connection_file: Path, binds=()) -> list[str]:
        """The command Jupyter starts a kernel with: a client that asks the zygote to fork
        one, for ``connection_file`` in a folder of the spool, with ``binds`` ((bwrap
        option, folder) pairs, folders of the spool too) visible to it."""
        under_tmp = [root for root in sandbox.python_roots() if root.startswith("/tmp/")]
        request = {
            "connection_file": str(connection_file), "spool": str(self.spool),
            "tmp_size": self.limits.tmp_size,
            "processes": self.limits.processes + sandbox.tasks_of_sandbox_user(),
            "keep": [[str(connection_file.parent), True],
                     *[[str(path), option == "--bind"] for option, path in binds],
                     *[[root, False] for root in under_tmp]]}
        return [sys.executable, "-I", "-S", forkserver.__file__, "client", str(self.control),
                json.dumps(request)]

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        cgroups.remove(self.groups)
        self.log.close()


_zygotes: dict[tuple, Zygote] = {}
_spool: list[Path] = []
_owner = [None]              # the process the zygotes belong to (a forked worker has none)
_usable: dict[int, bool] = {}


def usable() -> bool:
    """Whether kernels are forked here (cached per process)."""
    if os.environ.get("DLBOOK_FORKSERVER", "1") == "0":
        return False
    if os.getpid() not in _usable:
        python = str(Path(sys.prefix) / "bin" / "python")
        shared = Path(tempfile.mkdtemp(prefix="dlbook-probe-"))
        if os.geteuid() == 0:
            os.chown(shared, sandbox.NOBODY, sandbox.NOBODY)
        probe = f"SOURCE = {SOURCE!r}\nSPOOL = {str(shared)!r}\n{PROBE}"
        argv = sandbox.command([python, "-S", "-c", probe], shared, sandbox.Limits())
        result = subprocess.run(argv, env=sandbox.kernel_environment(), **sandbox.QUIET)
        shutil.rmtree(shared, ignore_errors=True)
        _usable[os.getpid()] = result.returncode == 0
    return _usable[os.getpid()]


def disable(reason: str) -> None:
    """Start this process's kernels in sandboxes of their own from now on."""
    print(f"{reason}; kernels start in sandboxes of their own", file=sys.stderr)
    _usable[os.getpid()] = False


def spool() -> Path:
    """This process's spool (made at the first call)."""
    _adopt()
    if not _spool:
        _spool.append(sandbox.small_folder(SPOOL_SIZE))
        if os.geteuid() == 0:                        # the kernels run as nobody
            os.chown(_spool[0], sandbox.NOBODY, sandbox.NOBODY)
    return _spool[0]


def folder() -> Path:
    """A new folder in the spool, for a kernel's sockets or a channel."""
    made = Path(tempfile.mkdtemp(dir=spool()))
    if os.geteuid() == 0:
        os.chown(made, sandbox.NOBODY, sandbox.NOBODY)
    return made


def get(role: str, limits: sandbox.Limits) -> Zygote:
    """This process's zygote for ``role`` and ``limits``, started or replaced if need be."""
    return prepare(limits, [role])[0]


def prepare(limits: sandbox.Limits, roles=ROLES) -> list[Zygote]:
    """This process's zygotes for ``roles`` and ``limits``, those missing started at once
    (a grader calls this before a notebook's clock starts)."""
    _adopt()
    zygotes = []
    for role in roles:
        key = (role, limits.memory, limits.file_size, limits.sandbox_memory, limits.processes)
        zygote = _zygotes.get(key)
        if zygote is None or not zygote.alive():
            if zygote is not None:
                zygote.close()
            zygote = _zygotes[key] = Zygote(role, limits, spool())
        zygotes.append(zygote)
    return [zygote.wait() for zygote in zygotes]


def ready(limits: sandbox.Limits, roles=ROLES) -> bool:
    """Start this process's zygotes for ``roles`` if kernels are forked here and they are
    not running yet; False if kernels will start in sandboxes of their own."""
    try:
        return usable() and bool(prepare(limits, roles))
    except RuntimeError:
        return False


def close_all() -> None:
    """Stop this process's zygotes and remove its spool (at exit, and for tests)."""
    if _owner[0] != os.getpid():
        return
    while _zygotes:
        _zygotes.popitem()[1].close()
    while _spool:
        sandbox.remove_folder(_spool.pop())


def _adopt() -> None:
    """A forked process starts with no zygote of its own (its parent's stay its parent's),
    and stops its own when it ends: at exit, or, in a pool's worker, which ends without
    atexit, through multiprocessing's finalizers."""
    if _owner[0] != os.getpid():
        _zygotes.clear()
        _spool.clear()
        _owner[0] = os.getpid()
        atexit.register(close_all)
        multiprocessing.util.Finalize(None, close_all, exitpriority=0)
