import ArgumentParser
import Foundation
import KruispuntANPR
import KruispuntServer
import KruispuntStore

/// `kruispunt enrich import FILE`: the vehicle-registry extract behind the restricted metrics.
struct Enrich: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The vehicle-registry extract (DIV, EUCARIS) for the restricted metrics.",
        discussion: """
            The extract is CSV: plate_hash,euro_class,first_registration,fuel,category,country, keyed by the \
            same delivered plate hash as the detections. Each record is pseudonymised with the detections' own \
            keys, once per key period with staged detections and for today and the days ahead; the plate hash \
            is not kept, the first registration only as its year. A new extract replaces the old one; a \
            period's records are purged with its detections. One bad line refuses the whole file.
            """,
        subcommands: [Import.self])

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Load an extract, replacing the one before.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The extract (CSV).") var file: String
        @Option(help: "Days after today to pseudonymise for too (detections still to come).") var daysAhead: Int = 2
        @Flag(help: "Print the summary as JSON.") var json = false

        func run() async throws {
            guard FileManager.default.isReadableFile(atPath: file) else { throw ValidationError("cannot read \(file)") }
            guard (0...31).contains(daysAhead) else { throw ValidationError("--days-ahead must be 0 to 31") }
            let text = try String(contentsOfFile: file, encoding: .utf8)
            let year = Calendar(identifier: .gregorian).component(.year, from: Date())
            let records = try VehicleRegistry.records(csv: text, currentYear: year)
            let runtime = try global.runtime(label: "enrich import")
            defer { runtime.shutdown() }
            let summary = try VehicleRegistry.load(records, pseudonymiser: try runtime.pseudonymiser(), daysAhead: daysAhead,
                                                   on: try runtime.connect())
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = .sortedKeys
                StandardOutput.write(String(decoding: try encoder.encode(summary), as: UTF8.self) + "\n")
            } else {
                StandardOutput.write("\(summary.records) records for \(summary.periods.count) key periods " +
                                     "(\(summary.periods.first ?? "")…\(summary.periods.last ?? "")): \(summary.rows) rows\n")
            }
        }
    }
}
