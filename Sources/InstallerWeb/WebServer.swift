import InstallerActions
import InstallerConfig
import InstallerServe
package import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import UnixSignals

/// Where and how `--web` listens.
package struct WebConfiguration: Sendable {
    /// `0.0.0.0` (as DC/OS's web installer), `::`, `127.0.0.1`, or a local address.
    package var bindAddress: String
    /// DC/OS's port is 9000; 0 asks the kernel for a free one (the URL given to `onListening` names it).
    package var port: Int
    package var tls: TLSFiles?
    package var limits: WebLimits
    /// Stop on SIGINT and SIGTERM. The CLI leaves this on; in-process tests cancel the task instead.
    package var handlesSignals: Bool
    /// How long open connections (event streams too) may take to finish when the server stops.
    package var shutdownGracePeriod: Duration

    package init(
        bindAddress: String = "0.0.0.0",
        port: Int = 9000,
        tls: TLSFiles? = nil,
        limits: WebLimits = WebLimits(),
        handlesSignals: Bool = true,
        shutdownGracePeriod: Duration = .seconds(2)
    ) {
        self.bindAddress = bindAddress
        self.port = port
        self.tls = tls
        self.limits = limits
        self.handlesSignals = handlesSignals
        self.shutdownGracePeriod = shutdownGracePeriod
    }
}

/// The web installer's HTTP server: HTTP/1.1 (SwiftNIO's parser) with keep-alive, optional TLS, a body
/// cap (413), timeouts for slow and idle clients, connection caps (503), and Server-Sent Events that
/// follow a run's journal. Every request is answered by ``WebAPI`` on NIO's thread pool, never on the
/// event loop or Swift's cooperative pool (it reads files).
package enum WebServer {
    /// Binds, calls `onListening` with the base URL (`http://127.0.0.1:9000`), serves until SIGINT/SIGTERM
    /// (or task cancellation), gives open connections the grace period, then returns.
    ///
    /// - Throws: ``ServeError`` when the address cannot be bound or the TLS files cannot be used.
    package static func run(
        _ configuration: WebConfiguration,
        api: WebAPI,
        logger: Logger,
        onListening: @Sendable (String) -> Void
    ) async throws {
        let signals: UnixSignalsSequence? =
            configuration.handlesSignals ? await UnixSignalsSequence(trapping: .sigint, .sigterm) : nil
        let threadPool = NIOThreadPool.singleton
        let address = try Listening.socketAddress(bind: configuration.bindAddress, port: configuration.port)
        let sslContext: NIOSSLContext? =
            if let files = configuration.tls { try await Listening.sslContext(files, threadPool: threadPool) } else {
                nil
            }
        let limits = configuration.limits
        let registry = ConnectionRegistry(
            maximum: max(1, limits.maximumConnections),
            maximumPerClient: max(1, limits.maximumConnectionsPerClient)
        )
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    guard registry.admit(channel) == .admitted else {
                        try pipeline.addHandler(RefuseHandler(plainHTTP: sslContext == nil))
                        return
                    }
                    if let sslContext { try pipeline.addHandler(NIOSSLServerHandler(context: sslContext)) }
                    try pipeline.configureHTTPServerPipeline(withErrorHandling: true)
                    try pipeline.addHandler(
                        WebConnectionHandler(api: api, limits: limits, threadPool: threadPool, logger: logger)
                    )
                }
            }
        let listener: any Channel
        do {
            listener = try await bootstrap.bind(to: address).get()
        } catch {
            throw Listening.bindError(error, bind: configuration.bindAddress, port: configuration.port)
        }
        let host = listener.localAddress?.ipAddress ?? configuration.bindAddress
        let port = listener.localAddress?.port ?? configuration.port
        let scheme = sslContext == nil ? "http" : "https"
        onListening(host.contains(":") ? "\(scheme)://[\(host)]:\(port)" : "\(scheme)://\(host):\(port)")

        let reason = await Listening.stopReason(listener: listener, signals: signals)
        logger.info("Stopping the web installer: \(reason).")
        try? await listener.close()
        registry.beginShutdown()
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await registry.waitUntilDrained() }
            group.addTask { try? await Task.sleep(for: configuration.shutdownGracePeriod) }
            await group.next()
            registry.closeAll()
            group.cancelAll()
        }
    }
}

