import ArgumentParser
import InstallerActions
import InstallerSystem

#if canImport(Glibc)
    import Glibc
#endif

/// Parses the command line, runs the one mode asked for, and maps every outcome to the documented exit
/// code: 0 success, 1 invalid config or failed run, 2 usage error (3 and 130 for the SSH actions).
@main
enum Entry {
    static func main() async {
        let code: Int32
        do {
            let arguments = DCOSGenerateConfig.rewriteResume(Array(CommandLine.arguments.dropFirst()))
            let parsed = try DCOSGenerateConfig.parseAsRoot(arguments)
            guard var command = parsed as? DCOSGenerateConfig else {
                // `--help` and `-h` parse as ArgumentParser's help command, which throws the help text.
                var help = parsed
                try help.run()
                exit(0)
            }
            code = try await command.execute()
        } catch let exit as ExitCode {
            code = exit.rawValue
        } catch {
            let exitCode = DCOSGenerateConfig.exitCode(for: error)
            let message = DCOSGenerateConfig.fullMessage(for: error)
            if exitCode == .success {
                print(message)
                code = 0
            } else {
                Terminal.writeError(message + "\n")
                // Usage errors (ArgumentParser's EX_USAGE) are exit code 2, as in DC/OS's argparse.
                code = exitCode == .validationFailure ? 2 : exitCode.rawValue
            }
        }
        exit(code)
    }
}

extension DCOSGenerateConfig {
    /// `--resume RUNID` (a run id: `20240501T120000Z-k3x9`) and `--resume=RUNID` become the hidden
    /// `--resume-run RUNID`; a bare `--resume` stays a flag (the newest run).
    static func rewriteResume(_ arguments: [String]) -> [String] {
        var out: [String] = []
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            if argument.hasPrefix("--resume=") {
                out += ["--resume-run", String(argument.dropFirst("--resume=".count))]
            } else if argument == "--resume", index + 1 < arguments.count, RunRecorder.isRunID(arguments[index + 1]) {
                out += ["--resume-run", arguments[index + 1]]
                index += 1
            } else {
                out.append(argument)
            }
            index += 1
        }
        return out
    }
}
