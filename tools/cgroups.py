"""A control group for each sandbox: memory and tasks capped for the sandbox as a whole.

prlimit's caps are per process (address space) or per user (processes), so six children
of 1.2 GB each, a tmpfs of a nested user namespace, or a fork flood in one sandbox that
eats the margin of another all get through them. A cgroup counts everything its processes
use, files in a tmpfs included, and the kernel's OOM killer or the pids controller stops
the sandbox at its cap.

Linux has two layouts: cgroup v1 (one hierarchy per controller, /sys/fs/cgroup/memory and
/sys/fs/cgroup/pids) and v2 (one hierarchy, controllers enabled per subtree). Either works
where the grader may create groups: as root, or in a subtree delegated to its user. Where
neither does, ``create`` returns None and the sandbox has prlimit's caps only (the guide
says so; ``tools.sandbox.problem`` does not refuse to grade).
"""
from __future__ import annotations

import os
import signal
import time
import uuid
from pathlib import Path

ROOT = Path("/sys/fs/cgroup")


def _own_path(controller: str) -> str:
    """This process's cgroup in the hierarchy of ``controller`` ("" for v2's)."""
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        if controller in controllers.split(","):
            return path
    return "/"


def _base(mount: Path, controller: str) -> Path:
    """Where to create groups: under this process's own group if it is visible, else at
    the mount's root (a container often mounts its own group there)."""
    own = mount / _own_path(controller).lstrip("/")
    return own if own.is_dir() else mount


def _write(path: Path, value: str) -> bool:
    try:
        path.write_text(value)
        return True
    except OSError:
        return False


def create(memory: int, tasks: int) -> list[Path] | None:
    """New groups capping ``memory`` bytes (RAM and tmpfs, no swap) and ``tasks``
    processes and threads; the folders to join, or None where groups cannot be made."""
    name = f"dlbook-sandbox-{uuid.uuid4().hex[:12]}"
    if (ROOT / "memory" / "cgroup.procs").exists() and (ROOT / "pids" / "cgroup.procs").exists():
        groups = [_base(ROOT / "memory", "memory") / name, _base(ROOT / "pids", "pids") / name]
        settings = [(groups[0], "memory.limit_in_bytes", str(memory)),
                    (groups[0], "memory.memsw.limit_in_bytes", str(memory)),   # if swap counts
                    (groups[1], "pids.max", str(tasks))]
    elif {"memory", "pids"} <= set((ROOT / "cgroup.controllers").read_text().split()
                                   if (ROOT / "cgroup.controllers").exists() else []):
        base = _base(ROOT, "")
        if not _write(base / "cgroup.subtree_control", "+memory +pids"):
            return None
        groups = [base / name]
        settings = [(groups[0], "memory.max", str(memory)),
                    (groups[0], "memory.swap.max", "0"), (groups[0], "pids.max", str(tasks))]
    else:
        return None
    try:
        for group in groups:
            group.mkdir()
    except OSError:
        remove(groups)
        return None
    for group, key, value in settings:
        if not _write(group / key, value) and "swap" not in key and "memsw" not in key:
            remove(groups)
            return None
    return groups


def join_command(groups: list[Path]) -> list[str]:
    """A shell that moves itself into ``groups``, then runs the rest of the command."""
    moves = " && ".join(f"echo $$ > '{g / 'cgroup.procs'}'" for g in groups)
    return ["/bin/sh", "-c", f'{moves} && exec "$@"', "sandbox"]


def remove(groups: list[Path] | None, seconds: float = 30) -> None:
    """Stop whatever still runs in ``groups`` and delete them. A process the OOM killer
    chose can take seconds to exit while a busy machine reclaims its memory, and the
    group cannot go before it does: so keep trying for ``seconds``, not a fixed count."""
    for group in groups or []:
        deadline = time.monotonic() + seconds
        while group.exists() and time.monotonic() < deadline:
            if (group / "cgroup.kill").exists():
                _write(group / "cgroup.kill", "1")
            else:
                for pid in _pids(group):
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except OSError:
                        pass
            try:
                group.rmdir()
            except OSError:
                time.sleep(0.05)


def _pids(group: Path) -> list[int]:
    try:
        return [int(p) for p in (group / "cgroup.procs").read_text().split()]
    except OSError:
        return []


def available() -> bool:
    """Whether this process can make a sandbox's groups here (a probe, removed at once)."""
    groups = create(2**30, 64)
    remove(groups)
    return groups is not None
