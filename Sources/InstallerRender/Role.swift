/// A node role, named as in DC/OS (`/etc/mesosphere/roles/<role>`).
public enum Role: String, Sendable, Hashable, CaseIterable, Comparable, Codable, CustomStringConvertible {
    case master
    case slave
    case slave_public

    public var description: String { rawValue }

    public static func < (lhs: Role, rhs: Role) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }

    /// Parses `master`, `slave`, `slave_public`, or the friendlier `agent`/`public_agent`.
    public init?(name: String) {
        switch name {
        case "master": self = .master
        case "slave", "agent": self = .slave
        case "slave_public", "public_agent": self = .slave_public
        default: return nil
        }
    }
}
