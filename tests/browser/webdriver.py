"""A small W3C WebDriver client over HTTP, with only Python's standard library: enough to drive
Debian's chromium through chromium-driver (chromedriver) in the browser tests."""

import base64
import json
import os
import socket
import subprocess
import time
import urllib.error
import urllib.request

ELEMENT_KEY = "element-6066-11e4-a52e-4f735466cecf"
TAB_KEY = "\ue004"


class WebDriverError(Exception):
    pass


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _request(method, url, body=None, timeout=60):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method,
                                     headers={"Content-Type": "application/json; charset=utf-8"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            answer = json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as e:
        answer = json.loads(e.read() or b"{}")
        value = answer.get("value", {})
        raise WebDriverError(f"{method} {url}: {e.code} {value.get('error')}: {value.get('message', '')[:500]}")
    return answer.get("value")


class Element:
    def __init__(self, session, element_id):
        self.session = session
        self.id = element_id

    def _path(self, tail=""):
        return f"/element/{self.id}{tail}"

    def click(self):
        self.session.call("POST", self._path("/click"), {})

    def clear(self):
        self.session.call("POST", self._path("/clear"), {})

    def type(self, text):
        self.session.call("POST", self._path("/value"), {"text": text})

    def text(self):
        return self.session.call("GET", self._path("/text"))

    def attribute(self, name):
        return self.session.call("GET", self._path(f"/attribute/{name}"))

    def property(self, name):
        return self.session.call("GET", self._path(f"/property/{name}"))

    def reference(self):
        """The element as a script argument."""
        return {ELEMENT_KEY: self.id}

    def displayed(self):
        return self.session.call("GET", self._path("/displayed"))


class Session:
    """One browser session. The driver process is started and stopped with it."""

    def __init__(self, driver, browser, arguments, log_path):
        self.port = free_port()
        self.log = open(log_path, "wb")
        self.driver = subprocess.Popen([driver, f"--port={self.port}", "--allowed-ips=127.0.0.1"],
                                       stdout=self.log, stderr=subprocess.STDOUT)
        self.base = f"http://127.0.0.1:{self.port}"
        self.id = None
        deadline = time.monotonic() + 30
        while True:
            try:
                if _request("GET", self.base + "/status", timeout=5).get("ready"):
                    break
            except (OSError, WebDriverError):
                pass
            if time.monotonic() > deadline or self.driver.poll() is not None:
                self.close()
                raise WebDriverError(f"{driver} did not become ready (see {log_path})")
            time.sleep(0.1)
        capabilities = {"browserName": "chrome",
                        "goog:chromeOptions": {"binary": browser, "args": arguments}}
        answer = _request("POST", self.base + "/session", {"capabilities": {"alwaysMatch": capabilities}})
        self.id = answer["sessionId"]

    def call(self, method, path, body=None):
        return _request(method, f"{self.base}/session/{self.id}{path}", body)

    def open(self, url):
        self.call("POST", "/url", {"url": url})

    def find(self, css):
        return Element(self, self.call("POST", "/element", {"using": "css selector", "value": css})[ELEMENT_KEY])

    def find_all(self, css):
        found = self.call("POST", "/elements", {"using": "css selector", "value": css})
        return [Element(self, e[ELEMENT_KEY]) for e in found]

    def script(self, source, *arguments):
        arguments = [a.reference() if isinstance(a, Element) else a for a in arguments]
        return self.call("POST", "/execute/sync", {"script": source, "args": arguments})

    def active_element(self):
        return Element(self, self.call("GET", "/element/active")[ELEMENT_KEY])

    def press(self, key):
        """Presses and releases one key, sent to whatever has the focus."""
        actions = [{"type": "key", "id": "keyboard",
                    "actions": [{"type": "keyDown", "value": key}, {"type": "keyUp", "value": key}]}]
        self.call("POST", "/actions", {"actions": actions})

    def window_handles(self):
        return self.call("GET", "/window/handles")

    def switch_to_window(self, handle):
        self.call("POST", "/window", {"handle": handle})

    def close_window(self):
        """Closes the window in use; switch_to_window must name another before the next call."""
        self.call("DELETE", "/window")

    def current_url(self):
        return self.call("GET", "/url")

    def screenshot(self, path):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(base64.b64decode(self.call("GET", "/screenshot")))

    def wait_for(self, condition, what, timeout=20):
        """Polls condition() until it returns something true; fails naming what was awaited."""
        deadline = time.monotonic() + timeout
        last_error = None
        while time.monotonic() < deadline:
            try:
                value = condition()
                if value:
                    return value
            except WebDriverError as e:
                last_error = e
            time.sleep(0.1)
        raise AssertionError(f"timed out after {timeout} s waiting for {what}" +
                             (f" (last error: {last_error})" if last_error else ""))

    def close(self):
        try:
            if self.id is not None:
                _request("DELETE", f"{self.base}/session/{self.id}", timeout=20)
        except (OSError, WebDriverError):
            pass
        finally:
            self.driver.terminate()
            try:
                self.driver.wait(10)
            except subprocess.TimeoutExpired:
                self.driver.kill()
                self.driver.wait()
            self.log.close()
