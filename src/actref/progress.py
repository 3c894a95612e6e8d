"""Progress of long commands, on stderr only.

A :class:`Progress` tells the user what a long command is doing: the step being worked
on, how many of how many, and the time elapsed. On a terminal it is one line redrawn in
place, with a bar::

    actref verify [########............]  9/24  gelu  7.9 s

anywhere else (a pipe, a file, a CI log, ``TERM=dumb``) one plain line per step::

    actref verify: 9/24 gelu (7.9 s)

and nothing at all when disabled (``--quiet``). It never writes to stdout, so tables and
JSON read from a pipe are the same bytes with or without it, and it uses no colour, so
``NO_COLOR`` holds by construction. Standard library only: a bar and a counter do not
justify a dependency that every ``pip install actref`` would pull.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import Self, TextIO

__all__ = ["Progress", "is_terminal"]

BAR_WIDTH = 20


def is_terminal(stream: TextIO) -> bool:
    """Whether ``stream`` is a terminal that understands ``\\r`` and erase-line."""
    if os.environ.get("TERM") == "dumb":
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False


def _columns(stream: TextIO) -> int:
    try:
        columns = os.get_terminal_size(stream.fileno()).columns
    except (AttributeError, ValueError, OSError):
        columns = 0
    return columns if columns > 0 else 80  # a new pty may report 0 columns


class Progress:
    """Steps of one long task, shown on ``stream`` (default: ``sys.stderr``).

    Parameters
    ----------
    task : str
        What runs, e.g. ``"actref verify"``; starts every line.
    total : int
        How many steps there are.
    enabled : bool
        False shows nothing (``--quiet``).
    plain : bool
        Whether to write plain lines when ``stream`` is not a terminal; False shows
        progress on a terminal only.
    stream : TextIO, optional
        Where to write; never stdout.
    clock : callable, optional
        Seconds, for the elapsed time (default ``time.monotonic``).

    Use :meth:`step` before a step (the one being worked on) or :meth:`advance` after it
    (the ones finished), :meth:`hidden` around output of one's own, and :meth:`close`
    (or ``with``) at the end, which erases the bar.
    """

    def __init__(
        self,
        task: str,
        total: int,
        *,
        enabled: bool = True,
        plain: bool = True,
        stream: TextIO | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self.task = task
        self.total = max(int(total), 0)
        self.stream = sys.stderr if stream is None else stream
        self.tty = is_terminal(self.stream)
        self.enabled = enabled and (self.tty or plain)
        self.done = 0
        self._clock = time.monotonic if clock is None else clock
        self._start = self._clock()
        self._shown = ""  # the line on the terminal now ("" when erased)
        self._what = ""

    @property
    def elapsed(self) -> float:
        """Seconds since the task started."""
        return self._clock() - self._start

    def step(self, what: str) -> None:
        """Working on ``what``, step ``done + 1`` of ``total``; the previous one is done."""
        if self._what:
            self.done = min(self.done + 1, self.total)
        self._what = what
        self._show(min(self.done + 1, self.total), what)

    def advance(self, what: str) -> None:
        """``what`` is finished: one more step done."""
        self._what = ""
        self.done = min(self.done + 1, self.total)
        self._show(self.done, what)

    @contextmanager
    def hidden(self) -> Iterator[None]:
        """Erase the bar while the caller writes, then draw it again."""
        line = self._shown
        self._erase()
        try:
            yield
        finally:
            if line:
                self._draw(line)

    def close(self) -> None:
        """Erase the bar (a terminal keeps no trace of it); plain lines stay."""
        self._erase()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # ------------------------------------------------------------------ drawing
    def _show(self, n: int, what: str) -> None:
        if not self.enabled:
            return
        seconds = f"{self.elapsed:.1f} s"
        if not self.tty:
            self._write(f"{self.task}: {n}/{self.total} {what} ({seconds})\n")
            return
        filled = BAR_WIDTH * self.done // self.total if self.total else BAR_WIDTH
        bar = "#" * filled + "." * (BAR_WIDTH - filled)
        count = f"{n:>{len(str(self.total))}}/{self.total}"
        line = f"{self.task} [{bar}] {count}  {what}  {seconds}"
        self._draw(line[: _columns(self.stream) - 1])

    def _draw(self, line: str) -> None:
        self._write(f"\r{line}\x1b[K")
        self._shown = line

    def _erase(self) -> None:
        if self._shown:
            self._write("\r\x1b[K")
            self._shown = ""

    def _write(self, text: str) -> None:
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):  # a closed or broken stderr costs the display only
            self.enabled = False
