import KruispuntRDF
import KruispuntStore

/// What a FILTER says about a variable's stored term that the dictionary's indexes on numbers and
/// instants can find: comparisons of the variable with a number or an instant, in conjuncts of
/// the filter. A basic pattern that binds the variable keeps only the terms that compare so (and,
/// for an instant, only dates with a date and date-times with a date-time, as 17.3 compares
/// them): exactly the terms for which the comparison is true. Where every solution of a pattern
/// was narrowed so (`Fragment.exact`), the filter leaves that conjunct out.
struct RangeHint: Equatable {
    enum Field: String { case number = "num", instant = "ts" }

    let op: Expression.Comparison
    let field: Field
    /// The bound's value, as PostgreSQL reads it (numeric or timestamptz).
    let value: String
    /// For an instant: whether the bound is an xsd:date.
    var date = false

    /// The conjuncts of a filter expression.
    static func conjuncts(_ e: Expression) -> [Expression] {
        if case .and(let a, let b) = e { return conjuncts(a) + conjuncts(b) }
        return [e]
    }

    /// The hint a conjunct is, if it is one.
    static func hint(of conjunct: Expression) -> (variable: String, hint: RangeHint)? {
        if case .and = conjunct { return nil }
        guard let (v, h) = hints(conjunct).first, let only = h.first, h.count == 1 else { return nil }
        return (v, only)
    }

    /// The hints of a filter expression, by variable.
    static func hints(_ e: Expression) -> [String: [RangeHint]] {
        switch e {
        case .and(let a, let b):
            return hints(a).merging(hints(b), uniquingKeysWith: +)
        case .compare(let op, .variable(let v), .constant(let t)):
            return hint(op, t).map { [v: [$0]] } ?? [:]
        case .compare(let op, .constant(let t), .variable(let v)):
            return hint(op.flipped, t).map { [v: [$0]] } ?? [:]
        default:
            return [:]
        }
    }

    /// `?v op t` holds only where the stored value compares so (17.3: a number compares with
    /// numbers, an instant with instants; equality of a valid number is equality of values).
    private static func hint(_ op: Expression.Comparison, _ t: Term) -> RangeHint? {
        guard op != .ne, case .literal(let lexical, let datatype?, nil) = t else { return nil }
        if let n = TypedValue.number(lexical, datatype: datatype) { return RangeHint(op: op, field: .number, value: n) }
        if let i = TypedValue.instant(lexical, datatype: datatype) { return RangeHint(op: op, field: .instant, value: i, date: datatype == XSD.date) }
        return nil
    }
}

extension Expression.Comparison {
    /// The comparison with its operands swapped.
    var flipped: Self {
        switch self {
        case .lt: return .gt
        case .gt: return .lt
        case .le: return .ge
        case .ge: return .le
        case .eq, .ne: return self
        }
    }
}
