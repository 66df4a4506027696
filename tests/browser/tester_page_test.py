"""The tester page in headless Chromium: a person's path through it, against the real service.

Starts `destkit mock-api` (the partner's API, HTTPS on 127.0.0.1), a local OAuth provider and
`destkit serve` pointed at both, opens the page, chooses Example Custom, tests a missing API
key, a wrong one and the right one, then connects Example OAuth Managed through the provider,
tests it with the stored tokens and signs out; after each step it checks what the page shows
(the verdict, the field's error, the log, the connection's status) and writes a screenshot into
SCREENSHOT_DIR for a person to look at.

Usage: tester_page_test.py DESTKIT SCREENSHOT_DIR WORK_DIR
Run it through run_in_own_network.sh: Chromium must reach nothing beyond 127.0.0.1.
"""

import base64
import hashlib
import http.server
import json
import os
import secrets
import shutil
import subprocess
import sys
import threading
import urllib.parse

from webdriver import TAB_KEY, Session

SUBDOMAIN = "acme"
RIGHT_KEY = "right-key-5b1e"
WRONG_KEY = "wrong-key-93c0"
API_HOST = f"{SUBDOMAIN}.example.com"
OAUTH_DESTINATION = "example-oauth-managed"
CLIENT_ID = "tester-client"
CLIENT_SECRET = "tester-client-secret-77d2"
ACCESS_TOKEN = "tester-access-token-0f3a"


class AuthorizationServer:
    """The OAuth provider a person signs in at, on 127.0.0.1: /authorize approves at once and
    sends the browser back with a code; /token exchanges that code once, checking the client
    and the PKCE verifier."""

    def __init__(self):
        self.pending = {}  # code -> (code_challenge, redirect_uri)
        self.exchanged = 0
        provider = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def answer(self, status, body, headers=()):
                data = json.dumps(body).encode()
                self.send_response(status)
                for name, value in headers:
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                url = urllib.parse.urlsplit(self.path)
                query = dict(urllib.parse.parse_qsl(url.query))
                if url.path != "/authorize" or query.get("client_id") != CLIENT_ID or \
                        query.get("code_challenge_method") != "S256":
                    return self.answer(400, {"error": "invalid_request"})
                code = secrets.token_urlsafe(16)
                provider.pending[code] = (query["code_challenge"], query["redirect_uri"])
                back = query["redirect_uri"] + "?" + urllib.parse.urlencode({"code": code, "state": query["state"]})
                self.answer(302, {}, [("Location", back)])

            def do_POST(self):
                form = dict(urllib.parse.parse_qsl(self.rfile.read(int(self.headers["Content-Length"])).decode()))
                basic = "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
                client_ok = self.headers.get("Authorization") == basic or \
                    (form.get("client_id"), form.get("client_secret")) == (CLIENT_ID, CLIENT_SECRET)
                if self.path != "/token" or not client_ok:
                    return self.answer(401, {"error": "invalid_client"})
                challenge, redirect_uri = provider.pending.pop(form.get("code", ""), (None, None))
                verifier = form.get("code_verifier", "").encode()
                expected = base64.urlsafe_b64encode(hashlib.sha256(verifier).digest()).rstrip(b"=").decode()
                if form.get("grant_type") != "authorization_code" or challenge != expected or \
                        form.get("redirect_uri") != redirect_uri:
                    return self.answer(400, {"error": "invalid_grant"})
                provider.exchanged += 1
                self.answer(200, {"access_token": ACCESS_TOKEN, "token_type": "Bearer", "expires_in": 3600,
                                  "refresh_token": secrets.token_urlsafe(16), "scope": "read write"})

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def config(self):
        oauth = {"clientId": CLIENT_ID, "clientSecret": CLIENT_SECRET, "authorizeUrl": self.url + "/authorize",
                 "tokenUrl": self.url + "/token", "scopes": ["read", "write"]}
        return {"destinations": {OAUTH_DESTINATION: {"oauth": oauth}}}

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


class Program:
    """A destkit command running in the background; its first lines of output are awaited."""

    def __init__(self, name, command, work):
        self.output_path = os.path.join(work, f"{name}.log")
        self.output = open(self.output_path, "wb")
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=self.output)
        self.name = name

    def read_line(self, prefix, timeout=30):
        """The first line of standard output starting with prefix, without the prefix."""
        found = {}

        def read():
            for raw in self.process.stdout:
                line = raw.decode(errors="replace").rstrip("\n")
                if line.startswith(prefix):
                    found["line"] = line[len(prefix):]
                    return

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        reader.join(timeout)
        if "line" not in found:
            raise AssertionError(f"{self.name} printed no line starting {prefix!r} (its errors: {self.output_path})")
        return found["line"]

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.output.close()


def check(condition, message):
    if not condition:
        raise AssertionError(message)


