"""Progress on stderr: a bar on a terminal, plain lines elsewhere, nothing with --quiet.

The output a program reads (the table, the JSON) is the same bytes whether or not
stderr is a terminal: checked end to end with a real pseudo-terminal, and in-process
with the clock fixed so that even the timings agree.
"""

from __future__ import annotations

import dataclasses
import io
import json
import os
import re
import subprocess
import sys
import types
from collections.abc import Iterator
from pathlib import Path

import pytest

from actref import kernels as num
from actref import registry
from actref.cli import main
from actref.progress import Progress

CLASSIC = str(Path(__file__).parent / "grading" / "classic_sympy.py")


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class TtyStream(io.StringIO):
    """What a terminal receives."""

    def isatty(self) -> bool:
        return True


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(autouse=True)
def _a_real_terminal_type(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TERM", "xterm")


# ------------------------------------------------------------------ the helper
def test_plain_lines_name_the_step_n_of_total_and_elapsed(clock: FakeClock) -> None:
    out = io.StringIO()
    bar = Progress("actref verify", 3, stream=out, clock=clock)
    bar.step("relu")
    clock.now += 1.25
    bar.step("tanh")
    clock.now += 10.0
    bar.step("gelu")
    bar.close()
    assert out.getvalue() == (
        "actref verify: 1/3 relu (0.0 s)\n"
        "actref verify: 2/3 tanh (1.2 s)\n"
        "actref verify: 3/3 gelu (11.2 s)\n"
    )


def test_advance_counts_finished_steps(clock: FakeClock) -> None:
    out = io.StringIO()
    with Progress("actref grade", 2, stream=out, clock=clock) as bar:
        bar.advance("bob.py")
        bar.advance("alice.py")
    assert out.getvalue().splitlines() == [
        "actref grade: 1/2 bob.py (0.0 s)",
        "actref grade: 2/2 alice.py (0.0 s)",
    ]


def test_terminal_gets_one_bar_redrawn_in_place_and_erased(clock: FakeClock) -> None:
    out = TtyStream()
    bar = Progress("actref verify", 4, stream=out, clock=clock)
    bar.step("relu")
    bar.step("tanh")
    clock.now += 2.0
    bar.step("gelu")
    assert "\n" not in out.getvalue()
    draws = out.getvalue().split("\r")[1:]
    assert draws == [
        "actref verify [....................] 1/4  relu  0.0 s\x1b[K",
        "actref verify [#####...............] 2/4  tanh  0.0 s\x1b[K",
        "actref verify [##########..........] 3/4  gelu  2.0 s\x1b[K",
    ]
    bar.close()
    assert out.getvalue().endswith("\r\x1b[K")  # the line is left empty
    bar.close()
    assert out.getvalue().count("\r\x1b[K") == 1  # erased once


def test_hidden_erases_the_bar_and_draws_it_again(clock: FakeClock) -> None:
    out = TtyStream()
    bar = Progress("actref grade", 2, stream=out, clock=clock)
    bar.advance("alice.py")
    before = out.getvalue()
    with bar.hidden():
        out.write("REPORT\n")
    line = before.split("\r")[-1]
    assert out.getvalue() == before + "\r\x1b[K" + "REPORT\n" + "\r" + line


def test_bar_fits_the_terminal(clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        "actref.progress.os.get_terminal_size", lambda fd: os.terminal_size((30, 24))
    )
    out = TtyStream()
    out.fileno = lambda: 2  # type: ignore[method-assign]
    Progress("actref verify", 2, stream=out, clock=clock).step("a_long_function_name")
    assert len(out.getvalue().split("\r")[1].removesuffix("\x1b[K")) == 29


def test_dumb_terminal_gets_plain_lines(clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TERM", "dumb")
    out = TtyStream()
    Progress("actref verify", 1, stream=out, clock=clock).step("relu")
    assert out.getvalue() == "actref verify: 1/1 relu (0.0 s)\n"


@pytest.mark.parametrize("stream", [io.StringIO, TtyStream], ids=["pipe", "terminal"])
def test_disabled_writes_nothing(stream: type[io.StringIO], clock: FakeClock) -> None:
    out = stream()
    with Progress("actref verify", 2, stream=out, enabled=False, clock=clock) as bar:
        bar.step("relu")
        with bar.hidden():
            pass
        bar.advance("relu")
    assert out.getvalue() == ""


def test_terminal_only_progress_is_silent_in_a_pipe(clock: FakeClock) -> None:
    pipe, tty = io.StringIO(), TtyStream()
    for out in (pipe, tty):
        Progress("actref grade", 1, stream=out, plain=False, clock=clock).advance("a.py")
    assert pipe.getvalue() == ""
    assert "1/1  a.py" in tty.getvalue()


def test_a_closed_stderr_costs_the_display_only(clock: FakeClock) -> None:
    out = io.StringIO()
    bar = Progress("actref verify", 2, stream=out, clock=clock)
    out.close()
    bar.step("relu")  # no exception
    assert not bar.enabled


# ------------------------------------------------------- actref verify end to end
def _run(
    args: list[str], *, tty: bool, env: dict[str, str] | None = None
) -> tuple[bytes, bytes, int]:
    """Run actref with stdout piped and stderr a pseudo-terminal (tty) or a pipe."""
    cmd = [sys.executable, "-m", "actref", *args]
    env = {**os.environ, "TERM": "xterm", **(env or {})}
    if not tty:
        proc = subprocess.run(cmd, capture_output=True, env=env, timeout=300, check=False)
        return proc.stdout, proc.stderr, proc.returncode
    leader, follower = os.openpty()
    try:
        with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=follower, env=env) as proc:
            os.close(follower)
            follower = -1
            err = b""
            while True:
                try:
                    chunk = os.read(leader, 4096)
                except OSError:  # EIO: the child closed the terminal
                    break
                if not chunk:
                    break
                err += chunk
            assert proc.stdout is not None
            out = proc.stdout.read()
            code = proc.wait(timeout=300)
    finally:
        os.close(leader)
        if follower != -1:
            os.close(follower)
    return out, err, code


def _without_timings(out: bytes) -> bytes:
    """The measured seconds are the only bytes allowed to differ between two runs."""
    out = re.sub(rb'"seconds": [0-9.e+-]+', b'"seconds": T', out)
    return re.sub(rb"verified in [0-9.]+ s( \([0-9.]+ s of checks\))?", b"verified in T s", out)


@pytest.mark.parametrize("fmt", ["json", "text"])
def test_stdout_is_the_same_with_stderr_a_terminal_or_a_pipe(fmt: str) -> None:
    args = ["verify", "relu", "--format", fmt]
    out_tty, err_tty, code_tty = _run(args, tty=True)
    out_pipe, err_pipe, code_pipe = _run(args, tty=False)
    assert code_tty == code_pipe == 0
    assert _without_timings(out_tty) == _without_timings(out_pipe)
    if fmt == "json":
        assert [d["function"] for d in json.loads(out_pipe)] == ["relu"]
    else:
        assert out_pipe.startswith(b"function ")
    for out in (out_tty, out_pipe):
        assert b"\r" not in out
        assert b"actref verify:" not in out
        assert b"1/1" not in out
    # a bar, redrawn and erased, on the terminal; plain lines in the pipe
    assert b"\ractref verify [" in err_tty
    assert b"1/1  relu" in err_tty
    assert b"\r\x1b[K" in err_tty
    assert err_pipe.startswith(b"actref verify: 1/1 relu (")
    assert b"\r" not in err_pipe
    assert b"\x1b" not in err_pipe


@pytest.mark.parametrize("tty", [True, False], ids=["terminal", "pipe"])
def test_quiet_silences_stderr(tty: bool) -> None:
    out, err, code = _run(["verify", "relu", "--format", "json", "--quiet"], tty=tty)
    assert code == 0
    assert err == b""
    assert json.loads(out)[0]["function"] == "relu"


def test_no_color_changes_nothing_and_no_colour_is_ever_written() -> None:
    plain = _run(["verify", "relu"], tty=True)
    no_color = _run(["verify", "relu"], tty=True, env={"NO_COLOR": "1"})
    for out, err, _ in (plain, no_color):
        assert re.search(rb"\x1b\[[0-9;]*m", out + err) is None  # no SGR (colour) code
    assert _without_timings(plain[0]) == _without_timings(no_color[0])


@pytest.fixture
def fixed_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every clock the verify command reads stands still."""
    still = types.SimpleNamespace(perf_counter=lambda: 1.0, monotonic=lambda: 1.0)
    monkeypatch.setattr("actref.verify.time", still)
    monkeypatch.setattr("actref.commands.verify.time", still)
    monkeypatch.setattr("actref.progress.time", still)


@pytest.fixture
def terminal_stderr() -> Iterator[io.TextIOWrapper]:
    leader, follower = os.openpty()
    try:
        with open(follower, "w", encoding="utf-8", closefd=True) as fh:
            yield fh
    finally:
        os.close(leader)


@pytest.mark.usefixtures("fixed_time")
@pytest.mark.parametrize("fmt", ["json", "text"])
def test_stdout_is_byte_identical_in_process(
    fmt: str,
    terminal_stderr: io.TextIOWrapper,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert terminal_stderr.isatty()
    outputs = []
    for err in (terminal_stderr, io.StringIO()):
        monkeypatch.setattr(sys, "stderr", err)
        assert main(["verify", "relu", "tanh", "--format", fmt]) == 0
        outputs.append(capsys.readouterr().out)
    assert outputs[0] == outputs[1]
    assert "0.0 s" in outputs[0] if fmt == "text" else '"seconds": 0.0' in outputs[0]


# ------------------------------------------------ what verify says about failures
def _break_tanh(monkeypatch: pytest.MonkeyPatch) -> None:
    act = registry.get("tanh")
    broken = dataclasses.replace(act, grad_fn=lambda v: num.tanh_grad(v) * (1 + 1e-6))
    monkeypatch.setitem(registry._BY_NAME, "tanh", broken)


def test_text_explains_each_failure_in_a_sentence(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _break_tanh(monkeypatch)
    assert main(["verify", "relu", "tanh"]) == 1
    out, err = capsys.readouterr()
    lines = out.splitlines()
    fails = [i for i, line in enumerate(lines) if line.startswith("FAIL tanh: ")]
    assert fails
    for i in fails:  # under every FAIL line, one indented sentence
        sentence = lines[i + 1]
        assert sentence.startswith("     ")
        assert sentence.endswith(".")
    assert re.search(
        r"At x=\S+ \(float64\) the derivative code says tanh has slope \S+, but the slope "
        r"measured from tanh itself is \S+: the derivative does not match the function\.",
        out,
    )
    assert re.fullmatch(
        r"1 of 2 functions verified in [0-9.]+ s \([0-9.]+ s of checks\); failed: tanh", lines[-1]
    )
    # stderr: the progress alone (the text format says the rest on stdout)
    assert re.fullmatch(
        r"actref verify: 1/2 relu \([0-9.]+ s\)\nactref verify: 2/2 tanh \([0-9.]+ s\)\n", err
    )


def test_json_keeps_sentences_and_summary_out_of_stdout(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _break_tanh(monkeypatch)
    assert main(["verify", "relu", "tanh", "--format", "json"]) == 1
    out, err = capsys.readouterr()
    data = json.loads(out)  # stdout is the JSON and nothing else
    assert "explanations" not in data[1]
    assert data[1]["failures"]
    err_lines = err.splitlines()
    assert err_lines[0].startswith("actref verify: 1/2 relu (")
    assert err_lines[1].startswith("actref verify: 2/2 tanh (")
    said = [line for line in err_lines if line.startswith("actref verify: tanh: ")]
    assert len(said) == len(data[1]["failures"])
    assert any(s.endswith("the derivative does not match the function.") for s in said)
    assert said[0].startswith("actref verify: tanh: The derivative tanh'(x=")  # vs the oracle
    assert re.fullmatch(
        r"actref verify: 1 of 2 functions verified in [0-9.]+ s \([0-9.]+ s of checks\); failed: tanh",
        err_lines[-1],
    )


def test_json_quiet_says_nothing_on_stderr_even_on_failure(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _break_tanh(monkeypatch)
    assert main(["verify", "tanh", "--format", "json", "-q"]) == 1
    out, err = capsys.readouterr()
    assert err == ""
    assert json.loads(out)[0]["ok"] is False


def test_help_explains_every_column(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["verify", "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    for column in ("f ULP (budget) @x", "f' ULP (budget) @x", "FD max err @x", "Taylor", "laws"):
        assert f"\n  {column} " in out
    assert '"unit in the last place"' in out
    assert "About 2 means the derivative is right" in out
    assert "--quiet" in out


# ------------------------------------------------------------- plot and grade
def test_plot_all_names_its_stages(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "grid.png"
    assert main(["plot", "relu", "tanh", "--points", "20", "--out", str(target)]) == 0
    out, err = capsys.readouterr()
    assert out == f"{target}\n"
    lines = err.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("actref plot: 1/2 drawing 2 panels (")
    assert lines[1].startswith(f"actref plot: 2/2 writing {target} (")


@pytest.mark.parametrize(
    "args", [["relu", "tanh", "--quiet"], ["relu"]], ids=["quiet", "one-name"]
)
def test_plot_without_progress(
    args: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "f.png"
    assert main(["plot", *args, "--points", "20", "--out", str(target)]) == 0
    assert capsys.readouterr().err == ""


def test_grade_draws_its_bar_on_a_terminal(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # (piped, stderr stays empty: tests/test_grading_cli.py::test_csv_is_one_row_per_student)
    terminal = TtyStream()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert main(["grade", CLASSIC]) == 0
    drawn = terminal.getvalue()
    assert drawn.startswith("\ractref grade [####################] 1/1  classic_sympy.py  ")
    assert drawn.endswith("\r\x1b[K")  # erased before the report, and again at the end
    assert capsys.readouterr().out.startswith("classic_sympy.py: 19 / 20\n")
