import Foundation
import KruispuntRDF
import KruispuntSPARQL
import KruispuntStore
import Logging
import Testing

/// The W3C SPARQL test suites in `../shared/w3c-sparql` (read in place), run against a real
/// PostgreSQL: each test's data is loaded into an empty store (its default graph and named
/// graphs), its query answered by SPARQL-lite with the strict dataset (the default graph is the
/// store's own), and the answer compared with the expected one. Prints a table per folder.
/// Failures must be listed in `w3c-known-failures.txt` (a list that only shrinks): a new failure,
/// or a listed test that now passes, fails this test.
@Suite(.serialized) struct W3CSuiteTests {
    static let folders = [
        "sparql10/basic", "sparql10/triple-match", "sparql10/optional", "sparql10/optional-filter", "sparql10/bound",
        "sparql10/distinct", "sparql10/sort", "sparql10/solution-seq", "sparql10/expr-builtin", "sparql10/expr-equals",
        "sparql10/expr-ops", "sparql10/regex", "sparql10/ask", "sparql10/construct", "sparql10/type-promotion",
        "sparql10/boolean-effective-value", "sparql10/algebra", "sparql10/open-world", "sparql10/graph", "sparql10/dataset",
        "sparql11/aggregates", "sparql11/grouping", "sparql11/bind", "sparql11/project-expression",
        "sparql11/json-res", "sparql11/csv-tsv-res",
    ]

    /// `KRUISPUNT_SHARED` (as for the end-to-end tests), else `<repo>/../shared`.
    static var suiteRoot: URL {
        let shared = ProcessInfo.processInfo.environment["KRUISPUNT_SHARED"].map { URL(fileURLWithPath: $0) }
            ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../../shared")
        return shared.appendingPathComponent("w3c-sparql").standardized
    }

    struct Entry {
        let name: String
        let query: URL
        let data: [URL]
        let graphData: [URL]
        let result: URL
    }

    enum Outcome: Equatable {
        case passed
        case failed(String)
        case refused(String)
    }

    @Test func w3cSuites() throws {
        let root = Self.suiteRoot
        guard FileManager.default.fileExists(atPath: root.path) else {
            Issue.record("the W3C suites are not at \(root.path)")
            return
        }
        let dir = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("kp-w3c-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: dir) }
        let cluster = try EmbeddedCluster(dataDirectory: dir, logger: Logger(label: "w3c"))
        try cluster.start()
        defer { cluster.stop() }
        let db = try Connection(conninfo: cluster.conninfo)
        try Migrations.apply(on: db)
        let engine = SPARQLEngine(unionDefaultGraph: false, rowCap: 10_000, timeoutMillis: 20_000)

        var table: [(String, Int, Int, Int, Int)] = []
        var failures: [String] = []
        for folder in Self.folders {
            let base = root.appendingPathComponent(folder)
            var passed = 0, failed = 0, refused = 0
            for entry in try Self.entries(base.appendingPathComponent("manifest.ttl")) {
                let id = folder + "/" + entry.name
                switch run(entry, engine: engine, on: db) {
                case .passed: passed += 1
                case .refused(let why):
                    refused += 1
                    if ProcessInfo.processInfo.environment["KRUISPUNT_W3C_VERBOSE"] != nil { print("REFUSED \(id): \(why)") }
                case .failed(let why):
                    failed += 1
                    failures.append(id)
                    if ProcessInfo.processInfo.environment["KRUISPUNT_W3C_VERBOSE"] != nil { print("FAIL \(id): \(why)") }
                }
            }
            table.append((folder, passed + failed, passed, failed, refused))
        }
        print("\nW3C SPARQL suites (SPARQL-lite):")
        print("folder                              in scope  passed  failed  out of scope (400)")
        for (folder, scope, passed, failed, refused) in table {
            print(folder.padding(toLength: 36, withPad: " ", startingAt: 0)
                  + String(format: "%8d %7d %7d %8d", scope, passed, failed, refused))
        }
        let totals = table.reduce((0, 0, 0, 0)) { ($0.0 + $1.1, $0.1 + $1.2, $0.2 + $1.3, $0.3 + $1.4) }
        print("total".padding(toLength: 36, withPad: " ", startingAt: 0) + String(format: "%8d %7d %7d %8d", totals.0, totals.1, totals.2, totals.3))

        let listed = Set(try String(contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("w3c-known-failures.txt"), encoding: .utf8)
            .split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty && !$0.hasPrefix("#") })
        let new = Set(failures).subtracting(listed), fixed = listed.subtracting(failures)
        #expect(new.isEmpty, "new failures: \(new.sorted())")
        #expect(fixed.isEmpty, "now passing, remove from w3c-known-failures.txt: \(fixed.sorted())")
        #expect(totals.1 > 0)
    }

