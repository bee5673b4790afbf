import Foundation
import InstallerSSH
import InstallerTestSupport
import Testing

@Suite("SFTP", .stopsProcesses)
final class SFTPTests {
    let lab: SSHLab
    let server: SSHD
    let fleet = SSHFleet()

    init() async throws {
        lab = try await SSHLab()
        server = try await lab.startSSHD()
    }
    deinit { lab.cleanup() }

    @Test func uploadVerifiesAndRenamesThenDownloadRoundTrips() async throws {
        let source = lab.dir + "/payload.bin"
        var bytes = [UInt8](repeating: 0, count: 5_000_123)
        for i in bytes.indices { bytes[i] = UInt8(truncatingIfNeeded: i &* 2_654_435_761 >> 13) }
        try Data(bytes).write(to: URL(fileURLWithPath: source))
        let remote = lab.dir + "/remote dir ü"
        try FileManager.default.createDirectory(atPath: remote, withIntermediateDirectories: true)
        let destination = remote + "/payload.bin"
        let back = lab.dir + "/back.bin"
        let expected = try await sh("/usr/bin/sha256sum", [source]).prefix(64)
        let (report, listing) = try await fleet.withSession(lab.target(server.address, port: server.port)) {
            session throws(SSHError) in
            let report = try await session.upload(file: source, to: destination, mode: 0o640)
            try await session.download(destination, to: back)
            let listing = try await session.run("ls -A \(shellQuote(remote)); stat -c %a \(shellQuote(destination))")
            return (report, listing.stdout.text)
        }
        #expect(report.bytes == bytes.count)
        #expect(report.sha256 == String(expected))
        #expect(listing == "payload.bin\n640\n")  // no temporary file left behind
        #expect(try Data(contentsOf: URL(fileURLWithPath: back)) == Data(bytes))
    }

    @Test func uploadToMissingDirectoryIsActionable() async throws {
        let result = await fleet.forEach([lab.target(server.address, port: server.port)]) { session throws(SSHError) in
            try await session.upload(bytes: Array("x".utf8), to: "/nonexistent-dir-\(UUID())/file")
        }
        guard case .failure(let error) = result[0].result else {
            Issue.record("upload should fail")
            return
        }
        #expect(error.code == .transfer)
        #expect(error.description.contains("no such file"))
    }
}
