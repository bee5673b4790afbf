#!/usr/bin/env bash
# TEST DOUBLE of dcos_install.sh. It is NOT the node installer and installs nothing: it implements the
# driver/node contract the SSH actions code against (flags, exactly one JSON object on stdout, human
# lines on stderr, exit codes 0/1/2) so CLITests can run --preflight, --deploy, --postflight and
# --uninstall through real sshd processes on loopback. Every "node" is this machine, so it tells nodes
# apart by the server address in SSH_CONNECTION and keeps each one's state in STATE_ROOT/<address>/.
#
# Behaviour files in STATE_ROOT/<address>/ (absent: succeed):
#   preflight   "fail": the preflight reports a failed error-severity check (exit 1)
#   install     "fail": the install fails (exit 1)
#   postflight  "fail": always fails; "fail-once": fails on the first attempt only
#   sleep       seconds the install takes
#   say         text printed on stderr by every mode and put in --verify's message (a secret a node leaks)
#   verify      "changed": --verify reports a changed file (the install, if any, still passes); --repair
#               puts it back (removes this file) and reports "repaired"
# It appends "<mode>-start <epoch>" and "<mode>-end <epoch>" to STATE_ROOT/<address>/events.
# With bootstrap_url file://, the install checks that the driver pushed manifest.json and this role's
# bundle with the SHA-256 the manifest names, as the real node installer would before installing.
set -u
STATE_ROOT='@STATE_ROOT@'
BOOTSTRAP_DIR='@BOOTSTRAP_DIR@'

address=$(echo "${SSH_CONNECTION:-x x unknown x}" | awk '{print $3}')
dir="$STATE_ROOT/$address"
mkdir -p "$dir"
mode=install
role=""
for argument in "$@"; do
    case "$argument" in
        --preflight-only) mode=preflight ;;
        --postflight) mode=postflight ;;
        --uninstall) mode=uninstall ;;
        --verify) mode=verify ;;
        --repair) mode=repair ;;
        --json | --disable-preflight | --ignore-preflight-errors=* | --wait=* | --secrets=*) ;;
        master | slave | slave_public) role=$argument ;;
        *) echo "fake dcos_install.sh: unknown argument $argument" >&2; exit 2 ;;
    esac
done
# Like the real one, --verify without a role checks the installed role.
if [ "$mode" = verify ] && [ -z "$role" ]; then role=$(cat "$dir/role" 2>/dev/null); fi
if [ "$mode" != uninstall ] && [ "$mode" != verify ] && [ -z "$role" ]; then
    echo "fake dcos_install.sh: ROLE is missing" >&2
    exit 2
fi

now() { date +%s.%N; }
echo "$mode-start $(now)" >> "$dir/events"
if [ -f "$dir/say" ]; then echo "fake: $(cat "$dir/say")" >&2; fi
finish() { echo "$mode-end $(now)" >> "$dir/events"; exit "$1"; }
told() { cat "$dir/$1" 2>/dev/null || echo ok; }
check() { printf '{"name":"%s","severity":"%s","status":"%s","detail":"%s"}' "$1" "$2" "$3" "$4"; }
report() { # action result checks config_id message
    printf '{"host":"%s","role":"%s","action":"%s","result":"%s","config_id":"%s","message":"%s","checks":%s}\n' \
        "$address" "$role" "$1" "$2" "$4" "$5" "$3"
}

case $mode in
preflight)
    echo "fake: preflight on $address as $role" >&2
    if [ "$(told preflight)" = fail ]; then
        echo "fake: docker is missing (told to fail)" >&2
        report preflight fail "[$(check role error pass "$role"),$(check docker error fail 'docker is not installed')]" "" ""
        finish 1
    fi
    report preflight pass "[$(check role error pass "$role"),$(check memory warning fail 'below the recommended 32 GiB')]" "" ""
    finish 0
    ;;
install | repair)
    sleep "$(cat "$dir/sleep" 2>/dev/null || echo 0)"
    config_id=""
    if [ -n "$BOOTSTRAP_DIR" ]; then
        manifest="$BOOTSTRAP_DIR/manifest.json"
        if [ ! -f "$manifest" ]; then
            echo "fake: $manifest was not pushed" >&2
            report install failed "[]" "" "manifest.json missing in the bootstrap directory"
            finish 1
        fi
        read -r config_id bundle sha < <(python3 -c '
import json, sys
m = json.load(open(sys.argv[1])); r = m["roles"][sys.argv[2]]
print(m["config_id"], r["bundle"], r["sha256"])' "$manifest" "$role")
        actual=$(sha256sum "$BOOTSTRAP_DIR/$bundle" 2>/dev/null | cut -d' ' -f1)
        if [ "$actual" != "$sha" ]; then
            echo "fake: $bundle has SHA-256 '$actual', manifest says $sha" >&2
            report install failed "[]" "$config_id" "bundle checksum mismatch"
            finish 1
        fi
    fi
    if [ "$(told install)" = fail ]; then
        echo "fake: install fails (told to)" >&2
        report "$mode" failed "[]" "$config_id" "told to fail"
        finish 1
    fi
    if [ "$(cat "$dir/installed" 2>/dev/null)" = "$config_id" ]; then
        if [ "$mode" = repair ] && [ "$(told verify)" = changed ]; then
            rm -f "$dir/verify"
            report repair repaired "[]" "$config_id" "files put back: 1 (/opt/mesosphere/etc/dns_config)"
            finish 0
        fi
        report "$mode" unchanged "[]" "$config_id" "already installed"
        finish 0
    fi
    echo "$config_id" > "$dir/installed"
    echo "$role" > "$dir/role"
    echo "fake: installed $role" >&2
    report "$mode" installed "[]" "$config_id" ""
    finish 0
    ;;
postflight)
    attempts=$(($(cat "$dir/postflight-attempts" 2>/dev/null || echo 0) + 1))
    echo "$attempts" > "$dir/postflight-attempts"
    behaviour=$(told postflight)
    if [ "$behaviour" = fail ] || { [ "$behaviour" = fail-once ] && [ "$attempts" = 1 ]; }; then
        report postflight fail "[$(check units error fail 'dcos-mesos-master.service is not active')]" "" ""
        finish 1
    fi
    report postflight pass "[$(check units error pass 'every unit is active')]" "" ""
    finish 0
    ;;
verify)
    if [ ! -f "$dir/installed" ]; then
        report verify fail "[$(check installed error fail 'DC/OS is not installed on this node')]" "" ""
        finish 1
    fi
    if [ "$(told verify)" = changed ]; then
        report verify fail "[$(check installed error pass "$role"),$(check files error fail 'changed: /opt/mesosphere/etc/dns_config; missing: none')]" "" ""
        finish 1
    fi
    report verify pass "[$(check installed error pass "$role"),$(check files error pass '27 files as installed')]" "" "$(cat "$dir/say" 2>/dev/null)"
    finish 0
    ;;
uninstall)
    if [ -f "$dir/installed" ]; then
        rm -f "$dir/installed"
        report uninstall removed "[]" "" ""
    else
        report uninstall absent "[]" "" ""
    fi
    finish 0
    ;;
esac