    /// One test: an empty store, its data, its query, the comparison.
    func run(_ entry: Entry, engine: SPARQLEngine, on db: Connection) -> Outcome {
        do {
            let text = try String(contentsOf: entry.query, encoding: .utf8)
            let query: SPARQLQuery
            do { query = try engine.parse(text, baseIRI: entry.query.absoluteString) } catch let e as SPARQLError where e.kind == .unsupported {
                return .refused(e.description)
            }
            try db.execute("TRUNCATE quads, terms, observation_rows, observation_irregular CASCADE")
            for file in entry.data { try load(file, graph: nil, on: db) }
            for file in entry.graphData { try load(file, graph: .iri(file.absoluteString), on: db) }
            // Datasets named in the query itself (FROM, FROM NAMED) are files next to it.
            for iri in (query.from ?? []) + (query.fromNamed ?? []) {
                if let url = URL(string: iri), url.isFileURL, FileManager.default.fileExists(atPath: url.path) {
                    try load(url, graph: .iri(iri), on: db)
                }
            }
            let result: SPARQLResult
            do { result = try engine.execute(query, on: db) } catch let e as SPARQLError where e.kind == .unsupported {
                return .refused(e.description)
            }
            switch entry.result.pathExtension {
            case "csv", "tsv":
                // The result formats themselves: our text against the expected text.
                let format: SPARQLResultFormat = entry.result.pathExtension == "csv" ? .csv : .tsv
                let want = try String(contentsOf: entry.result, encoding: .utf8)
                let got = format.write(result)
                return Self.sameText(got, want) ? .passed : .failed("wrote \(got.prefix(300)), expected \(want.prefix(300))")
            case "srj":
                // The answer as our JSON writer writes it, read back, is the expected one.
                let written = try W3CResults.json(Data(SPARQLResultFormat.json.write(result).utf8))
                return Self.compare(Self.result(written), try W3CResults.read(entry.result), ordered: !query.orderBy.isEmpty)
            default:
                let expected = try W3CResults.read(entry.result)
                return Self.compare(result, expected, ordered: !query.orderBy.isEmpty)
            }
        } catch {
            return .failed("\(error)")
        }
    }

    /// CSV or TSV text equal up to line ends, blank node labels (named in order of appearance)
    /// and the spelling of a TSV double's exponent (compared by value, as `compare` does).
    static func sameText(_ a: String, _ b: String) -> Bool {
        func normal(_ text: String) -> String {
            var labels: [String: String] = [:], out = ""
            let lines = text.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n", omittingEmptySubsequences: true)
            for line in lines {
                let fields = line.split(separator: line.contains("\t") ? "\t" : ",", omittingEmptySubsequences: false).map { field -> String in
                    if field.contains(where: { $0 == "e" || $0 == "E" }), field.allSatisfy({ "0123456789.+-eE".contains($0) }),
                       let d = Double(field) { return "\(d)^^double" }
                    guard field.hasPrefix("_:") else { return String(field) }
                    if let known = labels[String(field)] { return known }
                    labels[String(field)] = "_:b\(labels.count)"
                    return labels[String(field)]!
                }
                out += fields.joined(separator: "|") + "\n"
            }
            return out
        }
        return normal(a) == normal(b)
    }

    /// An answer read back from results, as a result.
    static func result(_ answer: W3CResults.Answer) -> SPARQLResult {
        switch answer {
        case .boolean(let b): return .boolean(b)
        case .graph(let triples): return .graph(triples, truncated: false)
        case .bindings(let head, let rows):
            let variables = (head?.keys.map { $0 } ?? Array(Set(rows.flatMap(\.keys)))).sorted()
            return .bindings(variables: variables, rows: rows.map { row in variables.map { row[$0] } }, truncated: false)
        }
    }

