import Foundation
import InstallerArchive
import Testing

// MARK: - Bytes

func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

/// Deterministic pseudo-random bytes (xorshift), compressible only a little, like binaries.
func noise(count: Int, seed: UInt64) -> [UInt8] {
    var state = seed | 1
    return [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
        for index in 0..<count {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            buffer[index] = UInt8(truncatingIfNeeded: state >> 32)
        }
        initialized = count
    }
}

/// Text-like bytes that compress well, with some variation so deflate has real work to do.
func textLike(count: Int) -> [UInt8] {
    var out: [UInt8] = []
    out.reserveCapacity(count + 64)
    var line = 0
    while out.count < count {
        out.append(contentsOf: "MESOS_QUORUM=\(line % 7) agent-\(line * 7919 % 10_007).example.com:5051\n".utf8)
        line += 1
    }
    return Array(out.prefix(count))
}

// MARK: - Fixture

enum Fixture {
    static let mtime = 1_700_000_000

    /// A 268-byte path that does not fit the ustar name/prefix split, so it needs a pax `path` record.
    static let longPath =
        "opt/mesosphere/" + String(repeating: "very-long-directory-name-", count: 6) + "/"
        + String(repeating: "x", count: 101) + ".conf"

    static let nonASCIIPath = "etc/ünïcödé-配置.txt"

    /// A small role bundle: nested files with implied parents, an executable, a symlink, an empty file,
    /// an explicit directory with its own mode, a long path and a non-ASCII name.
    static func entries() throws -> [TarEntry] {
        [
            try .file("etc/mesos-master", contents: bytes("MESOS_QUORUM=2\nMESOS_PORT=5050\n")),
            try .file("bin/dcos-setup", contents: bytes("#!/bin/sh\necho setup\n"), mode: 0o755),
            try .symlink("bin/setup", target: "dcos-setup"),
            try .file("etc/empty", contents: []),
            try .directory("var/lib/dcos", mode: 0o700),
            try .file(longPath, contents: bytes("long = true\n")),
            try .file(nonASCIIPath, contents: bytes("héllo\n")),
            try .file("etc/ip-detect", contents: textLike(count: 20_000), mode: 0o750),
        ]
    }

    /// What a reader should list for ``entries()``, implied directories included, in archive order.
    static func expectedListing() -> [(path: String, kind: String, mode: UInt32)] {
        let listing: [(path: String, kind: String, mode: UInt32)] = [
            ("bin", "d", 0o755),
            ("bin/dcos-setup", "f", 0o755),
            ("bin/setup", "l", 0o777),
            ("etc", "d", 0o755),
            ("etc/empty", "f", 0o644),
            ("etc/ip-detect", "f", 0o750),
            ("etc/mesos-master", "f", 0o644),
            (nonASCIIPath, "f", 0o644),
            ("opt", "d", 0o755),
            ("opt/mesosphere", "d", 0o755),
            ("opt/mesosphere/" + String(repeating: "very-long-directory-name-", count: 6), "d", 0o755),
            (longPath, "f", 0o644),
            ("var", "d", 0o755),
            ("var/lib", "d", 0o755),
            ("var/lib/dcos", "d", 0o700),
        ]
        return listing
    }
}

func kindLetter(_ kind: TarEntry.Kind) -> String {
    switch kind {
    case .file: "f"
    case .directory: "d"
    case .symlink: "l"
    }
}

// MARK: - Tar surgery

/// Changes the 512-byte header at `offset` and recomputes its checksum, to build archives that are
/// well-formed except for the one property a test is about.
func rewriteHeader(_ archive: inout [UInt8], at offset: Int, _ change: (inout ArraySlice<UInt8>) -> Void) {
    var block = archive[offset..<(offset + 512)]
    change(&block)
    block.replaceSubrange((offset + 148)..<(offset + 156), with: repeatElement(UInt8(ascii: " "), count: 8))
    let sum = block.reduce(0) { $0 + Int($1) }
    let field = Array(String(sum, radix: 8).leftPadded(to: 6).utf8) + [0, UInt8(ascii: " ")]
    block.replaceSubrange((offset + 148)..<(offset + 156), with: field)
    archive.replaceSubrange(offset..<(offset + 512), with: block)
}

