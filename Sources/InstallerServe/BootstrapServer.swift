import InstallerTrust
public import Logging
import NIOCore
import NIOPosix
import NIOSSL
import UnixSignals

/// The built-in bootstrap HTTP server for `genconf/serve`.
public enum BootstrapServer {
    /// Binds, calls `onListening` with the actual bound URL (e.g. "http://127.0.0.1:43211"), serves until
    /// SIGINT/SIGTERM (or task cancellation), drains in-flight downloads up to the grace period, then returns normally.
    ///
    /// - Throws: ``ServeError`` when the address cannot be bound or the TLS files cannot be used; its description is
    ///   a sentence naming the address and port and what to do.
    public static func run(
        _ configuration: ServeConfiguration,
        logger: Logger,
        onListening: @Sendable (String) -> Void
    ) async throws {
        let signals: UnixSignalsSequence? =
            configuration.handlesSignals ? await UnixSignalsSequence(trapping: .sigint, .sigterm) : nil
        let server = try await RunningServer.start(configuration, logger: logger)
        onListening(server.url)

        let reason = await Listening.stopReason(listener: server.listener, signals: signals)
        await server.shutdown(reason: reason)
    }
}

/// A bound listener and the state shared by its connections.
private struct RunningServer: Sendable {
    let listener: any Channel
    let url: String
    let registry: ConnectionRegistry
    let serve: ServeContext
    let configuration: ServeConfiguration
    let logger: Logger

    static func start(_ configuration: ServeConfiguration, logger: Logger) async throws -> RunningServer {
        let address = try Listening.socketAddress(bind: configuration.bindAddress, port: configuration.port)
        let threadPool = NIOThreadPool.singleton
        let sslContext: NIOSSLContext? =
            if let files = configuration.tls { try await Listening.sslContext(files, threadPool: threadPool) } else {
                nil
            }
        let resolver = PathResolver(rootPath: configuration.root)
        if await !((try? threadPool.runIfActive { resolver.rootExists }) ?? false) {
            logger.warning(
                "The serve directory does not exist yet; requests get 404 until genconf writes it.",
                metadata: ["root": "\(configuration.root)"]
            )
        }
        let secrets = try await Self.secretsGate(configuration, threadPool: threadPool, logger: logger)
        let registry = ConnectionRegistry(
            maximum: max(1, configuration.limits.maxConnections),
            maximumPerClient: max(1, configuration.limits.maxConnectionsPerClient)
        )
        let serve = ServeContext(
            resolver: resolver,
            roots: RootCache(path: configuration.root),
            manifests: ManifestCache(),
            limits: configuration.limits,
            log: RequestLog(json: configuration.jsonLogs),
            threadPool: threadPool,
            fileIO: NonBlockingFileIO(threadPool: threadPool),
            usesTLS: sslContext != nil,
            secrets: secrets
        )
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
            .childChannelOption(.socketOption(.so_keepalive), value: 1)
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    let admission = registry.admit(channel)
                    guard admission == .admitted else {
                        try pipeline.addHandler(
                            OverCapacityHandler(
                                log: serve.log,
                                speaksPlainHTTP: sslContext == nil,
                                admission: admission
                            )
                        )
                        return
                    }
                    if let sslContext {
                        try pipeline.addHandler(NIOSSLServerHandler(context: sslContext))
                    }
                    try pipeline.addHandler(ConnectionHandler(serve: serve))
                }
            }
        let listener: any Channel
        do {
            listener = try await bootstrap.bind(to: address).get()
        } catch {
            throw Listening.bindError(error, bind: configuration.bindAddress, port: configuration.port)
        }
        let bound = listener.localAddress
        let host = bound?.ipAddress ?? configuration.bindAddress
        let port = bound?.port ?? configuration.port
        let scheme = sslContext == nil ? "http" : "https"
        let url = host.contains(":") ? "\(scheme)://[\(host)]:\(port)" : "\(scheme)://\(host):\(port)"
        logger.info("Serving \(configuration.root) at \(url)")
        return RunningServer(
            listener: listener,
            url: url,
            registry: registry,
            serve: serve,
            configuration: configuration,
            logger: logger
        )
    }

    /// The secrets gate, when the genconf directory has keys. Refuses to start when a key or a secrets archive is
    /// readable by other users: such a bootstrap node has already leaked them, and serving would hide that.
    static func secretsGate(
        _ configuration: ServeConfiguration,
        threadPool: NIOThreadPool,
        logger: Logger
    ) async throws -> SecretsGate? {
        guard let genconf = configuration.genconfDirectory else { return nil }
        let outcome: Result<SecretsGate?, TrustError> = try await threadPool.runIfActive {
            let keysDirectory = genconf + "/" + GenconfKeys.directoryName
            let secretsDirectory = genconf + "/" + SecretsGate.prefix
            do throws(TrustError) {
                try PrivateFiles.checkTree(secretsDirectory)
                guard GenconfKeys.exist(genconfDirectory: genconf) else { return .success(nil) }
                try PrivateFiles.checkTree(keysDirectory)
                let keys = try GenconfKeys.load(genconfDirectory: genconf)
                return .success(SecretsGate(directory: secretsDirectory, keys: keys))
            } catch {
                return .failure(error)
            }
        }
        switch outcome {
        case .success(let gate):
            if gate == nil { logger.info("No genconf keys yet: /secrets/ answers 404 until --genconf has run.") }
            return gate
        case .failure(let error):
            throw ServeError(.secretsUnsafe, "Refusing to serve: \(error.message)")
        }
    }

    /// Stops accepting, lets in-flight responses finish within the grace period, then closes what is left.
    func shutdown(reason: String) async {
        self.logger.info(
            "Stopping the bootstrap server: \(reason); letting \(self.registry.count) open connections finish."
        )
        try? await self.listener.close()
        self.registry.beginShutdown()
        let grace = self.configuration.limits.shutdownGracePeriod
        await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                await self.registry.waitUntilDrained()
                return true
            }
            group.addTask {
                try? await Task.sleep(for: grace)
                return false
            }
            if await group.next() == false {
                self.logger.info("Grace period over; closing \(self.registry.count) connections still open.")
            }
            self.registry.closeAll()
            group.cancelAll()
        }
        await self.serve.log.flush()
    }
}

