internal import CZlib

/// Streaming gzip compression over the system zlib.
///
/// The gzip header is fixed (MTIME 0, no file name, OS 3 as zlib writes it), so the output depends only
/// on the input bytes, the level and the zlib version (``zlibVersion``; record it next to any checksum of
/// the output). For levels 1 to 9 the bytes also do not depend on how the input is split into `write`
/// calls, and they equal Python's `zlib.compressobj(level, zlib.DEFLATED, 31)` on the same zlib (both
/// are checked by the tests). Level 0 (stored blocks) sizes its blocks by the pieces it is given, so
/// its bytes are reproducible only for the same sequence of writes.
///
/// Write input in any number of pieces, collect compressed bytes with ``takeOutput()`` whenever
/// convenient (for example to write them to a file), and end with ``finish()``, which returns the rest:
///
/// ```swift
/// var writer = try GzipWriter(level: 6)
/// try writer.write(part1)
/// try file.write(writer.takeOutput())
/// try writer.write(part2)
/// try file.write(writer.finish())
/// ```
///
/// The type is non-copyable because it owns zlib's stream state, and deliberately not `Sendable`:
/// use each writer from one task at a time.
public struct GzipWriter: ~Copyable {
    /// The version of the zlib library in use, such as `1.2.13`.
    public static var zlibVersion: String { String(cString: CZlib.zlibVersion()) }

    /// zlib keeps a pointer back to the stream, so it lives on the heap and never moves.
    private let stream: UnsafeMutablePointer<z_stream>
    /// zlib writes here; each call's output is then appended to `output` in one copy.
    private let scratch: UnsafeMutableBufferPointer<UInt8>
    private var output: [UInt8] = []

    private static let scratchSize = 64 * 1024
    /// `avail_in` is 32-bit; larger inputs are fed in pieces of this size.
    private static let maxInputChunk = 1 << 30

    /// Starts a gzip stream.
    ///
    /// - Parameter level: The compression level, 0 (stored) to 9 (smallest); 6 by default.
    /// - Throws: ``ArchiveError`` with code `invalidCompressionLevel`, or `compressionFailed` if zlib
    ///   cannot allocate its state.
    public init(level: Int = 6) throws(ArchiveError) {
        guard (0...9).contains(level) else {
            throw ArchiveError(
                .invalidCompressionLevel,
                "Cannot start gzip compression: level \(level) is outside 0...9; use 6 for bundles or 1 for "
                    + "large binary packages."
            )
        }
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        // windowBits 15 + 16 selects the gzip wrapper; memLevel 8 and the default strategy match Python.
        let rc = czlib_deflateInit2(stream, Int32(level), Z_DEFLATED, MAX_WBITS + 16, 8, Z_DEFAULT_STRATEGY)
        guard rc == Z_OK else {
            let error = Self.failure(rc, stream, during: "starting compression")
            stream.deinitialize(count: 1)
            stream.deallocate()
            throw error
        }
        self.stream = stream
        self.scratch = .allocate(capacity: Self.scratchSize)
    }

    deinit {
        deflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
        scratch.deallocate()
    }

    /// Compresses `bytes`. Compressed output accumulates until ``takeOutput()`` or ``finish()``.
    public mutating func write(_ bytes: UnsafeRawBufferPointer) throws(ArchiveError) {
        var rest = bytes
        while !rest.isEmpty {
            let piece = UnsafeRawBufferPointer(rebasing: rest.prefix(Self.maxInputChunk))
            try deflate(piece, flush: Z_NO_FLUSH)
            rest = UnsafeRawBufferPointer(rebasing: rest.dropFirst(piece.count))
        }
    }

    /// Compresses `bytes`. Compressed output accumulates until ``takeOutput()`` or ``finish()``.
    public mutating func write(_ bytes: [UInt8]) throws(ArchiveError) {
        try bytes.withUnsafeBufferPointer { (buffer) throws(ArchiveError) in try write(UnsafeRawBufferPointer(buffer)) }
    }

    /// Returns the compressed bytes produced so far and forgets them.
    public mutating func takeOutput() -> [UInt8] {
        var taken: [UInt8] = []
        swap(&taken, &output)
        return taken
    }

