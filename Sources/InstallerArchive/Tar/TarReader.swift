/// Reads tar archives back, for verification: ustar headers (and GNU's `ustar  ` magic), pax extended
/// headers (`path`, `linkpath`, `size`, `mtime`, `uid`, `gid`, `uname`, `gname`), regular files,
/// directories and symbolic links. Every header checksum is checked.
///
/// It reads what ``TarWriter`` writes and what GNU tar and Python's `tarfile` write in ustar or pax
/// format. Hard links, devices, FIFOs and GNU long-name members are rejected as unsupported.
///
/// Paths are reported as stored and are not checked for safety (an archive from elsewhere may hold
/// `../x` or `/etc/x`); validate them, for example with ``TarEntry``, before using them to write files.
public enum TarReader {
    /// One member as read from an archive.
    public struct Member: Sendable, Hashable {
        /// The path as stored, without the trailing `/` of directories.
        public let path: String
        /// What the member is; files carry their contents.
        public let kind: TarEntry.Kind
        /// The permission bits.
        public let mode: UInt32
        /// The modification time in whole seconds since 1970.
        public let modificationTime: Int
        /// The owner's numeric user ID.
        public let userID: Int
        /// The owner's numeric group ID.
        public let groupID: Int
        /// The owner's user name (`root` in our archives).
        public let userName: String
        /// The owner's group name (`root` in our archives).
        public let groupName: String

        /// The size of a file's contents; 0 for directories and symbolic links.
        public var size: Int {
            if case .file(let contents) = kind { contents.count } else { 0 }
        }

        /// A file's contents; `nil` for directories and symbolic links.
        public var contents: [UInt8]? {
            if case .file(let contents) = kind { contents } else { nil }
        }
    }

    /// Lists the members of a tar archive in archive order.
    ///
    /// - Throws: ``ArchiveError`` with code `checksumMismatch`, `corruptTar`, `truncatedTar` or
    ///   `unsupportedEntryType`.
    public static func read(_ archive: [UInt8]) throws(ArchiveError) -> [Member] {
        try archive.withUnsafeBufferPointer { (bytes) throws(ArchiveError) -> [Member] in
            var parser = Parser(bytes: bytes)
            return try parser.readAll()
        }
    }
}

// MARK: - Parsing

/// Values from a pax extended header that override the next member's ustar fields.
private struct PaxOverrides {
    var path: String?
    var linkPath: String?
    var size: Int?
    var modificationTime: Int?
    var userID: Int?
    var groupID: Int?
    var userName: String?
    var groupName: String?
}

private struct Parser {
    let bytes: UnsafeBufferPointer<UInt8>
    var offset = 0

