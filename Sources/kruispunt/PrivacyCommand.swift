import ArgumentParser
import Foundation
import KruispuntServer

/// `kruispunt privacy report`: the privacy dossier (the DPIA's technical annex) from the live
/// configuration and store, with the privacy checks run now.
struct PrivacyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "privacy",
        abstract: "The privacy dossier.",
        subcommands: [Report.self])

    struct Report: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the privacy dossier (Markdown or HTML) from the configuration and the store, with the privacy checks run now.",
            discussion: """
                In Dutch: the processing register (fields the controller fills in are marked), recipients per \
                tenant and purpose, retention, pseudonymisation, thresholds, where data is stored, the data flow, \
                and the results of the checks. Exit status 3 when a check failed (the dossier is still written).
                """)
        @OptionGroup var global: GlobalOptions
        @Option(help: "markdown or html.") var format = "markdown"
        @Option(help: ArgumentHelp("Write to this file instead of standard output.", valueName: "file")) var output: String?

        func validate() throws {
            guard ["markdown", "html"].contains(format) else { throw ValidationError("--format must be markdown or html") }
        }

        func run() async throws {
            let runtime = try global.runtime(label: "privacy report")
            defer { runtime.shutdown() }
            let report = try PrivacyReport.gather(runtime: runtime)
            let text = format == "html" ? report.html() : report.markdown()
            if let output {
                try Data(text.utf8).write(to: URL(fileURLWithPath: output), options: .atomic)
            } else {
                StandardOutput.write(text)
            }
            if !report.passed {
                FileHandle.standardError.write(Data("kruispunt: a privacy check failed (see the dossier's last section)\n".utf8))
                throw ExitCode(3)
            }
        }
    }
}
