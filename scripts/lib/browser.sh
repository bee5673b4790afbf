# shellcheck shell=bash
# A browser for the page tests: Debian's chromium and Playwright (from PyPI, pinned) in a virtual
# environment of its own, cached between runs. Source it, then call ensure_browser: it sets CHROMIUM and
# BROWSER_PYTHON (a python3 that imports playwright). Installs what is missing (root, apt, pip).
PLAYWRIGHT_VERSION=1.65.3
BROWSER_CACHE=${DCOS_INSTALLER_BROWSER_CACHE:-/var/cache/dcos-installer-browser}

ensure_browser() {
    if ! command -v chromium >/dev/null; then
        echo "browser: installing chromium" >&2
        DEBIAN_FRONTEND=noninteractive apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
    fi
    CHROMIUM=$(command -v chromium)
    local venv=$BROWSER_CACHE/venv-playwright-$PLAYWRIGHT_VERSION
    if [[ ! -x $venv/bin/python3 ]] || ! "$venv/bin/python3" -c 'import playwright' 2>/dev/null; then
        echo "browser: installing Playwright $PLAYWRIGHT_VERSION in $venv" >&2
        mkdir -p "$BROWSER_CACHE"
        rm -rf "$venv.tmp"
        if ! python3 -m venv "$venv.tmp" 2>/dev/null; then
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-venv >/dev/null
            /usr/bin/python3 -m venv "$venv.tmp"
        fi
        "$venv.tmp/bin/pip" install -q --disable-pip-version-check "playwright==$PLAYWRIGHT_VERSION"
        rm -rf "$venv"
        mv "$venv.tmp" "$venv"
    fi
    BROWSER_PYTHON=$venv/bin/python3
    export CHROMIUM BROWSER_PYTHON
}
