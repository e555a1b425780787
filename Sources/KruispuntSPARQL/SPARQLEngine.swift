import Foundation
import KruispuntRDF
import KruispuntStore

/// What a query answers: solutions (SELECT), a boolean (ASK) or triples (CONSTRUCT, DESCRIBE).
/// `truncated` says the row cap cut the answer short.
public enum SPARQLResult: Sendable, Equatable {
    case bindings(variables: [String], rows: [[Term?]], truncated: Bool)
    case boolean(Bool)
    case graph([Triple], truncated: Bool)
}

/// Restricted (scenario-2) graphs a reader may query besides the open store: those of the given
/// metrics (`euro-class`) about the given features (`camera:ID`, `zone:ID`, see
/// `RestrictedStore.features`). The SQL itself takes both as conditions.
public struct RestrictedGraphs: Sendable, Equatable {
    public var metrics: [String]
    public var features: [String]
    /// The observed properties of those metrics (`kp:euroClassCount`): observation patterns that
    /// name any other are answered from the observation index as for an open reader.
    public var properties: [String]
    public init(metrics: [String], features: [String], properties: [String]) {
        self.metrics = metrics
        self.features = features
        self.properties = properties
    }
}

/// SPARQL-lite: parses with rasqal, compiles to one SQL statement, runs it in a read-only
/// transaction with a statement timeout, and reads the rows back as terms.
///
/// ```swift
/// let result = try SPARQLEngine().execute("SELECT * WHERE { ?s ?p ?o } LIMIT 10", on: db)
/// ```
public struct SPARQLEngine: Sendable {
    /// The default graph is the merge of every graph (the store's published data), as in
    /// `sd:UnionDefaultGraph`; when false it is the store's own default graph only.
    public var unionDefaultGraph: Bool
    /// The most solutions (or template instances) an answer holds.
    public var rowCap: Int
    /// The longest a query may run in PostgreSQL.
    public var timeoutMillis: Int
    /// The most characters a query may have.
    public var maxQueryLength: Int
    /// Whether observations are read from the store's observation index (see
    /// `ObservationIndex`); off, every pattern joins quads (the reference the tests compare with).
    public var observationIndex = true

    public init(unionDefaultGraph: Bool = true, rowCap: Int = 100_000, timeoutMillis: Int = 10_000, maxQueryLength: Int = 100_000) {
        self.unionDefaultGraph = unionDefaultGraph
        self.rowCap = rowCap
        self.timeoutMillis = timeoutMillis
        self.maxQueryLength = maxQueryLength
    }

    /// Parses and compiles without running (for `EXPLAIN` and tests).
    public func compile(_ text: String, baseIRI: String = "http://localhost/", on db: Connection) throws -> (SPARQLQuery, CompiledQuery) {
        let query = try parse(text, baseIRI: baseIRI)
        return (query, try compile(query, on: db))
    }

    public func parse(_ text: String, baseIRI: String = "http://localhost/") throws -> SPARQLQuery {
        guard text.count <= maxQueryLength else {
            throw SPARQLError.syntax("the query has \(text.count) characters; at most \(maxQueryLength) are accepted")
        }
        return try SPARQLParser.shared.parse(text, baseIRI: baseIRI)
    }

    /// Runs a query.
    public func execute(_ text: String, baseIRI: String = "http://localhost/", on db: Connection) throws -> SPARQLResult {
        try execute(try parse(text, baseIRI: baseIRI), on: db)
    }

    /// Runs a query; with `restricted`, over the open store and those restricted graphs (their
    /// observations read from the quads beside the observation index, which holds open ones only).
    public func execute(_ query: SPARQLQuery, restricted: RestrictedGraphs? = nil, on db: Connection) throws -> SPARQLResult {
        do {
            return try db.transaction {
                // One snapshot for compiling (which reads the dictionary and the observation
                // index's state) and for running. No JIT: compiling a query's expressions costs
                // more than most queries take. Rows handed from parallel workers cost a tenth of
                // PostgreSQL's default: with it a month of a year's hourly rows grouped per camera
                // and day (or week) is scanned and grouped by three processes, 140 ms instead of
                // 190-205 ms (the planner cannot know how few groups a date part makes, and
                // otherwise judges the parallel plan not worth its transfers).
                try db.execute("""
                    SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY; \
                    SET LOCAL statement_timeout = \(max(1, timeoutMillis)); SET LOCAL jit = off; \
                    SET LOCAL parallel_tuple_cost = 0.01
                    """)
                return try answer(query, restricted: restricted, on: db)
            }
        } catch let error as StoreError {
            throw SPARQLEvaluationError(error)
        }
    }

