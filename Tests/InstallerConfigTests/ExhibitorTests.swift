import Foundation
import Testing

@testable import InstallerConfig

@Suite("Exhibitor storage backends")
struct ExhibitorTests {
    static let zk = "exhibitor_storage_backend: zookeeper"
    static let s3 = "exhibitor_storage_backend: aws_s3"
    static let azure = "exhibitor_storage_backend: azure"

    static let rejects: [Reject] = [
        Reject(
            "exhibitor_storage_backend: etcd",
            "exhibitor_storage_backend",
            "Must be one of 'static', 'zookeeper', 'aws_s3', 'azure', 'shared_filesystem', 'agent_only_group_no_exhibitor'",
            line: 1
        ),
        Reject(
            "exhibitor_storage_backend: zookeper",
            "exhibitor_storage_backend",
            "Did you mean 'zookeeper'?",
            line: 1
        ),
        Reject(
            "\(zk)\nexhibitor_zk_path: /dcos",
            "exhibitor_zk_hosts",
            "exhibitor_zk_hosts is required because exhibitor_storage_backend is zookeeper",
            line: nil
        ),
        Reject(
            "\(zk)\nexhibitor_zk_hosts: 10.0.0.5:2181",
            "exhibitor_zk_path",
            "exhibitor_zk_path is required",
            line: nil
        ),
        Reject(
            "\(zk)\nexhibitor_zk_hosts: zk://10.0.0.5:2181\nexhibitor_zk_path: /dcos",
            "exhibitor_zk_hosts",
            "without the zk:// prefix: write '10.0.0.5:2181'",
            line: 2
        ),
        Reject(
            "\(zk)\nexhibitor_zk_hosts: 10.0.0.5\nexhibitor_zk_path: /dcos",
            "exhibitor_zk_hosts",
            "'10.0.0.5' is not host:port",
            line: 2
        ),
        Reject(
            "\(zk)\nexhibitor_zk_hosts: 10.0.0.5:2181,\nexhibitor_zk_path: /dcos",
            "exhibitor_zk_hosts",
            "is not host:port",
            line: 2
        ),
        Reject(
            "\(zk)\nexhibitor_zk_hosts: 10.0.0.5:0\nexhibitor_zk_path: /dcos",
            "exhibitor_zk_hosts",
            "is not host:port",
            line: 2
        ),
        Reject(
            "\(zk)\nexhibitor_zk_hosts: 10.0.0.5:2181;10.0.0.6:2181\nexhibitor_zk_path: /dcos",
            "exhibitor_zk_hosts",
            "is not host:port",
            line: 2
        ),
        Reject(
            "\(zk)\nexhibitor_zk_hosts: 10.0.0.5:2181\nexhibitor_zk_path: dcos",
            "exhibitor_zk_path",
            "Must be of the form /path/to/znode",
            line: 3
        ),
        Reject(
            "\(s3)\ns3_bucket: b\ns3_prefix: p\nexhibitor_explicit_keys: false",
            "aws_region",
            "aws_region is required",
            line: nil
        ),
        Reject(
            "\(s3)\naws_region: us-west-2\ns3_prefix: p\nexhibitor_explicit_keys: false",
            "s3_bucket",
            "s3_bucket is required",
            line: nil
        ),
        Reject(
            "\(s3)\naws_region: us-west-2\ns3_bucket: b\nexhibitor_explicit_keys: false",
            "s3_prefix",
            "s3_prefix is required",
            line: nil
        ),
        Reject(
            "\(s3)\naws_region: us-west-2\ns3_bucket: b\ns3_prefix: p",
            "exhibitor_explicit_keys",
            "exhibitor_explicit_keys is required",
            line: nil
        ),
        Reject(
            "\(s3)\naws_region: us-west-2\ns3_bucket: b\ns3_prefix: dcos/\nexhibitor_explicit_keys: false",
            "s3_prefix",
            "does not end in a '/': write 'dcos'",
            line: 4
        ),
        Reject(
            "\(s3)\naws_region: us-west-2\ns3_bucket: b\ns3_prefix: p\nexhibitor_explicit_keys: maybe",
            "exhibitor_explicit_keys",
            "Must be true or false",
            line: 5
        ),
        Reject(
            "\(s3)\naws_region: ''\ns3_bucket: b\ns3_prefix: p\nexhibitor_explicit_keys: false",
            "aws_region",
            "Must not be empty",
            line: 2
        ),
        Reject(
            "\(s3)\naws_region: us-west-2\ns3_bucket: b\ns3_prefix: p\nexhibitor_explicit_keys: true",
            "aws_access_key_id",
            "aws_access_key_id is required because exhibitor_explicit_keys is true",
            line: nil
        ),
        Reject(
            "\(azure)\nexhibitor_azure_prefix: p",
            "exhibitor_azure_account_name",
            "exhibitor_azure_account_name is required",
            line: nil
        ),
        Reject(
            "\(azure)\nexhibitor_azure_account_name: acct",
            "exhibitor_azure_prefix",
            "exhibitor_azure_prefix is required",
            line: nil
        ),
        Reject(
            "exhibitor_storage_backend: shared_filesystem",
            "exhibitor_fs_config_dir",
            "exhibitor_fs_config_dir is required",
            line: nil
        ),
        Reject(
            "exhibitor_storage_backend: shared_filesystem\nexhibitor_fs_config_dir: mnt/exhibitor",
            "exhibitor_fs_config_dir",
            "Must be an absolute filesystem path starting with /",
            line: 2
        ),
    ]

