import KruispuntRDF

/// A parsed SPARQL query as plain data: what to return (the form, projection, modifiers) and the
/// graph pattern to match. It knows nothing of rasqal (which parsed it) nor of SQL (which runs it).
///
/// ```swift
/// let query = try SPARQLParser().parse("SELECT ?s WHERE { ?s a <http://ex.org/C> }")
/// ```
public struct SPARQLQuery: Sendable, Equatable {
    public enum Form: Sendable, Equatable {
        /// SELECT: the projected variables (empty with `*`: every variable in scope).
        case select(projection: [Projection], star: Bool)
        case ask
        case construct(template: [TriplePattern])
        /// DESCRIBE of IRIs or variables.
        case describe([PatternTerm])
    }

    /// A projected variable, computed from an expression when `expression` is set.
    public struct Projection: Sendable, Equatable {
        public var variable: String
        public var expression: Expression?
    }

    /// A sort key.
    public struct OrderCondition: Sendable, Equatable {
        public var expression: Expression
        public var descending: Bool
    }

    public var form: Form
    public var pattern: GraphPattern
    public var distinct = false
    public var reduced = false
    public var groupBy: [Projection] = []
    public var having: [Expression] = []
    public var orderBy: [OrderCondition] = []
    public var limit: Int?
    public var offset: Int?
    /// FROM graphs (the default graph is their merge) and FROM NAMED graphs; nil when the query
    /// names none (the store's dataset applies).
    public var from: [String]?
    public var fromNamed: [String]?

    /// Whether the query groups (GROUP BY, or an aggregate anywhere in its projection or HAVING).
    public var isAggregate: Bool {
        guard case .select(let projection, _) = form else { return !groupBy.isEmpty }
        return !groupBy.isEmpty || !having.isEmpty || projection.contains { $0.expression?.containsAggregate == true }
    }
}

/// A subject, predicate, object or graph position: a variable or a fixed term.
public enum PatternTerm: Sendable, Hashable {
    case variable(String)
    case term(Term)

    public var variable: String? { if case .variable(let v) = self { return v } else { return nil } }
}

/// A triple pattern.
public struct TriplePattern: Sendable, Hashable {
    public var subject: PatternTerm
    public var predicate: PatternTerm
    public var object: PatternTerm

    public init(_ subject: PatternTerm, _ predicate: PatternTerm, _ object: PatternTerm) {
        self.subject = subject
        self.predicate = predicate
        self.object = object
    }

    public var variables: [String] { [subject, predicate, object].compactMap(\.variable) }
}

/// The SPARQL algebra of the subset: basic graph patterns and the operators over them.
public indirect enum GraphPattern: Sendable, Equatable {
    case bgp([TriplePattern])
    case join(GraphPattern, GraphPattern)
    /// OPTIONAL: the left side, extended by the right where it matches and the filter holds.
    case leftJoin(GraphPattern, GraphPattern, Expression?)
    case union(GraphPattern, GraphPattern)
    case filter(Expression, GraphPattern)
    case graph(PatternTerm, GraphPattern)
    /// BIND: the pattern with one more variable computed per solution.
    case extend(GraphPattern, String, Expression)
    /// VALUES: fixed solutions (nil: unbound).
    case values([String], [[Term?]])

    /// The variables the pattern can bind, in order of first appearance.
    public var variables: [String] {
        var seen: [String] = []
        func add(_ v: String) { if !seen.contains(v) { seen.append(v) } }
        func walk(_ p: GraphPattern) {
            switch p {
            case .bgp(let triples): triples.flatMap(\.variables).forEach(add)
            case .join(let a, let b), .leftJoin(let a, let b, _), .union(let a, let b): walk(a); walk(b)
            case .filter(_, let inner): walk(inner)
            case .graph(let g, let inner): g.variable.map(add); walk(inner)
            case .extend(let inner, let v, _): walk(inner); add(v)
            case .values(let vars, _): vars.forEach(add)
            }
        }
        walk(self)
        return seen
    }
}

/// A SPARQL expression of the subset.
public indirect enum Expression: Sendable, Equatable {
    case variable(String)
    case constant(Term)
    case and(Expression, Expression)
    case or(Expression, Expression)
    case not(Expression)
    case compare(Comparison, Expression, Expression)
    case arithmetic(Arithmetic, Expression, Expression)
    case negate(Expression)
    /// A built-in function by name (upper case: `STR`, `LANG`, `REGEX`, ...).
    case function(String, [Expression])
    case bound(String)
    case `in`(Expression, [Expression], negated: Bool)
    /// An aggregate: `COUNT`, `SUM`, `AVG`, `MIN`, `MAX`, `SAMPLE`, `GROUP_CONCAT`; a nil
    /// argument is `COUNT(*)`.
    case aggregate(String, Expression?, distinct: Bool, separator: String?)

    public enum Comparison: String, Sendable {
        case eq = "=", ne = "!=", lt = "<", gt = ">", le = "<=", ge = ">="
    }

    public enum Arithmetic: String, Sendable {
        case add = "+", subtract = "-", multiply = "*", divide = "/"
    }

    public var containsAggregate: Bool {
        switch self {
        case .aggregate: return true
        case .variable, .constant, .bound: return false
        case .and(let a, let b), .or(let a, let b), .compare(_, let a, let b), .arithmetic(_, let a, let b):
            return a.containsAggregate || b.containsAggregate
        case .not(let a), .negate(let a): return a.containsAggregate
        case .function(_, let args): return args.contains { $0.containsAggregate }
        case .in(let a, let list, _): return a.containsAggregate || list.contains { $0.containsAggregate }
        }
    }
}

extension Expression {
    /// The variables the expression reads, in order of first appearance.
    public var variables: [String] { variables(.all) }

    /// The variables read inside an aggregate's argument (per row, not per group).
    public var aggregatedVariables: [String] { variables(.inAggregates) }

    /// The variables read only by `BOUND` (whether they have a term, never which).
    public var boundOnlyVariables: Set<String> { Set(variables(.all)).subtracting(variables(.asTerms)) }

    private enum Reading { case all, inAggregates, asTerms }

    private func variables(_ reading: Reading) -> [String] {
        var seen: [String] = []
        func add(_ v: String) { if !seen.contains(v) { seen.append(v) } }
        func walk(_ e: Expression, _ inAggregate: Bool) {
            switch e {
            case .variable(let v): if reading != .inAggregates || inAggregate { add(v) }
            case .bound(let v): if reading == .all || (reading == .inAggregates && inAggregate) { add(v) }
            case .constant: break
            case .and(let a, let b), .or(let a, let b), .compare(_, let a, let b), .arithmetic(_, let a, let b):
                walk(a, inAggregate); walk(b, inAggregate)
            case .not(let a), .negate(let a): walk(a, inAggregate)
            case .function(_, let args): args.forEach { walk($0, inAggregate) }
            case .in(let a, let list, _): walk(a, inAggregate); list.forEach { walk($0, inAggregate) }
            case .aggregate(_, let a, _, _): a.map { walk($0, true) }
            }
        }
        walk(self, false)
        return seen
    }
}