    private func answer(_ query: SPARQLQuery, restricted: RestrictedGraphs?, on db: Connection) throws -> SPARQLResult {
        switch query.form {
        case .ask:
            let rows = try run(try compile(query, restricted: restricted, on: db), on: db)
            return .boolean(rows.first?.first == "t")
        case .select:
            let compiled = try compile(query, restricted: restricted, on: db)
            let rows = try run(compiled, on: db)
            return .bindings(variables: compiled.variables, rows: try decode(rows, compiled, on: db), truncated: rows.count > rowCap)
        case .construct(let template):
            let compiled = try compile(query, restricted: restricted, on: db)
            let rows = try run(compiled, on: db)
            let solutions = try decode(rows, compiled, on: db)
            return .graph(Self.instantiate(template, compiled.variables, solutions), truncated: rows.count > rowCap)
        case .describe(let targets):
            var resources: [Term] = targets.compactMap { if case .term(let t) = $0 { return t } else { return nil } }
            var truncated = false
            if targets.contains(where: { $0.variable != nil }) {
                let compiled = try compile(query, restricted: restricted, on: db)
                let rows = try run(compiled, on: db)
                truncated = rows.count > rowCap
                for row in try decode(rows, compiled, on: db) { resources += row.compactMap { $0 } }
            }
            var seen = Set<Triple>(), triples: [Triple] = []
            for r in resources where !r.isLiteral {
                let quads = if let restricted {
                    try QuadStore.describe(r, in: RestrictedStore.readerQuads,
                                           condition: { RestrictedStore.scope($0, metrics: "$1::text[]", features: "$2::text[]") },
                                           parameters: [PostgresArray.text(restricted.metrics), PostgresArray.text(restricted.features)], on: db)
                } else {
                    try QuadStore.describe(r, on: db)
                }
                for q in quads where seen.insert(q.triple).inserted { triples.append(q.triple) }
            }
            return .graph(triples, truncated: truncated)
        }
    }

    /// The SQL statement of a parsed query, with its parameters.
    public func compile(_ query: SPARQLQuery, restricted: RestrictedGraphs? = nil, on db: Connection) throws -> CompiledQuery {
        // A restricted reader's observations are found by their property (see PatternCompiler).
        let ids = try QuadStore.lookup(Array(Self.fixedTerms(query)) + (restricted == nil ? [] : [.iri(SOSA.observedProperty)]), on: db)
        var dataset = QueryDataset(defaultGraphs: unionDefaultGraph ? nil : [0], namedGraphs: nil)
        if query.from != nil || query.fromNamed != nil {
            dataset = QueryDataset(defaultGraphs: (query.from ?? []).compactMap { ids[.iri($0)] },
                                   namedGraphs: (query.fromNamed ?? []).compactMap { ids[.iri($0)] })
        }
        // Without irregular subjects (the usual case) the index alone answers its patterns; a
        // restricted reader's observations are read beside it, from the quads.
        let irregular = observationIndex
            ? try restricted != nil || db.query("SELECT EXISTS (SELECT 1 FROM observation_irregular)")[0][0] == "t" : false
        let patterns = PatternCompiler(parameters: SQLParameters(), dataset: dataset, ids: ids, now: Date(),
                                       observationIndex: observationIndex, irregularObservations: irregular, restricted: restricted)
        let compiler = QueryCompiler(patterns: patterns)
        let compiled: CompiledQuery
        switch query.form {
        case .ask:
            compiled = try compiler.ask(query)
        case .select(let projection, let star):
            let all = star ? query.pattern.variables.filter { !$0.hasPrefix("_:") }.map { SPARQLQuery.Projection(variable: $0, expression: nil) }
                : projection
            compiled = try compiler.select(query, projection: all, rowCap: rowCap)
        case .construct(let template):
            let used = template.flatMap(\.variables).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
            compiled = try compiler.select(query, projection: used.map { .init(variable: $0, expression: nil) }, rowCap: rowCap)
        case .describe(let targets):
            let used = targets.compactMap(\.variable)
            compiled = try compiler.select(query, projection: used.map { .init(variable: $0, expression: nil) }, rowCap: rowCap)
        }
        if compiled.sql.utf8.count > 4_000_000 { throw SPARQLError.unsupported("a query this complex (its SQL exceeds 4 MB)") }
        return compiled
    }

