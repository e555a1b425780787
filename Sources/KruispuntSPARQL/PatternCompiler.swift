import Foundation
import KruispuntRDF
import KruispuntStore

/// Which stored graphs a query sees: its default graph (nil: every graph, merged) and its named
/// graphs (nil: every graph but the store's default graph), as dictionary ids.
public struct QueryDataset: Sendable, Equatable {
    public var defaultGraphs: [Int64]?
    public var namedGraphs: [Int64]?

    public init(defaultGraphs: [Int64]?, namedGraphs: [Int64]?) {
        self.defaultGraphs = defaultGraphs
        self.namedGraphs = namedGraphs
    }
}

/// A compiled graph pattern: one SQL SELECT whose columns are its variables, each either a term
/// id (from the store) or six value columns (computed by BIND).
struct Fragment {
    enum Column: Equatable {
        case id
        case value
        /// A term id with its value columns beside it (read from the observation index).
        case stored
    }

    var sql: String
    var columns: [String: Column]
    /// Variables in order of appearance.
    var order: [String]
    /// Variables that may be unbound in some solutions.
    var nullable: Set<String>
    /// Value variables computed as numbers: their `_n` and `_d` columns decide all the others
    /// (kept where an operator passes its input's rows on unchanged).
    var numeric: Set<String> = []
    /// Of those, the ones whose numeric type the compiler knows (their `_d` column is that type).
    var numericTypes: [String: String] = [:]
    /// Range hints every solution's term satisfies, by variable (bound in every solution): the
    /// filters they come from need not test them again.
    var exact: [String: [RangeHint]] = [:]
}

/// Compiles the algebra to SQL over `quads` and `terms`. Every fixed term is a parameter (an id
/// when the term is in the store); a pattern with a term the store does not hold matches nothing.
final class PatternCompiler {
    let parameters: SQLParameters
    let dataset: QueryDataset
    /// Dictionary ids of the query's fixed terms (absent: not in the store).
    let ids: [Term: Int64]
    let now: Date
    private var columnNames: [String: String] = [:]
    private var aliasCount = 0
    /// Range hints of the filters around the pattern being compiled, for variables every
    /// solution binds (not inside OPTIONAL).
    private var hints: [String: [RangeHint]] = [:]

    /// Whether basic patterns over observations read the observation index, and whether it
    /// lists irregular subjects (read from the quads beside it).
    let observationIndex: Bool
    let irregularObservations: Bool
    /// Set when the query only asks for the extremes of each group of observations: the index
    /// then gives its candidate rows instead of every row.
    var extremum: GroupExtremum?

    /// The SQL the quads are read from: the table `quads`, or for a reader of restricted
    /// observations the open quads with the restricted ones of the reader's scope.
    let quads: String
    /// The observed properties of a restricted reader's metrics (nil: an open reader).
    private let restrictedProperties: Set<String>?
    /// The placeholders of a restricted reader's metrics and features (nil: an open reader).
    private let scope: (metrics: String, features: String)?

    /// What an alias of `quads` must satisfy: nothing for an open reader, the reader's scope of
    /// the restricted quads otherwise.
    private func scoped(_ alias: String) -> [String] {
        scope.map { [RestrictedStore.scope(alias, metrics: $0.metrics, features: $0.features)] } ?? []
    }

    init(parameters: SQLParameters, dataset: QueryDataset, ids: [Term: Int64], now: Date, observationIndex: Bool = true,
         irregularObservations: Bool = true, restricted: RestrictedGraphs? = nil) {
        self.parameters = parameters
        restrictedProperties = restricted.map { Set($0.properties) }
        scope = restricted.map {
            (parameters.add(PostgresArray.text($0.metrics), "text[]"), parameters.add(PostgresArray.text($0.features), "text[]"))
        }
        quads = restricted == nil ? "quads" : RestrictedStore.readerQuads
        self.dataset = dataset
        self.ids = ids
        self.now = now
        self.observationIndex = observationIndex
        self.irregularObservations = irregularObservations
    }

    /// The column of a variable, the same in every fragment (names never reach SQL).
    func column(_ variable: String) -> String {
        if let c = columnNames[variable] { return c }
        let c = "c\(columnNames.count)"
        columnNames[variable] = c
        return c
    }

    func alias(_ prefix: String) -> String {
        aliasCount += 1
        return "\(prefix)\(aliasCount)"
    }

    private func idParameter(_ id: Int64) -> String { parameters.add(String(id), "bigint") }
    private func idsParameter(_ ids: [Int64]) -> String {
        parameters.add("{" + ids.map(String.init).joined(separator: ",") + "}", "bigint[]")
    }

    enum GraphContext {
        case defaultGraph
        case named(PatternTerm)
    }

