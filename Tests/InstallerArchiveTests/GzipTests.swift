import Foundation
import InstallerArchive
import Testing

@Suite("gzip and gunzip")
struct GzipTests {
    static let inputs: [(name: String, bytes: [UInt8])] = [
        ("empty", []),
        ("one byte", [0x41]),
        ("text 100 KB", textLike(count: 100_000)),
        ("noise 70 KB", noise(count: 70_000, seed: 7)),
        ("zeros 1 MB", [UInt8](repeating: 0, count: 1 << 20)),
    ]

    @Test("the gzip header is fixed: no name, MTIME 0, OS 3")
    func fixedHeader() throws {
        let output = try gzip(bytes("hello"))
        #expect(Array(output.prefix(10)) == [0x1F, 0x8B, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0x03])
        // Trailer: CRC-32 and length, little-endian.
        #expect(Array(output.suffix(4)) == [5, 0, 0, 0])
        #expect(Array(output.suffix(8).prefix(4)) == [0x86, 0xA6, 0x10, 0x36])  // crc32("hello") = 0x3610a686
    }

    @Test("gunzip inverts gzip at every level", arguments: 0...9)
    func roundTrip(level: Int) throws {
        for input in Self.inputs {
            let compressed = try gzip(input.bytes, level: level)
            #expect(try gunzip(compressed, maxOutput: input.bytes.count) == input.bytes, "\(input.name)")
        }
    }

    @Test(
        "output equals Python's zlib.compressobj(level, DEFLATED, 31)",
        .enabled(if: Tool.hasPython),
        arguments: [1, 6, 9]
    )
    func matchesPython(level: Int) throws {
        try withTemporaryDirectory { directory in
            for (index, input) in Self.inputs.enumerated() {
                let inputFile = directory.appendingPathComponent("in-\(index)")
                let outputFile = directory.appendingPathComponent("out-\(index)")
                try write(input.bytes, to: inputFile)
                let script = """
                    import sys, zlib
                    c = zlib.compressobj(int(sys.argv[1]), zlib.DEFLATED, 31)
                    data = open(sys.argv[2], 'rb').read()
                    open(sys.argv[3], 'wb').write(c.compress(data) + c.flush())
                    """
                let result = try python(script, [String(level), inputFile.path, outputFile.path])
                try #require(result.status == 0, "\(result.errorOutput)")
                let expected = Array(try Data(contentsOf: outputFile))
                #expect(try gzip(input.bytes, level: level) == expected, "\(input.name)")
            }
        }
    }

    @Test("zlibVersion is the version Python's zlib reports", .enabled(if: Tool.hasPython))
    func zlibVersion() throws {
        let result = try python("import zlib; print(zlib.ZLIB_RUNTIME_VERSION, end='')")
        #expect(GzipWriter.zlibVersion == result.text)
        #expect(GzipWriter.zlibVersion.hasPrefix("1."))
    }

    @Test("streaming in any pieces gives the one-shot bytes", arguments: [1, 6, 9])
    func streamingEqualsOneShot(level: Int) throws {
        let input = textLike(count: 300_000) + noise(count: 200_000, seed: 11)
        let expected = try gzip(input, level: level)
        for pieceSize in [1_000, 65_536, 100_003] {
            var writer = try GzipWriter(level: level)
            var output: [UInt8] = []
            var offset = 0
            while offset < input.count {
                let end = min(offset + pieceSize, input.count)
                try writer.write(Array(input[offset..<end]))
                output += writer.takeOutput()
                offset = end
            }
            output += try writer.finish()
            #expect(output == expected, "pieces of \(pieceSize)")
        }
        // Raw-buffer writes and leaving all output until finish() give the same bytes too.
        var writer = try GzipWriter(level: level)
        try input.withUnsafeBytes { buffer in
            try writer.write(UnsafeRawBufferPointer(rebasing: buffer[..<1234]))
            try writer.write(UnsafeRawBufferPointer(rebasing: buffer[1234...]))
        }
        #expect(try writer.finish() == expected)
    }

    @Test("an unused writer finishes as a valid empty stream")
    func emptyStream() throws {
        let writer = try GzipWriter()
        let output = try writer.finish()
        #expect(output == (try gzip([])))
        #expect(try gunzip(output, maxOutput: 0) == [])
    }

    @Test("levels outside 0...9 are rejected", arguments: [-1, 10, 100])
    func invalidLevel(level: Int) throws {
        let error = try #require(expectArchiveError(.invalidCompressionLevel) { try gzip([], level: level) })
        #expect(error.description.contains("\(level)"))
        expectArchiveError(.invalidCompressionLevel) { try GzipWriter(level: level) }
    }

