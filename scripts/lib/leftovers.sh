# Finds processes a test run left running. Source it, call `leftovers_begin` before the tests start
# anything, and `leftovers_check` when they are done.
#
# Every process the run starts inherits DCOS_INSTALLER_TEST_RUN (a marker unique to this run), and the
# test fixtures pass it on to the servers they start with a minimal environment; temporary files live
# under the run's own TMPDIR. A process still running at the end whose environment carries the marker,
# or whose command line names a path under that TMPDIR, was started by this run and never stopped.
# shellcheck shell=bash

leftovers_begin() {
    DCOS_INSTALLER_TEST_RUN=$(date +%s)-$$-$RANDOM$RANDOM
    export DCOS_INSTALLER_TEST_RUN
    LEFTOVERS_TMP=$(mktemp -d /tmp/dcos-installer-test.XXXXXX)
    chmod 755 "$LEFTOVERS_TMP"  # as /tmp's own subdirectories: test users' sshd sessions read keys below it
    export TMPDIR=$LEFTOVERS_TMP
}

# Prints "PID command line" for every leftover process (never this shell or its ancestors).
leftovers_list() {
    local proc pid cmdline
    local -A mine=([$$]=1 [$BASHPID]=1)
    pid=$PPID
    while [[ $pid =~ ^[0-9]+$ ]] && ((pid > 1)); do
        mine[$pid]=1
        pid=$(awk '{print $4}' "/proc/$pid/stat" 2>/dev/null) || break
    done
    for proc in /proc/[0-9]*; do
        pid=${proc#/proc/}
        [[ -n ${mine[$pid]:-} ]] && continue
        if grep -qzx "DCOS_INSTALLER_TEST_RUN=$DCOS_INSTALLER_TEST_RUN" "$proc/environ" 2>/dev/null ||
            grep -qzF "$LEFTOVERS_TMP/" "$proc/cmdline" 2>/dev/null; then
            cmdline=$(tr '\0' ' ' <"$proc/cmdline" 2>/dev/null) || continue
            [[ -n $cmdline ]] && printf '%s %s\n' "$pid" "${cmdline:0:200}"
        fi
    done
}

# Fails (status 1), naming them, when processes of this run are still running; stops them (by PID,
# SIGTERM then SIGKILL) so the machine is clean either way. Removes the run's TMPDIR.
leftovers_check() {
    local found pid
    found=$(leftovers_list)
    if [[ -n $found ]]; then
        echo "error: the tests left these processes running (a fixture that never stopped them):" >&2
        printf '    %s\n' "${found//$'\n'/$'\n'    }" >&2
        while read -r pid _; do kill -TERM "$pid" 2>/dev/null || true; done <<<"$found"
        sleep 2
        while read -r pid _; do kill -KILL "$pid" 2>/dev/null || true; done <<<"$found"
        return 1
    fi
    echo "no process of this test run is left running" >&2
    rm -rf "$LEFTOVERS_TMP"
}
