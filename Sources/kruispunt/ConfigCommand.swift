import ArgumentParser
import Foundation
import KruispuntServer

/// `kruispunt config reference`: every setting (flag, environment variable, default, meaning).
struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "The configuration reference.",
        subcommands: [Reference.self])

    struct Reference: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print every setting: the Markdown table of docs/operator-guide.md, or JSON.")
        @Flag(help: "Print a JSON array of {flag, environment, variables, defaultValue, meaning}.") var json = false

        func run() throws {
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                StandardOutput.write(String(decoding: try encoder.encode(Configuration.reference), as: UTF8.self) + "\n")
            } else {
                StandardOutput.write(Configuration.referenceMarkdown())
            }
        }
    }
}
