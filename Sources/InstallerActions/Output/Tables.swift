import InstallerCluster
import InstallerRender

/// The final tables on stdout: one row per host, and for `--preflight` one column per check that did
/// not pass somewhere.
public enum Tables {
    /// HOST ROLE STATUS TIME DETAIL, then the failures with their cause and log.
    public static func summary(_ report: RunReport) -> String {
        var rows: [[String]] = [["HOST", "ROLE", "STATUS", "TIME", "DETAIL"]]
        for record in report.records {
            var detail = record.status == .ok ? (record.nodeResult ?? record.message) : record.message
            if record.status == .ok, !record.message.isEmpty, record.nodeResult != nil {
                detail = record.nodeResult! + " (" + record.message + ")"
            }
            rows.append([
                record.address, record.node.role.rawValue, record.status.rawValue,
                seconds(record.durationMilliseconds), String(detail.prefix(100)),
            ])
        }
        var out = grid(rows)
        let failures = report.records.filter { $0.status != .ok && $0.status != .skipped && $0.status != .cancelled }
        if !failures.isEmpty {
            out += "\nFailures:\n"
            for record in failures {
                out +=
                    "  \(record.address) (\(record.node.role)): \(record.errorClass ?? record.status.rawValue): \(record.message)\n"
                for line in record.stderrTail.suffix(3) { out += "    stderr: \(line)\n" }
                if let log = report.logPaths[record.node.host] { out += "    log: \(log)\n" }
            }
        }
        if let reason = report.stopReason { out += "\nStopped: \(reason).\n" }
        out += "\n" + verdict(report) + "\n"
        return out
    }

    /// Hosts × checks: every check that failed or was skipped on some host gets a column (`FAIL` for
    /// an error, `warn` for a failed warning, `ok`, `skip`, `-` not run), then each failure in full.
    public static func preflight(_ report: RunReport) -> String {
        var columns: [String] = []
        for record in report.records {
            for check in record.checks where check.status != .pass && !columns.contains(check.name) {
                columns.append(check.name)
            }
        }
        var rows: [[String]] = [["HOST", "ROLE", "RESULT"] + columns]
        for record in report.records {
            var row = [
                record.address, record.node.role.rawValue, record.status == .ok ? "pass" : record.status.rawValue,
            ]
            for column in columns {
                guard let check = record.checks.first(where: { $0.name == column }) else {
                    row.append("-")
                    continue
                }
                switch (check.status, check.severity) {
                case (.pass, _): row.append("ok")
                case (.skip, _): row.append("skip")
                case (.fail, .error): row.append("FAIL")
                case (.fail, .warning): row.append("warn")
                }
            }
            rows.append(row)
        }
        var out = grid(rows)
        let details = failures(report) { check in "\(check.name) \(check.severity == .error ? "FAIL" : "warn")" }
        if !details.isEmpty { out += "\nFailed checks:\n" + details.joined(separator: "\n") + "\n" }
        out += "\n" + verdict(report) + "\n"
        return out
    }

    /// `--status`: one row per node with what it runs and each fact of its `--verify`: RELEASE and CONFIG
    /// (what it runs; `other` when not the served configuration), FILES, UNITS, ADMINROUTER, ZOOKEEPER (the
    /// master's mode) and AGENT (registered), `ok`, `FAIL` or `-` (not checked); then each failure in full.
    public static func status(_ report: RunReport) -> String {
        let facts = ["files", "units", "adminrouter", "zookeeper-quorum", "agent-registered"]
        var rows: [[String]] = [
            ["HOST", "ROLE", "RESULT", "RELEASE", "CONFIG", "FILES", "UNITS", "ADMINROUTER", "ZOOKEEPER", "AGENT"]
        ]
        // "configuration abc, role slave, release 1.11.0": the word after `key` in one of the parts.
        func field(_ detail: String, after key: String) -> String? {
            for part in detail.split(whereSeparator: { $0 == "," || $0 == ";" }) {
                let words = part.split(separator: " ")
                let keyWords = key.split(separator: " ")
                if words.count > keyWords.count, Array(words.prefix(keyWords.count)) == keyWords {
                    return String(words[keyWords.count])
                }
            }
            return nil
        }
        for record in report.records {
            let checks = Dictionary(record.checks.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
            let installed = checks["installed"]
            let release = installed?.status == .pass ? field(installed!.detail, after: "release") ?? "?" : "-"
            var config = "-"
            if let check = checks["configuration"] {
                let runs = field(check.detail, after: "configuration") ?? "?"
                config = check.status == .pass ? String(runs.prefix(12)) : "other"
            }
            if checks["in-config"]?.status == .fail { config = "not in config.yaml" }
            var row = [
                record.address, record.node.role.rawValue,
                record.status == .ok ? "ok" : record.status.rawValue, release, config,
            ]
            for name in facts {
                guard let check = checks[name] else {
                    row.append("-")
                    continue
                }
                if name == "zookeeper-quorum", check.status == .pass {
                    row.append(field(check.detail, after: "this node is") ?? "ok")
                } else {
                    row.append(check.status == .pass ? "ok" : check.status == .skip ? "skip" : "FAIL")
                }
            }
            rows.append(row)
        }
        var out = grid(rows)
        let details = failures(report) { $0.name }
        if !details.isEmpty { out += "\nNot converged or not healthy:\n" + details.joined(separator: "\n") + "\n" }
        out += "\n" + verdict(report) + "\n"
        return out
    }

    /// Each host's failure in full: a failed host without a failed check says why, then every failed
    /// check as `address: LABEL: detail`.
    static func failures(_ report: RunReport, label: (NodeCheck) -> String) -> [String] {
        var details: [String] = []
        for record in report.records {
            if record.status != .ok && record.checks.allSatisfy({ !$0.isFailedError }) {
                details.append("  \(record.address): \(record.errorClass ?? record.status.rawValue): \(record.message)")
            }
            for check in record.checks where check.status == .fail {
                details.append("  \(record.address): \(label(check)): \(check.detail)")
            }
        }
        return details
    }

    static func verdict(_ report: RunReport) -> String {
        let total = report.records.count
        let ok = report.count(.ok)
        let what: String =
            switch report.result {
            case .ok: "ok"
            case .failed: "failed"
            case .nothingRan: "failed: no host could be worked on"
            case .interrupted: "interrupted"
            }
        return "\(report.action.flag) \(what): \(ok) of \(total) host\(total == 1 ? "" : "s") ok (run \(report.runID))."
    }

    static func grid(_ rows: [[String]]) -> String {
        let widths = (0..<(rows.first?.count ?? 0)).map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell.padding(widths[index])
            }.joined(separator: "  ")
        }.joined(separator: "\n") + "\n"
    }

    static func seconds(_ milliseconds: Int) -> String {
        "\(milliseconds / 1000).\(milliseconds % 1000 / 100)s"
    }
}
