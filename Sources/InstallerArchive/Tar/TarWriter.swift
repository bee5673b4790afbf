/// Writes deterministic tar archives: ustar headers, with pax extended headers only where ustar
/// cannot hold a value (paths that do not fit the name/prefix split, link targets over 100 bytes,
/// sizes of 8 GiB or more).
///
/// The output depends only on the entries and ``modificationTime``, never on the input order, the
/// clock, the user or the umask:
/// - members are sorted byte-wise by path (C-locale order, as `LC_ALL=C sort`);
/// - every missing parent directory is added as a `0o755` directory member;
/// - every member has the same mtime, uid and gid 0, user and group name `root`;
/// - modes are written exactly as the entries give them;
/// - the archive ends with two zero blocks and is padded to a 10240-byte record.
public struct TarWriter: Sendable {
    /// The modification time of every member, in seconds since 1970 (for example `SOURCE_DATE_EPOCH`).
    public var modificationTime: Int

    /// - Parameter modificationTime: The mtime of every member; 0 (the default) means 1970-01-01.
    public init(modificationTime: Int = 0) {
        self.modificationTime = modificationTime
    }

    /// Returns the archive of `entries`, with their missing parent directories.
    ///
    /// - Throws: ``ArchiveError`` with code `duplicatePath` when two entries share a path,
    ///   `pathConflict` when an entry's parent is a file or symbolic link, and
    ///   `invalidModificationTime` when ``modificationTime`` is negative or later than year 2242.
    public func archive(_ entries: [TarEntry]) throws(ArchiveError) -> [UInt8] {
        guard modificationTime >= 0, UInt64(modificationTime) <= TarFormat.maxOctal11 else {
            throw ArchiveError(
                .invalidModificationTime,
                "Cannot write the archive: modification time \(modificationTime) is outside 0...\(TarFormat.maxOctal11) "
                    + "seconds since 1970; use 0 or a SOURCE_DATE_EPOCH value."
            )
        }
        let members = try Self.completeAndSort(entries)
        var out: [UInt8] = []
        out.reserveCapacity(Self.estimatedSize(of: members))
        for member in members {
            append(member, to: &out)
        }
        out.append(contentsOf: TarFormat.zeros[..<(2 * TarFormat.blockSize)])
        let remainder = out.count % TarFormat.recordSize
        if remainder != 0 {
            out.append(contentsOf: TarFormat.zeros[..<(TarFormat.recordSize - remainder)])
        }
        return out
    }

    // MARK: - Planning

    /// An entry with its path as bytes, the form used for ordering, duplicate checks and headers.
    private struct Member {
        let path: [UInt8]
        let entry: TarEntry?  // nil for an implied parent directory
    }

    /// Adds implied parent directories, rejects duplicates and conflicts, and sorts byte-wise.
    private static func completeAndSort(_ entries: [TarEntry]) throws(ArchiveError) -> [Member] {
        var members: [Member] = []
        members.reserveCapacity(entries.count + 8)
        var indexByPath: [[UInt8]: Int] = [:]
        indexByPath.reserveCapacity(entries.count + 8)
        for entry in entries {
            let path = Array(entry.path.utf8)
            if let existing = indexByPath[path], let first = members[existing].entry {
                throw ArchiveError(
                    .duplicatePath,
                    path: entry.path,
                    "Cannot write the archive: '\(entry.path)' is given twice (as \(describe(first.kind)) and as "
                        + "\(describe(entry.kind))); give each path once."
                )
            }
            indexByPath[path] = members.count
            members.append(Member(path: path, entry: entry))
        }
        for index in members.indices {
            let path = members[index].path
            var slash = path.firstIndex(of: UInt8(ascii: "/"))
            while let end = slash {
                let parent = Array(path[..<end])
                if let existing = indexByPath[parent] {
                    if let parentEntry = members[existing].entry, parentEntry.kind != .directory {
                        let child = String(decoding: path, as: UTF8.self)
                        throw ArchiveError(
                            .pathConflict,
                            path: child,
                            "Cannot write the archive: '\(child)' needs '\(parentEntry.path)' to be a directory, but "
                                + "it is given as \(describe(parentEntry.kind)); rename one of them."
                        )
                    }
                } else {
                    indexByPath[parent] = members.count
                    members.append(Member(path: parent, entry: nil))
                }
                slash = path[(end + 1)...].firstIndex(of: UInt8(ascii: "/"))
            }
        }
        members.sort { $0.path.lexicographicallyPrecedes($1.path) }
        return members
    }