    private func load(_ file: URL, graph: Term?, on db: Connection) throws {
        let syntax: RDFSyntax = file.pathExtension == "rdf" ? .rdfxml : file.pathExtension == "nt" ? .ntriples : .turtle
        let triples = try Raptor.shared.parse(String(contentsOf: file, encoding: .utf8), syntax: syntax, baseIRI: file.absoluteString)
        try db.transaction { _ = try QuadStore.insert(triples.map { Quad($0.triple, graph: graph) }, on: db) }
    }

    static func compare(_ result: SPARQLResult, _ expected: W3CResults.Answer, ordered: Bool) -> Outcome {
        switch (result, expected) {
        case (.boolean(let a), .boolean(let b)):
            return a == b ? .passed : .failed("ASK \(a), expected \(b)")
        case (.bindings(let variables, let rows, _), .bindings(_, let want)):
            let got = rows.map { row in
                var out: [String: Term] = [:]
                for (v, t) in zip(variables, row) { if let t { out[v] = t } }
                return out
            }
            // Blank nodes compare by position only (their labels are the engine's).
            func key(_ row: [String: Term]) -> String {
                row.sorted { $0.key < $1.key }.map { k, t in
                    if case .blank = t { return k + "=_:" }
                    // Numbers compare by value within their datatype ("1050" and "1.05E3" as doubles).
                    if case .literal(let lexical, let dt?, nil) = t {
                        if dt == XSD.double || dt == XSD.ns + "float", let d = Double(lexical) { return k + "=\(d)^^" + dt }
                        if dt == XSD.decimal || dt == XSD.integer, let d = Decimal(string: lexical) { return k + "=\(d)^^" + dt }
                    }
                    return k + "=" + t.ntriples
                }.joined(separator: " ")
            }
            let a = got.map(key), b = want.map(key)
            if ordered ? a == b : a.sorted() == b.sorted() { return .passed }
            return .failed("got \(a.prefix(5)), expected \(b.prefix(5))")
        case (.graph(let triples, _), .graph(let want)):
            func canonical(_ t: [Triple]) -> [String] {
                CanonicalLabels.relabel(t.map { Quad($0, graph: nil) }).map(\.triple).map { "\($0.subject.ntriples) \($0.predicate.ntriples) \($0.object.ntriples)" }.sorted()
            }
            return canonical(triples) == canonical(want) ? .passed : .failed("graph differs")
        default:
            return .failed("answer of another kind than expected")
        }
    }

    /// The query-evaluation entries of a manifest.
    static func entries(_ manifest: URL) throws -> [Entry] {
        let triples = try Raptor.shared.parse(String(contentsOf: manifest, encoding: .utf8), syntax: .turtle,
                                              baseIRI: manifest.absoluteString).map(\.triple)
        func objects(_ s: Term, _ p: String) -> [Term] { triples.filter { $0.subject == s && $0.predicate == .iri(p) }.map(\.object) }
        let mf = "http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#"
        let qt = "http://www.w3.org/2001/sw/DataAccess/tests/test-query#"
        guard let head = triples.first(where: { $0.predicate == .iri(mf + "entries") })?.object else { return [] }
        var list: [Term] = [], node = head
        while node != .iri(RDF.ns + "nil"), let first = objects(node, RDF.ns + "first").first {
            list.append(first)
            guard let rest = objects(node, RDF.ns + "rest").first else { break }
            node = rest
        }
        return list.compactMap { test -> Entry? in
            guard objects(test, RDF.type).contains(where: { [.iri(mf + "QueryEvaluationTest"), .iri(mf + "CSVResultFormatTest")].contains($0) }),
                  let action = objects(test, mf + "action").first, let result = objects(test, mf + "result").first?.iriValue,
                  let query = objects(action, qt + "query").first?.iriValue, let q = URL(string: query), let r = URL(string: result) else { return nil }
            let name = test.iriValue.map { $0.components(separatedBy: "#").last ?? $0 } ?? q.lastPathComponent
            return Entry(name: name, query: q,
                         data: objects(action, qt + "data").compactMap { $0.iriValue.flatMap(URL.init(string:)) },
                         graphData: objects(action, qt + "graphData").compactMap { $0.iriValue.flatMap(URL.init(string:)) },
                         result: r)
        }
    }
}
