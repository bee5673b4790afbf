import InstallerArchive
import Testing

@Suite("TarWriter")
struct TarWriterTests {
    @Test("a single file gets a complete ustar header")
    func headerLayout() throws {
        let archive = try TarWriter(modificationTime: 1_700_000_000).archive([
            try .file("hello.txt", contents: bytes("hi\n"), mode: 0o640)
        ])
        #expect(archive.count == 10_240)
        #expect(field(archive, at: 0, 0..<100) == "hello.txt")
        #expect(field(archive, at: 0, 100..<108) == "0000640")
        #expect(field(archive, at: 0, 108..<116) == "0000000")
        #expect(field(archive, at: 0, 116..<124) == "0000000")
        #expect(field(archive, at: 0, 124..<136) == "00000000003")
        #expect(field(archive, at: 0, 136..<148) == String(1_700_000_000, radix: 8).leftPadded(to: 11))
        #expect(archive[156] == UInt8(ascii: "0"))
        #expect(Array(archive[257..<265]) == bytes("ustar\u{0}00"))
        #expect(field(archive, at: 0, 265..<297) == "root")
        #expect(field(archive, at: 0, 297..<329) == "root")
        #expect(field(archive, at: 0, 329..<337) == "0000000")
        #expect(field(archive, at: 0, 337..<345) == "0000000")
        #expect(field(archive, at: 0, 345..<500) == "")
        // Checksum: six octal digits, NUL, space; the sum with the field read as spaces.
        #expect(archive[154] == 0 && archive[155] == UInt8(ascii: " "))
        var sum = 0
        for (index, byte) in archive[0..<512].enumerated() {
            sum += (148..<156).contains(index) ? 32 : Int(byte)
        }
        #expect(field(archive, at: 0, 148..<154) == String(sum, radix: 8).leftPadded(to: 6))
        // Contents, zero padding, then only zeros (two end blocks and record padding).
        #expect(Array(archive[512..<515]) == bytes("hi\n"))
        #expect(archive[515...].allSatisfy { $0 == 0 })
    }

    @Test("an empty archive is one record of zeros")
    func emptyArchive() throws {
        let archive = try TarWriter().archive([])
        #expect(archive == [UInt8](repeating: 0, count: 10_240))
        #expect(try TarReader.read(archive).isEmpty)
    }

    @Test("the archive is padded to a 10240-byte record", arguments: [0, 1, 511, 512, 8_700, 9_217, 9_216, 30_000])
    func recordPadding(size: Int) throws {
        let archive = try TarWriter().archive([try .file("f", contents: noise(count: size, seed: 1))])
        #expect(archive.count % 10_240 == 0)
        let used = 512 + (size + 511) / 512 * 512
        #expect(archive.count >= used + 1024)
        #expect(archive.count - 10_240 < used + 1024)
        #expect(archive[used...].allSatisfy { $0 == 0 })
    }

    @Test("members are sorted byte-wise (C locale), parents first")
    func byteWiseOrder() throws {
        let names = ["z", "é", "b", "a-b", "a/b", "B", "a.b", "_x", "a0"]
        let archive = try TarWriter().archive(names.map { try TarEntry.file($0, contents: []) })
        let listed = try TarReader.read(archive).map(\.path)
        // '-' (0x2D) < '.' (0x2E) < '/' (0x2F) < '0' (0x30); uppercase before '_' before lowercase; UTF-8 last.
        #expect(listed == ["B", "_x", "a", "a-b", "a.b", "a/b", "a0", "b", "z", "é"])
    }

    @Test("missing parent directories are added once, with mode 0755")
    func impliedParents() throws {
        let archive = try TarWriter().archive([
            try .file("x/y/z.txt", contents: bytes("z")),
            try .file("x/y/w.txt", contents: bytes("w")),
            try .directory("x", mode: 0o700),
            try .file("x/q/r", contents: []),
        ])
        let members = try TarReader.read(archive)
        #expect(members.map(\.path) == ["x", "x/q", "x/q/r", "x/y", "x/y/w.txt", "x/y/z.txt"])
        #expect(members.map(\.mode) == [0o700, 0o755, 0o644, 0o755, 0o644, 0o644])
        #expect(members.map { kindLetter($0.kind) } == ["d", "d", "f", "d", "f", "f"])
    }

