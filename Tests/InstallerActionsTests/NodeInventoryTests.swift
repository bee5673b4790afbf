import Foundation
import InstallerActions
import InstallerCluster
import InstallerRender
import Testing

@Suite("genconf/state/nodes.json: the nodes this installer left DC/OS on")
struct NodeInventoryTests {
    func record(_ host: String, _ role: Role, _ status: HostStatus, checks: [NodeCheck] = []) -> HostRecord {
        var record = HostRecord(node: ClusterNode(host: host, role: role), address: host, status: status)
        record.checks = checks
        return record
    }

    @Test("Installs add, uninstalls remove, a --verify that finds no DC/OS forgets; saved and loaded stable")
    func applyAndRoundTrip() throws {
        var inventory = NodeInventory()
        inventory.apply(
            [record("m1", .master, .ok), record("a1", .slave, .ok), record("a2", .slave, .failed)],
            phase: .install,
            configID: "c1",
            runID: "r1"
        )
        #expect(inventory.nodes.keys.sorted() == ["a1", "m1"])
        #expect(inventory.nodes["a1"] == NodeInventory.Entry(role: .slave, configID: "c1", runID: "r1"))
        inventory.apply([record("a1", .slave, .ok)], phase: .uninstall, configID: nil, runID: "r2")
        #expect(inventory.nodes["a1"] == nil)
        inventory.apply(
            [
                record(
                    "m1",
                    .master,
                    .failed,
                    checks: [
                        NodeCheck(
                            name: "installed",
                            severity: .error,
                            status: .fail,
                            detail: "DC/OS is not installed on this node"
                        )
                    ]
                ),
                record(
                    "p1",
                    .slave_public,
                    .ok,
                    checks: [NodeCheck(name: "installed", severity: .error, status: .pass, detail: "configuration c1")]
                ),
            ],
            phase: .verify,
            configID: "c1",
            runID: "r3"
        )
        #expect(inventory.nodes.keys.sorted() == ["p1"])
        #expect(
            inventory.retired(from: [ClusterNode(host: "a9", role: .slave)])
                == [ClusterNode(host: "p1", role: .slave_public)]
        )
        #expect(inventory.retired(from: [ClusterNode(host: "p1", role: .slave_public)]).isEmpty)

        let directory = NSTemporaryDirectory() + "/node-inventory-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try inventory.save(stateDirectory: directory)
        let text = try String(contentsOfFile: directory + "/nodes.json", encoding: .utf8)
        #expect(text.contains("\"slave_public\""))
        #expect(try NodeInventory.load(stateDirectory: directory).get() == inventory)
        try "not json".write(toFile: directory + "/nodes.json", atomically: true, encoding: .utf8)
        guard case .failure(let error) = NodeInventory.load(stateDirectory: directory) else {
            Issue.record("a damaged inventory must be an error")
            return
        }
        #expect(error.message.contains("nodes.json"))
        #expect(try NodeInventory.load(stateDirectory: directory + "/absent").get() == NodeInventory())
    }
}
