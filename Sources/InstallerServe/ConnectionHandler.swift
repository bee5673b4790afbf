import InstallerSystem
import NIOCore
import NIOPosix

/// What every connection of one server shares.
struct ServeContext: Sendable {
    var resolver: PathResolver
    var roots: RootCache
    var manifests: ManifestCache
    var limits: ServeLimits
    var log: RequestLog
    var threadPool: NIOThreadPool
    var fileIO: NonBlockingFileIO
    /// Bodies must go through the TLS handler as buffers instead of `sendfile`.
    var usesTLS: Bool
    /// `/secrets/` with node tokens; nil when the genconf directory has no keys yet.
    var secrets: SecretsGate?
}

/// One HTTP/1.1 connection: reads request heads, answers them one at a time, enforces the timeouts.
///
/// Reads are held while a response is being sent, so a pipelining client cannot make the server buffer without
/// bound. Bodies go out as `FileRegion`s (`sendfile`) in chunks, or as buffers read on the thread pool under TLS;
/// the file descriptor opened for the request is the only source of its headers and body.
final class ConnectionHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = IOData
    typealias OutboundOut = IOData

    /// Sent down the pipeline by the registry when the server shuts down.
    struct ShutdownRequested: Sendable {}

    private enum State {
        case awaitingRequest
        case responding
        /// Response sent and output shut down; discarding input until the client closes.
        case lingering
        case closed
    }

    private enum TimerKind {
        case idle
        case header
        case send
        case linger
    }

    /// `sendfile` chunk size, as nginx's `sendfile_max_chunk`. All chunks of a body are queued at once (a chunk is a
    /// few words of bookkeeping, not data); each one's completion is the progress that resets the send timeout, so
    /// a client that takes longer than `sendTimeout` for one chunk is dropped.
    private static let fileRegionChunk: Int64 = 2 << 20
    /// TLS chunks read ahead of the socket.
    private static let tlsChunksInFlight = 2
    /// Bodies up to this size are read into the response head's buffer and sent with one write.
    private static let inlineBodyLimit: Int64 = 16 << 10
    /// Read size for TLS bodies.
    private static let tlsChunk: Int64 = 64 << 10
    private static let lingerTimeout: Duration = .seconds(2)
    private static let rootRetryDelay = TimeAmount.milliseconds(2)
    private static let rootRetryLimit = 10

    private let serve: ServeContext
    private let parser: RequestParser
    private var state = State.awaitingRequest
    private var inbound: ByteBuffer?
    private var heldRead = false
    private var shutdownRequested = false
    private var inputClosed = false
    private var timerKind: TimerKind?
    private var deadline = NIODeadline.distantFuture
    private var timerScheduledAt: NIODeadline?
    private var client = "-"
    private var exchange: Exchange?
    private var lastValidators:
        (status: FileStatus, manifestEntry: ManifestCache.Entry?, etag: String, lastModified: String)?

    init(serve: ServeContext) {
        self.serve = serve
        self.parser = RequestParser(limits: serve.limits)
    }

    // MARK: Channel events

    func channelActive(context: ChannelHandlerContext) {
        if let address = context.channel.remoteAddress {
            switch address {
            case .v6: self.client = "[\(address.ipAddress ?? "?")]:\(address.port ?? 0)"
            default: self.client = "\(address.ipAddress ?? "?"):\(address.port ?? 0)"
            }
        }
        self.arm(.idle, context: context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.state = .closed
        self.cancelTimer()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = self.unwrapInboundIn(data)
        if self.state == .lingering { return }  // discarded: the response is out, waiting for the client to close
        if self.inbound == nil {
            self.inbound = bytes
        } else {
            self.inbound?.writeBuffer(&bytes)
        }
        if self.state == .awaitingRequest {
            self.processInbound(context: context)
        }
    }

    func read(context: ChannelHandlerContext) {
        if self.state == .responding {
            self.heldRead = true
        } else {
            context.read()
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ShutdownRequested {
            self.shutdownRequested = true
            if self.state == .awaitingRequest || self.state == .lingering { context.close(promise: nil) }
            return
        }
        if let channelEvent = event as? ChannelEvent, channelEvent == .inputClosed {
            // The client sent everything it will send: finish the current response (if any), then close.
            self.inputClosed = true
            self.exchange?.keepAlive = false
            if self.state == .lingering {
                context.close(promise: nil)
                return
            }
            if self.state == .awaitingRequest {
                self.processInbound(context: context)
                if self.state == .awaitingRequest { context.close(promise: nil) }
            }
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // Resets and TLS failures end the connection; the request (if any) is logged when its write fails.
        context.close(promise: nil)
    }

    // MARK: Requests

    private func processInbound(context: ChannelHandlerContext) {
        guard self.state == .awaitingRequest, var buffer = self.inbound, buffer.readableBytes > 0 else { return }
        let result = buffer.withUnsafeReadableBytes { self.parser.parse($0) }
        switch result {
        case .needMoreData:
            if self.timerKind == .idle { self.arm(.header, context: context) }
        case .failure(let status, let reason):
            self.inbound = nil
            self.state = .responding
            self.cancelTimer()
            let exchange = Exchange(method: "-", target: "-", start: .now(), keepAlive: false)
            self.exchange = exchange
            exchange.note = reason
            self.sendSimple(context: context, status: status, headOnly: false)
        case .head(let head, let consumed):
            self.inbound = nil  // keep `buffer` uniquely referenced, so discarding read bytes does not copy
            buffer.moveReaderIndex(forwardBy: consumed)
            if buffer.readableBytes > 0 {
                buffer.discardReadBytes()
                self.inbound = buffer
            } else {
                self.inbound = nil
            }
            self.state = .responding
            self.cancelTimer()
            self.respond(to: head, context: context)
        }
    }

    private func respond(to head: RequestHead, context: ChannelHandlerContext) {
        let exchange = Exchange(
            method: head.method,
            target: head.target,
            start: .now(),
            keepAlive: head.wantsKeepAlive && !head.hasBody && !self.shutdownRequested && !self.inputClosed
        )
        exchange.isHTTP10KeepAlive = !head.isHTTP11 && exchange.keepAlive
        self.exchange = exchange
        let isHead = head.method == "HEAD"
        guard head.method == "GET" || isHead else {
            exchange.extraHeaders = [("Allow", "GET, HEAD")]
            self.sendSimple(context: context, status: .methodNotAllowed, headOnly: false)
            return
        }
        switch PathResolver.segments(ofTarget: head.target) {
        case .failure(let rejection):
            exchange.note = "refused path: \(rejection)"
            self.sendSimple(context: context, status: .badRequest, headOnly: isHead)
        case .success(let segments) where segments.first == SecretsGate.prefix:
            self.openSecret(segments: segments, head: head, context: context)
        case .success(let segments):
            self.open(segments: segments, head: head, attempt: 0, context: context)
        }
    }

    /// `/secrets/<role>--<id>.tar.gz`: only with a node token for that role and the current configuration.
    private func openSecret(segments: [String], head: RequestHead, context: ChannelHandlerContext) {
        let isHead = head.method == "HEAD"
        guard let gate = self.serve.secrets, segments.count == 2, let tree = self.serve.roots.current() else {
            self.exchange?.note = "no secrets here"
            self.sendSimple(context: context, status: .notFound, headOnly: isHead)
            return
        }
        let (cached, load) = self.serve.manifests.contents(tree: tree)
        if let cached {
            self.authorizeSecret(segments[1], contents: cached, gate: gate, head: head, context: context)
            return
        }
        guard let (descriptor, key) = load else {
            self.exchange?.note = "no manifest.json"
            self.sendSimple(context: context, status: .notFound, headOnly: isHead)
            return
        }
        let manifests = self.serve.manifests
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        self.serve.threadPool.runIfActive(eventLoop: context.eventLoop) {
            let contents = ManifestCache.load(descriptor: descriptor, size: key.status.size)
            manifests.store(key: key, contents: contents)
            return contents
        }.whenComplete { result in
            let (handler, context) = loopBound.value
            guard handler.state == .responding else { return }
            let contents = (try? result.get()) ?? ManifestCache.Contents()
            handler.authorizeSecret(segments[1], contents: contents, gate: gate, head: head, context: context)
        }
    }

    private func authorizeSecret(
        _ name: String,
        contents: ManifestCache.Contents,
        gate: SecretsGate,
        head: RequestHead,
        context: ChannelHandlerContext
    ) {
        let isHead = head.method == "HEAD"
        switch gate.authorize(name: name, authorization: head.authorization, contents: contents) {
        case .notFound(let reason):
            self.exchange?.note = reason
            self.sendSimple(context: context, status: .notFound, headOnly: isHead)
        case .denied(let reason):
            // The log line carries the client address (as every line does) and the reason, never the token.
            self.exchange?.note = reason
            self.sendSimple(context: context, status: .forbidden, headOnly: isHead)
        case .granted(let file, let role):
            self.exchange?.note = "secrets of \(role) (node token)"
            self.exchange?.extraHeaders = [("Cache-Control", "no-store")]
            self.sendFile(file, manifestEntry: nil, head: head, name: name, context: context)
        }
    }

    private func open(segments: [String], head: RequestHead, attempt: Int, context: ChannelHandlerContext) {
        let isHead = head.method == "HEAD"
        let tree = self.serve.roots.current()
        let outcome = tree.map { self.serve.resolver.open(segments: segments, root: $0.directory) } ?? .rootUnavailable
        switch outcome {
        case .notFound(let reason):
            self.exchange?.note = reason
            self.sendSimple(context: context, status: .notFound, headOnly: isHead)
        case .rootUnavailable:
            guard attempt < Self.rootRetryLimit else {
                self.exchange?.note = "serve directory \(self.serve.resolver.rootPath) does not exist"
                self.sendSimple(context: context, status: .notFound, headOnly: isHead)
                return
            }
            // genconf renames serve/ away and the new tree into place: the gap is a few microseconds.
            self.serve.roots.invalidate()
            let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            context.eventLoop.scheduleTask(in: Self.rootRetryDelay) {
                let (handler, context) = loopBound.value
                guard handler.state == .responding else { return }
                handler.open(segments: segments, head: head, attempt: attempt + 1, context: context)
            }
        case .opened(let file):
            guard let tree else { return }
            let path = segments.count == 1 ? segments[0] : segments.joined(separator: "/")
            switch self.serve.manifests.lookup(tree: tree, relativePath: path) {
            case .absent:
                self.sendFile(file, manifestEntry: nil, head: head, name: segments.last ?? "", context: context)
            case .known(let entry):
                self.sendFile(file, manifestEntry: entry, head: head, name: segments.last ?? "", context: context)
            case .needsLoad(let descriptor, let key):
                let manifests = self.serve.manifests
                let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
                self.serve.threadPool.runIfActive(eventLoop: context.eventLoop) {
                    let contents = ManifestCache.load(descriptor: descriptor, size: key.status.size)
                    manifests.store(key: key, contents: contents)
                    return contents.files[path]
                }.whenComplete { result in
                    let (handler, context) = loopBound.value
                    let entry = try? result.get()
                    handler.sendFile(
                        file,
                        manifestEntry: entry,
                        head: head,
                        name: segments.last ?? "",
                        context: context
                    )
                }
            }
        }
    }

    private func sendFile(
        _ file: OpenedFile,
        manifestEntry: ManifestCache.Entry?,
        head: RequestHead,
        name: String,
        context: ChannelHandlerContext
    ) {
        guard let exchange = self.exchange else {
            closeDescriptor(file.descriptor)
            return
        }
        let status = file.status
        let validators = self.validators(for: file.status, manifestEntry: manifestEntry)
        let etag = validators.etag
        let lastModified = validators.lastModified
        var headers: [(String, String)] = [
            ("Last-Modified", lastModified),
            ("ETag", etag),
            ("Accept-Ranges", "bytes"),
        ]
        headers += exchange.extraHeaders
        let isHead = head.method == "HEAD"
        if Self.isNotModified(head: head, etag: etag, modifiedSeconds: status.modifiedSeconds) {
            closeDescriptor(file.descriptor)
            exchange.extraHeaders = headers
            self.sendHead(context: context, status: .notModified, contentLength: nil)
            return
        }
        var range = ByteRange.whole
        if !isHead, head.range != nil, Self.ifRangeAllows(head.ifRange, etag: etag, lastModified: lastModified) {
            range = ByteRange(header: head.range, size: status.size)
        }
        headers.insert(("Content-Type", ContentType.forFileName(name)), at: 0)
        let first: Int64
        let last: Int64
        let responseStatus: HTTPStatus
        switch range {
        case .whole:
            (first, last, responseStatus) = (0, status.size - 1, .ok)
        case .partial(let lower, let upper):
            (first, last, responseStatus) = (lower, upper, .partialContent)
            headers.append(("Content-Range", "bytes \(lower)-\(upper)/\(status.size)"))
        case .unsatisfiable:
            closeDescriptor(file.descriptor)
            exchange.extraHeaders = [("Content-Range", "bytes */\(status.size)")]
            self.sendSimple(context: context, status: .rangeNotSatisfiable, headOnly: false)
            return
        }
        let length = last - first + 1
        exchange.extraHeaders = headers
        if !isHead, !self.serve.usesTLS, length <= Self.inlineBodyLimit {
            // Small file: head and body in one buffer, one write, one TCP segment (instead of write + sendfile).
            var buffer = self.makeHead(context: context, status: responseStatus, contentLength: length)
            let expected = Int(length)
            let count = buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: expected) { target in
                readFully(
                    file.descriptor,
                    into: UnsafeMutableRawBufferPointer(rebasing: target[..<expected]),
                    at: first
                )
            }
            closeDescriptor(file.descriptor)
            guard count == expected else {
                exchange.note = "file shorter than its size"
                exchange.keepAlive = false
                context.close(promise: nil)
                self.finish(context: context)
                return
            }
            exchange.bytesSent = length
            let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            context.writeAndFlush(self.wrapOutboundOut(.byteBuffer(buffer))).whenComplete { result in
                let (handler, context) = loopBound.value
                if case .failure = result { handler.exchange?.keepAlive = false }
                handler.finish(context: context)
            }
            return
        }
        let streamsFile = !isHead && length > 0 && !self.serve.usesTLS
        if streamsFile {
            // Nagle on for the body, as nginx does (its tcp_nodelay applies only once a connection goes keep-alive):
            // the tail of each partial sendfile waits to fill a segment instead of going out as a small packet.
            Self.setNoDelay(false, context: context)
        }
        self.sendHead(context: context, status: responseStatus, contentLength: length, flush: false)
        if isHead || length == 0 {
            closeDescriptor(file.descriptor)
            context.flush()
            self.finishWhenWritten(context: context)
            return
        }
        let body = BodyTransfer(
            handle: NIOFileHandle(_deprecatedTakingOwnershipOfDescriptor: file.descriptor),
            next: first,
            end: last + 1
        )
        self.arm(.send, context: context)
        self.pump(body, exchange: exchange, context: context)
    }

    private static func setNoDelay(_ on: Bool, context: ChannelHandlerContext) {
        _ = try? context.channel.syncOptions?.setOption(.tcpOption(.tcp_nodelay), value: on ? 1 : 0)
    }

    // MARK: Conditionals

    /// ETag and Last-Modified of a file; the last answer is kept, since keep-alive clients often repeat a file.
    private func validators(
        for status: FileStatus,
        manifestEntry: ManifestCache.Entry?
    ) -> (etag: String, lastModified: String) {
        if let cached = self.lastValidators, cached.status == status, cached.manifestEntry == manifestEntry {
            return (cached.etag, cached.lastModified)
        }
        let etag: String
        if let manifestEntry, manifestEntry.size == status.size {
            etag = "\"\(manifestEntry.sha256)\""
        } else {
            // A weak validator from the inode, size and modification time (nanoseconds), like nginx's.
            let nanos = status.modifiedSeconds &* 1_000_000_000 &+ status.modifiedNanoseconds
            let parts = [String(status.inode, radix: 16), String(status.size, radix: 16), String(nanos, radix: 16)]
            etag = "W/\"" + parts.joined(separator: "-") + "\""
        }
        let lastModified = HTTPDate.format(status.modifiedSeconds)
        self.lastValidators = (status, manifestEntry, etag, lastModified)
        return (etag, lastModified)
    }

    private static func isNotModified(head: RequestHead, etag: String, modifiedSeconds: Int64) -> Bool {
        if let ifNoneMatch = head.ifNoneMatch {
            // Weak comparison (RFC 9110 §13.1.2): W/ prefixes are ignored.
            let ours = etag.hasPrefix("W/") ? String(etag.dropFirst(2)) : etag
            for candidate in ifNoneMatch.split(separator: ",") {
                var tag = candidate.trimmingBlanks()
                if tag == "*" { return true }
                if tag.hasPrefix("W/") { tag = tag.dropFirst(2) }
                if tag == ours { return true }
            }
            return false
        }
        if let text = head.ifModifiedSince, let since = HTTPDate.parse(text) {
            return modifiedSeconds <= since
        }
        return false
    }

    private static func ifRangeAllows(_ ifRange: String?, etag: String, lastModified: String) -> Bool {
        guard let ifRange else { return true }
        let value = ifRange.trimmingBlanks()
        if value.hasPrefix("\"") { return !etag.hasPrefix("W/") && value == etag }
        return value == lastModified
    }

    // MARK: Writing

    private func pump(_ body: BodyTransfer, exchange: Exchange, context: ChannelHandlerContext) {
        let loopBound = NIOLoopBound((self, context, body, exchange), eventLoop: context.eventLoop)
        if !self.serve.usesTLS {
            guard body.next < body.end else { return }
            while body.next < body.end {
                let count = min(Self.fileRegionChunk, body.end - body.next)
                let region = FileRegion(
                    fileHandle: body.handle,
                    readerIndex: Int(body.next),
                    endIndex: Int(body.next + count)
                )
                body.next += count
                body.inFlight += 1
                self.writeChunk(
                    .fileRegion(region),
                    count: count,
                    body: body,
                    exchange: exchange,
                    context: context,
                    flush: false
                )
            }
            context.flush()
            return
        }
        while !body.failed, body.inFlight < Self.tlsChunksInFlight, body.next < body.end, !body.reading {
            let offset = body.next
            let count = min(Self.tlsChunk, body.end - offset)
            body.next += count
            body.inFlight += 1
            body.reading = true
            self.serve.fileIO.read(
                fileHandle: body.handle,
                fromOffset: offset,
                byteCount: Int(count),
                allocator: context.channel.allocator,
                eventLoop: context.eventLoop
            ).whenComplete { result in
                let (handler, context, body, exchange) = loopBound.value
                body.reading = false
                switch result {
                case .success(let buffer) where buffer.readableBytes == Int(count):
                    handler.writeChunk(
                        .byteBuffer(buffer),
                        count: count,
                        body: body,
                        exchange: exchange,
                        context: context
                    )
                default:
                    // The file shrank under us or could not be read: end the connection rather than lie.
                    body.inFlight -= 1
                    handler.bodyFailed(body, exchange: exchange, note: "file read failed", context: context)
                }
            }
        }
    }

    private func writeChunk(
        _ data: IOData,
        count: Int64,
        body: BodyTransfer,
        exchange: Exchange,
        context: ChannelHandlerContext,
        flush: Bool = true
    ) {
        let loopBound = NIOLoopBound((self, context, body, exchange), eventLoop: context.eventLoop)
        let promise = context.eventLoop.makePromise(of: Void.self)
        if flush {
            context.writeAndFlush(self.wrapOutboundOut(data), promise: promise)
        } else {
            context.write(self.wrapOutboundOut(data), promise: promise)
        }
        promise.futureResult.whenComplete { result in
            let (handler, context, body, exchange) = loopBound.value
            body.inFlight -= 1
            switch result {
            case .success:
                exchange.bytesSent += count
                handler.arm(.send, context: context)
                if body.next >= body.end && body.inFlight == 0 && !body.failed {
                    if !handler.serve.usesTLS {
                        // Pushes the held tail now and restores TCP_NODELAY for the next (keep-alive) response.
                        Self.setNoDelay(true, context: context)
                    }
                    body.close()
                    handler.finish(context: context)
                } else {
                    handler.pump(body, exchange: exchange, context: context)
                }
            case .failure:
                handler.bodyFailed(body, exchange: exchange, note: "client went away", context: context)
            }
        }
    }

    private func bodyFailed(_ body: BodyTransfer, exchange: Exchange, note: String, context: ChannelHandlerContext) {
        if !body.failed {
            body.failed = true
            exchange.note = exchange.note ?? note
            exchange.keepAlive = false
            context.close(promise: nil)
        }
        if body.inFlight == 0 && !body.reading {
            body.close()
            self.finish(context: context)
        }
    }

    /// A response with a short text body (errors, 405, 416).
    private func sendSimple(context: ChannelHandlerContext, status: HTTPStatus, headOnly: Bool) {
        let text = "\(status.code) \(status.reason)\n"
        var headers = self.exchange?.extraHeaders ?? []
        headers.insert(("Content-Type", "text/plain; charset=utf-8"), at: 0)
        self.exchange?.extraHeaders = headers
        if status.code >= 400 && status != .notFound && status != .rangeNotSatisfiable
            && status != .methodNotAllowed
        {
            self.exchange?.keepAlive = false
        }
        self.sendHead(
            context: context,
            status: status,
            contentLength: Int64(text.utf8.count),
            flush: false
        )
        if !headOnly {
            var buffer = context.channel.allocator.buffer(capacity: text.utf8.count)
            buffer.writeString(text)
            self.exchange?.bytesSent = Int64(text.utf8.count)
            context.write(self.wrapOutboundOut(.byteBuffer(buffer)), promise: nil)
        }
        context.flush()
        self.finishWhenWritten(context: context)
    }

    private func sendHead(
        context: ChannelHandlerContext,
        status: HTTPStatus,
        contentLength: Int64?,
        flush: Bool = true
    ) {
        let data = self.wrapOutboundOut(
            .byteBuffer(self.makeHead(context: context, status: status, contentLength: contentLength))
        )
        if flush {
            context.writeAndFlush(data, promise: nil)
            self.finishWhenWritten(context: context)
        } else {
            context.write(data, promise: nil)
        }
    }

    /// The response head: status line, standard headers, the exchange's headers, framing.
    private func makeHead(context: ChannelHandlerContext, status: HTTPStatus, contentLength: Int64?) -> ByteBuffer {
        let exchange = self.exchange
        exchange?.status = status.code
        var buffer = context.channel.allocator.buffer(
            capacity: 384 + Int(min(contentLength ?? 0, Self.inlineBodyLimit))
        )
        buffer.writeString(status.statusLine)
        buffer.writeStaticString("Server: dcos-bootstrap\r\nDate: ")
        buffer.writeString(HTTPDate.now())
        buffer.writeStaticString("\r\n")
        for (name, value) in exchange?.extraHeaders ?? [] {
            buffer.writeString(name)
            buffer.writeStaticString(": ")
            buffer.writeString(value)
            buffer.writeStaticString("\r\n")
        }
        if let contentLength {
            buffer.writeStaticString("Content-Length: ")
            buffer.writeString(String(contentLength))
            buffer.writeStaticString("\r\n")
        }
        if exchange?.keepAlive != true {
            buffer.writeStaticString("Connection: close\r\n")
        } else if exchange?.isHTTP10KeepAlive == true {
            buffer.writeStaticString("Connection: keep-alive\r\n")
        }
        buffer.writeStaticString("\r\n")
        return buffer
    }

    /// Finishes the exchange once everything written so far has gone out.
    private func finishWhenWritten(context: ChannelHandlerContext) {
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        let promise = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(
            self.wrapOutboundOut(.byteBuffer(context.channel.allocator.buffer(capacity: 0))),
            promise: promise
        )
        promise.futureResult.whenComplete { result in
            let (handler, context) = loopBound.value
            if case .failure = result { handler.exchange?.keepAlive = false }
            handler.finish(context: context)
        }
    }

    /// Logs the exchange, then waits for the next request or closes the connection.
    private func finish(context: ChannelHandlerContext) {
        guard let exchange = self.exchange else { return }
        self.exchange = nil
        let elapsed = NIODeadline.now().uptimeNanoseconds - exchange.start.uptimeNanoseconds
        self.serve.log.record(
            RequestLog.Entry(
                method: exchange.method,
                target: exchange.target,
                status: exchange.status,
                bytes: exchange.bytesSent,
                durationNanoseconds: Int64(elapsed),
                client: self.client,
                note: exchange.note
            )
        )
        guard self.state == .responding else { return }
        guard exchange.keepAlive, !self.shutdownRequested else {
            self.closeAfterResponse(context: context)
            return
        }
        self.state = .awaitingRequest
        self.arm(.idle, context: context)
        if self.inbound != nil {
            // A pipelined request is already buffered; handle it on the next tick to keep the stack flat.
            let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            context.eventLoop.execute {
                let (handler, context) = loopBound.value
                handler.processInbound(context: context)
            }
        }
        if self.heldRead {
            self.heldRead = false
            context.read()
        }
    }

    /// Closes after a response without losing it: a plain close with unread request bytes in the kernel would
    /// send a reset that can destroy the response on its way to the client. So send FIN first, then discard what the
    /// client still sends until it closes too, for at most `lingerTimeout` (what nginx calls a lingering close).
    private func closeAfterResponse(context: ChannelHandlerContext) {
        guard !self.inputClosed, context.channel.isActive else {
            self.state = .closed
            self.cancelTimer()
            context.close(promise: nil)
            return
        }
        self.state = .lingering
        self.inbound = nil
        context.close(mode: .output, promise: nil)
        self.arm(.linger, context: context)
        if self.heldRead {
            self.heldRead = false
            context.read()
        }
    }

    // MARK: Timers

    /// Starts the timeout for the current phase. The deadline is only stored; one scheduled task per connection
    /// checks it when due and re-schedules itself if the deadline moved, so a busy keep-alive connection does not
    /// schedule and cancel timers on every request.
    private func arm(_ kind: TimerKind, context: ChannelHandlerContext) {
        let delay: Duration
        switch kind {
        case .idle: delay = self.serve.limits.idleTimeout
        case .header: delay = self.serve.limits.headerReadTimeout
        case .send: delay = self.serve.limits.sendTimeout
        case .linger: delay = Self.lingerTimeout
        }
        self.timerKind = kind
        self.deadline = .now() + TimeAmount(delay)
        if let scheduled = self.timerScheduledAt, scheduled <= self.deadline { return }
        self.schedule(at: self.deadline, context: context)
    }

    private func schedule(at deadline: NIODeadline, context: ChannelHandlerContext) {
        self.timerScheduledAt = deadline
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        context.eventLoop.scheduleTask(deadline: deadline) {
            let (handler, context) = loopBound.value
            guard handler.timerScheduledAt == deadline else { return }  // superseded by an earlier one
            handler.timerScheduledAt = nil
            guard let kind = handler.timerKind, handler.state != .closed else { return }
            if NIODeadline.now() >= handler.deadline {
                handler.timerFired(kind, context: context)
            } else {
                handler.schedule(at: handler.deadline, context: context)
            }
        }
    }

    private func cancelTimer() {
        self.timerKind = nil
    }

    private func timerFired(_ kind: TimerKind, context: ChannelHandlerContext) {
        self.timerKind = nil
        switch kind {
        case .idle:
            context.close(promise: nil)
        case .header:
            // A slow client: tell it why, then close.
            self.inbound = nil
            self.state = .responding
            let exchange = Exchange(method: "-", target: "-", start: .now(), keepAlive: false)
            exchange.note = "request head not complete within the header-read timeout"
            self.exchange = exchange
            self.sendSimple(context: context, status: .requestTimeout, headOnly: false)
        case .linger:
            context.close(promise: nil)
        case .send:
            self.exchange?.note = "client stopped reading (send timeout)"
            self.exchange?.keepAlive = false
            context.close(promise: nil)
        }
    }
}

/// The state of one request and response, for the log.
private final class Exchange {
    let method: String
    let target: String
    let start: NIODeadline
    var keepAlive: Bool
    var isHTTP10KeepAlive = false
    var status = 0
    var bytesSent: Int64 = 0
    var note: String?
    var extraHeaders: [(String, String)] = []

    init(method: String, target: String, start: NIODeadline, keepAlive: Bool) {
        self.method = method
        self.target = target
        self.start = start
        self.keepAlive = keepAlive
    }
}

/// A file body being written in chunks.
private final class BodyTransfer {
    let handle: NIOFileHandle
    var next: Int64
    let end: Int64
    var inFlight = 0
    var reading = false
    var failed = false
    private var closed = false

    init(handle: NIOFileHandle, next: Int64, end: Int64) {
        self.handle = handle
        self.next = next
        self.end = end
    }

    func close() {
        guard !self.closed else { return }
        self.closed = true
        try? self.handle.close()
    }
}

extension TimeAmount {
    fileprivate init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
