import Foundation

/// What a finished process printed and returned.
public struct ProcessOutput: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
    public var stdoutData: Data

    public var combined: String { stdout + stderr }
}

/// Collects a pipe's bytes on a background thread.
private final class Drain: @unchecked Sendable {
    private(set) var data = Data()
    private let group = DispatchGroup()

    init(_ handle: FileHandle) {
        group.enter()
        // A thread of its own: never starved by a busy dispatch pool while the test blocks on it.
        Thread {
            self.data = handle.readDataToEndOfFile()
            self.group.leave()
        }
        .start()
    }

    func wait() -> Data {
        group.wait()
        return data
    }
}

/// Runs a program to completion, feeding `stdin` and draining stdout and stderr concurrently.
public func runProcess(
    _ executable: String,
    _ arguments: [String],
    stdin: Data? = nil,
    directory: String? = nil,
    environment: [String: String]? = nil
) throws -> ProcessOutput {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
    if let environment { process.environment = environment }
    let input = Pipe()
    let output = Pipe()
    let error = Pipe()
    process.standardInput = input
    process.standardOutput = output
    process.standardError = error
    try process.run()
    let outDrain = Drain(output.fileHandleForReading)
    let errDrain = Drain(error.fileHandleForReading)
    if let stdin { input.fileHandleForWriting.write(stdin) }
    try input.fileHandleForWriting.close()
    let outData = outDrain.wait()
    let errData = errDrain.wait()
    process.waitUntilExit()
    return ProcessOutput(
        status: process.terminationStatus,
        stdout: String(decoding: outData, as: UTF8.self),
        stderr: String(decoding: errData, as: UTF8.self),
        stdoutData: outData
    )
}
