"""The grader against hostile students: one submission per attack class in
``tests/grading/attacks/``, graded in one batch with honest classmates through the CLI.

Most attacks are written so that a function is right only if its attack worked (a
stolen reference, a classmate's file, a signal that landed, a raised limit, a network
connection, a write outside its folder). Each attack file marks its attack code
between ``# --- attack`` and ``# --- end``; the same file with those blocks removed is
its *control*, graded in the same batch: an attack scores no more than its control.
Then, after the grader exited: no process of the sandbox user survives, the report is
untouched seconds later (the daemon attack rewrites reports), nothing was written
outside the sandboxes, the submissions are unchanged, and no connection reached the
listener the test keeps on loopback.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from actref.cli import main
from actref.grading import PARTS
from actref.grading.process import SERVER_PATH
from actref.grading.report import text_one
from actref.grading.results import SubmissionResult
from actref.grading.rubric import default_rubric_path

CORPUS = Path(__file__).parent / "grading"
ATTACKS = CORPUS / "attacks"
HONEST = {
    "numpy_stable.py": 20.0,
    "classic_sympy.py": 19.0,
    "honest_unusual.py": 20.0,
    "honest_threads.py": 3.0,  # sigmoid only: value, stability, vectorized, input-unchanged
}
MARKERS = [
    Path("/tmp/actref-attack-marker"),
    Path("/tmp/actref-attack-daemon-marker"),
    Path("/work/actref-attack-marker"),
    Path.home() / "actref-attack-marker",
]
ATTACK_BLOCK = re.compile(r"^( *)# --- attack\n.*?^\1# --- end\n", re.DOTALL | re.MULTILINE)
# the classic homework with limits short enough for a test run
RUBRIC = (
    Path(default_rubric_path())
    .read_text()
    .replace("call_timeout = 2.0", "call_timeout = 1.0")
    .replace("import_timeout = 10.0", "import_timeout = 4.0")
    .replace("submission_timeout = 60.0", "submission_timeout = 20.0")
)
LISTEN_PORTS = range(47000, 47010)  # the range network.py tries
# held by the per-worker cgroups (memory and pids of the whole tree): where a host cannot
# make them, the grader says so (cgroup-limits missing) and these are not expected to hold
NEEDS_CGROUPS = {"redteam_fork_limits.py", "honest_threads.py"}


def _control(source: str) -> str:
    return ATTACK_BLOCK.sub(lambda m: f"{m.group(1)}pass\n", source)


def _sandbox_processes() -> list[str]:
    """The batch's fork server, supervisors, workers or anything a student forked (all of
    them forks of this checkout's server.py: its command line), still alive. Matched by
    path, not by the sandbox uid, so another checkout's grader running beside this test
    is not taken for ours."""
    alive = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        ppid = re.search(r"^PPid:\s+(\d+)", status, re.MULTILINE)
        ours = ppid is not None and int(ppid.group(1)) == os.getpid()  # this test run's server
        server = SERVER_PATH in cmdline and not ours
        if server:
            alive.append(f"{entry.name}: {cmdline[:80]}")
    return alive


class _Listener:
    """A TCP server on loopback that records every connection it accepts."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        for port in LISTEN_PORTS:  # the first free one of the ports network.py tries
            try:
                self.sock.bind(("127.0.0.1", port))
                break
            except OSError:
                continue
        else:
            self.sock.close()
            pytest.skip("no free port in 47000-47009 to listen on")
        self.sock.listen()
        self.sock.settimeout(0.2)
        self.accepted = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.accepted += 1
            conn.close()

    def close(self) -> None:
        self.stop.set()
        self.thread.join()
        self.sock.close()


class Batch:
    def __init__(self, results: dict[str, SubmissionResult], returncode: int, stderr: str,
                 seconds: float, report_after_exit: bytes, report_later: bytes,
                 connections: int, digests_before: dict[str, str],
                 digests_after: dict[str, str], leftovers: list[str]) -> None:  # fmt: skip
        self.results = results
        self.returncode = returncode
        self.stderr = stderr
        self.seconds = seconds
        self.report_after_exit = report_after_exit
        self.report_later = report_later
        self.connections = connections
        self.digests_before = digests_before
        self.digests_after = digests_after
        self.leftovers = leftovers


