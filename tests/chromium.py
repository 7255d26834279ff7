"""Headless Chromium driven through the DevTools protocol over a pipe (no websocket, no
third-party client): the HTML report's tests and ``make screenshots`` open pages with it,
collect console errors and network requests, evaluate script and take screenshots.

``--remote-debugging-pipe`` makes Chromium read commands on its descriptor 3 and write
replies and events on 4, each message JSON ended by a NUL byte.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import select
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

FLAGS = [
    "--headless",
    "--no-sandbox",  # as root, as in containers and CI
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--hide-scrollbars",
    "--remote-debugging-pipe",
]
TIMEOUT = 60.0  # seconds for any one reply


def find_chromium() -> str | None:
    """Debian's ``chromium`` (or Google's build), where installed."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


class Page:
    """One tab: what it logged and requested, script evaluated in it, its screenshot."""

    def __init__(self, browser: Browser, session: str) -> None:
        self.browser, self.session = browser, session
        self.url = ""

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        return self.browser.call(method, params, session=self.session)

    def open(self, url: str, *, width: int, height: int = 900, mobile: bool = False) -> None:
        """Load ``url`` at a viewport ``width`` CSS pixels wide, and wait for its load."""
        self.url = url
        self.call(
            "Emulation.setDeviceMetricsOverride",
            width=width,
            height=height,
            deviceScaleFactor=1,
            mobile=mobile,
        )
        self.browser.events.clear()
        self.call("Page.navigate", url=url)
        self.browser.wait_for("Page.loadEventFired", self.session)

    def evaluate(self, expression: str) -> Any:
        reply = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in reply:
            raise AssertionError(f"{expression}: {reply['exceptionDetails']}")
        return reply["result"].get("value")

    def console_errors(self) -> list[str]:
        """Console errors, uncaught exceptions and errors the browser logged (a blocked
        request, a policy violation)."""
        out = []
        for event in self.browser.events:
            method, params = event["method"], event.get("params", {})
            if method == "Runtime.consoleAPICalled" and params["type"] in ("error", "assert"):
                out.append(" ".join(str(a.get("value", a)) for a in params["args"]))
            elif method == "Runtime.exceptionThrown":
                out.append(str(params["exceptionDetails"]))
            elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
                out.append(params["entry"]["text"])
        return out

    def requests(self) -> list[str]:
        """The URL of every request the page made, the page's own first."""
        return [
            e["params"]["request"]["url"]
            for e in self.browser.events
            if e["method"] == "Network.requestWillBeSent"
        ]

    def screenshot(self, path: Path) -> None:
        """The whole page as a PNG at the viewport's width."""
        size = self.evaluate("[document.documentElement.scrollWidth, document.body.scrollHeight]")
        reply = self.call(
            "Page.captureScreenshot",
            format="png",
            captureBeyondViewport=True,
            clip={"x": 0, "y": 0, "width": size[0], "height": size[1], "scale": 1},
        )
        path.write_bytes(base64.b64decode(reply["data"]))


class Browser:
    """A headless Chromium of its own (a fresh profile), closed on exit."""

    def __init__(self, executable: str) -> None:
        self.profile = tempfile.TemporaryDirectory(prefix="losscli-chromium-")
        ours_read, its_write = os.pipe()
        its_read, ours_write = os.pipe()

        def descriptors() -> None:  # in the child: its ends as 3 and 4
            read, write = os.dup(its_read), os.dup(its_write)
            os.dup2(read, 3)
            os.dup2(write, 4)

        self.process = subprocess.Popen(
            [executable, *FLAGS, f"--user-data-dir={self.profile.name}", "about:blank"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=descriptors,
            pass_fds=(3, 4),
        )
        os.close(its_read)
        os.close(its_write)
        self.reader, self.writer = ours_read, ours_write
        self.buffer = b""
        self.events: list[dict[str, Any]] = []
        self.last_id = 0

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        with contextlib.suppress(OSError, AssertionError):
            self.call("Browser.close", {})
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.close(self.reader)
        os.close(self.writer)
        self.profile.cleanup()

    def new_page(self) -> Page:
        """A new tab that reports its console, its log and its network requests."""
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})
        page = Page(self, session["sessionId"])
        for domain in ("Runtime", "Log", "Network", "Page"):
            page.call(f"{domain}.enable")
        return page

    def call(self, method: str, params: dict[str, Any], session: str = "") -> dict[str, Any]:
        """Send a command and return its result; events read meanwhile are kept."""
        self.last_id += 1
        message: dict[str, Any] = {"id": self.last_id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        os.write(self.writer, json.dumps(message).encode() + b"\0")
        while True:
            reply = self._next()
            if reply.get("id") == self.last_id:
                if "error" in reply:
                    raise AssertionError(f"{method}: {reply['error']}")
                result: dict[str, Any] = reply.get("result", {})
                return result
            if "method" in reply:
                self.events.append(reply)

    def wait_for(self, method: str, session: str) -> None:
        while not any(e["method"] == method for e in self.events):
            event = self._next()
            if "method" in event and event.get("sessionId", session) == session:
                self.events.append(event)

    def _next(self) -> dict[str, Any]:
        while b"\0" not in self.buffer:
            ready, _, _ = select.select([self.reader], [], [], TIMEOUT)
            if not ready:
                raise AssertionError(f"Chromium sent nothing for {TIMEOUT:g} s")
            chunk = os.read(self.reader, 1 << 20)
            if not chunk:
                raise AssertionError("Chromium closed its pipe")
            self.buffer += chunk
        message, _, self.buffer = self.buffer.partition(b"\0")
        parsed: dict[str, Any] = json.loads(message)
        return parsed
