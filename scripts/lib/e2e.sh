# Shared by the end-to-end tests (scripts/e2e-*): five testbed hosts, genconf for their addresses, the
# bootstrap server on the bridge, assertions and cleanup. Source it from a script whose working
# directory is the repository root; it sets `errexit`-safe helpers only and starts nothing by itself.
# shellcheck shell=bash

readonly REPO=$PWD
# What operators run: the self-contained release file (scripts/release), unless DCOS_GENERATE_CONFIG
# names another build. It extracts itself into the run's own cache, removed with the run.
BIN=${DCOS_GENERATE_CONFIG:-$REPO/dist/dcos_generate_config.sh}
[[ -x $BIN ]] || { echo "e2e: $BIN is missing; run scripts/release first" >&2; exit 1; }

KEEP=false
WORK=$(mktemp -d /tmp/dcos-e2e.XXXXXX)
export DCOS_INSTALLER_CACHE=$WORK/installer-cache
export TESTBED_DIR=$WORK/testbed
readonly MASTERS=(h2 h3 h4) AGENT=h5 PUBLIC=h6
# A script may set EXTRA_AGENTS (more private agents: h7, h8, ...) before sourcing this file.
EXTRA_AGENTS=("${EXTRA_AGENTS[@]}")
readonly ALL_HOSTS=(h2 h3 h4 h5 h6 "${EXTRA_AGENTS[@]}")
readonly BRIDGE_IP=198.18.0.1 PORT=8080
SERVER_PID=''
PASSED=0
FAILED=0
START=$SECONDS

say() { printf '\n==> %s\n' "$*" >&2; }
ok() { PASSED=$((PASSED + 1)); printf 'ok    %s\n' "$*" >&2; }
not_ok() { FAILED=$((FAILED + 1)); printf 'FAIL  %s\n' "$*" >&2; }
check() {  # check DESCRIPTION COMMAND...: ok when COMMAND succeeds
    local what=$1
    shift
    if "$@"; then ok "$what"; else not_ok "$what"; fi
}
# until_true SECONDS COMMAND...: retries COMMAND every 3 s until it succeeds or the time is up.
until_true() {
    local deadline=$((SECONDS + $1))
    shift
    until "$@"; do
        ((SECONDS < deadline)) || return 1
        sleep 3
    done
}

addr() { awk -v n="$1" '$1 == n { print $2 }' "$TESTBED_DIR/hosts"; }
on() {  # on HOST COMMAND: runs COMMAND (one shell string) as root on HOST over plain ssh
    local host=$1
    shift
    ssh -F "$TESTBED_DIR/ssh_config" "$host" "$@" </dev/null
}
json_field() {  # json_field FIELD < text whose last line starting with { is a JSON object
    python3 -c 'import json, sys
lines = [l for l in sys.stdin.read().splitlines() if l.startswith("{")]
print(json.loads(lines[-1]).get(sys.argv[1], "") if lines else "")' "$1"
}
failed_error_checks() {  # names of failed error-severity checks in a node's --json outcome, sorted
    python3 -c 'import json, sys
lines = [l for l in sys.stdin.read().splitlines() if l.startswith("{")]
checks = json.loads(lines[-1])["checks"] if lines else []
print(" ".join(sorted(c["name"] for c in checks if c["status"] == "fail" and c["severity"] == "error")))'
}
zk_modes() {  # the masters' ZooKeeper modes, sorted, e.g. "follower follower leader"
    local host
    for host in "${MASTERS[@]}"; do
        # Not `echo srvr | nc`: ZooKeeper drops the answer to a client that half-closed first.
        on h2 "timeout 3 bash -c 'exec 3<>/dev/tcp/$(addr "$host")/2181 && printf srvr >&3 && cat <&3'" 2>/dev/null | sed -n 's/^Mode: //p'
    done | sort | tr '\n' ' ' | sed 's/ $//'
}
zk_quorum() { [[ $(zk_modes) == "follower follower leader" ]]; }
check_zk_quorum() {  # waits up to 180 s for one leader and two followers
    if until_true 180 zk_quorum; then
        ok "ZooKeeper reports one leader and two followers"
    else
        not_ok "ZooKeeper reports one leader and two followers (modes: $(zk_modes))"
    fi
}

