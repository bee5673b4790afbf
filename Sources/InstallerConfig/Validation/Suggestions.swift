/// "Did you mean" for misspelt keys and values.
enum Suggestions {
    static func closest(to word: String, in candidates: some Sequence<String>) -> String? {
        let normalized = String(word.lowercased().map { $0 == "-" ? "_" : $0 })
        var best: (name: String, distance: Int)?
        for candidate in candidates {
            if candidate == normalized { return candidate }
            let distance = editDistance(Array(normalized.utf8), Array(candidate.utf8))
            if distance < (best?.distance ?? .max) { best = (candidate, distance) }
        }
        guard let best else { return nil }
        let allowed = max(1, min(3, word.count / 4))
        return best.distance <= allowed ? best.name : nil
    }

    static func editDistance(_ a: [UInt8], _ b: [UInt8]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = Array(repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