    func compile(_ pattern: GraphPattern, in context: GraphContext = .defaultGraph) throws -> Fragment {
        switch pattern {
        case .bgp(let triples):
            return try bgp(triples, in: context)
        case .join(let a, let b):
            return try join(try compile(a, in: context), try compile(b, in: context), left: false, condition: nil)
        case .leftJoin(let a, let b, let condition):
            if condition == nil, let optional = try optionalSlot(a, b, in: context) { return optional }
            let left = try compile(a, in: context)
            let right = try withHints([:]) { try compile(b, in: context) }
            return try join(left, right, left: true, condition: condition)
        case .union(let a, let b):
            return try union(try compile(a, in: context), try compile(b, in: context))
        case .filter(let e, let inner):
            let inner = try withHints(hints.merging(RangeHint.hints(e), uniquingKeysWith: +)) { try compile(inner, in: context) }
            return try filter(e, inner)
        case .graph(.term(let t), let inner):
            return try compile(inner, in: .named(.term(t)))
        case .graph(.variable(let v), let inner):
            // The inner pattern does not see ?g (18.6): its triples share a hidden graph column,
            // which becomes ?g once the pattern is evaluated, joined with ?g where it binds it too.
            let hidden = "\u{1F}graph:" + v
            var fragment = try compile(inner, in: .named(.variable(hidden)))
            if fragment.columns[hidden] == nil {
                fragment = try join(try bgp([], in: .named(.variable(hidden))), fragment, left: false, condition: nil)
            }
            return try rename(fragment, hidden, to: v)
        case .extend(let inner, let v, let e):
            var outer = hints
            outer[v] = nil
            return try extend(try withHints(outer) { try compile(inner, in: context) }, v, e)
        case .values(let variables, let rows):
            return values(variables, rows)
        }
    }

    /// Inline data (VALUES): a variable whose terms are all in the store reads as ids (and joins
    /// on them), another as values (compared as RDF terms); UNDEF leaves it unbound.
    private func values(_ variables: [String], _ rows: [[Term?]]) -> Fragment {
        var kinds: [String: Fragment.Column] = [:]
        for (k, v) in variables.enumerated() {
            kinds[v] = rows.allSatisfy { $0[k].map { ids[$0] != nil } ?? true } ? .id : .value
        }
        let nullable = Set(variables.enumerated().filter { k, _ in rows.contains { $0[k] == nil } }.map(\.element))
        var names: [String] = []
        for v in variables { names += kinds[v] == .id ? [column(v)] : SQLValue.suffixes.map { "\(column(v))_\($0)" } }
        guard !rows.isEmpty else {
            let nulls = variables.flatMap { v in
                kinds[v] == .id ? ["NULL::bigint AS \(column(v))"] : zip(SQLValue.suffixes, SQLValue.fieldTypes).map { "NULL::\($1) AS \(column(v))_\($0)" }
            }
            return Fragment(sql: "SELECT \((nulls.isEmpty ? ["1 AS one"] : nulls).joined(separator: ", ")) WHERE false",
                            columns: kinds, order: variables, nullable: [])
        }
        let tuples = rows.map { row -> String in
            var fields: [String] = []
            for (k, v) in variables.enumerated() {
                if kinds[v] == .id {
                    fields.append(row[k].flatMap { ids[$0] }.map(idParameter) ?? "NULL::bigint")
                } else {
                    fields += (row[k].map { SQLValue.constant($0, parameters) } ?? .error).fields
                }
            }
            return "(" + (fields.isEmpty ? "1" : fields.joined(separator: ", ")) + ")"
        }
        let x = alias("v")
        return Fragment(sql: "SELECT * FROM (VALUES \(tuples.joined(separator: ", "))) \(x) (\((names.isEmpty ? ["one"] : names).joined(separator: ", ")))",
                        columns: kinds, order: variables, nullable: nullable)
    }

    private func withHints<T>(_ scoped: [String: [RangeHint]], _ body: () throws -> T) rethrows -> T {
        let saved = hints
        hints = scoped
        defer { hints = saved }
        return try body()
    }

