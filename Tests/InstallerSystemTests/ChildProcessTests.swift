import Foundation
import InstallerSystem
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A shell command as a ``ChildProcess``, with a test-sized timeout.
private func shell(
    _ script: String,
    timeout: Duration = .seconds(30),
    outputLimit: Int = 64 << 10,
    grace: Duration = .seconds(2)
) -> ChildProcess {
    ChildProcess(
        "/bin/sh",
        ["-c", script],
        timeout: timeout,
        outputLimit: outputLimit,
        terminationGrace: grace
    )
}

/// True once `pid` is gone: no such process, or one that has exited and waits to be reaped (a zombie).
private func isGone(_ pid: pid_t) -> Bool {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
        let close = stat.lastIndex(of: ")")
    else { return true }
    let state = stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).prefix(1)
    return state == "Z" || state == "X"
}

/// Waits (at most `limit`) until `pid` is gone; a signalled process takes a moment to die.
private func waitUntilGone(_ pid: pid_t, limit: Duration = .seconds(5)) async -> Bool {
    let deadline = ContinuousClock.now + limit
    while !isGone(pid) {
        if ContinuousClock.now >= deadline { return false }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return true
}

/// Waits (at most `limit`) until `path` holds a PID, and returns it.
private func waitForPID(in path: String, limit: Duration = .seconds(60)) async throws -> pid_t {
    let deadline = ContinuousClock.now + limit
    while ContinuousClock.now < deadline {
        if let text = try? String(contentsOfFile: path, encoding: .utf8), text.hasSuffix("\n"),
            let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines))
        {
            return pid
        }
        try await Task.sleep(for: .milliseconds(10))
    }
    throw TimeoutError(description: "no PID appeared in \(path) within \(limit)")
}

private struct TimeoutError: Error, CustomStringConvertible {
    var description: String
}

