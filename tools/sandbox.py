"""A Jupyter kernel that runs a student's code in a sandbox, for grading.

The sandbox is bubblewrap (``bwrap``, Debian's ``bubblewrap``), the unprivileged sandbox
that Flatpak uses, with resource limits set by util-linux's ``prlimit``. Inside it the
kernel sees

- the Python installation, read only, and an empty, size-capped ``/tmp`` as its working
  folder: no course folder, no source notebooks, no other submission, no gradebook, no
  side file handed in with the notebook, no home folder;
- no network (a network namespace of its own), no process outside it (a PID namespace),
  no variable of the grader's environment, one thread for NumPy and PyTorch;
- at most ``Limits.memory`` bytes of address space per process, ``Limits.processes``
  processes, ``Limits.file_size`` bytes per written file; when it ends, every process it
  started ends with it, ``setsid`` or not, because the PID namespace goes away.

The grader (outside) talks to the kernel over Unix sockets in a folder of its own, the only
folder the two share; cell by cell, so a test cell reaches the kernel only when it runs.

When the grader runs as root, the kernel drops to the unprivileged user ``nobody``
(``setpriv``), because the kernel exempts root from the process limit.

Where the machine allows it, a Session's kernel does not start in a sandbox of its own:
it is forked from a *zygote*, a sandbox as above that has loaded Python, IPython and
PyTorch once (tools/zygote.py), and walls itself off further (tools/forkserver.py).
"""
from __future__ import annotations

import copy
import json
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from tools import cgroups

NOBODY = 65534


@dataclass(frozen=True)
class Limits:
    """What one submission may use. The solutions need well under a tenth of each."""
    memory: int = 2 * 2**30          # bytes of address space per process (torch maps ~0.7 GB)
    processes: int = 64              # processes and threads the sandbox may add
    file_size: int = 16 * 2**20      # bytes per file written
    tmp_size: int = 64 * 2**20       # bytes in the writable /tmp
    cell_seconds: float = 60         # per cell; the solutions need under 5 s
    notebook_seconds: float = 300    # per notebook, every cell and restart included
    output_bytes: int = 2**20        # of outputs, display updates and widget state per notebook
    sandbox_memory: int = 3 * 2**30  # bytes of RAM and tmpfs for the whole sandbox (a cgroup)


def problem() -> str | None:
    """Why sandboxed kernels cannot start on this machine, or None if they can."""
    for tool in ("bwrap", "prlimit") + (("setpriv",) if os.geteuid() == 0 else ()):
        if shutil.which(tool) is None:
            return (f"`{tool}` is not installed (Debian: apt-get install "
                    f"{'bubblewrap' if tool == 'bwrap' else 'util-linux'})")
    probe = subprocess.run(command(["/bin/true"], Path("/"), Limits()),
                           capture_output=True, text=True)
    if probe.returncode != 0:
        return f"bwrap cannot make a sandbox here: {probe.stderr.strip()}"
    return None


def _parents(path: str) -> list[str]:
    """Make a bind target's parent folders readable by all (bwrap's default is 0700 for
    root, which the unprivileged kernel could not pass through)."""
    args = []
    for parent in reversed(Path(path).parents[:-1]):
        args += ["--perms", "0755", "--dir", str(parent)]
    return args


def _system_binds() -> list[str]:
    """The read-only system folders: /usr and the merged-/usr links, or real folders."""
    args = ["--ro-bind", "/usr", "/usr"]
    for top in ("/bin", "/sbin", "/lib", "/lib32", "/lib64"):
        path = Path(top)
        if path.is_symlink():
            args += ["--symlink", os.readlink(path), top]
        elif path.is_dir():
            args += ["--ro-bind", top, top]
    args += _parents("/etc/x")
    for name in ("/etc/ld.so.cache", "/etc/alternatives", "/etc/localtime"):
        args += ["--ro-bind-try", name, name]
    return args


def python_roots() -> list[str]:
    """This Python's folders outside /usr: its base installation and virtual environment."""
    roots = {str(Path(sys.base_prefix).resolve()), str(Path(sys.prefix).resolve())}
    return sorted(root for root in roots if not root.startswith("/usr/"))


def _python_binds() -> list[str]:
    """This Python, read only."""
    args = []
    for root in python_roots():
        args += [*_parents(root), "--ro-bind", root, root]
    return args