def _digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> Batch:
    for marker in MARKERS:
        marker.unlink(missing_ok=True)
    root = tmp_path_factory.mktemp("attack-batch")
    subs = root / "subs"
    subs.mkdir()
    for name in HONEST:
        src = CORPUS / name if (CORPUS / name).exists() else ATTACKS / name
        shutil.copy(src, subs / name)
    for attack in sorted(ATTACKS.glob("*.py")):
        if attack.name in HONEST:
            continue
        text = attack.read_text()
        (subs / attack.name).write_text(text)
        if ATTACK_BLOCK.search(text):
            (subs / f"control_{attack.name}").write_text(_control(text))
    rubric = root / "rubric.toml"
    rubric.write_text(RUBRIC)
    out = root / "out" / "report.json"
    out.parent.mkdir()
    before = _digests(subs)
    scratch = root / "tmp"
    scratch.mkdir()
    listener = _Listener()
    start = time.monotonic()
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "actref", "grade", *sorted(str(p) for p in subs.iterdir()),
             "--rubric", str(rubric), "--jobs", "2", "--format", "json", "--output", str(out)],
            capture_output=True, text=True, timeout=600, check=False,
            # the grader's folders (checked below), and a secret read_the_environment.py
            # must not find (an autograder's token)
            env={**os.environ, "TMPDIR": str(scratch), "ACTREF_GRADER_SECRET": "hunter2"},
        )  # fmt: skip
        seconds = time.monotonic() - start
        after_exit = out.read_bytes() if out.exists() else b""
        time.sleep(3)  # a daemon that outlived its worker would rewrite the report now
        later = out.read_bytes() if out.exists() else b""
        leftovers = sorted(p.name for p in scratch.iterdir())
    finally:
        listener.close()
    docs = json.loads(after_exit or b"[]")
    results = {}
    for doc in docs:
        result = SubmissionResult.from_dict(doc)
        assert result is not None
        results[result.submission] = result
    return Batch(results, proc.returncode, proc.stderr, seconds, after_exit, later,
                 listener.accepted, before, _digests(subs), leftovers)  # fmt: skip


def test_the_batch_finishes_and_exits_0(batch: Batch) -> None:
    assert batch.returncode == 0, batch.stderr
    n_attacks = len([p for p in ATTACKS.glob("*.py") if p.name not in HONEST])
    assert len(batch.results) >= len(HONEST) + n_attacks
    # the forged-tick hang is cut at the per-call limit: 20 s per submission would show
    assert batch.seconds < 90


@pytest.mark.parametrize("name", sorted(HONEST), ids=str)
def test_honest_classmates_keep_their_scores(batch: Batch, name: str) -> None:
    if name in NEEDS_CGROUPS and not _cgroups_writable():
        pytest.skip(f"{name} is kept whole by per-worker cgroups, which this host cannot make")
    assert batch.results[name].score == HONEST[name], text_one(batch.results[name])


@pytest.mark.parametrize(
    "name",
    sorted(p.name for p in ATTACKS.glob("*.py") if ATTACK_BLOCK.search(p.read_text())),
    ids=str,
)
def test_an_attack_gains_nothing_over_its_control(batch: Batch, name: str) -> None:
    if name in NEEDS_CGROUPS and not _cgroups_writable():
        pytest.skip(f"{name} is held by per-worker cgroups, which this host cannot make")
    attack, control = batch.results[name], batch.results[f"control_{name}"]
    assert attack.score <= control.score, text_one(attack)
    gained = [
        (a.function, a.part)
        for a, c in zip(attack.results, control.results, strict=True)
        if a.status == "pass" and c.status != "pass"
    ]
    assert not gained, text_one(attack)


def test_wrong_maths_scores_no_value_part_whatever_it_forges(batch: Batch) -> None:
    for name in ("forge_channel.py", "forge_worker_module.py", "crash_the_batch.py"):
        passed = [
            (r.function, r.part)
            for r in batch.results[name].results
            if r.status == "pass" and r.part in ("value", "derivative", "stability")
        ]
        assert not passed, f"{name}: {passed}"


def test_scalar_functions_with_defaults_fail_vectorized(batch: Batch) -> None:
    statuses = {(r.function, r.part): r.status for r in batch.results["dodge_defaults.py"].results}
    for fn in ("relu", "sigmoid"):
        assert statuses[(fn, "value")] == "pass"
        assert statuses[(fn, "vectorized")] == "fail"


def test_legitimate_callables_and_a_print_flood_get_full_marks(batch: Batch) -> None:
    result = batch.results["honest_unusual.py"]
    assert {r.status for r in result.results} == {"pass"}, text_one(result)


