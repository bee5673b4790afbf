/// Mesos durations: a decimal number and a unit, `24hrs`, `20secs`, `1.5days`.
public enum MesosDuration {
    public static let units = ["ns", "us", "ms", "secs", "mins", "hrs", "days", "weeks"]

    /// `nil` when valid, else a complete message.
    public static func problem(in text: String) -> String? {
        let number = text.prefix { $0.isNumber || $0 == "." }
        let unit = text.dropFirst(number.count)
        guard !number.isEmpty, !unit.isEmpty else {
            return
                "'\(text)' is not a duration. Write a number followed by a unit, for example 20secs or 24hrs (units: \(units.joined(separator: ", ")))."
        }
        guard let value = Double(number), number.filter({ $0 == "." }).count <= 1 else {
            return "'\(number)' in '\(text)' is not a decimal number."
        }
        guard units.contains(String(unit)) else {
            return "The unit '\(unit)' in '\(text)' is not one of \(units.joined(separator: ", "))."
        }
        guard value < 18_446_744_073_709_551_616 else { return "The value \(number) is too large for a duration." }
        return nil
    }
}
