import CRaptor2
import CRasqal
import KruispuntRDF
import Synchronization

/// Parses SPARQL 1.1 with rasqal (language `sparql11`) and translates rasqal's query tree into
/// `SPARQLQuery`, following the SPARQL 1.1 translation to the algebra (18.2). A rasqal world is
/// not thread-safe: every parse goes through one lock.
///
/// ```swift
/// let query = try SPARQLParser.shared.parse("ASK { ?s ?p ?o }", baseIRI: "http://example.org/")
/// ```
public final class SPARQLParser: @unchecked Sendable {
    public static let shared = SPARQLParser()

    private let world: OpaquePointer
    private let lock = Mutex<Void>(())

    private init() {
        guard let world = rasqal_new_world(), rasqal_world_open(world) == 0 else { fatalError("rasqal: cannot create a world") }
        self.world = world
    }

    /// Messages rasqal logs while parsing.
    private final class Log {
        var errors: [(message: String, line: Int?, column: Int?)] = []
    }

    /// Parses and translates a query; throws `SPARQLError` for invalid queries and for features
    /// outside the subset.
    public func parse(_ text: String, baseIRI: String = "http://localhost/") throws -> SPARQLQuery {
        try lock.withLock { _ in try parseLocked(text, baseIRI: baseIRI) }
    }

    private func parseLocked(_ text: String, baseIRI: String) throws -> SPARQLQuery {
        guard let query = rasqal_new_query(world, "sparql11", nil) else { throw SPARQLError.syntax("rasqal: cannot create a query") }
        defer { rasqal_free_query(query) }
        let log = Log()
        let box = Unmanaged.passRetained(log)
        defer { box.release() }
        rasqal_world_set_log_handler(world, box.toOpaque()) { data, message in
            guard let data, let message else { return }
            let log = Unmanaged<Log>.fromOpaque(data).takeUnretainedValue()
            let m = message.pointee
            guard m.level.rawValue >= RAPTOR_LOG_LEVEL_ERROR.rawValue else { return }
            let text = m.text.map { String(cString: $0) } ?? "syntax error"
            let line = m.locator.map { Int($0.pointee.line) }.flatMap { $0 > 0 ? $0 : nil }
            let column = m.locator.map { Int($0.pointee.column) }.flatMap { $0 > 0 ? $0 : nil }
            log.errors.append((text, line, column))
        }
        defer { rasqal_world_set_log_handler(world, nil, nil) }
        let raptorWorld = rasqal_world_get_raptor(world)
        guard let base = raptor_new_uri(raptorWorld, baseIRI) else { throw SPARQLError.syntax("invalid base IRI \(baseIRI)") }
        defer { raptor_free_uri(base) }
        // rasqal refuses a comment that ends the text without a line break; the grammar allows it.
        let status = rasqal_query_prepare(query, text.hasSuffix("\n") ? text : text + "\n", base)
        if status != 0 || !log.errors.isEmpty {
            if let feature = QueryText.unsupportedFeature(text) { throw feature }
            let first = log.errors.first
            throw SPARQLError.syntax(first?.message ?? "syntax error", line: first?.line, column: first?.column)
        }
        if let misread = QueryText.misreadByRasqal(text) { throw misread }
        return try Translation(query: query, text: text, inline: try inlineData(text, baseIRI: baseIRI)).translate()
    }

    /// The rows of the query's VALUES blocks, their terms read by rasqal with the query's prologue.
    private func inlineData(_ text: String, baseIRI: String) throws -> InlineBlocks {
        guard text.range(of: "values", options: .caseInsensitive) != nil else { return InlineBlocks(blocks: []) }
        let data = try InlineData(text)
        let written = data.blocks.flatMap { $0.rows.flatMap { $0.compactMap { $0 } } }
        var terms: [Term] = []
        if !written.isEmpty {
            let probe = try parseLocked(data.prologue + "SELECT * WHERE { FILTER (?v IN (\(written.joined(separator: ", ")))) }", baseIRI: baseIRI)
            guard case .filter(.in(_, let list, false), _) = probe.pattern else { throw SPARQLError.syntax("VALUES: data values expected") }
            terms = try list.map { e in
                guard case .constant(let t) = e else { throw SPARQLError.syntax("VALUES: \(e) is not a data value") }
                return t
            }
            guard terms.count == written.count else { throw SPARQLError.syntax("VALUES: data values expected") }
        }
        var k = 0
        return InlineBlocks(blocks: data.blocks.map { block in
            (block.variables, block.rows.map { row in row.map { value in value.map { _ in defer { k += 1 }; return terms[k] } } })
        })
    }
}

