import Foundation
import InstallerActions
import InstallerTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A fresh genconf directory, removed when the test ends.
private func withGenconfDirectory(_ body: (String) async throws -> Void) async throws {
    let path = NSTemporaryDirectory() + "action-lock-tests-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: path) }
    try await body(path)
}

/// The PID of a process that has exited and been reaped.
private func deadPID() throws -> Int32 {
    let pid = try spawnProcess("/bin/true", [])
    _ = waitForProcess(pid)
    return pid
}

@Suite("ActionLock: one action at a time per genconf directory", .serialized, .stopsProcesses)
struct ActionLockTests {
    @Test func secondHolderIsRefusedWithTheFirstOnesActionRunAndPID() async throws {
        try await withGenconfDirectory { genconf in
            let first = ActionLock.Holder.current(action: "deploy", runID: "20240501T120000Z-k3x9")
            let outcome = await ActionLock.withLock(genconfDirectory: genconf, holder: first) { () -> String? in
                #expect(ActionLock.recordedHolder(genconfDirectory: genconf) == first)
                let second = await ActionLock.withLock(
                    genconfDirectory: genconf,
                    holder: .current(action: "exec", runID: nil)
                ) {
                    Issue.record("the second holder ran while the first held the lock")
                }
                guard case .failure(let error) = second else { return nil }
                #expect(error.code == .busy)
                return error.message
            }
            let message = try #require(try outcome.get())
            #expect(
                message
                    == "Another dcos_generate_config --deploy is running on \(genconf) (run 20240501T120000Z-k3x9, PID \(getpid()), started \(first.startedAt)). One action at a time per genconf directory: wait for it to finish (or stop it: Ctrl-C in its terminal, or kill \(getpid())), then run again. Nothing was changed."
            )
            // Released: the holder file is gone, the lock can be taken again.
            #expect(ActionLock.recordedHolder(genconfDirectory: genconf) == nil)
            let again = await ActionLock.withLock(genconfDirectory: genconf, holder: first) { 42 }
            #expect(try again.get() == 42)
        }
    }

    @Test func holderFileOfADeadProcessIsOverwritten() async throws {
        try await withGenconfDirectory { genconf in
            // What a run killed with SIGKILL leaves: the lock file, and a holder file naming a dead PID.
            let dead = try deadPID()
            try "{\"action\":\"deploy\",\"pid\":\(dead),\"run_id\":\"20200101T000000Z-gone\"}\n".write(
                toFile: genconf + "/" + ActionLock.holderFileName,
                atomically: false,
                encoding: .utf8
            )
            #expect(FileManager.default.createFile(atPath: genconf + "/" + ActionLock.lockFileName, contents: nil))
            let mine = ActionLock.Holder.current(action: "postflight", runID: "20240501T120000Z-abcd")
            let outcome = await ActionLock.withLock(genconfDirectory: genconf, holder: mine) {
                ActionLock.recordedHolder(genconfDirectory: genconf)
            }
            #expect(try outcome.get() == mine)
            let names = try FileManager.default.contentsOfDirectory(atPath: genconf)
            #expect(names == [ActionLock.lockFileName], "left behind: \(names)")
        }
    }

    @Test func lockOfAKilledHolderIsTakenOver() async throws {
        try await withGenconfDirectory { genconf in
            let lockPath = genconf + "/" + ActionLock.lockFileName
            let ready = genconf + "/holder.out"
            let holder = try spawnProcess(
                "/bin/sh",
                ["-c", "exec 9>>'\(lockPath)'; /usr/bin/flock 9; echo locked; exec sleep 600"],
                stdout: ready
            )
            let deadline = ContinuousClock.now + .seconds(10)
            while (try? String(contentsOfFile: ready, encoding: .utf8))?.hasPrefix("locked") != true {
                try #require(ContinuousClock.now < deadline, "the holder never took the lock")
                try await Task.sleep(for: .milliseconds(10))
            }
            let mine = ActionLock.Holder.current(action: "deploy", runID: "20240501T120000Z-abcd")
            // Held, and no holder file says by whom: refused, after the second the file gets to appear.
            let refused = await ActionLock.withLock(genconfDirectory: genconf, holder: mine) {
                Issue.record("ran while another process held the lock")
            }
            guard case .failure(let error) = refused else { return }
            #expect(error.code == .busy)
            #expect(error.message.contains("a process holds \(lockPath), but"))
            #expect(error.message.contains("fuser -v \(lockPath)"))

            kill(holder, SIGKILL)
            _ = waitForProcess(holder)
            let taken = await ActionLock.withLock(genconfDirectory: genconf, holder: mine) {
                ActionLock.recordedHolder(genconfDirectory: genconf)
            }
            #expect(try taken.get() == mine)
        }
    }
}
