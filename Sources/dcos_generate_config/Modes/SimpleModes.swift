import InstallerConfig
import InstallerSystem

/// `--hash-password [PASSWORD]`: SHA-512 crypt on stdout; prompts without echo when no value is given.
enum HashPasswordMode {
    /// Printed on stderr when the password is an argument.
    static let argumentWarning =
        "warning: A password on the command line is visible to every user of this machine in `ps` and is kept in your shell history. Run `dcos_generate_config --hash-password` with no value to be prompted for it without echo, or pipe it in: printf '%s\\n' \"$PW\" | dcos_generate_config --hash-password\n"

    static func run(password: String?, json: Bool) -> Int32 {
        var secret = password
        if secret != nil {
            Terminal.writeError(argumentWarning)
        } else {
            secret = Terminal.readSecret(prompt: "Password: ")
        }
        guard let secret, !secret.isEmpty else {
            Terminal.writeError("error: Must provide a non-empty password (as an argument, or typed at the prompt).\n")
            return 1
        }
        do {
            let hash = try PasswordHash.sha512Crypt(secret)
            printResult(json ? JSONValue.object(["hash": .string(hash)]).encoded() : hash)
            return 0
        } catch {
            Terminal.writeError("error: \(error)\n")
            return 1
        }
    }
}

/// `--version`: DC/OS's JSON (`{"variant": "", "version": "1.11.13"}`) with the installer's own version and
/// commit added; `-V`: the same on one line.
enum VersionMode {
    static func run(text: Bool) -> Int32 {
        let commit = InstallerVersion.commit
        if text {
            printResult(InstallerVersion.line)
        } else {
            printResult(
                JSONValue.object([
                    "version": .string(InstallerVersion.version), "variant": .string(InstallerVersion.variant),
                    "installer_version": .string(InstallerVersion.installer),
                    "installer_commit": commit.map(JSONValue.string) ?? .null,
                ]).encoded(pretty: true)
            )
        }
        return 0
    }
}

/// `--list-keys`: the schema as a Markdown table (README's key reference) or JSON.
enum ListKeysMode {
    static func run(json: Bool) -> Int32 {
        let keys = ConfigSchema.keys
        if json {
            printResult(
                JSONValue.array(
                    keys.map { spec in
                        .object([
                            "key": .string(spec.name),
                            "type": .string(spec.kind.documentation),
                            "default": spec.defaultValue.map { spec.isSecret ? .string("") : .string($0.text) }
                                ?? .null,
                            "required": .bool(spec.isRequired),
                            "applies_when": spec.appliesWhen.map { .string($0.description) } ?? .null,
                            "stage": .string(spec.stage.rawValue),
                            "secret": .bool(spec.isSecret),
                            "section": .string(spec.section),
                            "description": .string(spec.help),
                        ])
                    }
                ).encoded(pretty: true)
            )
            return 0
        }
        var lines = ["| key | type | default | description |", "| --- | --- | --- | --- |"]
        for spec in keys {
            var defaultText: String
            if let value = spec.defaultValue {
                let text = value.text
                defaultText = text.isEmpty ? "''" : text.count > 40 ? "(see below)" : "`\(text)`"
            } else {
                defaultText = spec.isOptional ? "(built in)" : "**required**"
            }
            if let condition = spec.appliesWhen { defaultText += " (when \(condition))" }
            var description = spec.help
            if spec.stage == .ssh { description += " *SSH stage.*" }
            if spec.isSecret { description += " *Secret: never logged.*" }
            lines.append("| `\(spec.name)` | \(spec.kind.documentation) | \(defaultText) | \(description) |")
        }
        printResult(lines.joined(separator: "\n"))
        return 0
    }
}
