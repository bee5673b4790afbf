import Foundation
import InstallerConfig
import InstallerTestSupport
import Testing

@testable import InstallerWeb

@Suite("Web installer: POST /configure (validated, atomic, comment-preserving) and the page")
struct WebConfigureTests {
    @Test("validate=true writes nothing; an invalid post writes nothing and names each key; a valid one keeps comments")
    func configure() async throws {
        let workspace = try Workspace()
        try await addSSHKey(workspace)
        let original = try String(contentsOfFile: workspace.config, encoding: .utf8)
        try await withWebServer(genconf: workspace.genconf) { anonymous in
            let client = try await anonymous.loggedIn()
            let check = try await client.request(
                "POST",
                "/api/v1/configure?validate=true",
                headers: client.pageHeaders,
                body: #"{"cluster_name": "renamed"}"#
            )
            #expect(check.status == 200, "\(check.body)")
            #expect(check.object["valid"] as? Bool == true)
            #expect(try String(contentsOfFile: workspace.config, encoding: .utf8) == original)
            let badCheck = try await client.request(
                "POST",
                "/api/v1/configure?validate=true",
                headers: client.pageHeaders,
                body: #"{"ssh_port": 0}"#
            )
            #expect(badCheck.status == 200, "a check that finds problems succeeded")
            #expect(badCheck.object["valid"] as? Bool == false)
            #expect(badCheck.object["ssh_port"] is String)

            let invalid = try await client.request(
                "POST",
                "/api/v1/configure",
                headers: client.pageHeaders,
                body: #"{"cluster_name": "renamed", "ssh_port": 70000, "master_list": ["198.18.0.11", "not-an-ip"]}"#
            )
            #expect(invalid.status == 400)
            #expect(invalid.object["ssh_port"] is String)
            #expect(invalid.object["master_list"] is String)
            #expect(invalid.object["cluster_name"] == nil)
            #expect(try String(contentsOfFile: workspace.config, encoding: .utf8) == original)

            let saved = try await client.request(
                "POST",
                "/api/v1/configure",
                headers: client.pageHeaders,
                body: #"{"cluster_name": "renamed", "agent_list": ["198.18.0.21", "198.18.0.22"], "dns_search": null}"#
            )
            #expect(saved.status == 200, "\(saved.body)")
            let text = try String(contentsOfFile: workspace.config, encoding: .utf8)
            #expect(text.hasPrefix("# DC/OS cluster configuration"), "comments kept")
            #expect(text.contains("cluster_name: \"renamed\"\n"))
            #expect(text.contains("agent_list: [\"198.18.0.21\",\"198.18.0.22\"]\n"))
            #expect(!text.contains("dns_search"))
            #expect(!text.contains("  - 198.18.0.21\n"), "the old list's lines replaced")
            #expect(text.contains("master_list:\n  - 198.18.0.11\n"), "other keys as written")
            let read = try await client.request("GET", "/api/v1/configure")
            #expect(read.object["agent_list"] as? [String] == ["198.18.0.21", "198.18.0.22"])
            #expect(try await client.request("GET", "/api/v1/configure/status").status == 200)

            let notObject = try await client.request(
                "POST",
                "/api/v1/configure",
                headers: client.pageHeaders,
                body: "[1]"
            )
            #expect(notObject.status == 400)
            #expect((notObject.object["error"] as? String)?.contains("JSON object") == true)
        }
    }

