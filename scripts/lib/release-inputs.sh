# shellcheck shell=bash
# The Debian packages whose files end up in the release's bytes (scripts/release): the static
# libraries it links, the C runtime, the linker and strip, and the tools that pack the .deb and the
# self-contained file. Two builds of one commit give the same bytes only with the same versions of
# these (and the same Swift toolchain), so:
#   - scripts/setup keeps them at the newest version the apt sources offer (a release also links
#     the newest security fixes of libcrypto, libssh2 and zlib, never a stale copy);
#   - scripts/release records their versions in build-info.json ("inputs");
#   - scripts/fresh-root compares those first, and names the package when two builds differ.
RELEASE_INPUTS=(
    libssl-dev libssh2-1-dev zlib1g-dev libyaml-dev libcrypt-dev   # linked statically
    libc6-dev libgcc-12-dev libstdc++-12-dev                       # crt files, libc_nonshared, libgcc, libstdc++
    binutils                                                       # ld.gold, strip
    tar gzip dpkg-dev dpkg xz-utils liblzma5                       # the payload and the .deb
)

# Prints "package version" for each input, sorted; a package that is not installed is "package none".
release_input_versions() {
    local p v
    for p in "${RELEASE_INPUTS[@]}"; do
        v=$(dpkg-query -W -f='${Version}' "$p" 2>/dev/null) || v=none
        printf '%s %s\n' "$p" "${v:-none}"
    done | sort
}

# release_inputs_diff A B: prints "name: A's version -> B's version" for each input that differs
# between two build-info.json files (a file that cannot be read counts as having no inputs).
release_inputs_diff() {
    python3 - "$1" "$2" <<'PY'
import json, sys
def inputs(path):
    try:
        with open(path) as f:
            return json.load(f).get("inputs", {})
    except (OSError, ValueError):
        return {}
a, b = inputs(sys.argv[1]), inputs(sys.argv[2])
for name in sorted(set(a) | set(b)):
    if a.get(name) != b.get(name):
        print(f"{name}: {a.get(name, 'none')} -> {b.get(name, 'none')}")
PY
}

# release_inputs_json: this machine's inputs as build-info.json writes them ({"inputs": {...}}).
release_inputs_json() {
    local swift
    swift=$(swift --version 2>/dev/null | sed -n 's/.*Swift version \([^ ]*\).*/\1/p' | head -n 1)
    { echo "swift ${swift:-none}"; release_input_versions; } | python3 -c '
import json, sys
print(json.dumps({"inputs": dict(l.rstrip("\n").split(" ", 1) for l in sys.stdin)}, indent=2, sort_keys=True))'
}
