// Benchmark runner: `ssh-fanout --exec CMD --hosts-file F --user U --key K --known-hosts P [--parallelism N]`.
// Runs CMD on every `host:port` line of F through InstallerSSH and prints one line per failed host,
// then a summary line on stderr. Exit 0 when all succeeded, 3 otherwise, 2 on usage errors.
import InstallerSSH

#if canImport(Glibc)
    import Glibc
#endif

func printError(_ text: String) {
    let bytes = Array(text.utf8)
    _ = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
}

var options: [String: String] = [:]
var arguments = CommandLine.arguments.dropFirst()
while let flag = arguments.popFirst() {
    guard flag.hasPrefix("--"), let value = arguments.popFirst() else {
        printError("usage: ssh-fanout --exec CMD --hosts-file F --user U --key K --known-hosts P [--parallelism N]\n")
        exit(2)
    }
    options[String(flag.dropFirst(2))] = value
}
guard let command = options["exec"], let hostsFile = options["hosts-file"],
    let text = try? String(contentsOfFile: hostsFile)
else {
    printError("ssh-fanout: --exec and a readable --hosts-file are required\n")
    exit(2)
}

extension String {
    init?(contentsOfFile path: String) throws {
        guard let file = fopen(path, "r") else { return nil }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = fread(&buffer, 1, buffer.count, file)
            if n <= 0 { break }
            bytes += buffer[0..<n]
        }
        self = String(decoding: bytes, as: UTF8.self)
    }
}

let targets = text.split(separator: "\n").compactMap { line -> SSHTarget? in
    guard let colon = line.lastIndex(of: ":"), let port = Int(line[line.index(after: colon)...]) else { return nil }
    return SSHTarget(
        host: String(line[..<colon]),
        port: port,
        user: options["user"] ?? "root",
        authentication: .privateKey(path: options["key"] ?? "/root/.ssh/id_ed25519"),
        hostKeyPolicy: .acceptNew,
        knownHostsFile: options["known-hosts"] ?? "genconf/known_hosts"
    )
}
let parallelism = Int(options["parallelism"] ?? "") ?? targets.count
let fleet = SSHFleet(FleetConfiguration(parallelism: parallelism, handshakeParallelism: parallelism))
let results = await fleet.run(command, on: targets)
let failed = results.filter { !$0.succeeded }
for result in failed { print(result.error?.description ?? "") }
let status = (try? String(contentsOfFile: "/proc/self/status")) ?? ""
func field(_ name: String) -> String {
    let line = status.split(separator: "\n").first { $0.hasPrefix(name + ":") } ?? ""
    return line.dropFirst(name.count + 1).split { $0 == " " || $0 == "\t" }.first.map(String.init) ?? "?"
}
printError(
    "ssh-fanout: \(results.count - failed.count)/\(results.count) succeeded; threads=\(field("Threads")) peak_rss_kb=\(field("VmHWM"))\n"
)
exit(failed.isEmpty ? 0 : 3)
