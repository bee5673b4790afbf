import InstallerArchive
import Testing

/// Pinned checksums of the fixture bundle. A change here means every bundle changes: make it on purpose,
/// and update the constants with the values the failure prints.
@Suite("Golden bundle checksums")
struct GoldenTests {
    /// The tar bytes depend only on our writer.
    static let tarSHA256 = "b9db3ee278328d3fe60950d27e4b4139789f7da23c541bb437fac632d7353e9a"
    /// The gzip bytes also depend on zlib, so this is checked only on the zlib it was recorded with.
    static let tarGzSHA256 = "578c256737ab85dd56855a831e9d82c7d62ac47062691618e5b1711a7de2a056"
    static let recordedZlibVersion = "1.2.13"

    @Test("the fixture tar has the recorded SHA-256")
    func tarChecksum() throws {
        let archive = try TarWriter(modificationTime: Fixture.mtime).archive(try Fixture.entries())
        #expect(archive.count == 40_960)
        let digest = try sha256(archive)
        #expect(digest == Self.tarSHA256)
    }

    @Test(
        "the fixture tar.gz has the recorded SHA-256 on the recorded zlib",
        .enabled(if: GzipWriter.zlibVersion == GoldenTests.recordedZlibVersion)
    )
    func tarGzChecksum() throws {
        let bundle = try makeTarGz(entries: try Fixture.entries(), mtime: Fixture.mtime)
        let digest = try sha256(bundle)
        #expect(digest == Self.tarGzSHA256)
    }
}
