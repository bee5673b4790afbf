import Foundation
import Testing

@testable import InstallerConfig

@Suite("--validate-config (SSH stage) rules")
struct SSHStageTests {
    static let rejects: [Reject] = [
        Reject("agent_list:\n- 10.0.1.300", "agent_list", "'10.0.1.300' is not an IPv4 address", line: 2, stage: .ssh),
        Reject(
            "agent_list:\n- 10.0.1.1\n- 10.0.1.1",
            "agent_list",
            "10.0.1.1 is listed more than once",
            line: 3,
            stage: .ssh
        ),
        Reject("agent_list: agent1", "agent_list", "Must be a list", line: 1, stage: .ssh),
        Reject(
            "public_agent_list:\n- host.example.com",
            "public_agent_list",
            "is not an IPv4 address",
            line: 2,
            stage: .ssh
        ),
        Reject(
            "public_agent_list: [10.0.2.1, 10.0.2.1]",
            "public_agent_list",
            "listed more than once",
            line: 1,
            stage: .ssh
        ),
        Reject(
            "master_list: [10.0.0.2]\nagent_list:\n- 10.0.1.1\n- 10.0.0.2",
            "agent_list",
            "master_list and agent_list cannot share addresses, but both contain 10.0.0.2",
            line: 4,
            stage: .ssh
        ),
        Reject(
            "master_list: [10.0.0.2]\npublic_agent_list:\n- 10.0.0.2",
            "public_agent_list",
            "master_list and public_agent_list cannot share addresses",
            line: 3,
            stage: .ssh
        ),
        Reject(
            "agent_list:\n- 10.0.1.1\npublic_agent_list:\n- 10.0.1.1",
            "public_agent_list",
            "agent_list and public_agent_list cannot share addresses, but both contain 10.0.1.1",
            line: 4,
            stage: .ssh
        ),
        Reject("ssh_port: 0", "ssh_port", "Must be between 1 and 65535, but is 0", line: 1, stage: .ssh),
        Reject("ssh_port: 65536", "ssh_port", "Must be between 1 and 65535", line: 1, stage: .ssh),
        Reject("ssh_port: abc", "ssh_port", "Must be an integer, but is the text 'abc'", line: 1, stage: .ssh),
        Reject("ssh_port: 22.5", "ssh_port", "Must be an integer", line: 1, stage: .ssh),
        Reject("ssh_parallelism: 0", "ssh_parallelism", "Must be between 1 and 1000", line: 1, stage: .ssh),
        Reject(
            "ssh_parallelism: 1001",
            "ssh_parallelism",
            "Must be between 1 and 1000, but is 1001",
            line: 1,
            stage: .ssh
        ),
        Reject("process_timeout: 0", "process_timeout", "Must be at least 1, but is 0", line: 1, stage: .ssh),
        Reject("process_timeout: -10", "process_timeout", "Must be at least 1", line: 1, stage: .ssh),
        Reject("process_timeout: 2min", "process_timeout", "Must be an integer", line: 1, stage: .ssh),
        Reject("ssh_user: ''", "ssh_user", "Must not be empty", line: 1, stage: .ssh),
        Reject("ssh_user:\n- centos", "ssh_user", "Must be a single value", line: 2, stage: .ssh),
        Reject(
            "master_discovery: master_http_loadbalancer\nnum_masters: 3\nexhibitor_address: lb\nexhibitor_storage_backend: zookeeper\nexhibitor_zk_hosts: 10.0.0.5:2181\nexhibitor_zk_path: /dcos\nmaster_list:\n- 10.0.0.2\n- 10.0.0.300",
            "master_list",
            "'10.0.0.300' is not an IPv4 address",
            line: 9,
            stage: .ssh
        ),
        Reject(
            "master_discovery: master_http_loadbalancer\nnum_masters: 3\nexhibitor_address: lb\nexhibitor_storage_backend: zookeeper\nexhibitor_zk_hosts: 10.0.0.5:2181\nexhibitor_zk_path: /dcos\nmaster_list: [10.0.0.2]\nagent_list: [10.0.0.2]",
            "agent_list",
            "master_list and agent_list cannot share addresses",
            line: 8,
            stage: .ssh
        ),
    ]