    /// A fragment whose id column `from` becomes `to` (joined with `to` where it has it already).
    private func rename(_ f: Fragment, _ from: String, to: String) throws -> Fragment {
        let x = alias("g")
        var select: [String] = [], where_ = ""
        var nullable = f.nullable
        for v in f.order where v != from {
            if v == to {
                guard f.columns[v] != .value else { throw SPARQLError.unsupported("a variable computed by BIND and used as a graph name (?\(v))") }
                select.append("COALESCE(\(x).\(column(v)), \(x).\(column(from))) AS \(column(v))")
                where_ = " WHERE (\(x).\(column(v)) IS NULL OR \(x).\(column(v)) = \(x).\(column(from)))"
                nullable.remove(v)
            } else {
                select += columns(of: v, f.columns[v]!, in: x)
            }
        }
        var columns = f.columns, order = f.order.filter { $0 != from }
        columns[from] = nil
        if columns[to] == .stored { columns[to] = .id }
        if nullable.remove(from) != nil, f.columns[to] == nil { nullable.insert(to) }
        if columns[to] == nil {
            select.append("\(x).\(column(from)) AS \(column(to))")
            columns[to] = .id
            order.append(to)
        }
        return Fragment(sql: "SELECT \(select.joined(separator: ", ")) FROM (\(f.sql)) \(x)\(where_)",
                        columns: columns, order: order, nullable: nullable)
    }

    // MARK: - Basic graph patterns

    /// `{ …observation… OPTIONAL { ?o slot ?x } }` where the index answers the observation and
    /// `slot` is one of its top-level slots the pattern does not use: the index's row gives ?x
    /// (unbound when its column is empty) instead of a left join with every such triple of the
    /// store (a month of results hashed against a year's). Irregular subjects join as before.
    private func optionalSlot(_ a: GraphPattern, _ b: GraphPattern, in context: GraphContext) throws -> Fragment? {
        guard observationIndex, case .defaultGraph = context, dataset.defaultGraphs == nil,
              case .bgp(let triples) = a, case .bgp(let inner) = b, inner.count == 1,
              let match = ObservationPattern.find(in: triples), indexAnswers(triples, match), let x = inner[0].object.variable,
              inner[0].subject == match.root, inner[0].subject.variable != x,
              let slot = ObservationIndex.slots.first(where: { $0.parent == nil && inner[0].predicate == .term(.iri($0.predicate)) }),
              !match.covered.values.contains(where: { $0.column == slot.column }),
              !triples.contains(where: { [$0.subject, $0.predicate, $0.object].contains(.variable(x)) }) else { return nil }
        var outer = hints
        outer[x] = nil
        let regular = try withHints(outer) {
            try bgp(triples, in: context, observations: match, irregular: false, optional: (slot, x))
        }
        guard irregularObservations else { return regular }
        let irregular = try join(try bgp(triples, in: context, observations: match, irregular: true),
                                 try withHints([:]) { try compile(b, in: context) }, left: true, condition: nil)
        return try union(regular, irregular)
    }

    private func bgp(_ triples: [TriplePattern], in context: GraphContext) throws -> Fragment {
        // Observations in the merged default graph: regular ones from the index, the few
        // irregular ones from the quads.
        if observationIndex, case .defaultGraph = context, dataset.defaultGraphs == nil,
           let match = ObservationPattern.find(in: triples), indexAnswers(triples, match) {
            let regular = try bgp(triples, in: context, observations: match, irregular: false)
            guard irregularObservations else { return regular }
            let irregular = try bgp(triples, in: context, observations: match, irregular: true)
            return try union(regular, irregular)
        }
        return try bgp(triples, in: context, observations: nil, irregular: false)
    }