/// The VALUES blocks of a query, in order, and which one comes next in the translation.
private final class InlineBlocks {
    let blocks: [(variables: [String], rows: [[Term?]])]
    var next = 0

    init(blocks: [(variables: [String], rows: [[Term?]])]) { self.blocks = blocks }

    func take(_ variables: [String]) throws -> GraphPattern {
        guard next < blocks.count, blocks[next].variables == variables else {
            throw SPARQLError.syntax("VALUES: the blocks of the query could not be read")
        }
        next += 1
        return .values(blocks[next - 1].variables, blocks[next - 1].rows)
    }
}

/// rasqal's query tree to the algebra (call with the parser's lock held).
private struct Translation {
    let query: OpaquePointer
    let text: String
    let inline: InlineBlocks

    func unsupported(_ feature: String, keyword: String? = nil) -> SPARQLError {
        let at = keyword.flatMap { QueryText.position(of: $0, in: text) }
        return .unsupported(feature, line: at?.line, column: at?.column)
    }

    func translate() throws -> SPARQLQuery {
        let verb = rasqal_query_get_verb(query)
        var form: SPARQLQuery.Form
        switch verb {
        case RASQAL_QUERY_VERB_SELECT:
            var projection: [SPARQLQuery.Projection] = []
            for v in variables(rasqal_query_get_bound_variable_sequence(query)) {
                projection.append(.init(variable: name(v), expression: try v.pointee.expression.map(expression)))
            }
            form = .select(projection: projection, star: rasqal_query_get_wildcard(query) != 0)
        case RASQAL_QUERY_VERB_ASK:
            form = .ask
        case RASQAL_QUERY_VERB_CONSTRUCT:
            var template: [TriplePattern] = []
            var i: Int32 = 0
            while let t = rasqal_query_get_construct_triple(query, i) {
                template.append(try triple(t.pointee, template: true)); i += 1
            }
            form = .construct(template: template)
        case RASQAL_QUERY_VERB_DESCRIBE:
            var targets: [PatternTerm] = []
            if let seq = rasqal_query_get_describe_sequence(query) {
                for k in 0..<raptor_sequence_size(seq) {
                    guard let lit = raptor_sequence_get_at(seq, k)?.assumingMemoryBound(to: rasqal_literal.self) else { continue }
                    targets.append(try patternTerm(lit))
                }
            }
            form = .describe(targets)
        default:
            throw QueryText.unsupportedFeature(text) ?? unsupported("SPARQL Update")
        }
        guard let root = rasqal_query_get_query_graph_pattern(query) else {
            if case .describe = form { return SPARQLQuery(form: form, pattern: .bgp([])) }
            throw SPARQLError.syntax("the query has no WHERE clause")
        }
        var result = SPARQLQuery(form: form, pattern: try pattern(root))
        let distinct = rasqal_query_get_distinct(query)
        result.distinct = distinct == 1
        result.reduced = distinct == 2
        let limit = rasqal_query_get_limit(query), offset = rasqal_query_get_offset(query)
        result.limit = limit >= 0 ? Int(limit) : nil
        result.offset = offset > 0 ? Int(offset) : nil
        var i: Int32 = 0
        while let e = rasqal_query_get_order_condition(query, i) {
            let op = e.pointee.op
            if op == RASQAL_EXPR_ORDER_COND_ASC || op == RASQAL_EXPR_ORDER_COND_DESC {
                guard let arg = e.pointee.arg1 else { throw SPARQLError.syntax("empty ORDER BY condition") }
                result.orderBy.append(.init(expression: try expression(arg), descending: op == RASQAL_EXPR_ORDER_COND_DESC))
            } else {
                result.orderBy.append(.init(expression: try expression(e), descending: false))
            }
            i += 1
        }
        i = 0
        while let e = rasqal_query_get_group_condition(query, i) {
            var inner = e
            if (e.pointee.op == RASQAL_EXPR_GROUP_COND_ASC || e.pointee.op == RASQAL_EXPR_GROUP_COND_DESC), let arg = e.pointee.arg1 { inner = arg }
            if inner.pointee.op == RASQAL_EXPR_LITERAL, let lit = inner.pointee.literal, lit.pointee.type == RASQAL_LITERAL_VARIABLE,
               let v = lit.pointee.value.variable {
                result.groupBy.append(.init(variable: name(v), expression: try v.pointee.expression.map(expression)))
            } else {
                result.groupBy.append(.init(variable: "_group\(i)", expression: try expression(inner)))
            }
            i += 1
        }
        i = 0
        while let e = rasqal_query_get_having_condition(query, i) {
            result.having.append(try expression(e)); i += 1
        }
        if let seq = rasqal_query_get_data_graph_sequence(query), raptor_sequence_size(seq) > 0 {
            var from: [String] = [], named: [String] = []
            for k in 0..<raptor_sequence_size(seq) {
                guard let g = raptor_sequence_get_at(seq, k)?.assumingMemoryBound(to: rasqal_data_graph.self).pointee else { continue }
                if g.flags & UInt32(RASQAL_DATA_GRAPH_NAMED.rawValue) != 0, let n = g.name_uri ?? g.uri {
                    named.append(iri(n))
                } else if let u = g.uri {
                    from.append(iri(u))
                }
            }
            result.from = from
            result.fromNamed = named
        }
        if let seq = rasqal_query_get_bindings_variables_sequence(query), raptor_sequence_size(seq) > 0 {
            // The trailing VALUES joins the solutions of WHERE (18.2.4.3), after any grouping.
            guard !result.isAggregate else { throw unsupported("VALUES after GROUP BY or aggregates", keyword: "VALUES") }
            let names = (0..<raptor_sequence_size(seq)).compactMap { rasqal_query_get_bindings_variable(query, $0).map(name) }
            result.pattern = join(result.pattern, try inline.take(names))
        }
        guard inline.next == inline.blocks.count else { throw SPARQLError.syntax("VALUES: the blocks of the query could not be read") }
        return result
    }

