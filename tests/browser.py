"""Headless Chromium driven over the DevTools protocol, standard library only.

Why the protocol over ``--remote-debugging-pipe`` and not ``--dump-dom``: a dumped DOM
says nothing about whether an image decoded, and console errors would have to be
scraped from Chromium's log format. The pipe is two file descriptors (3: commands in,
4: replies and events out, each message JSON ended by a NUL byte): no port, no
websocket library, no network. A page is opened with ``Page.navigate``; after its
``load`` event, ``Runtime.evaluate`` reads every image's ``naturalWidth`` and every
link; console messages and uncaught exceptions arrive as ``Runtime`` and ``Log``
events.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from typing import Any

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--remote-debugging-pipe",
)


def find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


@dataclass
class PageReport:
    url: str
    error: str = ""  # navigation failure
    console_errors: list[str] = field(default_factory=list)
    images: list[dict[str, Any]] = field(default_factory=list)
    links: list[str] = field(default_factory=list)


class Chromium:
    def __init__(self, binary: str) -> None:
        self.profile = tempfile.mkdtemp(prefix="actref-chromium-")
        cmd_r, cmd_w = os.pipe()
        out_r, out_w = os.pipe()
        # Chromium reads fd 3 and writes fd 4: a small exec shim moves the pipe ends
        # there (a shell cannot name descriptors above 9)
        argv = [binary, *FLAGS, f"--user-data-dir={self.profile}", "about:blank"]
        shim = (
            "import os, sys; os.dup2(int(sys.argv[1]), 3); os.dup2(int(sys.argv[2]), 4); "
            "os.execv(sys.argv[3], sys.argv[3:])"
        )
        log = open(os.environ.get("ACTREF_CHROMIUM_LOG", os.devnull), "ab")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [sys.executable, "-c", shim, str(cmd_r), str(out_w), *argv],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=log,
            pass_fds=(cmd_r, out_w),
        )
        log.close()
        os.close(cmd_r)
        os.close(out_w)
        self.write = cmd_w
        self.read = out_r
        self.buffer = b""
        self.next_id = 0
        self.events: list[dict[str, Any]] = []
        targets = self.call("Target.getTargets")["targetInfos"]
        page = next(t for t in targets if t["type"] == "page")
        self.session = self.call(
            "Target.attachToTarget", {"targetId": page["targetId"], "flatten": True}
        )["sessionId"]
        for domain in ("Page.enable", "Runtime.enable", "Log.enable"):
            self.call(domain, session=True)

    def _message(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self.buffer:
            if time.monotonic() > deadline:
                raise TimeoutError("chromium did not answer")
            chunk = os.read(self.read, 1 << 16)
            if not chunk:
                raise ConnectionError("chromium closed its pipe")
            self.buffer += chunk
        raw, _, self.buffer = self.buffer.partition(b"\0")
        return json.loads(raw)  # type: ignore[no-any-return]

    def call(
        self, method: str, params: dict[str, Any] | None = None, session: bool = False
    ) -> dict[str, Any]:
        self.next_id += 1
        msg: dict[str, Any] = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = self.session
        os.write(self.write, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + 30
        while True:
            reply = self._message(deadline)
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})  # type: ignore[no-any-return]
            self.events.append(reply)

    def _wait_for(self, method: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while not any(e.get("method") == method for e in self.events):
            self.events.append(self._message(deadline))

    def visit(self, url: str) -> PageReport:
        report = PageReport(url)
        self.events.clear()
        nav = self.call("Page.navigate", {"url": url}, session=True)
        if nav.get("errorText"):
            report.error = str(nav["errorText"])
            return report
        self._wait_for("Page.loadEventFired")
        script = (
            "JSON.stringify({images: Array.from(document.images).map(i => ({src: "
            "i.src.slice(0, 80), complete: i.complete, naturalWidth: i.naturalWidth})), "
            "links: Array.from(document.links).map(a => a.href)})"
        )
        got = self.call(
            "Runtime.evaluate", {"expression": script, "returnByValue": True}, session=True
        )
        data = json.loads(got["result"]["value"])
        report.images, report.links = data["images"], data["links"]
        for e in self.events:
            method, params = e.get("method"), e.get("params", {})
            if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                report.console_errors.append(json.dumps(params.get("args"))[:200])
            elif method == "Runtime.exceptionThrown":
                report.console_errors.append(json.dumps(params.get("exceptionDetails"))[:200])
            elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
                report.console_errors.append(str(params["entry"].get("text"))[:200])
        return report

    def close(self) -> None:
        with contextlib.suppress(OSError, RuntimeError, TimeoutError, ConnectionError):
            self.call("Browser.close")
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self.write)
        os.close(self.read)
        shutil.rmtree(self.profile, ignore_errors=True)
