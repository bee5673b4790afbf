import Testing

@testable import InstallerConfig

@Suite("Deploy keys (order, batches, tolerance, postflight)")
struct DeployKeysTests {
    static let rejects: [Reject] = [
        Reject("deploy_max_in_flight: 0", "deploy_max_in_flight", "at least 1 or a percentage", line: 1, stage: .ssh),
        Reject("deploy_max_in_flight: many", "deploy_max_in_flight", "but is 'many'", line: 1, stage: .ssh),
        Reject("deploy_max_in_flight: 120%", "deploy_max_in_flight", "but is '120%'", line: 1, stage: .ssh),
        Reject("deploy_max_failed_agents: -1", "deploy_max_failed_agents", "at least 0", line: 1, stage: .ssh),
        Reject("deploy_max_failed_agents: 5.5%", "deploy_max_failed_agents", "'5.5%'", line: 1, stage: .ssh),
        Reject(
            "deploy_masters_serial: sometimes",
            "deploy_masters_serial",
            "Must be true or false",
            line: 1,
            stage: .ssh
        ),
        Reject("deploy_canary: -1", "deploy_canary", "Must be at least 0", line: 1, stage: .ssh),
        Reject("postflight_timeout: 0", "postflight_timeout", "Must be between 1 and 86400", line: 1, stage: .ssh),
        Reject("postflight_timeout: 15min", "postflight_timeout", "Must be an integer", line: 1, stage: .ssh),
    ]

    @Test("bad deploy settings are rejected with the key and line", arguments: rejects)
    func reject(_ row: Reject) throws {
        try Fixture.expectRejected(row)
    }

    @Test(
        "good deploy settings are accepted",
        arguments: [
            "deploy_max_in_flight: 1", "deploy_max_in_flight: 100%", "deploy_max_in_flight: '10%'",
            "deploy_max_failed_agents: 0", "deploy_max_failed_agents: 3", "deploy_max_failed_agents: 0%",
            "deploy_masters_serial: true\ndeploy_canary: 0\npostflight_timeout: 60",
        ]
    )
    func accept(_ yaml: String) throws {
        let outcome = try Fixture.expectAccepted(Accept(yaml, stage: .ssh))
        #expect(outcome.warnings.isEmpty, "\(outcome.summary)")
    }

    @Test("defaults")
    func defaults() throws {
        let config = try #require(try Fixture.check("", stage: .ssh).config)
        #expect(config.deployMastersSerial == false)
        #expect(config.deployCanary == 1)
        #expect(config.deployMaxInFlight == .percent(25))
        #expect(config.deployMaxFailedAgents == .count(0))
        #expect(config.postflightTimeout == 900)
        #expect(config.prereqsOffline == false)
    }

    @Test("prereqs_offline: true is accepted by --genconf and by the SSH actions, without warnings")
    func offlineAccepted() throws {
        for stage in [ConfigStage.genconf, .ssh] {
            let outcome = try Fixture.check("prereqs_offline: true", stage: stage)
            #expect(outcome.errors.isEmpty)
            #expect(!outcome.warnings.contains { $0.key == "prereqs_offline" })
        }
    }

    @Test("percentages resolve against the agent count")
    func resolve() {
        #expect(CountOrPercent.percent(25).resolve(of: 10, roundingUp: true, floor: 1) == 3)
        #expect(CountOrPercent.percent(25).resolve(of: 1, roundingUp: true, floor: 1) == 1)
        #expect(CountOrPercent.percent(10).resolve(of: 25, roundingUp: false) == 2)
        #expect(CountOrPercent.percent(0).resolve(of: 25, roundingUp: true, floor: 1) == 1)
        #expect(CountOrPercent.count(4).resolve(of: 2, roundingUp: true) == 4)
        #expect(CountOrPercent("7") == .count(7))
        #expect(CountOrPercent("0", min: 1) == nil)
        #expect(CountOrPercent(" 50% ") == .percent(50))
    }
}
