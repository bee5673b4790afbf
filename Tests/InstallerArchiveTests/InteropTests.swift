import Foundation
import InstallerArchive
import Testing

/// Other readers of our bundles: GNU tar (what `dcos_install.sh` runs on the nodes) and Python's `tarfile`.
@Suite("Interoperability with GNU tar and Python")
struct InteropTests {
    /// Writes the fixture bundle to `directory/bundle.tar.gz` and returns its URL.
    private func writeBundle(in directory: URL) throws -> URL {
        let file = directory.appendingPathComponent("bundle.tar.gz")
        try write(try makeTarGz(entries: try Fixture.entries(), mtime: Fixture.mtime), to: file)
        return file
    }

    @Test("tar -tvzf lists every member with root/root, its mode and the fixed mtime", .enabled(if: Tool.hasTar))
    func gnuTarListing() throws {
        try withTemporaryDirectory { directory in
            let bundle = try writeBundle(in: directory)
            let result = try run(Tool.tar, ["--quoting-style=literal", "-tvzf", bundle.path])
            #expect(result.status == 0, "\(result.errorOutput)")
            #expect(result.errorOutput.isEmpty, "tar warned: \(result.errorOutput)")
            let lines = result.text.split(separator: "\n").map(String.init)
            let expected = Fixture.expectedListing()
            try #require(lines.count == expected.count, "\(result.text)")
            for (line, member) in zip(lines, expected) {
                // e.g. "-rwxr-xr-x root/root        21 2023-11-14 22:13 bin/dcos-setup"
                let columns = line.split(separator: " ", maxSplits: 5, omittingEmptySubsequences: true).map(String.init)
                try #require(columns.count == 6, "\(line)")
                #expect(columns[0] == Self.permissionString(kind: member.kind, mode: member.mode), "\(line)")
                #expect(columns[1] == "root/root", "\(line)")
                #expect(columns[3] == "2023-11-14" && columns[4] == "22:13", "\(line)")
                let name = member.kind == "d" ? member.path + "/" : member.path
                let shown = member.kind == "l" ? "\(name) -> dcos-setup" : name
                #expect(columns[5] == shown, "\(line)")
            }
            #expect(lines.contains { $0.hasSuffix(Fixture.longPath) && Fixture.longPath.utf8.count > 250 })

            let numeric = try run(Tool.tar, ["--numeric-owner", "-tvzf", bundle.path])
            #expect(numeric.text.split(separator: "\n").allSatisfy { $0.contains(" 0/0 ") })
        }
    }

    @Test("tar -xzf extracts contents, modes, the symlink, long and non-ASCII names", .enabled(if: Tool.hasTar))
    func gnuTarExtraction() throws {
        try withTemporaryDirectory { directory in
            let bundle = try writeBundle(in: directory)
            let target = directory.appendingPathComponent("out")
            try FileManager.default.createDirectory(at: target, withIntermediateDirectories: false)
            let result = try run(Tool.tar, ["-xpzf", bundle.path, "-C", target.path])
            #expect(result.status == 0, "\(result.errorOutput)")
            #expect(result.errorOutput.isEmpty, "tar warned: \(result.errorOutput)")

            let fm = FileManager.default
            for entry in try Fixture.entries() {
                let path = target.appendingPathComponent(entry.path).path
                switch entry.kind {
                case .file(let contents):
                    #expect(Array(try Data(contentsOf: URL(fileURLWithPath: path))) == contents, "\(entry.path)")
                case .directory:
                    var isDirectory: ObjCBool = false
                    #expect(fm.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue)
                case .symlink(let linkTarget):
                    #expect(try fm.destinationOfSymbolicLink(atPath: path) == linkTarget)
                }
                if case .symlink = entry.kind { continue }
                let attributes = try fm.attributesOfItem(atPath: path)
                #expect((attributes[.posixPermissions] as? Int).map(UInt32.init) == entry.mode, "\(entry.path)")
                let modified = try #require(attributes[.modificationDate] as? Date)
                #expect(Int(modified.timeIntervalSince1970) == Fixture.mtime, "\(entry.path)")
            }
            #expect(fm.isExecutableFile(atPath: target.appendingPathComponent("bin/dcos-setup").path))
            // The symlink resolves to the executable inside the tree.
            let viaLink = target.appendingPathComponent("bin/setup")
            #expect(Array(try Data(contentsOf: viaLink)) == bytes("#!/bin/sh\necho setup\n"))
            // An implied parent directory got mode 0755.
            let implied = try fm.attributesOfItem(atPath: target.appendingPathComponent("opt/mesosphere").path)
            #expect(implied[.posixPermissions] as? Int == 0o755)
        }
    }

