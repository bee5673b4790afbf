import InstallerSystem

/// A number of things, or a percentage of a total known only at run time (`deploy_max_in_flight: 25%`).
public enum CountOrPercent: Sendable, Hashable, CustomStringConvertible {
    case count(Int)
    /// 0–100.
    case percent(Int)

    /// Parses `7` or `25%`; nil when the text is neither, or the count is under `min`.
    public init?(_ text: String, min: Int = 0) {
        let trimmed = text.trimmingBlanks()
        if trimmed.hasSuffix("%") {
            guard let value = Int(trimmed.dropLast()), (0...100).contains(value) else { return nil }
            self = .percent(value)
        } else {
            guard let value = Int(trimmed), value >= min else { return nil }
            self = .count(value)
        }
    }

    /// The count out of `total`: a percentage rounded up (`roundingUp`) or down, never below `floor`.
    public func resolve(of total: Int, roundingUp: Bool, floor: Int = 0) -> Int {
        switch self {
        case .count(let value): return Swift.max(floor, value)
        case .percent(let value):
            let product = total * value
            let rounded = roundingUp ? (product + 99) / 100 : product / 100
            return Swift.max(floor, rounded)
        }
    }

    public var description: String {
        switch self {
        case .count(let value): String(value)
        case .percent(let value): "\(value)%"
        }
    }
}