    // MARK: - Graph patterns

    func pattern(_ gp: OpaquePointer) throws -> GraphPattern {
        let op = rasqal_graph_pattern_get_operator(gp)
        switch op {
        case RASQAL_GRAPH_PATTERN_OPERATOR_BASIC:
            var triples: [TriplePattern] = []
            var i: Int32 = 0
            while let t = rasqal_graph_pattern_get_triple(gp, i) {
                triples.append(try triple(t.pointee, template: false)); i += 1
            }
            return .bgp(triples)
        case RASQAL_GRAPH_PATTERN_OPERATOR_GROUP, RASQAL_GRAPH_PATTERN_OPERATOR_OPTIONAL:
            return try group(gp)
        case RASQAL_GRAPH_PATTERN_OPERATOR_UNION:
            let children = try subPatterns(gp).map(pattern)
            guard var acc = children.first else { return .bgp([]) }
            for c in children.dropFirst() { acc = .union(acc, c) }
            return acc
        case RASQAL_GRAPH_PATTERN_OPERATOR_GRAPH:
            guard let origin = rasqal_graph_pattern_get_origin(gp) else { throw SPARQLError.syntax("GRAPH without a name") }
            return .graph(try patternTerm(origin), try group(gp))
        case RASQAL_GRAPH_PATTERN_OPERATOR_FILTER:
            guard let e = rasqal_graph_pattern_get_filter_expression(gp) else { return .bgp([]) }
            return .filter(try expression(e), .bgp([]))
        case RASQAL_GRAPH_PATTERN_OPERATOR_MINUS: throw unsupported("MINUS", keyword: "MINUS")
        case RASQAL_GRAPH_PATTERN_OPERATOR_SERVICE: throw unsupported("SERVICE", keyword: "SERVICE")
        case RASQAL_GRAPH_PATTERN_OPERATOR_SELECT: throw unsupported("subquery", keyword: "SELECT")
        case RASQAL_GRAPH_PATTERN_OPERATOR_VALUES:
            return try inline.take(inline.next < inline.blocks.count ? inline.blocks[inline.next].variables : [])
        case RASQAL_GRAPH_PATTERN_OPERATOR_LET:
            // A group holding only a BIND (rasqal drops the group): the variable over no pattern.
            guard let v = rasqal_graph_pattern_get_variable(gp), let e = rasqal_graph_pattern_get_filter_expression(gp) else {
                throw SPARQLError.syntax("BIND without a variable")
            }
            return .extend(.bgp([]), name(v), try expression(e))
        default: throw unsupported("graph pattern \(op.rawValue)")
        }
    }

    private func subPatterns(_ gp: OpaquePointer) -> [OpaquePointer] {
        var out: [OpaquePointer] = []
        var i: Int32 = 0
        while let c = rasqal_graph_pattern_get_sub_graph_pattern(gp, i) { out.append(c); i += 1 }
        return out
    }