    /// Ends the stream (final deflate block, CRC-32 and length trailer) and returns all compressed bytes
    /// not yet taken. The writer is consumed.
    public consuming func finish() throws(ArchiveError) -> [UInt8] {
        try deflate(UnsafeRawBufferPointer(start: nil, count: 0), flush: Z_FINISH)
        return takeOutput()
    }

    /// Reserves room for `count` more output bytes, so that a one-shot compression sized with
    /// ``worstCaseOutputSize(_:)`` never grows the output array.
    mutating func reserveOutputCapacity(_ count: Int) {
        output.reserveCapacity(output.count + count)
    }

    /// zlib's upper bound on the compressed size of `inputSize` bytes (gzip wrapper included).
    func worstCaseOutputSize(_ inputSize: Int) -> Int {
        Int(deflateBound(stream, uLong(inputSize)))
    }

    // MARK: - zlib calls

    /// Feeds `input` (at most `maxInputChunk` bytes) to zlib and appends what it produces to `output`.
    private mutating func deflate(_ input: UnsafeRawBufferPointer, flush: Int32) throws(ArchiveError) {
        let stream = self.stream
        stream.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
        stream.pointee.avail_in = uInt(input.count)
        defer {
            stream.pointee.next_in = nil
            stream.pointee.avail_in = 0
        }
        let scratch = self.scratch
        while true {
            stream.pointee.next_out = scratch.baseAddress
            stream.pointee.avail_out = uInt(scratch.count)
            let rc = CZlib.deflate(stream, flush)
            let unused = Int(stream.pointee.avail_out)
            stream.pointee.next_out = nil
            stream.pointee.avail_out = 0
            output.append(contentsOf: UnsafeBufferPointer(rebasing: scratch[..<(scratch.count - unused)]))
            switch rc {
            case Z_STREAM_END:
                return
            case Z_OK, Z_BUF_ERROR:
                // Done with this input when zlib consumed it all and did not fill the space offered.
                // (Z_BUF_ERROR only means no progress was possible, which ends the loop the same way.)
                if flush != Z_FINISH, stream.pointee.avail_in == 0, unused > 0 { return }
                if rc == Z_BUF_ERROR, unused > 0 {
                    throw Self.failure(rc, stream, during: "finishing the stream")
                }
            default:
                throw Self.failure(rc, stream, during: "compressing")
            }
        }
    }

    private static func failure(_ rc: Int32, _ stream: UnsafeMutablePointer<z_stream>, during step: String)
        -> ArchiveError
    {
        let detail = stream.pointee.msg.map { String(cString: $0) } ?? zlibCodeName(rc)
        return ArchiveError(
            .compressionFailed,
            "Cannot gzip the data: zlib \(zlibVersion) failed while \(step) (\(detail), code \(rc)); this is a bug "
                + "or the system is out of memory, so report it with the zlib version."
        )
    }
}

@available(*, unavailable, message: "GzipWriter owns zlib state; use it from one task at a time")
extension GzipWriter: Sendable {}

/// Compresses `bytes` into one gzip member with a fixed header (see ``GzipWriter``).
///
/// - Parameter level: The compression level, 0 to 9; 6 by default.
/// - Throws: ``ArchiveError`` with code `invalidCompressionLevel` or `compressionFailed`.
public func gzip(_ bytes: [UInt8], level: Int = 6) throws(ArchiveError) -> [UInt8] {
    var writer = try GzipWriter(level: level)
    writer.reserveOutputCapacity(writer.worstCaseOutputSize(bytes.count))
    try writer.write(bytes)
    return try writer.finish()
}

/// The symbolic name of a zlib return code, for messages when zlib gives no text.
func zlibCodeName(_ rc: Int32) -> String {
    switch rc {
    case Z_OK: "Z_OK"
    case Z_STREAM_END: "Z_STREAM_END"
    case Z_NEED_DICT: "Z_NEED_DICT"
    case Z_ERRNO: "Z_ERRNO"
    case Z_STREAM_ERROR: "Z_STREAM_ERROR"
    case Z_DATA_ERROR: "Z_DATA_ERROR"
    case Z_MEM_ERROR: "Z_MEM_ERROR"
    case Z_BUF_ERROR: "Z_BUF_ERROR"
    case Z_VERSION_ERROR: "Z_VERSION_ERROR"
    default: "unknown zlib error"
    }
}
