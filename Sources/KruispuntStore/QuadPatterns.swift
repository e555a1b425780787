import Foundation
import KruispuntRDF

/// A quad pattern: each position bound to a term or free. For the graph, `.any` matches every
/// graph, `.defaultGraph` only the default graph.
public struct QuadPattern: Sendable, Hashable {
    public enum GraphSelector: Sendable, Hashable {
        case any, defaultGraph, named(Term)
    }

    public var graph: GraphSelector
    public var subject: Term?
    public var predicate: Term?
    public var object: Term?

    public init(graph: GraphSelector = .any, subject: Term? = nil, predicate: Term? = nil, object: Term? = nil) {
        self.graph = graph
        self.subject = subject
        self.predicate = predicate
        self.object = object
    }
}

/// One page of the quads matching a pattern.
public struct QuadPage: Sendable {
    public let quads: [Quad]
    /// Where the next page starts (opaque); nil on the last page.
    public let next: String?
    /// Where the previous page ends (opaque, for `before:`); nil on the first page.
    public let previous: String?
    /// The number of matching quads: exact when `exact`, else the planner's estimate.
    public let count: Int
    public let exact: Bool
}

/// Quad-pattern access (for Triple Pattern Fragments and the SPARQL-lite engine): one index
/// range per pattern, keyset paging in that index's order (stable under concurrent appends),
/// and a cardinality that is exact up to `exactUpTo` (default: the page size) and PostgreSQL's
/// estimate above.
public enum QuadPatterns {
    /// Columns of the index that serves a pattern, most selective bound position first.
    static func order(_ p: QuadPattern) -> [String] {
        if p.subject != nil { return ["s", "p", "o", "g"] }
        if p.predicate != nil { return ["p", "o", "s", "g"] }
        if p.object != nil { return ["o", "s", "p", "g"] }
        return ["g", "s", "p", "o"]
    }