def test_expression_bombs_get_no_value_points(batch: Batch) -> None:
    statuses = {
        (r.function, r.part): r.status for r in batch.results["expression_bomb.py"].results
    }
    for fn in ("sigmoid", "tanh", "relu", "leaky_relu"):
        assert statuses[(fn, "value")] in ("fail", "error", "timeout")


@pytest.mark.parametrize("name", ["report_injection.py", "redteam_note_injection.py"])
def test_the_text_report_cannot_be_forged(batch: Batch, name: str) -> None:
    text = text_one(batch.results[name])
    lines = text.splitlines()
    assert lines[0].startswith(f"{name}: ")
    assert not [line for line in lines if line.startswith("classmate.py")]
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f\u2028\u202e]", text)
    assert "\\x1b[2K" in text  # shown, escaped (in a message or a note)


def test_no_process_survives_the_grader(batch: Batch) -> None:
    assert _sandbox_processes() == []


def test_the_report_is_untouched_after_exit(batch: Batch) -> None:
    assert batch.report_after_exit
    assert batch.report_later == batch.report_after_exit


def test_nothing_is_written_outside_the_sandbox(batch: Batch) -> None:
    assert [m for m in MARKERS if m.exists()] == []
    assert batch.digests_after == batch.digests_before
    assert batch.leftovers == []


def test_no_connection_reaches_loopback(batch: Batch) -> None:
    assert batch.connections == 0


@pytest.mark.skipif(
    os.environ.get("ACTREF_ALLOW_WEAK_SANDBOX") == "1",
    reason="a host without every protection (ACTREF_ALLOW_WEAK_SANDBOX=1)",
)
def test_every_protection_holds_on_this_machine_kind(batch: Batch) -> None:
    # CI and Gradescope run as root on kernels with Landlock and namespaces; control
    # groups depend on how the container mounts them: held where they can be made
    missing = {m for r in batch.results.values() for m in r.missing_protections}
    expected = set() if _cgroups_writable() else {"cgroup-limits"}
    assert missing == expected


def _cgroups_writable() -> bool:
    """Can this process make a cgroup v1 memory and pids group (as the supervisor does)?"""
    from actref.grading import contain

    groups = contain.make_cgroups(1 << 30, 16)
    contain.remove_cgroups(groups)
    return bool(groups)


def test_every_part_is_reported(batch: Batch) -> None:
    for result in batch.results.values():
        assert len(result.results) == 5 * len(PARTS)


@pytest.mark.skipif(
    os.environ.get("ACTREF_ALLOW_WEAK_SANDBOX") == "1",
    reason="a host without every protection (ACTREF_ALLOW_WEAK_SANDBOX=1)",
)
def test_strict_isolation_grades_on_this_machine_kind(tmp_path: Path) -> None:
    if not _cgroups_writable():
        pytest.skip("no writable cgroup here: strict isolation refuses (tested below)")
    out = tmp_path / "r.json"
    stable = str(CORPUS / "numpy_stable.py")
    argv = ["grade", stable, "--isolation", "strict", "--format", "json", "--output", str(out)]
    assert main(argv) == 0
    (doc,) = json.loads(out.read_text())
    assert doc["score"] == 20
    assert doc["missing_protections"] == []


def test_bombs_aimed_at_the_graders_process_cost_only_their_submission(batch: Batch) -> None:
    result = batch.results["parent_bombs.py"]
    statuses = {(r.function, r.part): r.status for r in result.results}
    for fn in ("tanh", "leaky_relu"):
        assert statuses[(fn, "value")] in ("error", "timeout"), text_one(result)
        assert statuses[(fn, "derivative")] in ("error", "timeout"), text_one(result)
    # Max(x, x-1, ...) is x: judged and wrong (or, on a loaded machine, too slow to build)
    assert statuses[("relu", "value")] in ("fail", "timeout")


def test_strict_isolation_refuses_a_host_missing_a_protection(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from actref.grading import batch

    monkeypatch.setattr(batch, "probe_protections", lambda user: ("cgroup-limits",))
    stable = str(CORPUS / "numpy_stable.py")
    assert main(["grade", stable, "--isolation", "strict"]) == 2
    err = capsys.readouterr().err
    assert "--isolation strict: this host cannot give workers cgroup-limits" in err
    assert err.count("\n") == 1
