/// The one error type of `InstallerArchive`.
///
/// Every error carries a stable ``code`` for programs and a ``description`` that is a complete sentence
/// for people: it names the archive member (when there is one) and says what to do about it.
public struct ArchiveError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, as a stable value that can be matched on. New codes may be added.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case invalidPath
            case invalidLinkTarget
            case invalidMode
            case invalidModificationTime
            case invalidCompressionLevel
            case duplicatePath
            case pathConflict
            case compressionFailed
            case corruptGzip
            case truncatedGzip
            case outputTooLarge
            case corruptTar
            case truncatedTar
            case checksumMismatch
            case unsupportedEntryType
        }

        private let base: Base

        private init(_ base: Base) {
            self.base = base
        }

        /// A member path is empty, absolute, contains a NUL byte, or has an empty, `.` or `..` component.
        public static let invalidPath = Code(.invalidPath)
        /// A symbolic link target is empty or contains a NUL byte.
        public static let invalidLinkTarget = Code(.invalidLinkTarget)
        /// A mode has bits outside the permission bits `0o7777`.
        public static let invalidMode = Code(.invalidMode)
        /// The modification time is negative or does not fit the ustar header.
        public static let invalidModificationTime = Code(.invalidModificationTime)
        /// The gzip compression level is outside `0...9`.
        public static let invalidCompressionLevel = Code(.invalidCompressionLevel)
        /// Two entries have the same path.
        public static let duplicatePath = Code(.duplicatePath)
        /// An entry would need a file or symbolic link as its parent directory.
        public static let pathConflict = Code(.pathConflict)
        /// zlib failed while compressing.
        public static let compressionFailed = Code(.compressionFailed)
        /// The gzip data is not valid (bad header, corrupt deflate data, CRC or length mismatch).
        public static let corruptGzip = Code(.corruptGzip)
        /// The gzip data ends before its end-of-stream trailer.
        public static let truncatedGzip = Code(.truncatedGzip)
        /// Decompressed data exceeds the caller's limit.
        public static let outputTooLarge = Code(.outputTooLarge)
        /// A tar header or pax extended header is malformed.
        public static let corruptTar = Code(.corruptTar)
        /// The tar data ends inside a header or member, or before its end-of-archive marker.
        public static let truncatedTar = Code(.truncatedTar)
        /// A tar header's checksum does not match its contents.
        public static let checksumMismatch = Code(.checksumMismatch)
        /// A tar member has a type this reader does not handle (hard link, device, FIFO, ...).
        public static let unsupportedEntryType = Code(.unsupportedEntryType)

        public var description: String { base.rawValue }
    }

    /// What went wrong.
    public let code: Code
    /// The archive member path the error is about, if any.
    public let path: String?
    /// A complete sentence that says what went wrong and what to do.
    public let message: String

    init(_ code: Code, path: String? = nil, _ message: String) {
        self.code = code
        self.path = path
        self.message = message
    }

    public var description: String { message }
}