    /// The page of at most `limit` quads after `cursor` (nil: the first page), or the one just
    /// before `before` (walking back through `previous`).
    public static func match(_ pattern: QuadPattern, after cursor: String? = nil, before: String? = nil, limit: Int = 100,
                             exactUpTo: Int? = nil, on db: Connection) throws -> QuadPage {
        guard limit > 0 else { throw StoreError("the page size must be positive") }
        let exactUpTo = exactUpTo ?? limit
        // Bound terms to ids: a term the store does not know matches nothing.
        var bound: [(String, Term)] = []
        if let s = pattern.subject { bound.append(("s", s)) }
        if let p = pattern.predicate { bound.append(("p", p)) }
        if let o = pattern.object { bound.append(("o", o)) }
        if case .named(let g) = pattern.graph { bound.append(("g", g)) }
        let ids = try QuadStore.lookup(bound.map(\.1), on: db)
        var conditions: [String] = []
        for (column, term) in bound {
            guard let id = ids[term] else { return QuadPage(quads: [], next: nil, previous: nil, count: 0, exact: true) }
            conditions.append("q.\(column) = \(id)")
        }
        if case .defaultGraph = pattern.graph { conditions.append("q.g = 0") }
        let where_ = conditions.isEmpty ? "true" : conditions.joined(separator: " AND ")
        let columns = order(pattern)
        var pageCondition = where_
        let key = "(" + columns.map { "q." + $0 }.joined(separator: ", ") + ")"
        for (cursor, comparison) in [(cursor, ">"), (before, "<")] {
            guard let cursor else { continue }
            let parts = cursor.split(separator: ".").compactMap { Int64($0) }
            guard parts.count == 4 else { throw StoreError("invalid page cursor \"\(cursor.prefix(40))\"") }
            pageCondition += " AND \(key) \(comparison) (" + parts.map(String.init).joined(separator: ", ") + ")"
        }
        let backwards = before != nil && cursor == nil
        let rows = try db.query("""
            SELECT q.g, q.s, q.p, q.o FROM quads q WHERE \(pageCondition)
            ORDER BY \(columns.map { "q." + $0 + (backwards ? " DESC" : "") }.joined(separator: ", ")) LIMIT \(limit + 1)
            """)
        let idRows = rows.map { $0.map { Int64($0 ?? "0") ?? 0 } }
        let more = idRows.count > limit
        let page = backwards ? Array(idRows.prefix(limit).reversed()) : Array(idRows.prefix(limit))
        let quads = try QuadStore.quads(idRows: page.flatMap { $0 }, on: db)
        func cursorOf(_ row: [Int64]) -> String {
            let byName = ["g": row[0], "s": row[1], "p": row[2], "o": row[3]]
            return columns.map { String(byName[$0]!) }.joined(separator: ".")
        }
        // Forwards, a next page exists when the query found more; backwards, when it came from one.
        let next = (backwards ? true : more) ? page.last.map(cursorOf) : nil
        let previous = (backwards ? more : cursor != nil) ? page.first.map(cursorOf) : nil
        // Cardinality: exact up to the threshold, the planner's estimate above. A first page that
        // is not full is the whole answer.
        if cursor == nil, before == nil, idRows.count <= limit, idRows.count <= exactUpTo {
            return QuadPage(quads: quads, next: nil, previous: nil, count: idRows.count, exact: true)
        }
        // In index order, so that the planner walks the index instead of building a bitmap of
        // every match.
        let ordered = columns.map { "q." + $0 }.joined(separator: ", ")
        let counted = Int(try db.query("""
            SELECT count(*) FROM (SELECT 1 FROM quads q WHERE \(where_) ORDER BY \(ordered) LIMIT \(exactUpTo + 1)) x
            """)[0][0] ?? "0") ?? 0
        if counted <= exactUpTo { return QuadPage(quads: quads, next: next, previous: previous, count: counted, exact: true) }
        let plan = try db.query("EXPLAIN SELECT 1 FROM quads q WHERE \(where_)").compactMap { $0[0] }.first ?? ""
        let estimate = plan.range(of: #"rows=(\d+)"#, options: .regularExpression)
            .flatMap { Int(plan[$0].dropFirst(5)) } ?? counted
        return QuadPage(quads: quads, next: next, previous: previous, count: max(estimate, counted), exact: false)
    }
}

extension QuadStore {
    /// Terms by id (0, the default graph, is left out), through the pool's `TermCache`.
    public static func terms(ids: [Int64], on db: Connection) throws -> [Int64: Term] {
        try db.terms.terms(Set(ids), on: db)
    }

    /// Figures for the management pages.
    public struct Statistics: Sendable, Codable, Equatable {
        public var quads = 0
        public var terms = 0
        public var graphs = 0
        public var membersPerStream: [String: Int] = [:]
        /// Bytes on disk, tables with their indexes.
        public var quadsBytes = 0
        public var termsBytes = 0
    }

    /// Counts and sizes of the store.
    public static func statistics(on db: Connection) throws -> Statistics {
        var s = Statistics()
        let row = try db.query("""
            SELECT (SELECT count(*) FROM quads), (SELECT count(*) FROM terms), (SELECT count(DISTINCT g) FROM quads),
                   (SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c
                    WHERE c.oid = 'quads'::regclass OR c.oid IN (SELECT inhrelid FROM pg_inherits WHERE inhparent = 'quads'::regclass)),
                   pg_total_relation_size('terms')
            """)[0].map { Int($0 ?? "0") ?? 0 }
        (s.quads, s.terms, s.graphs, s.quadsBytes, s.termsBytes) = (row[0], row[1], row[2], row[3], row[4])
        for r in try db.query("SELECT stream, count(*) FROM stream_members GROUP BY stream") {
            if let name = r[0], let n = r[1].flatMap(Int.init) { s.membersPerStream[name] = n }
        }
        return s
    }
}