    @Test("ssh_key and ip_detect_script are saved as files (the key 0600) and never read back; {set: true} keeps them")
    func files() async throws {
        let workspace = try Workspace()
        let key = try await runOffThePool(
            "/usr/bin/ssh-keygen",
            ["-q", "-t", "ed25519", "-N", "", "-f", workspace.root + "/k"]
        )
        #expect(key.status == 0)
        let pem = try String(contentsOfFile: workspace.root + "/k", encoding: .utf8)
        try await withWebServer(genconf: workspace.genconf) { anonymous in
            let client = try await anonymous.loggedIn()
            let body = try String(
                decoding: JSONSerialization.data(withJSONObject: [
                    "ssh_key": pem, "ip_detect_script": "#!/bin/sh\necho 198.18.0.50\n",
                ]),
                as: UTF8.self
            )
            let saved = try await client.request("POST", "/api/v1/configure", headers: client.pageHeaders, body: body)
            #expect(saved.status == 200, "\(saved.body)")
            let keyPath = workspace.genconf + "/ssh_key"
            #expect(try String(contentsOfFile: keyPath, encoding: .utf8) == pem)
            let mode = try FileManager.default.attributesOfItem(atPath: keyPath)[.posixPermissions] as? Int
            #expect(mode == 0o600)
            #expect(
                try String(contentsOfFile: workspace.genconf + "/ip-detect", encoding: .utf8).contains("198.18.0.50")
            )
            let read = try await client.request("GET", "/api/v1/configure")
            #expect((read.object["ssh_key"] as? [String: Bool]) == ["set": true])
            #expect(!read.body.contains("PRIVATE KEY"))
            let kept = try await client.request(
                "POST",
                "/api/v1/configure",
                headers: client.pageHeaders,
                body: #"{"ssh_key": {"set": true}, "cluster_name": "again"}"#
            )
            #expect(kept.status == 200, "\(kept.body)")
            #expect(try String(contentsOfFile: keyPath, encoding: .utf8) == pem)
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: workspace.genconf).filter {
                $0.contains(".web-") || $0.contains(".tmp-")
            }
            #expect(leftovers.isEmpty, "\(leftovers)")
            // An RSA key is refused with the reason, and the saved key stays.
            let rsa = try await runOffThePool(
                "/usr/bin/ssh-keygen",
                ["-q", "-t", "rsa", "-b", "2048", "-N", "", "-f", workspace.root + "/r"]
            )
            #expect(rsa.status == 0)
            let rsaBody = try String(
                decoding: JSONSerialization.data(withJSONObject: [
                    "ssh_key": try String(contentsOfFile: workspace.root + "/r", encoding: .utf8)
                ]),
                as: UTF8.self
            )
            let refused = try await client.request(
                "POST",
                "/api/v1/configure",
                headers: client.pageHeaders,
                body: rsaBody
            )
            #expect(refused.status == 400, "\(refused.body)")
            #expect((refused.object["ssh_key"] as? String)?.contains("RSA") == true, "\(refused.body)")
            #expect(!refused.body.contains(".web-"), "messages name the final file")
            #expect(try String(contentsOfFile: keyPath, encoding: .utf8) == pem)
        }
    }

    @Test("the page and its assets are served with a strict Content-Security-Policy; nothing else is")
    func page() async throws {
        let workspace = try Workspace()
        try await withWebServer(genconf: workspace.genconf) { client in
            let page = try await client.request("GET", "/")
            #expect(page.status == 200)
            #expect(page.headers["content-type"] == "text/html; charset=utf-8")
            #expect(page.headers["content-security-policy"]?.contains("script-src 'self'") == true)
            #expect(page.body.contains("<script type=\"module\" src=\"/assets/app.js\">"))
            #expect(!page.body.contains("src=\"http") && !page.body.contains("href=\"http"), "no external resource")
            #expect(
                try await client.request("GET", "/assets/app.js").headers["content-type"]
                    == "text/javascript; charset=utf-8"
            )
            #expect(try await client.request("GET", "/assets/style.css").status == 200)
            #expect(try await client.request("GET", "/assets/../genconf/config.yaml").status != 200)
            #expect(try await client.request("GET", "/assets/other.js").status == 404)
            #expect(try await client.request("POST", "/", headers: client.pageHeaders).status == 405)
            let script = workspace.root + "/app.mjs"
            try Data(WebPage.script.utf8).write(to: URL(fileURLWithPath: script))
            let node = try await runOffThePool("/usr/bin/env", ["node", "--check", script])
            if node.status != 127 { #expect(node.status == 0, "app.js: \(node.stderr)") }
        }
    }
}

@Suite("ConfigEditor: top-level keys edited, everything else kept")
struct ConfigEditorTests {
    static let text = """
        # head comment
        cluster_name: old   # trailing
        master_list:
          - 10.0.0.1
          # inner comment
          - 10.0.0.2

        # about agents
        agent_list:
        - 10.0.0.3
        resolvers: [8.8.8.8]
        ip_detect_script_note: |
          line one

          line three
        last: 1
        """

