import Foundation
import InstallerSystem
import Testing

@Suite("FileWriter.replace and FileLock")
struct FileWriterTests {
    private func directory() throws -> String {
        let path = NSTemporaryDirectory() + "file-writer-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test func replaceSwapsTheWholeFileAndLeavesNoTemporary() throws {
        let root = try directory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let path = root + "/holder.json"
        try FileWriter.replace(path, bytes: Array("first\n".utf8))
        try FileWriter.replace(path, bytes: Array("second\n".utf8), mode: 0o600)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "second\n")
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        #expect(try FileManager.default.contentsOfDirectory(atPath: root) == ["holder.json"])
    }

    @Test func replaceInAMissingDirectoryNamesThePath() throws {
        let path = "/nonexistent-\(UUID().uuidString)/holder.json"
        #expect {
            try FileWriter.replace(path, bytes: [])
        } throws: { error in
            "\(error)".contains(path)
        }
    }

    @Test func lockIsExclusiveUntilUnlocked() throws {
        let root = try directory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let path = root + "/.lock"
        let first = try #require(try FileLock.acquire(path))
        // flock locks an open file description, so a second open in this process is refused too.
        #expect(try FileLock.acquire(path) == nil)
        first.unlock()
        let second = try #require(try FileLock.acquire(path))
        second.unlock()
    }
}
