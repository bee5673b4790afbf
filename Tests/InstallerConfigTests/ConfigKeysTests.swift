import Testing

@testable import InstallerConfig

/// A declared key with its value type erased, so the catalogue can be walked.
private protocol DeclaredKey: Sendable {
    var name: String { get }
    func isHeld(by kind: ValueKind) -> Bool
    func reads(_ value: ConfigValue) -> Bool
}

extension ConfigKey: DeclaredKey {
    func isHeld(by kind: ValueKind) -> Bool { Value.isHeld(by: kind) }
    func reads(_ value: ConfigValue) -> Bool { Value(configValue: value) != nil }
}

@Suite("Typed config keys (ConfigKeys against ConfigSchema)")
struct ConfigKeysTests {
    /// Every stored property of `ConfigKeys` that is a key: its Swift name and the key.
    private static var declared: [(property: String, key: any DeclaredKey)] {
        Mirror(reflecting: ConfigKeys.catalogue).children.compactMap { child in
            (child.value as? any DeclaredKey).map { (child.label ?? "?", $0) }
        }
    }

    @Test("every property of ConfigKeys is a key, each named once")
    func catalogue() {
        let mirror = Mirror(reflecting: ConfigKeys.catalogue)
        #expect(mirror.children.count >= 60)
        for child in mirror.children {
            #expect(child.value is any DeclaredKey, "ConfigKeys.\(child.label ?? "?") is not a ConfigKey")
        }
        let names = Self.declared.map(\.key.name)
        #expect(names.count == mirror.children.count)
        #expect(Set(names).count == names.count, "a key is declared twice")
    }

    @Test("every declared key is a schema key whose kind holds the declared type")
    func matchesSchema() {
        for (property, key) in Self.declared {
            guard let spec = ConfigSchema.byName[key.name] else {
                Issue.record("ConfigKeys.\(property): '\(key.name)' is not in ConfigSchema.keys")
                continue
            }
            #expect(key.isHeld(by: spec.kind), "ConfigKeys.\(property): the type does not match \(spec.kind)")
            if let value = spec.defaultValue {
                #expect(key.reads(value), "ConfigKeys.\(property): the default \(value) does not read as the type")
            }
        }
    }

    @Test("every property is named after its key in camel case")
    func naming() {
        for (property, key) in Self.declared {
            #expect(
                property.lowercased().filter { $0 != "_" } == key.name.filter { $0 != "_" },
                "ConfigKeys.\(property) is not named after '\(key.name)'"
            )
        }
    }

    @Test("a key read where the configuration has no value reads as the type's absent value")
    func absentValues() throws {
        // The genconf stage has no SSH-stage keys; check_config is optional without a default.
        let config = try #require(try Fixture.check("", stage: .genconf).config)
        #expect(config["ssh_port"] == nil)
        #expect(config.sshPort == 0)
        #expect(config.sshUser == "")
        #expect(config.sshUseAgent == false)
        #expect(config.agentList == [])
        #expect(config.sshHostOverrides == .null)
        #expect(config.deployMaxInFlight == nil)
        #expect(config.checkConfig == nil)
    }

    @Test("typed reads return the validated values")
    func typedReads() throws {
        let config = try #require(
            try Fixture.check("ssh_port: 2222\ncheck_config: {cluster_checks: {}}", stage: .ssh).config
        )
        #expect(config.sshPort == 2222)
        #expect(config.clusterName == "test-cluster")
        #expect(config.masterList == ["10.0.0.2"])
        #expect(config.checkConfig == .object(["cluster_checks": .object([:])]))
        #expect(config.deployMaxInFlight == .percent(25))
    }
}
