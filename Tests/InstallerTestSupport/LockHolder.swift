import Foundation

/// Holds `flock` on a file from another process until `release()`: `flock FILE sh -c 'echo locked; read _'`.
/// Registered with ``TestProcesses``: a test that throws before `release()` does not leave it running.
public final class LockHolder {
    private let process = Process()
    private let input = Pipe()
    private let output = Pipe()

    public init(path: String) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/flock")
        process.arguments = [path, "/bin/sh", "-c", "echo locked; read _"]
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        TestProcesses.register(process.processIdentifier)
        var seen = Data()
        while !seen.contains(UInt8(ascii: "\n")) {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            seen.append(chunk)
        }
        guard String(decoding: seen, as: UTF8.self).hasPrefix("locked") else {
            release()
            throw CocoaError(.fileLocking)
        }
    }

    public func release() {
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
        TestProcesses.forget(process.processIdentifier)
    }
}
