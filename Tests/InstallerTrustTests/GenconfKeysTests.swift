import Foundation
import InstallerTestSupport
import Testing

@testable import InstallerTrust

@Suite("Genconf keys, signatures and node tokens")
struct GenconfKeysTests {
    @Test("keys are created once, 0600 in a 0700 directory, and loaded unchanged")
    func createdOnce() throws {
        let workspace = try Workspace(example: false)
        let (first, created) = try GenconfKeys.loadOrCreate(genconfDirectory: workspace.genconf)
        #expect(created == [GenconfKeys.signingKeyName, GenconfKeys.tokenKeyName, GenconfKeys.saltKeyName])
        let (second, createdAgain) = try GenconfKeys.loadOrCreate(genconfDirectory: workspace.genconf)
        #expect(createdAgain.isEmpty)
        #expect(first.publicKeyPEM == second.publicKeyPEM)
        #expect(first.secretDigest("x", [1]) == second.secretDigest("x", [1]))
        let directory = workspace.genconf + "/keys"
        #expect(try mode(directory) == 0o700)
        for name in [GenconfKeys.signingKeyName, GenconfKeys.tokenKeyName, GenconfKeys.saltKeyName] {
            #expect(try mode(directory + "/" + name) == 0o600, "\(name)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).count == 3)
    }

    @Test("openssl verifies the signature with the PEM public key and reads the private key")
    func opensslInterop() throws {
        let workspace = try Workspace(example: false)
        let keys = try GenconfKeys.loadOrCreate(genconfDirectory: workspace.genconf).keys
        let message = Array("{\"config_id\": \"abc\"}\n".utf8)
        let paths = (workspace.root + "/m.json", workspace.root + "/m.sig", workspace.root + "/k.pub")
        try Data(message).write(to: URL(fileURLWithPath: paths.0))
        try Data(keys.sign(message)).write(to: URL(fileURLWithPath: paths.1))
        try Data(keys.publicKeyPEM.utf8).write(to: URL(fileURLWithPath: paths.2))
        let verify = ["pkeyutl", "-verify", "-pubin", "-inkey", paths.2, "-rawin", "-in", paths.0, "-sigfile", paths.1]
        let good = try runProcess("/usr/bin/openssl", verify)
        #expect(good.status == 0, "\(good.combined)")
        // The same public key, derived by openssl from our private key file.
        let derived = try runProcess(
            "/usr/bin/openssl",
            ["pkey", "-in", workspace.genconf + "/keys/" + GenconfKeys.signingKeyName, "-pubout"]
        )
        #expect(derived.stdout == keys.publicKeyPEM)
        // One flipped byte of the message: refused.
        try Data(message.dropLast() + [UInt8(ascii: " ")]).write(to: URL(fileURLWithPath: paths.0))
        #expect(try runProcess("/usr/bin/openssl", verify).status != 0)
        #expect(keys.sign(message) == keys.sign(message), "ed25519 signatures are deterministic")
        #expect(keys.verify(signature: keys.sign(message), of: message))
    }

    @Test("a key readable by others is refused with the chmod that fixes it")
    func permissions() throws {
        let workspace = try Workspace(example: false)
        _ = try GenconfKeys.loadOrCreate(genconfDirectory: workspace.genconf)
        let path = workspace.genconf + "/keys/" + GenconfKeys.tokenKeyName
        chmod(path, 0o644)
        #expect {
            try GenconfKeys.load(genconfDirectory: workspace.genconf)
        } throws: {
            "\($0)".contains("run `chmod 600 \(path)`") && "\($0)".contains("mode 0644")
        }
        chmod(path, 0o600)
        chmod(workspace.genconf + "/keys", 0o755)
        #expect(throws: TrustError.self) { try GenconfKeys.load(genconfDirectory: workspace.genconf) }
    }

    @Test("a missing key says to run --genconf; a damaged one says how to replace it")
    func missingAndDamaged() throws {
        let workspace = try Workspace(example: false)
        #expect { try GenconfKeys.load(genconfDirectory: workspace.genconf) } throws: {
            "\($0)".contains("--genconf")
        }
        _ = try GenconfKeys.loadOrCreate(genconfDirectory: workspace.genconf)
        let path = workspace.genconf + "/keys/" + GenconfKeys.signingKeyName
        try Data("garbage".utf8).write(to: URL(fileURLWithPath: path))
        chmod(path, 0o600)
        #expect { try GenconfKeys.load(genconfDirectory: workspace.genconf) } throws: {
            "\($0)".contains("not an ed25519 private key")
        }
    }

    @Test("tokens: the right role and configuration pass; every other case is refused with its reason")
    func tokens() throws {
        let workspace = try Workspace(example: false)
        let keys = try GenconfKeys.loadOrCreate(genconfDirectory: workspace.genconf).keys
        let forever = keys.mintToken(role: "master", configID: "c1", expires: 0)
        let shortLived = keys.mintToken(role: "slave", configID: "c1", expires: 1_000)
        #expect(forever.hasPrefix("dcos1.master.0."))
        #expect(denial(keys.verifyToken(forever, role: "master", configID: "c1", now: 5_000)) == nil)
        #expect(denial(keys.verifyToken(shortLived, role: "slave", configID: "c1", now: 999)) == nil)
        #expect(denial(keys.verifyToken(shortLived, role: "slave", configID: "c1", now: 1_001)) == .expired(1_000))
        #expect(denial(keys.verifyToken(forever, role: "slave", configID: "c1", now: 0)) == .otherRole("master"))
        #expect(denial(keys.verifyToken(forever, role: "master", configID: "c2", now: 0)) == .invalid)
        #expect(denial(keys.verifyToken(nil, role: "master", configID: "c1", now: 0)) == .missing)
        #expect(denial(keys.verifyToken("nonsense", role: "master", configID: "c1", now: 0)) == .malformed)
        let extended = shortLived.replacingOccurrences(of: ".1000.", with: ".9999999999.")
        #expect(denial(keys.verifyToken(extended, role: "slave", configID: "c1", now: 2_000)) == .invalid)
        let other = try Workspace(example: false)
        let otherKeys = try GenconfKeys.loadOrCreate(genconfDirectory: other.genconf).keys
        #expect(denial(otherKeys.verifyToken(forever, role: "master", configID: "c1", now: 0)) == .invalid)
        for denial in [NodeToken.Denial.invalid, .malformed, .missing, .expired(1), .otherRole("x")] {
            #expect(!denial.description.contains(forever))
        }
    }

    @Test("base64 round trip and the URL-safe alphabet")
    func base64() {
        for count in 0..<40 {
            let bytes = (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 250) }
            #expect(Base64.decode(Base64.encode(bytes)) == bytes)
            #expect(Base64.encode(bytes) == Data(bytes).base64EncodedString())
            #expect(!Base64.encode(bytes, urlSafe: true).contains { "+/=".contains($0) })
        }
    }

    private func denial(_ result: Result<Void, NodeToken.Denial>) -> NodeToken.Denial? {
        if case .failure(let denial) = result { return denial }
        return nil
    }

    private func mode(_ path: String) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return (attributes[.posixPermissions] as? Int) ?? -1
    }
}
