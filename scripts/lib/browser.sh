# shellcheck shell=bash
# Browsers for the page tests: Debian's chromium (driven by Playwright) and firefox-esr (driven over
# WebDriver BiDi with websockets), the Python packages (from PyPI, pinned) in a virtual environment of
# their own, cached between runs. Source it, then call ensure_browser: it sets CHROMIUM, FIREFOX and
# BROWSER_PYTHON (a python3 that imports playwright and websockets). Installs what is missing (root,
# apt, pip).
PLAYWRIGHT_VERSION=1.65.3
WEBSOCKETS_VERSION=17.4
BROWSER_CACHE=${DCOS_INSTALLER_BROWSER_CACHE:-/var/cache/dcos-installer-browser}

ensure_browser() {
    if ! command -v chromium >/dev/null || ! command -v firefox-esr >/dev/null; then
        echo "browser: installing chromium and firefox-esr" >&2
        DEBIAN_FRONTEND=noninteractive apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium firefox-esr >/dev/null
    fi
    CHROMIUM=$(command -v chromium)
    FIREFOX=$(command -v firefox-esr)
    local venv=$BROWSER_CACHE/venv-playwright-$PLAYWRIGHT_VERSION-websockets-$WEBSOCKETS_VERSION
    if [[ ! -x $venv/bin/python3 ]] || ! "$venv/bin/python3" -c 'import playwright, websockets' 2>/dev/null; then
        echo "browser: installing Playwright $PLAYWRIGHT_VERSION and websockets $WEBSOCKETS_VERSION in $venv" >&2
        mkdir -p "$BROWSER_CACHE"
        rm -rf "$venv.tmp"
        if ! python3 -m venv "$venv.tmp" 2>/dev/null; then
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-venv >/dev/null
            /usr/bin/python3 -m venv "$venv.tmp"
        fi
        "$venv.tmp/bin/pip" install -q --disable-pip-version-check "playwright==$PLAYWRIGHT_VERSION" \
            "websockets==$WEBSOCKETS_VERSION"
        rm -rf "$venv"
        mv "$venv.tmp" "$venv"
    fi
    BROWSER_PYTHON=$venv/bin/python3
    export CHROMIUM FIREFOX BROWSER_PYTHON
}