/// A connection over a cap: 503 (plain HTTP) or nothing (TLS), then closed, without reading a request.
private final class RefuseHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    let plainHTTP: Bool

    init(plainHTTP: Bool) { self.plainHTTP = plainHTTP }

    func handlerAdded(context: ChannelHandlerContext) {
        guard plainHTTP else {
            context.close(promise: nil)
            return
        }
        let text =
            "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\nContent-Length: 44\r\nConnection: close\r\n\r\n"
            + "Too many open connections; try again later.\n"
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(string: text)))
            .assumeIsolated().whenComplete { _ in context.close(promise: nil) }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {}
}

/// One connection: reads each request whole (within the body cap and the timeouts), answers it through
/// the API on the thread pool, and streams a run's events when the answer is one.
private final class WebConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private enum State {
        /// Waiting for a request (the idle timer runs).
        case idle
        /// Reading a request's head and body (the request timer runs).
        case reading(HTTPRequestHead, [UInt8])
        /// A request over the body cap: its remaining parts are dropped until the connection closes.
        case discarding
        /// The API is answering, or the response (an event stream) is being written.
        case responding
        case closed
    }

    private let api: WebAPI
    private let limits: WebLimits
    private let threadPool: NIOThreadPool
    private let logger: Logger
    private var state = State.idle
    private var timer: Scheduled<Void>?
    private var client = "-"

    init(api: WebAPI, limits: WebLimits, threadPool: NIOThreadPool, logger: Logger) {
        self.api = api
        self.limits = limits
        self.threadPool = threadPool
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        client = context.channel.remoteAddress?.ipAddress ?? "-"
        if context.channel.isActive { arm(limits.idleTimeout, context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        arm(limits.idleTimeout, context: context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        state = .closed
        timer?.cancel()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            guard case .idle = state else { return }
            if let length = head.headers.first(name: "content-length").flatMap(Int.init),
                length > limits.maximumBodyBytes
            {
                tooLarge(context: context)
                return
            }
            state = .reading(head, [])
            arm(limits.requestTimeout, context: context)
        case .body(var buffer):
            guard case .reading(let head, var body) = state else { return }
            guard body.count + buffer.readableBytes <= limits.maximumBodyBytes else {
                tooLarge(context: context)
                return
            }
            state = .responding  // not copied twice while appending
            body.append(contentsOf: buffer.readBytes(length: buffer.readableBytes) ?? [])
            state = .reading(head, body)
        case .end:
            if case .discarding = state {
                context.close(promise: nil)
                return
            }
            guard case .reading(let head, let body) = state else { return }
            timer?.cancel()
            state = .responding
            answer(head, body: body, context: context)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    // MARK: - Timers

    /// (Re)starts the one timer: when it fires while waiting or reading, the connection is closed.
    private func arm(_ delay: Duration, context: ChannelHandlerContext) {
        timer?.cancel()
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(in: .nanoseconds(Int64(delay.nanoseconds))) {
            let (handler, context) = loopBound.value
            switch handler.state {
            case .idle, .reading, .discarding: context.close(promise: nil)
            case .responding, .closed: break
            }
        }
    }

    // MARK: - Answers

    /// 413, then the rest of the request is read and dropped (closing at once would reset the connection
    /// before the client reads the answer), within the request timeout; the connection closes after it.
    private func tooLarge(context: ChannelHandlerContext) {
        state = .discarding
        arm(limits.requestTimeout, context: context)
        let response = WebResponse.error(
            413,
            "The request body is larger than \(limits.maximumBodyBytes >> 20) MiB; nothing was changed."
        )
        write(response, head: nil, keepAlive: false, context: context)
    }

    private func answer(_ head: HTTPRequestHead, body: [UInt8], context: ChannelHandlerContext) {
        let request = WebRequest(
            method: head.method.rawValue,
            target: head.uri,
            headers: head.headers.map { ($0.name, $0.value) },
            body: body
        )
        let api = self.api
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        let eventLoop = context.eventLoop
        threadPool.runIfActive(eventLoop: eventLoop) { api.answer(request) }
            .flatMap { answer -> EventLoopFuture<WebResponse> in
                switch answer {
                case .now(let response): return eventLoop.makeSucceededFuture(response)
                case .later(let work):
                    let promise = eventLoop.makePromise(of: WebResponse.self)
                    promise.completeWithTask { await work() }
                    return promise.futureResult
                }
            }
            .whenComplete { result in
                let (handler, context) = loopBound.value
                guard case .responding = handler.state else { return }
                let response = (try? result.get()) ?? .error(503, "The server is stopping; try again in a moment.")
                handler.logger.info(
                    "\(head.method.rawValue) \(request.path) \(response.status)",
                    metadata: ["client": "\(handler.client)"]
                )
                handler.write(response, head: head, keepAlive: head.isKeepAlive, context: context)
            }
    }

    private func write(_ response: WebResponse, head: HTTPRequestHead?, keepAlive: Bool, context: ChannelHandlerContext)
    {
        var headers = HTTPHeaders(response.headers)
        let isHead = head?.method == .HEAD
        let version = head?.version ?? .http1_1
        switch response.body {
        case .bytes(let bytes):
            headers.replaceOrAdd(name: "Content-Length", value: String(bytes.count))
            headers.replaceOrAdd(name: "Connection", value: keepAlive ? "keep-alive" : "close")
            let status = HTTPResponseStatus(statusCode: response.status)
            context.write(
                wrapOutboundOut(.head(HTTPResponseHead(version: version, status: status, headers: headers))),
                promise: nil
            )
            if !isHead && !bytes.isEmpty {
                context.write(
                    wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: bytes)))),
                    promise: nil
                )
            }
            let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in
                let (handler, context) = loopBound.value
                if case .discarding = handler.state { return }  // closed at the request's end or timeout
                guard keepAlive, case .responding = handler.state else {
                    context.close(promise: nil)
                    return
                }
                handler.state = .idle
                handler.arm(handler.limits.idleTimeout, context: context)
            }
        case .run(let directory):
            headers.replaceOrAdd(name: "Connection", value: "close")
            context.writeAndFlush(
                wrapOutboundOut(.head(HTTPResponseHead(version: version, status: .ok, headers: headers))),
                promise: nil
            )
            guard !isHead else {
                let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
                context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in
                    loopBound.value.close(promise: nil)
                }
                return
            }
            let now = NIODeadline.now()
            follow(RunFollower(runDirectory: directory), lastSent: now, startedAt: now, context: context)
        }
    }

    /// One step of an event stream: reads what the journal gained (on the thread pool), sends `progress`
    /// when it changed, a heartbeat comment when nothing was sent for a while, `end` when the run finished.
    private func follow(
        _ follower: RunFollower,
        lastSent: NIODeadline,
        startedAt: NIODeadline,
        context: ChannelHandlerContext
    ) {
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        let limits = self.limits
        threadPool.runIfActive(eventLoop: context.eventLoop) { () -> (RunFollower, Bool) in
            var follower = follower
            let changed = follower.poll()
            return (follower, changed)
        }.whenComplete { result in
            let (handler, context) = loopBound.value
            guard case .responding = handler.state, case .success(let (follower, changed)) = result else {
                context.close(promise: nil)
                return
            }
            var text = ""
            let now = NIODeadline.now()
            if changed, let progress = follower.progress {
                text += "event: progress\ndata: \(WebAPI.dcosState(progress).encoded())\n\n"
            } else if now - lastSent >= .nanoseconds(Int64(limits.heartbeat.nanoseconds)) {
                text += ": still here\n\n"
            }
            // A run that never began (its process failed before the journal's first line) ends the stream.
            let neverBegan =
                follower.progress == nil && now - startedAt >= .nanoseconds(Int64(limits.runAppearance.nanoseconds))
            let finished = (follower.progress?.isFinished ?? false) || neverBegan
            if neverBegan { text += "event: end\ndata: {\"error\": \"the run did not begin\"}\n\n" }
            if finished && !neverBegan { text += "event: end\ndata: {}\n\n" }
            let sent = text.isEmpty ? lastSent : now
            if !text.isEmpty {
                context.writeAndFlush(
                    handler.wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: text)))),
                    promise: nil
                )
            }
            if finished {
                context.writeAndFlush(handler.wrapOutboundOut(.end(nil))).whenComplete { _ in
                    loopBound.value.1.close(promise: nil)
                }
                return
            }
            context.eventLoop.scheduleTask(in: .nanoseconds(Int64(limits.journalPoll.nanoseconds))) {
                let (handler, context) = loopBound.value
                guard case .responding = handler.state else { return }
                handler.follow(follower, lastSent: sent, startedAt: startedAt, context: context)
            }
        }
    }
}

extension Duration {
    fileprivate var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
