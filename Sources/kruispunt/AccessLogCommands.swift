import ArgumentParser
import Foundation
import KruispuntRDF
import KruispuntServer
import KruispuntStore

struct AccessLogCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "accesslog",
        abstract: "The access log: verify its hash chain, list entries.",
        discussion: """
            Every request to the server and every command is logged, each entry carrying a SHA-256 hash \
            chained to the one before: an entry changed or removed afterwards breaks the chain.
            """,
        subcommands: [Verify.self, List.self])

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check the chain from its start; exit 1 and name the first broken entry when it does not hold.")
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let runtime = try global.runtime(label: "accesslog verify")
            defer { runtime.shutdown() }
            let report = try AccessLog.verify(on: try runtime.connect(), witness: runtime.accessLogWitness)
            if let broken = report.firstBroken {
                StandardOutput.write("BROKEN at entry \(broken): \(report.reason ?? "") (\(report.checked) entries before it hold)\n")
                throw ExitCode(1)
            }
            StandardOutput.write("intact: \(report.checked) entries\n")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Entries as CSV, newest first.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "From this date-time or UTC day.") var from: String?
        @Option(help: "Before this date-time or UTC day.") var to: String?
        @Option(help: "Only this identity (anonymous, admin:…, os:…).") var identity: String?
        @Option(help: "Only paths starting with this.") var path: String?
        @Option(help: "At most this many entries.") var limit = 1000

        func run() async throws {
            func instant(_ text: String?, _ name: String) throws -> Int64? {
                guard let text else { return nil }
                guard let t = XSDDateTime(text) ?? XSDDateTime(text + "T00:00:00Z") else {
                    throw ValidationError("--\(name) must be a date (YYYY-MM-DD) or a date-time")
                }
                return t.epochMillis
            }
            let filter = AccessLog.Filter(fromMillis: try instant(from, "from"), toMillis: try instant(to, "to"),
                                          identity: identity, pathPrefix: path)
            let runtime = try global.runtime(label: "accesslog list")
            defer { runtime.shutdown() }
            StandardOutput.write(AccessLog.csv(try AccessLog.list(filter, limit: max(1, limit), on: try runtime.connect())))
        }
    }
}