class TesterPage:
    """What a person sees and does on the page, in the page's own words."""

    def __init__(self, session):
        self.s = session

    def choose(self, slug):
        self.s.wait_for(lambda: self.s.find_all(f'#destination option[value="{slug}"]'), f"{slug} in the list")
        self.s.find(f'#destination option[value="{slug}"]').click()
        self.s.wait_for(lambda: self.s.find("#settings-panel").displayed(), "the settings form")

    def input_labelled(self, label):
        """The control a <label> names, as a screen reader finds it."""
        control_id = self.s.wait_for(lambda: self.s.script(
            "const label = [...document.querySelectorAll('#fields label')]"
            ".find((l) => l.textContent.trim().startsWith(arguments[0]));"
            "return label ? label.htmlFor : null;", label), f"a field labelled {label!r}")
        return self.s.find(f"#{control_id}")

    def error_of(self, control):
        """The texts of the elements the control's aria-describedby names that are errors."""
        return self.s.script(
            "const ids = (arguments[0].getAttribute('aria-describedby') || '').split(' ').filter(Boolean);"
            "return ids.map((id) => document.getElementById(id))"
            ".filter((e) => e && e.classList.contains('field-error') && !e.hidden).map((e) => e.textContent);",
            control)

    def run_test(self, press_enter_in=None):
        """Tests the credentials (the button, or Enter in a field) and waits for the verdict."""
        before = self.s.find("#verdict-text").text()
        # Marks the verdict shown so far as stale: any outcome seen afterwards is this test's.
        self.s.script("document.getElementById('verdict').dataset.outcome = 'stale';")
        if press_enter_in is not None:
            press_enter_in.type("\ue007")
        else:
            self.s.find("#test-button").click()
        self.s.wait_for(lambda: self.s.find("#test-button").property("disabled") is False
                        and self.s.find("#verdict").attribute("data-outcome") not in ("stale", "running"),
                        "the verdict")
        return self.verdict(), before

    def verdict(self):
        return {"outcome": self.s.find("#verdict").attribute("data-outcome"),
                "headline": self.s.find("#verdict-text").text(),
                "detail": self.s.find("#verdict-detail").text()}

    def log_lines(self):
        return [item.text() for item in self.s.find_all("#log li")]

    def page_text(self):
        return self.s.script("return document.body.innerText;")


def start_services(destkit, work, provider):
    api = Program("mock-api", [destkit, "mock-api", "--certificate-dir", os.path.join(work, "certificate"),
                               "--accept", f"Authorization: Bearer {RIGHT_KEY}",
                               "--accept", f"Authorization: Bearer {ACCESS_TOKEN}"], work)
    api_port = api.read_line("port ")
    certificate = api.read_line("certificate ")
    config = os.path.join(work, "config.json")
    with open(config, "w") as f:
        json.dump(provider.config(), f)
    # The OAuth tokens serve stores go to the work folder, not the user's own state.
    os.environ["XDG_STATE_HOME"] = os.path.join(work, "state")
    serve = Program("serve", [destkit, "serve", "--listen", "127.0.0.1:0", "--config", config,
                              "--connect-to", f"{API_HOST}:443:127.0.0.1:{api_port}",
                              "--connect-to", f"example.com:443:127.0.0.1:{api_port}", "--cacert", certificate], work)
    return api, serve, serve.read_line("listening on ")


def browser_arguments(work):
    return ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--window-size=1000,1300", f"--user-data-dir={os.path.join(work, 'profile')}",
            "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
            # Besides the network namespace: no name resolves, so nothing beyond 127.0.0.1 is asked.
            "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"]