    /// A basic pattern over quads; with `observations`, its group read from the index's rows
    /// (`irregular` false) or from the quads of the subjects the index leaves out (`irregular`
    /// true, with the same value columns).
    private func bgp(_ triples: [TriplePattern], in context: GraphContext, observations match: ObservationPattern?,
                     irregular: Bool, optional: (slot: ObservationIndex.Slot, variable: String)? = nil) throws -> Fragment {
        var from: [String] = [], conditions: [String] = []
        var bound: [String: String] = [:], order: [String] = []
        /// Value columns (prefix) of variables the index binds to a valued slot.
        var stored: [String: String] = [:]
        var exact: [String: [RangeHint]] = [:]
        func bind(_ v: String, _ expression: String, values: String? = nil) {
            if let first = bound[v] {
                if first != expression { conditions.append("\(expression) = \(first)") }
                return
            }
            bound[v] = expression
            order.append(v)
            stored[v] = values
            guard let ranges = hints[v] else { return }
            exact[v] = ranges
            func value(_ hint: RangeHint) -> String { parameters.add(hint.value, hint.field == .number ? "numeric" : "timestamptz") }
            /// A date compares with dates only, a date-time with date-times only.
            func sameKind(_ hint: RangeHint, _ datatype: String) -> [String] {
                hint.field == .instant ? ["\(datatype) \(hint.date ? "=" : "<>") \(parameters.text(XSD.date))"] : []
            }
            if let values {
                conditions += ranges.flatMap { ["\(values)_\($0.field == .number ? "n" : "t") \($0.op.rawValue) \(value($0))"] + sameKind($0, "\(values)_d") }
            } else {
                // The filter's bounds find the terms on the dictionary's number or instant index.
                let tests = ranges.flatMap { ["\($0.field.rawValue) \($0.op.rawValue) \(value($0))"] + sameKind($0, "datatype") }
                conditions.append("\(expression) IN (SELECT id FROM terms WHERE \(tests.joined(separator: " AND ")))")
            }
        }
        func constant(_ term: Term, _ expression: String) {
            if let id = ids[term] { conditions.append("\(expression) = \(idParameter(id))") } else { conditions.append("false") }
        }
        if triples.isEmpty {
            guard case .named(let g) = context else { return Fragment(sql: "SELECT 1 AS one", columns: [:], order: [], nullable: []) }
            let q = alias("q")
            var where_ = ["\(q).g <> 0"] + scoped(q)
            if let named = dataset.namedGraphs { where_.append("\(q).g = ANY(\(idsParameter(named)))") }
            switch g {
            case .term(let t):
                constant(t, "\(q).g")
                return Fragment(sql: "SELECT 1 AS one WHERE EXISTS (SELECT 1 FROM \(quads) \(q) WHERE \((where_ + conditions).joined(separator: " AND ")))",
                                columns: [:], order: [], nullable: [])
            case .variable(let v):
                return Fragment(sql: "SELECT DISTINCT \(q).g AS \(column(v)) FROM \(quads) \(q) WHERE \(where_.joined(separator: " AND "))",
                                columns: [v: .id], order: [v], nullable: [])
            }
        }
        // The default graph is the RDF merge of its graphs: a triple stored in several of them
        // matches once. The solutions of the patterns are then the distinct rows of their
        // variables (blank nodes of the query included).
        var merged = false
        var rest = triples
        var indexAlias: String?
        if let match, !irregular {
            let j = alias("j")
            indexAlias = j
            from.append("observation_rows \(j)")
            switch match.root {
            case .variable(let v): bind(v, "\(j).s")
            case .term(let t): constant(t, "\(j).s")
            }
            for (i, slot) in match.covered.sorted(by: { $0.key < $1.key }) {
                let parent = slot.parent.map { "\(j).\($0)" } ?? "\(j).s", column = "\(j).\(slot.column)"
                if case .variable(let v) = triples[i].subject { bind(v, parent) }
                conditions.append("\(column) IS NOT NULL")
                switch triples[i].object {
                case .variable(let v): bind(v, column, values: slot.valued ? column : nil)
                case .term(let t): constant(t, column)
                }
            }
            rest = triples.enumerated().filter { match.covered[$0.offset] == nil }.map(\.element)
            if let optional {
                let column = "\(j).\(optional.slot.column)"
                bound[optional.variable] = column
                order.append(optional.variable)
                stored[optional.variable] = optional.slot.valued ? column : nil
            }
        }
        var driver: String?
        if let match, irregular {
            // The few irregular subjects drive the join: every triple of theirs is found from one
            // (planned per subject, so rough estimates of joined quads cannot inflate the query's).
            let r = alias("r")
            driver = r
            switch match.root {
            case .variable(let v): bind(v, "\(r).s")
            case .term(let t): constant(t, "\(r).s")
            }
        }
        for triple in rest {
            let q = alias("q")
            from.append("\(quads) \(q)")
            conditions += scoped(q)
            for (position, column) in [(triple.subject, "s"), (triple.predicate, "p"), (triple.object, "o")] {
                switch position {
                case .variable(let v): bind(v, "\(q).\(column)")
                case .term(let t): constant(t, "\(q).\(column)")
                }
            }
            switch context {
            case .defaultGraph:
                conditions += defaultGraph(q)
                merged = dataset.defaultGraphs.map { $0.count > 1 } ?? true
            case .named(let g):
                conditions.append("\(q).g <> 0")
                if let named = dataset.namedGraphs { conditions.append("\(q).g = ANY(\(idsParameter(named)))") }
                switch g {
                case .variable(let v): bind(v, "\(q).g")
                case .term(let t): constant(t, "\(q).g")
                }
            }
        }
        var valued: [String] = []
        if let match, irregular {
            for (i, slot) in match.covered.sorted(by: { $0.key < $1.key }) where slot.valued {
                if let v = triples[i].object.variable, !valued.contains(v) { valued.append(v) }
            }
        }
        var select = order.map { v in
            [bound[v]! + " AS " + column(v)] + (stored[v].map { p in SQLValue.suffixes.map { "\(p)_\($0) AS \(column(v))_\($0)" } } ?? [])
        }.flatMap { $0 }
        if select.isEmpty { select = ["1 AS one"] }
        let where_: String = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
        // Per irregular subject the rows are few: DISTINCT ON sorts them, where DISTINCT may hash
        // them into a table sized for the planner's estimate (tens of MB, built once per subject).
        let distinct = !merged ? "" : driver != nil && !order.isEmpty ? "DISTINCT ON (\(order.map { bound[$0]! }.joined(separator: ", "))) " : "DISTINCT "
        var sql = "SELECT \(distinct)\(select.joined(separator: ", ")) FROM \(from.joined(separator: ", "))\(where_)"
        if let j = indexAlias, let e = extremum, rest.isEmpty, stored[e.value] == "\(j).start",
           let key = GroupExtremum.keyColumns.first(where: { bound[e.group] == "\(j).\($0)" }) {
            sql = "SELECT \(select.joined(separator: ", ")) FROM \(e.candidates(j, key: key, conditions: conditions))"
        }
        if let r = driver {
            let l = alias("l")
            sql = "SELECT \(l).* FROM \(irregularSubjects(triples, root: match!.root)) \(r) CROSS JOIN LATERAL (\(sql) OFFSET 0) \(l)"
        }
        var columns: [String: Fragment.Column] = Dictionary(uniqueKeysWithValues: order.map { ($0, stored[$0] == nil ? .id : .stored) })
        if !valued.isEmpty {
            // The same value columns as the index's rows, from the dictionary.
            let x = alias("v")
            var list = ["\(x).*"], joins: [String] = []
            for v in valued {
                let t = alias("t")
                joins.append("LEFT JOIN LATERAL (SELECT * FROM terms WHERE id = \(x).\(column(v)) OFFSET 0) \(t) ON true")
                list += zip(SQLValue.suffixes, SQLValue.row(t, id: "").fields).map { "\($1) AS \(column(v))_\($0)" }
                columns[v] = .stored
            }
            sql = "SELECT \(list.joined(separator: ", ")) FROM (\(sql)) \(x) \(joins.joined(separator: " "))"
        }
        return Fragment(sql: sql, columns: columns, order: order, nullable: optional.map { [$0.variable] } ?? [], exact: exact)
    }

