"""A fork server for sandboxed kernels, and its client (standard library only).

Starting a kernel that grades a notebook costs about 3 s of CPU before the notebook's first
line: Python, IPython, NumPy and torch load, and the first `torch.optim` optimiser loads
`torch._dynamo`. Paid twice per notebook (tools/verdicts.py runs two kernels), that was most
of the time to grade a class. A **zygote** pays it once: it runs in a sandbox made by
tools/sandbox.py like any kernel, imports all of that, and then forks one kernel per request.

Each forked kernel walls itself off from the zygote and from the kernels forked before it:

- a user, mount, PID and IPC namespace of its own. Its /tmp is a new size-capped tmpfs, so
  nothing an earlier kernel wrote there is seen (the Python installation, if it lives under
  /tmp, is bound back read only); the sandbox's root and /dev are made read only; of the
  shared socket folder (the *spool*) it sees only its own kernel folder and, if asked, a
  channel folder, read only unless asked otherwise;
- it is PID 1 of its PID namespace, so that when it ends every process it started ends too;
- a nested user namespace that can create no further one (as bubblewrap's
  ``--disable-userns``), then no capability, ``no_new_privs``, its own process limit, and
  first place in line for Linux's out-of-memory killer (before the zygote);
- the zygote and the keeper (below) are not dumpable, so a kernel cannot read or trace
  them, and they are outside its PID namespace, so it cannot signal them. It can list them:
  its /proc is still the sandbox's (mounting a /proc of its own is not allowed in a sandbox
  whose /proc is partly covered), where its own processes have other numbers than
  ``os.getpid()`` says.

The zygote's first fork of a request (the *keeper*) stays outside the new PID namespace: it
tells the client when the kernel ends, and kills it when the client goes away or asks.

Run inside the sandbox as ``python -c <this file's text> serve SOCKET``; the client runs
outside it, as the kernel's command that Jupyter starts and stops:
``python -I -S forkserver.py client SOCKET REQUEST``.
"""
import ctypes
import json
import os
import select
import signal
import socket
import sys

CLONE_NEWNS, CLONE_NEWUSER = 0x00020000, 0x10000000
CLONE_NEWPID, CLONE_NEWIPC = 0x20000000, 0x08000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 32, 4096, 16384, 1 << 18
KEPT_FLAGS = MS_NOSUID | MS_NODEV | MS_NOEXEC | 1024 | 2048 | 4096   # noatime, relatime...
PR_SET_PDEATHSIG, PR_SET_DUMPABLE, PR_CAPBSET_DROP, PR_SET_NO_NEW_PRIVS = 1, 4, 24, 38

libc = ctypes.CDLL(None, use_errno=True)


def _call(result: int, what: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{what}: {os.strerror(errno)}")


def _bytes(text):
    return None if text is None else str(text).encode()


def _mount(source, target, fstype, flags, data=None) -> None:
    _call(libc.mount(_bytes(source), _bytes(target), _bytes(fstype), flags, _bytes(data)),
          f"mount {target}")


def _write(path: str, text: str) -> None:
    with open(path, "w") as file:
        file.write(text)


def _new_user_namespace(flags: int = 0) -> None:
    """Unshare a user namespace (and ``flags``) in which this process keeps its own ids."""
    uid, gid = os.getuid(), os.getgid()
    _call(libc.unshare(CLONE_NEWUSER | flags), "unshare")
    _write("/proc/self/setgroups", "deny")
    _write("/proc/self/uid_map", f"{uid} {uid} 1")
    _write("/proc/self/gid_map", f"{gid} {gid} 1")


def _read_only(path: str) -> None:
    """Remount ``path`` read only, keeping the flags it has (a user namespace may add a
    restriction to a mount but not lift one)."""
    kept = os.statvfs(path).f_flag & KEPT_FLAGS
    _mount(None, path, None, MS_REMOUNT | MS_BIND | MS_RDONLY | kept)
    if not os.statvfs(path).f_flag & MS_RDONLY:
        raise OSError(f"{path} is still writable")


def _dumpable(flag: int) -> None:
    """A process that is not dumpable cannot be traced or read through /proc by processes
    of its user, nor write its own /proc/self files (a user namespace's id maps)."""
    _call(libc.prctl(PR_SET_DUMPABLE, flag, 0, 0, 0), "dumpable")


def _walls(request: dict) -> None:
    """The keeper's half: new namespaces and mounts, before the kernel is forked."""
    _dumpable(1)
    _write("/proc/self/oom_score_adj", "1000")       # the kernel goes first, not the zygote
    _new_user_namespace(CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC)
    _dumpable(0)
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    # what stays visible, opened before /tmp (and the spool) are covered: [path, writable]
    kept = [(path, writable, os.open(path, os.O_PATH | os.O_DIRECTORY))
            for path, writable in request["keep"]]
    _mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV,
           f"size={request['tmp_size']},mode=1777")
    spool = request["spool"]
    if not (spool + "/").startswith("/tmp/"):
        _mount("tmpfs", spool, "tmpfs", MS_NOSUID | MS_NODEV, "size=64k,mode=0755")
    for path, writable, fd in kept:
        os.makedirs(path, mode=0o755, exist_ok=True)
        _mount(f"/proc/self/fd/{fd}", path, None, MS_BIND | MS_REC)
        os.close(fd)
        if not writable:
            _read_only(path)
    os.makedirs(os.environ.get("HOME", "/tmp/home"), mode=0o777, exist_ok=True)
    for path in ("/", "/dev"):
        _read_only(path)


