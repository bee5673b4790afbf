"""The web installer in a real browser (Debian's chromium, driven by Playwright) against real hosts.

Run by scripts/e2e-web: e2e_web.py install|uninstall LOGIN_URL SCREENSHOTS FACTS_JSON. `install` logs in
with the one-time link and keeps the session in FACTS["session_file"]; `uninstall` reuses it. FACTS_JSON
names the testbed:
masters, agents, public agents, the bootstrap URL, the SSH key file, the ip-detect script, and the shell
commands that inject an agent failure and heal it. Prints one "ok"/"FAIL" line per check; exits 1 when
any failed. Every page is saved as a screenshot in SCREENSHOTS.
"""
import json
import re
import subprocess
import sys
import time

from playwright.sync_api import expect, sync_playwright

MODE, LOGIN, SHOTS, FACTS = sys.argv[1], sys.argv[2], sys.argv[3], json.load(open(sys.argv[4]))
failed = 0


def check(what, condition):
    global failed
    print(("ok    " if condition else "FAIL  ") + what, file=sys.stderr, flush=True)
    if not condition:
        failed += 1


def shot(page, name):
    page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def error_of(page, key):
    return page.locator(f"#{key}-error").inner_text().strip()


def start(page, section, button="[data-start]"):
    """Clicks the section's start (or retry) button; returns the run id the page announces."""
    page.click(f"#{section} {button}")
    banner = page.locator("#banner")
    expect(banner).to_contain_text("started (run ", timeout=120_000)
    return banner.inner_text().split("(run ")[1].rstrip(").")


def wait_finished(page, section, run_id, seconds):
    """Waits until the section's totals say run `run_id` finished; returns the totals line."""
    totals = page.locator(f"#{section} .totals")
    deadline = time.time() + seconds
    while time.time() < deadline:
        text = totals.inner_text()
        if "finished:" in text and run_id in text:
            return text
        time.sleep(1)
    return totals.inner_text()


def statuses(page, section):
    return page.locator(f"#{section} tbody td.status").evaluate_all(
        "cells => cells.map(c => c.firstChild.textContent)")


