import InstallerConfig
import InstallerGenconf
import InstallerServe
import InstallerSystem
import InstallerTrust
import Logging

/// `--serve`: the bootstrap HTTP server for genconf/serve.
enum ServeMode {
    static func run(_ context: CommandContext, bind: String, port: Int?, tlsCert: String?, tlsKey: String?) async
        -> Int32
    {
        let options = context.options
        let listenPort: Int
        if let port {
            listenPort = port
        } else {
            let https = tlsCert != nil || bootstrapScheme(configPath: options.configPath) == "https"
            switch defaultPort(configPath: options.configPath, tls: https) {
            case .success(let port): listenPort = port
            case .failure(let message):
                context.logger.error("\(message)")
                return 1
            }
        }
        var configuration = ServeConfiguration(
            root: options.serveDirectory,
            bindAddress: bind,
            port: listenPort,
            jsonLogs: context.json,
            genconfDirectory: options.genconfDirectory
        )
        if let tlsCert, let tlsKey {
            configuration.tls = TLSFiles(
                certificatePath: Paths.absolute(tlsCert),
                privateKeyPath: Paths.absolute(tlsKey)
            )
        } else if bootstrapScheme(configPath: options.configPath) == "https" {
            // The certificate genconf issued from its private CA, which dcos_install.sh pins.
            guard let files = BootstrapTLS.serverFiles(genconfDirectory: options.genconfDirectory) else {
                context.logger.error(
                    "bootstrap_url is https, and genconf/keys has no bootstrap-server.pem: run --genconf first (it creates a private CA and the server certificate), or pass --tls-cert and --tls-key."
                )
                return 1
            }
            configuration.tls = TLSFiles(certificatePath: files.certificate, privateKeyPath: files.key)
        }
        let root = options.serveDirectory
        do {
            try await BootstrapServer.run(configuration, logger: context.logger) { url in
                printResult("Serving \(root) at \(url)")
            }
            return 0
        } catch {
            context.logger.error("\(error)")
            return 1
        }
    }

    /// The scheme of bootstrap_url in config.yaml, if it can be read.
    static func bootstrapScheme(configPath: String) -> String? {
        let (document, _) = ConfigDocument.load(path: configPath)
        guard let entry = document?.entries.first(where: { $0.key == "bootstrap_url" }),
            case .scalar(let scalar) = entry.value
        else { return nil }
        return NetworkSyntax.parseURL(scalar.text)?.scheme
    }

    /// The port of bootstrap_url in config.yaml (80 for http, 443 for https without a port).
    static func defaultPort(configPath: String, tls: Bool) -> Result<Int, ServeDefaultError> {
        let fallback = tls ? 443 : 80
        let (document, _) = ConfigDocument.load(path: configPath)
        guard let document else { return .success(fallback) }
        guard let entry = document.entries.first(where: { $0.key == "bootstrap_url" }),
            case .scalar(let scalar) = entry.value
        else { return .success(fallback) }
        guard let url = NetworkSyntax.parseURL(scalar.text) else { return .success(fallback) }
        switch url.scheme {
        case "http": return .success(url.port ?? 80)
        case "https": return .success(url.port ?? 443)
        default:
            return .failure(
                ServeDefaultError(
                    message:
                        "bootstrap_url is \(scalar.text), so nodes do not fetch over HTTP; pass --port to serve anyway."
                )
            )
        }
    }

    struct ServeDefaultError: Error {
        var message: String
    }
}
