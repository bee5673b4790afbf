import InstallerActions
import InstallerCluster
import InstallerRender
import Synchronization
import Testing

/// Collects what the view writes.
final class Screen: Sendable {
    private let text = Mutex("")
    var written: String { text.withLock { $0 } }
    func write(_ chunk: String) { text.withLock { $0 += chunk } }
}

@Suite("Console view")
struct ConsoleViewTests {
    static let nodes =
        ["m1", "m2", "m3"].map { ClusterNode(host: $0, role: .master) }
        + ["a1", "a2"].map { ClusterNode(host: $0, role: .slave) }

    @Test("On a terminal: a block per role redrawn in place, finished hosts above it, erased at the end")
    func liveBlock() {
        let screen = Screen()
        let view = ConsoleView(nodes: Self.nodes, live: true, write: screen.write)
        view.started(Self.nodes[0])
        view.started(Self.nodes[1])
        #expect(screen.written.contains("master       done 0/3  running 2  failed 0  waiting 1  [m1, m2]"))
        #expect(screen.written.contains("slave        done 0/2  running 0  failed 0  waiting 2"))
        #expect(screen.written.contains("elapsed 0m0s"))

        let before = screen.written.count
        var failed = HostRecord(node: Self.nodes[1], address: "m2", status: .failed, message: "exit 1")
        failed.errorClass = "install_failed"
        view.finished(HostRecord(node: Self.nodes[0], address: "m1", status: .ok), phase: .install)
        view.finished(failed, phase: .install)
        let redraw = String(screen.written.dropFirst(before))
        // Each redraw first moves up over the three lines drawn (master, slave, elapsed) and clears them.
        #expect(redraw.hasPrefix("\u{1B}[3F\u{1B}[J"))
        #expect(redraw.contains("m1 (master) install: ok in "))
        #expect(redraw.contains("m2 (master) install: failed in "))
        #expect(redraw.contains(": exit 1\n"))
        #expect(
            redraw.hasSuffix(
                "master       done 1/3  running 0  failed 1  waiting 1\nslave        done 0/2  running 0  failed 0  waiting 2\nelapsed 0m0s\n"
            )
        )

        let beforeStop = screen.written.count
        view.stop()
        #expect(String(screen.written.dropFirst(beforeStop)) == "\u{1B}[3F\u{1B}[J")
    }

    @Test("Not a terminal: plain lines only, no escape sequences")
    func plainLines() {
        let screen = Screen()
        let view = ConsoleView(nodes: Self.nodes, live: false, write: screen.write)
        view.note("Masters: 3, all at once.")
        view.started(Self.nodes[3])
        view.tick()
        view.finished(HostRecord(node: Self.nodes[3], address: "a1", status: .ok), phase: .postflight)
        view.stop()
        #expect(!screen.written.contains("\u{1B}"))
        let lines = screen.written.split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines.first == "Masters: 3, all at once.")
        #expect(lines.last?.hasPrefix("a1 (slave) postflight: ok in 0.") == true)
    }
}