    @Test("directory names end with '/' in the header, as GNU tar writes them")
    func directorySlash() throws {
        let archive = try TarWriter().archive([try .directory("etc")])
        #expect(field(archive, at: 0, 0..<100) == "etc/")
        #expect(archive[156] == UInt8(ascii: "5"))
        #expect(field(archive, at: 0, 124..<136) == "00000000000")
    }

    @Test("the same path twice is an error, whatever the kinds")
    func duplicates() throws {
        let error = try #require(
            expectArchiveError(.duplicatePath) {
                try TarWriter().archive([try .file("etc/a", contents: [1]), try .directory("etc/a")])
            }
        )
        #expect(error.path == "etc/a")
        #expect(error.description.contains("'etc/a'"))
        expectArchiveError(.duplicatePath) {
            try TarWriter().archive([try .file("a", contents: [1]), try .file("a", contents: [1])])
        }
        // An explicit directory that is also an implied parent is not a duplicate.
        #expect(
            try TarReader.read(TarWriter().archive([try .file("d/f", contents: []), try .directory("d")])).count == 2
        )
    }

    @Test("paths are compared as bytes: NFC and NFD spellings are different members")
    func unicodeNormalisationIsNotEquality() throws {
        let composed = "caf\u{E9}"
        let decomposed = "cafe\u{301}"
        #expect(composed == decomposed)  // Swift's String equality is canonical equivalence...
        let members = try TarReader.read(
            TarWriter().archive([try .file(composed, contents: [1]), try .file(decomposed, contents: [2])])
        )
        #expect(members.count == 2)  // ...but the archive keeps both byte sequences.
        #expect(Set(members.map { Array($0.path.utf8) }) == [Array(composed.utf8), Array(decomposed.utf8)])
    }

    @Test("a file or symbolic link cannot be a parent", arguments: [false, true])
    func parentConflicts(parentFirst: Bool) throws {
        var entries = [try TarEntry.file("a/b/c", contents: []), try TarEntry.file("a/b", contents: [])]
        if parentFirst { entries.reverse() }
        let error = try #require(expectArchiveError(.pathConflict) { try TarWriter().archive(entries) })
        #expect(error.path == "a/b/c")
        #expect(error.description.contains("'a/b'"))
        expectArchiveError(.pathConflict) {
            try TarWriter().archive([try .symlink("lib", target: "/usr/lib"), try .file("lib/x.so", contents: [])])
        }
    }

    @Test("modification time must fit the header")
    func modificationTimeRange() throws {
        expectArchiveError(.invalidModificationTime) { try TarWriter(modificationTime: -1).archive([]) }
        expectArchiveError(.invalidModificationTime) { try TarWriter(modificationTime: 0o1_000_0000_0000).archive([]) }
        let latest = try TarWriter(modificationTime: 0o777_7777_7777).archive([try .file("f", contents: [])])
        #expect(try TarReader.read(latest).first?.modificationTime == 0o777_7777_7777)
    }

    @Test("paths up to 256 bytes use the ustar prefix field; longer ones a pax record")
    func nameSplitAndPax() throws {
        let dir = String(repeating: "p", count: 60) + "/" + String(repeating: "d", count: 89)  // 150 bytes
        let base = String(repeating: "n", count: 100)
        let split = try TarWriter().archive([try .file("\(dir)/\(base)", contents: [7])])
        // Three plain ustar headers: "ppp/", "ppp/ddd/" (split) and the file (split), no pax header.
        #expect([0, 512, 1024].map { split[$0 + 156] } == [UInt8(ascii: "5"), UInt8(ascii: "5"), UInt8(ascii: "0")])
        #expect(field(split, at: 512, 345..<500) == String(repeating: "p", count: 60))
        #expect(field(split, at: 512, 0..<100) == String(repeating: "d", count: 89) + "/")
        #expect(field(split, at: 1024, 345..<500) == dir)
        #expect(field(split, at: 1024, 0..<100) == base)
        #expect(try TarReader.read(split).map(\.path) == [String(repeating: "p", count: 60), dir, "\(dir)/\(base)"])

        let tooLong = base + "n"  // 101 bytes, no '/' to split at
        let pax = try TarWriter().archive([try .file(tooLong, contents: [7])])
        #expect(pax[156] == UInt8(ascii: "x"))
        #expect(field(pax, at: 0, 0..<100) == "././@PaxHeader")
        #expect(field(pax, at: 512, 0..<512).hasPrefix("111 path=\(tooLong)\n"))
        #expect(pax[1024 + 156] == UInt8(ascii: "0"))
        #expect(field(pax, at: 1024, 0..<100) == base)  // the ustar name holds a truncated copy
        #expect(try TarReader.read(pax).map(\.path) == [tooLong])
    }

    @Test(
        "pax record lengths count their own digits, across digit-count boundaries",
        arguments: [101, 102, 988, 989, 990, 991, 992, 9_987, 9_988, 9_989]
    )
    func paxRecordLength(pathLength: Int) throws {
        let path = String(repeating: "p", count: pathLength)
        let archive = try TarWriter().archive([try .file(path, contents: [1])])
        let recordLength = Int(field(archive, at: 512, 0..<20).prefix { $0 != " " }) ?? -1
        let expected = "\(recordLength) path=\(path)\n"
        #expect(expected.utf8.count == recordLength)
        #expect(field(archive, at: 0, 124..<136) == String(recordLength, radix: 8).leftPadded(to: 11))
        #expect(try TarReader.read(archive).map(\.path) == [path])
    }

    @Test("link targets over 100 bytes use a pax linkpath record")
    func longLinkTarget() throws {
        let target = "/opt/mesosphere/packages/" + String(repeating: "t", count: 120) + "/bin/dcos-shell"
        let archive = try TarWriter().archive([try .symlink("bin/shell", target: target)])
        let members = try TarReader.read(archive)
        #expect(members.map(\.path) == ["bin", "bin/shell"])
        #expect(members.last?.kind == .symlink(target: target))
        #expect(field(archive, at: 1024, 0..<512).contains("linkpath=\(target)\n"))
    }

    @Test("a truncated ustar copy of a non-ASCII name does not cut a UTF-8 sequence")
    func truncatedNameStaysUTF8() throws {
        let path = String(repeating: "é", count: 60)  // 120 bytes, no '/'
        let archive = try TarWriter().archive([try .file(path, contents: [])])
        let name = archive[1024..<(1024 + 100)].prefix { $0 != 0 }
        #expect(name.count == 100)
        #expect(String(validating: name, as: UTF8.self) == String(repeating: "é", count: 50))
        #expect(try TarReader.read(archive).map(\.path) == [path])
    }

    @Test("same entries in any order give identical bytes and SHA-256", arguments: [1, 2, 3, 4, 5])
    func reproducible(seed: Int) throws {
        let entries = try Fixture.entries()
        var shuffled = entries
        var generator = SeededGenerator(seed: UInt64(seed))
        shuffled.shuffle(using: &generator)
        let first = try TarWriter(modificationTime: Fixture.mtime).archive(entries)
        let second = try TarWriter(modificationTime: Fixture.mtime).archive(shuffled)
        #expect(first == second)
        let firstGz = try makeTarGz(entries: entries, mtime: Fixture.mtime)
        let secondGz = try makeTarGz(entries: shuffled, mtime: Fixture.mtime)
        #expect(firstGz == secondGz)
        #expect(try sha256(firstGz) == sha256(secondGz))
        #expect(try sha256(firstGz).count == 64)
    }

    @Test("only the configured mtime changes the bytes; modes are part of the content")
    func mtimeAndModeMatter() throws {
        let entries = try Fixture.entries()
        let base = try makeTarGz(entries: entries, mtime: 0)
        #expect(try makeTarGz(entries: entries, mtime: 0) == base)
        #expect(try makeTarGz(entries: entries, mtime: 1) != base)
        var chmodded = entries
        chmodded[0] = try .file(entries[0].path, contents: bytes("MESOS_QUORUM=2\nMESOS_PORT=5050\n"), mode: 0o600)
        #expect(try makeTarGz(entries: chmodded, mtime: 0) != base)
    }

    @Test("makeTarGz is gzip of the tar archive")
    func makeTarGzComposition() throws {
        let entries = try Fixture.entries()
        let tar = try TarWriter(modificationTime: 42).archive(entries)
        #expect(try makeTarGz(entries: entries, mtime: 42, level: 9) == gzip(tar, level: 9))
        #expect(try gunzip(makeTarGz(entries: entries, mtime: 42), maxOutput: tar.count) == tar)
        expectArchiveError(.invalidCompressionLevel) { try makeTarGz(entries: entries, level: 11) }
    }
}

/// SplitMix64, so shuffles are the same on every run.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
