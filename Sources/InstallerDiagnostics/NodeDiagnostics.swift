import InstallerCluster
import InstallerSSH

/// What `--diagnostics` collects on one node, in one command: sections of text, the journal of the DC/OS
/// units last and bounded by time and size, so the whole output stays within ``captureLimit``.
public struct NodeDiagnostics: Sendable, Hashable {
    /// Hours of journal.
    public var journalHours: Int
    /// Bytes of journal (its newest part).
    public var journalBytes: Int
    /// Where the node keeps dcos_install.sh (its `--verify` is one section).
    public var remoteDirectory: String

    public init(journalHours: Int = 24, journalBytes: Int = 2 << 20, remoteDirectory: String) {
        self.journalHours = max(1, journalHours)
        self.journalBytes = max(4096, journalBytes)
        self.remoteDirectory = remoteDirectory
    }

    static let marker = "@@dcos-diagnostics@@ "

    /// The sections, in order: file name in the bundle and the POSIX shell commands that print it.
    var sections: [(name: String, command: String)] {
        let script = shellQuote(remoteDirectory + "/dcos_install.sh")
        return [
            (
                "versions.txt",
                "cat /var/lib/dcos-install/installed 2>&1; echo \"active: $(readlink /opt/dcos-release/active 2>&1)\"; "
                    + "cat /opt/mesosphere/etc/dcos-version.json 2>&1; echo; uname -a; cat /etc/os-release 2>&1"
            ),
            (
                "verify.json",
                "if [ -f \(script) ]; then bash \(script) --verify --json 2>/dev/null; "
                    + "else echo '{\"result\": \"absent\", \"message\": \"no dcos_install.sh on this node\"}'; fi"
            ),
            ("units.txt", "systemctl list-units --all --no-pager --plain 'dcos-*' 2>&1"),
            ("disk.txt", "df -hP 2>&1; echo; df -iP 2>&1"),
            ("memory.txt", "free -m 2>&1; echo; cat /proc/loadavg 2>&1; nproc 2>&1"),
            ("clock.txt", "date -u +%Y-%m-%dT%H:%M:%S.%NZ; timedatectl 2>&1 | head -n 20"),
            (
                "dns.txt",
                "cat /etc/resolv.conf 2>&1; echo; echo \"hostname: $(hostname 2>&1) / $(hostname -f 2>&1)\"; "
                    + "getent hosts \"$(hostname)\" 2>&1"
            ),
            ("network.txt", "ip -brief address 2>&1; echo; ip route 2>&1"),
            (
                "journal.log",
                "journalctl -u 'dcos-*' --since '-\(journalHours) hours' --no-pager -o short-iso 2>&1 | tail -c \(journalBytes)"
            ),
        ]
    }

    /// The one command run on the node.
    public var command: String {
        sections.map { "printf '\\n\(Self.marker)%s\\n' '\($0.name)'; \($0.command)" }.joined(separator: "\n")
    }

    /// Bytes of output to keep: the journal plus room for the other sections.
    public var captureLimit: Int { journalBytes + (1 << 20) }

    /// The sections of the node's output, by file name (text between one marker line and the next).
    public static func parse(_ output: String) -> [String: String] {
        var files: [String: String] = [:]
        var name: String?
        var lines: [Substring] = []
        func flush() {
            if let name { files[name] = lines.joined(separator: "\n").trimmingTrailingNewlines() + "\n" }
        }
        for line in output.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix(marker) {
                flush()
                name = String(line.dropFirst(marker.count))
                lines = []
            } else if name != nil {
                lines.append(line)
            }
        }
        flush()
        return files
    }
}

extension String {
    fileprivate func trimmingTrailingNewlines() -> String {
        var text = Substring(self)
        while text.hasSuffix("\n") { text = text.dropLast() }
        return String(text)
    }
}
