import InstallerCluster
import InstallerRender
import InstallerSSH

/// The small POSIX shell commands the driver runs on nodes besides dcos_install.sh. Their output is
/// `key=value` lines, parsed by ``ClusterChecks`` and ``PackageOutcome``.
public enum RemoteScripts {
    /// The node's wall clock, read as close as possible to the round trip the driver times.
    public static let clock = "date +%s.%N"

    /// The node's install record (`key<TAB>value` lines; nothing when DC/OS is not installed) and, on a
    /// master, `master_list<TAB>` with the installed list and `zookeeper_mode<TAB>` with its ZooKeeper's
    /// mode (leader, follower, or empty). Changes nothing. `srvr` goes out without closing the sending
    /// side (bash's /dev/tcp, not `echo | nc`): ZooKeeper drops the answer to a client that half-closed first.
    public static let probe =
        "cat /var/lib/dcos-install/installed 2>/dev/null || true; "
        + "if [ -r /opt/mesosphere/etc/master_list ]; then printf 'master_list\\t%s\\n' \"$(tr -d '\\n' < /opt/mesosphere/etc/master_list)\"; "
        + "printf 'zookeeper_mode\\t%s\\n' \"$(timeout 3 bash -c 'exec 3<>/dev/tcp/127.0.0.1/2181 && printf srvr >&3 && cat <&3' 2>/dev/null | sed -n 's/^Mode: //p')\"; fi"

    /// `hostname=`, `machine_id=`, `bootstrap=ok|fail …|skip …`, and `peer HOST:PORT=ok|fail` for every
    /// other master. At preflight nothing listens on the ZooKeeper ensemble ports (2888/3888) yet, so
    /// the masters' reachability is checked on their SSH port: the network path and firewall between them.
    static func facts(for node: ClusterNode, planner: NodePlanner) -> String {
        var lines = [
            "printf 'hostname=%s\\n' \"$(hostname 2>/dev/null || cat /proc/sys/kernel/hostname)\"",
            "printf 'machine_id=%s\\n' \"$(cat /etc/machine-id 2>/dev/null)\"",
        ]
        if planner.fileBootstrapDirectory != nil {
            lines.append("echo 'bootstrap=skip file:// bootstrap_url: the driver pushes the files at --deploy'")
        } else {
            let url = planner.bootstrapURL.hasSuffix("/") ? planner.bootstrapURL : planner.bootstrapURL + "/"
            lines.append(
                "if out=$(curl -fsS -o /dev/null --max-time 10 \(shellQuote(url + "manifest.json")) 2>&1); "
                    + "then echo bootstrap=ok; else echo \"bootstrap=fail $(printf '%s' \"$out\" | tr '\\n' ' ' | cut -c1-200)\"; fi"
            )
        }
        if node.role == .master {
            for peer in planner.masters where peer.host != node.host {
                let target = "\(peer.host)/\(peer.port)"
                lines.append(
                    "if timeout 5 bash -c \(shellQuote("</dev/tcp/" + target)) 2>/dev/null; "
                        + "then echo 'peer \(peer.host):\(peer.port)=ok'; else echo 'peer \(peer.host):\(peer.port)=fail'; fi"
                )
            }
        }
        return lines.joined(separator: "; ")
    }

