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
        let bootstrapURL = bootstrapURL(configPath: options.configPath)
        let https = bootstrapURL?.parts.scheme == "https"
        let listenPort: Int
        if let port {
            listenPort = port
        } else {
            switch defaultPort(bootstrapURL, tls: tlsCert != nil || https) {
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
        } else if https {
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

    /// bootstrap_url from config.yaml, if it can be read and parsed (read once per --serve).
    static func bootstrapURL(configPath: String) -> (text: String, parts: NetworkSyntax.URLParts)? {
        let (document, _) = ConfigDocument.load(path: configPath)
        guard let entry = document?.entries.first(where: { $0.key == "bootstrap_url" }),
            case .scalar(let scalar) = entry.value, let parts = NetworkSyntax.parseURL(scalar.text)
        else { return nil }
        return (scalar.text, parts)
    }

    /// The port of bootstrap_url in config.yaml (80 for http, 443 for https without a port).
    static func defaultPort(
        _ url: (text: String, parts: NetworkSyntax.URLParts)?,
        tls: Bool
    ) -> Result<Int, ServeDefaultError> {
        guard let url else { return .success(tls ? 443 : 80) }
        switch url.parts.scheme {
        case "http": return .success(url.parts.port ?? 80)
        case "https": return .success(url.parts.port ?? 443)
        default:
            return .failure(
                ServeDefaultError(
                    message:
                        "bootstrap_url is \(url.text), so nodes do not fetch over HTTP; pass --port to serve anyway."
                )
            )
        }
    }

    struct ServeDefaultError: Error {
        var message: String
    }
}