    @Test("Python's tarfile reads every member the same way", .enabled(if: Tool.hasPython))
    func pythonTarfile() throws {
        try withTemporaryDirectory { directory in
            let bundle = try writeBundle(in: directory)
            let script = """
                import hashlib, json, sys, tarfile
                rows = []
                with tarfile.open(sys.argv[1], 'r:gz') as tar:
                    for m in tar.getmembers():
                        data = tar.extractfile(m).read() if m.isfile() else b''
                        rows.append([m.name, m.type.decode(), m.mode, m.uid, m.gid, m.uname, m.gname,
                                     m.mtime, m.size, m.linkname, hashlib.sha256(data).hexdigest()])
                json.dump(rows, sys.stdout, ensure_ascii=False)
                """
            let result = try python(script, [bundle.path])
            try #require(result.status == 0, "\(result.errorOutput)")
            let rows = try #require(try JSONSerialization.jsonObject(with: Data(result.output)) as? [[Any]])
            let members = try TarReader.read(
                try gunzip(try makeTarGz(entries: try Fixture.entries(), mtime: Fixture.mtime), maxOutput: 1 << 20)
            )
            try #require(rows.count == members.count)
            for (row, member) in zip(rows, members) {
                #expect(row[0] as? String == member.path)
                let type: String =
                    switch member.kind {
                    case .file: "0"
                    case .directory: "5"
                    case .symlink: "2"
                    }
                #expect(row[1] as? String == type, "\(member.path)")
                #expect((row[2] as? Int).map(UInt32.init) == member.mode, "\(member.path)")
                #expect(row[3] as? Int == 0 && row[4] as? Int == 0, "\(member.path)")
                #expect(row[5] as? String == "root" && row[6] as? String == "root", "\(member.path)")
                #expect(row[7] as? Int == Fixture.mtime, "\(member.path)")
                #expect(row[8] as? Int == member.size, "\(member.path)")
                if case .symlink(let target) = member.kind {
                    #expect(row[9] as? String == target)
                }
                #expect(row[10] as? String == (try sha256(member.contents ?? [])), "\(member.path)")
            }
        }
    }

    @Test("GNU tar lists and extracts a 4 MB package", .enabled(if: Tool.hasTar && Tool.hasGzip))
    func largePackage() throws {
        try withTemporaryDirectory { directory in
            let blob = noise(count: 4 << 20, seed: 99)
            let file = directory.appendingPathComponent("pkg.tar.gz")
            let archive = try makeTarGz(
                entries: [try .file("packages/blob.bin", contents: blob, mode: 0o600)],
                level: 1
            )
            try write(archive, to: file)
            #expect(try run(Tool.gzip, ["-t", file.path]).status == 0)
            let listing = try run(Tool.tar, ["-tvzf", file.path])
            let columns = listing.text.split(whereSeparator: \.isWhitespace).map(String.init)
            #expect(
                columns == [
                    "drwxr-xr-x", "root/root", "0", "1970-01-01", "00:00", "packages/",
                    "-rw-------", "root/root", "\(blob.count)", "1970-01-01", "00:00", "packages/blob.bin",
                ]
            )
            let extracted = try run(Tool.tar, ["-xOzf", file.path, "packages/blob.bin"])
            #expect(extracted.output == blob)
        }
    }

    private static func permissionString(kind: String, mode: UInt32) -> String {
        var text = kind == "d" ? "d" : kind == "l" ? "l" : "-"
        let letters: [Character] = ["r", "w", "x"]
        for shift in stride(from: 6, through: 0, by: -3) {
            for (bit, letter) in letters.enumerated() {
                text.append(mode >> UInt32(shift) & (4 >> UInt32(bit)) != 0 ? letter : "-")
            }
        }
        return text
    }
}