def scenario(page, origin, shots):
    s = page.s
    s.open(origin + "/")
    page.choose("example-custom")
    check("Example Custom" in s.find("#destination-about").text(), "the page names the chosen destination")
    subdomain = page.input_labelled("Subdomain")
    api_key = page.input_labelled("API Key")
    check(api_key.attribute("type") == "password", "the API key is masked")
    check(api_key.attribute("aria-required") == "true", "the API key is marked required for screen readers")

    toggle = s.find(f'button[aria-controls="{api_key.attribute("id")}"]')
    toggle.click()
    check(api_key.attribute("type") == "text" and toggle.attribute("aria-pressed") == "true", "Show reveals the key")
    toggle.click()
    check(api_key.attribute("type") == "password" and toggle.attribute("aria-pressed") == "false", "Hide masks it again")

    # The keyboard goes through the form in reading order.
    s.script("arguments[0].focus();", subdomain)
    order = []
    for _ in range(4):
        s.press(TAB_KEY)
        order.append(s.script("const e = document.activeElement; return e.id || e.textContent;"))
    expected = [api_key.attribute("id"), "Show", "test-button", "validate-button"]
    check(order == expected, f"Tab moves through the form in order, saw {order}, expected {expected}")

    # 0. Validate with nothing filled in: both required fields say so; nothing is sent.
    s.find("#validate-button").click()
    s.wait_for(lambda: s.find("#verdict").attribute("data-outcome") == "invalid_settings", "the validation's verdict")
    check(len(page.error_of(subdomain)) == 1 and len(page.error_of(api_key)) == 1,
          "Validate shows an error at each empty required field")
    check(page.log_lines() == ["No test run yet."], f"Validate sends no request, saw the log {page.log_lines()}")

    # 1. The API key is left out: the settings are refused, the error is at the field.
    subdomain.type(SUBDOMAIN)
    verdict, before = page.run_test(press_enter_in=subdomain)
    check(before == "The settings are not valid.", f"the validation's verdict stood before the test, saw {before!r}")
    s.screenshot(os.path.join(shots, "1-missing-api-key.png"))
    check(verdict["outcome"] == "invalid_settings" and verdict["headline"] == "The settings are not valid.",
          f"a missing API key makes invalid settings, saw {verdict}")
    errors = page.error_of(api_key)
    check(len(errors) == 1 and errors[0].strip(), f"the API key field shows its error, saw {errors}")
    check(api_key.attribute("aria-invalid") == "true", "the API key field is marked invalid")
    check(page.error_of(subdomain) == [] and subdomain.attribute("aria-invalid") is None,
          "the subdomain, which is fine, shows no error")
    check(s.active_element().id == api_key.id, "the focus moves to the field to correct")

    # 2. A wrong key: the partner's API answers 401; the page says so and shows the exchange.
    api_key.type(WRONG_KEY)
    verdict, _ = page.run_test()
    s.screenshot(os.path.join(shots, "2-wrong-api-key.png"))
    check(verdict["outcome"] == "invalid_credentials" and verdict["headline"] == "Credentials are invalid.",
          f"a wrong key is invalid credentials, saw {verdict}")
    check("401" in verdict["detail"], f"the verdict names the 401, saw {verdict['detail']!r}")
    check(page.error_of(api_key) == [] and api_key.attribute("aria-invalid") is None,
          "the corrected field's error is gone")
    log = page.log_lines()
    check(any(line.startswith(f"> GET https://{API_HOST}/api/accounts/me.json") for line in log),
          f"the log shows the request, saw {log}")
    check(any(line.startswith("< 401") for line in log), f"the log shows the 401 answer, saw {log}")
    check(WRONG_KEY not in page.page_text(), "the key appears nowhere in the page's text")

    # 3. The right key.
    api_key.clear()
    api_key.type(RIGHT_KEY)
    verdict, _ = page.run_test()
    s.screenshot(os.path.join(shots, "3-right-api-key.png"))
    check(verdict["outcome"] == "valid" and verdict["headline"] == "Credentials are valid.",
          f"the right key is valid, saw {verdict}")
    log = page.log_lines()
    check(any(line.startswith("< 200") for line in log), f"the log shows the 200 answer, saw {log}")
    check(RIGHT_KEY not in page.page_text(), "the key appears nowhere in the page's text")


def oauth_scenario(page, shots, provider):
    s = page.s
    page.choose(OAUTH_DESTINATION)
    status = s.find("#oauth-status")
    s.wait_for(lambda: "not signed in" in status.text(), "the connection's status")
    main_window = s.call("GET", "/window")
    s.find("#connect-button").click()
    # The provider approves at once and sends the new window to the service's callback, which
    # stores the tokens; the page, polling, then shows the connection signed in.
    s.wait_for(lambda: "signed in;" in status.text(), "the page to show the connection signed in")
    check("scopes: read write" in status.text(), f"the status names the scopes, saw {status.text()!r}")
    check(provider.exchanged == 1, f"one code was exchanged, saw {provider.exchanged}")
    popups = [handle for handle in s.window_handles() if handle != main_window]
    check(len(popups) == 1, f"Connect opened one window, saw {len(popups)}")
    s.switch_to_window(popups[0])
    check("You can close this window" in page.page_text(), "the new window says the connection is made")
    s.screenshot(os.path.join(shots, "4-oauth-callback-window.png"))
    s.close_window()
    s.switch_to_window(main_window)
    s.screenshot(os.path.join(shots, "5-oauth-connected.png"))

    verdict, _ = page.run_test()
    check(verdict["outcome"] == "valid", f"the stored tokens make valid credentials, saw {verdict}")
    log = page.log_lines()
    check(any(line.startswith("> GET https://example.com/api/accounts/me.json") for line in log),
          f"the log shows the request, saw {log}")
    check(ACCESS_TOKEN not in page.page_text(), "the access token appears nowhere in the page's text")

    s.find("#sign-out-button").click()
    s.wait_for(lambda: "not signed in" in status.text(), "the page to show the connection signed out")
    s.screenshot(os.path.join(shots, "6-oauth-signed-out.png"))


def main():
    destkit, shots, work = sys.argv[1:4]
    shutil.rmtree(work, ignore_errors=True)
    shutil.rmtree(shots, ignore_errors=True)
    os.makedirs(work)
    os.makedirs(shots)
    provider = AuthorizationServer()
    api, serve, origin = start_services(destkit, work, provider)
    session = None
    try:
        session = Session(shutil.which("chromedriver"), shutil.which("chromium"), browser_arguments(work),
                          os.path.join(work, "chromedriver.log"))
        try:
            scenario(TesterPage(session), origin, shots)
            oauth_scenario(TesterPage(session), shots, provider)
        except Exception:
            session.screenshot(os.path.join(shots, "failure.png"))
            raise
    finally:
        if session is not None:
            session.close()
        serve.stop()
        api.stop()
        provider.stop()
    print(f"screenshots in {shots}")


if __name__ == "__main__":
    main()
