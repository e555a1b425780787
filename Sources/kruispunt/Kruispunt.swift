import ArgumentParser
import Foundation

/// `kruispunt`: the command-line tool. Thin: it parses arguments and calls the modules.
@main
struct Kruispunt: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kruispunt",
        abstract: "Kruispunt: privacy-safe City of Things observations from pseudonymised ANPR detections.",
        discussion: """
            Detections go in (ingest), the treatment turns them into anonymous hourly and daily counts, \
            and serve publishes them as Linked Data Event Streams and a Dutch dashboard. Without \
            --database-url every command starts a private PostgreSQL cluster in --data-dir and stops it \
            on exit (a cluster already running for the same folder is reused).
            """,
        subcommands: [Serve.self, Ingest.self, Treat.self, Worker.self, Import.self, Validate.self, Stats.self, Generate.self, Export.self, Demo.self, Cameras.self, Zones.self,
                      Quarantine.self, Purge.self, Dump.self, SPARQL.self, AccessLogCommand.self, TokenCommand.self, TenantCommand.self, PurposeCommand.self, Enrich.self, ConfigCommand.self, PrivacyCommand.self])

    /// Lets global options stand before the command name: `kruispunt --data-dir D ingest f.csv`.
    static func reordered(_ arguments: [String]) -> [String] {
        var globals: [String] = []
        var rest = arguments
        while let first = rest.first, first.hasPrefix("--") {
            let name = String(first.split(separator: "=", maxSplits: 1)[0])
            guard GlobalOptions.names.contains(name) else { break }
            globals.append(rest.removeFirst())
            if !first.contains("="), !rest.isEmpty { globals.append(rest.removeFirst()) }
        }
        guard !globals.isEmpty, !rest.isEmpty else { return arguments }
        // Walk down the command tree (`quarantine list`): the options belong to the leaf command.
        var path: [String] = []
        var commands: [any ParsableCommand.Type] = configuration.subcommands
        while let word = rest.first, let command = commands.first(where: { $0._commandName == word }) {
            path.append(rest.removeFirst())
            commands = command.configuration.subcommands
        }
        return path + globals + rest
    }

    static func main() async {
        let arguments = reordered(Array(CommandLine.arguments.dropFirst()))
        do {
            var command = try parseAsRoot(arguments)
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}
