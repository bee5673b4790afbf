#if canImport(Glibc)
    import Glibc
#endif

/// A point on the monotonic clock, in nanoseconds. `.distantFuture` means "no deadline".
struct Instant: Comparable, Sendable {
    var nanoseconds: UInt64

    static var now: Instant {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Instant(nanoseconds: UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec))
    }

    static let distantFuture = Instant(nanoseconds: .max)

    static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.nanoseconds < rhs.nanoseconds }

    static func + (lhs: Instant, rhs: Duration) -> Instant {
        guard lhs != .distantFuture else { return lhs }
        let (seconds, attoseconds) = rhs.components
        guard seconds >= 0 else { return lhs }
        let add = UInt64(clamping: seconds).multipliedReportingOverflow(by: 1_000_000_000)
        guard !add.overflow else { return .distantFuture }
        let total = lhs.nanoseconds.addingReportingOverflow(add.partialValue + UInt64(attoseconds / 1_000_000_000))
        return total.overflow ? .distantFuture : Instant(nanoseconds: total.partialValue)
    }

    /// `lhs + rhs` when `rhs` is set, otherwise `.distantFuture`.
    static func + (lhs: Instant, rhs: Duration?) -> Instant {
        guard let rhs else { return .distantFuture }
        return lhs + rhs
    }

    /// Time elapsed since `start`.
    func duration(since start: Instant) -> Duration {
        .nanoseconds(Int64(clamping: nanoseconds &- start.nanoseconds))
    }
}

extension Duration {
    /// The duration in (fractional) seconds.
    var seconds: Double {
        let (s, atto) = components
        return Double(s) + Double(atto) / 1e18
    }
}
