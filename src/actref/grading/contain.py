"""Containment of a worker: the walls around student code, built before it runs.

Runs in the fork server's children (see :mod:`actref.grading.server`), so it imports
nothing from actref. Two steps, because a new PID namespace applies to the *children*
of the process that creates it:

1. :func:`enter_namespaces`, in the supervisor (a child of the server that never runs
   student code): new PID, network, mount, IPC and UTS namespaces (and a user
   namespace when the grader is not root).
2. :func:`confine`, in the worker (the supervisor's child, PID 1 of the new PID
   namespace, so every process it starts dies with it):

   - a jail: a read-only tmpfs root holding bind mounts of the interpreter's standard
     library, the allowed scientific packages and the system's shared libraries, and the
     worker's own folder (the only writable place: a 64 MiB tmpfs holding a copy of the
     submission, so no disk can be filled and nothing outlives the namespace) -- no
     ``/proc``, no actref, no rubric, no other submission, no report;
   - hard resource limits (soft = hard, so the student cannot raise them);
   - an unprivileged uid when the grader is root (capabilities dropped otherwise);
   - ``PR_SET_NO_NEW_PRIVS`` and a Landlock domain (``landlockpy``): read-only access
     beneath the jail, writes only in the worker's folder, no TCP bind or connect, no
     signals to and no abstract UNIX sockets of processes outside the domain.

Every wall that the host cannot build is named in the returned list of missing
protections; the grader reports them and ``--isolation strict`` refuses to grade.
ctypes is used for ``unshare``, ``mount`` and ``capset``: Python 3.11 has no
``os.unshare``, and the PyPI bindings for them are unmaintained; Landlock goes through
``landlockpy`` (kept, typed, dependency-free, ABI 1-11 with best-effort degradation).
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import glob
import importlib.util
import os
import resource
import select
import shutil
import signal
import sys
import sysconfig
import time
from dataclasses import dataclass
from typing import Any

PROTECTIONS = (
    "unprivileged-uid",
    "pid-namespace",
    "network-namespace",
    "ipc-namespace",
    "filesystem-jail",
    "landlock-filesystem",
    "landlock-network",
    "landlock-signals",
    "no-new-privs",
    "rlimits",
    "cgroup-limits",
)
ALLOWED_PACKAGES = ("numpy", "scipy", "sympy", "mpmath")
# the shared libraries an extension module imported later may need, and no more (all of
# /usr/lib holds databases' and SDKs' files): the multiarch folder, the loader's cache
_MULTIARCH = sysconfig.get_config_var("MULTIARCH")
SYSTEM_PATHS: tuple[str, ...] = (
    "/lib",  # on a merged /usr, symlinks into /usr/lib
    "/lib64",
    *([f"/usr/lib/{_MULTIARCH}"] if _MULTIARCH else []),
    "/usr/lib64",
    "/etc/ld.so.cache",
)
DEVICES = ("/dev/null", "/dev/zero", "/dev/urandom")
HOME_BYTES = 64 << 20  # a worker's writable folder, in memory
CGROUP_ROOT = "/sys/fs/cgroup"
TREE_PROCESSES = 16  # a worker's whole tree, by its control group

_CLONE_NEWNS = 0x00020000
_CLONE_NEWUTS = 0x04000000
_CLONE_NEWIPC = 0x08000000
_CLONE_NEWUSER = 0x10000000
_CLONE_NEWPID = 0x20000000
_CLONE_NEWNET = 0x40000000
_MS_RDONLY = 1
_MS_NOSUID = 2
_MS_NODEV = 4
_MS_REMOUNT = 32
_MS_BIND = 4096
_MS_REC = 16384
_MS_PRIVATE = 1 << 18
_PR_SET_PDEATHSIG = 1
_PR_SET_DUMPABLE = 4
_PR_SET_NO_NEW_PRIVS = 38

_libc: Any = None


def _c() -> Any:
    global _libc
    if _libc is None:
        _libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
    return _libc


def _check(result: int, what: str) -> None:
    if result != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def _prctl(option: int, arg: int) -> None:
    _check(_c().prctl(option, ctypes.c_ulong(arg), 0, 0, 0), f"prctl({option})")


def set_not_dumpable() -> bool:
    """No core dumps, no ptrace and no ``/proc/<pid>/mem`` of this process by others of
    the same uid. Called by the grader and the fork server for themselves."""
    try:
        _prctl(_PR_SET_DUMPABLE, 0)
    except (OSError, AttributeError):
        return False
    return True


def _mount(src: str | None, target: str, fstype: str | None, flags: int, data: str = "") -> None:
    _check(
        _c().mount(
            None if src is None else src.encode(),
            target.encode(),
            None if fstype is None else fstype.encode(),
            ctypes.c_ulong(flags),
            data.encode() if data else None,
        ),
        f"mount {target}",
    )


@dataclass(frozen=True)
class JailPlan:
    """What a worker may read, resolved once in the server: the standard library (whose
    ``site-packages``/``dist-packages`` are hidden: other installed packages, actref
    among them, must not be importable), the allowed packages (and their bundled
    libraries) bound back in one by one, the system's shared libraries (its Python
    package folders hidden), and the devices."""

    stdlib: tuple[str, ...]
    packages: tuple[str, ...]
    hidden: tuple[str, ...]  # folders covered by an empty tmpfs


def jail_plan() -> JailPlan:
    """The :class:`JailPlan` for this interpreter."""
    paths = sysconfig.get_paths()
    stdlib = sorted(p for p in {paths["stdlib"], paths["platstdlib"]} if os.path.isdir(p))
    packages: set[str] = set()
    for name in ALLOWED_PACKAGES:
        spec = importlib.util.find_spec(name)
        if spec is None or not spec.submodule_search_locations:
            continue
        for where in spec.submodule_search_locations:
            packages.add(where)
            libs = os.path.join(os.path.dirname(where), f"{name}.libs")
            if os.path.isdir(libs):
                packages.add(libs)
    hidden = {
        os.path.join(s, sub) for s in stdlib for sub in ("site-packages", "dist-packages")
    } | {
        p
        for base in ("/usr/lib", "/usr/local/lib")
        for p in glob.glob(os.path.join(base, "python3*"))
        if p not in stdlib
    }
    return JailPlan(
        tuple(stdlib),
        tuple(sorted(p for p in packages if os.path.exists(p))),
        tuple(sorted(p for p in hidden if os.path.isdir(p))),
    )


# ------------------------------------------------------------------ the supervisor
def enter_namespaces(root: bool) -> list[str]:
    """New namespaces for the next child; the protections that could not be had."""
    flags = _CLONE_NEWPID | _CLONE_NEWNET | _CLONE_NEWNS | _CLONE_NEWIPC | _CLONE_NEWUTS
    if not sys.platform.startswith("linux"):
        return ["pid-namespace", "network-namespace", "ipc-namespace", "filesystem-jail"]
    uid, gid = os.getuid(), os.getgid()
    try:
        _check(_c().unshare(flags | (0 if root else _CLONE_NEWUSER)), "unshare")
    except (OSError, AttributeError):
        return ["pid-namespace", "network-namespace", "ipc-namespace", "filesystem-jail"]
    if not root:  # ourselves, and nobody else, inside the user namespace
        # a process that is not dumpable cannot write its own maps (/proc/self is root's);
        # this supervisor runs no student code, and Landlock keeps the worker off it
        _prctl(_PR_SET_DUMPABLE, 1)
        for name, text in (("setgroups", "deny"), ("uid_map", f"{uid} {uid} 1"),
                           ("gid_map", f"{gid} {gid} 1")):  # fmt: skip
            with open(f"/proc/self/{name}", "w") as fh:
                fh.write(text)
    return []


def make_cgroups(memory_bytes: int, pids: int) -> list[str]:
    """Control groups bounding the worker's whole process tree (what rlimits, per process,
    cannot): memory (its tmpfs folder included), the number of processes and, where the
    ``cpu`` controller is writable, one core. cgroup v1 hierarchies, as child groups of
    this process's own; [] when the host has no memory and pids groups this process may
    create (not root, cgroup v2 only, read-only)."""
    made: list[str] = []
    try:
        with open("/proc/self/cgroup") as fh:
            own = {
                ctrl: path
                for _, ctrls, path in (line.rstrip("\n").split(":", 2) for line in fh)
                for ctrl in ctrls.split(",")
            }
        name = f"actref-{os.getpid()}"
        for ctrl, limit_file, limit in (
            ("memory", "memory.limit_in_bytes", memory_bytes),
            ("pids", "pids.max", pids),
        ):
            folder = os.path.join(CGROUP_ROOT, ctrl, own[ctrl].lstrip("/"), name)
            _new_group(folder)
            made.append(folder)
            with open(os.path.join(folder, limit_file), "w") as fh:
                fh.write(str(limit))
    except (OSError, KeyError, ValueError):
        remove_cgroups(made)
        return []
    # and, where the cpu controller can be written, one core for the whole tree: a
    # worker's forks cannot take the cores of the classmates graded beside it
    try:
        folder = os.path.join(CGROUP_ROOT, "cpu", own["cpu"].lstrip("/"), name)
        _new_group(folder)
    except (OSError, KeyError):
        return made
    made.append(folder)
    try:
        with open(os.path.join(folder, "cpu.cfs_period_us"), "w") as fh:
            fh.write("100000")
        with open(os.path.join(folder, "cpu.cfs_quota_us"), "w") as fh:
            fh.write("100000")
    except OSError:
        remove_cgroups(made[-1:])
        made.pop()
    return made


def _new_group(folder: str) -> None:
    """Make the group ``folder``. One of that name was left by a supervisor with the same
    pid that was killed before it could remove it: empty, it is removed and made anew
    (with processes still in it, rmdir fails: no group, as before). Without this, a
    stale name cost the next supervisor with that pid its groups -- and, counted as a
    missing protection, its worker the jail."""
    try:
        os.mkdir(folder)
    except FileExistsError:
        os.rmdir(folder)
        os.mkdir(folder)


def join_cgroups(groups: list[str]) -> None:
    """Move this process (the worker, before any student code) into ``groups``."""
    for folder in groups:
        with open(os.path.join(folder, "cgroup.procs"), "w") as fh:
            fh.write("0")  # "the writing process", whatever its pid namespace


def remove_cgroups(groups: list[str]) -> None:
    """Remove the worker's groups once its processes are gone (they leave the group a
    moment after they are reaped: a few tries)."""
    for folder in groups:
        for _ in range(50):
            try:
                os.rmdir(folder)
                break
            except FileNotFoundError:
                break
            except OSError:
                time.sleep(0.02)


# Blocked in a supervisor from its first instruction to its end (the server forks it with
# them blocked) and taken by :func:`supervise` with sigtimedwait, never by a Python handler.
# A handler installed after the worker's fork missed a SIGTERM that came first: the
# supervisor died of it and its worker -- PID 1 of a namespace, which ignores SIGTERM,
# running as nobody, its parent-death signal not armed yet -- lived on for ever. And a
# Python handler whose signal lands just before the blocking waitpid runs only after the
# worker has ended (never, when it hangs).
SUPERVISOR_SIGNALS = frozenset({signal.SIGTERM, signal.SIGINT, signal.SIGCHLD})


def die_with_parent(signum: int) -> None:
    """``signum`` to this process when its parent dies (``PR_SET_PDEATHSIG``). It fires
    when the parent *thread* ends (the server and supervisors are single-threaded), and a
    change of credentials (setuid) clears it: re-armed after one."""
    with contextlib.suppress(OSError, AttributeError):
        _prctl(_PR_SET_PDEATHSIG, signum)


def parent_gone(alive_fd: int) -> bool:
    """Whether the process holding the other end of the pipe ``alive_fd`` has ended (its
    end closed: end of file, readable at once). Inside a new PID namespace getppid() is 0
    whether the parent lives or not: the pipe is how the worker asks."""
    readable, _, _ = select.select([alive_fd], [], [], 0)
    return bool(readable)


def kill_tree(child: int) -> None:
    """SIGKILL to the worker (as PID 1 of its namespace, its death ends every process it
    started; SIGTERM it would ignore) and to its process group (no namespace)."""
    for kill in (os.kill, os.killpg):
        with contextlib.suppress(OSError):
            kill(child, signal.SIGKILL)


def supervise(child: int, groups: list[str]) -> None:
    """The supervisor's life: wait for the worker; on SIGTERM (the grader's, the server's,
    or the parent-death signal of a server that died) kill it, remove its control groups
    and end as it ended. Expects :data:`SUPERVISOR_SIGNALS` blocked (see there)."""
    status = 0
    reaped = False
    try:
        while True:
            pid, status = os.waitpid(child, os.WNOHANG)
            if pid:
                reaped = True
                break
            info = signal.sigtimedwait((signal.SIGTERM, signal.SIGCHLD), 1.0)
            if info is not None and info.si_signo == signal.SIGTERM:
                kill_tree(child)
    finally:
        if not reaped:  # an error here: the worker must not outlive its supervisor
            kill_tree(child)
            with contextlib.suppress(OSError):
                os.waitpid(child, 0)
    remove_cgroups(groups)
    code = os.waitstatus_to_exitcode(status)
    if code < 0:  # end by the same signal, so the server reports it as such
        if -code not in (signal.SIGKILL, signal.SIGSTOP):  # theirs cannot be set
            signal.signal(-code, signal.SIG_DFL)
        os.kill(os.getpid(), -code)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {-code})
    os._exit(code)


# ------------------------------------------------------------------ the worker
def _jail(base: str, home: str, plan: JailPlan, uid: int, gid: int) -> None:
    """A read-only root of bind mounts and, at ``home``, a small tmpfs holding a copy
    of the submission (owned by ``uid``); chroot into it, cwd = ``home``."""
    _mount(None, "/", None, _MS_REC | _MS_PRIVATE)
    jail = os.path.join(base, "jail")
    _mount("tmpfs", jail, "tmpfs", _MS_NOSUID | _MS_NODEV, "size=1m,mode=755")
    for path in (*SYSTEM_PATHS, *DEVICES, *plan.stdlib):
        _bind(jail, path)
    # other installed packages (where a bind above brought them in): an empty folder
    hidden = [p for p in plan.hidden if os.path.isdir(jail + p)]
    for path in hidden:
        _mount("tmpfs", jail + path, "tmpfs", _MS_NOSUID | _MS_NODEV, "size=64k,mode=755")
    for path in plan.packages:  # the allowed ones, bound back in
        _bind(jail, path)
    for path in hidden:
        _mount(None, jail + path, None, _MS_REMOUNT | _MS_RDONLY | _MS_NOSUID | _MS_NODEV)
    os.makedirs(jail + home, exist_ok=True)
    try:  # its folder in memory, bounded: no disk to fill, gone with the namespace
        options = f"size={HOME_BYTES},nr_inodes=4096,mode=700,uid={uid},gid={gid}"
        _mount("tmpfs", jail + home, "tmpfs", _MS_NOSUID | _MS_NODEV, options)
        shutil.copytree(home, jail + home, symlinks=True, dirs_exist_ok=True)
    except OSError:
        _mount(home, jail + home, None, _MS_BIND | _MS_NOSUID | _MS_NODEV)
    _mount(None, jail, None, _MS_REMOUNT | _MS_RDONLY | _MS_NOSUID | _MS_NODEV)
    os.chroot(jail)
    os.chdir(home)


def _bind(jail: str, path: str) -> None:
    """``path`` at the same place in the jail, read-only (a symlink as a symlink)."""
    if not os.path.lexists(path):
        return
    target = jail + path
    if os.path.islink(path) and path in SYSTEM_PATHS:  # /lib -> usr/lib
        os.makedirs(os.path.dirname(target), exist_ok=True)
        if not os.path.lexists(target):
            os.symlink(os.readlink(path), target)
        return
    if os.path.isdir(path):
        os.makedirs(target, exist_ok=True)
    else:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "a"):
            pass
    _mount(path, target, None, _MS_BIND | _MS_REC)
    _mount(None, target, None, _MS_BIND | _MS_REMOUNT | _MS_RDONLY | _MS_NOSUID | _MS_NODEV)


def _drop_capabilities() -> None:
    """In a user namespace we own, the creator holds every capability there: none left."""

    class Header(ctypes.Structure):
        _fields_ = (("version", ctypes.c_uint32), ("pid", ctypes.c_int))

    class Data(ctypes.Structure):
        _fields_ = (
            ("effective", ctypes.c_uint32),
            ("permitted", ctypes.c_uint32),
            ("inheritable", ctypes.c_uint32),
        )

    header = Header(0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3
    data = (Data * 2)()
    _check(_c().capset(ctypes.byref(header), data), "capset")


def _limits(address_space: int, cpu_seconds: int, file_bytes: int, tree_bounded: bool) -> None:
    for which, value in (
        (resource.RLIMIT_AS, address_space),
        (resource.RLIMIT_CPU, cpu_seconds),
        (resource.RLIMIT_FSIZE, file_bytes),
        # per uid, shared by every worker (and every process of that uid on the host):
        # only the fallback where no pids cgroup bounds each worker's tree
        (resource.RLIMIT_NPROC, 4096 if tree_bounded else TREE_PROCESSES),
        (resource.RLIMIT_NOFILE, 64),
        (resource.RLIMIT_CORE, 0),
    ):
        _, hard = resource.getrlimit(which)
        if hard != resource.RLIM_INFINITY:
            value = min(value, hard)
        resource.setrlimit(which, (value, value))  # soft = hard: cannot be raised


_landlockpy: Any
try:  # imported now, in the server: inside the jail, site-packages is hidden
    import landlockpy as _landlockpy
except ImportError:  # not Linux, or not installed: reported as missing protections
    _landlockpy = None


def _landlock(home: str) -> list[str]:
    ll = _landlockpy
    if ll is None:
        return ["landlock-filesystem", "landlock-network", "landlock-signals", "no-new-privs"]
    if not ll.supported():
        _prctl(_PR_SET_NO_NEW_PRIVS, 1)
        return ["landlock-filesystem", "landlock-network", "landlock-signals"]
    fs = ll.AccessFS
    write = (
        fs.WRITE_FILE | fs.MAKE_REG | fs.MAKE_DIR | fs.REMOVE_FILE | fs.REMOVE_DIR | fs.TRUNCATE
    )
    ruleset = ll.Ruleset(
        handled_net=ll.AccessNet.BIND_TCP | ll.AccessNet.CONNECT_TCP,
        scoped=ll.Scope.SIGNAL | ll.Scope.ABSTRACT_UNIX_SOCKET,
    )
    with ruleset:
        ruleset.allow_path("/", fs.READ_FILE | fs.READ_DIR)
        ruleset.allow_path(home, fs.READ_FILE | fs.READ_DIR | write)
        ruleset.restrict()  # sets PR_SET_NO_NEW_PRIVS first
        missing = []
        if not ruleset.handled_net:
            missing.append("landlock-network")
        if not ruleset.scoped & ll.Scope.SIGNAL:
            missing.append("landlock-signals")
    return missing


def confine(
    base: str,
    home: str,
    plan: JailPlan,
    uid: int,
    gid: int,
    namespaced: bool,
    address_space: int,
    cpu_seconds: int,
    file_bytes: int,
    tree_bounded: bool = False,
) -> list[str]:
    """Build the walls around this process (the worker) before any student code runs;
    the protections that could not be had. Failing to build one is never fatal: the
    grader decides (``--isolation strict``) whether to grade without it."""
    missing: list[str] = []
    root = os.getuid() == 0
    if not namespaced:
        os.setsid()  # at least its own process group, killed as one
    try:
        if not namespaced:
            raise OSError("no mount namespace")
        _jail(base, home, plan, uid if root else os.getuid(), gid if root else os.getgid())
    except OSError:
        missing.append("filesystem-jail")
        os.chdir(home)
    try:
        _limits(address_space, cpu_seconds, file_bytes, tree_bounded)
    except (OSError, ValueError):
        missing.append("rlimits")
    if root:
        try:
            os.setgroups([])
            os.setgid(gid)
            os.setuid(uid)
        except OSError:
            missing.append("unprivileged-uid")
    else:
        if namespaced:
            try:
                _drop_capabilities()
            except (OSError, AttributeError):
                missing.append("unprivileged-uid")
        if os.getuid() == 0:
            missing.append("unprivileged-uid")
    die_with_parent(signal.SIGKILL)  # again: setuid cleared it (the caller checks the gap)
    os.environ["TMPDIR"] = home  # tempfile's only writable choice
    try:
        missing += _landlock(home)
    except OSError:
        missing += ["landlock-filesystem", "landlock-network", "landlock-signals"]
    try:
        _prctl(_PR_SET_NO_NEW_PRIVS, 1)
    except (OSError, AttributeError):
        missing.append("no-new-privs")
    return missing
