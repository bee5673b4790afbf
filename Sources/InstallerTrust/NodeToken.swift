import Crypto

/// Tokens that let a node fetch its role's secrets archive from `--serve`:
/// `dcos1.<role>.<expires>.<mac>`, where `mac` is HMAC-SHA256 (base64url) under `genconf/keys/node-token.key`
/// over the role, the expiry and the configuration id. Stateless: the server needs only the key and the current
/// configuration id, so a new configuration or a new key ends every token at once. `expires` 0 means "as long as
/// this configuration".
public enum NodeToken {
    public static let version = "dcos1"
    /// Longer presented tokens are refused without computing anything.
    static let maxLength = 256

    /// Why a token was refused. The description never contains the token.
    public enum Denial: Error, Sendable, Equatable, CustomStringConvertible {
        case missing
        case malformed
        case otherRole(String)
        case expired(Int64)
        case invalid

        public var description: String {
            switch self {
            case .missing: "no token"
            case .malformed: "malformed token"
            case .otherRole(let role): "token for another role (\(role))"
            case .expired(let time): "token expired at \(time)"
            case .invalid: "token not valid for this configuration and key"
            }
        }
    }

    static func mint(role: String, configID: String, expires: Int64, key: SymmetricKey) -> String {
        "\(version).\(role).\(expires).\(mac(role: role, configID: configID, expires: expires, key: key))"
    }

    static func verify(
        _ token: String?,
        role: String,
        configID: String,
        now: Int64,
        key: SymmetricKey
    ) -> Result<Void, Denial> {
        guard let token, !token.isEmpty else { return .failure(.missing) }
        guard token.utf8.count <= maxLength else { return .failure(.malformed) }
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == version, let expires = Int64(parts[2]), expires >= 0 else {
            return .failure(.malformed)
        }
        let tokenRole = String(parts[1])
        guard tokenRole == role else {
            return .failure(
                .otherRole(tokenRole.utf8.count <= 16 && tokenRole.allSatisfy(\.isRoleCharacter) ? tokenRole : "?")
            )
        }
        let expected = mac(role: role, configID: configID, expires: expires, key: key)
        guard constantTimeEqual(Array(parts[3].utf8), Array(expected.utf8)) else { return .failure(.invalid) }
        if expires != 0 && expires < now { return .failure(.expired(expires)) }
        return .success(())
    }

    private static func mac(role: String, configID: String, expires: Int64, key: SymmetricKey) -> String {
        let message = Array("dcos-installer/node-token/v1\n\(configID)\n\(role)\n\(expires)".utf8)
        return Base64.encode(Array(HMAC<SHA256>.authenticationCode(for: message, using: key)), urlSafe: true)
    }

    private static func constantTimeEqual(_ left: [UInt8], _ right: [UInt8]) -> Bool {
        guard left.count == right.count else { return false }
        var difference: UInt8 = 0
        for index in left.indices { difference |= left[index] ^ right[index] }
        return difference == 0
    }
}

extension Character {
    fileprivate var isRoleCharacter: Bool { isLetter || self == "_" }
}
