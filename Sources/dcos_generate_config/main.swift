import Foundation
import InstallerConfig
let path = CommandLine.arguments[1]
let t0 = Date()
let (_, result) = ConfigValidator.validateFile(at: path, stage: .ssh, baseDirectory: "/work/main")
let t1 = Date()
print(result.isValid, result.diagnostics.map(\.description), t1.timeIntervalSince(t0))
if let c = result.config { let d = DerivedValues.compute(c); print(d.count, Date().timeIntervalSince(t1)) }