    /// A group: its elements joined in order, OPTIONAL as a left join (with the optional group's
    /// own filters as its condition), BIND as an extension, and the group's filters over all.
    private func group(_ gp: OpaquePointer) throws -> GraphPattern {
        let (pattern, filters) = try groupParts(gp)
        return filtered(pattern, filters)
    }

    private func filtered(_ pattern: GraphPattern, _ filters: [Expression]) -> GraphPattern {
        guard let first = filters.first else { return pattern }
        return .filter(filters.dropFirst().reduce(first) { .and($0, $1) }, pattern)
    }

    /// A group's pattern and, apart, the filters written directly in it.
    private func groupParts(_ gp: OpaquePointer) throws -> (GraphPattern, [Expression]) {
        var acc: GraphPattern = .bgp([])
        var filters: [Expression] = []
        for child in subPatterns(gp) {
            switch rasqal_graph_pattern_get_operator(child) {
            case RASQAL_GRAPH_PATTERN_OPERATOR_FILTER:
                if let e = rasqal_graph_pattern_get_filter_expression(child) { filters.append(try expression(e)) }
            case RASQAL_GRAPH_PATTERN_OPERATOR_OPTIONAL:
                // rasqal wraps the optional group in the OPTIONAL node: its filters are the condition.
                let parts = subPatterns(child)
                let body = parts.count == 1 && rasqal_graph_pattern_get_operator(parts[0]) == RASQAL_GRAPH_PATTERN_OPERATOR_GROUP ? parts[0] : child
                let (inner, conditions) = try groupParts(body)
                acc = .leftJoin(acc, inner, conditions.isEmpty ? nil : conditions.dropFirst().reduce(conditions[0]) { .and($0, $1) })
            case RASQAL_GRAPH_PATTERN_OPERATOR_LET:
                guard let v = rasqal_graph_pattern_get_variable(child), let e = rasqal_graph_pattern_get_filter_expression(child) else {
                    throw SPARQLError.syntax("BIND without a variable")
                }
                let variable = name(v)
                if acc.variables.contains(variable) {
                    throw SPARQLError.syntax("BIND of ?\(variable), which is already in scope")
                }
                acc = .extend(acc, variable, try expression(e))
            default:
                acc = join(acc, try pattern(child))
            }
        }
        if rasqal_graph_pattern_get_operator(gp) != RASQAL_GRAPH_PATTERN_OPERATOR_FILTER,
           let own = rasqal_graph_pattern_get_filter_expression(gp) {
            filters.append(try expression(own))
        }
        return (acc, filters)
    }

    private func join(_ a: GraphPattern, _ b: GraphPattern) -> GraphPattern {
        if case .bgp(let x) = a, x.isEmpty { return b }
        if case .bgp(let y) = b, y.isEmpty { return a }
        if case .bgp(let x) = a, case .bgp(let y) = b { return .bgp(x + y) }
        return .join(a, b)
    }

    // MARK: - Terms

    func triple(_ t: rasqal_triple, template: Bool) throws -> TriplePattern {
        if t.origin != nil && template { throw unsupported("GRAPH in a CONSTRUCT template") }
        guard let s = t.subject, let p = t.predicate, let o = t.object else { throw SPARQLError.syntax("incomplete triple pattern") }
        return TriplePattern(try patternTerm(s, template: template), try patternTerm(p, template: template),
                             try patternTerm(o, template: template))
    }

    /// A term or variable; a blank node in a pattern is a variable no solution shows.
    func patternTerm(_ lit: UnsafeMutablePointer<rasqal_literal>, template: Bool = false) throws -> PatternTerm {
        let l = lit.pointee
        switch l.type {
        case RASQAL_LITERAL_VARIABLE:
            guard let v = l.value.variable else { throw SPARQLError.syntax("empty variable") }
            return .variable(name(v))
        case RASQAL_LITERAL_BLANK:
            let label = l.string.map { String(cString: $0) } ?? "b"
            return template ? .term(.blank(label)) : .variable("_:" + label)
        default:
            return .term(try term(lit))
        }
    }

