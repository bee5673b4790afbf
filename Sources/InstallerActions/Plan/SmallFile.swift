import InstallerSystem

/// Reads a whole file as UTF-8 (``FileReader``); nil when it is missing, unreadable or larger than `limit`.
func readSmallFile(_ path: String, limit: Int) -> String? {
    FileReader.text(path, limit: limit)
}