    /// The observed property a group of observation triples names, if it names one.
    private func namedProperty(_ triples: [TriplePattern], root: PatternTerm) -> String? {
        guard let named = triples.first(where: { $0.subject == root && $0.predicate == .term(.iri(SOSA.observedProperty)) }),
              case .term(.iri(let property)) = named.object else { return nil }
        return property
    }

    /// Whether the observation index answers a group of observation triples: not for a
    /// restricted reader when the group names one of its restricted properties (the index holds
    /// open observations only; the group is read from the quads, driven by that property).
    private func indexAnswers(_ triples: [TriplePattern], _ match: ObservationPattern) -> Bool {
        guard let restrictedProperties, let property = namedProperty(triples, root: match.root) else { return true }
        return !restrictedProperties.contains(property)
    }

    /// The subjects whose observation triples are read from the quads beside the index: the
    /// irregular open ones and, for a restricted reader whose group names no property, the
    /// restricted observations it may read (a group naming an open property cannot match one).
    private func irregularSubjects(_ triples: [TriplePattern], root: PatternTerm) -> String {
        guard let scope, namedProperty(triples, root: root) == nil else { return "observation_irregular" }
        let property = ids[.iri(SOSA.observedProperty)].map(idParameter) ?? "0"
        return "(SELECT s FROM observation_irregular UNION ALL SELECT s FROM restricted_quads WHERE p = \(property) "
            + "AND metric = ANY(\(scope.metrics)) AND feature = ANY(\(scope.features)))"
    }

    /// A triple of the default graph: in one of the graphs that make it up (the query's
    /// solutions then come out distinct, see `bgp`).
    private func defaultGraph(_ q: String) -> [String] {
        guard let graphs = dataset.defaultGraphs else { return [] }
        switch graphs.count {
        case 0: return ["false"]
        case 1: return ["\(q).g = \(idParameter(graphs[0]))"]
        default: return ["\(q).g = ANY(\(idsParameter(graphs)))"]
        }
    }

    // MARK: - Operators

    /// The select list of a fragment's variables read from alias `x`.
    func passThrough(_ f: Fragment, _ x: String) -> [String] {
        f.order.flatMap { columns(of: $0, f.columns[$0]!, in: x) }
    }

    /// The select list of one variable read from alias `x`.
    func columns(of v: String, _ kind: Fragment.Column, in x: String) -> [String] {
        let c = column(v)
        switch kind {
        case .id: return ["\(x).\(c)"]
        case .value: return SQLValue.suffixes.map { "\(x).\(c)_\($0)" }
        case .stored: return ["\(x).\(c)"] + SQLValue.suffixes.map { "\(x).\(c)_\($0)" }
        }
    }