    func term(_ lit: UnsafeMutablePointer<rasqal_literal>) throws -> Term {
        let l = lit.pointee
        switch l.type {
        case RASQAL_LITERAL_URI:
            guard let u = l.value.uri else { throw SPARQLError.syntax("empty IRI") }
            return .iri(iri(u))
        case RASQAL_LITERAL_BLANK:
            return .blank(l.string.map { String(cString: $0) } ?? "b")
        case RASQAL_LITERAL_VARIABLE, RASQAL_LITERAL_PATTERN, RASQAL_LITERAL_QNAME:
            throw SPARQLError.syntax("not a term")
        default:
            let lexical = l.string.map { String(decoding: UnsafeBufferPointer(start: $0, count: Int(l.string_len)), as: UTF8.self) } ?? ""
            if let lang = l.language { return .lang(lexical, String(cString: lang)) }
            if let dt = l.datatype { return .typed(lexical, iri(dt)) }
            switch l.type {
            case RASQAL_LITERAL_INTEGER: return .typed(lexical, XSD.integer)
            case RASQAL_LITERAL_DECIMAL: return .typed(lexical, XSD.decimal)
            case RASQAL_LITERAL_DOUBLE: return .typed(lexical, XSD.double)
            case RASQAL_LITERAL_BOOLEAN: return .typed(lexical, XSD.boolean)
            default: return .string(lexical)
            }
        }
    }

    func iri(_ uri: OpaquePointer) -> String { String(cString: raptor_uri_as_string(uri)) }

    func name(_ v: UnsafeMutablePointer<rasqal_variable>) -> String {
        let n = String(cString: v.pointee.name)
        return v.pointee.type == RASQAL_VARIABLE_TYPE_ANONYMOUS ? "_:" + n : n
    }

    private func variables(_ seq: OpaquePointer?) -> [UnsafeMutablePointer<rasqal_variable>] {
        guard let seq else { return [] }
        return (0..<raptor_sequence_size(seq)).compactMap { raptor_sequence_get_at(seq, $0)?.assumingMemoryBound(to: rasqal_variable.self) }
    }

    // MARK: - Expressions

