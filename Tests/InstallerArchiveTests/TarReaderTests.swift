import Foundation
import InstallerArchive
import Testing

@Suite("TarReader")
struct TarReaderTests {
    @Test("reads back everything the writer wrote")
    func roundTrip() throws {
        let entries = try Fixture.entries()
        let members = try TarReader.read(TarWriter(modificationTime: Fixture.mtime).archive(entries))
        let expected = Fixture.expectedListing()
        #expect(members.map(\.path) == expected.map(\.path))
        #expect(members.map { kindLetter($0.kind) } == expected.map(\.kind))
        #expect(members.map(\.mode) == expected.map(\.mode))
        for member in members {
            #expect(member.modificationTime == Fixture.mtime)
            #expect(member.userID == 0 && member.groupID == 0)
            #expect(member.userName == "root" && member.groupName == "root")
        }
        for entry in entries {
            let member = try #require(members.first { $0.path == entry.path })
            #expect(member.kind == entry.kind)
            #expect(member.mode == entry.mode)
            if case .file(let contents) = entry.kind {
                #expect(member.contents == contents)
                #expect(member.size == contents.count)
            } else {
                #expect(member.contents == nil)
                #expect(member.size == 0)
            }
        }
    }

    @Test("a changed header byte fails the checksum", arguments: [0, 100, 124, 156, 300, 511])
    func corruptChecksum(byteOffset: Int) throws {
        var archive = try TarWriter().archive([try .file("etc/config", contents: bytes("x"))])
        archive[512 + byteOffset] ^= 0x01  // the second header (the first is the implied "etc/")
        let error = try #require(expectArchiveError(.checksumMismatch) { try TarReader.read(archive) })
        #expect(error.description.contains("byte 512"))
    }

    @Test("signed-byte checksums from old writers are accepted")
    func signedChecksum() throws {
        var archive = try TarWriter().archive([try .file("f", contents: [])])
        // Put a byte ≥ 0x80 in the header's padding (unused by ustar) and store the signed sum.
        archive[510] = 0xFF
        var signed = 0
        for (index, byte) in archive[0..<512].enumerated() {
            signed += (148..<156).contains(index) ? 32 : Int(Int8(bitPattern: byte))
        }
        archive.replaceSubrange(148..<156, with: bytes(String(signed, radix: 8).leftPadded(to: 6)) + [0, 32])
        #expect(try TarReader.read(archive).map(\.path) == ["f"])
    }

    @Test(
        "an archive cut short is reported as truncated",
        arguments: [1, 511, 512, 700, 1024, 1511, 1535, 1536, 2047]
    )
    func truncated(length: Int) throws {
        let archive = try TarWriter().archive([try .file("a", contents: noise(count: 1_000, seed: 3))])
        // Layout: header 0..<512, data 512..<1536, end-of-archive zeros from 1536.
        let cut = Array(archive.prefix(length))
        let error = try #require(expectArchiveError(.truncatedTar) { try TarReader.read(cut) })
        #expect(error.description.contains("truncated"))
    }

    @Test("one zero block ends the archive, as GNU tar and Python accept")
    func loneZeroBlock() throws {
        let archive = try TarWriter().archive([try .file("a", contents: [1])])
        #expect(try TarReader.read(Array(archive.prefix(1536))).map(\.path) == ["a"])
    }

    @Test("a header without ustar magic is rejected")
    func noMagic() throws {
        var archive = try TarWriter().archive([try .file("f", contents: [])])
        rewriteHeader(&archive, at: 0) { block in
            block.replaceSubrange((257)..<(265), with: repeatElement(0, count: 8))
        }
        expectArchiveError(.corruptTar) { try TarReader.read(archive) }
    }

    @Test("hard links, devices and FIFOs are unsupported", arguments: ["1", "3", "4", "6"])
    func unsupportedTypes(flag: String) throws {
        var archive = try TarWriter().archive([try .file("dev/thing", contents: [])])
        rewriteHeader(&archive, at: 512) { block in block[512 + 156] = UInt8(ascii: Unicode.Scalar(flag)!) }
        let error = try #require(expectArchiveError(.unsupportedEntryType) { try TarReader.read(archive) })
        #expect(error.path == "dev/thing")
        #expect(error.description.contains("'\(flag)'"))
    }

    @Test(
        "malformed pax records are rejected",
        arguments: [
            "13 path=abc\n", "9 path=abc\n", "0 x\n", "x path=abc\n", "11 pathabc\n", "11 path=abcX", "11path=abc\n",
        ]
    )
    func badPaxRecords(record: String) throws {
        var archive = try TarWriter().archive([try .file(String(repeating: "p", count: 101), contents: [])])
        let records = bytes(record)
        archive.replaceSubrange(512..<(512 + records.count), with: records)
        archive.replaceSubrange((512 + records.count)..<1024, with: repeatElement(0, count: 512 - records.count))
        rewriteHeader(&archive, at: 0) { block in
            block.replaceSubrange(124..<136, with: bytes(String(records.count, radix: 8).leftPadded(to: 11)) + [0])
        }
        let error = try #require(expectArchiveError(.corruptTar) { try TarReader.read(archive) })
        #expect(error.description.contains("pax"))
    }

