import Foundation
import KruispuntRDF
import KruispuntStore

/// One SPARQL query as one SQL statement, and how to read its rows back as solutions.
public struct CompiledQuery: Sendable {
    /// How a result variable is read from a row: a term id in one column, or six value columns.
    public enum Output: Sendable, Equatable {
        case id(Int)
        case value(Int)
    }

    public var sql: String
    public var parameters: [String?]
    /// The parameters' type OIDs.
    public var parameterTypes: [UInt32]
    public var variables: [String]
    public var outputs: [Output]
}

/// The top of a query: projection, grouping and aggregates, HAVING, ORDER BY, DISTINCT, slices.
struct QueryCompiler {
    let patterns: PatternCompiler

    /// A SELECT (or the solutions CONSTRUCT and DESCRIBE instantiate), with at most `rowCap` rows.
    func select(_ query: SPARQLQuery, projection: [SPARQLQuery.Projection], rowCap: Int) throws -> CompiledQuery {
        patterns.extremum = query.isAggregate ? GroupExtremum.find(query, projection: projection) : nil
        let f = try patterns.compile(query.pattern)
        let x = patterns.alias("x")
        var needed: [String] = []
        func need(_ e: Expression) { for v in e.variables where !needed.contains(v) { needed.append(v) } }
        projection.compactMap(\.expression).forEach(need)
        query.orderBy.map(\.expression).forEach(need)
        query.having.forEach(need)
        query.groupBy.compactMap(\.expression).forEach(need)
        // A group key held as a term id that no aggregate or key expression reads per row is
        // looked up once per group, after grouping (500 cameras of 84,000 hourly rows: 500
        // dictionary lookups, not 84,000).
        var perGroup: Set<String> = []
        if query.isAggregate {
            let perRow = Set(projection.compactMap(\.expression).flatMap(\.aggregatedVariables)
                             + query.orderBy.flatMap(\.expression.aggregatedVariables) + query.having.flatMap(\.aggregatedVariables)
                             + query.groupBy.compactMap(\.expression).flatMap(\.variables))
            for key in query.groupBy where key.expression == nil && !perRow.contains(key.variable) {
                if case .id? = f.columns[key.variable] { perGroup.insert(key.variable) }
            }
        }
        let (joins, rowLookup) = patterns.environment(f, x, variables: needed.filter { !perGroup.contains($0) })
        var select: [String] = [], outputs: [CompiledQuery.Output] = []
        var groupBy: [String] = [], having: [String] = [], orderBy: [(key: String, direction: String)] = []
        var computed: [String: SQLValue] = [:]

        if query.isAggregate {
            // Group keys: a variable's own columns, or an expression's fields.
            var keys: [String: SQLValue] = [:], keyIDs: [String: String] = [:]
            for key in query.groupBy {
                if let e = key.expression {
                    let value = try patterns.expressions(rowLookup).compile(e)
                    groupBy += value.fields
                    keys[key.variable] = value
                } else {
                    switch f.columns[key.variable] {
                    case .id?, .stored?:
                        let id = "\(x).\(patterns.column(key.variable))"
                        groupBy.append(id)
                        keyIDs[key.variable] = id
                    case .value? where f.numeric.contains(key.variable):
                        // A number's term is its value and datatype (the datatype only when the
                        // number is not an error): two keys, no lexical form per row; one when
                        // the datatype is known.
                        let c = SQLValue.columns(x, patterns.column(key.variable))
                        let known = f.numericTypes[key.variable]
                        let value = SQLValue.number(c.num, dt: "CASE WHEN \(c.num) IS NOT NULL THEN \(known.map(patterns.parameters.text) ?? c.dt) END")
                        groupBy += known == nil ? [c.num, value.dt] : [c.num]
                        keys[key.variable] = value
                    case .value?:
                        let value = SQLValue.columns(x, patterns.column(key.variable))
                        groupBy += value.fields
                        keys[key.variable] = value
                    case nil:
                        keys[key.variable] = .error
                    }
                }
            }
            // A key variable reads the same in every row of its group.
            func groupValue(_ v: String) -> SQLValue? {
                if let c = computed[v] { return c }
                if let k = keys[v] { return k }
                guard let id = keyIDs[v] else { return nil }
                if perGroup.contains(v) { return .lookup(id: id) }
                guard let row = rowLookup(v) else { return .error }
                return SQLValue(kind: "min(\(row.kind))", lex: "min(\(row.lex))", dt: "min(\(row.dt))", lang: "min(\(row.lang))",
                                num: "min(\(row.num))", ts: "min(\(row.ts))", id: "min(\(id))", bool: nil)
            }
            var compiler = patterns.expressions(groupValue)
            let wholeRow = patterns.passThrough(f, x)
            let rowKey = wholeRow.isEmpty ? "1" : "ROW(" + wholeRow.joined(separator: ", ") + ")"
            compiler.aggregate = { try self.aggregate($0, rowLookup, rowKey: rowKey) }
            for p in projection {
                // rasqal gives `GROUP BY (e AS ?v)` to the projected ?v too: the key is its value.
                if let e = p.expression, keys[p.variable] == nil, keyIDs[p.variable] == nil {
                    let value = try compiler.compile(e)
                    computed[p.variable] = value
                    outputs.append(.value(select.count))
                    select += value.fields
                } else if let id = keyIDs[p.variable] {
                    outputs.append(.id(select.count))
                    select.append(id)
                } else {
                    guard let value = keys[p.variable] else {
                        throw SPARQLError.syntax("?\(p.variable) is projected but neither grouped nor aggregated")
                    }
                    outputs.append(.value(select.count))
                    select += value.fields
                }
            }
            having = try query.having.map { try compiler.ebv($0) }
            orderBy = try query.orderBy.flatMap { o in Self.sortKeys(try compiler.compile(o.expression)).map { ($0, o.descending ? "DESC" : "ASC") } }
        } else {
            func lookup(_ v: String) -> SQLValue? { computed[v] ?? rowLookup(v) }
            let compiler = patterns.expressions(lookup)
            for p in projection {
                if let e = p.expression {
                    if f.columns[p.variable] != nil { throw SPARQLError.syntax("?\(p.variable) is already in scope") }
                    let value = try compiler.compile(e)
                    computed[p.variable] = value
                    outputs.append(.value(select.count))
                    select += value.fields
                } else {
                    switch f.columns[p.variable] {
                    case .id?, .stored?:
                        outputs.append(.id(select.count))
                        select.append("\(x).\(patterns.column(p.variable))")
                    case .value?:
                        outputs.append(.value(select.count))
                        select += SQLValue.columns(x, patterns.column(p.variable)).fields
                    case nil:
                        outputs.append(.value(select.count))
                        select += SQLValue.error.fields
                    }
                }
            }
            orderBy = try query.orderBy.flatMap { o in Self.sortKeys(try compiler.compile(o.expression)).map { ($0, o.descending ? "DESC" : "ASC") } }
        }

        let named = select.enumerated().map { "\($1) AS r\($0)" }
        var sql = "SELECT " + (query.distinct ? "DISTINCT " : "") + (named.isEmpty ? "1 AS r0" : named.joined(separator: ", "))
        if query.distinct && !orderBy.isEmpty {
            // DISTINCT needs its sort keys in the select list; they come from the projected row.
            sql += ", " + orderBy.enumerated().map { "\($1.key) AS k\($0)" }.joined(separator: ", ")
            orderBy = orderBy.enumerated().map { ("k\($0)", $1.direction) }
        }
        sql += " FROM (\(f.sql)) \(x) \(joins)"
        if !groupBy.isEmpty { sql += " GROUP BY " + groupBy.joined(separator: ", ") }
        if !having.isEmpty { sql += " HAVING " + having.joined(separator: " AND ") }
        if !orderBy.isEmpty { sql += " ORDER BY " + orderBy.map { "\($0.key) \($0.direction)" }.joined(separator: ", ") }
        let limit = min(query.limit ?? Int.max, rowCap + 1)
        sql += " LIMIT \(limit)"
        if let offset = query.offset { sql += " OFFSET \(offset)" }
        return CompiledQuery(sql: sql, parameters: patterns.parameters.values, parameterTypes: patterns.parameters.types, variables: projection.map(\.variable), outputs: outputs)
    }