    func expression(_ e: UnsafeMutablePointer<rasqal_expression>) throws -> Expression {
        let x = e.pointee
        func arg(_ p: UnsafeMutablePointer<rasqal_expression>?) throws -> Expression {
            guard let p else { throw SPARQLError.syntax("missing argument") }
            return try expression(p)
        }
        func args() throws -> [Expression] {
            guard let seq = x.args else { return [] }
            return try (0..<raptor_sequence_size(seq)).map {
                guard let p = raptor_sequence_get_at(seq, $0)?.assumingMemoryBound(to: rasqal_expression.self) else {
                    throw SPARQLError.syntax("missing argument")
                }
                return try expression(p)
            }
        }
        func compare(_ c: Expression.Comparison) throws -> Expression { .compare(c, try arg(x.arg1), try arg(x.arg2)) }
        func arithmetic(_ a: Expression.Arithmetic) throws -> Expression { .arithmetic(a, try arg(x.arg1), try arg(x.arg2)) }
        func call(_ name: String, _ count: Int) throws -> Expression {
            let all = [x.arg1, x.arg2, x.arg3, x.arg4].prefix(count)
            return .function(name, try all.compactMap { $0 }.map(expression))
        }
        let distinct = x.flags & UInt32(RASQAL_EXPR_FLAG_DISTINCT.rawValue) != 0
        switch x.op {
        case RASQAL_EXPR_AND: return .and(try arg(x.arg1), try arg(x.arg2))
        case RASQAL_EXPR_OR: return .or(try arg(x.arg1), try arg(x.arg2))
        case RASQAL_EXPR_BANG: return .not(try arg(x.arg1))
        case RASQAL_EXPR_EQ: return try compare(.eq)
        case RASQAL_EXPR_NEQ: return try compare(.ne)
        case RASQAL_EXPR_LT: return try compare(.lt)
        case RASQAL_EXPR_GT: return try compare(.gt)
        case RASQAL_EXPR_LE: return try compare(.le)
        case RASQAL_EXPR_GE: return try compare(.ge)
        case RASQAL_EXPR_PLUS: return try arithmetic(.add)
        case RASQAL_EXPR_MINUS: return try arithmetic(.subtract)
        case RASQAL_EXPR_STAR: return try arithmetic(.multiply)
        case RASQAL_EXPR_SLASH: return try arithmetic(.divide)
        case RASQAL_EXPR_UMINUS: return .negate(try arg(x.arg1))
        case RASQAL_EXPR_LITERAL:
            guard let lit = x.literal else { throw SPARQLError.syntax("empty literal") }
            if lit.pointee.type == RASQAL_LITERAL_VARIABLE, let v = lit.pointee.value.variable { return .variable(name(v)) }
            return .constant(try term(lit))
        case RASQAL_EXPR_BOUND:
            guard case .variable(let v) = try arg(x.arg1) else { throw SPARQLError.syntax("BOUND needs a variable") }
            return .bound(v)
        case RASQAL_EXPR_STR: return try call("STR", 1)
        case RASQAL_EXPR_LANG: return try call("LANG", 1)
        case RASQAL_EXPR_DATATYPE: return try call("DATATYPE", 1)
        case RASQAL_EXPR_ISURI: return try call("ISIRI", 1)
        case RASQAL_EXPR_ISBLANK: return try call("ISBLANK", 1)
        case RASQAL_EXPR_ISLITERAL: return try call("ISLITERAL", 1)
        case RASQAL_EXPR_ISNUMERIC: return try call("ISNUMERIC", 1)
        case RASQAL_EXPR_LANGMATCHES: return try call("LANGMATCHES", 2)
        case RASQAL_EXPR_SAMETERM: return try call("SAMETERM", 2)
        case RASQAL_EXPR_REGEX: return try call("REGEX", 3)
        case RASQAL_EXPR_STRSTARTS: return try call("STRSTARTS", 2)
        case RASQAL_EXPR_STRENDS: return try call("STRENDS", 2)
        case RASQAL_EXPR_CONTAINS: return try call("CONTAINS", 2)
        case RASQAL_EXPR_STRLEN: return try call("STRLEN", 1)
        case RASQAL_EXPR_UCASE: return try call("UCASE", 1)
        case RASQAL_EXPR_LCASE: return try call("LCASE", 1)
        case RASQAL_EXPR_YEAR: return try call("YEAR", 1)
        case RASQAL_EXPR_MONTH: return try call("MONTH", 1)
        case RASQAL_EXPR_DAY: return try call("DAY", 1)
        case RASQAL_EXPR_HOURS: return try call("HOURS", 1)
        case RASQAL_EXPR_MINUTES: return try call("MINUTES", 1)
        case RASQAL_EXPR_NOW: return .function("NOW", [])
        case RASQAL_EXPR_ABS: return try call("ABS", 1)
        case RASQAL_EXPR_ROUND: return try call("ROUND", 1)
        case RASQAL_EXPR_CEIL: return try call("CEIL", 1)
        case RASQAL_EXPR_FLOOR: return try call("FLOOR", 1)
        case RASQAL_EXPR_IF: return try call("IF", 3)
        case RASQAL_EXPR_COALESCE: return .function("COALESCE", try args())
        case RASQAL_EXPR_CONCAT: return .function("CONCAT", try args())
        case RASQAL_EXPR_IN, RASQAL_EXPR_NOT_IN:
            return .in(try arg(x.arg1), try args(), negated: x.op == RASQAL_EXPR_NOT_IN)
        case RASQAL_EXPR_COUNT:
            if let a = x.arg1, a.pointee.op == RASQAL_EXPR_VARSTAR { return .aggregate("COUNT", nil, distinct: distinct, separator: nil) }
            return .aggregate("COUNT", try arg(x.arg1), distinct: distinct, separator: nil)
        case RASQAL_EXPR_SUM: return .aggregate("SUM", try arg(x.arg1), distinct: distinct, separator: nil)
        case RASQAL_EXPR_AVG: return .aggregate("AVG", try arg(x.arg1), distinct: distinct, separator: nil)
        case RASQAL_EXPR_MIN: return .aggregate("MIN", try arg(x.arg1), distinct: distinct, separator: nil)
        case RASQAL_EXPR_MAX: return .aggregate("MAX", try arg(x.arg1), distinct: distinct, separator: nil)
        case RASQAL_EXPR_SAMPLE: return .aggregate("SAMPLE", try arg(x.arg1), distinct: distinct, separator: nil)
        case RASQAL_EXPR_GROUP_CONCAT:
            let values = try args()
            let separator = x.literal.flatMap { $0.pointee.string.map { String(cString: $0) } } ?? " "
            guard let first = values.first else { throw SPARQLError.syntax("GROUP_CONCAT needs an argument") }
            return .aggregate("GROUP_CONCAT", first, distinct: distinct, separator: separator)
        case RASQAL_EXPR_FUNCTION:
            let fn = x.name.map(iri) ?? "?"
            throw unsupported("function <\(fn)>")
        default:
            let opName = rasqal_expression_op_label(x.op).map { String(cString: $0) } ?? "operator \(x.op.rawValue)"
            throw unsupported(opName.uppercased())
        }
    }
}