    @Test("replace, remove and add keep comments, blank lines and other keys")
    func edits() {
        let edited = ConfigEditor.apply(
            [
                .set("master_list", .array([.string("10.0.0.9")])), .remove("agent_list"),
                .set("dns_search", .string("a b")), .set("ip_detect_script_note", .string("x")),
            ],
            to: Self.text
        )
        #expect(
            edited == """
                # head comment
                cluster_name: old   # trailing
                master_list: ["10.0.0.9"]

                # about agents
                resolvers: [8.8.8.8]
                ip_detect_script_note: "x"
                last: 1
                dns_search: "a b"

                """
        )
    }

    @Test("values that would break a line are written as JSON strings")
    func quoting() {
        let edited = ConfigEditor.apply([.set("cluster_name", .string("a: b # c\nd"))], to: "cluster_name: x\n")
        #expect(edited == "cluster_name: \"a: b # c\\nd\"\n")
        let document = ConfigDocument.parse(text: edited, path: "c.yaml").document
        #expect(document?.entries.first?.value.json == .string("a: b # c\nd"))
    }

    @Test("an empty file gets the keys")
    func empty() {
        #expect(ConfigEditor.apply([.set("a", .int(1)), .remove("b")], to: "") == "a: 1\n")
    }
}

@Suite("Web installer: the advanced view's whole file, and uninstall's confirmation")
struct WebAdvancedTests {
    @Test(
        "GET /configure/yaml masks secrets; POST keeps a masked secret, validates the whole file, writes it atomically"
    )
    func yaml() async throws {
        let workspace = try Workspace()
        try await addSSHKey(workspace)
        let secret = "$6$rounds=656000$HIDDEN-HASH"
        try workspace.appendConfig("superuser_password_hash: '\(secret)'\n")
        try await withWebServer(genconf: workspace.genconf) { anonymous in
            let client = try await anonymous.loggedIn()
            let read = try await client.request("GET", "/api/v1/configure/yaml")
            let text = try #require(read.object["yaml"] as? String)
            #expect(!text.contains("HIDDEN-HASH"))
            #expect(text.contains("superuser_password_hash: \"********\""))
            #expect(text.hasPrefix("# DC/OS cluster configuration"))
            func post(_ yaml: String, validate: Bool = false) async throws -> WebTestResponse {
                let body = String(decoding: try JSONSerialization.data(withJSONObject: ["yaml": yaml]), as: UTF8.self)
                return try await client.request(
                    "POST",
                    "/api/v1/configure/yaml" + (validate ? "?validate=true" : ""),
                    headers: client.pageHeaders,
                    body: body
                )
            }
            let broken = text.replacingOccurrences(of: "ssh_port: 22", with: "ssh_port: 0")
            let check = try await post(broken, validate: true)
            #expect(check.status == 200)
            #expect(check.object["valid"] as? Bool == false)
            let errors = try #require(check.object["errors"] as? [[String: Any]])
            let port = try #require(errors.first { $0["key"] as? String == "ssh_port" })
            let line = try #require(port["line"] as? Int)
            #expect(broken.split(separator: "\n", omittingEmptySubsequences: false)[line - 1].hasPrefix("ssh_port: 0"))
            #expect(try await post(broken).status == 400)
            #expect(!(try String(contentsOfFile: workspace.config, encoding: .utf8)).contains("ssh_port: 0"))

            let renamed = text.replacingOccurrences(of: "cluster_name: example-cluster", with: "cluster_name: edited")
            let saved = try await post(renamed)
            #expect(saved.status == 200, "\(saved.body)")
            let written = try String(contentsOfFile: workspace.config, encoding: .utf8)
            #expect(written.contains("cluster_name: edited"))
            #expect(written.contains("HIDDEN-HASH"), "the masked secret kept its value")
            #expect(!written.contains("********"))
            #expect(try await post("not: [closed").status == 400)
        }
    }

    @Test("POST /action/uninstall needs the cluster's name typed; nothing runs without it")
    func uninstallConfirmation() async throws {
        let workspace = try Workspace()
        try await withWebServer(genconf: workspace.genconf) { anonymous in
            let client = try await anonymous.loggedIn()
            for body in ["{}", #"{"confirm": "wrong"}"#, #"{"confirm": "example"}"#] {
                let refused = try await client.request(
                    "POST",
                    "/api/v1/action/uninstall",
                    headers: client.pageHeaders,
                    body: body
                )
                #expect(refused.status == 400, "\(body)")
                #expect((refused.object["error"] as? String)?.contains("cluster_name") == true)
            }
            #expect(!FileManager.default.fileExists(atPath: workspace.genconf + "/state"))
            let state = try await client.request("GET", "/api/v1/action/uninstall")
            #expect(state.status == 200)
            #expect(state.object.isEmpty)
        }
    }
}