# action ARGS...: runs dcos_generate_config ARGS in the work directory; stdout to $WORK/out.json,
# stderr to $WORK/err.txt; sets STATUS and ELAPSED (seconds).
# shellcheck disable=SC2034 # STATUS and ELAPSED are read by the scripts that source this file
action() {
    local started=$SECONDS
    STATUS=0
    (cd "$WORK" && "$BIN" "$@") >"$WORK/out.json" 2>"$WORK/err.txt" </dev/null || STATUS=$?
    ELAPSED=$((SECONDS - started))
}
# host_field HOST FIELD: a field of HOST's entry in the last report ($WORK/out.json).
host_field() {
    python3 - "$WORK/out.json" "$(addr "$1")" "$2" <<'EOF'
import json, sys
report = json.load(open(sys.argv[1]))
for host in report["hosts"]:
    if host["host"] == sys.argv[2]:
        value = host
        for part in sys.argv[3].split("."):
            value = value.get(part) if isinstance(value, dict) else None
        print("" if value is None else value)
        break
EOF
}
report_field() { python3 -c 'import json, sys; print(json.load(open(sys.argv[1])).get(sys.argv[2], ""))' "$WORK/out.json" "$1"; }
statuses() {  # every host's status in the last report, as h2=ok h3=ok ...
    local host line=''
    for host in "${ALL_HOSTS[@]}"; do line+="$host=$(host_field "$host" status) "; done
    echo "${line% }"
}

# A background process of the test (a sampler), stopped at cleanup.
BACKGROUND_PIDS=()

e2e_cleanup() {
    local rc=$?
    if [[ $KEEP == true ]]; then
        echo "e2e: --keep: hosts in $TESTBED_DIR (TESTBED_DIR=$TESTBED_DIR scripts/testbed down), server pid ${SERVER_PID:-none}" >&2
        return
    fi
    e2e_stop_server
    local pid
    for pid in "${BACKGROUND_PIDS[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    scripts/testbed down >/dev/null 2>&1 || echo "e2e: testbed down failed; run TESTBED_DIR=$TESTBED_DIR scripts/testbed down" >&2
    rm -rf "$WORK"
    exit "$rc"
}

# e2e_start: parses --keep, installs the cleanup trap and boots the five hosts.
e2e_start() {
    [[ ${1:-} == --keep ]] && KEEP=true
    trap e2e_cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    say "testbed: ${#ALL_HOSTS[@]} hosts"
    scripts/testbed up "${#ALL_HOSTS[@]}"
    local host
    for host in "${ALL_HOSTS[@]}"; do printf '%s %s\n' "$host" "$(addr "$host")"; done >&2
}

# e2e_genconf [EXTRA_YAML]: genconf in $WORK/genconf for masters h2-h4, agent h5, public agent h6.
e2e_genconf() {
    say "genconf for the testbed's addresses"
    mkdir -p "$WORK/genconf"
    cat >"$WORK/genconf/ip-detect" <<EOF
#!/usr/bin/env bash
# This node's address: the source address of its route to the bootstrap node.
set -o errexit -o nounset -o pipefail
ip -4 -o route get $BRIDGE_IP | sed -n 's/.* src \([0-9.]*\).*/\1/p' | head -n 1
EOF
    cat >"$WORK/genconf/config.yaml" <<EOF
cluster_name: e2e-testbed
bootstrap_url: http://$BRIDGE_IP:$PORT
master_discovery: static
exhibitor_storage_backend: static
master_list: [$(addr h2), $(addr h3), $(addr h4)]
agent_list: [$(addr "$AGENT")$(for host in "${EXTRA_AGENTS[@]}"; do printf ', %s' "$(addr "$host")"; done)]
public_agent_list: [$(addr "$PUBLIC")]
resolvers: [$BRIDGE_IP]
ip_detect_filename: genconf/ip-detect
ssh_user: root
ssh_key_path: $TESTBED_DIR/key
${1:-}
EOF
    (cd "$WORK" && "$BIN" --genconf) >&2
    CONFIG_ID=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["config_id"])' "$WORK/genconf/serve/manifest.json")
    export CONFIG_ID
}

# serve_path ROLE: the role's bundle under $WORK/genconf/serve.
serve_bundle() {
    echo "$WORK/genconf/serve/$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["roles"][sys.argv[2]]["bundle"])' "$WORK/genconf/serve/manifest.json" "$1")"
}

e2e_start_server() {
    say "bootstrap server on $BRIDGE_IP:$PORT"
    (cd "$WORK" && exec "$BIN" --serve --bind "$BRIDGE_IP" --port "$PORT") >>"$WORK/serve.log" 2>&1 &
    SERVER_PID=$!
    until_true 30 curl -fsS -o /dev/null "http://$BRIDGE_IP:$PORT/manifest.json" || { cat "$WORK/serve.log" >&2; exit 1; }
}

e2e_stop_server() {
    if [[ -n $SERVER_PID ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    SERVER_PID=''
}

# e2e_finish NAME: prints the tally; on failure the last lines of every node's install log, exit 1.
e2e_finish() {
    say "$1: $PASSED passed, $FAILED failed in $((SECONDS - START))s"
    if ((FAILED > 0)); then
        local host
        for host in "${ALL_HOSTS[@]}"; do
            echo "--- $host: last lines of /var/log/dcos-install.log" >&2
            on "$host" "tail -n 15 /var/log/dcos-install.log" >&2 || true
        done
        exit 1
    fi
}