    @Test("backend-specific keys are required and checked", arguments: rejects)
    func reject(_ row: Reject) throws {
        try Fixture.expectRejected(row)
    }

    static let accepts: [Accept] = [
        Accept("\(zk)\nexhibitor_zk_hosts: 10.0.0.5:2181\nexhibitor_zk_path: /dcos"),
        Accept(
            "\(zk)\nexhibitor_zk_hosts: 10.0.0.5:2181,zk-2.example.com:2181, 10.0.0.7:2181\nexhibitor_zk_path: /a/b"
        ),
        Accept("\(s3)\naws_region: us-west-2\ns3_bucket: b\ns3_prefix: dcos\nexhibitor_explicit_keys: false"),
        Accept(
            "\(s3)\naws_region: us-west-2\ns3_bucket: b\ns3_prefix: dcos\nexhibitor_explicit_keys: true\naws_access_key_id: AKIA\naws_secret_access_key: s3cr3t"
        ),
        Accept(
            "\(s3)\naws_region: us-west-2\ns3_bucket: b\ns3_prefix: dcos\nexhibitor_explicit_keys: true\naws_access_key_id: AKIA"
        ),
        Accept("\(azure)\nexhibitor_azure_account_name: acct\nexhibitor_azure_prefix: dcos"),
        Accept(
            "\(azure)\nexhibitor_azure_account_name: acct\nexhibitor_azure_prefix: dcos\nexhibitor_azure_account_key: k3y"
        ),
        Accept("exhibitor_storage_backend: shared_filesystem\nexhibitor_fs_config_dir: /mnt/exhibitor"),
        Accept("exhibitor_storage_backend: agent_only_group_no_exhibitor"),
        Accept("exhibitor_admin_password: hunter2"),
    ]

    @Test("every backend with its keys is accepted", arguments: accepts)
    func accept(_ row: Accept) throws {
        _ = try Fixture.expectAccepted(row)
    }

    @Test(
        "backend keys written for another backend are ignored with a warning",
        arguments: [
            "exhibitor_zk_hosts: 10.0.0.5:2181", "s3_bucket: b", "exhibitor_azure_account_key: secret",
            "exhibitor_fs_config_dir: /mnt",
        ]
    )
    func ignored(_ yaml: String) throws {
        let outcome = try Fixture.check(yaml)
        #expect(outcome.errors.isEmpty, "\(outcome.summary)")
        let key = try #require(Fixture.topLevelKeys(yaml).first)
        #expect(
            outcome.warnings.contains { $0.key == key && $0.message.contains("exhibitor_storage_backend is 'static'") }
        )
    }

    @Test("aws_secret_access_key defaults to empty with explicit keys")
    func secretDefault() throws {
        let outcome = try Fixture.check(
            "\(Self.s3)\naws_region: us-west-2\ns3_bucket: b\ns3_prefix: dcos\nexhibitor_explicit_keys: true\naws_access_key_id: AKIA"
        )
        let config = try #require(outcome.config)
        #expect(config["aws_secret_access_key"] == .string(""))
        #expect(config.exhibitorExplicitKeys)
    }
}