    @Test("SSH-stage rules reject at --validate-config", arguments: rejects)
    func reject(_ row: Reject) throws {
        try Fixture.expectRejected(row)
    }

    static let accepts: [Accept] = [
        Accept("agent_list: [10.0.1.1, 10.0.1.2]\npublic_agent_list: [10.0.2.1]", stage: .ssh),
        Accept("agent_list: []\npublic_agent_list: []", stage: .ssh),
        Accept("ssh_port: 1", stage: .ssh),
        Accept("ssh_port: 65535", stage: .ssh),
        Accept("ssh_parallelism: 1\nprocess_timeout: 10000", stage: .ssh),
        Accept("ssh_parallelism: 1000", stage: .ssh),
        Accept("ssh_user: core\nextra_ssh_options: -o ServerAliveInterval=30", stage: .ssh),
        Accept("ssh_key_path: genconf/ssh_key", stage: .ssh),
        Accept(
            "master_discovery: master_http_loadbalancer\nnum_masters: 3\nexhibitor_address: lb\nexhibitor_storage_backend: zookeeper\nexhibitor_zk_hosts: 10.0.0.5:2181\nexhibitor_zk_path: /dcos\nmaster_list: [10.0.0.2, 10.0.0.3, 10.0.0.4]",
            stage: .ssh
        ),
    ]

    @Test("valid SSH settings are accepted", arguments: accepts)
    func accept(_ row: Accept) throws {
        let outcome = try Fixture.expectAccepted(row)
        #expect(outcome.warnings.isEmpty, "\(outcome.summary)")
    }

    @Test(
        "SSH-stage rules are not applied by --genconf",
        arguments: [
            "agent_list:\n- 10.0.0.2", "agent_list: [not-an-ip]", "ssh_port: 0", "process_timeout: abc", "ssh_user: ''",
        ]
    )
    func notAtGenconf(_ yaml: String) throws {
        let outcome = try Fixture.check(yaml, stage: .genconf)
        #expect(outcome.errors.isEmpty, "\(outcome.summary)")
    }

    @Test("SSH defaults")
    func defaults() throws {
        let config = try #require(try Fixture.check("", stage: .ssh).config)
        #expect(config.sshUser == "centos")
        #expect(config.sshPort == 22)
        #expect(config.sshParallelism == 20)
        #expect(config.processTimeout == 120)
        #expect(config.sshKeyPath == "genconf/ssh_key")
        #expect(config.extraSSHOptions == "")
        #expect(config.agentList == [])
        #expect(config.publicAgentList == [])
    }

    @Test("master_list is required by --validate-config even with a load balancer")
    func masterListRequired() throws {
        let outcome = try Fixture.check(
            "master_discovery: master_http_loadbalancer\nnum_masters: 3\nexhibitor_address: lb\nexhibitor_storage_backend: zookeeper\nexhibitor_zk_hosts: 10.0.0.5:2181\nexhibitor_zk_path: /dcos",
            removing: ["master_list"],
            stage: .ssh
        )
        let errors = outcome.errors.filter { $0.key == "master_list" }
        #expect(errors.count == 1, "\(outcome.summary)")
        #expect(errors.first?.message.contains("required by the SSH actions") == true)
    }

    @Test("a missing SSH key is a warning at the SSH stage")
    func missingKey() throws {
        let outcome = try Fixture.check("ssh_key_path: genconf/missing_key", stage: .ssh)
        #expect(outcome.errors.isEmpty)
        let warning = try #require(outcome.warnings.first { $0.key == "ssh_key_path" })
        #expect(warning.message.contains("does not exist"))
        #expect(warning.location?.line == 1)
    }

    @Test("all three lists overlapping gives one error per pair")
    func threeWayOverlap() throws {
        let outcome = try Fixture.check(
            "agent_list: [10.0.0.2]\npublic_agent_list: [10.0.0.2]",
            stage: .ssh
        )
        let overlaps = outcome.errors.filter { $0.message.contains("cannot share addresses") }
        #expect(overlaps.count == 3, "\(outcome.summary)")
        #expect(overlaps.contains { $0.message.hasPrefix("master_list and agent_list") })
        #expect(overlaps.contains { $0.message.hasPrefix("master_list and public_agent_list") })
        #expect(overlaps.contains { $0.message.hasPrefix("agent_list and public_agent_list") })
    }
}
