/// Packs `entries` into a deterministic `.tar.gz`: ``TarWriter`` output compressed by ``gzip(_:level:)``.
///
/// The same entries, in any order, give the same bytes for the same zlib version and level.
///
/// - Parameters:
///   - entries: The members; missing parent directories are added.
///   - mtime: The modification time of every member, in seconds since 1970; 0 by default.
///   - level: The gzip level, 0 to 9; 6 by default.
/// - Throws: ``ArchiveError`` from ``TarWriter/archive(_:)`` or ``gzip(_:level:)``.
public func makeTarGz(entries: [TarEntry], mtime: Int = 0, level: Int = 6) throws(ArchiveError) -> [UInt8] {
    let tar = try TarWriter(modificationTime: mtime).archive(entries)
    return try gzip(tar, level: level)
}