def _tasks_of(uid: int) -> int:
    """How many tasks (threads included) the user ``uid`` runs now."""
    count = 0
    for task in Path("/proc").glob("[0-9]*/task/[0-9]*"):
        try:
            count += task.stat().st_uid == uid
        except OSError:                             # ended while we looked
            pass
    return count


def tasks_of_sandbox_user() -> int:
    """How many tasks the user that sandboxed code runs as runs now (see command())."""
    return _tasks_of(NOBODY if os.geteuid() == 0 else os.getuid())


def command(argv: list[str], shared: Path, limits: Limits, binds=(), groups=None,
            processes: str | None = None) -> list[str]:
    """``argv`` wrapped in prlimit and bwrap, sharing only the folder ``shared`` (and
    ``binds``: (bwrap option, path) pairs), in the control ``groups`` if any
    (tools/cgroups.py), with ``processes`` as its process limit if given."""
    home = "/tmp/home"
    environment = {
        "PATH": f"{Path(sys.prefix) / 'bin'}:/usr/bin:/bin", "HOME": home, "LANG": "C.UTF-8",
        "TMPDIR": "/tmp", "PYTHONNOUSERSITE": "1", "PYTHONDONTWRITEBYTECODE": "1",
        "MPLBACKEND": "Agg", "MPLCONFIGDIR": f"{home}/.matplotlib",
        "IPYTHONDIR": f"{home}/.ipython",
        "JUPYTER_PLATFORM_DIRS": "1",
        # one thread each, so that parallel grading does not oversubscribe the cores
        "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    root = os.geteuid() == 0
    # everything --unshare-all unshares; the user namespace only for an ordinary user
    # (root builds the sandbox with its own rights and then drops them, below)
    namespaces = ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts",
                  "--unshare-cgroup-try"] + ([] if root else ["--unshare-user"])
    # /tmp first: bwrap mounts in order, and a Python or a shared folder under /tmp (a
    # virtual environment in a temporary clone, say) must be bound on top of it, not hidden
    sandbox = ["bwrap", *namespaces, "--die-with-parent", "--new-session", "--clearenv",
               "--proc", "/proc", "--dev", "/dev",
               "--size", str(limits.tmp_size), "--perms", "1777", "--tmpfs", "/tmp",
               "--perms", "0777", "--dir", home,
               *_system_binds(), *_python_binds(),
               *_parents(str(shared)), "--bind", str(shared), str(shared)]
    for option, path in binds:
        sandbox += [*_parents(str(path)), option, str(path), str(path)]
    sandbox += ["--chdir", "/tmp"]
    for key, value in environment.items():
        sandbox += ["--setenv", key, value]
    if root:
        # bwrap needs root's rights to build the sandbox; the code inside does not get them
        if str(shared) != "/":
            os.chown(shared, NOBODY, NOBODY)
        sandbox += ["--", "setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}",
                    "--clear-groups", "--inh-caps=-all", "--bounding-set=-all",
                    "--no-new-privs"]
    else:
        sandbox += ["--cap-drop", "ALL", "--"]
    # The kernel counts the limit against every task (process or thread) of the user (as
    # root, nobody: the other sandboxes graded at once; otherwise also the desktop's), so
    # the limit is what that user runs now plus the sandbox's share.
    processes = processes or limits.processes + tasks_of_sandbox_user()
    caps = ["prlimit", f"--as={limits.memory}", f"--nproc={processes}",
            f"--fsize={limits.file_size}", "--core=0", "--nofile=256", "--"]
    return (cgroups.join_command(groups) if groups else []) + caps + sandbox + argv


def kernel_argv(shared: Path, limits: Limits, binds=(), groups=None) -> list[str]:
    """The command of an IPython kernel in the sandbox ({connection_file} as Jupyter's)."""
    python = str(Path(sys.prefix) / "bin" / "python")
    return command([python, "-m", "ipykernel_launcher", "-f", "{connection_file}",
                    "--HistoryManager.enabled=False"], shared, limits, binds, groups)


def kernel_manager(folder: Path, argv: list[str]):
    """A Jupyter kernel manager that starts its kernel with ``argv`` ({connection_file} as
    Jupyter's), over Unix sockets in ``folder`` (TCP would need the network the sandbox
    does not have)."""
    from jupyter_client.manager import AsyncKernelManager

    class SandboxedKernelManager(AsyncKernelManager):   # nbclient awaits its replies
        def format_kernel_cmd(self, extra_arguments=None):
            return [self.connection_file if part == "{connection_file}" else part
                    for part in argv]

        def write_connection_file(self, **kwargs):
            super().write_connection_file(**kwargs)
            if os.geteuid() == 0:           # the kernel runs as nobody (see command())
                os.chown(self.connection_file, NOBODY, NOBODY)

    return SandboxedKernelManager(transport="ipc", ip=str(folder / "kernel"),
                                  connection_file=str(folder / "connection.json"))


