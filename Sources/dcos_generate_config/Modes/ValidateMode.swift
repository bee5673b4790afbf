import InstallerConfig
import InstallerGenconf
import Logging

/// `--validate-config`: the genconf rules plus the SSH-stage rules, every problem at once.
enum ValidateMode {
    static func run(_ context: CommandContext) -> Int32 {
        let (document, result) = Genconf.validate(context.options, stage: .ssh)
        if context.json {
            printResult(result.diagnostics.validationJSON(valid: result.isValid).encoded(pretty: true))
        } else {
            DiagnosticsOutput.printHuman(
                result.diagnostics,
                document: document,
                displayPath: context.displayConfigPath,
                sourcePath: context.options.configPath
            )
            context.logger.info(
                "\(DiagnosticsOutput.summary(result.diagnostics, displayPath: context.displayConfigPath))"
            )
        }
        return result.isValid ? 0 : 1
    }
}