/// Answers a connection over the cap with 503 and closes it, without reading its request.
private final class OverCapacityHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let log: RequestLog
    private let speaksPlainHTTP: Bool
    private let note: String

    init(log: RequestLog, speaksPlainHTTP: Bool, admission: ConnectionRegistry.Admission) {
        self.log = log
        self.speaksPlainHTTP = speaksPlainHTTP
        if case .clientFull(let open) = admission {
            self.note = "connection refused: this address already has \(open) connections open"
        } else {
            self.note = "connection refused: connection limit reached"
        }
    }

    func channelActive(context: ChannelHandlerContext) {
        let client = context.channel.remoteAddress.map { "\($0.ipAddress ?? "?"):\($0.port ?? 0)" } ?? "-"
        self.log.record(
            RequestLog.Entry(
                method: "-",
                target: "-",
                status: 503,
                bytes: 0,
                durationNanoseconds: 0,
                client: client,
                note: self.note
            )
        )
        guard self.speaksPlainHTTP else {
            context.close(promise: nil)
            return
        }
        let text = "503 Service Unavailable: too many connections, try again\n"
        var buffer = context.channel.allocator.buffer(capacity: 200)
        buffer.writeString(
            "HTTP/1.1 503 Service Unavailable\r\nServer: dcos-bootstrap\r\nRetry-After: 1\r\n"
                + "Content-Type: text/plain; charset=utf-8\r\nContent-Length: \(text.utf8.count)\r\n"
                + "Connection: close\r\n\r\n\(text)"
        )
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.writeAndFlush(self.wrapOutboundOut(buffer)).whenComplete { _ in
            let context = loopBound.value
            // Half-close so the response is not lost to a reset, then give the client a moment to read it.
            context.close(mode: .output, promise: nil)
            let channel = context.channel
            context.eventLoop.scheduleTask(in: .seconds(2)) { channel.close(promise: nil) }
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // Discard whatever the client sends.
    }
}

