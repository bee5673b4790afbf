import Foundation
import Testing

@testable import InstallerGenconf

@Suite("prereqs_offline repository index")
struct OfflinePrerequisitesTests {
    static func deb(_ name: String) -> OfflinePrerequisites.Deb {
        OfflinePrerequisites.Deb(
            name: name,
            fileName: "\(name)_1.0_all.deb",
            sourcePath: "/cache/\(name)_1.0_all.deb",
            sha256: String(repeating: "0", count: 64),
            size: 10,
            stanza: "Package: \(name)\nVersion: 1.0\nArchitecture: all\nFilename: ./\(name)_1.0_all.deb"
        )
    }

    @Test("Packages holds one stanza per package, separated by blank lines, as apt parses it")
    func stanzasAreSeparated() throws {
        let repository = OfflinePrerequisites(
            debs: [Self.deb("alpha"), Self.deb("beta")],
            distribution: "debian bookworm"
        )
        let text = String(decoding: repository.packagesIndex, as: UTF8.self)
        let stanzas = text.components(separatedBy: "\n\n").filter { !$0.isEmpty }
        #expect(stanzas.count == 2)
        #expect(stanzas.map { $0.split(separator: "\n").first } == ["Package: alpha", "Package: beta"])
        #expect(text.hasSuffix("./beta_1.0_all.deb\n\n"))
    }
}