# What the grader checks after every answer has run: the functions the tests rely on, and
# the hooks through which code could rewrite later cells, must be the ones from before the
# first answer. A dict of ids as JSON (names and numbers only, so its repr is the JSON in
# quotes), read through the kernel's user_expressions.
FINGERPRINT = """(lambda sys: __import__("json").dumps({
    f"{m}.{a}": id(getattr(sys.modules[m], a))
    for m in ("builtins", "numpy", "numpy.testing", "torch", "torch.testing", "math")
    if m in sys.modules
    for a in sorted(vars(sys.modules[m])) if not a.startswith("_") or m == "builtins"
} | {
    "input_transformers": len(get_ipython().input_transformers_cleanup)
                          + len(get_ipython().input_transformers_post),
    "ast_transformers": len(get_ipython().ast_transformers),
    "meta_path": len(sys.meta_path), "events": sum(
        len(v) for v in get_ipython().events.callbacks.values()),
}))(__import__("sys"))"""


QUIET = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}   # the kernel's banner


@dataclass
class Execution:
    """A notebook after it ran in the sandbox, and what happened on the way."""
    nb: object
    events: list[str]       # timeouts, restarts, cut output: for the feedback
    tampering: list[str]    # what changed under the tests (see FINGERPRINT)
    seconds: float
    out_of_time: bool       # the notebook's time limit left cells unrun


