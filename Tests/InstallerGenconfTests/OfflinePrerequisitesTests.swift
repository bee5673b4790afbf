import Foundation
import Testing

@testable import InstallerGenconf

@Suite("prereqs_offline repository index")
struct OfflinePrerequisitesTests {
    static func deb(_ name: String) -> OfflinePrerequisites.Deb {
        OfflinePrerequisites.Deb(
            name: name,
            fileName: "\(name)_1.0_all.deb",
            sourcePath: "/cache/\(name)_1.0_all.deb",
            sha256: String(repeating: "0", count: 64),
            size: 10,
            stanza: "Package: \(name)\nVersion: 1.0\nArchitecture: all\nFilename: ./\(name)_1.0_all.deb"
        )
    }

    @Test("Packages holds one stanza per package, separated by blank lines, as apt parses it")
    func stanzasAreSeparated() throws {
        let repository = OfflinePrerequisites(
            debs: [Self.deb("alpha"), Self.deb("beta")],
            distribution: "debian bookworm"
        )
        let text = String(decoding: repository.packagesIndex, as: UTF8.self)
        let stanzas = text.components(separatedBy: "\n\n").filter { !$0.isEmpty }
        #expect(stanzas.count == 2)
        #expect(stanzas.map { $0.split(separator: "\n").first } == ["Package: alpha", "Package: beta"])
        #expect(text.hasSuffix("./beta_1.0_all.deb\n\n"))
    }
}

@Suite("prereqs_offline apt commands are bounded")
struct OfflinePrerequisitesCommandTests {
    @Test("A command that outlives its timeout is stopped, and the error names it, the time and what to check")
    func timeoutIsReported() async throws {
        let started = ContinuousClock.now
        do {
            _ = try await OfflinePrerequisites.run(
                "/bin/sleep",
                ["300"],
                timeout: .milliseconds(200),
                what: "apt-get download of 3 packages",
                timeoutHint: "Check the mirror."
            )
            Issue.record("sleep 300 finished within 0.2 s")
        } catch {
            guard case .prerequisites(let message) = error else {
                Issue.record("expected a prerequisites error, got \(error)")
                return
            }
            #expect(
                message
                    == "prereqs_offline: apt-get download of 3 packages did not finish within 0.2 s, so it was stopped (with every process it started). Check the mirror."
            )
        }
        #expect(ContinuousClock.now - started < .seconds(60))
    }

    @Test("Cancelling (Ctrl-C) stops the command and reports an interruption")
    func cancellationIsReported() async throws {
        let directory = NSTemporaryDirectory() + "prereqs-cancel-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let pidFile = directory + "/pid"
        let result = await withTaskGroup(of: GenconfError?.self) { group in
            group.addTask {
                do throws(GenconfError) {
                    _ = try await OfflinePrerequisites.run(
                        "/bin/sh",
                        ["-c", "echo $$ > \(pidFile); exec sleep 300"],
                        timeout: .seconds(300),
                        what: "apt-get download of 3 packages",
                        timeoutHint: ""
                    )
                    return nil
                } catch {
                    return error
                }
            }
            // Bounded: cancel once the command runs, or after 60 s at the latest.
            let deadline = ContinuousClock.now + .seconds(60)
            while !FileManager.default.fileExists(atPath: pidFile) && ContinuousClock.now < deadline {
                try? await Task.sleep(for: .milliseconds(10))
            }
            group.cancelAll()
            return (await group.next()) ?? nil
        }
        let written = try String(contentsOfFile: pidFile, encoding: .utf8)
        let pid = try #require(Int32(written.trimmingCharacters(in: .whitespacesAndNewlines)))
        guard case .interrupted(let message)? = result else {
            Issue.record("expected an interruption, got \(String(describing: result))")
            return
        }
        #expect(
            message
                == "Interrupted during apt-get download of 3 packages; it was stopped, and genconf/serve/ is unchanged."
        )
        #expect(kill(pid, 0) != 0, "the command \(pid) still runs")
    }
}