    /// Every fixed term of the query's patterns and datasets, to look up once.
    public static func fixedTerms(_ query: SPARQLQuery) -> Set<Term> {
        var out = Set<Term>()
        func walk(_ p: GraphPattern) {
            switch p {
            case .bgp(let triples):
                for t in triples { for case .term(let term) in [t.subject, t.predicate, t.object] { out.insert(term) } }
            case .join(let a, let b), .leftJoin(let a, let b, _), .union(let a, let b): walk(a); walk(b)
            case .filter(_, let inner), .extend(let inner, _, _): walk(inner)
            case .graph(let g, let inner):
                if case .term(let t) = g { out.insert(t) }
                walk(inner)
            case .values(_, let rows): for row in rows { for case let term? in row { out.insert(term) } }
            }
        }
        walk(query.pattern)
        for g in (query.from ?? []) + (query.fromNamed ?? []) { out.insert(.iri(g)) }
        return out
    }

    private func run(_ compiled: CompiledQuery, on db: Connection) throws -> [[String?]] {
        try db.query(compiled.sql, compiled.parameters, parameterTypes: compiled.parameterTypes)
    }

    private func decode(_ rows: [[String?]], _ compiled: CompiledQuery, on db: Connection) throws -> [[Term?]] {
        let kept = rows.prefix(rowCap)
        var ids: [Int64] = []
        for row in kept {
            for case .id(let i) in compiled.outputs { ids.append(row[i].flatMap(Int64.init) ?? 0) }
        }
        let terms = try db.terms.terms(aligned: ids, on: db)
        var next = 0
        return kept.map { row in
            compiled.outputs.map { output -> Term? in
                switch output {
                case .id:
                    defer { next += 1 }
                    return terms[next]
                case .value(let i):
                    // Value columns start like a `terms` row: kind, lex, datatype, lang.
                    return QuadStore.decodeTerm(row, at: i)
                }
            }
        }
    }

    /// CONSTRUCT's template instantiated per solution: fresh blank nodes per solution, and no
    /// triple with an unbound position or a term that cannot stand there (16.2).
    static func instantiate(_ template: [TriplePattern], _ variables: [String], _ solutions: [[Term?]]) -> [Triple] {
        var seen = Set<Triple>(), out: [Triple] = []
        for (n, solution) in solutions.enumerated() {
            func value(_ p: PatternTerm) -> Term? {
                switch p {
                case .variable(let v): return variables.firstIndex(of: v).flatMap { solution[$0] }
                case .term(.blank(let label)): return .blank("c\(n)_\(label)")
                case .term(let t): return t
                }
            }
            for t in template {
                guard let s = value(t.subject), let p = value(t.predicate), let o = value(t.object),
                      !s.isLiteral, case .iri = p else { continue }
                let triple = Triple(s, p, o)
                if seen.insert(triple).inserted { out.append(triple) }
            }
        }
        return out
    }
}

/// A query PostgreSQL could not finish: out of time (SQLSTATE 57014) or an evaluation error.
public struct SPARQLEvaluationError: Error, Sendable, CustomStringConvertible {
    public let timedOut: Bool
    public let message: String

    init(_ error: StoreError) {
        timedOut = error.sqlState == "57014"
        message = timedOut ? "the query ran longer than the time allowed" : error.description
    }

    public var description: String { message }
}
