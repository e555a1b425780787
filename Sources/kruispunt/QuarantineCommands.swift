import ArgumentParser
import Foundation
import KruispuntANPR
import KruispuntServer
import KruispuntStore

struct Quarantine: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Lines that failed validation: list them, export them for correction, delete them.",
        discussion: """
            The list shows source, line number and reason only: raw lines carry plate hashes and are \
            written only by export, to a file readable by its owner alone. Correct the exported file and \
            ingest it again like any other file.
            """,
        subcommands: [List.self, Export.self, Delete.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List quarantined lines (CSV: id, batch, source, line, reason).")
        @OptionGroup var global: GlobalOptions
        @Option(help: "Only this ingest batch.") var batch: Int?

        func run() async throws {
            let runtime = try global.runtime(label: "quarantine")
            defer { runtime.shutdown() }
            let rows = try runtime.connect().query("""
                SELECT q.id, q.batch_id, b.source, q.line_number, q.reason FROM quarantine q
                JOIN ingest_batches b ON b.id = q.batch_id
                WHERE $1::bigint IS NULL OR q.batch_id = $1::bigint ORDER BY q.id
                """, [batch.map(String.init)])
            var out = "id,batch,source,line,reason\n"
            for r in rows { out += r.map { csvField($0 ?? "") }.joined(separator: ",") + "\n" }
            StandardOutput.write(out)
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write quarantined lines, verbatim under their file's header (none for NDJSON), to a file (mode 0600).")
        @OptionGroup var global: GlobalOptions
        @Option(help: "Only this ingest batch.") var batch: Int?
        @Option(help: "Output file.") var out: String

        func run() async throws {
            let runtime = try global.runtime(label: "quarantine")
            defer { runtime.shutdown() }
            let db = try runtime.connect()
            let rows = try db.query("""
                SELECT q.raw FROM quarantine q WHERE $1::bigint IS NULL OR q.batch_id = $1::bigint ORDER BY q.id
                """, [batch.map(String.init)])
            // Raw lines are only meaningful under their own file's header (none for NDJSON).
            let headers = try db.query("""
                SELECT DISTINCT b.header FROM quarantine q JOIN ingest_batches b ON b.id = q.batch_id
                WHERE $1::bigint IS NULL OR q.batch_id = $1::bigint
                """, [batch.map(String.init)])
            guard headers.count <= 1 else {
                throw ValidationError("the quarantined lines come from files with different headers: export them per batch (--batch N; see quarantine list)")
            }
            let header = headers.first?[0].map { $0 + "\n" } ?? ""
            let text = header + rows.map { ($0[0] ?? "") + "\n" }.joined()
            guard FileManager.default.createFile(atPath: out, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600]) else {
                throw ValidationError("cannot write \(out)")
            }
            StandardOutput.write("\(rows.count) quarantined lines written to \(out)\n")
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete quarantined lines (after they were corrected and ingested).")
        @OptionGroup var global: GlobalOptions
        @Option(help: "Only this ingest batch.") var batch: Int?
        @Flag(help: "Every quarantined line.") var all = false

        func validate() throws {
            if batch == nil && !all { throw ValidationError("give --batch N or --all") }
        }

        func run() async throws {
            let runtime = try global.runtime(label: "quarantine")
            defer { runtime.shutdown() }
            let n = try runtime.connect().update("DELETE FROM quarantine WHERE $1::bigint IS NULL OR batch_id = $1::bigint",
                                                 [batch.map(String.init)])
            StandardOutput.write("\(n) quarantined lines deleted\n")
        }
    }
}

/// A CSV field, quoted when it holds a separator, quote or newline.
func csvField(_ value: String) -> String {
    guard value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return value }
    return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
}
