import ArgumentParser
import Foundation
import KruispuntRDF
import KruispuntServer
import KruispuntSPARQL
import KruispuntStore

/// `kruispunt sparql`: answer a SPARQL-lite query from the command line (results as CSV, TSV,
/// JSON or XML), or show the SQL statement it compiles to.
struct SPARQL: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sparql",
        abstract: "Answer a SPARQL-lite query on the store (the same engine as /sparql).",
        discussion: "The query is the argument, or a file with --file, or standard input with --file -.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The query text.") var query: String?
    @Option(help: ArgumentHelp("Read the query from a file (- for standard input).", valueName: "path")) var file: String?
    @Option(help: "Result format: csv, tsv, json or xml.") var format: String = "csv"
    @Flag(help: "Print the compiled SQL and its parameters instead of running it.") var sql = false

    func run() async throws {
        let text: String
        if let file {
            text = file == "-" ? String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
                : try String(contentsOfFile: file, encoding: .utf8)
        } else if let query {
            text = query
        } else {
            throw ValidationError("give a query, or --file")
        }
        guard let resultFormat = SPARQLResultFormat(rawValue: format) else { throw ValidationError("--format: csv, tsv, json or xml") }
        let runtime = try global.runtime(label: "sparql")
        defer { runtime.shutdown() }
        let db = try runtime.connect()
        let c = runtime.configuration
        let engine = SPARQLEngine(rowCap: c.sparqlRowCap, timeoutMillis: c.sparqlTimeoutMillis, maxQueryLength: c.sparqlMaxQueryCharacters)
        do {
            if sql {
                let (_, compiled) = try engine.compile(text, on: db)
                StandardOutput.write(compiled.sql + "\n")
                for (i, p) in compiled.parameters.enumerated() { StandardOutput.write("$\(i + 1) = \(p ?? "NULL")\n") }
                return
            }
            let result = try engine.execute(text, on: db)
            if case .graph(let triples, _) = result {
                StandardOutput.write(NTriples.serialize(triples))
            } else {
                StandardOutput.write(resultFormat.write(result))
            }
        } catch let error as SPARQLError {
            throw ValidationError(error.description)
        } catch let error as SPARQLEvaluationError {
            throw ValidationError(error.description)
        }
    }
}
