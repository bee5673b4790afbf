import InstallerArchive
import Testing

@Suite("TarEntry validation")
struct TarEntryTests {
    @Test(
        "rejects unsafe or malformed paths",
        arguments: [
            ("", "empty"),
            ("/etc/passwd", "absolute"),
            ("../escape", "'..'"),
            ("a/../../b", "'..'"),
            ("a/..", "'..'"),
            ("./a", "'.'"),
            ("a/./b", "'.'"),
            ("a//b", "empty component"),
            ("a/", "empty component"),
            ("a\u{0}b", "NUL"),
        ]
    )
    func rejectsBadPaths(path: String, reason: String) throws {
        let error = try #require(expectArchiveError(.invalidPath) { try TarEntry.file(path, contents: []) })
        #expect(error.path == path)
        #expect(error.description.contains("'\(path)'"))
        #expect(error.description.contains(reason))
        #expect(error.description.contains("relative path"))
    }

    @Test(
        "accepts ordinary relative paths",
        arguments: ["a", "etc/mesos-master", ".hidden", "a/.b", "..a", "a..", "a/b..c/d", "ünï/配置", "sp ace/x"]
    )
    func acceptsGoodPaths(path: String) throws {
        let entry = try TarEntry.file(path, contents: [1])
        #expect(entry.path == path)
    }

    @Test("directories and symbolic links are validated the same way")
    func allKindsValidated() {
        expectArchiveError(.invalidPath) { try TarEntry.directory("/var") }
        expectArchiveError(.invalidPath) { try TarEntry.symlink("../link", target: "x") }
        expectArchiveError(.invalidPath) { try TarEntry(path: "x/../y", kind: .directory) }
    }

    @Test("default modes depend on the kind; given modes are kept")
    func modes() throws {
        #expect(try TarEntry.file("f", contents: []).mode == 0o644)
        #expect(try TarEntry.directory("d").mode == 0o755)
        #expect(try TarEntry.symlink("l", target: "f").mode == 0o777)
        #expect(try TarEntry(path: "f", kind: .file([])).mode == 0o644)
        #expect(try TarEntry(path: "d", kind: .directory).mode == 0o755)
        #expect(try TarEntry(path: "x", kind: .file([]), mode: 0o4750).mode == 0o4750)
        #expect(try TarEntry.directory("d", mode: 0o1777).mode == 0o1777)
    }

    @Test("modes with bits beyond 0o7777 are rejected", arguments: [UInt32(0o10644), 0o100755, 0xFFFF_FFFF])
    func badModes(mode: UInt32) throws {
        let error = try #require(
            expectArchiveError(.invalidMode) { try TarEntry.file("bin/x", contents: [], mode: mode) }
        )
        #expect(error.path == "bin/x")
        #expect(error.description.contains(String(mode, radix: 8)))
    }

    @Test("symbolic link targets must be non-empty and free of NUL; '..' and absolute targets are allowed")
    func linkTargets() throws {
        expectArchiveError(.invalidLinkTarget) { try TarEntry.symlink("l", target: "") }
        expectArchiveError(.invalidLinkTarget) { try TarEntry.symlink("l", target: "a\u{0}b") }
        #expect(try TarEntry.symlink("l", target: "../lib/x").kind == .symlink(target: "../lib/x"))
        #expect(try TarEntry.symlink("l", target: "/opt/mesosphere").kind == .symlink(target: "/opt/mesosphere"))
    }

    @Test("error codes describe themselves")
    func codeNames() {
        #expect(ArchiveError.Code.invalidPath.description == "invalidPath")
        #expect(ArchiveError.Code.checksumMismatch.description == "checksumMismatch")
        #expect(ArchiveError.Code.invalidPath != ArchiveError.Code.invalidMode)
    }
}
