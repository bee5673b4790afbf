import Foundation
import Testing

@testable import InstallerServe

@Suite("Limits of manifest.json as the server reads it")
struct ManifestLimitsTests {
    @Test("a nesting bomb or garbage gives no digests (weak validators), quickly")
    func bomb() {
        #expect(ManifestCache.parse(Array(String(repeating: "[", count: 1_000_000).utf8)).files.isEmpty)
        #expect(
            ManifestCache.parse(Array(("{\"files\":" + String(repeating: "{\"a\":", count: 100_000)).utf8)).files
                .isEmpty
        )
    }

    @Test("a manifest over the limit is not read at all")
    func oversized() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("manifest-\(UUID()).json").path
        #expect(FileManager.default.createFile(atPath: path, contents: Data("{\"files\":{}}".utf8)))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let fd = open(path, O_RDONLY)
        #expect(fd >= 0)
        #expect(ManifestCache.load(descriptor: fd, size: Int64(ManifestCache.maximumManifestBytes) + 1).files.isEmpty)
    }
}
