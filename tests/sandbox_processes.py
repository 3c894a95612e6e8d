"""The grading sandbox's processes of this test session, found in /proc: the fork server,
its supervisors and workers and anything a student forked are all runs or forks of
``src/actref/grading/server.py``, so each names that file on its command line. Matched
by this checkout's path, so the grader of another checkout running beside the tests is
not taken for ours; and by ancestry, so neither is another session's of this checkout
(tests/test_one_touch.py runs the suite inside the suite): ours descend from this
process, or are orphans (every ancestor but init a sandbox process) born after it."""

from __future__ import annotations

import contextlib
import os
import pwd
import signal
import time
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

SERVER = Path(__file__).resolve().parent.parent / "src" / "actref" / "grading" / "server.py"


@dataclass(frozen=True)
class SandboxProcess:
    pid: int
    ppid: int
    user: str
    cmdline: str

    def __str__(self) -> str:
        return f"pid {self.pid} (user {self.user}, ppid {self.ppid}): {self.cmdline}"


def _names(path: Path) -> set[str]:
    return {str(path), os.path.realpath(path), os.path.abspath(path)}


def sandbox_processes(exclude: Collection[int] = ()) -> list[SandboxProcess]:
    """Every live process of this session (see the module) whose command line or
    executable refers to this checkout's server.py (zombies have neither), but
    ``exclude``."""
    found = _named_processes()
    parents = _parents()
    ours = {p.pid for p in found}
    born = _start_time(os.getpid())
    mine = []
    for p in found:
        chain = _ancestors(p.pid, parents)
        if p.pid in exclude:
            continue
        if os.getpid() in chain or (
            all(a in ours or a <= 1 for a in chain) and _start_time(p.pid) >= born
        ):
            mine.append(p)
    return mine


def _parents() -> dict[int, int]:
    out = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                with open(f"/proc/{entry.name}/stat") as fh:
                    out[int(entry.name)] = int(fh.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    return out


def _ancestors(pid: int, parents: dict[int, int]) -> list[int]:
    chain: list[int] = []
    while (pid := parents.get(pid, 0)) > 0 and pid not in chain:
        chain.append(pid)
    return chain


def _start_time(pid: int) -> int:
    """Clock ticks after boot at which ``pid`` started (0 if it is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return int(fh.read().rsplit(")", 1)[1].split()[19])
    except (OSError, IndexError, ValueError):
        return 0


def _named_processes() -> list[SandboxProcess]:
    """Every live process but this one naming this checkout's server.py."""
    names = _names(SERVER)
    found = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        pid = int(entry.name)
        if pid == os.getpid():
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as fh:
                args = [a.decode(errors="replace") for a in fh.read().split(b"\0") if a]
            with open(f"/proc/{pid}/status") as fh:
                status = dict(line.split(":", 1) for line in fh if ":" in line)
        except OSError:  # gone meanwhile
            continue
        try:
            exe = os.readlink(f"/proc/{pid}/exe")
        except OSError:  # not ours to read, or a kernel thread
            exe = ""
        if not any(name in arg for name in names for arg in (*args, exe)):
            continue
        uid = int(status.get("Uid", "-1").split()[0])
        try:
            user = pwd.getpwuid(uid).pw_name
        except KeyError:
            user = str(uid)
        ppid = int(status.get("PPid", "0").strip() or 0)
        found.append(SandboxProcess(pid, ppid, user, " ".join(args)))
    return found


def survivors(exclude: Collection[int] = (), wait: float = 5.0) -> list[SandboxProcess]:
    """The sandbox processes still alive after up to ``wait`` seconds of normal reaping.
    None only if two looks 50 ms apart find none: a process in the middle of its exec
    has no command line yet."""
    deadline = time.monotonic() + wait
    empty = 0
    while True:
        left = sandbox_processes(exclude)
        empty = 0 if left else empty + 1
        if empty == 2 or (left and time.monotonic() >= deadline):
            return left
        time.sleep(0.05)


def kill(processes: Collection[SandboxProcess]) -> None:
    """SIGKILL each (a worker is PID 1 of its namespace: SIGTERM from here it ignores)."""
    for p in processes:
        with contextlib.suppress(OSError):
            os.kill(p.pid, signal.SIGKILL)
    deadline = time.monotonic() + 2
    while time.monotonic() < deadline and any(
        os.path.exists(f"/proc/{p.pid}/cmdline") and _alive(p.pid) for p in processes
    ):
        time.sleep(0.02)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False