/// Binding a listener, for the bootstrap server and the web installer: the socket address, errors that say what
/// to do, and the TLS context from --tls-cert/--tls-key.
package enum Listening {
    /// Waits until the server must stop and says why: a signal of `signals`, the listening socket closed,
    /// or the calling task cancelled.
    package static func stopReason(listener: any Channel, signals: UnixSignalsSequence?) async -> String {
        let (stopRequests, stop) = AsyncStream.makeStream(of: String.self)
        listener.closeFuture.whenComplete { _ in stop.yield("the listening socket closed") }
        return await withTaskGroup(of: Void.self) { group in
            if let signals {
                group.addTask {
                    for await signal in signals {
                        stop.yield("received \(signal)")
                        return
                    }
                }
            }
            var iterator = stopRequests.makeAsyncIterator()
            let reason = await iterator.next() ?? "the serving task was cancelled"
            group.cancelAll()
            return reason
        }
    }

    package static func socketAddress(bind: String, port: Int) throws -> SocketAddress {
        guard (0...65535).contains(port) else {
            throw ServeError(
                .invalidAddress,
                "Port \(port) is not a TCP port; choose --port between 1 and 65535 (or 0 for any free port)."
            )
        }
        let host = bind == "localhost" ? "127.0.0.1" : bind
        do {
            return try SocketAddress(ipAddress: host, port: port)
        } catch {
            throw ServeError(
                .invalidAddress,
                "'\(bind)' is not an IP address; give --bind an IPv4 or IPv6 address of this "
                    + "host, such as 0.0.0.0 (all interfaces), :: or 127.0.0.1."
            )
        }
    }

    package static func bindError(_ error: any Error, bind: String, port: Int) -> ServeError {
        let where_ =
            bind.contains(":")
            ? "[\(bind)]:\(port)"
            : "\(bind):\(port)"
        guard let ioError = error as? IOError else {
            return ServeError(.bindFailed, "Cannot listen on \(where_): \(error). Check --bind and --port.")
        }
        switch SystemErrorCode(ioError.errnoCode) {
        case .addressInUse:
            return ServeError(
                .addressInUse,
                "Cannot listen on \(where_): the port is already in use by another program. Stop that program "
                    + "(for example an nginx container started for bootstrap) or choose another port with --port."
            )
        case .permissionDenied:
            return ServeError(
                .permissionDenied,
                "Cannot listen on \(where_): permission denied. Ports below 1024 need root; run as root or choose "
                    + "--port 1024 or higher (and use that port in bootstrap_url)."
            )
        case .addressNotAvailable:
            return ServeError(
                .addressNotAvailable,
                "Cannot listen on \(where_): the address does not belong to this host. Choose --bind with one of "
                    + "this host's addresses, or 0.0.0.0 for all of them."
            )
        default:
            return ServeError(
                .bindFailed,
                "Cannot listen on \(where_): \(ioError). Check --bind and --port."
            )
        }
    }

    package static func sslContext(_ files: TLSFiles, threadPool: NIOThreadPool) async throws -> NIOSSLContext {
        do {
            return try await threadPool.runIfActive {
                let chain = try NIOSSLCertificate.fromPEMFile(files.certificatePath)
                let key = try NIOSSLPrivateKey(file: files.privateKeyPath, format: .pem)
                let tls = TLSConfiguration.makeServerConfiguration(
                    certificateChain: chain.map { .certificate($0) },
                    privateKey: .privateKey(key)
                )
                return try NIOSSLContext(configuration: tls)
            }
        } catch {
            throw ServeError(
                .tlsSetupFailed,
                "Cannot use the TLS certificate '\(files.certificatePath)' and key '\(files.privateKeyPath)': \(error). "
                    + "Give --tls-cert a PEM certificate chain and --tls-key its PEM private key."
            )
        }
    }
}
