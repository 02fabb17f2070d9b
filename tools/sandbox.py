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
"""
from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

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
    output_bytes: int = 2**20        # of stored outputs per notebook


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


def _python_binds() -> list[str]:
    """This Python (its base installation and, if any, its virtual environment), read only."""
    roots = {Path(sys.base_prefix).resolve(), Path(sys.prefix).resolve()}
    args = []
    for root in sorted(roots):
        if not str(root).startswith("/usr/"):
            args += [*_parents(str(root)), "--ro-bind", str(root), str(root)]
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


def command(argv: list[str], shared: Path, limits: Limits) -> list[str]:
    """``argv`` wrapped in prlimit and bwrap, sharing only the folder ``shared``."""
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
               *_parents(str(shared)), "--bind", str(shared), str(shared), "--chdir", "/tmp"]
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
    processes = limits.processes + _tasks_of(NOBODY if root else os.getuid())
    caps = ["prlimit", f"--as={limits.memory}", f"--nproc={processes}",
            f"--fsize={limits.file_size}", "--core=0", "--nofile=256", "--"]
    return caps + sandbox + argv


def kernel_argv(shared: Path, limits: Limits) -> list[str]:
    """The command of an IPython kernel in the sandbox ({connection_file} as Jupyter's)."""
    python = str(Path(sys.prefix) / "bin" / "python")
    return command([python, "-m", "ipykernel_launcher", "-f", "{connection_file}",
                    "--HistoryManager.enabled=False"], shared, limits)


def kernel_manager(shared: Path, limits: Limits):
    """A Jupyter kernel manager whose kernel runs in the sandbox, over Unix sockets in
    ``shared`` (TCP would need the network the sandbox does not have)."""
    from jupyter_client.manager import AsyncKernelManager

    class SandboxedKernelManager(AsyncKernelManager):   # nbclient awaits its replies
        def format_kernel_cmd(self, extra_arguments=None):
            return [self.connection_file if part == "{connection_file}" else part
                    for part in kernel_argv(shared, limits)]

        def write_connection_file(self, **kwargs):
            super().write_connection_file(**kwargs)
            if os.geteuid() == 0:           # the kernel runs as nobody (see command())
                os.chown(self.connection_file, NOBODY, NOBODY)

    return SandboxedKernelManager(transport="ipc", ip=str(shared / "kernel"),
                                  connection_file=str(shared / "connection.json"))


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


def _note(text: str):
    from nbformat.v4 import new_output
    return new_output("stream", name="stdout", text=text)


def execute(nb, limits: Limits = Limits(), watch: set[int] = frozenset()) -> Execution:
    """Run ``nb`` cell by cell in a sandboxed kernel, as a student's Run All would.

    A cell that runs past ``limits.cell_seconds`` or kills its kernel (the memory limit,
    say) gets an error output; the kernel is then replaced and the cells that had finished
    are run again, without their outputs, so that the cells after it are graded as usual.
    After each cell in ``watch`` (the answers), FINGERPRINT is compared with its value
    before it (the first time, before the first of them).
    """
    from jupyter_core.utils import run_sync
    from nbclient import NotebookClient
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    class CappedClient(NotebookClient):
        """Keeps at most limits.output_bytes of outputs; errors always (they grade)."""
        kept = 0
        cut = False

        def output(self, outs, msg, display_id, cell_index):
            size = len(json.dumps(msg["content"]))
            if msg["msg_type"] == "error":
                content = msg["content"]
                content["evalue"] = content.get("evalue", "")[:2000]
                content["traceback"] = [line[:2000] for line in content.get("traceback", [])[-20:]]
            elif self.kept + size > limits.output_bytes:
                if not self.cut:
                    self.cut = True
                    outs.append(_note(f"[output cut: the notebook printed more than "
                                      f"{limits.output_bytes} bytes]\n"))
                return None
            self.kept += size
            return super().output(outs, msg, display_id, cell_index)

    start = time.monotonic()
    deadline = start + limits.notebook_seconds
    shared = [Path(tempfile.mkdtemp(prefix="dlbook-kernel-"))]
    client = CappedClient(nb, km=kernel_manager(shared[0], limits), allow_errors=True,
                          interrupt_on_timeout=False, startup_timeout=60,
                          shutdown_kernel="immediate", record_timing=False)
    events, tampering, finished = [], [], []
    baseline = None

    def fingerprint():
        try:
            reply = run_sync(client.kc.execute_interactive)(
                "", silent=True, store_history=False, user_expressions={"fp": FINGERPRINT},
                timeout=limits.cell_seconds)
            value = reply["content"]["user_expressions"]["fp"]
            return json.loads(value["data"]["text/plain"][1:-1])
        except Exception:                           # noqa: BLE001 (broken by the answer)
            return {"the check itself": "failed"}

    def stop():
        if client.kc is not None:
            client.kc.stop_channels()
        try:
            run_sync(client.km.shutdown_kernel)(now=True)
        except Exception:                           # noqa: BLE001 (already dead)
            pass

    def restart():
        """A new sandbox and kernel (a kernel manager and its sockets are not reusable)."""
        stop()
        shared.append(Path(tempfile.mkdtemp(prefix="dlbook-kernel-")))
        client.km, client.kc = kernel_manager(shared[-1], limits), None
        client.start_new_kernel(**QUIET)
        client.start_new_kernel_client()
        for index in finished:                      # replay, keeping the first outputs
            kept = client.nb.cells[index]
            client.execute_cell(copy.deepcopy(kept), index, store_history=False)
            client.nb.cells[index] = kept

    restarts, stopped = 0, None         # stopped: why the remaining cells do not run
    try:
        client.start_new_kernel(**QUIET)
        client.start_new_kernel_client()
        for index, cell in enumerate(client.nb.cells):
            if cell.cell_type != "code":
                continue
            left = deadline - time.monotonic()
            if left <= 0 and stopped is None:
                stopped = f"the notebook's time limit ({limits.notebook_seconds:g} s) was reached"
            if stopped:
                if not any("not run" in event for event in events):
                    events.append(f"cell {index} and after: not run, {stopped}")
                cell.outputs = [_error("NotRun", stopped)]
                continue
            if index in watch and baseline is None:
                baseline = fingerprint()
            client.timeout = int(max(1, min(limits.cell_seconds, left)))
            try:
                client.execute_cell(cell, index)
                finished.append(index)
            except (CellTimeoutError, DeadKernelError) as error:
                timed_out = isinstance(error, CellTimeoutError)
                reason = (f"stopped after {client.timeout} s" if timed_out
                          else "the kernel died (over the memory or process limit?)")
                cell.outputs.append(_error("TimeoutError" if timed_out else "KernelDied", reason))
                events.append(f"cell {index}: {reason}")
                restarts += 1
                if restarts > 3:
                    stopped = "the kernel was restarted 3 times"
                    continue
                try:
                    restart()
                    if baseline is not None:        # a new process: new ids to compare
                        baseline = fingerprint()
                except Exception as error:          # noqa: BLE001 (a replay failed)
                    stopped = f"the kernel could not be restarted ({type(error).__name__})"
                continue
            if index in watch and baseline is not None:
                now = fingerprint()
                changed = sorted(k for k in baseline if now.get(k) != baseline[k])
                if changed:
                    tampering.append(f"cell {index} changed {', '.join(changed[:5])}")
                baseline = now                      # report each change once
    finally:
        stop()
        for folder in shared:
            shutil.rmtree(folder, ignore_errors=True)
    out_of_time = bool(stopped) and "time limit" in stopped
    return Execution(client.nb, events, tampering, time.monotonic() - start, out_of_time)
