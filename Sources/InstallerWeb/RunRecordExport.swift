import InstallerActions
import InstallerConfig
import InstallerGenconf
import InstallerSystem

/// `GET /api/v1/logs`: the newest run of each action (preflight, deploy, postflight, install-prereqs,
/// uninstall) as one text file to download, as DC/OS's `complete.log`: each run's report.json and the end
/// of every host's log, with secrets redacted: the values of config.yaml's secret keys and any private key
/// block. Bounded: each log's last 1 MiB, 64 MiB in all.
enum RunRecordExport {
    static let maximumBytes = 64 << 20

    static func response(_ genconf: GenconfOptions) -> WebResponse {
        let state = genconf.genconfDirectory + "/state"
        let redactor = Redactor(genconf: genconf)
        var text = "# dcos_generate_config --web: the newest run of each action in \(state)\n"
        var found = false
        for action in ActionKind.allCases {
            guard let run = RunProgress.newest(stateDirectory: state, action: action) else { continue }
            found = true
            let directory = state + "/" + run.runID
            text += "\n===== \(action.rawValue) run \(run.runID) (\(run.result ?? "running")) =====\n"
            text += "\n----- report.json\n"
            text += FileReader.text(directory + "/report.json", limit: WebAPI.maximumLogBytes) ?? "(no report yet)\n"
            let logs = ((try? FileReader.directoryEntries(directory + "/hosts")) ?? []).filter { $0.hasSuffix(".log") }
            for name in logs.sorted() {
                text += "\n----- hosts/\(name)\n"
                text += FileReader.tail(directory + "/hosts/" + name, limit: WebAPI.maximumLogBytes) ?? ""
                if text.utf8.count > maximumBytes { break }
            }
            if text.utf8.count > maximumBytes {
                text += "\n(cut at \(maximumBytes >> 20) MiB)\n"
                break
            }
        }
        guard found else { return .error(404, "No run yet in genconf/state/.") }
        return WebResponse(
            status: 200,
            headers: [
                ("Content-Type", "text/plain; charset=utf-8"),
                ("Content-Disposition", "attachment; filename=\"complete.log\""),
            ],
            body: .bytes(Array(redactor.redact(text).utf8))
        )
    }

    /// Masks what must not leave the bootstrap node.
    struct Redactor {
        /// Values of the config's secret keys (at least 4 characters: shorter ones would mask ordinary text).
        var secrets: [String] = []

        init(genconf: GenconfOptions) {
            let (document, _) = ConfigDocument.load(path: genconf.configPath)
            for entry in document?.entries ?? [] where ConfigValidator.holdsSecret(entry.key) {
                Self.strings(entry.value.json, into: &secrets)
            }
            secrets = secrets.filter { $0.count >= 4 }.sorted { $0.count > $1.count }
        }

        static func strings(_ value: JSONValue, into list: inout [String]) {
            switch value {
            case .string(let text): list.append(text)
            case .array(let items): for item in items { strings(item, into: &list) }
            case .object(let members): for member in members.values { strings(member, into: &list) }
            default: break
            }
        }

        func redact(_ text: String) -> String {
            var result = text
            for secret in secrets { result = result.replacing(secret, with: "[redacted]") }
            // Private key blocks, whatever their kind.
            while let begin = result.firstRange(of: "-----BEGIN "),
                let marker = result[begin.upperBound...].firstRange(of: "PRIVATE KEY-----"),
                let end = result[marker.upperBound...].firstRange(of: "-----END ")
            {
                let close = result[end.upperBound...].firstRange(of: "-----")?.upperBound ?? end.upperBound
                result.replaceSubrange(begin.lowerBound..<close, with: "[redacted private key]")
            }
            return result
        }
    }
}