def _error(ename: str, evalue: str):
    from nbformat.v4 import new_output
    return new_output("error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])


class OverCap(Exception):
    """A notebook printed or displayed more than its cap: it stops there."""


def _client_class():
    from nbclient import NotebookClient

    class CappedClient(NotebookClient):
        """Counts every message with content against ``limits.output_bytes``: new outputs,
        updates of an output displayed earlier and widget state alike (not the replays of
        a restart); errors are kept short."""
        limits = Limits()
        kept = 0
        counting = True

        def process_message(self, msg, cell, cell_index):
            content = msg["content"]
            if msg["msg_type"] == "error":
                content["evalue"] = content.get("evalue", "")[:2000]
                content["traceback"] = [line[:2000] for line in content.get("traceback", [])[-20:]]
            elif msg["msg_type"] not in ("status", "execute_input") and self.counting:
                self.kept += len(json.dumps(content)) + sum(map(len, msg.get("buffers", [])))
                if self.kept > self.limits.output_bytes:
                    raise OverCap(f"the notebook printed or displayed more than "
                                  f"{self.limits.output_bytes} bytes")
            return super().process_message(msg, cell, cell_index)

    return CappedClient


class Session:
    """One notebook's cells, run one at a time in a sandboxed kernel, as a Run All would.

    A cell that runs past ``limits.cell_seconds`` or kills its kernel (the memory limit,
    say) gets an error output; the kernel is then replaced and the cells that had finished
    are run again, without their outputs, so that the cells after it run as usual. Past the
    notebook's time limit (shared with other sessions through ``deadline``), after three
    restarts, or over the output cap, no further cell runs. ``binds`` are extra folders of
    the host, as (bwrap option, path) pairs, such as the channel of tools/channel.py.
    """

    def __init__(self, nb, limits: Limits, deadline: float, binds=(), role: str = "answers"):
        self.limits, self.deadline, self.binds, self.role = limits, deadline, list(binds), role
        self.events: list[str] = []
        self.finished: list[int] = []
        self.restarts = 0
        self.stopped = None             # why the remaining cells do not run
        self.folders: list[Path] = []
        self.client = _client_class()(nb, km=self._manager(), allow_errors=True,
                                      interrupt_on_timeout=False, startup_timeout=60,
                                      shutdown_kernel="immediate", record_timing=False)
        self.client.limits = limits

    @property
    def nb(self):
        return self.client.nb

    def _manager(self):
        from tools import zygote
        self.groups = None
        try:
            parent = zygote.usable() and zygote.get(self.role, self.limits)
        except RuntimeError as error:                # it did not start: a fresh sandbox
            zygote.disable(str(error))
            parent = None
        self.forked = bool(parent)
        if parent:
            # a kernel forked by this process's zygote for the role, in its control group
            self.folders.append(zygote.folder())
            argv = parent.command(self.folders[-1] / "connection.json", self.binds)
        else:
            self.folders.append(small_folder())
            # a control group per kernel (None where groups cannot be made): memory and
            # tasks capped for the sandbox as a whole, the kernel's own threads included
            self.groups = cgroups.create(self.limits.sandbox_memory, self.limits.processes + 32)
            argv = kernel_argv(self.folders[-1], self.limits, self.binds, self.groups)
        return kernel_manager(self.folders[-1], argv)

    def start(self):
        from jupyter_core.utils import run_sync
        try:
            run_sync(self.client.km.start_kernel)(env=kernel_environment(), **QUIET)
            run_sync(self._connect)()
        except Exception as error:
            if not self.forked:
                raise
            # no student code has run yet: the machine cannot fork kernels after all
            from tools import zygote
            zygote.disable(f"a forked kernel did not start ({type(error).__name__})")
            self._stop()
            self.client.km, self.client.kc = self._manager(), None
            self.start()

    async def _connect(self):
        """nbclient's start_new_kernel_client without the waits of jupyter_client's
        wait_for_ready, which can take as long as a forked kernel takes to start: ask for
        the kernel's info until it replies, and see one message on IOPub."""
        from jupyter_core.utils import ensure_async
        kc = self.client.kc = self.client.km.client()
        await ensure_async(kc.start_channels())
        deadline = time.monotonic() + self.client.startup_timeout
        while time.monotonic() < deadline:
            kc.kernel_info()
            try:
                reply = await kc.shell_channel.get_msg(timeout=0.05)
                if reply["msg_type"] == "kernel_info_reply":
                    await kc.iopub_channel.get_msg(timeout=0.5)
                    kc.allow_stdin = False
                    return
            except queue.Empty:
                pass
            if not await ensure_async(self.client.km.is_alive()):
                break
        raise RuntimeError("the kernel died or did not reply before it was used")

    def run(self, index: int) -> bool:
        """Run cell ``index``; False if it did not finish (or did not run at all)."""
        from nbclient.exceptions import CellTimeoutError, DeadKernelError

        cell = self.client.nb.cells[index]
        left = self.deadline - time.monotonic()
        if left <= 0 and self.stopped is None:
            self.stopped = (f"the notebook's time limit ({self.limits.notebook_seconds:g} s) "
                            "was reached")
        if self.stopped:
            if not any("not run" in event for event in self.events):
                self.events.append(f"cell {index} and after: not run, {self.stopped}")
            cell.outputs = [_error("NotRun", self.stopped)]
            return False
        self.client.timeout = int(max(1, min(self.limits.cell_seconds, left)))
        try:
            self.client.execute_cell(cell, index)
            self.finished.append(index)
            return True
        except OverCap as error:
            # the cell is stopped (a new kernel without it) and no cell runs after it
            cell.outputs = cell.outputs[:20] + [_error("OutputLimit", str(error))]
            self.events.append(f"cell {index}: {error}; it was stopped, and no cell after it ran")
            self.restart()
            self.stopped = self.stopped or str(error)
            return False
        except Exception as error:          # noqa: BLE001 (a broken kernel, say)
            timed_out = isinstance(error, CellTimeoutError)
            reason = (f"stopped after {self.client.timeout} s" if timed_out
                      else "the kernel died (over the memory or process limit?)"
                      if isinstance(error, DeadKernelError)
                      else f"the kernel stopped answering ({type(error).__name__})")
            cell.outputs.append(_error("TimeoutError" if timed_out else "KernelDied", reason))
            self.events.append(f"cell {index}: {reason}")
            self.restart()
            return False

    def restart(self):
        """A new sandbox and kernel (a kernel manager and its sockets are not reusable),
        with the cells that had finished run again (their first outputs kept)."""
        self.restarts += 1
        if self.restarts > 3:
            self.stopped = "the kernel was restarted 3 times"
            return
        self._stop()
        self.client.km, self.client.kc = self._manager(), None
        self.client.counting = False
        try:
            self.start()
            for index in self.finished:
                kept = self.client.nb.cells[index]
                self.client.execute_cell(copy.deepcopy(kept), index, store_history=False)
                self.client.nb.cells[index] = kept
        except Exception as error:                  # noqa: BLE001 (a replay failed)
            self.stopped = f"the kernel could not be restarted ({type(error).__name__})"
        finally:
            self.client.counting = True

    def evaluate(self, expression: str, code: str = "") -> str | None:
        """Run ``code`` silently, then the value of ``expression`` as text (None if the
        kernel could not say)."""
        from jupyter_core.utils import run_sync
        try:
            reply = run_sync(self.client.kc.execute_interactive)(
                code, silent=True, store_history=False, user_expressions={"v": expression},
                timeout=self.limits.cell_seconds)
            value = reply["content"]["user_expressions"]["v"]
            return value["data"]["text/plain"] if value["status"] == "ok" else None
        except Exception:                           # noqa: BLE001 (broken by an answer)
            return None

    def send(self, code: str) -> None:
        """Start ``code`` without waiting for it (its output is never read)."""
        self.client.kc.execute(code, silent=True, store_history=False)

    def _stop(self):
        from jupyter_core.utils import run_sync
        if self.client.kc is not None:
            self.client.kc.stop_channels()
        process = getattr(self.client.km.provisioner, "process", None)
        if self.forked and process is not None and process.poll() is None:
            # a forked kernel's client: SIGTERM returns once every process of it ended
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                pass
        try:
            run_sync(self.client.km.shutdown_kernel)(now=True)
        except Exception:                           # noqa: BLE001 (already dead)
            pass
        cgroups.remove(self.groups)

    def close(self):
        self._stop()
        for folder in self.folders:
            remove_folder(folder)

    @property
    def out_of_time(self) -> bool:
        return bool(self.stopped) and "time limit" in self.stopped


def small_folder(size: int = 2**20) -> Path:
    """A new folder for a kernel's sockets, which the sandbox can write: as root, a tmpfs of
    ``size`` bytes, so that the kernel cannot fill the host's /tmp through it (elsewhere a
    plain folder; each file in it is still capped by the sandbox's file size limit)."""
    folder = Path(tempfile.mkdtemp(prefix="dlbook-kernel-"))
    if os.geteuid() == 0:
        subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs",
                        str(folder)], **QUIET)
    return folder