    @Test("gzip -t accepts the output and gzip -d restores the input", .enabled(if: Tool.hasGzip))
    func systemGzipReadsOurs() throws {
        try withTemporaryDirectory { directory in
            var outputs = Self.inputs.map { ($0.name, $0.bytes, 6) }
            outputs.append(("tar.gz", try TarWriter().archive(try Fixture.entries()), 6))
            outputs.append(("level 0", textLike(count: 200_000), 0))
            outputs.append(("level 1", textLike(count: 200_000), 1))
            outputs.append(("level 9", noise(count: 200_000, seed: 5), 9))
            for (index, (name, input, level)) in outputs.enumerated() {
                let file = directory.appendingPathComponent("\(index).gz")
                try write(try gzip(input, level: level), to: file)
                let test = try run(Tool.gzip, ["-t", file.path])
                #expect(test.status == 0, "\(name): \(test.errorOutput)")
                let decompressed = try run(Tool.gzip, ["-d", "-c", file.path])
                #expect(decompressed.status == 0, "\(name): \(decompressed.errorOutput)")
                #expect(decompressed.output == input, "\(name)")
            }
        }
    }

    @Test("gunzip reads GNU gzip output (with a stored name) and concatenated members", .enabled(if: Tool.hasGzip))
    func readsSystemGzip() throws {
        try withTemporaryDirectory { directory in
            let first = textLike(count: 50_000)
            let second = noise(count: 3_000, seed: 9)
            let file = directory.appendingPathComponent("named.txt")
            try write(first, to: file)
            let result = try run(Tool.gzip, ["-k", "-9", file.path])
            try #require(result.status == 0, "\(result.errorOutput)")
            let gnu = Array(try Data(contentsOf: directory.appendingPathComponent("named.txt.gz")))
            #expect(gnu[3] & 0x08 != 0)  // FNAME is set: a header our writer never produces
            #expect(try gunzip(gnu, maxOutput: first.count) == first)
            let concatenated = gnu + (try gzip(second))
            #expect(try gunzip(concatenated, maxOutput: first.count + second.count) == first + second)
        }
    }

    @Test("truncated gzip data is reported as truncated", arguments: [1, 2, 10, 11, 100, -8, -4, -1])
    func truncated(cut: Int) throws {
        let compressed = try gzip(noise(count: 5_000, seed: 2))
        let length = cut > 0 ? cut : compressed.count + cut
        let error = try #require(
            expectArchiveError(.truncatedGzip) { try gunzip(Array(compressed.prefix(length)), maxOutput: 10_000) }
        )
        #expect(error.description.contains("truncated"))
        expectArchiveError(.truncatedGzip) { try gunzip([], maxOutput: 10) }
    }

    @Test(
        "corrupt gzip data is rejected with zlib's reason",
        arguments: [
            (0, "incorrect header check"),
            (2, "unknown compression method"),
            (-8, "incorrect data check"),
            (-3, "incorrect length check"),
        ]
    )
    func corrupt(offset: Int, reason: String) throws {
        var compressed = try gzip(textLike(count: 5_000))
        compressed[offset >= 0 ? offset : compressed.count + offset] ^= 0x10
        let error = try #require(expectArchiveError(.corruptGzip) { try gunzip(compressed, maxOutput: 10_000) })
        #expect(error.description.contains(reason))
    }

    @Test("non-gzip input and trailing garbage are corrupt")
    func garbage() throws {
        expectArchiveError(.corruptGzip) { try gunzip(bytes("plain text, not gzip"), maxOutput: 100) }
        expectArchiveError(.corruptGzip) { try gunzip(noise(count: 1_000, seed: 4), maxOutput: 100) }
        let valid = try gzip(bytes("payload"))
        let error = try #require(
            expectArchiveError(.corruptGzip) { try gunzip(valid + bytes("junk after the stream"), maxOutput: 100) }
        )
        #expect(error.description.contains("byte \(valid.count)"))
    }

    @Test("output over the limit is refused; output at the limit is fine")
    func outputLimit() throws {
        let input = [UInt8](repeating: 0x5A, count: 1_000_000)
        let compressed = try gzip(input)
        #expect(compressed.count < 2_000)
        #expect(try gunzip(compressed, maxOutput: input.count) == input)
        let error = try #require(
            expectArchiveError(.outputTooLarge) { try gunzip(compressed, maxOutput: input.count - 1) }
        )
        #expect(error.description.contains("\(input.count - 1)"))
        expectArchiveError(.outputTooLarge) { try gunzip(compressed, maxOutput: 0) }
        // A forged ISIZE trailer changes nothing but the first allocation guess; the CRC still catches it.
        var forged = compressed
        forged.replaceSubrange((forged.count - 4)..., with: [0xFF, 0xFF, 0xFF, 0x7F])
        expectArchiveError(.corruptGzip) { try gunzip(forged, maxOutput: 2_000_000) }
    }
}