    init(bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    mutating func readAll() throws(ArchiveError) -> [TarReader.Member] {
        var members: [TarReader.Member] = []
        var pax: PaxOverrides?
        while true {
            guard offset + TarFormat.blockSize <= bytes.count else {
                throw ArchiveError(
                    .truncatedTar,
                    "Cannot read the tar archive: it ends at byte \(bytes.count) without an end-of-archive "
                        + "marker (a zero block); the file is truncated, so write or download it again."
                )
            }
            let block = UnsafeBufferPointer(rebasing: bytes[offset..<(offset + TarFormat.blockSize)])
            if block.allSatisfy({ $0 == 0 }) {
                if pax != nil {
                    throw corrupt("a pax extended header is followed by the end of the archive, not by a member")
                }
                return members
            }
            let headerOffset = offset
            try verifyChecksum(block)
            guard block[TarFormat.Field.magic.range].starts(with: "ustar".utf8) else {
                throw corrupt(
                    "the header at byte \(headerOffset) has no ustar magic; only ustar and pax archives are read"
                )
            }
            let typeflag = block[TarFormat.Field.typeflag.offset]
            let size = try number(in: .size, of: block, override: pax?.size)
            let dataStart = offset + TarFormat.blockSize
            guard size <= bytes.count - dataStart else {
                throw ArchiveError(
                    .truncatedTar,
                    path: try? path(of: block, pax: pax),
                    "Cannot read the tar archive: the member at byte \(headerOffset) declares \(size) bytes but the "
                        + "archive ends first; the file is truncated, so write or download it again."
                )
            }
            let data = UnsafeBufferPointer(rebasing: bytes[dataStart..<(dataStart + size)])
            let next = dataStart + TarFormat.paddedSize(size)
            defer { offset = next }

            switch typeflag {
            case TarFormat.TypeFlag.paxExtended:
                guard pax == nil else {
                    throw corrupt("two pax extended headers follow each other at byte \(headerOffset)")
                }
                pax = try parsePax(data, at: headerOffset)
                continue
            case TarFormat.TypeFlag.paxGlobal:
                continue  // Global defaults; we never write them and none of their keys matter here.
            default:
                break
            }

            let path = try path(of: block, pax: pax)
            let kind: TarEntry.Kind
            switch typeflag {
            case TarFormat.TypeFlag.regular, TarFormat.TypeFlag.regularOld, TarFormat.TypeFlag.contiguous:
                kind = .file(Array(data))
            case TarFormat.TypeFlag.directory:
                kind = .directory
            case TarFormat.TypeFlag.symlink:
                kind = .symlink(target: pax?.linkPath ?? string(in: .linkname, of: block))
            default:
                throw ArchiveError(
                    .unsupportedEntryType,
                    path: path,
                    "Cannot read member '\(path)' of the tar archive: its type '\(Self.printable(typeflag))' is not "
                        + "supported; only regular files, directories and symbolic links are read."
                )
            }
            members.append(
                TarReader.Member(
                    path: path,
                    kind: kind,
                    mode: UInt32(truncatingIfNeeded: try number(in: .mode, of: block)) & 0o7777,
                    modificationTime: try number(in: .mtime, of: block, override: pax?.modificationTime),
                    userID: try number(in: .uid, of: block, override: pax?.userID),
                    groupID: try number(in: .gid, of: block, override: pax?.groupID),
                    userName: pax?.userName ?? string(in: .uname, of: block),
                    groupName: pax?.groupName ?? string(in: .gname, of: block)
                )
            )
            pax = nil
        }
    }

    // MARK: Header fields

    private func verifyChecksum(_ block: UnsafeBufferPointer<UInt8>) throws(ArchiveError) {
        let stored = try number(in: .checksum, of: block)
        let unsigned = TarFormat.checksum(of: block)
        guard stored != Int(unsigned) else { return }
        // Some old writers summed signed bytes; GNU tar and Python accept either sum.
        var signed: Int32 = 0
        for (index, byte) in block.enumerated() {
            signed &+= TarFormat.Field.checksum.range.contains(index) ? 32 : Int32(Int8(bitPattern: byte))
        }
        guard stored == Int(signed) else {
            throw ArchiveError(
                .checksumMismatch,
                "Cannot read the tar archive: the header at byte \(offset) has checksum \(stored) but its bytes sum "
                    + "to \(unsigned); the archive is corrupt, so write or download it again."
            )
        }
    }

    private func path(of block: UnsafeBufferPointer<UInt8>, pax: PaxOverrides?) throws(ArchiveError) -> String {
        var path: String
        if let paxPath = pax?.path {
            path = paxPath
        } else {
            let name = string(in: .name, of: block)
            let prefix = string(in: .prefix, of: block)
            path = prefix.isEmpty ? name : prefix + "/" + name
        }
        while path.utf8.count > 1, path.utf8.last == UInt8(ascii: "/") {
            path.removeLast()
        }
        guard !path.isEmpty else { throw corrupt("the header at byte \(offset) has an empty name") }
        return path
    }

    /// A NUL-terminated (or field-filling) string field, decoded as UTF-8.
    private func string(in field: TarFormat.Field, of block: UnsafeBufferPointer<UInt8>) -> String {
        let bytes = block[field.range]
        let end = bytes.firstIndex(of: 0) ?? bytes.endIndex
        return String(decoding: bytes[..<end], as: UTF8.self)
    }

    /// The pax value when there is one, else the numeric field.
    private func number(
        in field: TarFormat.Field,
        of block: UnsafeBufferPointer<UInt8>,
        override: Int?
    ) throws(ArchiveError) -> Int {
        if let override { return override }
        return try number(in: field, of: block)
    }

    /// A numeric field: octal digits (optionally padded with spaces, ended by NUL or space), or GNU's
    /// base-256 form for large values.
    private func number(in field: TarFormat.Field, of block: UnsafeBufferPointer<UInt8>) throws(ArchiveError) -> Int {
        let bytes = block[field.range]
        var value = 0
        if let first = bytes.first, first & 0x80 != 0 {
            guard first == 0x80 else { throw corrupt("the header at byte \(offset) has a negative number") }
            for byte in bytes.dropFirst() {
                value = try appendDigit(Int(byte), base: 256, to: value)
            }
            return value
        }
        var index = bytes.startIndex
        while index < bytes.endIndex, bytes[index] == UInt8(ascii: " ") {
            index += 1
        }
        while index < bytes.endIndex, bytes[index] != 0, bytes[index] != UInt8(ascii: " ") {
            let digit = bytes[index] &- UInt8(ascii: "0")
            guard digit < 8 else {
                throw corrupt("the header at byte \(offset) has a non-octal character in a numeric field")
            }
            value = try appendDigit(Int(digit), base: 8, to: value)
            index += 1
        }
        return value
    }

    private func appendDigit(_ digit: Int, base: Int, to value: Int) throws(ArchiveError) -> Int {
        let (shifted, overflow1) = value.multipliedReportingOverflow(by: base)
        let (result, overflow2) = shifted.addingReportingOverflow(digit)
        guard !overflow1, !overflow2 else {
            throw corrupt("the header at byte \(offset) has a number that is too large")
        }
        return result
    }

    // MARK: Pax records

    /// Parses `"<length> <key>=<value>\n"` records.
    private func parsePax(_ data: UnsafeBufferPointer<UInt8>, at headerOffset: Int) throws(ArchiveError) -> PaxOverrides
    {
        var overrides = PaxOverrides()
        var position = 0
        while position < data.count {
            var length = 0
            var cursor = position
            while cursor < data.count, data[cursor] != UInt8(ascii: " ") {
                let digit = data[cursor] &- UInt8(ascii: "0")
                guard digit < 10, length < 1 << 40 else {
                    throw badPax(headerOffset, "a record length is not a number")
                }
                length = length * 10 + Int(digit)
                cursor += 1
            }
            guard cursor > position, length > cursor - position + 1, length <= data.count - position,
                data[position + length - 1] == UInt8(ascii: "\n")
            else {
                throw badPax(headerOffset, "a record's length does not match its contents")
            }
            let record = UnsafeBufferPointer(rebasing: data[(cursor + 1)..<(position + length - 1)])
            guard let equals = record.firstIndex(of: UInt8(ascii: "=")) else {
                throw badPax(headerOffset, "a record has no '='")
            }
            let key = String(decoding: record[..<equals], as: UTF8.self)
            let valueBytes = record[(equals + 1)...]
            let value = valueBytes.isEmpty ? nil : String(decoding: valueBytes, as: UTF8.self)
            switch key {
            case "path": overrides.path = value
            case "linkpath": overrides.linkPath = value
            case "uname": overrides.userName = value
            case "gname": overrides.groupName = value
            case "size": overrides.size = try decimal(value, key, headerOffset)
            case "uid": overrides.userID = try decimal(value, key, headerOffset)
            case "gid": overrides.groupID = try decimal(value, key, headerOffset)
            case "mtime":
                // Seconds, possibly with a fraction; whole seconds are kept.
                overrides.modificationTime = try decimal(
                    value.map { String($0.prefix { $0 != "." }) },
                    key,
                    headerOffset
                )
            default:
                break  // atime, ctime, charset, comment, vendor keys: not needed to list members.
            }
            position += length
        }
        return overrides
    }

    /// A whole non-negative decimal number; `nil` (an empty value, which deletes the key) stays `nil`.
    private func decimal(_ text: String?, _ key: String, _ headerOffset: Int) throws(ArchiveError) -> Int? {
        guard let text else { return nil }
        guard let value = Int(text), value >= 0 else {
            throw badPax(headerOffset, "the '\(key)' record has the value '\(text)', not a non-negative whole number")
        }
        return value
    }

    private func badPax(_ headerOffset: Int, _ reason: String) -> ArchiveError {
        corrupt("in the pax extended header at byte \(headerOffset), \(reason)")
    }

    private func corrupt(_ reason: String) -> ArchiveError {
        ArchiveError(
            .corruptTar,
            "Cannot read the tar archive: \(reason); the archive is corrupt or in an unsupported format."
        )
    }

    private static func printable(_ typeflag: UInt8) -> String {
        (0x21...0x7E).contains(typeflag) ? String(UnicodeScalar(typeflag)) : "\\(\(typeflag))"
    }
}
