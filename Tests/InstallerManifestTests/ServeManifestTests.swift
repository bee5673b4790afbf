import Foundation
import InstallerConfig
import InstallerManifest
import InstallerRender
import Testing

@Suite("serve/manifest.json: one type, written and read")
struct ServeManifestTests {
    static let idA = String(repeating: "a", count: 64)
    static let idB = String(repeating: "b", count: 64)
    static let sha = String(repeating: "c", count: 64)

    static func sample() -> ServeManifest {
        ServeManifest(
            clusterName: "prod",
            configID: idA,
            bootstrapURL: "http://198.18.0.1:8080",
            release: .init(name: "dcos", version: "1.11.1"),
            zlibVersion: "1.2.13",
            roles: [
                .master: .init(
                    bundle: "bundles/master--cccc.tar.gz",
                    bundleSHA256: sha,
                    packages: ["packages/p--1.tar.gz"],
                    secrets: .init(path: "secrets/master--0011.tar.gz", sha256: idB, size: 77)
                ),
                .slave: .init(bundle: "bundles/slave--cccc.tar.gz", bundleSHA256: sha, packages: []),
            ],
            files: [
                "bundles/master--cccc.tar.gz": .init(sha256: sha, size: 10),
                "bundles/slave--cccc.tar.gz": .init(sha256: sha, size: 11),
                "packages/p--1.tar.gz": .init(sha256: sha, size: 12),
                "dcos_install.sh": .init(sha256: idB, size: 13),
            ],
            prerequisites: .init(path: "prereqs/apt", distribution: "bookworm", packagesSHA256: sha),
            signingKeyFingerprint: "SHA256:ff",
            previousGenerations: [.init(configID: idB, releaseVersion: "1.11.0")]
        )
    }

    @Test("What genconf writes reads back as the same manifest, and encodes to the same bytes")
    func roundTrip() throws {
        let manifest = Self.sample()
        let parsed = try #require(ServeManifest.parse(manifest.encoded))
        #expect(parsed == manifest)
        #expect(parsed.encoded == manifest.encoded)
        let text = String(decoding: manifest.encoded, as: UTF8.self)
        // dcos_install.sh greps these lines: their form is part of the format.
        #expect(text.contains("\n  \"config_id\": \"\(Self.idA)\",\n"))
        #expect(text.contains("\"\(Self.sha) 10 bundles/master--cccc.tar.gz\""))
        #expect(text.contains("\"\(Self.idB) 77 secrets/master--0011.tar.gz\""))
        #expect(text.contains("\"path\": \"generations/\(Self.idA)\""))
    }

    @Test("sums: every file and secrets archive, sorted by bytes")
    func sums() {
        let sums = Self.sample().sums
        #expect(sums == sums.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
        #expect(sums.count == 5)
    }

    @Test("Generations: this one first, then the kept ones; an id that is not one is dropped")
    func generations() throws {
        var manifest = Self.sample()
        manifest.previousGenerations = [.init(configID: Self.idB, releaseVersion: "1.11.0")]
        guard case .object(var object) = manifest.json else { Issue.record("not an object"); return }
        object["generations"] = .array([
            .object(["config_id": .string(Self.idA), "release": .string("1.11.1")]),
            .object(["config_id": .string("../../etc"), "release": .string("x")]),
            .object(["config_id": .string(Self.idB), "release": .string("1.11.0")]),
        ])
        let parsed = try #require(ServeManifest.parse(Array(JSONValue.object(object).encoded().utf8)))
        #expect(parsed.previousGenerations == [.init(configID: Self.idB, releaseVersion: "1.11.0")])
        #expect(parsed.generation.directory == "generations/\(Self.idA)")
    }

    @Test(
        "Entries genconf never writes are dropped: a digest that is not 64 hex digits, a negative size, a role it does not know"
    )
    func damagedEntries() throws {
        guard case .object(var object) = Self.sample().json else { Issue.record("not an object"); return }
        object["files"] = .object([
            "a": .object(["sha256": .string("zz"), "size": .int(1)]),
            "b": .object(["sha256": .string(Self.sha), "size": .int(-1)]),
            "c": .object(["sha256": .string(Self.sha), "size": .int(3)]),
        ])
        var roles = object["roles"]?.objectValue ?? [:]
        roles["overlord"] = .object(["bundle": .string("bundles/x")])
        object["roles"] = .object(roles)
        let parsed = try #require(ServeManifest.parse(Array(JSONValue.object(object).encoded().utf8)))
        #expect(parsed.files == ["c": .init(sha256: Self.sha, size: 3)])
        #expect(Set(parsed.roles.keys) == [.master, .slave])
    }

    @Test("Not a manifest of this format: nil")
    func notAManifest() {
        #expect(ServeManifest.parse(Array("{}".utf8)) == nil)
        #expect(ServeManifest.parse(Array("[1]".utf8)) == nil)
        guard case .object(var object) = Self.sample().json else { return }
        object["format"] = .int(2)
        #expect(ServeManifest.parse(Array(JSONValue.object(object).encoded().utf8)) == nil)
    }

    @Test("manifest.json over 16 MiB, or nested as a bomb, is refused with what to do, quickly")
    func limits() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ServeManifest-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("manifest.json")
        try Data(repeating: UInt8(ascii: " "), count: ServeManifest.maximumBytes + 1).write(to: path)
        guard case .failure(let big) = ServeManifest.load(directory: directory.path) else {
            Issue.record("an oversized manifest loaded")
            return
        }
        #expect(big.message.contains("is larger than 16 MiB"), "\(big)")
        try Data((String(repeating: "[", count: 100_000)).utf8).write(to: path)
        guard case .failure(let deep) = ServeManifest.load(directory: directory.path) else {
            Issue.record("a nesting bomb loaded")
            return
        }
        #expect(deep.message.contains("is not a manifest written by --genconf"), "\(deep)")
        guard case .failure(let missing) = ServeManifest.load(directory: directory.path + "/nothing") else { return }
        #expect(missing.message.contains("run dcos_generate_config --genconf first"))
    }

    @Test("The secrets directory is genconf/secrets beside serve/")
    func secretsDirectory() {
        #expect(
            ServeDirectory(path: "/g/genconf/serve", manifest: Self.sample()).secretsDirectory == "/g/genconf/secrets"
        )
        #expect(ServeDirectory(path: "serve", manifest: Self.sample()).secretsDirectory == "./secrets")
    }
}