    private func join(_ a: Fragment, _ b: Fragment, left: Bool, condition: Expression?) throws -> Fragment {
        let l = alias("l"), r = alias("r")
        var on: [String] = [], select: [String] = []
        var columns = a.columns, order = a.order, nullable = a.nullable
        for v in a.order {
            let c = column(v)
            guard b.columns[v] != nil else { select += self.columns(of: v, a.columns[v]!, in: l); continue }
            if a.columns[v] == .value || b.columns[v] == .value {
                // A value computed by BIND meets the same variable from elsewhere: RDF term equality.
                let stillNullable = left ? a.nullable.contains(v) : a.nullable.contains(v) && b.nullable.contains(v)
                if a.columns[v] == .value && b.columns[v] == .value {
                    let x = SQLValue.columns(l, c), y = SQLValue.columns(r, c)
                    on.append("(\(x.kind) IS NULL OR \(y.kind) IS NULL OR (\(x.kind) = \(y.kind) AND \(x.lex) = \(y.lex) AND \(x.dt) IS NOT DISTINCT FROM \(y.dt) AND \(x.lang) IS NOT DISTINCT FROM \(y.lang)))")
                    select += zip(x.fields, y.fields).enumerated().map { "COALESCE(\($1.0), \($1.1)) AS \(c)_\(SQLValue.suffixes[$0])" }
                } else {
                    let (idAlias, idNullable, value) = a.columns[v] != .value ? (l, a.nullable.contains(v), SQLValue.columns(r, c))
                        : (r, b.nullable.contains(v), SQLValue.columns(l, c))
                    guard !idNullable else {
                        throw SPARQLError.unsupported("a variable computed by BIND and matched with an optional one (?\(v))")
                    }
                    on.append("(\(value.kind) IS NULL OR EXISTS (SELECT 1 FROM terms t WHERE t.id = \(idAlias).\(c) AND t.kind = \(value.kind) AND t.lex = \(value.lex) AND t.datatype IS NOT DISTINCT FROM \(value.dt) AND t.lang IS NOT DISTINCT FROM \(value.lang)))")
                    select.append("\(idAlias).\(c)")
                    columns[v] = .id
                }
                if stillNullable { nullable.insert(v) } else { nullable.remove(v) }
                continue
            }
            if a.nullable.contains(v) || b.nullable.contains(v) {
                on.append("(\(l).\(c) IS NULL OR \(r).\(c) IS NULL OR \(l).\(c) = \(r).\(c))")
                select.append("COALESCE(\(l).\(c), \(r).\(c)) AS \(c)")
                columns[v] = .id
                let stillNullable = left ? a.nullable.contains(v) : a.nullable.contains(v) && b.nullable.contains(v)
                if stillNullable { nullable.insert(v) } else { nullable.remove(v) }
            } else {
                on.append("\(l).\(c) = \(r).\(c)")
                // The same term on both sides: its values from whichever side has them.
                let (side, kind) = b.columns[v] == .stored && a.columns[v] != .stored ? (r, Fragment.Column.stored) : (l, a.columns[v]!)
                select += self.columns(of: v, kind, in: side)
                columns[v] = kind
            }
        }
        for v in b.order where a.columns[v] == nil {
            select += self.columns(of: v, b.columns[v]!, in: r)
            columns[v] = b.columns[v]
            order.append(v)
            if left || b.nullable.contains(v) { nullable.insert(v) }
        }
        let list = select.isEmpty ? "1 AS one" : select.joined(separator: ", ")
        // A side's narrowing holds for the variables it binds in every solution.
        func always(_ f: Fragment) -> [String: [RangeHint]] { f.exact.filter { !f.nullable.contains($0.key) } }
        guard left else {
            return Fragment(sql: "SELECT \(list) FROM (\(a.sql)) \(l) JOIN (\(b.sql)) \(r) ON \(on.isEmpty ? "true" : on.joined(separator: " AND "))",
                            columns: columns, order: order, nullable: nullable, exact: always(a).merging(always(b), uniquingKeysWith: +))
        }
        guard let condition else {
            return Fragment(sql: "SELECT \(list) FROM (\(a.sql)) \(l) LEFT JOIN (\(b.sql)) \(r) ON \(on.isEmpty ? "true" : on.joined(separator: " AND "))",
                            columns: columns, order: order, nullable: nullable, exact: always(a))
        }
        // OPTIONAL with a filter: the filter sees both sides, so the right side is joined laterally
        // (inside, `r` names the right side's rows, as the join conditions expect).
        var env: [String: VariableSource] = [:]
        for v in Set(a.order).union(b.order) {
            let c = column(v)
            switch (a.columns[v], b.columns[v]) {
            case (let x?, let y?) where x != .value && y != .value: env[v] = .id("COALESCE(\(l).\(c), \(r).\(c))")
            case (.some(let k), nil): env[v] = .init(k, l, c)
            case (nil, .some(let k)): env[v] = .init(k, r, c)
            default: break
            }
        }
        let (joins, lookup) = environment(env, variables: condition.variables, boundOnly: condition.boundOnlyVariables)
        let test = try expressions(lookup).ebv(condition)
        let lateral = "SELECT \(r).* FROM (\(b.sql)) \(r) \(joins) WHERE \((on + [test]).joined(separator: " AND "))"
        return Fragment(sql: "SELECT \(list) FROM (\(a.sql)) \(l) LEFT JOIN LATERAL (\(lateral)) \(r) ON true",
                        columns: columns, order: order, nullable: nullable, exact: always(a))
    }

