"""A tiny W3C WebDriver client over urllib (stdlib only).

Works with any W3C endpoint: chromedriver for the emulator's consent pages, tauri-driver for the
desktop app. `ChromeDriver` starts /usr/bin/chromedriver on a free loopback port.
"""

from __future__ import annotations

import base64
import contextlib
import http.client
import json
import os
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

ELEMENT_KEY = "element-6066-11e4-a52e-4f735466cecf"

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--no-proxy-server",
    "--disable-breakpad",
    "--disable-crash-reporter",
    "--window-size=1024,768",
]


class WebDriverError(RuntimeError):
    def __init__(self, status: int, error: str, message: str):
        super().__init__(f"WebDriver {status} {error}: {message}")
        self.status = status
        self.error = error
        self.message = message


class WebDriver:
    """One W3C WebDriver server (base URL like http://127.0.0.1:4444)."""

    def __init__(self, base_url: str, timeout: float = 30.0):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.session_id: str | None = None

    # -- transport ---------------------------------------------------------------------------
    def _call(self, method: str, path: str, body: dict | None = None):
        # tauri-driver proxies over pooled keep-alive connections to WebKitWebDriver, which
        # sometimes closes one under it: the request never reached the browser, so retry once.
        for attempt in (1, 2):
            try:
                return self._call_once(method, path, body)
            except (http.client.RemoteDisconnected, ConnectionResetError):
                if attempt == 2 or path == "/session":
                    raise
                time.sleep(0.3)

    def _call_once(self, method: str, path: str, body: dict | None = None):
        data = None if body is None else json.dumps(body).encode()
        if method == "POST" and data is None:
            data = b"{}"
        req = urllib.request.Request(self.base_url + path, data=data, method=method)
        req.add_header("Content-Type", "application/json; charset=utf-8")
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                payload = json.loads(resp.read() or b"{}")
        except urllib.error.HTTPError as e:
            raw = e.read()
            try:
                value = json.loads(raw).get("value", {})
            except ValueError:
                value = {"error": "unknown error", "message": raw.decode(errors="replace")}
            raise WebDriverError(
                e.code, value.get("error", "?"), value.get("message", "")
            ) from None
        return payload.get("value")

    def _s(self, path: str = "") -> str:
        if not self.session_id:
            raise RuntimeError("no WebDriver session")
        return f"/session/{self.session_id}{path}"

    # -- API ---------------------------------------------------------------------------------
    def status(self) -> dict:
        return self._call("GET", "/status")

    def new_session(self, capabilities: dict) -> str:
        value = self._call("POST", "/session", {"capabilities": {"alwaysMatch": capabilities}})
        self.session_id = value["sessionId"]
        return self.session_id

    def get(self, url: str) -> None:
        self._call("POST", self._s("/url"), {"url": url})

    def current_url(self) -> str:
        return self._call("GET", self._s("/url"))

    def source(self) -> str:
        return self._call("GET", self._s("/source"))

    def title(self) -> str:
        return self._call("GET", self._s("/title"))

    def find(self, css: str) -> str:
        value = self._call("POST", self._s("/element"), {"using": "css selector", "value": css})
        return value[ELEMENT_KEY]

    def find_all(self, css: str) -> list[str]:
        value = self._call("POST", self._s("/elements"), {"using": "css selector", "value": css})
        return [v[ELEMENT_KEY] for v in value]

    def wait_for(self, css: str, timeout: float = 10.0) -> str:
        deadline = time.monotonic() + timeout
        while True:
            try:
                return self.find(css)
            except WebDriverError as e:
                if e.error != "no such element" or time.monotonic() > deadline:
                    raise
            time.sleep(0.1)

    def click(self, element: str) -> None:
        self._call("POST", self._s(f"/element/{element}/click"), {})

    def text(self, element: str) -> str:
        return self._call("GET", self._s(f"/element/{element}/text"))

    def attribute(self, element: str, name: str):
        return self._call("GET", self._s(f"/element/{element}/attribute/{name}"))

    def property(self, element: str, name: str):
        return self._call("GET", self._s(f"/element/{element}/property/{name}"))

    def send_keys(self, element: str, text: str) -> None:
        self._call("POST", self._s(f"/element/{element}/value"), {"text": text})

    def execute(self, script: str, *args):
        return self._call("POST", self._s("/execute/sync"), {"script": script, "args": list(args)})

    # WebKitGTK drawing without compositing (the app's choice without a GPU) takes a WebDriver
    # screenshot at the next paint, and an idle page never paints: the call would hang. A 1 px,
    # all but transparent dot in the corner changes for a second, so a paint comes.
    NUDGE = """
const dot = document.createElement('div');
dot.style.cssText = 'position:fixed;left:0;top:0;width:1px;height:1px;pointer-events:none;z-index:2147483647';
document.body.appendChild(dot);
let n = 0;
(function flip() {
  dot.style.background = n % 2 ? 'rgba(0,0,0,0)' : 'rgba(0,0,0,0.01)';
  if (++n < 60) requestAnimationFrame(flip); else dot.remove();
})();
"""

    def screenshot(self, path: str | os.PathLike) -> bytes:
        self.execute(self.NUDGE)
        png = base64.b64decode(self._call("GET", self._s("/screenshot")))
        with open(path, "wb") as f:
            f.write(png)
        return png

    def delete(self) -> None:
        if self.session_id:
            try:
                self._call("DELETE", self._s())
            finally:
                self.session_id = None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ChromeDriver:
    """chromedriver + one headless Chromium session with a fresh profile directory."""

    def __init__(
        self, chromedriver: str = "/usr/bin/chromedriver", chromium: str = "/usr/bin/chromium"
    ):
        self.chromedriver = chromedriver
        self.chromium = chromium
        self.proc: subprocess.Popen | None = None
        self.profile = tempfile.TemporaryDirectory(prefix="lanyard-chromium-")
        self.driver: WebDriver | None = None

    def start(self) -> WebDriver:
        port = free_port()
        env = dict(
            os.environ, HOME=self.profile.name, XDG_CONFIG_HOME=self.profile.name + "/.config"
        )
        self.proc = subprocess.Popen(
            [self.chromedriver, f"--port={port}", "--allowed-ips=127.0.0.1"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            stdin=subprocess.DEVNULL,
        )
        driver = WebDriver(f"http://127.0.0.1:{port}")
        deadline = time.monotonic() + 20
        while True:
            try:
                if driver.status().get("ready"):
                    break
            except (OSError, WebDriverError, ValueError):
                pass
            if time.monotonic() > deadline or self.proc.poll() is not None:
                self.stop()
                raise RuntimeError("chromedriver did not become ready")
            time.sleep(0.1)
        driver.new_session(
            {
                "browserName": "chrome",
                "goog:chromeOptions": {
                    "binary": self.chromium,
                    "args": CHROMIUM_ARGS + [f"--user-data-dir={self.profile.name}/data"],
                },
            }
        )
        self.driver = driver
        return driver

    def stop(self) -> None:
        # Best effort: the session may already be gone with the app; the driver is stopped next.
        with contextlib.suppress(Exception):
            if self.driver:
                self.driver.delete()
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.profile.cleanup()
