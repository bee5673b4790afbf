#if canImport(Glibc)
    import Glibc
#endif

/// A point in UTC wall-clock time, in nanoseconds since the Unix epoch; printed as RFC 3339.
public struct WallTime: Sendable, Hashable, Comparable {
    public var nanoseconds: Int64

    public init(nanoseconds: Int64) {
        self.nanoseconds = nanoseconds
    }

    public static var now: WallTime {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return WallTime(nanoseconds: Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec))
    }

    public static func < (lhs: WallTime, rhs: WallTime) -> Bool { lhs.nanoseconds < rhs.nanoseconds }

    /// Seconds since the epoch, with a fraction.
    public var seconds: Double { Double(nanoseconds) / 1e9 }

    public func milliseconds(since start: WallTime) -> Int { Int((nanoseconds - start.nanoseconds) / 1_000_000) }

    /// `2024-05-01T12:00:00.123Z`.
    public var rfc3339: String {
        let parts = broken()
        let millis = Int((nanoseconds % 1_000_000_000) / 1_000_000)
        return "\(parts.date)T\(parts.time).\(pad(millis, 3))Z"
    }

    /// `20240501T120000Z`, for sortable names.
    public var compact: String {
        let parts = broken()
        return parts.date.replacing("-", with: "") + "T" + parts.time.replacing(":", with: "") + "Z"
    }

    private func broken() -> (date: String, time: String) {
        var seconds = time_t(nanoseconds / 1_000_000_000)
        var value = tm()
        gmtime_r(&seconds, &value)
        let date = "\(pad(Int(value.tm_year) + 1900, 4))-\(pad(Int(value.tm_mon) + 1, 2))-\(pad(Int(value.tm_mday), 2))"
        let time = "\(pad(Int(value.tm_hour), 2)):\(pad(Int(value.tm_min), 2)):\(pad(Int(value.tm_sec), 2))"
        return (date, time)
    }

    private func pad(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }
}