    /// Installs the missing packages of `apt` (Debian/Ubuntu) or `dnf` (dnf, or yum) with the node's own
    /// package manager; never upgrades the system. Prints `manager=`, `present=PKG`, `missing=PKG`,
    /// `stopped=UNIT` and `result=unchanged|installed|failed`. Exit 0 on success, 1 when installing
    /// failed, 3 without a known package manager.
    ///
    /// `stoppedUnits` are units the packages bring that the role's own units replace: apt installs under
    /// a policy-rc.d that starts no service (unless the node has its own), and afterwards each of those
    /// units that exists is stopped and disabled. Only when this run installed something: a unit the
    /// operator runs already is theirs.
    ///
    /// With `offline`, apt uses only the repository on the bootstrap server (a sources list of its own),
    /// and refuses a `Packages` index whose SHA-256 is not the one genconf recorded.
    static func packages(
        apt: [String],
        dnf: [String],
        stoppedUnits: [String] = [],
        offline: Prerequisites.OfflineRepository? = nil
    ) -> String {
        let aptList = apt.map(shellQuote).joined(separator: " ")
        let dnfList = dnf.map(shellQuote).joined(separator: " ")
        let policy = "/usr/sbin/policy-rc.d"
        // Our policy-rc.d goes away when the shell exits, however the install ended.
        let noStarts =
            "if [ ! -e \(policy) ]; then printf '#!/bin/sh\\nexit 101\\n' > \(policy) && chmod 755 \(policy) && trap 'rm -f \(policy)' EXIT; fi"
        var aptInstall =
            "apt-get update -q >&2 && apt-get install -y -q --no-upgrade --no-install-recommends $missing >&2"
        var dnfInstall = "$pm install -y -q $missing >&2"
        if let offline {
            let list = "/etc/apt/sources.list.d/dcos-prereqs.list"
            let options =
                "-o Dir::Etc::SourceList=\(list) -o Dir::Etc::SourceParts=/var/lib/dcos-install/apt-parts.d -o APT::Get::List-Cleanup=false"
            aptInstall = """
                mkdir -p /var/lib/dcos-install/apt-parts.d && \
                printf 'deb [trusted=yes] %s ./\\n' \(shellQuote(offline.url)) > \(list) && \
                apt-get \(options) update -q >&2 && \
                index=$(ls /var/lib/apt/lists/*_prereqs_apt_._Packages 2>/dev/null | head -n 1) && \
                if [ "$(sha256sum "$index" 2>/dev/null | cut -d' ' -f1)" != \(shellQuote(offline.packagesSHA256)) ]; then \
                echo "the Packages index apt fetched from \(offline.url) does not match genconf/serve/manifest.json; run --genconf again and restart --serve" >&2; false; \
                else apt-get \(options) install -y -q --no-upgrade --no-install-recommends $missing >&2; fi
                """
            dnfInstall = "echo 'prereqs_offline serves apt (.deb) packages; this node uses '$pm >&2; false"
        }
        let stop =
            stoppedUnits.isEmpty
            ? ""
            : "for u in \(stoppedUnits.map(shellQuote).joined(separator: " ")); do "
                + "if systemctl cat \"$u\" >/dev/null 2>&1; then systemctl disable --now \"$u\" >&2 2>&1 || true; echo \"stopped=$u\"; fi; done; "
        return """
            missing=''; \
            if command -v apt-get >/dev/null 2>&1; then echo manager=apt; \
            for p in \(aptList); do if dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed'; \
            then echo "present=$p"; else echo "missing=$p"; missing="$missing $p"; fi; done; \
            [ -z "$missing" ] && { echo result=unchanged; exit 0; }; \
            export DEBIAN_FRONTEND=noninteractive; \
            \(noStarts); \
            { \(aptInstall); } && { \(stop)echo result=installed; exit 0; }; echo result=failed; exit 1; \
            elif command -v dnf >/dev/null 2>&1 || command -v yum >/dev/null 2>&1; then \
            pm=$(command -v dnf >/dev/null 2>&1 && echo dnf || echo yum); echo "manager=$pm"; \
            for p in \(dnfList); do if rpm -q "$p" >/dev/null 2>&1; then echo "present=$p"; \
            else echo "missing=$p"; missing="$missing $p"; fi; done; \
            [ -z "$missing" ] && { echo result=unchanged; exit 0; }; \
            { \(dnfInstall); } && { \(stop)echo result=installed; exit 0; }; echo result=failed; exit 1; \
            else echo manager=none; echo 'no apt-get, dnf or yum on this node' >&2; exit 3; fi
            """
    }

    /// The SHA-256 of a node file, or nothing when it is absent.
    static func sha256(_ path: String) -> String {
        "sha256sum -- \(shellQuote(path)) 2>/dev/null | cut -d' ' -f1"
    }

    static func makeDirectory(_ path: String) -> String {
        "mkdir -p -- \(shellQuote(path))"
    }
}
