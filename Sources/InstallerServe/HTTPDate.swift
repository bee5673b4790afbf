import Synchronization

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`) formatting and parsing, for `Date`, `Last-Modified` and
/// `If-Modified-Since`.
enum HTTPDate {
    private static let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    private static let cache = Mutex<(second: Int, text: String)>((-1, ""))

    /// The current time, formatted; the string is cached for the current second.
    static func now() -> String {
        let second = time(nil)
        return Self.cache.withLock { cached in
            if cached.second != second {
                cached = (second, Self.format(Int64(second)))
            }
            return cached.text
        }
    }

    static func format(_ seconds: Int64) -> String {
        var t = time_t(seconds)
        var parts = tm()
        gmtime_r(&t, &parts)
        return "\(Self.weekdays[Int(parts.tm_wday)]), \(Self.pad(parts.tm_mday)) \(Self.months[Int(parts.tm_mon)]) "
            + "\(parts.tm_year + 1900) \(Self.pad(parts.tm_hour)):\(Self.pad(parts.tm_min)):\(Self.pad(parts.tm_sec)) GMT"
    }

    /// Seconds since the epoch of an IMF-fixdate, or nil for any other form (the header is then ignored).
    static func parse(_ text: String) -> Int64? {
        let fields = text.split(separator: " ")
        guard fields.count == 6, fields[5] == "GMT", fields[0].hasSuffix(","),
            let day = Int32(fields[1]), let monthIndex = Self.months.firstIndex(of: String(fields[2])),
            let year = Int32(fields[3])
        else { return nil }
        let clock = fields[4].split(separator: ":")
        guard clock.count == 3, let hour = Int32(clock[0]), let minute = Int32(clock[1]), let second = Int32(clock[2])
        else { return nil }
        var parts = tm()
        parts.tm_year = year - 1900
        parts.tm_mon = Int32(monthIndex)
        parts.tm_mday = day
        parts.tm_hour = hour
        parts.tm_min = minute
        parts.tm_sec = second
        return Int64(timegm(&parts))
    }

    fileprivate static func pad(_ value: Int32) -> String {
        value < 10 ? "0\(value)" : "\(value)"
    }
}

extension HTTPDate {
    /// The current UTC time as `2026-11-22T01:30:59.123Z`, for log lines.
    static func isoTimestamp() -> String {
        let now = Date().timeIntervalSince1970
        let second = Int(now.rounded(.down))
        let millis = min(999, Int((now - now.rounded(.down)) * 1000))
        let millisText = millis < 10 ? "00\(millis)" : millis < 100 ? "0\(millis)" : "\(millis)"
        let prefix = Self.isoCache.withLock { cached in
            if cached.second != second {
                var t = time_t(second)
                var parts = tm()
                gmtime_r(&t, &parts)
                let text =
                    "\(parts.tm_year + 1900)-\(Self.pad(parts.tm_mon + 1))-\(Self.pad(parts.tm_mday))T"
                    + "\(Self.pad(parts.tm_hour)):\(Self.pad(parts.tm_min)):\(Self.pad(parts.tm_sec))."
                cached = (second, text)
            }
            return cached.text
        }
        return prefix + millisText + "Z"
    }

    private static let isoCache = Mutex<(second: Int, text: String)>((-1, ""))
}