def uninstall(browser):
    """Uninstall from the page, behind the typed cluster name, with the session of the install phase."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, storage_state=FACTS["session_file"])
    page = context.new_page()
    base = LOGIN.split("/login")[0]
    page.goto(f"{base}/#uninstall")
    button = page.locator("#uninstall [data-start]")
    expect(button).to_be_visible()
    check("uninstall is disabled until the cluster name is typed", button.is_disabled())
    page.fill("#uninstall-confirm", "web-testbe")
    check("a wrong name keeps it disabled", button.is_disabled())
    page.fill("#uninstall-confirm", "web-testbed")
    check("the right name enables it", button.is_enabled())
    shot(page, "11-uninstall-confirm")
    run = start(page, "uninstall")
    totals = wait_finished(page, "uninstall", run, 600)
    check(f"uninstall finished ok: {totals}", "finished: ok" in totals)
    shot(page, "12-uninstalled")
    context.close()


with sync_playwright() as playwright:
    browser = playwright.chromium.launch(executable_path=FACTS["chromium"], args=["--no-sandbox"])
    if MODE == "uninstall":
        uninstall(browser)
        browser.close()
        sys.exit(1 if failed else 0)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    console_errors = []
    page.on("console", lambda message: console_errors.append(message.text) if message.type == "error" else None)

    # Without the login link: the page says how to log in, and the API refuses.
    base = LOGIN.split("/login")[0]
    page.goto(base + "/")
    expect(page.locator("#login")).to_be_visible()
    check("without the login link, the page shows how to log in", page.locator("#login").is_visible())
    shot(page, "00-login-needed")

    page.goto(LOGIN)
    expect(page.locator("#setup")).to_be_visible()
    console_errors.clear()  # the 401s of the page before the login were expected
    check("the login link opens the setup page", page.url.startswith(base + "/"))
    cookies = page.context.cookies()
    session = [c for c in cookies if c["name"] == "dcos_installer_session"]
    check("the session cookie is HttpOnly and SameSite=Strict",
          bool(session) and session[0]["httpOnly"] and session[0]["sameSite"] == "Strict")
    check("every form field has a label",
          page.evaluate("""() => [...document.querySelectorAll('#setup-form input:not([type=file]), #setup-form textarea, #setup-form select')]
              .every(e => e.labels.length > 0 || e.getAttribute('aria-label'))"""))

    # Mistakes, each shown beside its field when the field is left.
    page.fill("#cluster_name", "")
    page.fill("#master_list", f"{FACTS['masters'][0]}\n999.1.1.1")
    page.fill("#ssh_port", "70000")
    page.fill("#bootstrap_url", "ftp://nowhere")
    page.focus("#ssh_user")
    page.locator("#master_list").focus()
    page.locator("#ssh_port").focus()
    page.locator("#bootstrap_url").focus()
    page.locator("#ssh_user").focus()
    page.wait_for_timeout(1500)
    for key in ["master_list", "ssh_port", "bootstrap_url"]:
        message = error_of(page, key)
        check(f"a mistake in {key} is shown beside it: {message[:90]!r}", bool(message))
        check(f"{key} is marked invalid", page.get_attribute(f"#{key}", "aria-invalid") == "true")
    page.click("text=Save and continue to preflight")
    page.wait_for_timeout(1000)
    check("saving an invalid setup is refused, with the count", "nothing was saved" in page.locator("#banner").inner_text())
    check("the cluster name's absence is reported", bool(error_of(page, "cluster_name")))
    shot(page, "01-setup-mistakes")
    console_errors.clear()  # the refused save's 400 was expected

    # Fixed: every field right.
    page.fill("#cluster_name", "web-testbed")
    page.fill("#bootstrap_url", FACTS["bootstrap_url"])
    page.fill("#master_list", "\n".join(FACTS["masters"]))
    page.fill("#agent_list", "\n".join(FACTS["agents"]))
    page.fill("#public_agent_list", "\n".join(FACTS["public_agents"]))
    page.fill("#ssh_user", "root")
    page.fill("#ssh_port", "22")
    page.set_input_files("input[data-upload=ssh_key]", FACTS["ssh_key_file"])
    page.fill("#resolvers", FACTS["resolver"])
    page.fill("#dns_search", "")
    page.fill("#ip_detect_script", open(FACTS["ip_detect_file"]).read())
    page.click("#validate")
    page.wait_for_timeout(1500)
    remaining = page.locator(".error").evaluate_all("es => es.map(e => e.textContent).filter(Boolean)")
    check(f"after the fixes, no field has an error ({remaining})", not remaining)
    shot(page, "02-setup-valid")
    page.click("text=Save and continue to preflight")
    page.wait_for_url("**#preflight")
    check("saving goes on to preflight", page.locator("#preflight").is_visible())

    # Preflight: every host green.
    run = start(page, "preflight")
    totals = wait_finished(page, "preflight", run, 300)
    check(f"preflight finished ok: {totals}", "finished: ok" in totals)
    check("every host's preflight is ok", statuses(page, "preflight") == ["ok"] * FACTS["hosts"])
    shot(page, "03-preflight")

    # Deploy with an agent that fails; retry after it is healed.
    subprocess.run(FACTS["inject"], shell=True, check=True)
    page.click("#preflight [data-next]")
    page.wait_for_url("**#deploy")
    run = start(page, "deploy")
    totals = wait_finished(page, "deploy", run, 900)
    check(f"the deploy with a failing agent finished failed: {totals}", "finished: failed" in totals)
    rows = statuses(page, "deploy")
    check(f"the failing agent's row says failed ({rows})", "failed" in rows)
    expect(page.locator("#deploy [data-retry]")).to_be_visible()
    page.select_option("#deploy [data-filter]", "failed")
    page.wait_for_function("() => [...document.querySelectorAll('#deploy tbody tr')].every(r => r.dataset.status !== 'ok')")
    shown = statuses(page, "deploy")
    check(f"the failed filter shows only hosts that are not ok ({shown})", "failed" in shown and "ok" not in shown)
    detail = page.locator("#deploy tbody tr[data-status=failed] td.status").inner_text()
    check(f"the failed host's row names the failed check and its fix: {detail[-120:]!r}",
          "ports: in use: 5051" in detail and "stop what listens there" in detail)
    page.click("#deploy tbody tr[data-status=failed] button")
    expect(page.locator("#log-dialog")).to_be_visible()
    log = page.locator("#log-text").inner_text()
    check(f"the failed host's log opens ({len(log)} characters)", "dcos_install.sh" in log)
    shot(page, "04-deploy-failed-log")
    page.keyboard.press("Escape")
    page.select_option("#deploy [data-filter]", "all")
    page.wait_for_function("() => document.querySelectorAll('#deploy tbody tr').length === 5")
    shot(page, "05-deploy-failed")
    with page.expect_download() as download:
        page.click("#deploy a[download]")
    path = download.value.path()
    text = open(path).read()
    check("the run records download has the deploy's report and host logs",
          "===== deploy run" in text and "----- hosts/" in text)
    check("the download holds no private key", "PRIVATE KEY-----\n" not in text.replace("[redacted private key]", ""))

    subprocess.run(FACTS["heal"], shell=True, check=True)
    run = start(page, "deploy", "[data-retry]")
    totals = wait_finished(page, "deploy", run, 900)
    check(f"the retried deploy finished ok: {totals}", "finished: ok" in totals)
    check("every host is ok after the retry", statuses(page, "deploy") == ["ok"] * FACTS["hosts"])
    shot(page, "06-deploy")

    # Postflight and success.
    page.click("#deploy [data-next]")
    page.wait_for_url("**#postflight")
    run = start(page, "postflight")
    totals = wait_finished(page, "postflight", run, 600)
    check(f"postflight finished ok: {totals}", "finished: ok" in totals)
    shot(page, "07-postflight")
    page.click("#postflight [data-next]")
    page.wait_for_url("**#success")
    page.wait_for_timeout(500)
    link = page.locator("#success-text a")
    check("success links the first master's admin router",
          link.get_attribute("href") == f"http://{FACTS['masters'][0]}")
    shot(page, "08-success")

    # Closing the browser does not stop a run; reopening shows where it is.
    page.goto(base + "/#deploy")
    page.wait_for_timeout(1000)
    check("reopening the deploy page shows the finished run", "finished: ok" in page.locator("#deploy .totals").inner_text())

    # 800 px wide: nothing wider than the window.
    page.set_viewport_size({"width": 800, "height": 900})
    for view in ["setup", "deploy"]:
        page.goto(f"{base}/#{view}")
        page.wait_for_timeout(700)
        width = page.evaluate("() => document.documentElement.scrollWidth")
        check(f"the {view} page fits 800 px (scroll width {width})", width <= 800)
        shot(page, f"09-{view}-800px")
    # The advanced view: the whole file, a mistake shown on its line, nothing saved until it is fixed.
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{base}/#advanced")
    expect(page.locator("#yaml")).to_have_value(re.compile("cluster_name"))
    original = page.input_value("#yaml")
    check("the advanced view shows config.yaml with its comment", original.startswith("# DC/OS cluster configuration"))
    page.fill("#yaml", original.replace('ssh_port: 22', 'ssh_port: 0'))
    page.click("#yaml-check")
    problem = page.locator("#yaml-errors button").first
    expect(problem).to_contain_text("ssh_port")
    label = problem.inner_text()
    check(f"a mistake in the file is listed with its line: {label!r}", label.startswith("line "))
    problem.click()
    selected = page.evaluate("() => { const a = document.querySelector('#yaml'); return a.value.slice(a.selectionStart, a.selectionEnd); }")
    check(f"clicking it selects that line ({selected!r})", selected.startswith("ssh_port: 0"))
    shot(page, "10-advanced-error")
    page.click("#yaml-save")
    expect(page.locator("#banner")).to_contain_text("nothing was saved")
    console_errors.clear()  # that refused save's 400 was expected
    page.fill("#yaml", original + "# edited in the advanced view\n")
    page.click("#yaml-save")
    expect(page.locator("#banner")).to_contain_text("Saved genconf/config.yaml")
    check("the fixed file is saved", "# edited in the advanced view" in open(FACTS["config"]).read())

    check(f"no console errors ({console_errors[:3]})", not console_errors)
    context.storage_state(path=FACTS["session_file"])
    browser.close()

sys.exit(1 if failed else 0)