private func temporaryDirectory() throws -> String {
    let path = NSTemporaryDirectory() + "child-process-tests-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

@Suite("ChildProcess: runs off the cooperative pool, with a deadline, cancellation and bounded output")
struct ChildProcessTests {
    @Test func exitStatusAndBothStreams() async throws {
        let outcome = try await shell("echo out; echo err >&2; exit 3").run()
        #expect(outcome.termination == .exited(3))
        #expect(!outcome.termination.isSuccess)
        #expect(outcome.standardOutput.text == "out\n")
        #expect(outcome.standardError.text == "err\n")
        #expect(outcome.processID != nil)
    }

    @Test func environmentAndWorkingDirectory() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let command = ChildProcess(
            "/bin/sh",
            ["-c", "pwd; echo \"$GREETING\"; cat"],
            environment: ["GREETING": "hello", "PATH": "/usr/bin:/bin"],
            workingDirectory: directory,
            timeout: .seconds(30)
        )
        let outcome = try await command.run()
        #expect(outcome.termination.isSuccess)
        // stdin is /dev/null, so `cat` ends at once.
        #expect(outcome.standardOutput.text == "\(directory)\nhello\n")
    }

    @Test func timeoutStopsTheChildAndItsProcessGroup() async throws {
        let started = ContinuousClock.now
        // The shell starts a grandchild in its group and waits for it; both must be stopped.
        let outcome = try await shell("sleep 300 & echo $!; wait", timeout: .milliseconds(300)).run()
        #expect(outcome.termination == .timedOut(.milliseconds(300)))
        #expect(outcome.termination.description == "stopped after its timeout of 0.3 s")
        #expect(ContinuousClock.now - started < .seconds(60))
        let child = try #require(outcome.processID)
        #expect(isGone(child), "the child \(child) still runs")
        let grandchild = try #require(
            pid_t(outcome.standardOutput.text.trimmingCharacters(in: .whitespacesAndNewlines))
        )
        #expect(await waitUntilGone(grandchild), "the grandchild \(grandchild) still runs")
    }

    @Test func childThatIgnoresSIGTERMIsKilled() async throws {
        let started = ContinuousClock.now
        let outcome = try await shell(
            "trap '' TERM; sleep 300; echo survived",
            timeout: .milliseconds(200),
            grace: .milliseconds(300)
        ).run()
        #expect(outcome.termination == .timedOut(.milliseconds(200)))
        #expect(!outcome.standardOutput.text.contains("survived"))
        #expect(ContinuousClock.now - started < .seconds(60))
        #expect(isGone(try #require(outcome.processID)))
    }

    @Test func cancellingTheTaskStopsTheChild() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let pidFile = directory + "/pid"
        let command = shell("echo $$ > \(pidFile); exec sleep 300", timeout: .seconds(300))
        let (outcome, pid, elapsed) = try await withThrowingTaskGroup(of: ChildProcess.Outcome.self) { group in
            group.addTask { try await command.run() }
            // Leaving the group early (the PID never appeared) cancels the run, which stops the child too.
            let pid = try await waitForPID(in: pidFile)
            let cancelled = ContinuousClock.now
            group.cancelAll()
            let outcome = try #require(try await group.next())
            return (outcome, pid, ContinuousClock.now - cancelled)
        }
        #expect(outcome.termination == .cancelled)
        #expect(outcome.processID == pid)
        // Far below the child's 300 s; generous, as other suites may hold the cooperative pool meanwhile.
        #expect(elapsed < .seconds(60), "cancellation took \(elapsed)")
        #expect(isGone(pid))
    }

    @Test func alreadyCancelledTaskStartsNothing() async throws {
        let task = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await shell("echo ran").run()
        }
        let outcome = try await task.value
        #expect(outcome.termination == .cancelled)
        #expect(outcome.processID == nil)
        #expect(outcome.standardOutput.totalCount == 0)
    }

    @Test func outputKeepsOnlyTheLastBytes() async throws {
        let outcome = try await shell("head -c 1000000 /dev/zero; printf END", outputLimit: 1024).run()
        #expect(outcome.termination.isSuccess)
        #expect(outcome.standardOutput.bytes.count == 1024)
        #expect(outcome.standardOutput.totalCount == 1_000_003)
        #expect(outcome.standardOutput.isTruncated)
        #expect(outcome.standardOutput.text.hasSuffix("END"))
    }

    @Test func whatTheChildLeavesRunningIsStoppedWhenItExits() async throws {
        let started = ContinuousClock.now
        // The shell exits at once; the background sleep keeps stdout open and must not hold the run.
        let outcome = try await shell("sleep 300 & echo $!").run()
        #expect(outcome.termination.isSuccess)
        #expect(ContinuousClock.now - started < .seconds(60))
        let leftover = try #require(pid_t(outcome.standardOutput.text.trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(await waitUntilGone(leftover), "\(leftover) outlived the run")
    }

    @Test func signalIsReported() async throws {
        let outcome = try await shell("kill -KILL $$").run()
        #expect(outcome.termination == .signaled(SIGKILL))
        #expect(outcome.termination.description.hasPrefix("killed by signal 9"))
    }

    @Test func missingProgramThrowsAnErrorNamingIt() async throws {
        do {
            _ = try await ChildProcess("/nonexistent/apt-get", timeout: .seconds(5)).run()
            Issue.record("a missing program ran")
        } catch {
            #expect(error.description.contains("/nonexistent/apt-get"))
            #expect(error.errno == ENOENT)
        }
    }

    @Test func manyRunsAtOnceDoNotHoldTheCooperativePool() async throws {
        // Four children per core at once, each printing when it started and ended. Blocking a pool thread
        // (one per core) per run would let at most `cores` of them run at the same time, whatever else
        // the test process does meanwhile; watched on threads of their own, they all overlap.
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let outcomes = try await withThrowingTaskGroup(of: ChildProcess.Outcome.self) { group in
            for _ in 0..<(4 * cores) {
                group.addTask { try await shell("date +%s.%N; sleep 2; date +%s.%N").run() }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(outcomes.count == 4 * cores && outcomes.allSatisfy(\.termination.isSuccess))
        let spans = outcomes.compactMap { outcome -> (Double, Double)? in
            let times = outcome.standardOutput.text.split(separator: "\n").compactMap { Double($0) }
            return times.count == 2 ? (times[0], times[1]) : nil
        }
        #expect(spans.count == outcomes.count)
        let overlap = spans.map { span in spans.filter { $0.0 <= span.0 && span.0 < $0.1 }.count }.max() ?? 0
        #expect(overlap > cores, "at most \(overlap) of \(spans.count) runs overlapped on \(cores) cores")
    }

    @Test(
        "Durations read as a person says them",
        arguments: [
            (Duration.milliseconds(300), "0.3 s"), (.seconds(3), "3 s"), (.milliseconds(1500), "1.5 s"),
            (.milliseconds(5), "5 ms"), (.seconds(120), "2 min"), (.seconds(150), "2 min 30 s"),
            (.seconds(900), "15 min"),
        ]
    )
    func describe(duration: Duration, text: String) {
        #expect(ChildProcess.describe(duration) == text)
    }
}