    private func union(_ a: Fragment, _ b: Fragment) throws -> Fragment {
        var order = a.order
        for v in b.order where !order.contains(v) { order.append(v) }
        var columns: [String: Fragment.Column] = [:]
        for v in order {
            if let x = a.columns[v], let y = b.columns[v], x != y {
                guard x != .value && y != .value else {
                    throw SPARQLError.unsupported("a variable computed by BIND on one side of a UNION and matched on the other (?\(v))")
                }
                columns[v] = .id
                continue
            }
            columns[v] = a.columns[v] ?? b.columns[v]
        }
        func side(_ f: Fragment) -> String {
            let x = alias("u")
            let select = order.flatMap { v -> [String] in
                let c = column(v)
                if let kind = f.columns[v] { return self.columns(of: v, columns[v] == .id ? .id : kind, in: x) }
                let values = zip(SQLValue.suffixes, SQLValue.fieldTypes).map { "NULL::\($1) AS \(c)_\($0)" }
                switch columns[v]! {
                case .id: return ["NULL::bigint AS \(c)"]
                case .value: return values
                case .stored: return ["NULL::bigint AS \(c)"] + values
                }
            }
            return "SELECT \(select.isEmpty ? "1 AS one" : select.joined(separator: ", ")) FROM (\(f.sql)) \(x)"
        }
        let nullable = Set(order.filter { a.columns[$0] == nil || b.columns[$0] == nil || a.nullable.contains($0) || b.nullable.contains($0) })
        var exact: [String: [RangeHint]] = [:]
        for (v, hints) in a.exact { if let other = b.exact[v] { exact[v] = hints.filter(other.contains) } }
        return Fragment(sql: side(a) + " UNION ALL " + side(b), columns: columns, order: order, nullable: nullable, exact: exact)
    }

    private func filter(_ e: Expression, _ f: Fragment) throws -> Fragment {
        // Conjuncts every solution satisfies already (its pattern kept only such terms) go.
        let kept = RangeHint.conjuncts(e).filter { c in
            guard let (v, hint) = RangeHint.hint(of: c) else { return true }
            return f.exact[v]?.contains(hint) != true
        }
        guard let first = kept.first else { return f }
        let e = kept.dropFirst().reduce(first) { .and($0, $1) }
        let x = alias("f")
        let (rowJoins, lookup) = environment(f, x, variables: e.variables, boundOnly: e.boundOnlyVariables)
        let numbers = SharedNumbers(self, inline: f.numeric.isDisjoint(with: e.variables))
        let test = try expressions(lookup, sharing: numbers).ebv(e)
        let joins = rowJoins + numbers.joins
        return Fragment(sql: "SELECT \(x).* FROM (\(f.sql)) \(x) \(joins) WHERE \(test)",
                        columns: f.columns, order: f.order, nullable: f.nullable, numeric: f.numeric, numericTypes: f.numericTypes, exact: f.exact)
    }

    private func extend(_ f: Fragment, _ v: String, _ e: Expression) throws -> Fragment {
        guard f.columns[v] == nil else { throw SPARQLError.syntax("BIND of ?\(v), which is already in scope") }
        let x = alias("e")
        let (rowJoins, lookup) = environment(f, x, variables: e.variables, boundOnly: e.boundOnlyVariables)
        let numbers = SharedNumbers(self, inline: f.numeric.isDisjoint(with: e.variables))
        let value = numbers.column(for: try expressions(lookup, sharing: numbers).compile(e))
        let joins = rowJoins + numbers.joins
        let c = column(v)
        let computed = zip(value.fields, SQLValue.suffixes).map { "\($0) AS \(c)_\($1)" }
        var columns = f.columns
        columns[v] = .value
        var nullable = f.nullable
        nullable.insert(v)
        return Fragment(sql: "SELECT \((passThrough(f, x) + computed).joined(separator: ", ")) FROM (\(f.sql)) \(x) \(joins)",
                        columns: columns, order: f.order + [v], nullable: nullable,
                        numeric: value.number == nil ? f.numeric : f.numeric.union([v]),
                        numericTypes: f.numericTypes.merging(value.numericType.map { [v: $0] } ?? [:]) { $1 }, exact: f.exact)
    }