def remove_folder(folder: Path) -> None:
    if os.path.ismount(folder):
        subprocess.run(["umount", "-l", str(folder)], **QUIET)
    shutil.rmtree(folder, ignore_errors=True)


def kernel_environment() -> dict[str, str]:
    """What bwrap itself starts with: nothing of the grader's (a sandbox's /proc/1/environ
    shows it); the kernel's own variables are set inside, by command()."""
    return {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}


def execute(nb, limits: Limits = Limits(), watch: set[int] = frozenset()) -> Execution:
    """Run ``nb`` in a sandboxed Session, every code cell in order (see run_cells)."""
    from tools import zygote
    zygote.ready(limits, ["answers"])   # before the clock starts: the time is the notebook's
    start = time.monotonic()
    session = Session(nb, limits, start + limits.notebook_seconds)
    try:
        session.start()
        cells = [i for i, cell in enumerate(nb.cells) if cell.cell_type == "code"]
        tampering = run_cells(session, cells, watch)
    finally:
        session.close()
    return Execution(session.nb, session.events, tampering, time.monotonic() - start,
                     session.out_of_time)


def run_cells(session: Session, cells: list[int], watch: set[int]) -> list[str]:
    """Run ``cells`` in order. After each cell in ``watch`` (the answers), FINGERPRINT is
    compared with its value before it (the first time, before the first of them); what
    changed is returned, a warning for an instructor, not a verdict."""
    tampering, baseline, restarts = [], None, session.restarts

    def fingerprint():
        value = session.evaluate(FINGERPRINT)
        try:
            return json.loads(value[1:-1])
        except (TypeError, ValueError):
            return {"the check itself": "failed"}

    for index in cells:
        if index in watch and baseline is None and not session.stopped:
            baseline = fingerprint()
        session.run(index)
        if session.restarts != restarts:            # a new process: new ids to compare
            restarts = session.restarts
            baseline = fingerprint() if baseline is not None else None
        elif index in watch and baseline is not None and not session.stopped:
            now = fingerprint()
            changed = sorted(k for k in baseline if now.get(k) != baseline[k])
            if changed:
                tampering.append(f"cell {index} changed {', '.join(changed[:5])}")
            baseline = now                          # report each change once
    return tampering