def _lock_in(request: dict) -> None:
    """As PID 1 of the new namespace: no further user namespace, no capability, no new
    privilege, its own process limit."""
    import resource
    os.setsid()
    _write("/proc/sys/user/max_user_namespaces", "1")
    _dumpable(1)
    _new_user_namespace()                            # the one namespace the limit allows
    _dumpable(0)
    _call(libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0), "pdeathsig")  # with the keeper
    for capability in range(64):
        if libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
            break                                    # past the last capability
    header = (ctypes.c_uint32 * 2)(0x20080522, 0)    # _LINUX_CAPABILITY_VERSION_3, this process
    _call(libc.capset(header, (ctypes.c_uint32 * 6)()), "capset")    # no capability at all
    _call(libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")
    hard = resource.getrlimit(resource.RLIMIT_NPROC)[1]
    processes = request["processes"] if hard < 0 else min(request["processes"], hard)
    resource.setrlimit(resource.RLIMIT_NPROC, (processes, processes))
    os.chdir("/tmp")


def _init(request: dict) -> None:
    """PID 1 of the new namespace: lock in, fork the kernel, pass it SIGINT and SIGTERM, and
    reap every orphan until the kernel ends; never returns."""
    code = 1
    try:
        _lock_in(request)
        null = os.open("/dev/null", os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(null, fd)
        os.closerange(3, 1024)
        kernel = os.fork()
        if kernel == 0:
            _kernel(request)
        for number in (signal.SIGINT, signal.SIGTERM):
            signal.signal(number, lambda n, _: os.kill(kernel, n))
        while True:
            pid, status = os.wait()
            if pid == kernel:
                code = os.waitstatus_to_exitcode(status)
                return
    finally:
        os._exit(code)


def _kernel(request: dict) -> None:
    """Become the IPython kernel of ``request["connection_file"]``; never returns."""
    code = 1
    try:
        _dumpable(1)                                 # its own /proc entries, as usual
        import numpy
        numpy.random.seed()                          # fresh entropy, as a new process has
        sys.path[:] = [p for p in sys.path if p not in ("", os.getcwd())]
        sys.argv = ["ipykernel_launcher", "-f", request["connection_file"],
                    "--HistoryManager.enabled=False"]
        from ipykernel import kernelapp
        kernelapp.launch_new_instance()
        code = 0
    finally:
        os._exit(code)


def _keep(connection: socket.socket) -> None:
    """The zygote's child for one request: wall off, fork the kernel's PID 1, report, and
    watch both it and the client; never returns."""
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    code = 1
    try:
        request = json.loads(connection.makefile().readline())
        try:
            _walls(request)
            kernel = os.fork()
            if kernel == 0:
                _init(request)
        except Exception as error:                   # noqa: BLE001 (told to the client)
            connection.sendall(json.dumps({"error": str(error)}).encode() + b"\n")
            return
        connection.sendall(b'{"started": true}\n')
        watch = os.pidfd_open(kernel)
        while True:
            ready, _, _ = select.select([connection, watch], [], [])
            if watch in ready:
                _, status = os.waitpid(kernel, 0)
                code = os.waitstatus_to_exitcode(status)
                connection.sendall(json.dumps({"exit": code}).encode() + b"\n")
                return
            message = connection.recv(64)
            number = int(message.split(b"\n")[0]) if message else signal.SIGKILL
            os.kill(kernel, number)
            if number == signal.SIGKILL:   # the client is gone, or wants it gone at once:
                os.waitpid(kernel, 0)      # this returns once every process of it ended
                connection.sendall(b'{"exit": -9}\n')
                return
    finally:
        os._exit(code)


def warm() -> None:
    """Import what the kernels need, so that each fork starts with it."""
    import ipykernel.debugger  # noqa: F401 (debugpy: a third of a kernel's start)
    import ipykernel.ipkernel  # noqa: F401
    import ipykernel.kernelapp  # noqa: F401
    import numpy  # noqa: F401
    import torch
    import torch.distributions  # noqa: F401
    import torch.nn.functional  # noqa: F401
    # the first optimiser imports torch._dynamo (over a second); its parameter is zeros,
    # so no random number is drawn
    torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)


def serve(control: str) -> None:
    """Fork a keeper (and so a kernel) for each request on the socket ``control``."""
    warm()
    tasks = os.listdir("/proc/self/task")
    if len(tasks) != 1:                  # a fork copies one thread; the others' locks stay held
        raise RuntimeError(f"the zygote runs {len(tasks)} threads; it can fork only with one")
    _dumpable(0)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)     # keepers are reaped by the system
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(f"{control}.new")
    listener.listen(16)
    os.rename(f"{control}.new", control)           # it appears when the zygote is ready
    while True:
        connection, _ = listener.accept()
        if os.fork() == 0:
            listener.close()
            _keep(connection)
        connection.close()


def client(control: str, request: str) -> int:
    """Ask the zygote for a kernel, then stand for it: exit when it does, pass SIGINT and
    SIGTERM on (after SIGTERM, return once every process of the kernel has ended)."""
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    connection.connect(control)
    connection.sendall(request.encode() + b"\n")
    replies = connection.makefile()
    reply = json.loads(replies.readline() or '{"error": "the zygote did not answer"}')
    if "error" in reply:
        print(f"forkserver: {reply['error']}", file=sys.stderr)
        return 1

    def forward(number, _frame):
        connection.sendall(f"{signal.SIGKILL if number == signal.SIGTERM else number}\n"
                           .encode())

    signal.signal(signal.SIGINT, forward)
    signal.signal(signal.SIGTERM, forward)
    for line in replies:
        return json.loads(line)["exit"]
    return 1


if __name__ == "__main__":
    role = sys.argv[1]
    if role == "serve":
        serve(sys.argv[2])
    else:
        sys.exit(client(sys.argv[2], sys.argv[3]))