    private static func describe(_ kind: TarEntry.Kind) -> String {
        switch kind {
        case .file: "a file"
        case .directory: "a directory"
        case .symlink: "a symbolic link"
        }
    }

    private static func estimatedSize(of members: [Member]) -> Int {
        var size = 2 * TarFormat.blockSize + TarFormat.recordSize
        for member in members {
            size += TarFormat.blockSize
            if case .file(let contents) = member.entry?.kind {
                size += TarFormat.paddedSize(contents.count)
            }
            if member.path.count > 99 {
                size += 2 * TarFormat.blockSize + TarFormat.paddedSize(member.path.count)
            }
        }
        return size
    }

    // MARK: - Encoding

    private func append(_ member: Member, to out: inout [UInt8]) {
        let kind = member.entry?.kind ?? .directory
        let mode = member.entry?.mode ?? TarEntry.defaultDirectoryMode
        var name = member.path
        var contents: [UInt8] = []
        var linkTarget: [UInt8] = []
        let typeflag: UInt8
        switch kind {
        case .file(let bytes):
            typeflag = TarFormat.TypeFlag.regular
            contents = bytes
        case .directory:
            typeflag = TarFormat.TypeFlag.directory
            name.append(UInt8(ascii: "/"))  // as GNU tar and Python write directory names
        case .symlink(let target):
            typeflag = TarFormat.TypeFlag.symlink
            linkTarget = Array(target.utf8)
        }

        var records: [UInt8] = []
        let split = Self.ustarSplit(name)
        if split == nil {
            TarFormat.appendPaxRecord(key: "path", value: name, to: &records)
        }
        if linkTarget.count > TarFormat.Field.linkname.length {
            TarFormat.appendPaxRecord(key: "linkpath", value: linkTarget, to: &records)
        }
        let size = UInt64(contents.count)
        if size > TarFormat.maxOctal11 {
            TarFormat.appendPaxRecord(key: "size", value: Array(String(size).utf8), to: &records)
        }
        if !records.isEmpty {
            let paxHeader = Header(
                name: TarFormat.paxHeaderName[...],
                prefix: [],
                mode: 0o644,
                size: UInt64(records.count),
                mtime: UInt64(modificationTime),
                typeflag: TarFormat.TypeFlag.paxExtended,
                linkname: []
            )
            paxHeader.append(to: &out)
            Self.appendData(records, to: &out)
        }
        let header = Header(
            name: split?.name ?? Self.prefixOnCharacterBoundary(name, maxLength: TarFormat.Field.name.length),
            prefix: split?.prefix ?? [],
            mode: mode,
            size: size > TarFormat.maxOctal11 ? 0 : size,
            mtime: UInt64(modificationTime),
            typeflag: typeflag,
            linkname: Self.prefixOnCharacterBoundary(linkTarget, maxLength: TarFormat.Field.linkname.length)
        )
        header.append(to: &out)
        Self.appendData(contents, to: &out)
    }

    private static func appendData(_ data: [UInt8], to out: inout [UInt8]) {
        guard !data.isEmpty else { return }
        out.append(contentsOf: data)
        out.append(contentsOf: TarFormat.zeros[..<(TarFormat.paddedSize(data.count) - data.count)])
    }

