import Foundation
import InstallerConfig
import Testing

@testable import InstallerActions

/// The JSON the SSH actions read from files and from nodes, beyond its limits: refused or ignored, quickly
/// (these tests finishing is half the point).
@Suite("Limits of the JSON the actions read")
struct ReaderLimitsTests {
    static let report = #"{"action":"preflight","result":"pass","checks":[{"name":"root","status":"pass"}]}"#

    @Test("a node's report is found after megabytes of stray stdout; a bomb or an oversized line is no report")
    func nodeReport() throws {
        let noise = String(repeating: "log line on stdout\n", count: 200_000)
        #expect(try #require(NodeReport.parse(noise + Self.report)).result == "pass")
        let deep = "{\"action\":\"a\",\"result\":\"r\",\"x\":" + String(repeating: "[", count: 100_000)
        #expect(NodeReport.parse(deep) == nil)
        let long = #"{"action":"a","result":"r","message":""# + String(repeating: "m", count: 300 << 10) + #""}"#
        #expect(NodeReport.parse(long) == nil)
        let checks = Array(repeating: #"{"name":"c"}"#, count: NodeReport.parseLimits.maximumItems + 1)
        #expect(
            NodeReport.parse(#"{"action":"a","result":"r","checks":["# + checks.joined(separator: ",") + "]}") == nil
        )
        // A line after the report that is not JSON does not hide it; a bomb after it does not either.
        #expect(NodeReport.parse(Self.report + "\n" + String(repeating: "{", count: 50_000)) != nil)
    }

    @Test("a journal line beyond its limits is skipped like a torn one; the other lines count")
    func journal() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ReaderLimits-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("journal.jsonl")
        let lines = [
            #"{"event":"run-start"}"#, String(repeating: "[", count: 100_000),
            #"{"event":"x","s":""# + String(repeating: "s", count: 2 << 20) + #""}"#, #"{"event":"run-finish"}"#,
        ]
        try Data(lines.joined(separator: "\n").utf8).write(to: path)
        let events = Journal.events(path.path)
        #expect(events.compactMap { $0["event"]?.stringValue } == ["run-start", "run-finish"])
    }
}
