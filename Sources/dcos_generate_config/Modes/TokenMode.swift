import FoundationEssentials
import InstallerActions
import InstallerConfig
import InstallerGenconf
import InstallerManifest
import InstallerRender
import InstallerTrust
import Logging

/// `--issue-node-token ROLE [--token-ttl DURATION]`: a short-lived token with which `dcos_install.sh --token` fetches
/// the role's secrets archive from `--serve`. Bound to the configuration in genconf/serve/manifest.json and to
/// genconf/keys/node-token.key; rotating that key revokes every token.
enum TokenMode {
    /// Longest lifetime accepted: tokens are for one install session, not for keeping.
    static let maximumSeconds: Int64 = 7 * 24 * 3600

    static func run(_ context: CommandContext, role name: String, ttl: String) -> Int32 {
        guard let role = Role(name: name) else {
            context.logger.error("Unknown role '\(name)'. Use master, slave or slave_public.")
            return 2
        }
        guard let seconds = parseDuration(ttl), seconds > 0, seconds <= maximumSeconds else {
            context.logger.error(
                "--token-ttl '\(ttl)' is not a lifetime between 1s and 7d. Write a number and a unit: 900s, 30m, 1h, 2d."
            )
            return 2
        }
        let options = context.options
        let manifest: ServeManifest
        switch ServeManifest.load(directory: options.serveDirectory) {
        case .success(let loaded): manifest = loaded
        case .failure(let error):
            context.logger.error("\(error)")
            return 1
        }
        guard manifest.roles[role]?.secrets != nil else {
            context.logger.error(
                "The \(role.rawValue) role has no secrets in this configuration (\(manifest.configID.prefix(12))): its nodes install without a token."
            )
            return 1
        }
        let keys: GenconfKeys
        do {
            keys = try GenconfKeys.load(genconfDirectory: options.genconfDirectory)
        } catch {
            context.logger.error("\(error)")
            return 1
        }
        let expires = Int64(Date().timeIntervalSince1970) + seconds
        let token = keys.mintToken(role: role.rawValue, configID: manifest.configID, expires: expires)
        let expiry = Date(timeIntervalSince1970: TimeInterval(expires)).formatted(.iso8601)
        if context.json {
            printResult(
                JSONValue.object([
                    "role": .string(role.rawValue), "token": .string(token), "expires": .string(expiry),
                    "config_id": .string(manifest.configID),
                ]).encoded(pretty: true)
            )
        } else {
            printResult(token)
            context.logger.info(
                "Token for \(role.rawValue) until \(expiry) (configuration \(manifest.configID.prefix(12))). On the node: dcos_install.sh --token-file=FILE \(role.rawValue), or DCOS_INSTALL_TOKEN=… dcos_install.sh \(role.rawValue)."
            )
        }
        return 0
    }

    /// `900`, `900s`, `30m`, `1h`, `2d`.
    static func parseDuration(_ text: String) -> Int64? {
        let digits = text.prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty, digits.count <= 9, let value = Int64(digits) else { return nil }
        switch text.dropFirst(digits.count) {
        case "", "s": return value
        case "m": return value * 60
        case "h": return value * 3600
        case "d": return value * 86400
        default: return nil
        }
    }
}