    @Test("pax records override path, size, mtime and owner; an empty value deletes a key")
    func paxOverrides() throws {
        // A hand-built pax member, as another writer might produce it.
        var records: [UInt8] = []
        let keys = [
            "path=ünï/long", "size=4", "mtime=1700000000.123456789", "uid=1000", "gid=1001", "uname=core", "gname=",
        ]
        for record in keys {
            let length = record.utf8.count + 2 + 2  // space, newline, and two length digits
            try #require(length < 100)
            records += bytes("\(length) \(record)\n")
        }
        // Write the records as the contents of a file member, then retype that member as a pax header.
        var archive = try TarWriter().archive([
            try .file("a-pax", contents: records), try .file("short", contents: bytes("data")),
        ])
        rewriteHeader(&archive, at: 0) { block in block[156] = UInt8(ascii: "x") }
        // As for members of 8 GiB or more, the ustar size field says 0 and the pax record has the size.
        rewriteHeader(&archive, at: 1024) { block in
            block.replaceSubrange((1024 + 124)..<(1024 + 136), with: bytes("00000000000") + [0])
        }
        let members = try TarReader.read(archive)
        #expect(members.count == 1)
        let member = try #require(members.first)
        #expect(member.path == "ünï/long")
        #expect(member.contents == bytes("data"))
        #expect(member.modificationTime == 1_700_000_000)
        #expect(member.userID == 1000 && member.groupID == 1001)
        #expect(member.userName == "core")
        #expect(member.groupName == "root")
    }

    @Test("numeric fields may use GNU's base-256 form or space padding")
    func numericForms() throws {
        var archive = try TarWriter().archive([try .file("f", contents: bytes("data"))])
        rewriteHeader(&archive, at: 0) { block in
            block.replaceSubrange(124..<136, with: [0x80] + [UInt8](repeating: 0, count: 10) + [4])
            block.replaceSubrange(136..<148, with: bytes("   17777777 "))
        }
        let member = try #require(try TarReader.read(archive).first)
        #expect(member.contents == bytes("data"))
        #expect(member.modificationTime == 0o17777777)
        rewriteHeader(&archive, at: 0) { block in block[124] = 0xFF }  // negative base-256
        expectArchiveError(.corruptTar) { try TarReader.read(archive) }
        rewriteHeader(&archive, at: 0) { block in block.replaceSubrange(124..<136, with: bytes("0000000009x") + [0]) }
        expectArchiveError(.corruptTar) { try TarReader.read(archive) }
    }

    @Test("reads GNU tar's deterministic pax output", .enabled(if: Tool.hasTar))
    func readsGNUTar() throws {
        try withTemporaryDirectory { directory in
            let root = directory.appendingPathComponent("root")
            let fm = FileManager.default
            let long = "d/" + String(repeating: "q", count: 120) + "/" + String(repeating: "f", count: 140)
            try fm.createDirectory(
                at: root.appendingPathComponent(long).deletingLastPathComponent(),
                withIntermediateDirectories: true
            )
            try write(bytes("long\n"), to: root.appendingPathComponent(long))
            try write(bytes("ü\n"), to: root.appendingPathComponent("ünï.txt"))
            try write(bytes("#!/bin/sh\n"), to: root.appendingPathComponent("run.sh"))
            try fm.setAttributes([.posixPermissions: 0o755], ofItemAtPath: root.appendingPathComponent("run.sh").path)
            try fm.createSymbolicLink(atPath: root.appendingPathComponent("link").path, withDestinationPath: "run.sh")
            let tarFile = directory.appendingPathComponent("gnu.tar")
            let result = try run(
                Tool.tar,
                [
                    "--sort=name", "--mtime=@1700000000", "--owner=0", "--group=0", "--numeric-owner",
                    "--format=pax", "--pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime",
                    "-cf", tarFile.path, "-C", root.path, ".",
                ]
            )
            #expect(result.status == 0, "\(result.errorOutput)")
            let members = try TarReader.read(Array(try Data(contentsOf: tarFile)))
            let byPath = Dictionary(members.map { ($0.path, $0) }, uniquingKeysWith: { first, _ in first })
            #expect(byPath["./\(long)"]?.contents == bytes("long\n"))
            #expect(byPath["./ünï.txt"]?.contents == bytes("ü\n"))
            #expect(byPath["./run.sh"]?.mode == 0o755)
            #expect(byPath["./link"]?.kind == .symlink(target: "run.sh"))
            #expect(byPath["./d"]?.kind == .directory)
            #expect(members.allSatisfy { $0.modificationTime == 1_700_000_000 && $0.userID == 0 && $0.groupID == 0 })
        }
    }
}