extension String {
    func leftPadded(to width: Int, with pad: Character = "0") -> String {
        String(repeating: pad, count: max(0, width - count)) + self
    }
}

/// The bytes of a header field as a string up to its first NUL.
func field(_ archive: [UInt8], at offset: Int, _ range: Range<Int>) -> String {
    let slice = archive[(offset + range.lowerBound)..<(offset + range.upperBound)]
    return String(decoding: slice.prefix { $0 != 0 }, as: UTF8.self)
}

// MARK: - Files and processes

/// Runs `body` with a fresh temporary directory that is removed afterwards.
func withTemporaryDirectory<T>(_ body: (URL) throws -> T) throws -> T {
    let directory = FileManager.default.temporaryDirectory
        .appendingPathComponent("InstallerArchiveTests-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    return try body(directory)
}

struct CommandResult {
    var status: Int32
    var output: [UInt8]
    var errorOutput: String

    var text: String { String(decoding: output, as: UTF8.self) }
}

enum Tool {
    static let tar = "/usr/bin/tar"
    static let gzip = "/usr/bin/gzip"
    static let sha256sum = "/usr/bin/sha256sum"

    static let hasTar = FileManager.default.isExecutableFile(atPath: tar)
    static let hasGzip = FileManager.default.isExecutableFile(atPath: gzip)
    static let hasPython: Bool = (try? run("/usr/bin/env", ["python3", "-c", "import tarfile, zlib"]))?.status == 0
}

/// Runs a program to completion. Output goes through files, so a full pipe can never block it.
@discardableResult
func run(_ executable: String, _ arguments: [String], in directory: URL? = nil) throws -> CommandResult {
    try withTemporaryDirectory { scratch in
        let outURL = scratch.appendingPathComponent("stdout")
        let errURL = scratch.appendingPathComponent("stderr")
        try Data().write(to: outURL)
        try Data().write(to: errURL)
        let out = try FileHandle(forWritingTo: outURL)
        let err = try FileHandle(forWritingTo: errURL)
        defer {
            try? out.close()
            try? err.close()
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = directory
        var environment = ProcessInfo.processInfo.environment
        environment["TZ"] = "UTC"
        environment["LC_ALL"] = "C.UTF-8"
        process.environment = environment
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = out
        process.standardError = err
        try process.run()
        process.waitUntilExit()
        return CommandResult(
            status: process.terminationStatus,
            output: Array(try Data(contentsOf: outURL)),
            errorOutput: String(decoding: try Data(contentsOf: errURL), as: UTF8.self)
        )
    }
}

/// Runs a Python 3 script with arguments.
func python(_ script: String, _ arguments: [String] = []) throws -> CommandResult {
    try run("/usr/bin/env", ["python3", "-c", script] + arguments)
}

func write(_ bytes: [UInt8], to url: URL) throws {
    try Data(bytes).write(to: url)
}

func sha256(_ bytes: [UInt8]) throws -> String {
    try withTemporaryDirectory { directory in
        let file = directory.appendingPathComponent("data")
        try write(bytes, to: file)
        let result = try run(Tool.sha256sum, [file.path])
        return String(result.text.prefix(64))
    }
}

/// Expects `body` to throw an ``ArchiveError`` with `code` whose description is a sentence, and returns
/// the error for further checks.
@discardableResult
func expectArchiveError<T: ~Copyable>(
    _ code: ArchiveError.Code,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () throws -> T
) -> ArchiveError? {
    do {
        _ = try body()
        Issue.record("expected ArchiveError \(code), but nothing was thrown", sourceLocation: sourceLocation)
        return nil
    } catch let error as ArchiveError {
        #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
        #expect(error.description.hasSuffix("."), "not a sentence: \(error)", sourceLocation: sourceLocation)
        return error
    } catch {
        Issue.record("expected ArchiveError \(code), got \(error)", sourceLocation: sourceLocation)
        return nil
    }
}