    /// Splits a name into ustar `prefix` (at most 155 bytes) and `name` (at most 100 bytes, not empty)
    /// at a `/`, preferring the longest prefix as Python's `tarfile` does; `nil` if no split fits.
    static func ustarSplit(_ path: [UInt8]) -> (prefix: ArraySlice<UInt8>, name: ArraySlice<UInt8>)? {
        let nameLength = TarFormat.Field.name.length
        let prefixLength = TarFormat.Field.prefix.length
        if path.count <= nameLength {
            return ([], path[...])
        }
        guard path.count <= prefixLength + 1 + nameLength else { return nil }
        var slash = min(prefixLength, path.count - 1)
        while slash > 0 {
            if path[slash] == UInt8(ascii: "/") {
                let rest = path.count - slash - 1
                guard rest <= nameLength else { return nil }  // shorter prefixes only leave longer names
                if rest > 0 {
                    return (path[..<slash], path[(slash + 1)...])
                }
            }
            slash -= 1
        }
        return nil
    }

    /// The longest prefix of `bytes` of at most `maxLength` bytes that does not cut a UTF-8 sequence.
    /// Used for the ustar fields of members whose full value is in a pax record.
    private static func prefixOnCharacterBoundary(_ bytes: [UInt8], maxLength: Int) -> ArraySlice<UInt8> {
        guard bytes.count > maxLength else { return bytes[...] }
        var end = maxLength
        while end > 0, bytes[end] & 0b1100_0000 == 0b1000_0000 {
            end -= 1
        }
        return bytes[..<end]
    }
}

/// The values of one ustar header; the fields we do not vary are fixed here.
private struct Header {
    let name: ArraySlice<UInt8>
    let prefix: ArraySlice<UInt8>
    let mode: UInt32
    let size: UInt64
    let mtime: UInt64
    let typeflag: UInt8
    let linkname: ArraySlice<UInt8>

    func append(to out: inout [UInt8]) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: TarFormat.blockSize) { block in
            block.initialize(repeating: 0)
            Self.put(name, in: .name, of: block)
            Self.putOctal(UInt64(mode), in: .mode, of: block)
            Self.putOctal(0, in: .uid, of: block)
            Self.putOctal(0, in: .gid, of: block)
            Self.putOctal(size, in: .size, of: block)
            Self.putOctal(mtime, in: .mtime, of: block)
            block[TarFormat.Field.typeflag.offset] = typeflag
            Self.put(linkname, in: .linkname, of: block)
            Self.put(TarFormat.ustarMagic[...], in: .magic, of: block)
            Self.put(TarFormat.ustarVersion[...], in: .version, of: block)
            Self.put(TarFormat.rootName[...], in: .uname, of: block)
            Self.put(TarFormat.rootName[...], in: .gname, of: block)
            Self.putOctal(0, in: .devmajor, of: block)
            Self.putOctal(0, in: .devminor, of: block)
            Self.put(prefix, in: .prefix, of: block)
            // Checksum: six octal digits, NUL, space, computed with the field counted as spaces.
            let checksum = TarFormat.checksum(of: UnsafeBufferPointer(block))
            Self.putOctal(
                UInt64(checksum),
                in: TarFormat.Field(offset: TarFormat.Field.checksum.offset, length: 7),
                of: block
            )
            block[TarFormat.Field.checksum.offset + 7] = UInt8(ascii: " ")
            out.append(contentsOf: block)
        }
    }

    private static func put(
        _ bytes: ArraySlice<UInt8>,
        in field: TarFormat.Field,
        of block: UnsafeMutableBufferPointer<UInt8>
    ) {
        precondition(bytes.count <= field.length, "tar header value longer than its field")
        var offset = field.offset
        for byte in bytes {
            block[offset] = byte
            offset += 1
        }
    }

    /// Writes `value` as zero-padded octal digits filling the field but its last byte, which stays NUL.
    private static func putOctal(
        _ value: UInt64,
        in field: TarFormat.Field,
        of block: UnsafeMutableBufferPointer<UInt8>
    ) {
        var rest = value
        var offset = field.offset + field.length - 2
        while offset >= field.offset {
            block[offset] = UInt8(ascii: "0") + UInt8(truncatingIfNeeded: rest & 7)
            rest >>= 3
            offset -= 1
        }
        precondition(rest == 0, "tar header number does not fit its field")
    }
}
