import InstallerConfig
import InstallerServe
import InstallerSystem
import InstallerWeb
import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// `--web`: the web installer, until SIGINT or SIGTERM; then the actions it started are cancelled as
/// Ctrl-C cancels the CLI's (each writes its report) before it exits 0.
enum WebMode {
    static func run(_ context: CommandContext, bind: String, port: Int, tlsCert: String?, tlsKey: String?) async
        -> Int32
    {
        var configuration = WebConfiguration(bindAddress: bind, port: port)
        if let tlsCert, let tlsKey {
            configuration.tls = TLSFiles(
                certificatePath: Paths.absolute(tlsCert),
                privateKeyPath: Paths.absolute(tlsKey)
            )
        }
        let sessions = WebSessions()
        let actions = WebActions(genconf: context.options, logger: context.logger)
        let api = WebAPI(
            genconf: context.options,
            version: .init(
                dcosVersion: InstallerVersion.version,
                variant: InstallerVersion.variant,
                installerVersion: InstallerVersion.installer,
                commit: InstallerVersion.commit
            ),
            sessions: sessions,
            actions: actions,
            usesTLS: configuration.tls != nil
        )
        let token = sessions.pendingLoginToken ?? ""
        let plainHTTP = configuration.tls == nil
        do {
            try await WebServer.run(configuration, api: api, logger: context.logger) { url in
                printResult("Web installer for \(context.displayConfigPath) at \(url)")
                printResult("Open this URL in your browser to log in (it works once): \(loginURL(url, token: token))")
                if plainHTTP && !["127.0.0.1", "::1", "localhost"].contains(bind) {
                    context.logger.warning(
                        "The web installer speaks plain HTTP on \(bind): the login link and session cookie cross the network unencrypted. Use --tls-cert/--tls-key, or --bind 127.0.0.1 with an SSH tunnel."
                    )
                }
            }
        } catch {
            context.logger.error("\(error)")
            await actions.shutdown()
            return 1
        }
        await actions.shutdown()
        return 0
    }

    /// The bound URL with this host's name instead of a wildcard address, plus the login path.
    static func loginURL(_ url: String, token: String) -> String {
        var base = url
        for wildcard in ["0.0.0.0", "[::]"] where base.contains("//\(wildcard):") {
            var buffer = [CChar](repeating: 0, count: 256)
            let name =
                gethostname(&buffer, buffer.count - 1) == 0
                ? String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) : ""
            base = base.replacing(wildcard, with: name.isEmpty ? "127.0.0.1" : name)
        }
        return base + "/login?token=" + token
    }
}
