"""The web installer's page in Firefox (Debian's firefox-esr), driven over WebDriver BiDi.

Run by scripts/e2e-web after the Chromium phase: e2e_web_firefox.py BASE_URL SCREENSHOTS FACTS_JSON.
Playwright's Firefox is a patched build this machine cannot download, so this speaks WebDriver BiDi (the
W3C protocol Firefox implements) directly, with the `websockets` package. It reuses the Chromium phase's
session cookie and checks, read-only: the finished deploy's rows (fetch and rendering), a field's mistake
shown beside it when the field is left, the advanced view, and no JavaScript error. Prints one ok/FAIL
line per check; exits 1 when any failed; saves screenshots as firefox-*.png.
"""
import asyncio
import base64
import json
import os
import re
import subprocess
import sys
import tempfile
import time

import websockets

BASE, SHOTS, FACTS = sys.argv[1], sys.argv[2], json.load(open(sys.argv[3]))
failed = 0


def check(what, condition):
    global failed
    print(("ok    " if condition else "FAIL  ") + "firefox: " + what, file=sys.stderr, flush=True)
    if not condition:
        failed += 1


class BiDi:
    def __init__(self, socket):
        self.socket = socket
        self.next_id = 0
        self.errors = []

    async def call(self, method, params):
        self.next_id += 1
        number = self.next_id
        await self.socket.send(json.dumps({"id": number, "method": method, "params": params}))
        while True:
            message = json.loads(await asyncio.wait_for(self.socket.recv(), 60))
            if message.get("method") == "log.entryAdded":
                entry = message["params"]
                if entry.get("level") == "error":
                    self.errors.append(entry.get("text", ""))
                continue
            if message.get("id") == number:
                if message.get("type") == "error":
                    raise RuntimeError(f"{method}: {message.get('error')}: {message.get('message')}")
                return message["result"]

    async def evaluate(self, context, expression):
        result = await self.call("script.evaluate", {
            "expression": expression, "target": {"context": context}, "awaitPromise": True,
        })
        if result.get("type") == "exception":
            raise RuntimeError(f"{expression}: {result['exceptionDetails'].get('text')}")
        return result["result"].get("value")

    async def until(self, context, expression, seconds=30):
        deadline = time.time() + seconds
        while time.time() < deadline:
            if await self.evaluate(context, expression):
                return True
            await asyncio.sleep(0.25)
        return False

    async def screenshot(self, context, name):
        result = await self.call("browsingContext.captureScreenshot", {"context": context, "origin": "document"})
        with open(f"{SHOTS}/firefox-{name}.png", "wb") as file:
            file.write(base64.b64decode(result["data"]))


async def run(port):
    session = json.load(open(FACTS["session_file"]))
    cookie = next(c for c in session["cookies"] if c["name"] == "dcos_installer_session")
    async with websockets.connect(f"ws://127.0.0.1:{port}/session", max_size=64 << 20) as socket:
        bidi = BiDi(socket)
        await bidi.call("session.new", {"capabilities": {}})
        await bidi.call("session.subscribe", {"events": ["log.entryAdded"]})
        context = (await bidi.call("browsingContext.getTree", {}))["contexts"][0]["context"]
        await bidi.call("browsingContext.setViewport", {"context": context, "viewport": {"width": 1280, "height": 900}})
        await bidi.call("storage.setCookie", {"cookie": {
            "name": cookie["name"], "value": {"type": "string", "value": cookie["value"]},
            "domain": cookie["domain"], "path": "/", "httpOnly": True, "sameSite": "strict",
        }})

        await bidi.call("browsingContext.navigate", {"context": context, "url": BASE + "/#deploy", "wait": "complete"})
        shown = await bidi.until(context, "document.querySelector('#deploy .totals')?.textContent.includes('finished: ok')")
        check("the deploy page shows the finished run", shown)
        rows = await bidi.evaluate(context, "[...document.querySelectorAll('#deploy tbody tr')].map(r => r.dataset.status).join(' ')")
        check(f"one row per host, each ok ({rows})", rows == " ".join(["ok"] * FACTS["hosts"]))
        await bidi.screenshot(context, "deploy")

        await bidi.call("browsingContext.navigate", {"context": context, "url": BASE + "/#setup", "wait": "complete"})
        filled = await bidi.until(context, "document.querySelector('#cluster_name').value === 'web-testbed'")
        check("the setup form is filled from config.yaml", filled)
        # Headless Firefox has no window focus, so focus() fires no blur: leaving the field is the event itself.
        await bidi.evaluate(context, """(() => { const port = document.querySelector('#ssh_port');
            port.value = '70000'; port.dispatchEvent(new FocusEvent('blur')); })()""")
        shown = await bidi.until(context, "document.querySelector('#ssh_port-error').textContent.includes('65535')")
        check("a mistake is shown beside its field when the field is left", shown)
        await bidi.screenshot(context, "setup-mistake")

        await bidi.call("browsingContext.navigate", {"context": context, "url": BASE + "/#advanced", "wait": "complete"})
        loaded = await bidi.until(context, "document.querySelector('#yaml').value.includes('cluster_name')")
        check("the advanced view loads config.yaml", loaded)
        await bidi.screenshot(context, "advanced")
        check(f"no JavaScript errors ({bidi.errors[:3]})", not bidi.errors)
        await bidi.call("session.end", {})


def main():
    profile = tempfile.mkdtemp(prefix="e2e-firefox-")
    # The profile trusts nothing extra; only what the test needs.
    with open(os.path.join(profile, "user.js"), "w") as prefs:
        prefs.write('user_pref("browser.shell.checkDefaultBrowser", false);\n')
    log_path = os.path.join(profile, "firefox.log")
    log = open(log_path, "w")
    process = subprocess.Popen(
        [FACTS["firefox"], "--headless", "--remote-debugging-port", "0", "--profile", profile, "about:blank"],
        stdout=log, stderr=log,
    )
    try:
        port = None
        deadline = time.time() + 60
        while time.time() < deadline and port is None and process.poll() is None:
            found = re.search(r"WebDriver BiDi listening on ws://127\.0\.0\.1:(\d+)", open(log_path).read())
            if found:
                port = int(found.group(1))
            else:
                time.sleep(0.2)
        check("firefox-esr starts with WebDriver BiDi", port is not None)
        if port is not None:
            asyncio.run(run(port))
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
        subprocess.run(["rm", "-rf", profile], check=False)
    sys.exit(1 if failed else 0)


main()