    // MARK: - Rows for expressions

    /// Where a variable's value comes from in a row: a term id, or value columns computed by BIND.
    enum VariableSource {
        case id(String)
        case value(SQLValue)

        /// Column `c` of alias `x`, of the given kind.
        init(_ kind: Fragment.Column, _ x: String, _ c: String) {
            switch kind {
            case .id: self = .id("\(x).\(c)")
            case .value: self = .value(SQLValue.columns(x, c))
            case .stored:
                var value = SQLValue.columns(x, c)
                value.id = "\(x).\(c)"
                self = .value(value)
            }
        }
    }

    /// LEFT JOINs of `terms` for the id variables an expression reads, and how each variable reads.
    /// `boundOnly`: variables only `BOUND` reads, which need their id and no dictionary join.
    func environment(_ f: Fragment, _ x: String, variables: [String], boundOnly: Set<String> = []) -> (String, (String) -> SQLValue?) {
        var env: [String: VariableSource] = [:]
        for v in f.order { env[v] = VariableSource(f.columns[v]!, x, column(v)) }
        return environment(env, variables: variables, boundOnly: boundOnly)
    }

    func environment(_ env: [String: VariableSource], variables: [String], boundOnly: Set<String> = []) -> (String, (String) -> SQLValue?) {
        var joins: [String] = [], values: [String: SQLValue] = [:]
        for v in variables {
            switch env[v] {
            case .id(let sql)? where boundOnly.contains(v):
                values[v] = .lookup(id: sql)
            case .id(let sql)?:
                let t = alias("t")
                // One index lookup per row: the planner cannot see how few rows come (and would
                // hash the whole dictionary).
                joins.append("LEFT JOIN LATERAL (SELECT * FROM terms WHERE id = \(sql) OFFSET 0) \(t) ON true")
                values[v] = SQLValue.row(t, id: sql)
            case .value(let value)?:
                values[v] = value
            case nil:
                continue
            }
        }
        return (joins.joined(separator: " "), { values[$0] })
    }

    func expressions(_ lookup: @escaping (String) -> SQLValue?, sharing numbers: SharedNumbers? = nil) -> ExpressionCompiler {
        var compiler = ExpressionCompiler(variable: lookup, aggregate: nil, parameters: parameters, now: now)
        compiler.share = numbers.map { n in { n.column(for: $0) } }
        return compiler
    }

    /// Numbers computed once per row, each in a lateral subquery of its own (in the order they
    /// were compiled, so that each reads only the row and the ones before it).
    ///
    /// A number whose SQL, with the numbers it reads written out, stays short is left for the
    /// planner to inline: a lateral it must keep is parallel-restricted, which forbids a parallel
    /// scan and aggregation under it (a month of hourly rows grouped per camera and day: 235
    /// against 135 ms). Longer ones stay shared, so that nested expressions are not copied into
    /// one another without bound.
    final class SharedNumbers {
        /// Longest SQL (in characters, references written out) a number may have to be inlined.
        static let inlineBudget = 6000

        private unowned let compiler: PatternCompiler
        private let inlineAny: Bool
        private(set) var joins = ""
        /// Inlined numbers by alias (with its dot), with their written-out length.
        private var inlined: [String: Int] = [:]

        /// `inline`: whether any number may be inlined (false when the expression reads a
        /// number an earlier BIND computed, whose length is not known here).
        init(_ compiler: PatternCompiler, inline: Bool = true) {
            self.compiler = compiler
            self.inlineAny = inline
        }

        private var made: Set<String> = []

        func column(for value: SQLValue) -> SQLValue {
            guard let number = value.number, !made.contains(number.value) else { return value }
            let z = compiler.alias("n")
            let text = number.value + number.datatype
            let length = inlined.reduce(text.utf8.count) { sum, reference in
                sum + (text.components(separatedBy: reference.key).count - 1) * reference.value
            }
            let inline = inlineAny && length <= Self.inlineBudget
            if inline { inlined["\(z)."] = length }
            joins += " CROSS JOIN LATERAL (SELECT \(number.value) AS n, \(number.datatype) AS d\(inline ? "" : " OFFSET 0")) \(z)"
            made.insert("\(z).n")
            // A known type stays a constant, so that what is computed from it is typed once.
            if let known = value.numericType { return .number("\(z).n", dt: number.datatype, known: known) }
            return .number("\(z).n", dt: "\(z).d")
        }
    }
}
