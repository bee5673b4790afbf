// Temporary entry point for the serve branch only: a minimal argument loop so the bootstrap server can be run and
// benchmarked. The real CLI replaces this file on merge.
import InstallerServe
import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

func emit(_ text: String, to descriptor: CInt) {
    var bytes = Array(text.utf8)
    bytes.withUnsafeMutableBytes { buffer in
        var offset = 0
        while offset < buffer.count {
            let written = write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
            if written <= 0 { return }
            offset += written
        }
    }
}

func serveMain() async -> Int32 {
    LoggingSystem.bootstrap(StreamLogHandler.standardError)
    let logger = Logger(label: "dcos_generate_config")
    var arguments = CommandLine.arguments.dropFirst()
    var serve = false
    var genconfDir = "genconf"
    var bind = "0.0.0.0"
    var port = 80
    var json = false
    var cert: String?
    var key: String?
    while let argument = arguments.popFirst() {
        if ["--genconf-dir", "--bind", "--port", "--tls-cert", "--tls-key"].contains(argument) {
            guard let value = arguments.popFirst() else {
                emit("Error: \(argument) needs a value.\n", to: STDERR_FILENO)
                return 64
            }
            switch argument {
            case "--genconf-dir": genconfDir = value
            case "--bind": bind = value
            case "--port": port = Int(value) ?? -1
            case "--tls-cert": cert = value
            default: key = value
            }
            continue
        }
        switch argument {
        case "--serve": serve = true
        case "--json": json = true
        default:
            emit("Error: unknown argument '\(argument)'.\n", to: STDERR_FILENO)
            return 64
        }
    }
    guard serve else {
        emit("Error: this branch's placeholder CLI only supports --serve.\n", to: STDERR_FILENO)
        return 64
    }
    var root = genconfDir
    if !root.hasPrefix("/") {
        var buffer = [CChar](repeating: 0, count: 4096)
        if getcwd(&buffer, buffer.count) != nil {
            root = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) + "/" + root
        }
    }
    root += "/serve"
    var configuration = ServeConfiguration(root: root, bindAddress: bind, port: port, jsonLogs: json)
    if let cert, let key {
        configuration.tls = TLSFiles(certificatePath: cert, privateKeyPath: key)
    }
    let servedRoot = root
    do {
        try await BootstrapServer.run(configuration, logger: logger) { url in
            emit("Serving \(servedRoot) at \(url)\n", to: STDOUT_FILENO)
        }
        return 0
    } catch {
        emit("Error: \(error)\n", to: STDERR_FILENO)
        return 1
    }
}

exit(await serveMain())
