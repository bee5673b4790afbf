internal import CZlib

/// Decompresses gzip data: one member, or several concatenated members as `gzip` itself accepts.
///
/// The CRC-32 and length in each member's trailer are checked by zlib.
///
/// - Parameters:
///   - bytes: The gzip data.
///   - maxOutput: The most decompressed bytes to accept; larger output is an error, not a truncation.
/// - Throws: ``ArchiveError`` with code `corruptGzip` (not gzip, bad deflate data, CRC or length mismatch,
///   or trailing bytes that are not a gzip member), `truncatedGzip` (the data ends early) or
///   `outputTooLarge`.
public func gunzip(_ bytes: [UInt8], maxOutput: Int) throws(ArchiveError) -> [UInt8] {
    precondition(maxOutput >= 0, "gunzip: maxOutput must not be negative")
    guard !bytes.isEmpty else {
        throw ArchiveError(
            .truncatedGzip,
            "Cannot decompress: the gzip data is empty; the file was not written completely, so create it again."
        )
    }
    return try bytes.withUnsafeBufferPointer { (input) throws(ArchiveError) -> [UInt8] in
        var inflater = try Inflater()
        return try inflater.inflate(input, maxOutput: maxOutput)
    }
}

/// Owns one zlib inflate stream and the buffer it writes into.
private struct Inflater: ~Copyable {
    private let stream: UnsafeMutablePointer<z_stream>
    private let scratch: UnsafeMutableBufferPointer<UInt8>

    init() throws(ArchiveError) {
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        let rc = czlib_inflateInit2(stream, MAX_WBITS + 16)  // gzip wrapper only
        guard rc == Z_OK else {
            stream.deinitialize(count: 1)
            stream.deallocate()
            throw ArchiveError(
                .corruptGzip,
                "Cannot decompress: zlib \(GzipWriter.zlibVersion) could not start (\(zlibCodeName(rc))); the system "
                    + "may be out of memory."
            )
        }
        self.stream = stream
        self.scratch = .allocate(capacity: 64 * 1024)
    }

    deinit {
        inflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
        scratch.deallocate()
    }

    mutating func inflate(_ input: UnsafeBufferPointer<UInt8>, maxOutput: Int) throws(ArchiveError) -> [UInt8] {
        let stream = self.stream
        let scratch = self.scratch
        // One byte past the limit tells "exactly at the limit" from "over it".
        let limit = maxOutput == .max ? maxOutput : maxOutput + 1
        var output: [UInt8] = []
        output.reserveCapacity(min(limit, Self.expectedSize(of: input)))
        var consumed = 0
        var memberStart = 0
        defer {
            stream.pointee.next_in = nil
            stream.pointee.avail_in = 0
        }
        while true {
            // Feed the input in pieces that fit the 32-bit `avail_in`.
            if stream.pointee.avail_in == 0, consumed < input.count {
                let piece = min(input.count - consumed, 1 << 30)
                stream.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress.map { $0 + consumed })
                stream.pointee.avail_in = uInt(piece)
                consumed += piece
            }
            // Never offer more room than the limit allows, plus the one byte that detects overflow.
            let room = min(scratch.count, limit - output.count)
            stream.pointee.next_out = scratch.baseAddress
            stream.pointee.avail_out = uInt(room)
            let rc = CZlib.inflate(stream, Z_NO_FLUSH)
            let unused = Int(stream.pointee.avail_out)
            stream.pointee.next_out = nil
            stream.pointee.avail_out = 0
            output.append(contentsOf: UnsafeBufferPointer(rebasing: scratch[..<(room - unused)]))
            let position = consumed - Int(stream.pointee.avail_in)  // bytes of input used so far
            if output.count > maxOutput {
                throw ArchiveError(
                    .outputTooLarge,
                    "Cannot decompress: the gzip data expands to more than the limit of \(maxOutput) bytes; "
                        + "raise the limit if this input is expected to be that large."
                )
            }

            switch rc {
            case Z_STREAM_END:
                if position == input.count {
                    return output
                }
                // Another member follows, as in `cat a.gz b.gz`.
                memberStart = position
                inflateReset(stream)
            case Z_OK, Z_BUF_ERROR:
                // No progress although there was room: all input is used and the stream has not ended.
                if rc == Z_BUF_ERROR, unused > 0 {
                    throw ArchiveError(
                        .truncatedGzip,
                        "Cannot decompress: the gzip data ends after \(input.count) bytes, before the end of the "
                            + "stream; the file is truncated, so create or download it again."
                    )
                }
            case Z_DATA_ERROR, Z_NEED_DICT, Z_STREAM_ERROR:
                let detail = stream.pointee.msg.map { String(cString: $0) } ?? zlibCodeName(rc)
                let what = memberStart == 0 ? "the gzip data" : "the gzip member at byte \(memberStart)"
                throw ArchiveError(
                    .corruptGzip,
                    "Cannot decompress: \(what) is corrupt (zlib: \(detail)); create or download the file again."
                )
            default:
                throw ArchiveError(
                    .corruptGzip,
                    "Cannot decompress: zlib \(GzipWriter.zlibVersion) failed (\(zlibCodeName(rc))); the system may be "
                        + "out of memory."
                )
            }
        }
    }

    /// A first guess at the output size from the ISIZE trailer (size mod 2^32 of the last member),
    /// bounded by deflate's best ratio so a forged trailer cannot make us reserve much.
    private static func expectedSize(of input: UnsafeBufferPointer<UInt8>) -> Int {
        guard input.count >= 18 else { return 0 }
        let tail = input.count - 4
        var isize = 0
        for index in (0..<4).reversed() {
            isize = isize << 8 | Int(input[tail + index])
        }
        return min(isize, input.count.multipliedReportingOverflow(by: 1032).partialValue)
    }
}
