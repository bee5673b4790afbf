/// The ustar header layout (POSIX.1-2001) and the pax extended-header records shared by the writer
/// and the reader.
enum TarFormat {
    static let blockSize = 512
    /// GNU tar and Python pad archives to a multiple of 20 blocks.
    static let recordSize = 10_240
    /// The largest value an 11-digit octal field can hold (8 GiB - 1).
    static let maxOctal11: UInt64 = 0o777_7777_7777
    /// The name of the pax extended header members we write (the name Python's `tarfile` uses).
    static let paxHeaderName: [UInt8] = Array("././@PaxHeader".utf8)
    static let ustarMagic: [UInt8] = Array("ustar\0".utf8)
    static let ustarVersion: [UInt8] = Array("00".utf8)
    static let rootName: [UInt8] = Array("root".utf8)
    /// Zeros for block and record padding, appended as slices (one copy, no per-byte work).
    static let zeros = [UInt8](repeating: 0, count: recordSize)

    /// A field of the 512-byte header.
    struct Field {
        let offset: Int
        let length: Int

        var range: Range<Int> { offset..<(offset + length) }

        static let name = Field(offset: 0, length: 100)
        static let mode = Field(offset: 100, length: 8)
        static let uid = Field(offset: 108, length: 8)
        static let gid = Field(offset: 116, length: 8)
        static let size = Field(offset: 124, length: 12)
        static let mtime = Field(offset: 136, length: 12)
        static let checksum = Field(offset: 148, length: 8)
        static let typeflag = Field(offset: 156, length: 1)
        static let linkname = Field(offset: 157, length: 100)
        static let magic = Field(offset: 257, length: 6)
        static let version = Field(offset: 263, length: 2)
        static let uname = Field(offset: 265, length: 32)
        static let gname = Field(offset: 297, length: 32)
        static let devmajor = Field(offset: 329, length: 8)
        static let devminor = Field(offset: 337, length: 8)
        static let prefix = Field(offset: 345, length: 155)
    }

    enum TypeFlag {
        static let regular = UInt8(ascii: "0")
        static let regularOld: UInt8 = 0
        static let contiguous = UInt8(ascii: "7")
        static let hardLink = UInt8(ascii: "1")
        static let symlink = UInt8(ascii: "2")
        static let directory = UInt8(ascii: "5")
        static let paxExtended = UInt8(ascii: "x")
        static let paxGlobal = UInt8(ascii: "g")
    }

    /// Rounds `size` up to a whole number of blocks.
    static func paddedSize(_ size: Int) -> Int {
        (size + blockSize - 1) / blockSize * blockSize
    }

    /// The checksum of a header block: the byte sum with the checksum field counted as eight spaces.
    static func checksum(of block: UnsafeBufferPointer<UInt8>) -> UInt32 {
        var sum: UInt32 = 0
        for byte in block {
            sum &+= UInt32(byte)
        }
        for byte in block[Field.checksum.range] {
            sum &-= UInt32(byte)
        }
        return sum &+ 8 * UInt32(UInt8(ascii: " "))
    }

    /// Appends one pax record, `"<length> <key>=<value>\n"`, where `<length>` counts the whole record,
    /// its own digits included.
    static func appendPaxRecord(key: String, value: [UInt8], to records: inout [UInt8]) {
        let payload = 1 + key.utf8.count + 1 + value.count + 1  // " " key "=" value "\n"
        var length = payload + decimalDigits(payload)
        while length != payload + decimalDigits(length) {
            length = payload + decimalDigits(length)
        }
        records.append(contentsOf: String(length).utf8)
        records.append(UInt8(ascii: " "))
        records.append(contentsOf: key.utf8)
        records.append(UInt8(ascii: "="))
        records.append(contentsOf: value)
        records.append(UInt8(ascii: "\n"))
    }

    private static func decimalDigits(_ value: Int) -> Int {
        var digits = 1
        var rest = value / 10
        while rest > 0 {
            digits += 1
            rest /= 10
        }
        return digits
    }
}