    /// ASK: whether the pattern has a solution.
    func ask(_ query: SPARQLQuery) throws -> CompiledQuery {
        let f = try patterns.compile(query.pattern)
        return CompiledQuery(sql: "SELECT EXISTS (\(f.sql)) AS r0", parameters: patterns.parameters.values, parameterTypes: patterns.parameters.types, variables: [], outputs: [])
    }

    /// SPARQL's ORDER BY (15.1): unbound, blank nodes, IRIs, literals; literals by number, instant,
    /// then text.
    static func sortKeys(_ v: SQLValue) -> [String] {
        ["(CASE WHEN \(v.kind) IS NULL THEN 0 WHEN \(v.kind) = 1 THEN 1 WHEN \(v.kind) = 0 THEN 2 ELSE 3 END)",
         v.num, v.ts, "\(v.lex) COLLATE \"C\"", v.dt, v.lang]
    }

    /// An aggregate over the rows of a group (18.5.1).
    /// `rowKey`: the whole solution as one SQL value (for `COUNT(DISTINCT *)`).
    private func aggregate(_ e: Expression, _ row: @escaping (String) -> SQLValue?, rowKey: String) throws -> SQLValue {
        guard case .aggregate(let name, let argument, let distinct, let separator) = e else { return .error }
        let p = patterns.parameters
        let compiler = patterns.expressions(row)
        let d = distinct ? "DISTINCT " : ""
        let integer = p.text(XSD.integer)
        guard let argument else {
            return .number(distinct ? "count(DISTINCT \(rowKey))::numeric" : "count(*)::numeric", dt: integer, known: XSD.integer)
        }
        let a = try compiler.compile(argument)
        let ints = p.add(PostgresArray.text(ExpressionCompiler.integerTypes), "text[]")
        switch name {
        case "COUNT":
            let key = a.id ?? "CASE WHEN \(a.kind) IS NOT NULL THEN ROW(\(a.kind), \(a.lex), \(a.dt), \(a.lang)) END"
            return .number("count(\(d)\(distinct ? key : a.kind))::numeric", dt: integer, known: XSD.integer)
        case "SUM", "AVG":
            let total = name == "SUM" ? "sum(\(d)\(a.num))" : "avg(\(d)\(a.num))"
            // The widest type of the numbers (18.5.1.3 by 17.3's promotion): integer 0, decimal
            // 1, float 2, double 3. xsd:integer, the likeliest, is the narrowest: its rows take
            // one test and leave the maximum alone (0 when the group has only them).
            let widest = """
                COALESCE(max(CASE WHEN \(a.dt) = \(p.text(XSD.double)) THEN 3 \
                WHEN \(a.dt) = \(p.text(ExpressionCompiler.float)) THEN 2 WHEN \(a.dt) = ANY(\(ints)) THEN 0 ELSE 1 END) \
                FILTER (WHERE \(a.dt) IS DISTINCT FROM \(integer)), 0)
                """
            let dt = """
                (CASE WHEN count(*) = 0 THEN \(integer) WHEN \(widest) = 3 THEN \(p.text(XSD.double)) \
                WHEN \(widest) = 2 THEN \(p.text(ExpressionCompiler.float)) \
                WHEN \(name == "SUM") AND \(widest) = 0 THEN \(integer) ELSE \(p.text(XSD.decimal)) END)
                """
            return .number("(CASE WHEN count(*) = count(\(a.num)) THEN COALESCE(\(total), 0) END)", dt: dt)
        case "MIN", "MAX", "SAMPLE":
            let keys = Self.sortKeys(a).map { $0 + (name == "MAX" ? " DESC" : " ASC") }.joined(separator: ", ")
            // One aggregate (PostgreSQL computes a repeated one once) holding the whole value.
            let row = "(array_agg(ROW(\(a.fields.joined(separator: ", ")))::kp_value ORDER BY \(keys)) FILTER (WHERE \(a.kind) IS NOT NULL))[1]"
            func first(_ field: String) -> String { "(\(row)).\(field)" }
            return SQLValue(kind: first("k"), lex: first("l"), dt: first("d"), lang: first("g"), num: first("n"),
                            ts: first("t"), id: nil, bool: nil)
        case "GROUP_CONCAT":
            let sep = p.text(separator ?? " ")
            return .string("(CASE WHEN count(*) = count(CASE WHEN \(a.kind) IN (0, 2) THEN 1 END) THEN COALESCE(string_agg(\(d)\(a.lex), \(sep)), '') END)")
        default:
            throw SPARQLError.unsupported(name)
        }
    }
}
